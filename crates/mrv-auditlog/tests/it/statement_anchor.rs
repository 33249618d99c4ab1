//! A verification statement anchored in the real log process: the PDF states the stamp's anchor
//! (origin, index, checkpoint size), its own SHA-256 is anchored as kind `statement` right
//! after it is written, the stored receipt proves the entry rebuilt from the file's hash under
//! the pinned log key, `verify-statement` passes, and a changed byte fails.

use crate::common;

use common::*;
use mrv_app::{Mrv, Overwrite, StatementRequest, DEMO_PASSWORD};
use sha2::{Digest, Sha256};
use std::process::Command;

#[test]
fn an_anchored_statement_verifies_and_a_changed_byte_does_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    mrv_app::review_and_approve(&mut mrv, &vera, 1, "checked in the field").unwrap();
    mrv.connect_auditlog(&oscar, &server.url, &log.vkey, &log.token)
        .unwrap();
    let stamp_anchor = mrv.anchor_batch(&vera, 1).unwrap();
    assert_eq!(stamp_anchor.state, "anchored");

    let out = dir.path().join("statement.pdf");
    let view = mrv
        .write_statement(
            &vera,
            &StatementRequest {
                batch_id: 1,
                output: out.clone(),
                overwrite: Overwrite::Refuse,
                layer_id: None,
            },
        )
        .unwrap();
    let anchor = view.anchor.clone().unwrap();
    assert_eq!(anchor.state, "anchored", "{:?}", anchor.last_error);
    assert_eq!(anchor.kind, "statement");
    assert_eq!(anchor.record_id, "statement-1");

    // The PDF states the stamp's anchor.
    let text = Command::new("pdftotext")
        .arg("-layout")
        .arg(&out)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        format!("Log origin {ORIGIN}"),
        format!("Log index {}", stamp_anchor.log_index.unwrap()),
        format!("Checkpoint size {}", stamp_anchor.checkpoint_size.unwrap()),
    ] {
        assert!(text.contains(&needle), "`{needle}` not in:\n{text}");
    }
    // The QR code's URI, printed a part a line, names the log and the stamp's index.
    let squeezed: String = text.split_whitespace().collect();
    let qr = format!("&log={ORIGIN}&index={}", stamp_anchor.log_index.unwrap());
    assert!(view.qr_payload.ends_with(&qr), "{}", view.qr_payload);
    assert!(
        squeezed.contains(&view.qr_payload),
        "the QR payload is not printed"
    );

    // The receipt proves the entry rebuilt from the file alone.
    let bytes = std::fs::read(&out).unwrap();
    let sha: [u8; 32] = Sha256::digest(&bytes).into();
    assert_eq!(hex::encode(sha), view.sha256);
    let entry = mrv_app::statement_anchor_entry(view.statement_id, sha).unwrap();
    assert_eq!(entry, anchor.entry.as_bytes());
    let r = mrv_app::verify_receipt(
        "statement receipt",
        anchor.receipt.as_deref().unwrap(),
        &log.vkey,
        Some(&entry),
    )
    .unwrap();
    assert_eq!(r.index as i64, anchor.log_index.unwrap());
    assert!(r.entry_checked);

    let check = mrv.verify_statement(&vera, &out).unwrap();
    assert!(check.ok, "{:#?}", check.checks);
    let anchored = check.checks.iter().find(|c| c.what == "anchor").unwrap();
    assert!(
        anchored.detail.contains("is anchored in") && anchored.detail.contains("receipt proves"),
        "{}",
        anchored.detail
    );
    let journal = mrv.verify_journal(&vera).unwrap();
    assert!(journal.ok, "{:#?}", journal.problems);

    // One changed byte: its hash is no longer the anchored one.
    let mut changed = bytes.clone();
    let last = changed.len() - 10;
    changed[last] ^= 0x20;
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &changed).unwrap();
    let check = mrv.verify_statement(&vera, &tampered).unwrap();
    assert!(!check.ok);
    assert!(check.checks[0].detail.contains("matches no statement"));
    let forged_entry =
        mrv_app::statement_anchor_entry(view.statement_id, Sha256::digest(&changed).into())
            .unwrap();
    assert!(mrv_app::verify_receipt(
        "statement receipt",
        anchor.receipt.as_deref().unwrap(),
        &log.vkey,
        Some(&forged_entry),
    )
    .is_err());
}
