//! Who gets in, through the `mrv` binary: first `user add` processes racing on a new workspace
//! make exactly one tenant admin (the others exit 7), and repeated wrong passwords lock the
//! name out with a message saying when to retry.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn mrv(ws: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mrv"));
    c.arg("--workspace").arg(ws).env_remove("MRV_USER");
    c
}

fn run(mut c: Command) -> Output {
    c.output().unwrap()
}

#[test]
fn racing_first_user_add_processes_make_exactly_one_tenant_admin() {
    const RACERS: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let mut init = mrv(&ws);
    init.arg("init");
    assert!(run(init).status.success());
    let children: Vec<_> = (0..RACERS)
        .map(|i| {
            mrv(&ws)
                .args([
                    "user",
                    "add",
                    &format!("admin{i}"),
                    "--role",
                    "tenant_admin",
                ])
                .env("MRV_NEW_PASSWORD", "long-enough-password")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let winners = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(winners, 1, "{outputs:?}");
    for o in outputs.iter().filter(|o| !o.status.success()) {
        assert_eq!(o.status.code(), Some(7), "{o:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr)
                .contains("this workspace already has users: sign in as a tenant admin"),
            "{o:?}"
        );
    }
}

#[test]
fn repeated_wrong_passwords_lock_the_name_out() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let mut init = mrv(&ws);
    init.args(["init", "--demo"]);
    assert!(run(init).status.success());
    let attempt = |password: &str| {
        let mut c = mrv(&ws);
        c.args(["--as", "vera", "batch", "list"])
            .env("MRV_PASSWORD", password);
        run(c)
    };
    for _ in 0..4 {
        let out = attempt("wrong-password");
        assert_eq!(out.status.code(), Some(7));
        assert!(String::from_utf8_lossy(&out.stderr).contains("unknown user or wrong password"));
    }
    let out = attempt("wrong-password");
    assert_eq!(out.status.code(), Some(7));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("too many failed sign-ins as vera"),
        "{out:?}"
    );
    // Even the right password waits for the lockout to pass.
    let out = attempt("demo-password");
    assert_eq!(out.status.code(), Some(7));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sign-in is locked until") && stderr.contains("try again in"),
        "{stderr}"
    );
}
