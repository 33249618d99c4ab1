//! `mrv-registry`: serve the CADT-compatible stand-in registry.

use anyhow::{Context, Result};
use clap::{Parser, ValueEnum};
use mrv_registry::{Config, FaultMode, Faults};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "mrv-registry",
    version,
    about = "A CADT-compatible registry for MRV Desk's tests and demo (not a real registry)"
)]
struct Cli {
    /// `host:port`; port 0 picks a free one (printed at start).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// The SQLite file holding staging and published records (created when absent).
    #[arg(long)]
    store: PathBuf,
    /// A file holding the API key clients send as `x-api-key` (first line).
    #[arg(long)]
    api_key_file: PathBuf,
    /// Milliseconds between moves of committed staging rows into the tables (CADT: ~10 s).
    #[arg(long, default_value_t = 10_000)]
    move_interval_ms: u64,
    /// How the registry answers (changeable later at POST /_standin/faults).
    #[arg(long, value_enum, default_value_t = Mode::Confirm)]
    fault: Mode,
    /// The reason given with `--fault reject`.
    #[arg(long, default_value = "rejected by the registry")]
    reject_reason: String,
    /// Unit rows the next moves lose, as CADT's simulator can.
    #[arg(long, default_value_t = 0)]
    drop_units: usize,
    /// Seconds a request is held with `--fault timeout`.
    #[arg(long, default_value_t = 120)]
    hang_seconds: u64,
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Confirm,
    Reject,
    Timeout,
    ServerError,
    Duplicate,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let key = std::fs::read_to_string(&cli.api_key_file).with_context(|| {
        format!(
            "cannot read the API key file {}",
            cli.api_key_file.display()
        )
    })?;
    let key = key.lines().next().unwrap_or_default().trim().to_owned();
    let mut config = Config::new(cli.store, key);
    config.move_interval = Duration::from_millis(cli.move_interval_ms.max(1));
    config.hang = Duration::from_secs(cli.hang_seconds);
    config.faults = Faults {
        mode: match cli.fault {
            Mode::Confirm => FaultMode::Confirm,
            Mode::Reject => FaultMode::Reject,
            Mode::Timeout => FaultMode::Timeout,
            Mode::ServerError => FaultMode::ServerError,
            Mode::Duplicate => FaultMode::Duplicate,
        },
        reject_reason: cli.reject_reason,
        drop_units: cli.drop_units,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&cli.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cli.listen))?;
        mrv_registry::serve(listener, config).await?;
        Ok(())
    })
}
