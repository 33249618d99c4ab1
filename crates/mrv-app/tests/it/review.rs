//! The review journey on a real workspace: users and sessions, segregation of duties, reject →
//! corrected version → approve → stamp, offline verification of the exported stamp from the
//! original files (and precise refusals of tampered files, stamps and signers), row proofs,
//! and the journal catching a hand-edited row.

use mrv_app::{ErrorCode, ImportRequest, Mrv, NewUser, Progress, Session, DEMO_PASSWORD};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn demo(dir: &Path) -> Mrv {
    Mrv::init(&dir.join("ws"), true).unwrap()
}

fn sign_in(mrv: &mut Mrv, name: &str) -> Session {
    mrv.sign_in(name, DEMO_PASSWORD).unwrap()
}

/// A justification for every open high flag and every material row of a batch.
fn justify_all(mrv: &Mrv, session: &Session, batch: i64) -> BTreeMap<i64, String> {
    mrv_app::justify_everything(mrv, session, batch, "checked in the field").unwrap()
}

fn demo_files(dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let demo = dir.join("ws").join("demo");
    let layers = [
        "ndvi-2025-06.tif",
        "worldcover-2021.tif",
        "forest-loss-year.tif",
    ]
    .iter()
    .map(|f| demo.join(f))
    .collect();
    (demo.join("tree-plots-2025.csv"), layers)
}

#[test]
fn approve_stamps_and_the_export_verifies_offline_from_the_original_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let vera = sign_in(&mut mrv, "vera");
    assert_eq!(mrv.start_review(&vera, 1).unwrap().state, "in_review");

    // Every open high flag and every material row needs a written justification.
    let err = mrv.approve(&vera, 1, &BTreeMap::new()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let text = err.to_string();
    assert!(
        text.contains(
            "needs a written justification for each open high-severity flag and each material row"
        ),
        "{err}"
    );
    let missing = text.split("missing: ").nth(1).unwrap();
    assert_eq!(missing.matches("flag ").count(), 4, "{err}");
    // The demo's two large outliers, flagged low, are material.
    assert_eq!(missing.matches("material row ").count(), 2, "{err}");
    assert!(missing.contains("material row 11"), "{err}");

    let stamp = mrv.approve(&vera, 1, &justify_all(&mrv, &vera, 1)).unwrap();
    assert!(stamp.signature_valid);
    assert_eq!(stamp.row_count, 240);
    assert_eq!(stamp.signer, "vera");
    assert_eq!(mrv.batch(&vera, 1).unwrap().state, "stamped");
    assert!(stamp.document.contains("\"justifications\":[{"));

    let out = dir.path().join("export");
    // A folder that held another batch's anchored export keeps none of its anchor files.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("anchor.entry"), "another batch's entry").unwrap();
    std::fs::write(out.join("anchor.tlog-proof"), "another batch's receipt").unwrap();
    let written = mrv
        .export_stamp(&vera, 1, &out, mrv_app::Overwrite::Replace)
        .unwrap();
    assert_eq!(written.len(), 5, "{written:?}");
    assert!(!out.join("anchor.entry").exists() && !out.join("anchor.tlog-proof").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let (source, layers) = demo_files(dir.path());
    // Offline: no workspace involved from here.
    drop(mrv);
    let check = mrv_app::verify_stamp(&out, &source, &layers, &[]).unwrap();
    assert!(check.ok, "{:#?}", check.checks);
    let names: Vec<&str> = check.checks.iter().map(|c| c.what.as_str()).collect();
    for what in [
        "signature",
        "source file",
        "row count",
        "rows root",
        "methodology profile",
        "project boundary",
        "layer file",
    ] {
        assert!(names.contains(&what), "{what} not checked: {names:?}");
    }
    assert_eq!(check.stamp_hash, stamp.stamp_hash);

    // A tampered source file: one value changed.
    let tampered = dir.path().join("tampered.csv");
    let text = std::fs::read_to_string(&source)
        .unwrap()
        .replacen("SDM-0007", "SDM-0070", 1);
    std::fs::write(&tampered, text).unwrap();
    let check = mrv_app::verify_stamp(&out, &tampered, &layers, &[]).unwrap();
    assert!(!check.ok);
    let failed: Vec<&str> = check
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.what.as_str())
        .collect();
    assert_eq!(failed, ["source file"]);
    assert!(check
        .checks
        .iter()
        .any(|c| !c.ok && c.detail.contains("the stamp records")));

    // A missing layer file is named.
    let check = mrv_app::verify_stamp(&out, &source, &layers[..2], &[]).unwrap();
    let failed: Vec<&String> = check
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| &c.detail)
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].contains("`Hansen forest loss`") && failed[0].contains("was not given"),
        "{failed:?}"
    );

    // A tampered stamp: re-serialised (no longer canonical) or edited (signature breaks).
    let stamp_json = out.join("stamp.json");
    let original = std::fs::read(&stamp_json).unwrap();
    let edited = String::from_utf8(original.clone())
        .unwrap()
        .replace("\"count\":240", "\"count\":239");
    std::fs::write(&stamp_json, &edited).unwrap();
    let check = mrv_app::verify_stamp(&out, &source, &layers, &[]).unwrap();
    let sig = check.checks.iter().find(|c| c.what == "signature").unwrap();
    assert!(
        !sig.ok
            && sig
                .detail
                .contains("the stamp was changed or signed by someone else"),
        "{}",
        sig.detail
    );
    assert!(check.checks.iter().any(|c| c.what == "row count" && !c.ok));
    let pretty: serde_json::Value = serde_json::from_slice(&original).unwrap();
    std::fs::write(&stamp_json, serde_json::to_vec_pretty(&pretty).unwrap()).unwrap();
    let err = mrv_app::verify_stamp(&out, &source, &layers, &[]).unwrap_err();
    assert!(err.to_string().contains("not in canonical form"), "{err}");
    std::fs::write(&stamp_json, &original).unwrap();

    // The wrong signer: another key in signer.pub.
    let other = "ed25519:ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c";
    std::fs::write(out.join("signer.pub"), other).unwrap();
    let check = mrv_app::verify_stamp(&out, &source, &layers, &[]).unwrap();
    let sig = check.checks.iter().find(|c| c.what == "signature").unwrap();
    assert!(
        !sig.ok && sig.detail.contains("is not the key the stamp names"),
        "{}",
        sig.detail
    );
}

