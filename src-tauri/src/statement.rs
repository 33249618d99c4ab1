//! The verification statement (`docs/statement.md`): "Statement…" on the stamp card writes the
//! PDF of an approved batch and shows what it holds. Thin over `mrv_app::Mrv::write_statement`,
//! which checks `ProduceStatement` itself; the PDF is made off the window's thread.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use std::path::PathBuf;
use tauri::State;

/// Writes the statement of an approved batch to `path` (replacing an existing file only with
/// `force`, never through a link); returns its hash, anchor and figures.
#[tauri::command]
#[specta::specta]
pub(crate) async fn write_statement(
    desk: State<'_, Desk>,
    batch_id: i64,
    path: String,
    force: bool,
) -> Result<StatementDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .write_statement(
                session,
                &mrv_app::StatementRequest {
                    batch_id,
                    output: PathBuf::from(path.trim()),
                    overwrite: if force {
                        mrv_app::Overwrite::Replace
                    } else {
                        mrv_app::Overwrite::Refuse
                    },
                    layer_id: None,
                },
            )?
            .into())
    })
    .await
}

/// Where the statement dialog proposes to write: beside the workspace folder,
/// `statement-batch-<id>-v<version>.pdf`.
#[tauri::command]
#[specta::specta]
pub(crate) fn statement_default_path(
    desk: State<'_, Desk>,
    batch_id: i64,
) -> Result<String, CommandError> {
    let (mrv, session) = desk.open_as()?;
    let batch = mrv.batch(&session, batch_id)?;
    let root = mrv.root().to_owned();
    let dir = root.parent().map(PathBuf::from).unwrap_or(root);
    Ok(dir
        .join(format!(
            "statement-batch-{}-v{}.pdf",
            batch.id, batch.version
        ))
        .display()
        .to_string())
}
