//! `mrv registry connect` and `mrv registry status` against the stand-in CADT registry served on
//! 127.0.0.1:0: only an ops admin connects, the key comes from a regular file, status says
//! whether the registry answers.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

const KEY: &str = "cli-registry-key";

/// Serves the stand-in registry on a loopback port; returns its URL.
fn start_registry(dir: &Path) -> String {
    let mut config = mrv_registry::Config::new(dir.join("registry.sqlite"), KEY.to_owned());
    config.move_interval = Duration::from_millis(200);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            mrv_registry::serve(listener, config).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

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

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn an_ops_admin_connects_and_everyone_sees_the_status() {
    let dir = tempfile::tempdir().unwrap();
    let url = start_registry(dir.path());
    let ws = dir.path().join("ws");
    let init = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .arg("init")
        .output()
        .unwrap();
    assert!(init.status.success(), "{}", text(&init));
    // A bare workspace: its first user, then the ops admin and a methodology owner.
    let add = |by: Option<&str>, name: &str, role: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrv"));
        cmd.arg("--workspace")
            .arg(&ws)
            .env_remove("MRV_USER")
            .env("MRV_PASSWORD", "demo-password")
            .env("MRV_NEW_PASSWORD", "demo-password");
        if let Some(by) = by {
            cmd.args(["--as", by]);
        }
        let out = cmd
            .args(["user", "add", name, "--role", role])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    };
    add(None, "tess", "tenant_admin");
    add(Some("tess"), "oscar", "ops_admin");
    add(Some("tess"), "mo", "methodology_owner");

    let key_file = dir.path().join("registry.key");
    std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
    let key_arg = key_file.to_str().unwrap();

    let status = mrv_as(&ws, "mo", &["registry", "status"]);
    assert!(status.status.success(), "{}", text(&status));
    assert!(text(&status).contains("registry: not connected"));

    let refused = mrv_as(
        &ws,
        "mo",
        &["registry", "connect", &url, "--api-key-file", key_arg],
    );
    assert_eq!(refused.status.code(), Some(8), "{}", text(&refused));

    let link = dir.path().join("link.key");
    std::os::unix::fs::symlink(&key_file, &link).unwrap();
    let refused = mrv_as(
        &ws,
        "oscar",
        &[
            "registry",
            "connect",
            &url,
            "--api-key-file",
            link.to_str().unwrap(),
        ],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("symbolic link"),
        "{}",
        text(&refused)
    );

    let connected = mrv_as(
        &ws,
        "oscar",
        &[
            "--json",
            "registry",
            "connect",
            &url,
            "--api-key-file",
            key_arg,
        ],
    );
    assert!(connected.status.success(), "{}", text(&connected));
    let v: serde_json::Value = serde_json::from_slice(&connected.stdout).unwrap();
    assert_eq!(v["connected"], true);
    assert_eq!(v["url"], url.as_str());
    assert_eq!(v["reachable"], true);
    assert!(!String::from_utf8_lossy(&connected.stdout).contains(KEY));

    let status = mrv_as(&ws, "mo", &["registry", "status"]);
    assert!(status.status.success(), "{}", text(&status));
    let shown = text(&status);
    assert!(shown.contains(&format!("registry: {url}")), "{shown}");
    assert!(shown.contains("connected by oscar"), "{shown}");
    assert!(
        shown.contains("reachable: yes, 0 published unit block(s)"),
        "{shown}"
    );
}
