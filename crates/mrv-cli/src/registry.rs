//! The registry commands: connect the workspace to a CADT registry and show the connection.

use crate::print;
use crate::text::shown;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::registry::RegistryStatus;
use mrv_app::{Mrv, Session};
use std::path::PathBuf;

#[derive(Subcommand)]
pub(crate) enum RegistryCommand {
    /// Connect this workspace to a CADT registry (ops admin); checks it answers with the key.
    Connect {
        /// The registry's base URL (routes are URL/v1/…).
        url: String,
        /// A regular file whose first line is the registry's API key (sent as x-api-key).
        #[arg(long)]
        api_key_file: PathBuf,
    },
    /// The registry this workspace pushes to, and whether it answers now.
    Status,
}

fn status_text(s: &RegistryStatus) -> String {
    if !s.connected {
        return "registry: not connected (an ops admin runs `mrv registry connect URL --api-key-file FILE`)\n".into();
    }
    let mut out = format!(
        "registry: {}\nconnected by {} at {}",
        shown(s.url.as_deref().unwrap_or_default()),
        shown(s.connected_by.as_deref().unwrap_or_default()),
        s.connected_at.as_deref().unwrap_or_default()
    );
    match (s.reachable, &s.problem) {
        (Some(true), _) => out.push_str(&format!(
            "\nreachable: yes, {} published unit block(s)",
            s.units_on_registry.unwrap_or_default()
        )),
        (_, Some(problem)) => out.push_str(&format!("\nreachable: no: {}", shown(problem))),
        _ => {}
    }
    out.push('\n');
    out
}

pub(crate) fn registry(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: RegistryCommand,
) -> Result<()> {
    let status = match cmd {
        RegistryCommand::Connect { url, api_key_file } => {
            mrv.connect_registry(session, &url, &api_key_file)?
        }
        RegistryCommand::Status => mrv.registry_status(session)?,
    };
    print(json, &status, status_text)?;
    Ok(())
}
