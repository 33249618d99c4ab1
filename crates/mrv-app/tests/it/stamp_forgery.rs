//! Forged stamps against offline verification: a genuine export is changed the way a forger
//! would (and re-signed with a fresh key the forged document names itself, so the signature
//! holds); each forgery must be refused with a message saying what is wrong — the signer key
//! when it is pinned, and the spec's own rules (§4.1) whatever key signed.

use ed25519_dalek::SigningKey;
use mrv_app::{Mrv, StampCheck, StampPins, DEMO_PASSWORD};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A demo workspace whose batch 1 vera approved, and that stamp exported (built once).
fn template() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("forgery-template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut mrv = Mrv::init(&dir.join("ws"), true).unwrap();
        let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
        mrv.start_review(&vera, 1).unwrap();
        let justify: BTreeMap<i64, String> =
            mrv_app::justify_everything(&mrv, &vera, 1, "checked in the field").unwrap();
        mrv.approve(&vera, 1, &justify).unwrap();
        mrv.export_stamp(&vera, 1, &dir.join("export"), mrv_app::Overwrite::Refuse)
            .unwrap();
        dir
    })
}

/// A copy of the export to forge, and the demo files the stamp was made from.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("export")).unwrap();
        for e in std::fs::read_dir(template().join("export")).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.path().join("export").join(e.file_name())).unwrap();
        }
        Case { dir }
    }

    fn export(&self) -> PathBuf {
        self.dir.path().join("export")
    }

    /// vera's key as the genuine export names it (what a verifier pins).
    fn vera_key(&self) -> String {
        std::fs::read_to_string(template().join("export").join("signer.pub")).unwrap()
    }

    /// Changes the document, names a fresh key as the verifier's and signs with it: the
    /// signature is valid, only its key is not vera's.
    fn forge(&self, change: impl FnOnce(&mut Value)) {
        let path = self.export().join("stamp.json");
        let mut doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        change(&mut doc);
        let key = SigningKey::from_bytes(&[42u8; 32]);
        let key_text = mrv_stamp::document::key_text(&key.verifying_key());
        doc["decision"]["verifier_key"] = Value::String(key_text.clone());
        let bytes = mrv_stamp::jcs::canonicalize(&doc).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        std::fs::write(
            self.export().join("stamp.sig"),
            mrv_stamp::document::sign(&key, &bytes),
        )
        .unwrap();
        std::fs::write(self.export().join("signer.pub"), key_text).unwrap();
    }

    fn verify(&self, pins: &StampPins) -> StampCheck {
        let demo = template().join("ws").join("demo");
        let layers: Vec<PathBuf> = [
            "ndvi-2025-06.tif",
            "worldcover-2021.tif",
            "forest-loss-year.tif",
        ]
        .iter()
        .map(|f| demo.join(f))
        .collect();
        mrv_app::verify_stamp_pinned(
            &self.export(),
            &demo.join("tree-plots-2025.csv"),
            &layers,
            &[],
            pins,
        )
        .unwrap()
    }
}

/// The details of the failed checks named `what`.
fn failed(check: &StampCheck, what: &str) -> Vec<String> {
    check
        .checks
        .iter()
        .filter(|c| !c.ok && c.what == what)
        .map(|c| c.detail.clone())
        .collect()
}

fn assert_refused(check: &StampCheck, what: &str, needle: &str) {
    assert!(!check.ok, "{:#?}", check.checks);
    let details = failed(check, what);
    assert!(
        details.iter().any(|d| d.contains(needle)),
        "no failed `{what}` check saying {needle:?}: {:#?}",
        check.checks
    );
}

fn pinned(key: &str) -> StampPins {
    StampPins {
        signers: vec![mrv_app::KnownSigner::from_arg(key).unwrap()],
        log_vkey: None,
    }
}

#[test]
fn a_genuine_stamp_verifies_pinned_and_says_so_when_not_pinned() {
    let case = Case::new();
    let unpinned = case.verify(&StampPins::default());
    assert!(unpinned.ok, "{:#?}", unpinned.checks);
    assert!(!unpinned.signer_pinned);
    assert!(
        unpinned
            .notes
            .iter()
            .any(|n| n.starts_with("signer key NOT pinned: the signature only proves the document is unchanged since whoever holds ed25519:")),
        "{:?}",
        unpinned.notes
    );
    let check = case.verify(&pinned(&case.vera_key()));
    assert!(check.ok, "{:#?}", check.checks);
    assert!(check.signer_pinned);
    for what in ["signer key", "stamp rules", "column kinds"] {
        assert!(
            check.checks.iter().any(|c| c.ok && c.what == what),
            "{what} not checked: {:#?}",
            check.checks
        );
    }
    // A key file works as well as the key text.
    let file = case.dir.path().join("vera.pub");
    std::fs::write(&file, case.vera_key()).unwrap();
    assert!(case.verify(&pinned(file.to_str().unwrap())).ok);
}

