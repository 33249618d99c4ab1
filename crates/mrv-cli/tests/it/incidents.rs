//! Incidents (SOP-003) through the `mrv` binary on a demo workspace: the contract commands with
//! `--json`, the clocks each incident shows, the severity definitions in `--help`, and the exit
//! codes of refusals (2 invalid input, 4 not found, 5 conflict, 8 forbidden).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mrv_as(ws: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(ws)
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", "demo-password")
        .args(["--as", user, "--json", "incident"])
        .args(args)
        .output()
        .unwrap()
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

/// The exit code and the JSON error's message of a refused command.
fn refused(out: &Output) -> (i32, String) {
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err: serde_json::Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (
        out.status.code().unwrap(),
        err["error"]["message"].as_str().unwrap().to_owned(),
    )
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
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    (dir, ws)
}

fn clock<'a>(incident: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    incident["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no clock {name}: {incident}"))
}

#[test]
fn the_contract_commands_from_declare_to_close() {
    let (dir, ws) = demo();

    // Anyone declares; a SEV-1 shows its two clocks running.
    let inc = ok_json(&mrv_as(
        &ws,
        "ana",
        &["declare", "--sev", "1", "--title", "Registry unreachable"],
    ));
    assert_eq!(inc["id"], 1);
    assert_eq!(inc["severity"], "sev1");
    assert_eq!(inc["state"], "open");
    for name in ["commander_assigned", "customer_update"] {
        let c = clock(&inc, name);
        assert_eq!(c["state"], "running");
        assert!(
            c["started_at"].is_string() && c["due_at"].is_string(),
            "{c}"
        );
    }

    let inc = ok_json(&mrv_as(
        &ws,
        "oscar",
        &["assign", "1", "--commander", "vera", "--comms", "oscar"],
    ));
    assert_eq!(inc["commander"], "vera");
    assert_eq!(clock(&inc, "commander_assigned")["state"], "met");

    // The commander (a verifier) posts a note; the comms lead a customer update.
    let inc = ok_json(&mrv_as(
        &ws,
        "vera",
        &["update", "1", "--text", "Rolled back"],
    ));
    assert_eq!(inc["timeline"][0]["kind"], "note");
    let inc = ok_json(&mrv_as(
        &ws,
        "oscar",
        &["update", "1", "--text", "Pushes paused", "--customer"],
    ));
    assert_eq!(inc["timeline"][1]["kind"], "customer");
    assert_eq!(
        clock(&inc, "customer_update")["started_at"],
        inc["timeline"][1]["at"]
    );

    let inc = ok_json(&mrv_as(&ws, "oscar", &["resolve", "1"]));
    assert_eq!(inc["state"], "resolved");
    assert_eq!(clock(&inc, "postmortem")["state"], "running");
    let (code, msg) = refused(&mrv_as(&ws, "oscar", &["resolve", "1"]));
    assert_eq!(code, 5, "{msg}");

    let inc = ok_json(&mrv_as(
        &ws,
        "oscar",
        &[
            "action",
            "add",
            "1",
            "--owner",
            "ana",
            "--due",
            "2026-12-24",
            "--text",
            "Alert on failed pushes",
        ],
    ));
    assert_eq!(inc["action_items"][0]["number"], 1);
    let pm = dir.path().join("PM.md");
    std::fs::write(&pm, "# Registry outage\n\nBlameless.\n").unwrap();
    let inc = ok_json(&mrv_as(
        &ws,
        "oscar",
        &["postmortem", "1", "--file", pm.to_str().unwrap()],
    ));
    assert_eq!(inc["postmortem"]["title"], "Registry outage");
    assert_eq!(inc["postmortem"]["sha256"].as_str().unwrap().len(), 64);

    // Close refused with the open action item named, then allowed.
    let (code, msg) = refused(&mrv_as(&ws, "oscar", &["close", "1"]));
    assert_eq!(code, 5);
    assert!(
        msg.contains("#1 Alert on failed pushes (owner ana)"),
        "{msg}"
    );
    ok_json(&mrv_as(&ws, "oscar", &["action", "done", "1", "1"]));
    let inc = ok_json(&mrv_as(&ws, "oscar", &["close", "1"]));
    assert_eq!(inc["state"], "closed");

    let shown = ok_json(&mrv_as(&ws, "max", &["show", "1"]));
    assert_eq!(shown["state"], "closed");
    assert_eq!(shown["timeline"].as_array().unwrap().len(), 2);
    let list = ok_json(&mrv_as(&ws, "max", &["list"]));
    assert_eq!(list.as_array().unwrap().len(), 1);

    // The human-readable show lists each clock with its state.
    let text = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", "demo-password")
        .args(["--as", "max", "incident", "show", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("CLOCK commander_assigned\tmet"), "{text}");
    assert!(text.contains("POSTMORTEM PM.md"), "{text}");

    let journal = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .env("MRV_PASSWORD", "demo-password")
        .args(["--as", "oscar", "--json", "journal", "verify"])
        .output()
        .unwrap();
    let check = ok_json(&journal);
    assert_eq!(check["ok"], true, "{check}");
}

#[test]
fn refusals_exit_with_their_codes() {
    let (dir, ws) = demo();
    ok_json(&mrv_as(
        &ws,
        "mo",
        &["declare", "--sev", "2", "--title", "Map blank"],
    ));

    // Forbidden (8): a non-ops user assigns, resolves, or posts without being assigned.
    let (code, msg) = refused(&mrv_as(&ws, "mo", &["assign", "1", "--commander", "vera"]));
    assert_eq!(code, 8, "{msg}");
    assert_eq!(refused(&mrv_as(&ws, "tess", &["resolve", "1"])).0, 8);
    assert_eq!(
        refused(&mrv_as(&ws, "ana", &["update", "1", "--text", "hi"])).0,
        8
    );

    // Invalid input (2): bad severity, bad due date, unknown assignee.
    let (code, msg) = refused(&mrv_as(
        &ws,
        "ana",
        &["declare", "--sev", "4", "--title", "x"],
    ));
    assert_eq!(code, 2);
    assert!(msg.contains("severity"), "{msg}");
    for due in ["2026-12-1", "24.12.2026", "2026-13-01"] {
        let (code, msg) = refused(&mrv_as(
            &ws,
            "oscar",
            &[
                "action", "add", "1", "--owner", "ana", "--due", due, "--text", "x",
            ],
        ));
        assert_eq!(code, 2, "{due}: {msg}");
        assert!(msg.starts_with("due:"), "{msg}");
    }
    let (code, msg) = refused(&mrv_as(&ws, "oscar", &["assign", "1", "--comms", "zed"]));
    assert_eq!(code, 2);
    assert!(msg.contains("comms: user `zed` does not exist"), "{msg}");

    // Not found (4).
    assert_eq!(refused(&mrv_as(&ws, "oscar", &["show", "9"])).0, 4);

    // Conflict (5): postmortem before resolve, close before resolve.
    let pm = dir.path().join("PM.md");
    std::fs::write(&pm, "# PM\n").unwrap();
    let (code, msg) = refused(&mrv_as(
        &ws,
        "oscar",
        &["postmortem", "1", "--file", pm.to_str().unwrap()],
    ));
    assert_eq!(code, 5);
    assert!(msg.contains("resolve it first"), "{msg}");
    assert_eq!(refused(&mrv_as(&ws, "oscar", &["close", "1"])).0, 5);

    // The postmortem file must be a regular file, not a link or a FIFO.
    let (code, msg) = refused(&mrv_as(&ws, "oscar", &["resolve", "1"]));
    assert_eq!(code, 5);
    assert!(msg.contains("assign its incident commander"), "{msg}");
    ok_json(&mrv_as(
        &ws,
        "oscar",
        &["assign", "1", "--commander", "oscar"],
    ));
    ok_json(&mrv_as(&ws, "oscar", &["resolve", "1"]));
    #[cfg(unix)]
    {
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&pm, &link).unwrap();
        let (code, msg) = refused(&mrv_as(
            &ws,
            "oscar",
            &["postmortem", "1", "--file", link.to_str().unwrap()],
        ));
        assert_eq!(code, 2);
        assert!(msg.contains("symbolic link"), "{msg}");
        let fifo = dir.path().join("fifo.md");
        assert!(Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let (code, msg) = refused(&mrv_as(
            &ws,
            "oscar",
            &["postmortem", "1", "--file", fifo.to_str().unwrap()],
        ));
        assert_eq!(code, 2);
        assert!(msg.contains("FIFO"), "{msg}");
    }
}

#[test]
fn declare_help_shows_the_sop_severity_definitions() {
    let out = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .args(["incident", "declare", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for line in [
        "1 (SEV-1): Platform down or data loss — page on-call, all-hands",
        "2 (SEV-2): Major feature broken for > 5 % of users — page on-call",
        "3 (SEV-3): Degraded, workaround exists — next business day",
    ] {
        assert!(help.contains(line), "{help}");
    }
}
