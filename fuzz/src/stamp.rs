//! The stamp document (`stamp_document`): `Stamp::from_canonical_bytes`, what `verify-stamp`,
//! `verify-row`, `verify-receipt --stamp` and the export checks read a `stamp.json` with, then
//! the spec's rules and the signer's key as `verify-stamp` checks them, and RFC 8785 itself.
//!
//! Checked: nothing panics; a document that is accepted is exactly its canonical bytes, and the
//! rules (`check_rules`), the key it names (`parse_key`) and a signature check run on it; any
//! JSON that reads as a stamp of a known spec canonicalises to bytes that are accepted as an
//! equal stamp; and canonical JSON is a fixed point: any JSON value's canonical bytes, read
//! again, canonicalise to the same bytes.
//!
//! Used by the fuzz target and, through `#[path]`, by
//! `crates/mrv-stamp/tests/fuzz_regressions.rs`.

use mrv_stamp::document::{parse_key, stamp_hash, verify_signature, Stamp, SPECS};
use mrv_stamp::jcs::canonicalize;
use mrv_stamp::rules::check_rules;
use serde_json::Value;

/// The `stamp_document` target; returns the stamp when the input is a canonical one.
pub fn check(bytes: &[u8]) -> Option<Stamp> {
    let accepted = Stamp::from_canonical_bytes(bytes).ok();
    if let Some(stamp) = &accepted {
        assert_eq!(stamp.canonical_bytes().as_deref(), Ok(bytes));
        assert_eq!(stamp_hash(bytes).len(), 64);
        for breach in check_rules(stamp) {
            assert!(breach.rule.starts_with('S'), "{breach}");
        }
        if let Ok(key) = parse_key(&stamp.decision.verifier_key) {
            assert!(verify_signature(stamp, bytes, &"00".repeat(64), &key).is_err());
        }
    }
    if let Ok(stamp) = serde_json::from_slice::<Stamp>(bytes) {
        if SPECS.contains(&stamp.spec.as_str()) {
            if let Ok(canonical) = stamp.canonical_bytes() {
                assert_eq!(
                    Stamp::from_canonical_bytes(&canonical).as_ref(),
                    Ok(&stamp),
                    "{}",
                    String::from_utf8_lossy(&canonical)
                );
            }
        }
    }
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        if let Ok(canonical) = canonicalize(&value) {
            let again: Value = serde_json::from_slice(&canonical).unwrap_or_else(|e| {
                panic!(
                    "canonical JSON is not JSON: {e}\n{}",
                    String::from_utf8_lossy(&canonical)
                )
            });
            assert_eq!(
                canonicalize(&again).as_ref(),
                Ok(&canonical),
                "canonical JSON is not a fixed point: {}",
                String::from_utf8_lossy(&canonical)
            );
        }
    }
    accepted
}