#[test]
fn row_proofs_verify_against_the_exported_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let vera = sign_in(&mut mrv, "vera");
    mrv.start_review(&vera, 1).unwrap();
    mrv.approve(&vera, 1, &justify_all(&mrv, &vera, 1)).unwrap();
    let out = dir.path().join("export");
    mrv.export_stamp(&vera, 1, &out, mrv_app::Overwrite::Refuse)
        .unwrap();
    let proof = mrv.prove_row(&vera, 1, 137).unwrap();
    assert!(proof.leaf.contains("\"id\":\"SDM-0137\""), "{}", proof.leaf);
    let file = dir.path().join("row-137.json");
    std::fs::write(&file, serde_json::to_string(&proof).unwrap()).unwrap();
    assert_eq!(mrv_app::verify_row(&file, &out).unwrap().row, 137);
    let mut forged = proof.clone();
    forged.leaf = forged.leaf.replace("SDM-0137", "SDM-9999");
    std::fs::write(&file, serde_json::to_string(&forged).unwrap()).unwrap();
    let err = mrv_app::verify_row(&file, &out).unwrap_err();
    assert!(
        err.to_string()
            .contains("row 137 does not lead to the stamp's rows root"),
        "{err}"
    );
    assert_eq!(
        mrv.prove_row(&vera, 1, 241).unwrap_err().code(),
        ErrorCode::NotFound
    );
}

