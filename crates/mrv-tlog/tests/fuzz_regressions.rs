//! The fuzz targets `signed_note`, `checkpoint` and `tlog_proof` on stable: every input kept in
//! `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/` goes through the target's own checks
//! (`fuzz/src/tlog.rs`, included below), and the inputs that pin a behaviour are checked for it.
//! A crash the fuzzer finds is kept in `fuzz/regressions/<target>/` (docs/fuzzing.md).

#[allow(dead_code)]
#[path = "../../../fuzz/src/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../../../fuzz/src/tlog.rs"]
mod tlog;

use mrv_tlog::checkpoint::{Checkpoint, CheckpointError};
use mrv_tlog::note::{self, NoteError, VerifierKey};
use mrv_tlog::receipt::{Receipt, ReceiptError};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn input(name: &str) -> Vec<u8> {
    corpus::input(&fuzz_dir(), name)
}

fn text(name: &str) -> String {
    String::from_utf8(input(name)).unwrap()
}

#[test]
fn every_kept_signed_note_input_keeps_the_targets_properties() {
    for (name, bytes) in corpus::inputs(&fuzz_dir(), "signed_note") {
        eprintln!("{name}");
        tlog::check_note(&bytes);
    }
}

#[test]
fn every_kept_checkpoint_input_keeps_the_targets_properties() {
    for (name, bytes) in corpus::inputs(&fuzz_dir(), "checkpoint") {
        eprintln!("{name}");
        tlog::check_checkpoint(&bytes);
    }
}

#[test]
fn every_kept_tlog_proof_input_keeps_the_targets_properties() {
    for (name, bytes) in corpus::inputs(&fuzz_dir(), "tlog_proof") {
        eprintln!("{name}");
        tlog::check_receipt(&bytes);
    }
}

#[test]
fn the_seeds_open_and_verify_with_their_keys() {
    let go = VerifierKey::parse(tlog::GO_VKEY).unwrap();
    let log = tlog::log_key().verifier();
    let opened = note::open(
        &input("seeds/signed_note/go-example.note"),
        std::slice::from_ref(&go),
    )
    .unwrap();
    assert_eq!(opened.verified, [("PeterNeumann".to_owned(), 0xc74f20a3)]);
    let two = note::open(
        &input("seeds/signed_note/two-signers-blank-line.note"),
        &[go, log.clone()],
    )
    .unwrap();
    assert_eq!(
        (two.text.as_str(), two.verified.len()),
        ("first\n\nsecond line\n", 2)
    );
    assert_eq!(
        VerifierKey::parse(&text("seeds/signed_note/log.vkey")).unwrap(),
        log
    );
    let cp = Checkpoint::open(
        &input("seeds/checkpoint/signed-13.checkpoint"),
        tlog::LOG,
        &log,
    )
    .unwrap();
    assert_eq!(cp.size, 13);
    let receipt = Receipt::parse(&text("seeds/tlog_proof/index-5-of-13.tlog-proof")).unwrap();
    assert_eq!(
        receipt.verify(tlog::ENTRY, tlog::LOG, &log).unwrap().size,
        13
    );
    let other = Receipt::parse(&text("seeds/tlog_proof/index-0-of-13.tlog-proof")).unwrap();
    assert!(matches!(
        other.verify(tlog::ENTRY, tlog::LOG, &log),
        Err(ReceiptError::Proof(_))
    ));
}

#[test]
fn the_kept_edges_of_notes_keys_checkpoints_and_receipts() {
    let go = VerifierKey::parse(tlog::GO_VKEY).unwrap();
    assert_eq!(
        note::open(
            &input("regressions/signed_note/101-signatures.note"),
            std::slice::from_ref(&go)
        ),
        Err(NoteError::Malformed("more than 100 signatures"))
    );
    assert_eq!(
        note::open(
            &input("regressions/signed_note/signature-line-without-space.note"),
            std::slice::from_ref(&go)
        ),
        Err(NoteError::Malformed(
            "a signature line has a bad name or is too short"
        ))
    );
    // An upper-case key id is read, and written back in lower case.
    let upper = VerifierKey::parse(&text("regressions/signed_note/uppercase-key-id.vkey")).unwrap();
    assert_eq!((upper.to_text(), upper), (tlog::GO_VKEY.to_owned(), go));

    assert_eq!(
        Checkpoint::parse(&text("regressions/checkpoint/size-2-to-the-64.checkpoint")),
        Err(CheckpointError::Malformed(
            "the tree size is not a decimal below 2^64 without leading zeros"
        ))
    );
    let max = Checkpoint::parse(&text("regressions/checkpoint/size-u64-max.checkpoint")).unwrap();
    assert_eq!((max.size, max.extensions.len()), (u64::MAX, 2));

    // An index no tree can hold: parsed, then refused by the proof, without overflowing.
    let far = Receipt::parse(&text("regressions/tlog_proof/index-u64-max.tlog-proof")).unwrap();
    assert_eq!(far.index, u64::MAX);
    assert!(matches!(
        far.verify(tlog::ENTRY, tlog::LOG, &tlog::log_key().verifier()),
        Err(ReceiptError::Proof(_))
    ));
}
