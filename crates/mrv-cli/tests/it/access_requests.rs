//! `mrv access …` and `mrv user …` (SOP-006) through the real binary on a demo workspace: the
//! request → approve → grant contract with `--json`, the refusals' exit codes (8 forbidden,
//! 5 conflict, 2 invalid input, 7 signed out), the quarterly review and the user commands.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let out = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .args(["init", "--demo"])
        .env_remove("MRV_USER")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    (dir, ws)
}

fn mrv_as(ws: &Path, user: &str, password: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(ws)
        .args(["--json", "--as", user])
        .args(args)
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", password)
        .env("MRV_NEW_PASSWORD", "long-enough-password")
        .output()
        .unwrap()
}

fn demo_as(ws: &Path, user: &str, args: &[&str]) -> Output {
    mrv_as(ws, user, "demo-password", args)
}

fn ok(out: Output) -> Value {
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The exit code and the JSON error's message.
fn refused(out: Output) -> (i32, String) {
    assert!(!out.status.success(), "{out:?}");
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    (
        out.status.code().unwrap(),
        err["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn a_request_is_approved_by_the_manager_and_granted_by_the_tenant_admin() {
    let (_dir, ws) = demo();
    let nina = ok(demo_as(
        &ws,
        "tess",
        &[
            "user",
            "add",
            "nina",
            "--role",
            "analyst",
            "--manager",
            "max",
        ],
    ));
    assert_eq!(nina["roles"], serde_json::json!(["analyst"]));
    let nina_as = |args: &[&str]| mrv_as(&ws, "nina", "long-enough-password", args);

    let request = ok(nina_as(&[
        "access",
        "request",
        "--role",
        "verifier",
        "--reason",
        "second reviewer",
    ]));
    assert_eq!(request["state"], "requested");
    assert_eq!(request["manager"], "max");
    let id = request["id"].as_i64().unwrap().to_string();

    // Nina may not decide, and the manager may not grant.
    let (code, message) = refused(nina_as(&["access", "approve", &id]));
    assert_eq!(code, 8, "{message}");
    assert!(
        message.contains("may not approve or decline access requests"),
        "{message}"
    );
    let (code, _) = refused(demo_as(&ws, "max", &["access", "grant", &id]));
    assert_eq!(code, 8);
    // Not approved yet.
    let (code, message) = refused(demo_as(&ws, "tess", &["access", "grant", &id]));
    assert_eq!(code, 5, "{message}");

    let approved = ok(demo_as(&ws, "max", &["access", "approve", &id]));
    assert_eq!(approved["state"], "approved");
    let granted = ok(demo_as(&ws, "tess", &["access", "grant", &id]));
    assert_eq!(granted["state"], "granted");
    assert_eq!(granted["granted_by"], "tess");

    let list = ok(demo_as(&ws, "tess", &["access", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["state"], "granted");
    let users = ok(demo_as(&ws, "tess", &["user", "list"]));
    let nina = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "nina")
        .unwrap();
    assert_eq!(nina["roles"], serde_json::json!(["analyst", "verifier"]));
    assert_eq!(nina["manager"], "max");
    let journal = ok(demo_as(&ws, "tess", &["journal", "verify"]));
    assert_eq!(journal["ok"], true, "{journal}");
}

#[test]
fn segregation_of_duties_refusals_exit_8_and_say_so() {
    let (_dir, ws) = demo();
    ok(demo_as(
        &ws,
        "tess",
        &["user", "add", "mia", "--role", "manager"],
    ));
    let request = ok(demo_as(
        &ws,
        "tess",
        &[
            "access", "request", "--role", "verifier", "--reason", "audit",
        ],
    ));
    let id = request["id"].as_i64().unwrap().to_string();
    // mia is not tess's manager.
    let (code, message) = refused(mrv_as(
        &ws,
        "mia",
        "long-enough-password",
        &["access", "decline", &id, "--reason", "no"],
    ));
    assert_eq!(code, 8);
    assert!(message.contains("mia is not tess's manager"), "{message}");
    ok(demo_as(&ws, "max", &["access", "approve", &id]));
    let (code, message) = refused(demo_as(&ws, "tess", &["access", "grant", &id]));
    assert_eq!(code, 8);
    assert!(
        message.contains("tess may not grant their own access request"),
        "{message}"
    );
    // A blank reason names the field; an unknown role lists the valid ones.
    let (code, message) = refused(demo_as(
        &ws,
        "ana",
        &["access", "request", "--role", "verifier", "--reason", " "],
    ));
    assert_eq!(code, 2);
    assert!(message.starts_with("reason:"), "{message}");
    let (code, message) = refused(demo_as(
        &ws,
        "ana",
        &["access", "request", "--role", "admin", "--reason", "x"],
    ));
    assert_eq!(code, 2);
    assert!(message.contains("tenant_admin"), "{message}");
}

#[test]
fn the_review_certifies_revokes_and_applies_with_its_clock() {
    let (_dir, ws) = demo();
    let shown = ok(demo_as(&ws, "tess", &["access", "review", "show"]));
    assert_eq!(shown["review"], Value::Null);
    assert_eq!(shown["reminder"]["due"], true);
    let (code, _) = refused(demo_as(&ws, "vera", &["access", "review", "start"]));
    assert_eq!(code, 8);

    let review = ok(demo_as(&ws, "tess", &["access", "review", "start"]));
    assert_eq!(review["items"].as_array().unwrap().len(), 6);
    assert_eq!(review["pending"], 6);
    let revoked = ok(demo_as(
        &ws,
        "tess",
        &["access", "review", "revoke", "oscar", "ops_admin"],
    ));
    let oscar = revoked["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["user"] == "oscar")
        .unwrap()
        .clone();
    assert_eq!(oscar["decision"], "revoked");
    assert_eq!(oscar["clock"]["state"], "running");
    assert!(oscar["clock"]["remaining_seconds"].as_i64().unwrap() > 86_000);
    let (code, _) = refused(demo_as(
        &ws,
        "tess",
        &["access", "review", "certify", "oscar", "ops_admin"],
    ));
    assert_eq!(code, 5);
    let (code, _) = refused(demo_as(
        &ws,
        "tess",
        &["access", "review", "certify", "nobody", "analyst"],
    ));
    assert_eq!(code, 4);
    for (user, role) in [
        ("ana", "analyst"),
        ("max", "manager"),
        ("mo", "methodology_owner"),
        ("tess", "tenant_admin"),
        ("vera", "verifier"),
    ] {
        ok(demo_as(
            &ws,
            "tess",
            &["access", "review", "certify", user, role],
        ));
    }
    let applied = ok(demo_as(
        &ws,
        "tess",
        &["access", "review", "apply", "oscar", "ops_admin"],
    ));
    assert!(applied["finished_at"].is_string());
    let shown = ok(demo_as(&ws, "tess", &["access", "review", "show"]));
    assert_eq!(shown["reminder"]["due"], false);
    // oscar no longer holds ops_admin: configuring backups is refused.
    let users = ok(demo_as(&ws, "tess", &["user", "list"]));
    let oscar = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "oscar")
        .unwrap();
    assert_eq!(oscar["roles"], serde_json::json!([]));
    // The text view says the same.
    let out = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .args(["--as", "tess", "access", "review", "show"])
        .env("MRV_PASSWORD", "demo-password")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("role removed") && text.contains("finished"),
        "{text}"
    );
}

#[test]
fn user_roles_manager_sessions_and_offboarding() {
    let (_dir, ws) = demo();
    let ana = ok(demo_as(
        &ws,
        "tess",
        &["user", "roles", "ana", "--add", "verifier"],
    ));
    assert_eq!(ana["roles"], serde_json::json!(["analyst", "verifier"]));
    let ana = ok(demo_as(
        &ws,
        "tess",
        &["user", "roles", "ana", "--remove", "analyst"],
    ));
    assert_eq!(ana["roles"], serde_json::json!(["verifier"]));
    let (code, _) = refused(demo_as(
        &ws,
        "ana",
        &["user", "roles", "ana", "--add", "analyst"],
    ));
    assert_eq!(code, 8);
    let (code, message) = refused(demo_as(
        &ws,
        "tess",
        &["user", "set-manager", "ana", "vera"],
    ));
    assert_eq!(code, 2);
    assert!(
        message.contains("does not hold the manager role"),
        "{message}"
    );
    ok(demo_as(
        &ws,
        "tess",
        &["user", "add", "mia", "--role", "manager"],
    ));
    let ana = ok(demo_as(&ws, "tess", &["user", "set-manager", "ana", "mia"]));
    assert_eq!(ana["manager"], "mia");

    // Each `--as` command signs in: vera has a live session now.
    ok(demo_as(&ws, "vera", &["batch", "list"]));
    let sessions = ok(demo_as(&ws, "tess", &["user", "sessions", "vera"]));
    assert_eq!(sessions.as_array().unwrap().len(), 1);
    let done = ok(demo_as(&ws, "tess", &["user", "offboard", "vera"]));
    assert_eq!(done["sessions_ended"], 1);
    assert_eq!(done["signing_key_disabled"], true);
    let sessions = ok(demo_as(&ws, "tess", &["user", "sessions", "vera"]));
    assert_eq!(sessions, serde_json::json!([]));
    let (code, _) = refused(demo_as(&ws, "vera", &["batch", "list"]));
    assert_eq!(code, 7);
    let journal = ok(demo_as(&ws, "tess", &["journal", "verify"]));
    assert_eq!(journal["ok"], true, "{journal}");
}
