//! The signed-in user's home: their work queue (`mrv_app::Mrv::work_queue`).

use crate::dto::*;
use crate::{CommandError, Desk};
use tauri::State;

/// What waits for the signed-in user now, most urgent first.
#[tauri::command]
#[specta::specta]
pub(crate) fn work_queue(desk: State<'_, Desk>) -> Result<WorkQueueDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.work_queue(&session)?.into())
}
