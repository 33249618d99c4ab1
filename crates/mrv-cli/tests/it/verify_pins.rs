//! `mrv verify-stamp` pins the signer: without a pin it says plainly that the signature proves
//! nothing about who signed; with `--signer-key` or `--signer-from-workspace` a stamp re-signed
//! with a fresh key is refused (exit 2, the check named).

use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mrv(ws: &Path, user: Option<&str>, args: &[&str]) -> Output {
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

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn verify_stamp_says_when_the_signer_is_not_pinned_and_refuses_a_fresh_key_when_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    ok(mrv(&ws, None, &["init", "--demo"]));
    ok(mrv(&ws, Some("vera"), &["review", "start", "1"]));
    let flags: serde_json::Value =
        serde_json::from_str(&ok(mrv(&ws, Some("vera"), &["--json", "flags", "1"]))).unwrap();
    let mut approve: Vec<String> = vec!["review".into(), "approve".into(), "1".into()];
    for f in flags.as_array().unwrap() {
        if f["severity"] == "high" || f["material"] == true {
            approve.push("--justify".into());
            approve.push(format!("{}=checked in the field", f["flag_id"]));
        }
    }
    let refs: Vec<&str> = approve.iter().map(String::as_str).collect();
    ok(mrv(&ws, Some("vera"), &refs));
    let export = dir.path().join("export");
    ok(mrv(
        &ws,
        Some("vera"),
        &["stamp", "export", "1", "-o", export.to_str().unwrap()],
    ));
    let vera_pub = dir.path().join("vera.pub");
    std::fs::copy(export.join("signer.pub"), &vera_pub).unwrap();

    let demo = ws.join("demo");
    let mut verify: Vec<String> = vec![
        "verify-stamp".into(),
        export.display().to_string(),
        "--source".into(),
        demo.join("tree-plots-2025.csv").display().to_string(),
    ];
    for layer in [
        "ndvi-2025-06.tif",
        "worldcover-2021.tif",
        "forest-loss-year.tif",
    ] {
        verify.push("--layer".into());
        verify.push(demo.join(layer).display().to_string());
    }
    let run = |extra: &[&str], user: Option<&str>| {
        let mut args: Vec<&str> = verify.iter().map(String::as_str).collect();
        args.extend_from_slice(extra);
        mrv(&ws, user, &args)
    };
    let text = ok(run(&[], None));
    assert!(
        text.contains("NOTE signer key NOT pinned: the signature only proves the document is unchanged since whoever holds ed25519:"),
        "{text}"
    );
    assert!(
        text.contains("verified, but signer key NOT pinned"),
        "{text}"
    );
    let text = ok(run(&["--signer-key", vera_pub.to_str().unwrap()], None));
    assert!(text.contains("ok   signer key"), "{text}");
    assert!(!text.contains("NOT pinned"), "{text}");

    // Forged: a justification rewritten, re-signed with a fresh key the stamp names itself.
    let path = export.join("stamp.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    doc["decision"]["justifications"][0]["text"] = "all fine".into();
    let key = SigningKey::from_bytes(&[42u8; 32]);
    let key_text = format!("ed25519:{}", hex::encode(key.verifying_key().as_bytes()));
    doc["decision"]["verifier_key"] = key_text.clone().into();
    let bytes = mrv_stamp::jcs::canonicalize(&doc).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    std::fs::write(
        export.join("stamp.sig"),
        mrv_stamp::document::sign(&key, &bytes),
    )
    .unwrap();
    std::fs::write(export.join("signer.pub"), &key_text).unwrap();

    // Unpinned it still "verifies" — and says the key is not pinned.
    assert!(ok(run(&[], None)).contains("signer key NOT pinned"));
    for (extra, user) in [
        (vec!["--signer-key", vera_pub.to_str().unwrap()], None),
        (vec!["--signer-from-workspace"], Some("max")),
    ] {
        let out = run(&extra, user);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("signer key: the stamp is signed with")
                && stderr.contains("which is not a pinned signer key"),
            "{stderr}"
        );
    }
    // Pinning from the workspace needs a signed-in user.
    assert_eq!(
        run(&["--signer-from-workspace"], None).status.code(),
        Some(7)
    );
    let _: PathBuf = vera_pub;
}
