//! Releases (SOP-002) through the `mrv` binary: plan, calendar and rota with `--json`, the
//! steps refused with their exit codes (2 invalid input, 4 not found, 5 conflict, 8 forbidden).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mrv_as(ws: &Path, user: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrv"));
    cmd.arg("--workspace")
        .arg(ws)
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", "demo-password")
        .args(["--as", user]);
    cmd
}

fn run(ws: &Path, user: &str, args: &[&str]) -> Output {
    mrv_as(ws, user).arg("--json").args(args).output().unwrap()
}

fn ok_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// Asserts the exit code and that the JSON error says `says`.
fn refused(out: &Output, code: i32, error_code: &str, says: &str) {
    assert_eq!(out.status.code(), Some(code), "{out:?}");
    // Errors go to stderr, as JSON with `--json`.
    let v: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["error"]["code"], error_code, "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains(says), "{message} should say {says}");
}

fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let init = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .args(["init", "--demo"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    (dir, ws)
}

#[test]
fn plan_calendar_and_rota_answer_in_json() {
    let (dir, ws) = demo();
    let rota = ok_json(&run(
        &ws,
        "oscar",
        &["release", "rota", "--set", "2030-W02=vera"],
    ));
    assert_eq!(rota["week"], "2030-W02");
    assert_eq!(rota["captain"], "vera");
    let notes = dir.path().join("notes.md");
    std::fs::write(&notes, "- faster imports\n- fixed the map legend\n").unwrap();
    let plan = ok_json(&run(
        &ws,
        "oscar",
        &[
            "release",
            "plan",
            "--date",
            "2030-01-05",
            "--notes-file",
            notes.to_str().unwrap(),
        ],
    ));
    assert_eq!(plan["tag"], "v2030.01.07.1");
    assert_eq!(plan["slot_at"], "2030-01-07T14:00:00Z");
    assert_eq!(plan["captain"], "vera");
    assert_eq!(plan["state"], "planned");
    assert_eq!(plan["notes"], "- faster imports\n- fixed the map legend");
    let again = ok_json(&run(
        &ws,
        "oscar",
        &[
            "release",
            "plan",
            "--date",
            "2030-01-07",
            "--notes",
            "second",
        ],
    ));
    assert_eq!(again["tag"], "v2030.01.07.2");
    let hotfix = ok_json(&run(&ws, "oscar", &["release", "plan", "--hotfix"]));
    assert_eq!(hotfix["kind"], "hotfix");

    // Anyone signed in reads the calendar, the list, a release and the changelog.
    let cal = ok_json(&run(&ws, "ana", &["release", "calendar"]));
    let weeks = cal["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 4);
    for w in weeks {
        let slots = w["slots"].as_array().unwrap();
        assert_eq!(slots.len(), 5);
        assert!(slots
            .iter()
            .all(|s| s["slot_at"].as_str().unwrap().ends_with("T14:00:00Z")));
    }
    assert_eq!(weeks[0]["hotfixes"][0]["tag"], hotfix["tag"]);
    let cal = ok_json(&run(&ws, "ana", &["release", "calendar", "--weeks", "2"]));
    assert_eq!(cal["weeks"].as_array().unwrap().len(), 2);
    let list = ok_json(&run(&ws, "ana", &["release", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 3);
    let shown = ok_json(&run(&ws, "ana", &["release", "show", "1"]));
    assert_eq!(shown["tag"], "v2030.01.07.1");
    assert_eq!(shown["offers"], serde_json::json!([]), "ana may do nothing");
    assert_eq!(
        ok_json(&run(&ws, "ana", &["release", "changelog"])),
        serde_json::json!([])
    );
    // The human-readable calendar lists the week's captain.
    let text = mrv_as(&ws, "oscar")
        .args(["release", "calendar", "--weeks", "1"])
        .output()
        .unwrap();
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("captain"));
}

#[test]
fn refused_steps_exit_with_their_codes() {
    let (_dir, ws) = demo();
    let plan = ok_json(&run(
        &ws,
        "oscar",
        &["release", "plan", "--date", "2030-01-07"],
    ));
    assert_eq!(plan["id"], 1);
    // Forbidden (8): only ops admins run the procedure.
    refused(
        &run(&ws, "vera", &["release", "plan"]),
        8,
        "forbidden",
        "may not manage releases",
    );
    refused(
        &run(&ws, "ana", &["release", "rota", "--set", "2030-W02=ana"]),
        8,
        "forbidden",
        "may not manage releases",
    );
    // Invalid input (2), naming the field.
    refused(
        &run(&ws, "oscar", &["release", "plan", "--date", "07/01/2030"]),
        2,
        "invalid_input",
        "--date",
    );
    refused(
        &run(&ws, "oscar", &["release", "rota", "--set", "2030-W02"]),
        2,
        "invalid_input",
        "--set: `2030-W02` is not YYYY-Www=USER",
    );
    refused(
        &run(&ws, "oscar", &["release", "rota", "--set", "2027-W53=vera"]),
        2,
        "invalid_input",
        "2027 has no ISO week 53",
    );
    refused(
        &run(&ws, "oscar", &["release", "rollback", "1", "--reason", " "]),
        2,
        "invalid_input",
        "--reason",
    );
    // Not found (4).
    refused(
        &run(&ws, "oscar", &["release", "soak", "9"]),
        4,
        "not_found",
        "release 9 does not exist",
    );
    refused(
        &run(
            &ws,
            "oscar",
            &["release", "rota", "--set", "2030-W02=nobody"],
        ),
        4,
        "not_found",
        "user nobody",
    );
    // Conflict (5): out of order, the promotion gate, the watch, no audit log.
    refused(
        &run(&ws, "oscar", &["release", "promote", "1"]),
        5,
        "conflict",
        "a release that is planned cannot promote",
    );
    ok_json(&run(&ws, "oscar", &["release", "soak", "1"]));
    refused(
        &run(&ws, "oscar", &["release", "promote", "1"]),
        5,
        "conflict",
        "no green synthetic-monitor run since the soak started",
    );
    refused(
        &run(&ws, "oscar", &["release", "watch-end", "1"]),
        5,
        "conflict",
        "cannot watch-end",
    );
    refused(
        &run(&ws, "oscar", &["release", "close", "1"]),
        5,
        "conflict",
        "cannot close",
    );
    refused(
        &run(&ws, "oscar", &["release", "monitor", "1"]),
        5,
        "conflict",
        "not connected to an audit log",
    );
    // Rolled back by the ops admin (no captain that week), then nothing more.
    let back = ok_json(&run(
        &ws,
        "oscar",
        &["release", "rollback", "1", "--reason", "staging errors"],
    ));
    assert_eq!(back["state"], "rolled_back");
    refused(
        &run(&ws, "oscar", &["release", "soak", "1"]),
        5,
        "conflict",
        "rolled_back cannot soak",
    );
    // clap refuses a calendar beyond a year (usage: 2).
    let out = run(&ws, "oscar", &["release", "calendar", "--weeks", "53"]);
    assert_eq!(out.status.code(), Some(2));
}
