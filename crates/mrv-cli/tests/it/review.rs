//! The review journey through the `mrv` binary: signing in with --as and MRV_PASSWORD, exit
//! codes for wrong credentials (7) and missing roles (8), approve with --justify, stamp export
//! and offline verify-stamp / verify-row, and journal verify.

use std::path::Path;
use std::process::Command;

fn mrv_as(ws: &Path, user: Option<&str>, password: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrv"));
    cmd.arg("--workspace").arg(ws);
    if let Some(u) = user {
        cmd.args(["--as", u]);
    }
    cmd.env("MRV_PASSWORD", password)
        .env_remove("MRV_USER")
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

#[test]
fn the_verifier_journey_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let demo = |args: &[&str]| mrv_as(&ws, None, "", args);
    ok(demo(&["init", "--demo"]));
    let vera = |args: &[&str]| mrv_as(&ws, Some("vera"), "demo-password", args);

    // Credentials and roles are checked by the backend, with their own exit codes.
    let out = mrv_as(
        &ws,
        Some("vera"),
        "wrong-password",
        &["review", "start", "1"],
    );
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown user or wrong password"));
    let out = mrv_as(&ws, None, "", &["review", "start", "1"]);
    assert_eq!(out.status.code(), Some(7));
    let out = mrv_as(&ws, Some("ana"), "demo-password", &["review", "start", "1"]);
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ana (analyst) may not start reviews"));

    ok(vera(&["--json", "review", "start", "1"]));
    let flags = ok(vera(&["--json", "flags", "1"]));
    let mut args: Vec<String> = vec![
        "--json".into(),
        "review".into(),
        "approve".into(),
        "1".into(),
    ];
    for f in flags
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "high" || f["material"] == true)
    {
        args.push("--justify".into());
        args.push(format!("{}=verified on site, photo attached", f["flag_id"]));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let stamp = ok(vera(&refs));
    assert_eq!(stamp["signature_valid"], true);
    let hash = stamp["stamp_hash"].as_str().unwrap().to_owned();
    let shown = ok(vera(&["--json", "stamp", "show", "1"]));
    assert_eq!(shown["stamp_hash"], hash.as_str());

    let export = dir.path().join("export");
    ok(vera(&[
        "stamp",
        "export",
        "1",
        "-o",
        export.to_str().unwrap(),
    ]));
    let demo_dir = ws.join("demo");
    let source = demo_dir.join("tree-plots-2025.csv");
    let mut verify: Vec<String> = vec![
        "--json".into(),
        "verify-stamp".into(),
        export.display().to_string(),
        "--source".into(),
        source.display().to_string(),
    ];
    for layer in [
        "ndvi-2025-06.tif",
        "worldcover-2021.tif",
        "forest-loss-year.tif",
    ] {
        verify.push("--layer".into());
        verify.push(demo_dir.join(layer).display().to_string());
    }
    // verify-stamp needs no workspace and no user.
    let elsewhere = dir.path().join("not-a-workspace");
    let refs: Vec<&str> = verify.iter().map(String::as_str).collect();
    let check = ok(mrv_as(&elsewhere, None, "", &refs));
    assert_eq!(check["ok"], true);
    assert_eq!(check["stamp_hash"], hash.as_str());

    // A tampered source: exit 2, the failing check named.
    let tampered = dir.path().join("tampered.csv");
    std::fs::write(
        &tampered,
        std::fs::read_to_string(&source)
            .unwrap()
            .replacen("12.", "13.", 1),
    )
    .unwrap();
    verify[4] = tampered.display().to_string();
    let refs: Vec<&str> = verify.iter().map(String::as_str).collect();
    let out = mrv_as(&elsewhere, None, "", &refs);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the stamp does not verify: source file:")
    );

    let proof = dir.path().join("row-9.json");
    ok(vera(&[
        "prove-row",
        "1",
        "9",
        "-o",
        proof.to_str().unwrap(),
    ]));
    let row = ok(mrv_as(
        &elsewhere,
        None,
        "",
        &[
            "--json",
            "verify-row",
            proof.to_str().unwrap(),
            "--stamp",
            export.to_str().unwrap(),
        ],
    ));
    assert_eq!(row["row"], 9);

    let journal = ok(vera(&["--json", "journal", "verify"]));
    assert_eq!(journal["ok"], true);
    let history = ok(vera(&["--json", "history", "1"]));
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["import", "start_review", "approve", "stamp"]);
}