#[test]
fn a_changed_stamp_re_signed_with_a_fresh_key_is_refused_once_the_signer_is_pinned() {
    let case = Case::new();
    let vera = case.vera_key();
    case.forge(|doc| {
        doc["decision"]["justifications"][0]["text"] = "all fine".into();
    });
    // Unpinned, the forged signature holds: the output must say the key proves nothing.
    let unpinned = case.verify(&StampPins::default());
    assert!(unpinned.notes.iter().any(|n| n.contains("NOT pinned")));
    // Pinned to vera's key (text, or the workspace's users), it is refused.
    let check = case.verify(&pinned(&vera));
    assert_refused(&check, "signer key", "which is not a pinned signer key");
    let mut mrv = Mrv::open(&template().join("ws")).unwrap();
    let max = mrv.sign_in("max", DEMO_PASSWORD).unwrap();
    let known = StampPins {
        signers: mrv.known_signers(&max).unwrap(),
        log_vkey: None,
    };
    assert_refused(
        &case.verify(&known),
        "signer key",
        "not a pinned signer key",
    );
}

#[test]
fn a_high_flag_left_unjustified_is_refused() {
    let case = Case::new();
    case.forge(|doc| {
        let all = doc["decision"]["justifications"].as_array_mut().unwrap();
        let high = all.iter().position(|j| j["severity"] == "high").unwrap();
        all.remove(high);
    });
    assert_refused(
        &case.verify(&StampPins::default()),
        "stamp rules",
        "rule S11: flags.high is 4 but decision.justifications holds 3 of severity high",
    );
}

#[test]
fn a_material_row_left_unjustified_is_refused() {
    let case = Case::new();
    case.forge(|doc| {
        let material: Vec<i64> = doc["claimed"]["material_rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_i64().unwrap())
            .collect();
        assert!(!material.is_empty(), "the demo batch has material rows");
        let row = material[0];
        doc["decision"]["justifications"]
            .as_array_mut()
            .unwrap()
            .retain(|j| j["row"] != row || j["severity"] == "high");
    });
    let check = case.verify(&StampPins::default());
    assert!(!check.ok, "{:#?}", check.checks);
    let details = failed(&check, "stamp rules");
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("rule S13: material row")
                && d.ends_with("has no justification in decision.justifications")),
        "{details:#?}"
    );
}

/// The v2 stamp commits to the batch's claimed total; verification recomputes it from the
/// source file, so a changed total is refused even with a signature that holds.
#[test]
fn a_v2_stamp_with_a_changed_total_is_refused() {
    let case = Case::new();
    let genuine = case.verify(&StampPins::default());
    let total = genuine
        .checks
        .iter()
        .find(|c| c.what == "claimed total")
        .expect("a v2 stamp's total is checked");
    assert!(total.ok, "{total:?}");
    let doc: Value =
        serde_json::from_slice(&std::fs::read(case.export().join("stamp.json")).unwrap()).unwrap();
    assert_eq!(doc["spec"], "mrv-stamp/v2");
    let stamped = doc["claimed"]["total"].as_str().unwrap().to_owned();
    assert!(
        total.detail.contains(&format!("is {stamped} tCO2e")),
        "{}",
        total.detail
    );

    case.forge(|doc| doc["claimed"]["total"] = "504.666".into());
    let check = case.verify(&StampPins::default());
    assert!(
        check.checks.iter().any(|c| c.ok && c.what == "signature"),
        "the forged signature holds: {:#?}",
        check.checks
    );
    assert_refused(
        &check,
        "claimed total",
        &format!("is {stamped} tCO2e, the stamp records 504.666"),
    );
    // A total not in normal form is refused by the rules, whatever it sums to.
    let case = Case::new();
    case.forge(|doc| doc["claimed"]["total"] = format!("{stamped}0").into());
    assert_refused(
        &case.verify(&StampPins::default()),
        "stamp rules",
        "rule S13: claimed.total",
    );
}

