//! `mrv-auditlog`: generate the log's key, add writer tokens, serve the log.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use mrv_auditlog::config::{self, Config};
use mrv_tlog::SignerKey;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "mrv-auditlog",
    version,
    about = "MRV Desk's audit-log server (a C2SP transparency log)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the log's signing key; prints the verifier key (vkey) clients pin.
    Keygen {
        /// The log's name (a schema-less URL such as auditlog.example.org/mrv).
        #[arg(long)]
        origin: String,
        /// Where to write the private key (must not exist).
        #[arg(long)]
        key: PathBuf,
    },
    /// Print the verifier key (vkey) of a key file.
    Vkey {
        #[arg(long)]
        key: PathBuf,
    },
    /// Writer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Serve the log: --config FILE, or every setting as a flag.
    Serve {
        #[arg(long, conflicts_with_all = [
            "listen", "store", "key", "origin", "token_file", "header_read_timeout",
            "body_timeout", "idle_timeout", "max_connections",
        ])]
        config: Option<PathBuf>,
        #[arg(long)]
        listen: Option<String>,
        #[arg(long)]
        store: Option<PathBuf>,
        #[arg(long)]
        key: Option<PathBuf>,
        #[arg(long)]
        origin: Option<String>,
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// Seconds a request's header may take from its first byte [default: 10].
        #[arg(long, value_name = "SECONDS")]
        header_read_timeout: Option<u64>,
        /// Seconds a request's body may take once its header is read [default: 10].
        #[arg(long, value_name = "SECONDS")]
        body_timeout: Option<u64>,
        /// Seconds a connection may stay open without a request [default: 60].
        #[arg(long, value_name = "SECONDS")]
        idle_timeout: Option<u64>,
        /// Open connections at most [default: 512].
        #[arg(long, value_name = "N")]
        max_connections: Option<usize>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a writer token: prints it once and stores only its SHA-256.
    Add {
        /// Who the token is for (e.g. the workspace).
        name: String,
        #[arg(long)]
        token_file: PathBuf,
    },
}

fn keygen(origin: &str, file: &Path) -> Result<SignerKey> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let key = SignerKey::from_seed(origin, &seed)
        .map_err(|e| anyhow::anyhow!("origin {origin:?}: {e}"))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(file)
        .with_context(|| format!("cannot create {} (it must not exist yet)", file.display()))?;
    writeln!(f, "{}", key.to_text())?;
    f.sync_all()?;
    Ok(key)
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("mrv-auditlog: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Keygen { origin, key } => {
            println!("{}", keygen(&origin, &key)?.verifier().to_text());
        }
        Command::Vkey { key } => {
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("cannot read {}", key.display()))?;
            let key =
                SignerKey::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", key.display()))?;
            println!("{}", key.verifier().to_text());
        }
        Command::Token(TokenCommand::Add { name, token_file }) => {
            println!("{}", config::add_token(&token_file, &name)?);
        }
        Command::Serve {
            config,
            listen,
            store,
            key,
            origin,
            token_file,
            header_read_timeout,
            body_timeout,
            idle_timeout,
            max_connections,
        } => {
            let config = match config {
                Some(file) => Config::load(&file)?,
                None => {
                    let d = config::Limits::default();
                    Config {
                        listen: listen.context("--listen (or --config) is needed")?,
                        store: store.context("--store is needed")?,
                        key: key.context("--key is needed")?,
                        origin: origin.context("--origin is needed")?,
                        tokens: token_file.context("--token-file is needed")?,
                        limits: config::Limits {
                            header_read_timeout_seconds: header_read_timeout
                                .unwrap_or(d.header_read_timeout_seconds),
                            body_timeout_seconds: body_timeout.unwrap_or(d.body_timeout_seconds),
                            idle_timeout_seconds: idle_timeout.unwrap_or(d.idle_timeout_seconds),
                            max_connections: max_connections.unwrap_or(d.max_connections),
                        },
                    }
                }
            };
            serve(config)?;
        }
    }
    Ok(())
}

fn serve(config: Config) -> Result<()> {
    // First run: no key and no store yet → make the key and say which vkey to pin.
    if !config.key.exists() && !config.store.exists() {
        let key = keygen(&config.origin, &config.key)?;
        println!(
            "mrv-auditlog: new key {}; pin this vkey in clients:",
            config.key.display()
        );
        println!("vkey {}", key.verifier().to_text());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        mrv_auditlog::serve(listener, config).await
    })
}
