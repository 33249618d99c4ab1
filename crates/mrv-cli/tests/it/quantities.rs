//! Quantities through the `mrv` binary: `mrv quantities` (human and `--json`), material rows
//! marked in `mrv flags`, an approval refused (exit 2) until each material row is justified,
//! and `verify-stamp` recomputing the v2 stamp's claimed total from the source.

use std::path::Path;
use std::process::Command;

fn mrv_as(ws: &Path, user: Option<&str>, args: &[&str]) -> std::process::Output {
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

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).unwrap()
}

/// The demo file's claimed tCO2e as an integer number of thousandths (string arithmetic only).
fn demo_thousandths(ws: &Path) -> i128 {
    let text = std::fs::read_to_string(ws.join("demo").join("tree-plots-2025.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "claimed_tco2e").unwrap();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v = l.split(',').nth(column).unwrap();
            let (int, frac) = v.split_once('.').unwrap_or((v, ""));
            format!("{int}{frac:0<3}").parse::<i128>().unwrap()
        })
        .sum()
}

#[test]
fn quantities_are_shown_material_rows_marked_and_required_to_approve() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    ok(&mrv_as(&ws, None, &["init", "--demo"]));

    let q = json(&mrv_as(&ws, Some("vera"), &["--json", "quantities", "1"]));
    let thousandths = demo_thousandths(&ws);
    let expected = format!("{}.{:03}", thousandths / 1000, thousandths % 1000);
    let expected = expected.trim_end_matches('0').trim_end_matches('.');
    assert_eq!(q["gross"], expected);
    assert_eq!(q["rows"], 240);
    assert_eq!(q["buffer_percent"], "20");
    let material: Vec<i64> = q["material"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["row"].as_i64().unwrap())
        .collect();
    assert!(!material.is_empty(), "{q:#}");

    let human = ok(&mrv_as(&ws, Some("vera"), &["quantities", "1"]));
    assert!(
        human.contains(&format!("gross claimed  {expected} tCO2e")),
        "{human}"
    );
    assert!(human.contains("net issuable = gross"), "{human}");
    assert!(human.contains("material row(s):"), "{human}");

    // `mrv flags` marks exactly the material rows.
    let flags = json(&mrv_as(&ws, Some("vera"), &["--json", "flags", "1"]));
    for f in flags.as_array().unwrap() {
        let row = f["row"].as_i64().unwrap();
        assert_eq!(f["material"], material.contains(&row), "{f}");
    }
    let table = ok(&mrv_as(&ws, Some("vera"), &["flags", "1"]));
    assert!(
        table.lines().next().unwrap().contains("MATERIAL"),
        "{table}"
    );
    assert!(table.contains(" material "), "{table}");

    // Justifying only the high flags is refused, naming the material rows; nothing changes.
    ok(&mrv_as(&ws, Some("vera"), &["review", "start", "1"]));
    let justify = |pick: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        let mut args = vec![
            "--json".into(),
            "review".into(),
            "approve".into(),
            "1".into(),
        ];
        for f in flags.as_array().unwrap().iter().filter(|f| pick(f)) {
            args.push("--justify".into());
            args.push(format!("{}=checked on site", f["flag_id"]));
        }
        args
    };
    let high_only = justify(&|f| f["severity"] == "high");
    let refs: Vec<&str> = high_only.iter().map(String::as_str).collect();
    let out = mrv_as(&ws, Some("vera"), &refs);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("material row {}", material[0])),
        "{stderr}"
    );
    let batch = json(&mrv_as(
        &ws,
        Some("vera"),
        &["--json", "batch", "show", "1"],
    ));
    assert_eq!(batch["state"], "in_review");

    let all = justify(&|f| f["severity"] == "high" || f["material"] == true);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let stamp = json(&mrv_as(&ws, Some("vera"), &refs));
    let doc: serde_json::Value = serde_json::from_str(stamp["document"].as_str().unwrap()).unwrap();
    assert_eq!(doc["spec"], "mrv-stamp/v2");
    assert_eq!(doc["claimed"]["total"], expected);

    // verify-stamp recomputes the total from the source file.
    let export = dir.path().join("export");
    ok(&mrv_as(
        &ws,
        Some("vera"),
        &["stamp", "export", "1", "-o", export.to_str().unwrap()],
    ));
    let source = ws.join("demo").join("tree-plots-2025.csv");
    let verify = |source: &Path| {
        let mut args: Vec<String> = vec![
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
            args.push("--layer".into());
            args.push(ws.join("demo").join(layer).display().to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        mrv_as(&dir.path().join("elsewhere"), None, &refs)
    };
    let check = json(&verify(&source));
    assert_eq!(check["ok"], true, "{check:#}");
    let total = check["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"] == "claimed total")
        .unwrap_or_else(|| panic!("no claimed total check: {check:#}"));
    assert_eq!(total["ok"], true);
    assert!(
        total["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("is {expected} tCO2e")),
        "{total}"
    );
}
