//! "Save as CSV…" of a rejected import's problem report. The UI hands back the report it
//! showed; `mrv_app::write_import_report` makes the CSV and writes it (atomically, never
//! through a link, replacing a file only when the user said so).

use crate::dto::*;
use crate::{CommandError, Desk};
use std::path::{Path, PathBuf};
use tauri::State;

/// Writes `report` as CSV to `path`; answers the path written.
#[tauri::command]
#[specta::specta]
pub(crate) async fn save_import_report(
    desk: State<'_, Desk>,
    report: ReportDto,
    path: String,
    force: bool,
) -> Result<String, CommandError> {
    // Only a signed-in user saves; the report is theirs already (it came with their import).
    desk.session()?;
    let path = PathBuf::from(path.trim());
    let overwrite = if force {
        mrv_app::Overwrite::Replace
    } else {
        mrv_app::Overwrite::Refuse
    };
    let report = mrv_app::ImportReport::from(report);
    let written = path.clone();
    tauri::async_runtime::spawn_blocking(move || {
        mrv_app::write_import_report(&report, &path, overwrite)
    })
    .await
    .map_err(|e| crate::internal(&format!("saving the report stopped: {e}")))??;
    Ok(written.display().to_string())
}

/// Where "Save as CSV…" proposes to write the problems of the imported `file`: beside it.
#[tauri::command]
#[specta::specta]
pub(crate) fn import_report_default_path(file: String) -> String {
    mrv_app::import_report_default_path(Path::new(file.trim()))
        .display()
        .to_string()
}
