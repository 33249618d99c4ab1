//! `mrv statement` and `mrv verify-statement` through the binary: the `--json` contract (path,
//! sha256, pages, anchor state), exit codes of the refusals (not approved 5, analyst 8, existing
//! file 5, `--force` replaces), and a changed byte failing `verify-statement` with exit 2.

use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};

fn mrv_as(ws: &Path, user: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrv"));
    cmd.arg("--workspace").arg(ws);
    if let Some(u) = user {
        cmd.args(["--as", u]);
    }
    cmd.env("MRV_PASSWORD", "demo-password")
        .env_remove("MRV_USER")
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).unwrap()
}

fn approve_demo(ws: &Path) {
    ok(&mrv_as(ws, Some("vera"), &["review", "start", "1"]));
    let flags = json(&mrv_as(ws, Some("vera"), &["--json", "flags", "1"]));
    let mut args: Vec<String> = vec!["review".into(), "approve".into(), "1".into()];
    for f in flags.as_array().unwrap() {
        if f["severity"] == "high" || f["material"] == true {
            args.push("--justify".into());
            args.push(format!("{}=checked on site", f["flag_id"]));
        }
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&mrv_as(ws, Some("vera"), &refs));
}

#[test]
fn statement_json_contract_refusals_and_verification() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    ok(&mrv_as(&ws, None, &["init", "--demo"]));
    let pdf = dir.path().join("statement.pdf");
    let pdf_arg = pdf.to_str().unwrap();

    let refused = mrv_as(&ws, Some("vera"), &["statement", "1", "-o", pdf_arg]);
    assert_eq!(refused.status.code(), Some(5), "not approved yet");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("only for an approved batch"));
    approve_demo(&ws);
    let refused = mrv_as(&ws, Some("ana"), &["statement", "1", "-o", pdf_arg]);
    assert_eq!(refused.status.code(), Some(8), "an analyst may not");
    let no_user = mrv_as(&ws, None, &["statement", "1", "-o", pdf_arg]);
    assert_eq!(no_user.status.code(), Some(7));
    assert!(!pdf.exists());

    let v = json(&mrv_as(
        &ws,
        Some("vera"),
        &["--json", "statement", "1", "-o", pdf_arg],
    ));
    let bytes = std::fs::read(&pdf).unwrap();
    assert_eq!(v["path"], pdf_arg);
    assert_eq!(v["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert!(v["pages"].as_i64().unwrap() >= 4, "{v:#}");
    assert_eq!(v["size_bytes"].as_u64().unwrap() as usize, bytes.len());
    assert_eq!(v["record_id"], "statement-1");
    assert_eq!(v["anchor_state"], "queued", "no log connected");
    assert_eq!(v["stamp_hash"].as_str().unwrap().len(), 64);
    assert!(v["qr_payload"]
        .as_str()
        .unwrap()
        .starts_with(&format!("mrv-stamp:{}", v["stamp_hash"].as_str().unwrap())));
    for key in ["gross", "buffer", "net", "rows_root"] {
        assert!(v[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }

    // Not replaced unasked; replaced with --force (a new statement, recorded too).
    let again = mrv_as(&ws, Some("vera"), &["statement", "1", "-o", pdf_arg]);
    assert_eq!(again.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&pdf).unwrap(), bytes);
    let human = ok(&mrv_as(
        &ws,
        Some("vera"),
        &["statement", "1", "-o", pdf_arg, "--force"],
    ));
    assert!(human.contains("statement 2 of batch 1"), "{human}");
    assert!(human.contains("anchor (statement-2): queued"), "{human}");

    let check = json(&mrv_as(
        &ws,
        Some("vera"),
        &["--json", "verify-statement", pdf_arg],
    ));
    assert_eq!(check["ok"], true, "{check:#}");
    assert_eq!(check["statement"]["record_id"], "statement-2");

    let mut changed = std::fs::read(&pdf).unwrap();
    let at = changed.len() / 3;
    changed[at] = changed[at].wrapping_add(1);
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &changed).unwrap();
    let out = mrv_as(
        &ws,
        Some("vera"),
        &["verify-statement", tampered.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("FAIL record"), "{stdout}");
    assert!(stdout.contains("does NOT verify"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("matches no statement"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ok(&mrv_as(&ws, Some("vera"), &["journal", "verify"]));
}
