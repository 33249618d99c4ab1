//! The real server process on 127.0.0.1:0, and a small HTTP client for tests.
#![allow(dead_code)]

pub mod proxy;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const ORIGIN: &str = "auditlog.test/mrv";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mrv-auditlog")
}

/// A log folder: key, token file and store.
pub struct LogDir {
    pub dir: PathBuf,
    pub token: String,
    pub vkey: String,
}

impl LogDir {
    pub fn new(dir: &Path) -> LogDir {
        let out = Command::new(bin())
            .args(["keygen", "--origin", ORIGIN, "--key"])
            .arg(dir.join("log.key"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let vkey = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        let out = Command::new(bin())
            .args(["token", "add", "tests", "--token-file"])
            .arg(dir.join("tokens"))
            .output()
            .unwrap();
        assert!(out.status.success());
        LogDir {
            dir: dir.to_owned(),
            token: String::from_utf8(out.stdout).unwrap().trim().to_owned(),
            vkey,
        }
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        c.arg("serve")
            .args(["--listen", "127.0.0.1:0", "--origin", ORIGIN])
            .arg("--store")
            .arg(self.dir.join("log.db"))
            .arg("--key")
            .arg(self.dir.join("log.key"))
            .arg("--token-file")
            .arg(self.dir.join("tokens"));
        c
    }

    pub fn start(&self) -> Server {
        Server::spawn(self.command())
    }
}

/// A running server; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn spawn(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the server exited before serving")
                .unwrap();
            if let Some(at) = line.find("http://") {
                break line[at..].trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The tests' HTTP client (reqwest, as the app's).
pub type Agent = reqwest::blocking::Client;

/// A client that gives up after `seconds`.
pub fn agent_with_timeout(seconds: u64) -> Agent {
    // reqwest is built without a default crypto provider (the app picks ring).
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(seconds))
        .build()
        .unwrap()
}

pub fn agent() -> Agent {
    agent_with_timeout(30)
}

/// (status, body) of a request.
pub fn get(agent: &Agent, url: &str) -> (u16, Vec<u8>) {
    let r = agent.get(url).send().unwrap();
    (r.status().as_u16(), r.bytes().unwrap().to_vec())
}

pub fn add(agent: &Agent, url: &str, token: Option<&str>, body: &[u8]) -> (u16, String) {
    let mut req = agent.post(format!("{url}/add")).body(body.to_vec());
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let r = req.send().unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// The `i`th test entry.
pub fn entry(i: u64) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(i.to_be_bytes());
    mrv_core::AnchorEntry::new(
        mrv_core::AnchorKind::Stamp,
        &format!("batch-{i}"),
        hash.into(),
    )
    .unwrap()
    .to_bytes()
}
