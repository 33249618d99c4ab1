//! The workspace's outside connections an ops admin makes in the app: the audit log (URL,
//! pinned verifier key, writer token) and the CADT registry (URL, API key file), and the
//! registry's status. Thin over `mrv_app` (`connect_auditlog`, `connect_registry`,
//! `registry_status`), which check the role and the input.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use std::path::PathBuf;
use tauri::State;

/// Connects the audit log (checks it answers with a checkpoint signed by `vkey` first) and
/// returns the log-health panel.
#[tauri::command]
#[specta::specta]
pub(crate) async fn connect_auditlog(
    desk: State<'_, Desk>,
    url: String,
    vkey: String,
    token: String,
) -> Result<LogHealthDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .connect_auditlog(session, url.trim(), vkey.trim(), token.trim())?
            .into())
    })
    .await
}

/// The registry connection and whether the registry answers now.
#[tauri::command]
#[specta::specta]
pub(crate) async fn registry_status(
    desk: State<'_, Desk>,
) -> Result<RegistryStatusDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.registry_status(session)?.into())
    })
    .await
}

/// Connects the CADT registry with the API key read from a regular file (never typed into
/// the app, never stored in clear).
#[tauri::command]
#[specta::specta]
pub(crate) async fn connect_registry(
    desk: State<'_, Desk>,
    url: String,
    api_key_file: String,
) -> Result<RegistryStatusDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .connect_registry(session, url.trim(), &PathBuf::from(api_key_file.trim()))?
            .into())
    })
    .await
}
