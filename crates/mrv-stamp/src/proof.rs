//! Row proofs: that one measurement row belongs to a stamped batch, checkable with the stamp
//! alone (an RFC 6962 inclusion proof of the row's leaf under `rows.root`).

use crate::document::Stamp;
use mrv_tlog::{leaf_hash, verify_inclusion, Hash};
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub const PROOF_SPEC: &str = "mrv-row-proof/v1";

/// A row proof file (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowProof {
    pub spec: String,
    pub batch: i64,
    /// The stamp this proof is against (its `stamp_hash`).
    pub stamp_hash: String,
    /// 1-based row.
    pub row: u64,
    /// The row's canonical leaf text (spec §3).
    pub leaf: String,
    /// Audit path, hex, leaf to root.
    pub path: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RowProofError {
    #[error("not a {PROOF_SPEC} row proof: {0}")]
    Malformed(String),
    #[error("the proof is for stamp {proof}, not this stamp ({stamp})")]
    OtherStamp { proof: String, stamp: String },
    #[error("the proof is for batch {proof}, the stamp for batch {stamp}")]
    OtherBatch { proof: i64, stamp: i64 },
    #[error("row {row} is not in a batch of {count} rows")]
    NoSuchRow { row: u64, count: u64 },
    #[error("the row's leaf says it is row {said}, the proof says row {row}")]
    RowMismatch { said: String, row: u64 },
    #[error("row {row} does not lead to the stamp's rows root: {reason}")]
    NotIncluded { row: u64, reason: String },
}

fn parse_hash(text: &str) -> Option<Hash> {
    hex::decode(text).ok()?.try_into().ok()
}

/// Checks `proof` against `stamp` (whose hash is `stamp_hash`).
pub fn verify_row_proof(
    proof: &RowProof,
    stamp: &Stamp,
    stamp_hash: &str,
) -> Result<(), RowProofError> {
    if proof.spec != PROOF_SPEC {
        return Err(RowProofError::Malformed(format!(
            "spec is `{}`",
            proof.spec
        )));
    }
    if proof.stamp_hash != stamp_hash {
        return Err(RowProofError::OtherStamp {
            proof: proof.stamp_hash.clone(),
            stamp: stamp_hash.to_owned(),
        });
    }
    if proof.batch != stamp.batch.id {
        return Err(RowProofError::OtherBatch {
            proof: proof.batch,
            stamp: stamp.batch.id,
        });
    }
    let count = stamp.rows.count;
    if proof.row == 0 || proof.row > count {
        return Err(RowProofError::NoSuchRow {
            row: proof.row,
            count,
        });
    }
    // The leaf must be the row it claims to be.
    let leaf: serde_json::Value = serde_json::from_str(&proof.leaf)
        .map_err(|e| RowProofError::Malformed(format!("leaf: {e}")))?;
    if leaf.get("row").and_then(|r| r.as_u64()) != Some(proof.row) {
        return Err(RowProofError::RowMismatch {
            said: leaf.get("row").map_or("nothing".into(), |r| r.to_string()),
            row: proof.row,
        });
    }
    let path: Vec<Hash> = proof
        .path
        .iter()
        .map(|h| parse_hash(h).ok_or_else(|| RowProofError::Malformed(format!("path hash `{h}`"))))
        .collect::<Result<_, _>>()?;
    let root = parse_hash(&stamp.rows.root)
        .ok_or_else(|| RowProofError::Malformed("the stamp's rows root is not a hash".into()))?;
    verify_inclusion(
        &leaf_hash(proof.leaf.as_bytes()),
        proof.row - 1,
        count,
        &path,
        &root,
    )
    .map_err(|e| RowProofError::NotIncluded {
        row: proof.row,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::stamp_hash;
    use crate::document::tests::example;
    use crate::rows::{write_leaf, RowInput, RowSchema, ValueKind};

    fn batch(n: u64) -> (Stamp, String, Vec<String>) {
        let schema = RowSchema::new(vec![("plot_id".into(), ValueKind::Text)]);
        let mut leaves = Vec::new();
        for i in 1..=n {
            let id = format!("P-{i}");
            let values = [id.as_str()];
            let row = RowInput {
                index: i,
                id: &id,
                lon: 1.0,
                lat: 2.0,
                values: &values,
            };
            let mut out = Vec::new();
            write_leaf(&schema, &row, &mut out).unwrap();
            leaves.push(String::from_utf8(out).unwrap());
        }
        let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l.as_bytes())).collect();
        let mut stamp = example();
        stamp.rows.count = n;
        stamp.rows.root = hex::encode(mrv_tlog::root(&hashes));
        let hash = stamp_hash(&stamp.canonical_bytes().unwrap());
        (stamp, hash, leaves)
    }

    fn proof_of(stamp: &Stamp, hash: &str, leaves: &[String], row: u64) -> RowProof {
        let hashes: Vec<Hash> = leaves.iter().map(|l| leaf_hash(l.as_bytes())).collect();
        RowProof {
            spec: PROOF_SPEC.into(),
            batch: stamp.batch.id,
            stamp_hash: hash.into(),
            row,
            leaf: leaves[row as usize - 1].clone(),
            path: mrv_tlog::inclusion_proof(&hashes, row - 1)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect(),
        }
    }

    #[test]
    fn every_row_of_a_batch_proves_and_a_changed_row_does_not() {
        let (stamp, hash, leaves) = batch(11);
        for row in 1..=11 {
            verify_row_proof(&proof_of(&stamp, &hash, &leaves, row), &stamp, &hash).unwrap();
        }
        let mut changed = proof_of(&stamp, &hash, &leaves, 4);
        changed.leaf = changed.leaf.replace("P-4", "P-44");
        let err = verify_row_proof(&changed, &stamp, &hash).unwrap_err();
        assert!(
            matches!(err, RowProofError::NotIncluded { row: 4, .. }),
            "{err}"
        );
        let mut moved = proof_of(&stamp, &hash, &leaves, 4);
        moved.row = 5;
        assert!(matches!(
            verify_row_proof(&moved, &stamp, &hash),
            Err(RowProofError::RowMismatch { .. })
        ));
        let other = proof_of(&stamp, &hash, &leaves, 2);
        assert!(matches!(
            verify_row_proof(&other, &stamp, &"f".repeat(64)),
            Err(RowProofError::OtherStamp { .. })
        ));
    }
}