#[test]
fn reject_then_corrected_version_then_approve_with_the_history_of_both() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let vera = sign_in(&mut mrv, "vera");
    let ana = sign_in(&mut mrv, "ana");
    mrv.start_review(&vera, 1).unwrap();
    let err = mrv.reject(&vera, 1, "XYZ", "bad").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(
        mrv.reject(&vera, 1, "CAR/outside_boundary", "  ")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );
    let rejected = mrv
        .reject(
            &vera,
            1,
            "CAR/outside_boundary",
            "row 200 lies outside the project boundary",
        )
        .unwrap();
    assert_eq!(rejected.state, "rejected");
    // A rejected batch is final.
    let err = mrv.start_review(&vera, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string()
            .contains("import a corrected file as a new version"),
        "{err}"
    );

    // The corrected file: row 200 moved inside the boundary.
    let (source, _) = demo_files(dir.path());
    let fixed = dir.path().join("tree-plots-2025-v2.csv");
    let text = std::fs::read_to_string(&source)
        .unwrap()
        .replace("-47.700000,-24.360000", "-47.830000,-24.230000");
    std::fs::write(&fixed, text).unwrap();
    let request = ImportRequest {
        file: fixed,
        project_id: 1,
        period: "2025-01-01..2025-12-31".into(),
        crs: None,
        mapping: vec![],
    };
    let v2 = mrv
        .import_version(&ana, 1, &request, &mut |_| Progress::Continue)
        .unwrap();
    assert_eq!(
        (v2.version, v2.supersedes_batch_id, v2.state.as_str()),
        (2, Some(1), "enriched")
    );
    assert_eq!(
        mrv.import_version(&ana, 1, &request, &mut |_| Progress::Continue)
            .unwrap_err()
            .code(),
        ErrorCode::Conflict,
        "one corrected version per rejected batch"
    );
    // The importer may not review it (segregation of duties); the verifier may.
    let err = mrv.start_review(&ana, v2.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    mrv.start_review(&vera, v2.id).unwrap();
    let stamp = mrv
        .approve(&vera, v2.id, &justify_all(&mrv, &vera, v2.id))
        .unwrap();
    assert!(stamp.document.contains("\"supersedes\":1"));

    let history = mrv.history(&vera, v2.id).unwrap();
    let steps: Vec<String> = history
        .iter()
        .map(|h| {
            format!(
                "v{} {} {} {}",
                h.version,
                h.action,
                h.to_state,
                h.user.as_deref().unwrap_or("-")
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "v1 import imported ana",
            "v1 start_review in_review vera",
            "v1 reject rejected vera",
            "v2 import imported ana",
            "v2 start_review in_review vera",
            "v2 approve approved vera",
            "v2 stamp stamped vera",
        ]
    );
    assert_eq!(
        history[2].reason_code.as_deref(),
        Some("CAR/outside_boundary")
    );
    assert_eq!(
        history.len(),
        mrv.history(&vera, 1).unwrap().len(),
        "the same timeline from either version"
    );
    assert!(!history[5].justifications.is_empty());
}

#[test]
fn roles_segregation_sessions_and_offboarding_are_enforced_in_the_backend() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let ana = sign_in(&mut mrv, "ana");
    let err = mrv.start_review(&ana, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(
        err.to_string(),
        "ana (analyst) may not start reviews; that needs the role verifier"
    );

    // Someone holding both roles still may not review their own import.
    let tess = sign_in(&mut mrv, "tess");
    mrv.add_user(
        Some(&tess),
        &NewUser {
            name: "ava".into(),
            roles: vec!["analyst".into(), "verifier".into()],
            password: "ava-password".into(),
        },
    )
    .unwrap();
    let ava = mrv.sign_in("ava", "ava-password").unwrap();
    let (source, _) = demo_files(dir.path());
    let copy = dir.path().join("ava.csv");
    std::fs::write(
        &copy,
        std::fs::read_to_string(&source)
            .unwrap()
            .replace("SDM-", "AVA-"),
    )
    .unwrap();
    let batch = mrv
        .import(
            &ava,
            &ImportRequest {
                file: copy,
                project_id: 1,
                period: "2025-01-01..2025-12-31".into(),
                crs: None,
                mapping: vec![],
            },
            &mut |_| Progress::Continue,
        )
        .unwrap();
    let err = mrv.start_review(&ava, batch.id).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "ava imported batch {} and so may not review it (segregation of duties)",
            batch.id
        )
    );

    // Only a tenant admin adds users; a wrong password and an unknown user read the same.
    let err = mrv
        .add_user(
            Some(&ana),
            &NewUser {
                name: "x".into(),
                roles: vec!["analyst".into()],
                password: "long-enough".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(
        mrv.sign_in("vera", "nope-nope").unwrap_err().to_string(),
        "unknown user or wrong password"
    );
    assert_eq!(
        mrv.sign_in("nobody", "nope-nope").unwrap_err().to_string(),
        "unknown user or wrong password"
    );

    // Signed out: the session no longer works. Offboarded: nothing works, even a live session.
    let vera = sign_in(&mut mrv, "vera");
    let vera2 = sign_in(&mut mrv, "vera");
    mrv.sign_out(&vera).unwrap();
    assert_eq!(
        mrv.start_review(&vera, 1).unwrap_err().code(),
        ErrorCode::Unauthenticated
    );
    mrv.offboard_user(&tess, "vera").unwrap();
    let err = mrv.start_review(&vera2, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated, "{err}");
    let err = mrv.sign_in("vera", DEMO_PASSWORD).unwrap_err();
    assert_eq!(
        err.to_string(),
        "vera is offboarded and can no longer sign in"
    );
}

/// Reads and an import by `session` are refused as unauthenticated.
fn refused(mrv: &mut Mrv, session: &Session, request: &ImportRequest, what: &str) {
    for err in [
        mrv.list_batches(session, None).unwrap_err(),
        mrv.row_evidence(session, 1, 1).unwrap_err(),
        mrv.import(session, request, &mut |_| Progress::Continue)
            .unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::Unauthenticated, "{what}: {err}");
        assert_eq!(
            err.to_string(),
            "the session has ended; sign in again",
            "{what}"
        );
    }
}

