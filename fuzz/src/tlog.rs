//! The audit log's text formats in mrv-tlog: signed notes and their keys (`signed_note`),
//! checkpoints (`checkpoint`) and tlog-proof receipts (`tlog_proof`, the stamp export's
//! `anchor.tlog-proof`).
//!
//! The keys trusted are Go's published `sumdb/note` example key and [`LOG`], a log key made
//! from a fixed seed; the seeds under `fuzz/seeds/` are signed with them, so the fuzzer starts
//! from notes, checkpoints and receipts that verify.
//!
//! Used by the fuzz targets and, through `#[path]`, by
//! `crates/mrv-tlog/tests/fuzz_regressions.rs`.

use mrv_tlog::checkpoint::Checkpoint;
use mrv_tlog::note::{self, SignerKey, VerifierKey};
use mrv_tlog::receipt::Receipt;
use mrv_tlog::{leaf_hash, verify_inclusion};

/// The log's name (its checkpoints' origin).
pub const LOG: &str = "log.example/mrv";
/// The seed of the log's Ed25519 key.
pub const LOG_SEED: [u8; 32] = [9; 32];
/// Go's example verifier key (golang.org/x/mod/sumdb/note).
pub const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/// The entry the receipt seeds prove (an `mrv-anchor/v1` stamp entry).
pub const ENTRY: &[u8] = b"mrv-anchor/v1\nkind stamp\nid batch-1-v1\nsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";

pub fn log_key() -> SignerKey {
    SignerKey::from_seed(LOG, &LOG_SEED).expect("the log key")
}

fn has_control(text: &str) -> bool {
    text.chars().any(|c| c < ' ' && c != '\n')
}

/// The `signed_note` target.
///
/// Checked: `note::open` never panics; a note it opens was signed by a trusted key, its text is
/// the input's beginning and ends in a newline, and no key is both verified and unknown.
/// Key texts: a verifier or private key that parses writes back to a text that parses to the
/// same key. Signing: the input as a note text, signed with the log key, opens with that key to
/// exactly that text (and signing refuses only texts that are not notes: no final newline or
/// control characters).
pub fn check_note(bytes: &[u8]) {
    let log = log_key();
    let known = [
        VerifierKey::parse(GO_VKEY).expect("Go's key"),
        log.verifier(),
    ];
    if let Ok(opened) = note::open(bytes, &known) {
        assert!(bytes.starts_with(opened.text.as_bytes()));
        assert!(opened.text.ends_with('\n'));
        assert!(!opened.verified.is_empty());
        for v in &opened.verified {
            assert!(known.iter().any(|k| (&k.name, k.id) == (&v.0, v.1)));
            assert!(!opened.unknown.contains(v));
        }
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(key) = VerifierKey::parse(text) {
        assert!(note::valid_name(&key.name));
        assert_eq!(VerifierKey::parse(&key.to_text()).as_ref(), Ok(&key));
    }
    if let Ok(key) = SignerKey::parse(text) {
        let again = SignerKey::parse(&key.to_text()).expect("a private key text written back");
        assert_eq!(again.verifier(), key.verifier());
    }
    match note::sign(text, &[&log]) {
        Ok(signed) => {
            let opened = note::open(signed.as_bytes(), &[log.verifier()])
                .unwrap_or_else(|e| panic!("a note we signed does not open: {e}\n{signed:?}"));
            assert_eq!(opened.text, text);
            assert_eq!(opened.verified, [(log.name.clone(), log.id)]);
            assert!(opened.unknown.is_empty());
        }
        Err(e) => assert!(
            !text.ends_with('\n') || has_control(text),
            "signing refused a note text: {e}"
        ),
    }
}

/// The `checkpoint` target.
///
/// Checked: `Checkpoint::open` (with the log key) and `Checkpoint::parse` never panic; an
/// opened checkpoint is the log's and its text begins the input; a text that parses is exactly
/// the checkpoint's `to_text()` (one checkpoint, one spelling), and signed with the log key it
/// opens to the same checkpoint.
pub fn check_checkpoint(bytes: &[u8]) {
    let log = log_key();
    if let Ok(cp) = Checkpoint::open(bytes, LOG, &log.verifier()) {
        assert_eq!(cp.origin, LOG);
        assert!(bytes.starts_with(cp.to_text().as_bytes()));
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(cp) = Checkpoint::parse(text) else {
        return;
    };
    assert_eq!(cp.to_text(), text, "a checkpoint has one spelling");
    match cp.sign(&log) {
        Ok(signed) => assert_eq!(
            Checkpoint::open(signed.as_bytes(), &cp.origin, &log.verifier()).as_ref(),
            Ok(&cp),
            "{signed:?}"
        ),
        Err(e) => assert!(has_control(text), "signing refused {text:?}: {e}"),
    }
}

/// The `tlog_proof` target.
///
/// Checked: `Receipt::parse` never panics; a receipt it accepts is exactly its `to_text()`;
/// verifying it (against [`ENTRY`] under the log key) never panics, and when it verifies the
/// index is inside the checkpoint and another entry does not verify. Its proof is also checked
/// by `verify_inclusion` against whatever index, size and root its checkpoint text holds, and —
/// that checkpoint signed again with the log key — the receipt verifies exactly when the bare
/// proof does.
pub fn check_receipt(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(receipt) = Receipt::parse(text) else {
        return;
    };
    assert_eq!(receipt.to_text(), text, "a receipt has one spelling");
    let log = log_key();
    if let Ok(cp) = receipt.verify(ENTRY, LOG, &log.verifier()) {
        assert!(
            receipt.index < cp.size,
            "index {} of {}",
            receipt.index,
            cp.size
        );
        assert!(receipt
            .verify(b"another entry\n", LOG, &log.verifier())
            .is_err());
    }
    // The checkpoint's text: what comes before its signatures.
    let Some(end) = receipt.checkpoint.rfind("\n\n") else {
        return;
    };
    let Ok(cp) = Checkpoint::parse(&receipt.checkpoint[..end + 1]) else {
        return;
    };
    let bare = verify_inclusion(
        &leaf_hash(ENTRY),
        receipt.index,
        cp.size,
        &receipt.proof,
        &cp.root,
    );
    if bare.is_ok() {
        assert!(receipt.index < cp.size);
    }
    if let Ok(signed) = cp.sign(&log) {
        let resigned = Receipt {
            checkpoint: signed,
            ..receipt.clone()
        };
        let verified = resigned.verify(ENTRY, &cp.origin, &log.verifier());
        assert_eq!(verified.is_ok(), bare.is_ok(), "{verified:?} {bare:?}");
    }
}
