//! The stamp document (spec `mrv-stamp/v2` §4–§5, `mrv-stamp/v1` still read): what an approved
//! batch is, as canonical JSON; its hash; and the verifier's Ed25519 signature over its bytes.

use crate::jcs::{canonicalize, JcsError};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The spec new stamps are made under: v1 plus the `claimed` member (the batch's claimed total).
pub const SPEC: &str = "mrv-stamp/v2";
/// The first spec; its stamps still verify.
pub const SPEC_V1: &str = "mrv-stamp/v1";
/// Every spec a stamp may name.
pub const SPECS: [&str; 2] = [SPEC_V1, SPEC];

/// Everything a stamp commits to. Serialised with RFC 8785; field names are the spec's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    pub spec: String,
    pub batch: BatchPart,
    pub project: ProjectPart,
    pub methodology: MethodologyPart,
    pub period: PeriodPart,
    pub source: SourcePart,
    pub rows: RowsPart,
    /// Sorted by name.
    pub layers: Vec<LayerPart>,
    pub flags: FlagsPart,
    /// Evidence files attached to the batch, sorted by SHA-256.
    pub evidence: Vec<EvidencePart>,
    pub decision: DecisionPart,
    /// v2 only (absent from v1 documents): what the batch claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed: Option<ClaimedPart>,
}

