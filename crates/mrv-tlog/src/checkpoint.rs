//! C2SP `tlog-checkpoint`: the note text that commits a log to a size and a root.
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <root hash, base64>
//! [extension lines]
//! ```

use crate::note::{self, NoteError, SignerKey, VerifierKey};
use crate::Hash;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    #[error("the checkpoint is for log {got:?}, not {want:?}")]
    WrongOrigin { got: String, want: String },
    #[error("the checkpoint's signature: {0}")]
    Note(#[from] NoteError),
}

/// A log's commitment to its first `size` entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Optional lines after the root (none are written by our log).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text (ends in a newline).
    pub fn to_text(&self) -> String {
        let mut t = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            t.push_str(e);
            t.push('\n');
        }
        t
    }

    /// Parses a checkpoint's note text (without signatures).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = CheckpointError::Malformed;
        let body = text
            .strip_suffix('\n')
            .ok_or(bad("the text does not end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or("");
        if origin.is_empty() {
            return Err(bad("the origin line is empty"));
        }
        let size = lines.next().ok_or(bad("no tree size line"))?;
        let size = crate::canonical_decimal(size).ok_or(bad(
            "the tree size is not a decimal below 2^64 without leading zeros",
        ))?;
        let root = B64
            .decode(lines.next().ok_or(bad("no root hash line"))?)
            .map_err(|_| bad("the root hash is not base64"))?;
        let root: Hash = root
            .try_into()
            .map_err(|_| bad("the root hash is not 32 bytes"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad("an empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The signed checkpoint note.
    pub fn sign(&self, key: &SignerKey) -> Result<String, CheckpointError> {
        Ok(note::sign(&self.to_text(), &[key])?)
    }

    /// Opens a signed checkpoint from the log `origin` whose key is `key`: the signature must
    /// verify and the origin must match (the key's name is the origin by convention, but the
    /// text's first line is what is checked).
    pub fn open(
        signed: &[u8],
        origin: &str,
        key: &VerifierKey,
    ) -> Result<Checkpoint, CheckpointError> {
        let opened = note::open(signed, std::slice::from_ref(key))?;
        let cp = Checkpoint::parse(&opened.text)?;
        if cp.origin != origin {
            return Err(CheckpointError::WrongOrigin {
                got: cp.origin,
                want: origin.to_owned(),
            });
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::empty_root;

    fn key() -> SignerKey {
        SignerKey::from_seed("log.example/mrv", &[9; 32]).unwrap()
    }

    #[test]
    fn round_trips_signs_and_opens() {
        let cp = Checkpoint {
            origin: "log.example/mrv".into(),
            size: 1234,
            root: [0xab; 32],
            extensions: vec![],
        };
        let text = cp.to_text();
        assert_eq!(
            text,
            "log.example/mrv\n1234\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"
        );
        assert_eq!(Checkpoint::parse(&text).unwrap(), cp);
        let signed = cp.sign(&key()).unwrap();
        let back =
            Checkpoint::open(signed.as_bytes(), "log.example/mrv", &key().verifier()).unwrap();
        assert_eq!(back, cp);
        assert!(matches!(
            Checkpoint::open(signed.as_bytes(), "other.example", &key().verifier()),
            Err(CheckpointError::WrongOrigin { .. })
        ));
        let other = SignerKey::from_seed("log.example/mrv", &[8; 32]).unwrap();
        assert!(matches!(
            Checkpoint::open(signed.as_bytes(), "log.example/mrv", &other.verifier()),
            Err(CheckpointError::Note(NoteError::NoTrustedSignature))
        ));
    }

    #[test]
    fn extensions_are_kept() {
        let text = format!("o\n0\n{}\nfoo bar\nbaz\n", B64.encode(empty_root()));
        let cp = Checkpoint::parse(&text).unwrap();
        assert_eq!(cp.extensions, vec!["foo bar", "baz"]);
        assert_eq!(cp.to_text(), text);
    }

    #[test]
    fn malformed_checkpoints_are_refused() {
        let root = B64.encode([1u8; 32]);
        for bad in [
            String::new(),
            format!("o\n5\n{root}"),
            format!("\n5\n{root}\n"),
            format!("o\n05\n{root}\n"),
            format!("o\n-5\n{root}\n"),
            format!("o\n\n{root}\n"),
            format!("o\n99999999999999999999\n{root}\n"),
            "o\n5\n\n".to_owned(),
            format!("o\n5\n{}\n", B64.encode([1u8; 31])),
            "o\n5\nnot base64!\n".to_owned(),
            format!("o\n5\n{root}\n\nx\n"),
            "o\n5\n".to_owned(),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
