//! C2SP `tlog-proof`: an offline-verifiable receipt that an entry is in a log — its index, the
//! inclusion proof and the signed checkpoint the proof leads to.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64>]
//! index <N>
//! <proof hash, base64>…
//!
//! <signed checkpoint>
//! ```

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::note::VerifierKey;
use crate::{leaf_hash, verify_inclusion, Hash, ProofError};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use thiserror::Error;

const HEADER: &str = "c2sp.org/tlog-proof@v1";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReceiptError {
    #[error("malformed receipt: {0}")]
    Malformed(&'static str),
    #[error("{0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("the inclusion proof does not hold: {0}")]
    Proof(#[from] ProofError),
}

/// A parsed receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

impl Receipt {
    pub fn to_text(&self) -> String {
        let mut t = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            t.push_str(&format!("extra {}\n", B64.encode(extra)));
        }
        t.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            t.push_str(&B64.encode(h));
            t.push('\n');
        }
        t.push('\n');
        t.push_str(&self.checkpoint);
        t
    }

    pub fn parse(text: &str) -> Result<Receipt, ReceiptError> {
        let bad = ReceiptError::Malformed;
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or(bad("no blank line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad("the first line is not c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().ok_or(bad("no index line"))?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(
                B64.decode(b64)
                    .map_err(|_| bad("the extra data is not base64"))?,
            );
            line = lines.next().ok_or(bad("no index line"))?;
        }
        let index = line
            .strip_prefix("index ")
            .and_then(crate::canonical_decimal)
            .ok_or(bad("the index line is not `index <decimal>`"))?;
        let proof = lines
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|h| Hash::try_from(h).ok())
                    .ok_or(bad("a proof line is not a base64 SHA-256 hash"))
            })
            .collect::<Result<Vec<Hash>, _>>()?;
        if checkpoint.is_empty() {
            return Err(bad("no checkpoint"));
        }
        Ok(Receipt {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Verifies that `entry` is at this receipt's index in the log `origin` signed by `key`,
    /// returning the checkpoint it is proven against.
    pub fn verify(
        &self,
        entry: &[u8],
        origin: &str,
        key: &VerifierKey,
    ) -> Result<Checkpoint, ReceiptError> {
        let cp = Checkpoint::open(self.checkpoint.as_bytes(), origin, key)?;
        verify_inclusion(
            &leaf_hash(entry),
            self.index,
            cp.size,
            &self.proof,
            &cp.root,
        )?;
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::Levels;
    use crate::note::SignerKey;

    fn log(n: u32) -> (Levels, Vec<Vec<u8>>) {
        let entries: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("entry {i}\n").into_bytes())
            .collect();
        let mut tree = Levels::new();
        for e in &entries {
            tree.push(leaf_hash(e));
        }
        (tree, entries)
    }

    fn receipt(tree: &Levels, key: &SignerKey, index: u64) -> Receipt {
        let size = tree.size();
        let cp = Checkpoint {
            origin: "log.example".into(),
            size,
            root: tree.root(size).unwrap(),
            extensions: vec![],
        };
        Receipt {
            extra: None,
            index,
            proof: tree.inclusion_proof(index, size).unwrap(),
            checkpoint: cp.sign(key).unwrap(),
        }
    }

    #[test]
    fn receipts_round_trip_and_verify() {
        let key = SignerKey::from_seed("log.example", &[3; 32]).unwrap();
        let (tree, entries) = log(13);
        for i in 0..13 {
            let mut r = receipt(&tree, &key, i);
            if i == 5 {
                r.extra = Some(b"stamp".to_vec());
            }
            let text = r.to_text();
            assert!(text.starts_with("c2sp.org/tlog-proof@v1\n"));
            let back = Receipt::parse(&text).unwrap();
            assert_eq!(back, r);
            let cp = back
                .verify(&entries[i as usize], "log.example", &key.verifier())
                .unwrap();
            assert_eq!(cp.size, 13);
        }
    }

    #[test]
    fn wrong_entry_key_origin_index_or_truncated_proof_is_refused() {
        let key = SignerKey::from_seed("log.example", &[3; 32]).unwrap();
        let (tree, entries) = log(13);
        let r = receipt(&tree, &key, 6);
        let v = key.verifier();
        assert!(matches!(
            r.verify(&entries[7], "log.example", &v),
            Err(ReceiptError::Proof(ProofError::RootMismatch))
        ));
        let other = SignerKey::from_seed("log.example", &[4; 32]).unwrap();
        assert!(matches!(
            r.verify(&entries[6], "log.example", &other.verifier()),
            Err(ReceiptError::Checkpoint(_))
        ));
        assert!(matches!(
            r.verify(&entries[6], "other.example", &v),
            Err(ReceiptError::Checkpoint(
                CheckpointError::WrongOrigin { .. }
            ))
        ));
        let mut moved = r.clone();
        moved.index = 7;
        assert!(moved.verify(&entries[6], "log.example", &v).is_err());
        let mut short = r.clone();
        short.proof.pop();
        assert!(matches!(
            short.verify(&entries[6], "log.example", &v),
            Err(ReceiptError::Proof(ProofError::WrongLength { .. }))
        ));
    }

    #[test]
    fn malformed_receipts_are_refused() {
        let key = SignerKey::from_seed("log.example", &[3; 32]).unwrap();
        let (tree, _) = log(4);
        let good = receipt(&tree, &key, 1).to_text();
        for bad in [
            good.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"),
            good.replace("index 1", "index 01"),
            good.replace("index 1", "index"),
            good.replace("index 1", "idx 1"),
            good.replacen("\n\n", "\n", 1),
            good.replacen('=', "", 1),
            good[..good.find("\n\n").unwrap() + 2].to_owned(),
        ] {
            assert!(Receipt::parse(&bad).is_err(), "{bad}");
        }
    }
}