/// What a batch claims (v2, §4): the column summed and its exact total, recomputable from the
/// rows, and the rows that were material at approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimedPart {
    /// The methodology's claimed tCO2e field: a `number` column of `rows.columns`.
    pub field: String,
    /// The exact sum of that column's values over every row, in §2's number form.
    pub total: String,
    /// The methodology's materiality threshold in percent, in §2's number form.
    pub materiality_percent: String,
    /// The material rows at approval (1-based, ascending): each has a justification.
    pub material_rows: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchPart {
    pub id: i64,
    pub version: i64,
    pub supersedes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectPart {
    pub id: i64,
    pub name: String,
    /// SHA-256 of the boundary as stored (WGS84 GeoJSON geometry text).
    pub boundary_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodologyPart {
    pub id: String,
    pub version: String,
    /// SHA-256 of the profile (TOML text) the rows were validated against, exported beside the
    /// stamp as `profile.toml`.
    pub profile_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodPart {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcePart {
    pub name: String,
    pub sha256: String,
    /// `csv` or `geojson`.
    pub format: String,
    /// The CRS the coordinates were read in, e.g. `EPSG:4326`.
    pub crs: String,
    /// How the file's columns were mapped to the methodology's fields (source → field).
    pub mapping: Vec<MappingPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingPart {
    pub source: String,
    pub field: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowsPart {
    pub count: u64,
    /// RFC 6962 tree hash of the row leaves, hex.
    pub root: String,
    /// The columns of each leaf's `fields`, in the batch's order, with their kinds.
    pub columns: Vec<ColumnPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnPart {
    pub name: String,
    /// `text`, `number` or `date`.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerPart {
    pub name: String,
    pub kind: String,
    pub band: i64,
    pub acquired_on: Option<String>,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagsPart {
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    /// Count per check name, sorted by name.
    pub by_check: Vec<CheckCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckCount {
    pub check: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidencePart {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionPart {
    /// The approving verifier's user name.
    pub verifier: String,
    /// Their Ed25519 public key, `ed25519:` + 64 hex digits.
    pub verifier_key: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub approved_at: String,
    /// One per high-severity flag open at approval and (v2) at least one per material row,
    /// sorted by row then check.
    pub justifications: Vec<JustificationPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JustificationPart {
    pub row: i64,
    pub check: String,
    /// v2 only (absent from v1 documents): the justified flag's severity, `high`, `medium` or
    /// `low`; a flag below `high` is justified because its row is material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StampError {
    #[error("the stamp cannot be canonicalised: {0}")]
    Canonical(#[from] JcsError),
    #[error("the stamp document is not valid JSON for {SPEC}: {0}")]
    Malformed(String),
    #[error(
        "the stamp document is not in canonical form (RFC 8785); it was changed after signing"
    )]
    NotCanonical,
    #[error("the public key `{0}` is not `ed25519:` followed by 64 hex digits")]
    BadKey(String),
    #[error("the signature is not 128 hex digits")]
    BadSignatureText,
    #[error("the signature does not verify with the signer's key {0}: the stamp was changed or signed by someone else")]
    BadSignature(String),
    #[error("the signer's key {signer} is not the key the stamp names for its verifier ({named})")]
    WrongSigner { signer: String, named: String },
}

impl Stamp {
    /// The canonical bytes that are hashed and signed.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, StampError> {
        let value = serde_json::to_value(self).map_err(|e| StampError::Malformed(e.to_string()))?;
        Ok(canonicalize(&value)?)
    }

    /// Reads a stamp document, refusing bytes that are not exactly its canonical form.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Stamp, StampError> {
        let stamp: Stamp =
            serde_json::from_slice(bytes).map_err(|e| StampError::Malformed(e.to_string()))?;
        if !SPECS.contains(&stamp.spec.as_str()) {
            return Err(StampError::Malformed(format!(
                "spec is `{}`, not `{SPEC}` or `{SPEC_V1}`",
                stamp.spec
            )));
        }
        if stamp.canonical_bytes()? != bytes {
            return Err(StampError::NotCanonical);
        }
        Ok(stamp)
    }
}

/// `stamp_hash`: SHA-256 of the canonical bytes, hex.
pub fn stamp_hash(canonical: &[u8]) -> String {
    hex::encode(Sha256::digest(canonical))
}

/// `ed25519:` + the public key in hex.
pub fn key_text(key: &VerifyingKey) -> String {
    format!("ed25519:{}", hex::encode(key.as_bytes()))
}

pub fn parse_key(text: &str) -> Result<VerifyingKey, StampError> {
    let bad = || StampError::BadKey(text.trim().to_owned());
    let hex_part = text.trim().strip_prefix("ed25519:").ok_or_else(bad)?;
    let bytes: [u8; 32] = hex::decode(hex_part)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(bad)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad())
}

/// The signature over the canonical bytes, hex.
pub fn sign(key: &SigningKey, canonical: &[u8]) -> String {
    hex::encode(key.sign(canonical).to_bytes())
}

/// Checks `signature` (hex) over `canonical` with `signer`, and that `signer` is the key the
/// stamp names for its verifier.
pub fn verify_signature(
    stamp: &Stamp,
    canonical: &[u8],
    signature: &str,
    signer: &VerifyingKey,
) -> Result<(), StampError> {
    let named = &stamp.decision.verifier_key;
    if key_text(signer) != *named {
        return Err(StampError::WrongSigner {
            signer: key_text(signer),
            named: named.clone(),
        });
    }
    let bytes: [u8; 64] = hex::decode(signature.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(StampError::BadSignatureText)?;
    signer
        .verify_strict(canonical, &Signature::from_bytes(&bytes))
        .map_err(|_| StampError::BadSignature(key_text(signer)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The worked example of docs/stamp-spec.md (v2): the v1 example with what it claims.
    pub(crate) fn example() -> Stamp {
        let v1 = example_v1();
        Stamp {
            spec: SPEC.into(),
            claimed: Some(ClaimedPart {
                field: "claimed_tco2e".into(),
                total: "2.15".into(),
                materiality_percent: "5".into(),
                material_rows: vec![2],
            }),
            decision: DecisionPart {
                justifications: vec![JustificationPart {
                    severity: Some("high".into()),
                    ..v1.decision.justifications[0].clone()
                }],
                ..v1.decision.clone()
            },
            ..v1
        }
    }

    /// The worked example of docs/stamp-spec.md under v1, kept to show v1 stamps still verify.
    pub(crate) fn example_v1() -> Stamp {
        Stamp {
            spec: SPEC_V1.into(),
            claimed: None,
            batch: BatchPart {
                id: 2,
                version: 2,
                supersedes: Some(1),
            },
            project: ProjectPart {
                id: 1,
                name: "Serra do Mar ARR".into(),
                boundary_sha256: "0".repeat(64),
            },
            methodology: MethodologyPart {
                id: "arr-tree-plots".into(),
                version: "1.0".into(),
                profile_sha256: "3".repeat(64),
            },
            period: PeriodPart {
                start: "2025-01-01".into(),
                end: "2025-12-31".into(),
            },
            source: SourcePart {
                name: "plots.csv".into(),
                sha256: "1".repeat(64),
                format: "csv".into(),
                crs: "EPSG:4326".into(),
                mapping: vec![],
            },
            rows: RowsPart {
                count: 2,
                root: "2".repeat(64),
                columns: [
                    ("plot_id", "text"),
                    ("date", "date"),
                    ("dbh_cm", "number"),
                    ("claimed_tco2e", "number"),
                ]
                .into_iter()
                .map(|(name, kind)| ColumnPart {
                    name: name.into(),
                    kind: kind.into(),
                })
                .collect(),
            },
            layers: vec![],
            flags: FlagsPart {
                high: 1,
                medium: 0,
                low: 0,
                by_check: vec![CheckCount {
                    check: "outside_boundary".into(),
                    count: 1,
                }],
            },
            evidence: vec![],
            decision: DecisionPart {
                verifier: "vera".into(),
                verifier_key: key_text(&example_key().verifying_key()),
                approved_at: "2026-11-27T12:00:00Z".into(),
                justifications: vec![JustificationPart {
                    row: 2,
                    check: "outside_boundary".into(),
                    severity: None,
                    text: "GPS drift; plot confirmed in the field photo".into(),
                }],
            },
        }
    }

    /// A fixed key for examples: the seed is 32 bytes of 0x07.
    pub(crate) fn example_key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn canonical_bytes_round_trip_and_refuse_edits() {
        let stamp = example();
        let bytes = stamp.canonical_bytes().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(r#"{"batch":{"id":2,"supersedes":1,"version":2},"claimed":{"field":"claimed_tco2e","#), "{text}");
        assert_eq!(Stamp::from_canonical_bytes(&bytes).unwrap(), stamp);
        let pretty = serde_json::to_vec_pretty(&stamp).unwrap();
        assert_eq!(
            Stamp::from_canonical_bytes(&pretty),
            Err(StampError::NotCanonical)
        );
    }

    #[test]
    fn v1_documents_are_still_read_and_keep_their_bytes() {
        let v1 = example_v1();
        let bytes = v1.canonical_bytes().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains(r#""claimed":"#), "{text}");
        assert!(!text.contains("severity"), "{text}");
        assert!(text.ends_with(r#""spec":"mrv-stamp/v1"}"#), "{text}");
        assert_eq!(Stamp::from_canonical_bytes(&bytes).unwrap(), v1);
        let v2 = example().canonical_bytes().unwrap();
        assert!(String::from_utf8(v2.clone())
            .unwrap()
            .contains(r#""claimed":{"field":"claimed_tco2e","material_rows":[2],"materiality_percent":"5","total":"2.15"}"#));
        assert!(String::from_utf8(example().canonical_bytes().unwrap())
            .unwrap()
            .contains(r#""severity":"high""#));
        let v3 = String::from_utf8(v2)
            .unwrap()
            .replace("mrv-stamp/v2", "mrv-stamp/v3");
        assert!(matches!(
            Stamp::from_canonical_bytes(v3.as_bytes()),
            Err(StampError::Malformed(_))
        ));
    }

    #[test]
    fn signatures_verify_and_name_what_is_wrong() {
        let stamp = example();
        let key = example_key();
        let bytes = stamp.canonical_bytes().unwrap();
        let sig = sign(&key, &bytes);
        verify_signature(&stamp, &bytes, &sig, &key.verifying_key()).unwrap();

        // A tampered stamp (one approval time changed) no longer verifies.
        let mut tampered = stamp.clone();
        tampered.decision.approved_at = "2026-11-28T12:00:00Z".into();
        let tampered_bytes = tampered.canonical_bytes().unwrap();
        assert_eq!(
            verify_signature(&tampered, &tampered_bytes, &sig, &key.verifying_key()),
            Err(StampError::BadSignature(key_text(&key.verifying_key())))
        );
        // Signed by someone else: the key is not the one the stamp names.
        let other = SigningKey::from_bytes(&[9u8; 32]);
        let other_sig = sign(&other, &bytes);
        let err = verify_signature(&stamp, &bytes, &other_sig, &other.verifying_key()).unwrap_err();
        assert!(matches!(err, StampError::WrongSigner { .. }), "{err}");
        assert!(err.to_string().contains("is not the key the stamp names"));
        assert_eq!(
            verify_signature(&stamp, &bytes, "abc", &key.verifying_key()),
            Err(StampError::BadSignatureText)
        );
    }

    #[test]
    fn keys_round_trip_as_text() {
        let key = example_key().verifying_key();
        assert_eq!(parse_key(&key_text(&key)).unwrap(), key);
        assert!(parse_key("ed25519:abcd").is_err());
        assert!(parse_key(&hex::encode(key.as_bytes())).is_err());
    }
}
