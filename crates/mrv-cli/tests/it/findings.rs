//! Numbered findings and the batch diff through the `mrv` binary: reject with --finding
//! (and the old --code/--reason), a bad --finding named, a corrected version, `batch diff`,
//! `review findings`, `review close-finding` and findings in `history`.

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

fn ok(out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(out: std::process::Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).unwrap()
}

fn refused(out: std::process::Output, code: i32, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
}

#[test]
fn findings_and_the_diff_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    ok(mrv_as(&ws, None, &["init", "--demo"]));
    let vera = |args: &[&str]| mrv_as(&ws, Some("vera"), args);
    let ana = |args: &[&str]| mrv_as(&ws, Some("ana"), args);
    ok(vera(&["review", "start", "1"]));

    // Bad syntax is named with what is wrong, before anything is written.
    refused(
        vera(&["review", "reject", "1", "--finding", "CAR/outside_boundary"]),
        2,
        "--finding `CAR/outside_boundary`: no `:` between the reason code and the text",
    );
    refused(
        vera(&["review", "reject", "1", "--finding", "CAR:   "]),
        2,
        "the text is empty",
    );
    refused(
        vera(&[
            "review",
            "reject",
            "1",
            "--finding",
            "CAR:text:rows=SDM-0001,",
        ]),
        2,
        "rows= lists an empty record id",
    );
    refused(
        vera(&["review", "reject", "1", "--finding", "CAR:text:rows=NOPE-1"]),
        2,
        "no row with record id `NOPE-1`",
    );
    refused(vera(&["review", "reject", "1"]), 2, "--finding CODE:TEXT");

    let rejected = json(vera(&[
        "--json",
        "review",
        "reject",
        "1",
        "--finding",
        "CAR/outside_boundary:SDM-0200 lies outside: move it:rows=SDM-0200",
        "--finding",
        "CL/missing_evidence:no field photos",
    ]));
    assert_eq!(rejected["state"], "rejected");
    assert_eq!(rejected["findings"][0]["label"], "CAR 1");
    assert_eq!(
        rejected["findings"][0]["text"],
        "SDM-0200 lies outside: move it"
    );
    assert_eq!(rejected["findings"][0]["record_ids"][0], "SDM-0200");
    assert_eq!(rejected["findings"][1]["label"], "CL 1");

    // The corrected version: SDM-0200 moved inside, SDM-0003 dropped.
    let source = ws.join("demo").join("tree-plots-2025.csv");
    let fixed = dir.path().join("v2.csv");
    let text: String = std::fs::read_to_string(&source)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("SDM-0003,"))
        .map(|l| l.replace("-47.700000,-24.360000", "-47.830000,-24.230000") + "\n")
        .collect();
    std::fs::write(&fixed, text).unwrap();
    let v2 = json(ana(&[
        "--json",
        "import",
        fixed.to_str().unwrap(),
        "--project",
        "1",
        "--period",
        "2025-01-01..2025-12-31",
        "--supersedes",
        "1",
    ]));
    let v2 = v2["id"].as_i64().unwrap().to_string();

    let diff = json(vera(&["--json", "batch", "diff", &v2]));
    assert_eq!(diff["against_batch_id"], 1);
    assert_eq!(diff["summary"]["removed"], 1);
    assert_eq!(diff["summary"]["added"], 0);
    assert_eq!(diff["summary"]["changed"], 1);
    assert!(diff["summary"]["flags_cleared"].as_u64().unwrap() >= 1);
    let text = ok(vera(&["batch", "diff", &v2, "--against", "1"]));
    assert!(text.contains("0 added, 1 removed, 1 changed"), "{text}");
    assert!(text.contains("removed  SDM-0003"), "{text}");
    assert!(text.contains("flag cleared: outside_boundary"), "{text}");
    refused(vera(&["batch", "diff", "1"]), 2, "--against");

    let listed = ok(vera(&["review", "findings", &v2]));
    assert!(listed.starts_with("CAR 1   open"), "{listed}");
    ok(vera(&["review", "start", &v2]));
    refused(
        vera(&["review", "close-finding", &v2, "CAR 1", "--note", " "]),
        2,
        "needs a note",
    );
    refused(
        ana(&["review", "close-finding", &v2, "CAR 1", "--note", "fixed"]),
        8,
        "",
    );
    let closed = json(vera(&[
        "--json",
        "review",
        "close-finding",
        &v2,
        "CAR 1",
        "--note",
        "moved inside the boundary",
    ]));
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["closed_by"], "vera");
    let listed = json(vera(&["--json", "review", "findings", &v2]));
    assert_eq!(listed[0]["label"], "CL 1");
    assert_eq!(listed[0]["state"], "open");
    assert_eq!(listed[1]["label"], "CAR 1");
    assert_eq!(listed[1]["carried"], true);

    // The old single-reason form still works, as one finding numbered on from v1's.
    ok(vera(&[
        "review",
        "reject",
        &v2,
        "--code",
        "CAR/implausible_value",
        "--reason",
        "dbh of SDM-0002",
    ]));
    let history = json(vera(&["--json", "history", &v2]));
    let rejects: Vec<&serde_json::Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["action"] == "reject")
        .collect();
    assert_eq!(rejects[0]["findings"].as_array().unwrap().len(), 2);
    assert_eq!(rejects[1]["findings"][0]["label"], "CAR 2");
    let text = ok(vera(&["history", &v2]));
    assert!(text.contains("finding CAR 1"), "{text}");
    assert!(text.contains("closed by vera"), "{text}");
    ok(vera(&["journal", "verify"]));
}
