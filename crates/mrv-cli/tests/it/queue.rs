//! `mrv queue` through the binary: each demo user's queue holds what their roles allow and what
//! waits for them — and moves as the work does (a rejection lands in the analyst's queue).

use std::path::Path;
use std::process::{Command, Output};

fn mrv_as(ws: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(ws)
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", "demo-password")
        .args(["--as", user])
        .args(args)
        .output()
        .unwrap()
}

fn queue(ws: &Path, user: &str) -> Vec<serde_json::Value> {
    let out = mrv_as(ws, user, &["--json", "queue"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["user"], user);
    v["items"].as_array().unwrap().clone()
}

fn kinds(items: &[serde_json::Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn each_role_sees_its_own_work_and_the_queue_moves_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let init = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .args(["init", "--demo"])
        .output()
        .unwrap();
    assert!(init.status.success());

    // The demo batch waits for the verifier, not for the analyst who imported it.
    let vera = queue(&ws, "vera");
    assert_eq!(kinds(&vera), ["review_batch"]);
    assert_eq!(
        vera[0]["target"],
        serde_json::json!({"kind": "batch", "id": 1})
    );
    assert!(queue(&ws, "ana").is_empty());
    assert!(queue(&ws, "mo").is_empty());
    // The ops admin: no audit log (urgent, first), no registry and no backup target.
    let oscar = queue(&ws, "oscar");
    assert_eq!(
        kinds(&oscar),
        ["connect_audit_log", "connect_registry", "set_backup_target"]
    );
    assert_eq!(oscar[0]["urgent"], true);
    assert_eq!(oscar[1]["urgent"], false);
    assert_eq!(oscar[2]["urgent"], false);
    assert_eq!(oscar[2]["target"], serde_json::json!({"kind": "backups"}));

    // Under review: the verifier's item becomes a decision; rejected: the analyst's to correct.
    assert!(mrv_as(&ws, "vera", &["review", "start", "1"])
        .status
        .success());
    assert_eq!(kinds(&queue(&ws, "vera")), ["decide_batch"]);
    let reject = mrv_as(
        &ws,
        "vera",
        &[
            "review",
            "reject",
            "1",
            "--code",
            "CL",
            "--reason",
            "Plot 17 lacks a photo.",
        ],
    );
    assert!(
        reject.status.success(),
        "{}",
        String::from_utf8_lossy(&reject.stderr)
    );
    assert!(queue(&ws, "vera").is_empty());
    let ana = queue(&ws, "ana");
    assert_eq!(kinds(&ana), ["correct_batch"]);
    assert!(ana[0]["title"].as_str().unwrap().contains("was rejected"));

    // SOP-006: a request waits for the requester's manager, then for the tenant admin; the
    // tenant admin is reminded of the quarterly review.
    assert_eq!(kinds(&queue(&ws, "tess")), ["access_review"]);
    let request = mrv_as(
        &ws,
        "ana",
        &[
            "--json",
            "access",
            "request",
            "--role",
            "verifier",
            "--reason",
            "Second pair of eyes.",
        ],
    );
    assert!(
        request.status.success(),
        "{}",
        String::from_utf8_lossy(&request.stderr)
    );
    let id = serde_json::from_slice::<serde_json::Value>(&request.stdout).unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    assert_eq!(kinds(&queue(&ws, "max")), ["decide_access"]);
    assert!(mrv_as(&ws, "max", &["access", "approve", &id])
        .status
        .success());
    assert!(queue(&ws, "max").is_empty());
    assert_eq!(
        kinds(&queue(&ws, "tess")),
        ["grant_access", "access_review"]
    );

    // SOP-003: a declared SEV-1 lands, urgent, in the ops admin's queue and nobody else's.
    let declare = mrv_as(
        &ws,
        "vera",
        &[
            "incident",
            "declare",
            "--sev",
            "1",
            "--title",
            "Audit log unreachable",
        ],
    );
    assert!(
        declare.status.success(),
        "{}",
        String::from_utf8_lossy(&declare.stderr)
    );
    let oscar = queue(&ws, "oscar");
    let incident = oscar
        .iter()
        .find(|i| i["kind"] == "incident")
        .unwrap_or_else(|| panic!("{oscar:?}"));
    assert_eq!(incident["urgent"], true);
    assert_eq!(
        incident["target"],
        serde_json::json!({"kind": "incident", "id": 1})
    );
    assert!(
        incident["title"].as_str().unwrap().contains("SEV-1"),
        "{oscar:?}"
    );
    assert!(
        incident["detail"].as_str().unwrap().contains("by "),
        "the next clock's due time: {oscar:?}"
    );
    // Urgent items come before the rest.
    let urgent: Vec<bool> = oscar
        .iter()
        .map(|i| i["urgent"].as_bool().unwrap())
        .collect();
    assert!(urgent.windows(2).all(|w| w[0] >= w[1]), "{urgent:?}");
    assert!(!kinds(&queue(&ws, "vera")).contains(&"incident".to_owned()));

    // SOP-004: a data-change ticket waits for its dry run (ops admin), then for a review by the
    // tenant admin.
    let sql = dir.path().join("change.sql");
    let rollback = dir.path().join("rollback.sql");
    std::fs::write(
        &sql,
        "UPDATE project SET country = 'Brasil' WHERE id = 1;\n",
    )
    .unwrap();
    std::fs::write(
        &rollback,
        "UPDATE project SET country = 'Brazil' WHERE id = 1;\n",
    )
    .unwrap();
    let open = mrv_as(
        &ws,
        "oscar",
        &[
            "change",
            "open",
            "--sql",
            sql.to_str().unwrap(),
            "--rollback",
            rollback.to_str().unwrap(),
            "--reason",
            "Country name as the registry spells it.",
        ],
    );
    assert!(
        open.status.success(),
        "{}",
        String::from_utf8_lossy(&open.stderr)
    );
    assert!(kinds(&queue(&ws, "oscar")).contains(&"data_change".to_owned()));
    assert!(!kinds(&queue(&ws, "tess")).contains(&"data_change".to_owned()));
    assert!(mrv_as(&ws, "oscar", &["change", "dry-run", "1"])
        .status
        .success());
    assert!(!kinds(&queue(&ws, "oscar")).contains(&"data_change".to_owned()));
    assert!(kinds(&queue(&ws, "tess")).contains(&"data_change".to_owned()));

    // Text output names the user and each item.
    let text = mrv_as(&ws, "ana", &["queue"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with("1 item(s) wait for ana:"), "{text}");
}

fn backup_kinds(ws: &Path) -> Vec<(String, bool)> {
    queue(ws, "oscar")
        .iter()
        .filter(|i| i["target"]["kind"] == "backups")
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["urgent"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, bool)]) -> Vec<(String, bool)> {
    v.iter().map(|(k, u)| ((*k).to_owned(), *u)).collect()
}

/// SOP-007 in the ops admin's queue: no target; then no backup yet (urgent) and the drill due;
/// a backup clears the first, a passed drill the second; a backup older than a day or a failed
/// run brings the urgent item back. Nobody else sees them.
#[test]
fn backups_in_the_queue_follow_the_target_the_runs_and_the_drills() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let init = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .args(["init", "--demo"])
        .output()
        .unwrap();
    assert!(init.status.success());
    assert_eq!(backup_kinds(&ws), pairs(&[("set_backup_target", false)]));
    for user in ["ana", "vera", "mo", "tess", "max"] {
        assert!(
            !kinds(&queue(&ws, user)).contains(&"set_backup_target".to_owned()),
            "{user}"
        );
    }
    let target = dir.path().join("backups");
    let ok = |args: &[&str]| {
        let out = mrv_as(&ws, "oscar", args);
        assert!(out.status.success(), "{out:?}");
    };
    ok(&["backup", "target", "set", target.to_str().unwrap()]);
    assert_eq!(
        backup_kinds(&ws),
        pairs(&[("backup_stale", true), ("drill_due", false)])
    );
    ok(&["backup", "run"]);
    assert_eq!(backup_kinds(&ws), pairs(&[("drill_due", false)]));
    ok(&["backup", "drill"]);
    assert!(backup_kinds(&ws).is_empty());

    // A day and a second old: urgent again.
    let conn = rusqlite::Connection::open(ws.join("workspace.sqlite")).unwrap();
    conn.execute(
        "UPDATE backup_run SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-86401 seconds')",
        [],
    )
    .unwrap();
    drop(conn);
    assert_eq!(backup_kinds(&ws), pairs(&[("backup_stale", true)]));

    // The target gone (a share not mounted): the failed run is the urgent item.
    std::fs::remove_dir_all(&target).unwrap();
    assert!(!mrv_as(&ws, "oscar", &["backup", "run"]).status.success());
    let items = queue(&ws, "oscar");
    let stale = items.iter().find(|i| i["kind"] == "backup_stale").unwrap();
    assert_eq!(stale["title"], "The last backup failed", "{items:?}");
    assert_eq!(stale["urgent"], true);
}
