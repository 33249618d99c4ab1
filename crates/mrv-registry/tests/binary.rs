//! The `mrv-registry` binary: listens on 127.0.0.1:0, prints its address, serves with the key
//! from its key file, and its fault flags take effect.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path, extra: &[&str]) -> (Server, String) {
    let key = dir.join("api.key");
    std::fs::write(&key, "binary-key\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mrv-registry"))
        .arg("--store")
        .arg(dir.join("registry.db"))
        .arg("--api-key-file")
        .arg(&key)
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("mrv-registry: serving at ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (Server(child), url)
}

fn get(url: &str, key: Option<&str>) -> reqwest::blocking::Response {
    let mut req = http_client().get(format!("{url}/v1/units?page=1&limit=10"));
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    req.send().unwrap()
}

#[test]
fn the_binary_prints_its_address_and_needs_the_key_from_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = start(dir.path(), &[]);
    assert_eq!(get(&url, None).status(), 403);
    assert_eq!(get(&url, Some("binary-key")).status(), 200);
    let staging = http_client()
        .get(format!("{url}/v1/staging/hasPendingTransactions"))
        .header("x-api-key", "binary-key")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(staging.contains("\"confirmed\":true"), "{staging}");
}

#[test]
fn fault_flags_apply_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = start(dir.path(), &["--fault", "server-error"]);
    assert_eq!(get(&url, Some("binary-key")).status(), 503);
}

/// A plain HTTP client. Built with the workspace's reqwest features (`rustls-no-provider`), it
/// needs a crypto provider installed first, as the app does.
fn http_client() -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::new()
}
