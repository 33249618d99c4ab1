//! Data-change commands (SOP-004): the tickets, one ticket with its dry run, review and the
//! steps on offer, and the steps themselves (open from two file paths, dry run, approve,
//! reject, apply, roll back; dry runs and applying read the whole database, so they run off
//! the UI thread). Thin over `mrv_app`.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use tauri::State;

/// Every data-change ticket, newest first.
#[tauri::command]
#[specta::specta]
pub(crate) fn list_data_changes(
    desk: State<'_, Desk>,
) -> Result<Vec<DataChangeSummaryDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .data_changes(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One ticket: SQL, rollback SQL, reason, people, state, dry-run counts and diff, offers.
#[tauri::command]
#[specta::specta]
pub(crate) fn data_change_view(
    desk: State<'_, Desk>,
    change_id: i64,
) -> Result<DataChangeDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.data_change(&session, change_id)?.into())
}

/// Opens a ticket from the SQL file, the rollback SQL file and a reason.
#[tauri::command]
#[specta::specta]
pub(crate) async fn open_data_change(
    desk: State<'_, Desk>,
    sql_file: String,
    rollback_file: String,
    reason: String,
) -> Result<DataChangeDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let new = mrv_app::NewDataChange {
            sql_file: sql_file.into(),
            rollback_file: rollback_file.into(),
            reason,
        };
        Ok(mrv.open_data_change(session, &new)?.into())
    })
    .await
}

/// Dry-runs a ticket on a copy of the database.
#[tauri::command]
#[specta::specta]
pub(crate) async fn dry_run_data_change(
    desk: State<'_, Desk>,
    change_id: i64,
) -> Result<DataChangeDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.dry_run_data_change(session, change_id)?.into())
    })
    .await
}

/// Approves a ticket (not its author), with an optional note.
#[tauri::command]
#[specta::specta]
pub(crate) async fn approve_data_change(
    desk: State<'_, Desk>,
    change_id: i64,
    reason: Option<String>,
) -> Result<DataChangeDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .approve_data_change(session, change_id, reason.as_deref())?
            .into())
    })
    .await
}

/// Rejects a ticket with a reason (not its author).
#[tauri::command]
#[specta::specta]
pub(crate) async fn reject_data_change(
    desk: State<'_, Desk>,
    change_id: i64,
    reason: String,
) -> Result<DataChangeDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.reject_data_change(session, change_id, &reason)?.into())
    })
    .await
}

/// Applies an approved ticket in one transaction.
#[tauri::command]
#[specta::specta]
pub(crate) async fn apply_data_change(
    desk: State<'_, Desk>,
    change_id: i64,
) -> Result<DataChangeDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.apply_data_change(session, change_id)?.into())
    })
    .await
}

/// Rolls an applied ticket back with its rollback SQL.
#[tauri::command]
#[specta::specta]
pub(crate) async fn roll_back_data_change(
    desk: State<'_, Desk>,
    change_id: i64,
) -> Result<DataChangeDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.roll_back_data_change(session, change_id)?.into())
    })
    .await
}
