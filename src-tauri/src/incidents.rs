//! Incident desk commands (SOP-003): the incident list with clocks, one incident in full, the
//! severity definitions, the active users for the assignee pickers, and every step of an
//! incident. Thin over `mrv_app`'s incident use cases, which check who may do what.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use mrv_app::Action;
use std::path::PathBuf;
use tauri::State;

/// Every incident, newest first, with its clocks at this moment.
#[tauri::command]
#[specta::specta]
pub(crate) fn list_incidents(
    desk: State<'_, Desk>,
) -> Result<Vec<IncidentSummaryDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .list_incidents(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// One incident: clocks, timeline, action items, postmortem, what the user may do now.
#[tauri::command]
#[specta::specta]
pub(crate) fn incident_detail(
    desk: State<'_, Desk>,
    incident_id: i64,
) -> Result<IncidentDetailDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.incident(&session, incident_id)?.into())
}

/// SOP-003's severities with their definitions, from the core's enum.
#[tauri::command]
#[specta::specta]
pub(crate) fn incident_severities(desk: State<'_, Desk>) -> Result<Vec<SeverityDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    mrv.authorize(&session, Action::DeclareIncident)?;
    Ok(mrv_app::severity_definitions()
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The active users, for the commander, communications lead and owner pickers.
#[tauri::command]
#[specta::specta]
pub(crate) fn incident_assignees(desk: State<'_, Desk>) -> Result<Vec<String>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.incident_assignees(&session)?)
}

/// Declares an incident (`sev1`, `sev2`, `sev3` or 1–3) with a title.
#[tauri::command]
#[specta::specta]
pub(crate) fn declare_incident(
    desk: State<'_, Desk>,
    severity: String,
    title: String,
) -> Result<IncidentDetailDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv.declare_incident(&session, &severity, &title)?.into())
}

/// Assigns the commander and/or the communications lead (null: unchanged).
#[tauri::command]
#[specta::specta]
pub(crate) fn assign_incident(
    desk: State<'_, Desk>,
    incident_id: i64,
    commander: Option<String>,
    comms: Option<String>,
) -> Result<IncidentDetailDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv
        .assign_incident(
            &session,
            incident_id,
            commander.as_deref().filter(|s| !s.is_empty()),
            comms.as_deref().filter(|s| !s.is_empty()),
        )?
        .into())
}

/// Posts an internal note, or a customer update when `customer`.
#[tauri::command]
#[specta::specta]
pub(crate) fn post_incident_update(
    desk: State<'_, Desk>,
    incident_id: i64,
    text: String,
    customer: bool,
) -> Result<IncidentDetailDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv
        .post_incident_update(&session, incident_id, &text, customer)?
        .into())
}

#[tauri::command]
#[specta::specta]
pub(crate) fn resolve_incident(
    desk: State<'_, Desk>,
    incident_id: i64,
) -> Result<IncidentDetailDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv.resolve_incident(&session, incident_id)?.into())
}

/// Attaches the postmortem from a Markdown file path the user typed or picked.
#[tauri::command]
#[specta::specta]
pub(crate) async fn attach_postmortem(
    desk: State<'_, Desk>,
    incident_id: i64,
    path: String,
) -> Result<IncidentDetailDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let file = PathBuf::from(path.trim());
        Ok(mrv.attach_postmortem(session, incident_id, &file)?.into())
    })
    .await
}

/// Adds an action item (owner, due date `YYYY-MM-DD`, text).
#[tauri::command]
#[specta::specta]
pub(crate) fn add_incident_action(
    desk: State<'_, Desk>,
    incident_id: i64,
    owner: String,
    due: String,
    text: String,
) -> Result<IncidentDetailDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv
        .add_incident_action(&session, incident_id, &owner, &due, &text)?
        .0
        .into())
}

#[tauri::command]
#[specta::specta]
pub(crate) fn complete_incident_action(
    desk: State<'_, Desk>,
    incident_id: i64,
    number: i64,
) -> Result<IncidentDetailDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv
        .complete_incident_action(&session, incident_id, number)?
        .into())
}

/// Closes a resolved incident (postmortem attached, every action item done).
#[tauri::command]
#[specta::specta]
pub(crate) fn close_incident(
    desk: State<'_, Desk>,
    incident_id: i64,
) -> Result<IncidentDetailDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv.close_incident(&session, incident_id)?.into())
}
