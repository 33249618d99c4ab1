//! The registry export from the shell against the real log process: `mrv export create`,
//! `list`, `show`, `signoff`, `write`, `return`, and the offline `mrv verify-export` (no
//! workspace, no user) with its exit codes.

use crate::common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `mrv` binary, built beside this package's binary (`cargo build -p mrv-cli` first).
fn mrv_bin() -> PathBuf {
    let bin = Path::new(bin()).with_file_name("mrv");
    assert!(
        bin.exists(),
        "{} is missing: build the CLI first (cargo test --workspace does)",
        bin.display()
    );
    bin
}

fn mrv(ws: &Path, user: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(mrv_bin());
    c.arg("-w")
        .arg(ws)
        .env("MRV_PASSWORD", "demo-password")
        .env_remove("MRV_USER");
    if let Some(u) = user {
        c.args(["--as", u]);
    }
    c.args(args).output().unwrap()
}

fn ok(out: Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

#[test]
fn create_show_sign_off_write_and_verify_an_export_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let ws = dir.path().join("ws");
    ok(mrv(&ws, None, &["init", "--demo"]));
    // The batch's review is set-up here (the review commands have their own tests).
    {
        let mut app = mrv_app::Mrv::open(&ws).unwrap();
        let vera = app.sign_in("vera", mrv_app::DEMO_PASSWORD).unwrap();
        mrv_app::review_and_approve(&mut app, &vera, 1, "checked on site").unwrap();
    }
    ok(mrv(
        &ws,
        Some("oscar"),
        &[
            "auditlog",
            "connect",
            &server.url,
            "--vkey",
            &log.vkey,
            "--token",
            &log.token,
        ],
    ));
    ok(mrv(&ws, Some("vera"), &["anchor", "1"]));

    // Only a methodology owner creates exports (exit 8 otherwise).
    let create = [
        "export",
        "create",
        "--project",
        "1",
        "--period",
        "2025-01-01..2025-12-31",
        "--verification-body",
        "Aster Global Environmental Solutions, Inc.",
        "--report-date",
        "2026-02-15",
    ];
    assert_eq!(mrv(&ws, Some("ana"), &create).status.code(), Some(8));
    let mut json_create = vec!["--json"];
    json_create.extend(create);
    let created = ok(mrv(&ws, Some("mo"), &json_create));
    assert_eq!(created["state"], "draft");
    assert_eq!(created["issued"], 404);
    // A second live export of the same batches: exit 5.
    assert_eq!(mrv(&ws, Some("mo"), &create).status.code(), Some(5));

    let list = ok(mrv(&ws, Some("max"), &["--json", "export", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    let shown = ok(mrv(&ws, Some("mo"), &["--json", "export", "show", "1"]));
    assert_eq!(shown["batches"][0]["stamp_verified"], true);
    let human = mrv(&ws, Some("mo"), &["export", "show", "1"]);
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(
        human.contains("units: 404 issued, 81 buffer, 323 tradable"),
        "{human}"
    );

    let signed = ok(mrv(&ws, Some("mo"), &["--json", "export", "signoff", "1"]));
    assert_eq!(signed["state"], "signed_off");
    assert_eq!(signed["signoff"]["anchor_state"], "anchored");
    // A signed-off export is no longer returned: exit 5.
    let out = mrv(
        &ws,
        Some("mo"),
        &[
            "export",
            "return",
            "1",
            "--code",
            "CL/missing_evidence",
            "--reason",
            "late",
        ],
    );
    assert_eq!(out.status.code(), Some(5));

    let out_dir = dir.path().join("export-1");
    let out_arg = out_dir.to_str().unwrap();
    ok(mrv(
        &ws,
        Some("mo"),
        &["--json", "export", "write", "1", "-o", out_arg],
    ));
    assert_eq!(
        mrv(&ws, Some("mo"), &["export", "write", "1", "-o", out_arg])
            .status
            .code(),
        Some(5)
    );
    ok(mrv(
        &ws,
        Some("mo"),
        &["export", "write", "1", "-o", out_arg, "--force"],
    ));

    // verify-export needs no workspace and no user.
    let elsewhere = dir.path().join("not-a-workspace");
    let check = ok(mrv(
        &elsewhere,
        None,
        &["--json", "verify-export", out_arg, "--log-vkey", &log.vkey],
    ));
    assert_eq!(check["ok"], true);
    std::fs::write(out_dir.join("issuances.csv"), "tampered\n").unwrap();
    let out = mrv(
        &elsewhere,
        None,
        &["verify-export", out_arg, "--log-vkey", &log.vkey],
    );
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL file"), "{text}");
    assert!(text.contains("issuances.csv was changed"), "{text}");
}
