//! Transport types of backups and restore drills (SOP-007), converted from `mrv_app::backup`'s
//! views. Whether a backup is stale or a drill due is decided by `mrv_app`, not here.

use serde::Serialize;
use specta::Type;

/// The backup target as set.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BackupTargetDto {
    pub path: String,
    pub set_by: String,
    pub set_at: String,
}

impl From<mrv_app::BackupTargetView> for BackupTargetDto {
    fn from(t: mrv_app::BackupTargetView) -> Self {
        BackupTargetDto {
            path: t.path.display().to_string(),
            set_by: t.set_by,
            set_at: t.set_at,
        }
    }
}

/// One recorded backup run (by a user, or `system` for the continuous backup).
#[derive(Debug, Clone, Serialize, Type)]
pub struct BackupRunDto {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub run_by: String,
    pub snapshot: Option<String>,
    pub ok: bool,
    /// The database plus every file the snapshot references.
    pub bytes: i64,
    pub files_copied: i64,
    pub message: String,
}

impl From<mrv_app::BackupRunView> for BackupRunDto {
    fn from(r: mrv_app::BackupRunView) -> Self {
        BackupRunDto {
            id: r.id,
            started_at: r.started_at,
            finished_at: r.finished_at,
            run_by: r.run_by,
            snapshot: r.snapshot,
            ok: r.ok,
            bytes: r.bytes,
            files_copied: r.files_copied,
            message: r.message,
        }
    }
}

/// The backups desk's header: the target, the last backup, its age, and what needs attention.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BackupStatusDto {
    pub target: Option<BackupTargetDto>,
    pub last_backup: Option<BackupRunDto>,
    /// Seconds since the last good backup finished.
    pub last_ok_age_seconds: Option<i64>,
    pub last_passed_drill: Option<String>,
    pub warnings: Vec<String>,
    /// No good backup yet, or the last one is older than a day.
    pub backup_stale: bool,
    pub last_run_failed: bool,
    /// No drill passed in the last `drill_every_days` days.
    pub drill_due: bool,
    pub drill_every_days: i64,
    /// `<workspace>.replaced-<time of the restore>`: where a restore into place keeps the
    /// replaced workspace.
    pub restore_keeps_aside_in: String,
    /// How often the app makes a backup while it runs.
    pub continuous_every_seconds: i64,
}

impl From<mrv_app::BackupStatus> for BackupStatusDto {
    fn from(s: mrv_app::BackupStatus) -> Self {
        BackupStatusDto {
            target: s.target.map(Into::into),
            last_backup: s.last_backup.map(Into::into),
            last_ok_age_seconds: s.last_ok_age_seconds,
            last_passed_drill: s.last_passed_drill,
            warnings: s.warnings,
            backup_stale: s.backup_stale,
            last_run_failed: s.last_run_failed,
            drill_due: s.drill_due,
            drill_every_days: mrv_app::DRILL_EVERY_DAYS,
            restore_keeps_aside_in: s.restore_keeps_aside_in,
            continuous_every_seconds: s.continuous_every_seconds,
        }
    }
}

/// What "Back up now" did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BackupRunResultDto {
    pub id: i64,
    pub snapshot: String,
    pub path: String,
    /// `nightly` or `monthly`.
    pub kind: String,
    pub bytes: i64,
    pub file_count: i64,
    pub files_copied: i64,
    pub bytes_copied: i64,
    /// Snapshots the retention rule removed after this run.
    pub pruned: Vec<String>,
    pub files_pruned: i64,
}

impl From<mrv_app::BackupRun> for BackupRunResultDto {
    fn from(r: mrv_app::BackupRun) -> Self {
        BackupRunResultDto {
            id: r.id,
            snapshot: r.snapshot,
            path: r.path.display().to_string(),
            kind: r.kind,
            bytes: r.bytes as i64,
            file_count: r.file_count as i64,
            files_copied: r.files_copied as i64,
            bytes_copied: r.bytes_copied as i64,
            pruned: r.pruned,
            files_pruned: r.files_pruned as i64,
        }
    }
}

/// One snapshot on the target.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SnapshotDto {
    pub snapshot: String,
    pub created_at: String,
    /// `nightly` or `monthly`.
    pub kind: String,
    pub bytes: i64,
    pub file_count: i64,
    /// The last day the retention rule keeps it (the newest is kept beyond, until a newer one).
    pub kept_until: Option<String>,
}

impl From<mrv_app::SnapshotView> for SnapshotDto {
    fn from(s: mrv_app::SnapshotView) -> Self {
        SnapshotDto {
            snapshot: s.snapshot,
            created_at: s.created_at,
            kind: s.kind,
            bytes: s.bytes as i64,
            file_count: s.file_count as i64,
            kept_until: s.kept_until,
        }
    }
}

/// What pruning removed.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PruneDto {
    pub pruned: Vec<String>,
    pub files_pruned: i64,
}

impl From<mrv_app::PruneView> for PruneDto {
    fn from(p: mrv_app::PruneView) -> Self {
        PruneDto {
            pruned: p.pruned,
            files_pruned: p.files_pruned as i64,
        }
    }
}

/// One check of a drill.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DrillCheckDto {
    /// `restore`, `integrity_check`, `stored_files`, `journal_and_stamps`, `stamp_evidence`.
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

/// A restore drill's report.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DrillReportDto {
    pub id: i64,
    pub started_at: String,
    pub run_by: String,
    pub snapshot: String,
    pub ok: bool,
    pub duration_ms: i64,
    pub checks: Vec<DrillCheckDto>,
    /// Every problem found, each naming what failed.
    pub problems: Vec<String>,
}

impl From<mrv_app::DrillReport> for DrillReportDto {
    fn from(d: mrv_app::DrillReport) -> Self {
        DrillReportDto {
            id: d.id,
            started_at: d.started_at,
            run_by: d.run_by,
            snapshot: d.snapshot,
            ok: d.ok,
            duration_ms: d.duration_ms,
            checks: d
                .checks
                .into_iter()
                .map(|c| DrillCheckDto {
                    check: c.check,
                    ok: c.ok,
                    detail: c.detail,
                })
                .collect(),
            problems: d.problems,
        }
    }
}

/// A restore into place.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RestoreInPlaceDto {
    pub snapshot: String,
    pub workspace: String,
    /// Where the replaced workspace was kept.
    pub kept_aside: String,
    pub files: i64,
    pub bytes: i64,
}

impl From<mrv_app::RestoreInPlaceView> for RestoreInPlaceDto {
    fn from(r: mrv_app::RestoreInPlaceView) -> Self {
        RestoreInPlaceDto {
            snapshot: r.snapshot,
            workspace: r.workspace.display().to_string(),
            kept_aside: r.kept_aside.display().to_string(),
            files: r.files as i64,
            bytes: r.bytes as i64,
        }
    }
}
