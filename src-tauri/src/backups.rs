//! Backup and restore-drill commands (SOP-007): the status, the target, a backup now, the
//! snapshots and their pruning, drills and their reports, and the confirmed restore into place.
//! Thin over `mrv_app::backup`; every use case checks `ManageBackups` itself. Long runs (a
//! backup, a drill, a restore) run off the UI thread. The continuous backup is not a command:
//! [`spawn_continuous_backups`] runs `Mrv::backup_if_due` while the app runs.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use mrv_app::Mrv;
use std::path::PathBuf;
use tauri::State;

/// How often the app asks whether a backup is due (the period itself is
/// `mrv_app::CONTINUOUS_BACKUP_EVERY_SECONDS`).
const CONTINUOUS_CHECK_EVERY_SECONDS: u64 = 60;

/// Starts the continuous backup: a background thread that every minute calls
/// `Mrv::backup_if_due` (a backup with the system's rights when a target is set and the last
/// run is older than the period), whoever is signed in. Failed snapshots are recorded as failed
/// runs by the use case; what cannot even be recorded goes to stderr.
pub(crate) fn spawn_continuous_backups(workspace: PathBuf) {
    let spawned = std::thread::Builder::new()
        .name("mrv-continuous-backup".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_secs(
                CONTINUOUS_CHECK_EVERY_SECONDS,
            ));
            if let Err(e) = Mrv::open(&workspace).and_then(|mut mrv| mrv.backup_if_due()) {
                eprintln!("mrv-desk: continuous backup: {e}");
            }
        });
    if let Err(e) = spawned {
        eprintln!("mrv-desk: cannot start the continuous backup: {e}");
    }
}

/// The target, the last backup with its age, and what needs attention.
#[tauri::command]
#[specta::specta]
pub(crate) fn backup_status(desk: State<'_, Desk>) -> Result<BackupStatusDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.backup_status(&session)?.into())
}

/// Sets the folder backups go to (another disk or a mounted share).
#[tauri::command]
#[specta::specta]
pub(crate) async fn set_backup_target(
    desk: State<'_, Desk>,
    path: String,
) -> Result<BackupTargetDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.set_backup_target(session, &PathBuf::from(path))?.into())
    })
    .await
}

/// Makes a snapshot now (then prunes by the retention rule).
#[tauri::command]
#[specta::specta]
pub(crate) async fn run_backup(desk: State<'_, Desk>) -> Result<BackupRunResultDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.run_backup(session)?.into())
    })
    .await
}

/// The snapshots on the target, oldest first.
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_snapshots(
    desk: State<'_, Desk>,
) -> Result<Vec<SnapshotDto>, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .list_snapshots(session)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

/// Applies the retention rule now.
#[tauri::command]
#[specta::specta]
pub(crate) async fn prune_backups(desk: State<'_, Desk>) -> Result<PruneDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.prune_backups(session)?.into())
    })
    .await
}

/// Runs a restore drill on the latest snapshot, or the one named.
#[tauri::command]
#[specta::specta]
pub(crate) async fn run_backup_drill(
    desk: State<'_, Desk>,
    snapshot: Option<String>,
) -> Result<DrillReportDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.backup_drill(session, snapshot.as_deref())?.into())
    })
    .await
}

/// Every recorded drill, newest first.
#[tauri::command]
#[specta::specta]
pub(crate) async fn list_backup_drills(
    desk: State<'_, Desk>,
) -> Result<Vec<DrillReportDto>, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .backup_drills(session)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

/// Restores a snapshot into place (the UI confirms first): the live workspace is kept aside.
#[tauri::command]
#[specta::specta]
pub(crate) async fn restore_backup_in_place(
    desk: State<'_, Desk>,
    snapshot: String,
) -> Result<RestoreInPlaceDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.restore_in_place(session, &snapshot)?.into())
    })
    .await
}
