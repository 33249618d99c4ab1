//! Registry export commands (issue 11): the export list and review, its transitions and
//! folder write, the push to the registry with progress, the inventory and its reconciliation.
//! Thin over `mrv_app`; which actions a user may take comes from `mrv_app::export_offers`.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use mrv_app::{Action, Mrv, Session};
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::State;

/// The registry exports (of one project when given), oldest first, each with what the
/// signed-in user may do with it now.
#[tauri::command]
#[specta::specta]
pub(crate) fn list_exports(
    desk: State<'_, Desk>,
    project_id: Option<i64>,
) -> Result<Vec<ExportListItemDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    mrv.list_exports(&session, project_id)?
        .into_iter()
        .map(|summary| -> Result<ExportListItemDto, CommandError> {
            let offers = mrv.export_offers(&session, summary.id)?;
            Ok(ExportListItemDto {
                summary: summary.into(),
                offers: offers.into_iter().map(Into::into).collect(),
            })
        })
        .collect()
}

/// The export view with what the signed-in user may do with it now.
fn export_view_dto(
    mrv: &Mrv,
    session: &Session,
    view: mrv_app::ExportView,
) -> Result<ExportViewDto, CommandError> {
    let id = view.summary.id;
    Ok(ExportViewDto::new(
        view,
        mrv.export_serial_blocks(session, id)?,
        mrv.export_offers(session, id)?,
    ))
}

/// An export for review: totals and derivation, every batch's stamp re-verified (its anchor
/// receipt checked), the difference from the previous export, and the actions on offer.
#[tauri::command]
#[specta::specta]
pub(crate) async fn export_view(
    desk: State<'_, Desk>,
    export_id: i64,
) -> Result<ExportViewDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let view = mrv.export_view(session, export_id)?;
        export_view_dto(mrv, session, view)
    })
    .await
}

/// The picklists and reason codes the export forms offer.
#[tauri::command]
#[specta::specta]
pub(crate) fn export_vocabulary(
    desk: State<'_, Desk>,
) -> Result<ExportVocabularyDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    mrv.authorize(&session, Action::ViewEvidence)?;
    Ok(mrv_app::export_vocabulary().into())
}

/// Creates a draft export from a project's anchored batches of one monitoring period.
#[tauri::command]
#[specta::specta]
pub(crate) async fn create_export(
    desk: State<'_, Desk>,
    request: NewExportDto,
) -> Result<ExportViewDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let view = mrv.create_export(session, &mrv_app::NewExport::from(request))?;
        export_view_dto(mrv, session, view)
    })
    .await
}

/// Hands a draft over for sign-off.
#[tauri::command]
#[specta::specta]
pub(crate) fn submit_export(
    desk: State<'_, Desk>,
    export_id: i64,
) -> Result<ExportViewDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    let view = mrv.submit_export(&session, export_id)?;
    export_view_dto(&mrv, &session, view)
}

/// Signs the export's manifest off with the signer's re-entered password (the sign-off is
/// anchored to the audit log right away when it can be reached, else queued).
#[tauri::command]
#[specta::specta]
pub(crate) async fn sign_off_export(
    desk: State<'_, Desk>,
    export_id: i64,
    password: String,
) -> Result<ExportViewDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let view = mrv.sign_off_export(session, export_id, &password)?;
        export_view_dto(mrv, session, view)
    })
    .await
}

/// Returns an export with a reason code (`CAR`, `CL` or `FAR`, optionally `/sub-code`) and text.
#[tauri::command]
#[specta::specta]
pub(crate) fn return_export(
    desk: State<'_, Desk>,
    export_id: i64,
    code: String,
    reason: String,
) -> Result<ExportViewDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    let view = mrv.return_export(&session, export_id, &code, &reason)?;
    export_view_dto(&mrv, &session, view)
}

/// Writes the export as a folder. An existing `dir` is replaced only with `overwrite`; without
/// it nothing is written and the answer says the folder exists, so the UI can ask first.
#[tauri::command]
#[specta::specta]
pub(crate) async fn write_export(
    desk: State<'_, Desk>,
    export_id: i64,
    dir: String,
    overwrite: bool,
) -> Result<WriteExportOutcomeDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let dir = PathBuf::from(dir.trim());
        if !overwrite && std::fs::symlink_metadata(&dir).is_ok() {
            return Ok(WriteExportOutcomeDto {
                written: None,
                exists: true,
            });
        }
        let how = if overwrite {
            mrv_app::Overwrite::Replace
        } else {
            mrv_app::Overwrite::Refuse
        };
        Ok(WriteExportOutcomeDto {
            written: Some(mrv.write_export(session, export_id, &dir, how)?.into()),
            exists: false,
        })
    })
    .await
}

/// The registry side of one export: its push (attempts, outcome, last error), the registry's
/// reason when it rejected it, and the inventory's blocks of it.
#[tauri::command]
#[specta::specta]
pub(crate) fn export_registry(
    desk: State<'_, Desk>,
    export_id: i64,
) -> Result<ExportRegistryDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    let v = mrv.export_registry(&session, export_id)?;
    Ok(ExportRegistryDto {
        export_id: v.export_id,
        push: v
            .push
            .map(PushStatusDto::try_from)
            .transpose()
            .map_err(|e| crate::internal(&e))?,
        rejection: v.rejection,
        blocks: v.blocks.into_iter().map(Into::into).collect(),
    })
}

/// Pushes a signed-off export to the connected registry (or resumes a push that did not
/// finish), sending each step to `progress`. Only a confirmed push enters the inventory.
#[tauri::command]
#[specta::specta]
pub(crate) async fn push_export(
    desk: State<'_, Desk>,
    export_id: i64,
    progress: Channel<PushProgressDto>,
) -> Result<PushResultDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let mut on_progress = |p: mrv_app::registry::PushProgress| {
            let _ = progress.send(PushProgressDto::from(&p));
        };
        Ok(mrv
            .push_export(session, export_id, &mut on_progress)?
            .into())
    })
    .await
}

/// The inventory: every block the registry confirmed, the total, the last reconciliation.
#[tauri::command]
#[specta::specta]
pub(crate) fn inventory(desk: State<'_, Desk>) -> Result<InventoryDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.inventory_overview(&session)?.into())
}

/// Compares the inventory with the registry and records the run.
#[tauri::command]
#[specta::specta]
pub(crate) async fn reconcile_inventory(
    desk: State<'_, Desk>,
) -> Result<ReconciliationDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.reconcile_inventory(session)?.into())
    })
    .await
}
