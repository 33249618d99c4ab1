//! The server's configuration: a TOML file or the same settings as flags.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where the log listens, keeps its entries and key, what it is called, and who may write.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `host:port`; port 0 picks a free one (printed at start).
    pub listen: String,
    /// The SQLite file holding entries and signed checkpoints.
    pub store: PathBuf,
    /// The private key file (`PRIVATE+KEY+<origin>+…`), as written by `keygen`.
    pub key: PathBuf,
    /// The log's name, first line of every checkpoint (a schema-less URL).
    pub origin: String,
    /// Writer tokens: one `<name> <sha256 of the token, hex>` per line.
    pub tokens: PathBuf,
    /// Timeouts and the connection cap (`[limits]`; every one has a default).
    #[serde(default)]
    pub limits: Limits,
}

/// How long a client may take and how many connections may be open (see `conn.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Seconds a request's header may take to arrive, from its first byte.
    pub header_read_timeout_seconds: u64,
    /// Seconds a request's body (`POST /add`) may take to arrive once its header is read.
    pub body_timeout_seconds: u64,
    /// Seconds a connection may stay open without sending a request.
    pub idle_timeout_seconds: u64,
    /// Open connections at most; at the cap a new one displaces the longest-idle one.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout_seconds: 10,
            body_timeout_seconds: 10,
            idle_timeout_seconds: 60,
            max_connections: 512,
        }
    }
}

impl Limits {
    pub fn header_read_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.header_read_timeout_seconds)
    }

    pub fn body_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.body_timeout_seconds)
    }

    pub fn idle_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.idle_timeout_seconds)
    }

    /// Refuses limits that would make the server unusable.
    pub fn check(&self) -> Result<()> {
        if self.header_read_timeout_seconds == 0
            || self.body_timeout_seconds == 0
            || self.idle_timeout_seconds == 0
        {
            bail!("limits: every timeout is at least 1 second");
        }
        if self.max_connections < 2 {
            bail!("limits: max_connections is at least 2");
        }
        Ok(())
    }
}

impl Config {
    /// Reads a TOML config; relative paths are taken from the config file's folder.
    pub fn load(file: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the config {}", file.display()))?;
        let mut c: Config =
            toml::from_str(&text).with_context(|| format!("{}: bad config", file.display()))?;
        let base = file.parent().unwrap_or(Path::new("."));
        for p in [&mut c.store, &mut c.key, &mut c.tokens] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(c)
    }
}

/// SHA-256 of a bearer token: how tokens are stored and compared.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Adds a writer token for `name` to a token file (made if missing): appends
/// `<name> <sha256 hex>` and returns the token, which is stored nowhere else.
pub fn add_token(file: &Path, name: &str) -> Result<String> {
    if name.is_empty() || name.chars().any(char::is_whitespace) || name.starts_with('#') {
        bail!("a token name is one word, not starting with # (which marks a comment)");
    }
    let token = new_token()?;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(file)
        .with_context(|| format!("cannot open {}", file.display()))?;
    // A hand-edited file may lack its final newline: never run two lines together.
    let mut text = String::new();
    std::io::Read::read_to_string(&mut f, &mut text)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let sep = if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    std::io::Write::write_all(
        &mut f,
        format!("{sep}{name} {}\n", hex::encode(token_hash(&token))).as_bytes(),
    )
    .and_then(|()| f.sync_all())
    .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(token)
}

/// The writer token hashes of a token file (blank lines and `#` comments skipped).
pub fn load_tokens(file: &Path) -> Result<HashSet<[u8; 32]>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the token file {}", file.display()))?;
    let mut out = HashSet::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let hash = line.split_whitespace().nth(1).unwrap_or("");
        let mut h = [0u8; 32];
        if hex::decode_to_slice(hash, &mut h).is_err() {
            bail!(
                "{} line {}: expected `<name> <sha256 hex of the token>`",
                file.display(),
                n + 1
            );
        }
        out.insert(h);
    }
    Ok(out)
}

/// A fresh random writer token.
pub fn new_token() -> Result<String> {
    let mut raw = [0u8; 24];
    getrandom::getrandom(&mut raw).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!("mrvlog_{}", hex::encode(raw)))
}
