//! Direct edits of the workspace database (with rusqlite, as someone holding the file would
//! make them) are found by `verify_journal`, which checks the state against the journal and the
//! stamps, not only the journal's own chain. One test per kind of edit, each asserting the
//! exact problem reported; a clean workspace verifies clean.

use mrv_app::{JournalCheck, Mrv, DEMO_PASSWORD};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A demo workspace where vera approved (and so stamped) batch 1 and tess offboarded max,
/// built once and copied for each test.
fn template() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("tamper-template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut mrv = Mrv::init(&dir, true).unwrap();
        let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
        mrv_app::review_and_approve(&mut mrv, &vera, 1, "checked in the field").unwrap();
        let tess = mrv.sign_in("tess", DEMO_PASSWORD).unwrap();
        mrv.offboard_user(&tess, "max").unwrap();
        dir
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Copies the template, applies `sql` to its database file directly, and verifies the journal
/// as vera.
fn tampered(sql: &str) -> JournalCheck {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    copy_dir(template(), &ws);
    let db = rusqlite::Connection::open(ws.join("workspace.sqlite")).unwrap();
    db.execute_batch(sql).unwrap();
    assert!(db.changes() > 0, "the edit changed nothing: {sql}");
    drop(db);
    let mut mrv = Mrv::open(&ws).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    mrv.verify_journal(&vera).unwrap()
}

/// The problem of `kind` about `object`, which must be reported; returns its detail.
fn reported(check: &JournalCheck, kind: &str, object: &str) -> String {
    assert!(!check.ok, "{}", check.message);
    check
        .problems
        .iter()
        .find(|p| p.kind == kind && p.object == object)
        .unwrap_or_else(|| panic!("no {kind} problem on {object} in {:#?}", check.problems))
        .detail
        .clone()
}

#[test]
fn a_clean_workspace_verifies_clean() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(template(), &dir.path().join("ws"));
    let mut mrv = Mrv::open(&dir.path().join("ws")).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let check = mrv.verify_journal(&vera).unwrap();
    assert!(check.ok, "{:#?}", check.problems);
    assert!(check.problems.is_empty());
    assert!(
        check.message.starts_with("journal intact"),
        "{}",
        check.message
    );
    assert!(check.anchored_head.is_none(), "nothing anchored yet");
}

#[test]
fn every_state_change_of_the_demo_is_journaled() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(template(), &dir.path().join("ws"));
    let db = rusqlite::Connection::open(dir.path().join("ws").join("workspace.sqlite")).unwrap();
    let actions: Vec<String> = db
        .prepare("SELECT action FROM journal ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for action in ["project.add", "layer.add", "batch.import", "batch.enrich"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
    assert_eq!(actions.iter().filter(|a| *a == "layer.add").count(), 3);
}

#[test]
fn deleting_the_last_journal_events_is_found() {
    // The approval, the stamp step, the signing and the offboarding: the last four events.
    let check = tampered("DELETE FROM journal WHERE seq > (SELECT MAX(seq) - 4 FROM journal)");
    let detail = reported(&check, "decision_unjournaled", "batch 1");
    assert!(
        detail.contains("approve (in_review → approved)"),
        "{detail}"
    );
    assert!(detail.contains("by vera"), "{detail}");
    reported(&check, "stamp_unjournaled", "batch 1");
    let detail = reported(&check, "user_offboarding", "user max");
    assert!(detail.contains("no journal event records it"), "{detail}");
}

#[test]
fn a_reattributed_decision_is_found() {
    let check = tampered(
        "UPDATE review_event SET user_id = (SELECT id FROM app_user WHERE name = 'mo') WHERE action = 'approve'",
    );
    let detail = reported(&check, "decision_reattributed", "batch 1");
    assert!(
        detail.contains("stored as made by mo") && detail.contains("records vera"),
        "{detail}"
    );
    let detail = reported(&check, "stamp_decision", "batch 1");
    assert!(detail.contains("mo") && detail.contains("vera"), "{detail}");
}

#[test]
fn a_measurement_changed_after_approval_is_found() {
    // The value text in the row itself (what the stamp's leaves cover).
    let check = tampered(
        "UPDATE measurement SET values_json = replace(values_json, '\"2025-', '\"2024-')
         WHERE row_id = (SELECT first_row_id FROM batch WHERE id = 1)",
    );
    let detail = reported(&check, "stamp_rows_root", "batch 1");
    assert!(
        detail.contains("rows were changed after approval"),
        "{detail}"
    );
    // A moved position.
    let check = tampered(
        "UPDATE measurement SET lon = lon + 0.001 WHERE row_id = (SELECT first_row_id + 5 FROM batch WHERE id = 1)",
    );
    reported(&check, "stamp_rows_root", "batch 1");
}

#[test]
fn a_claimed_value_changed_after_approval_is_found() {
    // The claimed column the map, checks and totals read, beside the stamped row.
    let check = tampered(
        "UPDATE measurement SET claimed_tco2e = claimed_tco2e * 10 WHERE row_id = (SELECT first_row_id + 2 FROM batch WHERE id = 1)",
    );
    let detail = reported(&check, "claimed_values", "batch 1");
    assert!(detail.contains("row 3: claimed value"), "{detail}");
    // The batch's claimed total.
    let check =
        tampered("UPDATE batch SET claimed_tco2e_total = claimed_tco2e_total + 1000 WHERE id = 1");
    let detail = reported(&check, "claimed_values", "batch 1");
    assert!(detail.contains("claimed total"), "{detail}");
    // The claimed value inside the row and beside it, both: the stamp's root catches it.
    let check = tampered(
        "UPDATE measurement SET claimed_tco2e = 999.5,
             values_json = json_replace(values_json, '$[' || (
                 SELECT key FROM json_each((SELECT columns_json FROM batch WHERE id = 1)) WHERE value = 'claimed_tco2e'
             ) || ']', '999.5')
         WHERE row_id = (SELECT first_row_id FROM batch WHERE id = 1)",
    );
    reported(&check, "stamp_rows_root", "batch 1");
    // ... and the v2 stamp's claimed total no longer adds up from the stored texts.
    let detail = reported(&check, "stamp_claimed_total", "batch 1");
    assert!(detail.contains("the stored rows sum to"), "{detail}");
}