#[test]
fn signed_out_and_offboarded_sessions_can_neither_read_nor_import() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let (source, _) = demo_files(dir.path());
    let copy = dir.path().join("copy.csv");
    std::fs::write(
        &copy,
        std::fs::read_to_string(&source)
            .unwrap()
            .replace("SDM-", "NEW-"),
    )
    .unwrap();
    let request = ImportRequest {
        file: copy,
        project_id: 1,
        period: "2025-01-01..2025-12-31".into(),
        crs: None,
        mapping: vec![],
    };
    let tess = sign_in(&mut mrv, "tess");
    let signed_out = sign_in(&mut mrv, "ana");
    let offboarded = sign_in(&mut mrv, "ana");
    // Both work while they are live.
    assert_eq!(mrv.list_batches(&signed_out, None).unwrap().len(), 1);
    assert!(!mrv.flags(&offboarded, 1).unwrap().is_empty());
    let journal = mrv.verify_journal(&tess).unwrap().events;

    mrv.sign_out(&signed_out).unwrap();
    refused(&mut mrv, &signed_out, &request, "signed out");
    assert!(mrv.batch(&offboarded, 1).is_ok(), "her other session lives");
    mrv.offboard_user(&tess, "ana").unwrap();
    refused(&mut mrv, &signed_out, &request, "signed out");
    refused(&mut mrv, &offboarded, &request, "offboarded");

    // Nothing was imported; the journal holds only the offboarding.
    assert_eq!(mrv.list_batches(&tess, None).unwrap().len(), 1);
    assert_eq!(mrv.verify_journal(&tess).unwrap().events, journal + 1);
}

#[test]
fn the_journal_names_the_first_hand_edited_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let vera = sign_in(&mut mrv, "vera");
    mrv.start_review(&vera, 1).unwrap();
    mrv.reject(
        &vera,
        1,
        "CL/missing_evidence",
        "no field photos for the flagged plots",
    )
    .unwrap();
    let check = mrv.verify_journal(&vera).unwrap();
    assert!(check.ok, "{}", check.message);
    // 6 users added, 5 of them linked to their manager, the project, the import and its
    // enrichment, three layers (each re-enriching the batch), the basemap, the review start
    // and the rejection.
    assert_eq!(check.events, 23);

    let db = rusqlite::Connection::open(dir.path().join("ws").join("workspace.sqlite")).unwrap();
    db.execute(
        "UPDATE journal SET payload_json = replace(payload_json, 'no field photos', 'all fine') WHERE action = 'batch.reject'",
        [],
    )
    .unwrap();
    let check = mrv.verify_journal(&vera).unwrap();
    assert!(!check.ok);
    assert_eq!(check.broken_seq, Some(23));
    assert!(
        check
            .message
            .contains("journal event 23 (batch.reject on batch:1) is broken"),
        "{}",
        check.message
    );

    db.execute("UPDATE journal SET actor = 'mallory' WHERE seq = 22", [])
        .unwrap();
    let check = mrv.verify_journal(&vera).unwrap();
    assert_eq!(check.broken_seq, Some(22), "{}", check.message);
    assert!(
        check.message.contains("edited after it was written"),
        "{}",
        check.message
    );
}

#[test]
fn an_expired_session_can_do_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let vera = sign_in(&mut mrv, "vera");
    assert!(mrv.history(&vera, 1).is_ok());
    // The session's end moved into the past, as twelve hours later.
    let db = rusqlite::Connection::open(dir.path().join("ws").join("workspace.sqlite")).unwrap();
    let changed = db
        .execute(
            "UPDATE session SET expires_at = '2000-01-01T00:00:00Z' WHERE ended_at IS NULL AND user_id = (SELECT id FROM app_user WHERE name = 'vera')",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    for err in [
        mrv.history(&vera, 1).unwrap_err(),
        mrv.start_review(&vera, 1).unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::Unauthenticated);
        assert_eq!(err.to_string(), "the session has expired; sign in again");
    }
    // Signing in again gives a fresh session.
    let again = sign_in(&mut mrv, "vera");
    assert_eq!(
        mrv.batch(&again, 1).unwrap().state,
        "enriched",
        "nothing changed"
    );
    assert!(mrv.history(&again, 1).is_ok());
}
