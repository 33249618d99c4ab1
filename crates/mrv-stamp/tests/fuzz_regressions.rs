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

use mrv_stamp::rules::check_rules;
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
