//! The CLI journey against the real log process: `mrv review approve` queues the stamp,
//! `mrv auditlog connect` pins the log, `mrv anchor` sends it, `mrv anchor show` writes the
//! receipt, and `mrv verify-receipt` checks it offline (and refuses another entry).

use crate::common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `mrv` binary, built beside this package's binary by `cargo test --workspace`.
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
    c.arg("-w").arg(ws).env("MRV_PASSWORD", "demo-password");
    if let Some(u) = user {
        c.args(["--as", u]);
    }
    c.args(args).output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn approve_connect_anchor_show_and_verify_the_receipt_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    ok(mrv(&ws, None, &["init", "--demo"]));
    ok(mrv(&ws, Some("vera"), &["review", "start", "1"]));
    let flags: serde_json::Value =
        serde_json::from_str(&ok(mrv(&ws, Some("vera"), &["--json", "flags", "1"]))).unwrap();
    let mut approve = vec!["review".to_owned(), "approve".into(), "1".into()];
    for f in flags.as_array().unwrap() {
        if f["severity"] == "high" || f["material"] == true {
            approve.push("--justify".into());
            approve.push(format!("{}=checked on site", f["flag_id"]));
        }
    }
    let approve: Vec<&str> = approve.iter().map(String::as_str).collect();
    ok(mrv(&ws, Some("vera"), &approve));

    // Not connected yet: the stamp waits in the queue (exit 5, conflict).
    let out = mrv(&ws, Some("vera"), &["anchor", "1"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not connected to an audit log"));
    let shown = ok(mrv(&ws, Some("vera"), &["anchor", "show", "1"]));
    assert!(shown.contains("stamp batch-1-v1: queued"), "{shown}");

    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let connect = [
        "auditlog",
        "connect",
        &server.url,
        "--vkey",
        &log.vkey,
        "--token",
        &log.token,
    ];
    assert_eq!(mrv(&ws, Some("vera"), &connect).status.code(), Some(8));
    ok(mrv(&ws, Some("oscar"), &connect));
    assert_eq!(
        mrv(&ws, Some("ana"), &["anchor", "--pending"])
            .status
            .code(),
        Some(8)
    );

    let anchored = ok(mrv(&ws, Some("vera"), &["anchor", "1"]));
    assert!(
        anchored.contains(
            "stamp batch-1-v1: anchored at index 0 in checkpoint size 1 of auditlog.test/mrv"
        ),
        "{anchored}"
    );
    let out_dir = dir.path().join("receipts");
    let shown: serde_json::Value = serde_json::from_str(&ok(mrv(
        &ws,
        Some("ana"),
        &[
            "--json",
            "anchor",
            "show",
            "1",
            "-o",
            out_dir.to_str().unwrap(),
        ],
    )))
    .unwrap();
    assert_eq!(shown["state"], "anchored");
    assert_eq!(shown["log_index"], 0);
    let receipt = out_dir.join("batch-1-v1.tlog-proof");
    let entry = out_dir.join("batch-1-v1.entry");
    assert_eq!(shown["receipt_file"], receipt.to_str().unwrap());

    // Offline: no workspace, only the receipt, the entry and the pinned key.
    let verify = |entry: &Path| {
        Command::new(mrv_bin())
            .arg("verify-receipt")
            .arg(&receipt)
            .args(["--vkey", &log.vkey, "--entry"])
            .arg(entry)
            .output()
            .unwrap()
    };
    let text = ok(verify(&entry));
    assert!(
        text.contains("receipt ok: index 0 in checkpoint size 1"),
        "{text}"
    );
    let other = dir.path().join("other.entry");
    std::fs::write(
        &other,
        std::fs::read_to_string(&entry)
            .unwrap()
            .replace("batch-1", "batch-2"),
    )
    .unwrap();
    let out = verify(&other);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not verify"));

    // The stamp export carries the anchor too.
    let export = dir.path().join("export");
    ok(mrv(
        &ws,
        Some("vera"),
        &["stamp", "export", "1", "-o", export.to_str().unwrap()],
    ));
    assert_eq!(
        std::fs::read(export.join("anchor.tlog-proof")).unwrap(),
        std::fs::read(&receipt).unwrap()
    );
    assert_eq!(
        std::fs::read(export.join("anchor.entry")).unwrap(),
        std::fs::read(&entry).unwrap()
    );

    // Bad input names what is wrong: the missing entry file, or the key.
    let missing = dir.path().join("missing.entry");
    let out = verify(&missing);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read the entry") && err.contains("missing.entry"),
        "{err}"
    );
    let out = Command::new(mrv_bin())
        .arg("verify-receipt")
        .arg(&receipt)
        .args(["--vkey", "not-a-key"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--vkey: malformed verifier key"), "{err}");

    let status = ok(mrv(&ws, Some("max"), &["auditlog", "status", "--check"]));
    assert!(status.contains("checkpoint   size 1"), "{status}");
    assert!(
        status.contains("1 anchored, 0 queued, 0 failed"),
        "{status}"
    );
}
