//! The fuzz target `stamp_document` on stable: every input kept in `fuzz/seeds/stamp_document/`
//! and `fuzz/regressions/stamp_document/` goes through the target's own checks
//! (`fuzz/src/stamp.rs`, included below), and the inputs that pin a behaviour are checked for
//! it. A crash the fuzzer finds is kept in `fuzz/regressions/stamp_document/`
//! (docs/fuzzing.md).

#[allow(dead_code)]
#[path = "../../../fuzz/src/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../../../fuzz/src/stamp.rs"]
mod stamp;

use mrv_stamp::jcs::{canonical_string, JcsError};
use mrv_stamp::rules::check_rules;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn input(name: &str) -> Vec<u8> {
    corpus::input(&fuzz_dir(), name)
}

#[test]
fn every_kept_stamp_document_input_keeps_the_targets_properties() {
    for (name, bytes) in corpus::inputs(&fuzz_dir(), "stamp_document") {
        eprintln!("{name}");
        stamp::check(&bytes);
    }
}

#[test]
fn the_spec_examples_are_canonical_stamps_that_keep_the_rules() {
    for (name, spec) in [
        ("seeds/stamp_document/spec-example-v2.json", "mrv-stamp/v2"),
        ("seeds/stamp_document/spec-example-v1.json", "mrv-stamp/v1"),
    ] {
        let doc = stamp::check(&input(name)).expect(name);
        assert_eq!(doc.spec, spec);
        assert_eq!(check_rules(&doc), []);
    }
    assert!(stamp::check(&input("seeds/stamp_document/jcs-numbers-and-escapes.json")).is_none());
}

/// Found by fuzzing: `100000000000000001e00000` (the double 1e17) canonicalised to
/// `100000000000000000`, which read again was refused as an integer beyond 2^53 — canonical
/// text that did not canonicalise. Fixed in `jcs`: an integer beyond 2^53 is kept when it is
/// exactly how its nearest double prints.
#[test]
fn canonical_text_of_a_large_double_canonicalises_to_itself() {
    let crash = input("regressions/stamp_document/crash-1e17-canonical-text-refused.json");
    let value: Value = serde_json::from_slice(&crash).unwrap();
    assert_eq!(canonical_string(&value).unwrap(), "100000000000000000");
    let again: Value = serde_json::from_str("100000000000000000").unwrap();
    assert_eq!(canonical_string(&again).unwrap(), "100000000000000000");

    let extremes = input("regressions/stamp_document/large-and-extreme-numbers.json");
    let value: Value = serde_json::from_slice(&extremes).unwrap();
    assert_eq!(
        canonical_string(&value).unwrap(),
        "[10000000000000000000,-1000000000000000000,0,5e-324,1.7976931348623157e+308,295147905179352830000,1152921504606847000]"
    );
    // An integer that a double cannot hold is still refused, not rounded.
    let unsafe_integer = input("regressions/stamp_document/unsafe-integer.json");
    let value: Value = serde_json::from_slice(&unsafe_integer).unwrap();
    assert_eq!(
        canonical_string(&value),
        Err(JcsError::Integer("9007199254740993".into()))
    );
    assert!(stamp::check(&unsafe_integer).is_none());
}
