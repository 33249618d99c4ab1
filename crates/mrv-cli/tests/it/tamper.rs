//! `mrv journal verify` on a database edited behind the app's back: every problem listed with
//! its kind, object and what differs, and exit 5; a clean workspace verifies with exit 0.

use std::path::Path;
use std::process::{Command, Output};

fn mrv(ws: &Path, user: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mrv"));
    c.arg("--workspace")
        .arg(ws)
        .env("MRV_PASSWORD", "demo-password");
    if let Some(u) = user {
        c.args(["--as", u]);
    }
    c.args(args).output().unwrap()
}

#[test]
fn journal_verify_lists_each_problem_and_exits_5() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, None, &["init", "--demo"]).status.success());
    let out = mrv(&ws, Some("vera"), &["journal", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("journal intact"));

    let db = rusqlite::Connection::open(ws.join("workspace.sqlite")).unwrap();
    db.execute(
        "UPDATE app_user SET roles_json = '[\"analyst\",\"verifier\"]' WHERE name = 'ana'",
        [],
    )
    .unwrap();
    db.execute(
        "UPDATE app_user SET offboarded_at = '2026-01-01T00:00:00Z' WHERE name = 'max'",
        [],
    )
    .unwrap();
    let out = mrv(&ws, Some("vera"), &["journal", "verify"]);
    assert_eq!(out.status.code(), Some(5));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "PROBLEM user_roles user ana: holds roles [analyst, verifier], but journal event"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("PROBLEM user_offboarding user max: offboarded at 2026-01-01T00:00:00Z, but no journal event records it"),
        "{stdout}"
    );
    let out = mrv(&ws, Some("vera"), &["--json", "journal", "verify"]);
    assert_eq!(out.status.code(), Some(5));
    let check: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(check["ok"], false);
    assert_eq!(check["problems"].as_array().unwrap().len(), 2, "{check}");
}
