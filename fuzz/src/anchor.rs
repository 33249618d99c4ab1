//! The audit-log entry parser (`anchor_entry`): `mrv_core::AnchorEntry::parse`, what the audit
//! log runs on every `POST /add` body, and the format of a stamp export's `anchor.entry`.
//!
//! Checked: parsing never panics, and an entry it accepts is exactly its canonical bytes (one
//! record, one spelling, one leaf): `to_bytes()` gives the input back and parses to an equal
//! entry.
//!
//! Used by the fuzz target and, through `#[path]`, by
//! `crates/mrv-core/tests/fuzz_regressions.rs`.

use mrv_core::AnchorEntry;

/// The `anchor_entry` target; returns the entry when the input is one.
pub fn check(bytes: &[u8]) -> Option<AnchorEntry> {
    let entry = AnchorEntry::parse(bytes).ok()?;
    assert_eq!(
        entry.to_bytes(),
        bytes,
        "an accepted entry is its canonical spelling"
    );
    assert_eq!(AnchorEntry::parse(&entry.to_bytes()).as_ref(), Ok(&entry));
    Some(entry)
}
