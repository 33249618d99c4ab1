//! An anchored stamp's export against the real log process: the exported receipt must prove
//! *this* stamp's entry. A forged stamp shipped with a real stamp's entry and receipt is
//! refused by `verify-stamp` and by `verify-receipt --stamp`; the genuine one verifies.

use crate::common;

use common::*;
use mrv_app::{Mrv, StampPins, DEMO_PASSWORD};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Anchors batch 1's stamp in a fresh log and exports it to `<dir>/export`.
fn anchored_export(dir: &Path, log: &LogDir, server: &Server) -> PathBuf {
    let mut mrv = Mrv::init(&dir.join("ws"), true).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    mrv_app::review_and_approve(&mut mrv, &vera, 1, "checked in the field").unwrap();
    mrv.connect_auditlog(&oscar, &server.url, &log.vkey, &log.token)
        .unwrap();
    assert_eq!(mrv.anchor_batch(&vera, 1).unwrap().state, "anchored");
    let out = dir.join("export");
    mrv.export_stamp(&vera, 1, &out, mrv_app::Overwrite::Refuse)
        .unwrap();
    assert!(out.join("anchor.tlog-proof").exists() && out.join("anchor.entry").exists());
    out
}

fn verify(dir: &Path, export: &Path, vkey: &str) -> mrv_app::StampCheck {
    let demo = dir.join("ws").join("demo");
    let layers: Vec<PathBuf> = [
        "ndvi-2025-06.tif",
        "worldcover-2021.tif",
        "forest-loss-year.tif",
    ]
    .iter()
    .map(|f| demo.join(f))
    .collect();
    mrv_app::verify_stamp_pinned(
        export,
        &demo.join("tree-plots-2025.csv"),
        &layers,
        &[],
        &StampPins {
            signers: vec![],
            log_vkey: Some(vkey.to_owned()),
        },
    )
    .unwrap()
}

fn anchor_detail(check: &mrv_app::StampCheck) -> (bool, String) {
    let c = check
        .checks
        .iter()
        .find(|c| c.what == "anchor")
        .unwrap_or_else(|| panic!("no anchor check: {:#?}", check.checks));
    (c.ok, c.detail.clone())
}

/// Changes the stamp and re-signs it with a fresh key it names itself.
fn forge(export: &Path) {
    use ed25519_dalek::SigningKey;
    let path = export.join("stamp.json");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["decision"]["justifications"][0]["text"] = "nothing to see".into();
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let key_text = mrv_stamp::document::key_text(&key.verifying_key());
    doc["decision"]["verifier_key"] = Value::String(key_text.clone());
    let bytes = mrv_stamp::jcs::canonicalize(&doc).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    std::fs::write(
        export.join("stamp.sig"),
        mrv_stamp::document::sign(&key, &bytes),
    )
    .unwrap();
    std::fs::write(export.join("signer.pub"), key_text).unwrap();
}

#[test]
fn a_forged_stamp_with_a_real_stamps_receipt_is_refused_and_the_genuine_one_verifies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let export = anchored_export(dir.path(), &log, &server);
    let receipt = export.join("anchor.tlog-proof");
    let real_entry = std::fs::read(export.join("anchor.entry")).unwrap();

    // Genuine: the receipt proves this stamp's entry under the pinned log key.
    let check = verify(dir.path(), &export, &log.vkey);
    assert!(check.ok, "{:#?}", check.checks);
    let (ok, detail) = anchor_detail(&check);
    assert!(
        ok && detail.contains("this stamp's entry is at index 0"),
        "{detail}"
    );
    let r = mrv_app::verify_receipt_for(&receipt, &log.vkey, None, Some(&export)).unwrap();
    assert_eq!(r.index, 0);
    // Without the log key the receipt is not trusted, and the output says so.
    let unpinned = mrv_app::verify_stamp_pinned(
        &export,
        &dir.path().join("ws/demo/tree-plots-2025.csv"),
        &[],
        &[],
        &StampPins::default(),
    )
    .unwrap();
    assert!(
        unpinned
            .notes
            .iter()
            .any(|n| n.starts_with("anchor receipt NOT checked")),
        "{:?}",
        unpinned.notes
    );

    // A forged stamp beside the real stamp's entry and receipt.
    let genuine = dir.path().join("genuine");
    std::fs::create_dir(&genuine).unwrap();
    std::fs::copy(export.join("stamp.json"), genuine.join("stamp.json")).unwrap();
    forge(&export);
    let check = verify(dir.path(), &export, &log.vkey);
    assert!(!check.ok);
    let (ok, detail) = anchor_detail(&check);
    assert!(
        !ok && detail.contains("anchor.entry is not this stamp's entry"),
        "{detail}"
    );
    let err = mrv_app::verify_receipt_for(
        &receipt,
        &log.vkey,
        Some(&export.join("anchor.entry")),
        Some(&export),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("not the anchor entry of the stamp"),
        "{err}"
    );
    let err = mrv_app::verify_receipt_for(&receipt, &log.vkey, None, Some(&export)).unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");

    // The forger also rewrites anchor.entry for the forged stamp: the real receipt does not
    // prove that entry.
    let stamp = std::fs::read(export.join("stamp.json")).unwrap();
    let doc = mrv_stamp::document::Stamp::from_canonical_bytes(&stamp).unwrap();
    let forged_entry = mrv_app::stamp_anchor_entry(&doc, &stamp).unwrap();
    assert_ne!(forged_entry, real_entry);
    std::fs::write(export.join("anchor.entry"), &forged_entry).unwrap();
    let (ok, detail) = anchor_detail(&verify(dir.path(), &export, &log.vkey));
    assert!(
        !ok && detail.contains("the receipt does not prove this stamp's entry"),
        "{detail}"
    );

    // The real receipt still proves the genuine stamp given on its own (its stamp.json).
    mrv_app::verify_receipt_for(&receipt, &log.vkey, None, Some(&genuine.join("stamp.json")))
        .unwrap();
}
