//! Reviewed data changes (SOP-004) through the `mrv` binary: the contract commands with
//! `--json` (open, dry-run, approve, apply, show, list, rollback, reject) and refusals with their
//! exit codes (2 invalid input, 4 not found, 5 conflict, 8 forbidden).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(ws: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(ws)
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", "demo-password")
        .args(["--as", user, "--json"])
        .args(args)
        .output()
        .unwrap()
}

fn ok_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// Asserts the exit code and that the JSON error says `says`.
fn refused(out: &Output, code: i32, error_code: &str, says: &str) {
    assert_eq!(out.status.code(), Some(code), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["error"]["code"], error_code, "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains(says), "{message} should say {says}");
}

fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let init = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .args(["init", "--demo"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    (dir, ws)
}

fn files(dir: &Path, name: &str, sql: &str, rollback: &str) -> (String, String) {
    let s = dir.join(format!("{name}.sql"));
    let r = dir.join(format!("{name}-rollback.sql"));
    std::fs::write(&s, sql).unwrap();
    std::fs::write(&r, rollback).unwrap();
    (s.display().to_string(), r.display().to_string())
}

fn country(ws: &Path) -> Option<String> {
    rusqlite::Connection::open(ws.join("workspace.sqlite"))
        .unwrap()
        .query_row("SELECT country FROM project WHERE id = 1", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn open_dry_run_approve_apply_and_roll_back_in_json() {
    let (dir, ws) = demo();
    let (sql, rb) = files(
        dir.path(),
        "kenya",
        "UPDATE project SET country = 'Kenya' WHERE id = 1;",
        "UPDATE project SET country = 'Brazil' WHERE id = 1;",
    );
    let opened = ok_json(&run(
        &ws,
        "oscar",
        &[
            "change",
            "open",
            "--sql",
            &sql,
            "--rollback",
            &rb,
            "--reason",
            "TICKET-7: wrong country",
        ],
    ));
    assert_eq!(opened["id"], 1);
    assert_eq!(opened["state"], "open");
    let dry = ok_json(&run(&ws, "oscar", &["change", "dry-run", "1"]));
    assert_eq!(dry["state"], "dry_run_ok");
    assert_eq!(dry["dry_run"]["diff"]["tables"][0]["table"], "project");
    assert_eq!(
        dry["dry_run"]["diff"]["rows"][0][1]["columns"][0]["after"],
        "Kenya"
    );
    // The author may not review; tess may.
    refused(
        &run(&ws, "oscar", &["change", "approve", "1"]),
        8,
        "forbidden",
        "tenant_admin",
    );
    let approved = ok_json(&run(&ws, "tess", &["change", "approve", "1"]));
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["reviewer"], "tess");
    let applied = ok_json(&run(&ws, "oscar", &["change", "apply", "1"]));
    assert_eq!(applied["state"], "applied");
    assert_eq!(country(&ws).as_deref(), Some("Kenya"));
    let verify = ok_json(&run(&ws, "oscar", &["journal", "verify"]));
    assert_eq!(verify["ok"], true, "{verify}");
    let shown = ok_json(&run(&ws, "tess", &["change", "show", "1"]));
    assert_eq!(shown["applied_by"], "oscar");
    let list = ok_json(&run(&ws, "oscar", &["change", "list"]));
    assert_eq!(list[0]["id"], 1);
    assert_eq!(list[0]["changed_rows"], 1);
    let rolled = ok_json(&run(&ws, "oscar", &["change", "rollback", "1"]));
    assert_eq!(rolled["state"], "rolled_back");
    assert_eq!(country(&ws).as_deref(), Some("Brazil"));
    refused(
        &run(&ws, "oscar", &["change", "rollback", "1"]),
        5,
        "conflict",
        "only an applied ticket is rolled back",
    );
    // Text output names the ticket and its state.
    let text = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .env("MRV_PASSWORD", "demo-password")
        .args(["--as", "oscar", "change", "show", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("change 1 rolled_back"), "{text}");
    assert!(text.contains("ROW updated project (id=1)"), "{text}");
}

#[test]
fn refusals_exit_with_their_codes() {
    let (dir, ws) = demo();
    let (journal, rb) = files(
        dir.path(),
        "journal",
        "UPDATE journal SET actor = 'mallory' WHERE seq = 1;",
        "SELECT 1;",
    );
    refused(
        &run(
            &ws,
            "oscar",
            &[
                "change",
                "open",
                "--sql",
                &journal,
                "--rollback",
                &rb,
                "--reason",
                " ",
            ],
        ),
        2,
        "invalid_input",
        "--reason",
    );
    refused(
        &run(
            &ws,
            "oscar",
            &[
                "change",
                "open",
                "--sql",
                "/nonexistent.sql",
                "--rollback",
                &rb,
                "--reason",
                "r",
            ],
        ),
        2,
        "invalid_input",
        "--sql",
    );
    refused(
        &run(
            &ws,
            "ana",
            &[
                "change",
                "open",
                "--sql",
                &journal,
                "--rollback",
                &rb,
                "--reason",
                "r",
            ],
        ),
        8,
        "forbidden",
        "ops_admin",
    );
    ok_json(&run(
        &ws,
        "oscar",
        &[
            "change",
            "open",
            "--sql",
            &journal,
            "--rollback",
            &rb,
            "--reason",
            "r",
        ],
    ));
    let dry = ok_json(&run(&ws, "oscar", &["change", "dry-run", "1"]));
    assert_eq!(dry["state"], "dry_run_refused");
    assert!(dry["dry_run"]["refusals"][0]
        .as_str()
        .unwrap()
        .contains("table `journal`"));
    refused(
        &run(&ws, "tess", &["change", "approve", "1"]),
        5,
        "conflict",
        "dry run passed",
    );
    refused(
        &run(&ws, "oscar", &["change", "apply", "1"]),
        5,
        "conflict",
        "only an approved ticket is applied",
    );
    refused(
        &run(&ws, "tess", &["change", "reject", "1", "--reason", ""]),
        2,
        "invalid_input",
        "--reason",
    );
    refused(
        &run(&ws, "tess", &["change", "show", "9"]),
        4,
        "not_found",
        "data change 9",
    );
    refused(
        &run(&ws, "ana", &["change", "list"]),
        8,
        "forbidden",
        "data changes",
    );
}