/// A stamp made under `mrv-stamp/v1` (no `claimed` member, no severities, justifications for
/// the high flags only) still verifies offline, without a total to recompute.
#[test]
fn a_v1_stamp_still_verifies() {
    let case = Case::new();
    let mut mrv = Mrv::open(&template().join("ws")).unwrap();
    let max = mrv.sign_in("max", DEMO_PASSWORD).unwrap();
    let high: Vec<(i64, String)> = mrv
        .flags(&max, 1)
        .unwrap()
        .into_iter()
        .filter(|f| f.severity == "high")
        .map(|f| (f.row, f.check))
        .collect();
    case.forge(|doc| {
        doc["spec"] = "mrv-stamp/v1".into();
        doc.as_object_mut().unwrap().remove("claimed");
        let all = doc["decision"]["justifications"].as_array_mut().unwrap();
        all.retain(|j| {
            high.iter()
                .any(|(row, check)| j["row"] == *row && j["check"] == check.as_str())
        });
        for j in all.iter_mut() {
            j.as_object_mut().unwrap().remove("severity");
        }
    });
    let check = case.verify(&StampPins::default());
    assert!(check.ok, "{:#?}", check.checks);
    assert!(!check.checks.iter().any(|c| c.what == "claimed total"));
    let rules = check
        .checks
        .iter()
        .find(|c| c.what == "stamp rules")
        .unwrap();
    assert!(rules.detail.contains("(mrv-stamp/v1)"), "{}", rules.detail);
}

#[test]
fn lists_out_of_order_are_refused() {
    let case = Case::new();
    case.forge(|doc| {
        doc["layers"].as_array_mut().unwrap().reverse();
        doc["decision"]["justifications"]
            .as_array_mut()
            .unwrap()
            .reverse();
    });
    let check = case.verify(&StampPins::default());
    assert_refused(
        &check,
        "stamp rules",
        "rule S7: layers are not sorted by name",
    );
    assert_refused(
        &check,
        "stamp rules",
        "rule S11: decision.justifications are not sorted by row then check",
    );
}

#[test]
fn a_malformed_approval_time_is_refused() {
    for bad in ["2026-11-27 12:00:00", "2026-02-30T12:00:00Z", "yesterday"] {
        let case = Case::new();
        case.forge(|doc| doc["decision"]["approved_at"] = bad.into());
        assert_refused(
            &case.verify(&StampPins::default()),
            "stamp rules",
            &format!("rule S10: decision.approved_at {bad:?} is not a UTC time"),
        );
    }
}

#[test]
fn a_changed_column_kind_is_refused() {
    let case = Case::new();
    case.forge(|doc| {
        let columns = doc["rows"]["columns"].as_array_mut().unwrap();
        let dbh = columns.iter_mut().find(|c| c["name"] == "dbh_cm").unwrap();
        assert_eq!(dbh["kind"], "number");
        dbh["kind"] = "text".into();
    });
    let check = case.verify(&StampPins::default());
    assert_refused(
        &check,
        "column kinds",
        "rule S12: column \"dbh_cm\" has kind \"text\" but the methodology profile makes it \"number\"",
    );
    // The rows themselves still recompute: only the rule catches it.
    assert!(
        failed(&check, "rows root").is_empty(),
        "{:#?}",
        check.checks
    );
}

#[test]
fn a_row_proof_against_a_re_signed_stamp_is_refused_once_the_signer_is_pinned() {
    let case = Case::new();
    let vera = case.vera_key();
    let mut mrv = Mrv::open(&template().join("ws")).unwrap();
    let session = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let mut proof = mrv.prove_row(&session, 1, 137).unwrap();
    let file = case.dir.path().join("row-137.json");
    std::fs::write(&file, serde_json::to_string(&proof).unwrap()).unwrap();
    let pins = [mrv_app::KnownSigner::from_arg(&vera).unwrap()];
    assert_eq!(
        mrv_app::verify_row_pinned(&file, &case.export(), &pins)
            .unwrap()
            .row,
        137
    );
    // The forger re-signs the stamp (same rows) and points the proof at it.
    case.forge(|_| {});
    let forged = std::fs::read(case.export().join("stamp.json")).unwrap();
    proof.stamp_hash = mrv_stamp::document::stamp_hash(&forged);
    std::fs::write(&file, serde_json::to_string(&proof).unwrap()).unwrap();
    mrv_app::verify_row(&file, &case.export()).unwrap();
    let err = mrv_app::verify_row_pinned(&file, &case.export(), &pins).unwrap_err();
    assert!(
        err.to_string().contains("which is not a pinned signer key"),
        "{err}"
    );
    // A re-signed stamp that breaks a rule is refused even unpinned.
    case.forge(|doc| doc["decision"]["approved_at"] = "2026-11-27".into());
    let forged = std::fs::read(case.export().join("stamp.json")).unwrap();
    proof.stamp_hash = mrv_stamp::document::stamp_hash(&forged);
    std::fs::write(&file, serde_json::to_string(&proof).unwrap()).unwrap();
    let err = mrv_app::verify_row(&file, &case.export()).unwrap_err();
    assert!(err.to_string().contains("rule S10"), "{err}");
}
