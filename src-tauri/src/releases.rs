//! Release commands (SOP-002): the calendar and the captain rota, planning, the procedure's
//! steps, the synthetic monitor (a network probe of the audit log: run off the UI thread),
//! the releases and the changelog. Thin over `mrv_app`; what the user may do with a release
//! now comes with it (`offers`).

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use tauri::State;

/// The weekday 14:00 UTC slots of `weeks` ISO weeks from this one, with captains, planned
/// releases and hotfixes.
#[tauri::command]
#[specta::specta]
pub(crate) fn release_calendar(
    desk: State<'_, Desk>,
    weeks: u32,
) -> Result<ReleaseCalendarDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.release_calendar(&session, weeks)?.into())
}

/// The captain rota of `weeks` ISO weeks from this one.
#[tauri::command]
#[specta::specta]
pub(crate) fn release_rota(
    desk: State<'_, Desk>,
    weeks: u32,
) -> Result<Vec<RotaEntryDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .release_rota(&session, weeks)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Sets the captain of an ISO week (`YYYY-Www`).
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_release_captain(
    desk: State<'_, Desk>,
    week: String,
    captain: String,
) -> Result<RotaEntryDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.set_release_captain(session, &week, &captain)?.into())
    })
    .await
}

/// Plans a release (its tag, slot and captain proposed by the use case).
#[tauri::command]
#[specta::specta]
pub(crate) async fn plan_release(
    desk: State<'_, Desk>,
    request: NewReleaseDto,
) -> Result<ReleaseDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.plan_release(session, &request.into())?.into())
    })
    .await
}

/// Starts a planned release's 30-minute staging soak.
#[tauri::command]
#[specta::specta]
pub(crate) async fn soak_release(
    desk: State<'_, Desk>,
    release_id: i64,
) -> Result<ReleaseDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.soak_release(session, release_id)?.into())
    })
    .await
}

/// Promotes a soaking release (refused, saying what is missing, while blocked).
#[tauri::command]
#[specta::specta]
pub(crate) async fn promote_release(
    desk: State<'_, Desk>,
    release_id: i64,
) -> Result<ReleaseDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.promote_release(session, release_id)?.into())
    })
    .await
}

/// Ends the 30-minute post-release watch.
#[tauri::command]
#[specta::specta]
pub(crate) async fn end_release_watch(
    desk: State<'_, Desk>,
    release_id: i64,
) -> Result<ReleaseDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.end_release_watch(session, release_id)?.into())
    })
    .await
}

/// Closes a watched release into the changelog.
#[tauri::command]
#[specta::specta]
pub(crate) async fn close_release(
    desk: State<'_, Desk>,
    release_id: i64,
) -> Result<ReleaseDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.close_release(session, release_id)?.into())
    })
    .await
}

/// Rolls a soaking or watching release back, with a reason (the week's captain's call).
#[tauri::command]
#[specta::specta]
pub(crate) async fn roll_back_release(
    desk: State<'_, Desk>,
    release_id: i64,
    reason: String,
) -> Result<ReleaseDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.roll_back_release(session, release_id, &reason)?.into())
    })
    .await
}

/// Runs the synthetic monitor against the audit log and records the run (green or red).
#[tauri::command]
#[specta::specta]
pub(crate) async fn run_release_monitor(
    desk: State<'_, Desk>,
    release_id: i64,
) -> Result<MonitorRunDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.run_release_monitor(session, release_id)?.into())
    })
    .await
}

/// Every release, by slot.
#[tauri::command]
#[specta::specta]
pub(crate) fn list_releases(desk: State<'_, Desk>) -> Result<Vec<ReleaseSummaryDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .list_releases(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One release with its clocks, monitor runs and the steps on offer.
#[tauri::command]
#[specta::specta]
pub(crate) fn release_view(
    desk: State<'_, Desk>,
    release_id: i64,
) -> Result<ReleaseDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.release(&session, release_id)?.into())
}

/// The earliest release still open, if any: what the desk shows first.
#[tauri::command]
#[specta::specta]
pub(crate) fn next_release(desk: State<'_, Desk>) -> Result<Option<ReleaseDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.next_release(&session)?.map(Into::into))
}

/// The closed releases, newest first.
#[tauri::command]
#[specta::specta]
pub(crate) fn release_changelog(
    desk: State<'_, Desk>,
) -> Result<Vec<ChangelogEntryDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .release_changelog(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}