#[test]
fn deleted_flags_and_justifications_are_found() {
    let check = tampered(
        "DELETE FROM flag WHERE batch_id = 1 AND id NOT IN (SELECT flag_id FROM justification)",
    );
    let detail = reported(&check, "stamp_flags", "batch 1");
    assert!(detail.contains("differ from the stamped ones"), "{detail}");
    let check = tampered(
        "DELETE FROM justification WHERE flag_id = (SELECT MIN(flag_id) FROM justification)",
    );
    reported(&check, "stamp_justifications", "batch 1");
}

#[test]
fn a_role_escalation_is_found() {
    let check = tampered(
        "UPDATE app_user SET roles_json = '[\"analyst\",\"tenant_admin\"]' WHERE name = 'ana'",
    );
    let detail = reported(&check, "user_roles", "user ana");
    assert!(
        detail.contains("holds roles [analyst, tenant_admin]")
            && detail.contains("granted [analyst]"),
        "{detail}"
    );
    // A user added behind the journal's back.
    let check = tampered(
        "INSERT INTO app_user (name, roles_json, password_hash, public_key, sealed_key, created_at)
         SELECT 'mallory', '[\"tenant_admin\"]', password_hash, public_key, sealed_key, created_at FROM app_user WHERE name = 'ana'",
    );
    reported(&check, "user_unjournaled", "user mallory");
}

#[test]
fn an_undone_offboarding_is_found() {
    let check = tampered("UPDATE app_user SET offboarded_at = NULL WHERE name = 'max'");
    let detail = reported(&check, "user_offboarding", "user max");
    assert!(detail.contains("active again"), "{detail}");
}

#[test]
fn a_batch_moved_back_in_the_journey_is_found() {
    let check = tampered("UPDATE batch SET state = 'in_review' WHERE id = 1");
    let detail = reported(&check, "batch_state", "batch 1");
    assert!(
        detail.contains("is in_review") && detail.contains("left it stamped"),
        "{detail}"
    );
}

#[test]
fn a_replaced_stamp_is_found() {
    let check =
        tampered("UPDATE stamp SET stamp_hash = '00' || substr(stamp_hash, 3) WHERE batch_id = 1");
    reported(&check, "stamp_hash", "batch 1");
    reported(&check, "stamp_replaced", "batch 1");
}

#[test]
fn swapped_layer_evidence_and_a_changed_project_boundary_are_found() {
    let check = tampered(
        "UPDATE layer SET file_sha256 = (SELECT file_sha256 FROM layer WHERE id = 2) WHERE id = 1",
    );
    let detail = reported(&check, "registration_changed", "layer 1");
    assert!(detail.starts_with("sha256 is "), "{detail}");
    let check = tampered(
        "UPDATE project SET boundary_file_sha256 = (SELECT file_sha256 FROM layer WHERE id = 1)",
    );
    let detail = reported(&check, "registration_changed", "project 1");
    assert!(detail.starts_with("boundary_sha256 is "), "{detail}");
}

#[test]
fn a_layer_deleted_by_hand_is_found() {
    let check = tampered(
        "DELETE FROM flag WHERE layer_id = 2; DELETE FROM sample_set WHERE layer_id = 2; \
         DELETE FROM zonal_stat WHERE layer_id = 2; DELETE FROM layer WHERE id = 2;",
    );
    let detail = reported(&check, "registration_missing", "layer 2");
    assert!(detail.contains("none removed it"), "{detail}");
}

#[test]
fn a_deleted_stamp_is_found() {
    let check = tampered("DELETE FROM stamp WHERE batch_id = 1;");
    let detail = reported(&check, "stamp_missing", "batch 1");
    assert!(detail.contains("no stamp is stored"), "{detail}");
}

#[test]
fn a_stamp_document_stored_back_as_text_is_judged_not_a_crash() {
    // Same bytes, other column type: nothing changed that verification can see.
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    copy_dir(template(), &ws);
    let db = rusqlite::Connection::open(ws.join("workspace.sqlite")).unwrap();
    db.execute_batch("UPDATE stamp SET document = CAST(document AS TEXT) WHERE batch_id = 1;")
        .unwrap();
    drop(db);
    let mut mrv = Mrv::open(&ws).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let check = mrv.verify_journal(&vera).unwrap();
    assert!(check.ok, "{:#?}", check.problems);
    // A changed text document is a changed stamp.
    let db = rusqlite::Connection::open(ws.join("workspace.sqlite")).unwrap();
    db.execute_batch(
        "UPDATE stamp SET document = replace(document, '\"batch\"', '\"batch \"') WHERE batch_id = 1;",
    )
    .unwrap();
    drop(db);
    let check = mrv.verify_journal(&vera).unwrap();
    reported(&check, "stamp_hash", "batch 1");
}
