//! Transport types of the signed-in user's home: the work queue (`mrv_app::queue`) and the
//! registry connection's status.

use serde::Serialize;
use specta::Type;

/// What a queue item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum QueueKindDto {
    ReviewBatch,
    DecideBatch,
    EnrichBatch,
    CorrectBatch,
    ExportStep,
    CreateExport,
    ConnectAuditLog,
    LogAlarm,
    AnchorsFailing,
    ConnectRegistry,
    Incident,
    Release,
    DecideAccess,
    GrantAccess,
    AccessReview,
    DataChange,
    SetBackupTarget,
    BackupStale,
    DrillDue,
}

/// What a queue item opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum QueueTargetKindDto {
    Batch,
    Export,
    /// The registry exports on the home.
    Exports,
    AuditLog,
    Registry,
    Incident,
    Release,
    /// The access desk.
    Access,
    DataChanges,
    /// The backups desk.
    Backups,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct QueueItemDto {
    pub kind: QueueKindDto,
    pub title: String,
    pub detail: String,
    pub target: QueueTargetKindDto,
    /// The batch, export, incident or release id, for those targets.
    pub target_id: Option<i64>,
    pub urgent: bool,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct WorkQueueDto {
    pub user: String,
    pub items: Vec<QueueItemDto>,
}

impl From<mrv_app::WorkQueue> for WorkQueueDto {
    fn from(q: mrv_app::WorkQueue) -> Self {
        use mrv_app::{QueueKind as K, QueueTarget as T};
        WorkQueueDto {
            user: q.user,
            items: q
                .items
                .into_iter()
                .map(|i| {
                    let (target, target_id) = match i.target {
                        T::Batch(id) => (QueueTargetKindDto::Batch, Some(id)),
                        T::Export(id) => (QueueTargetKindDto::Export, Some(id)),
                        T::Exports => (QueueTargetKindDto::Exports, None),
                        T::AuditLog => (QueueTargetKindDto::AuditLog, None),
                        T::Registry => (QueueTargetKindDto::Registry, None),
                        T::Incident(id) => (QueueTargetKindDto::Incident, Some(id)),
                        T::Release(id) => (QueueTargetKindDto::Release, Some(id)),
                        T::Access => (QueueTargetKindDto::Access, None),
                        T::DataChanges => (QueueTargetKindDto::DataChanges, None),
                        T::Backups => (QueueTargetKindDto::Backups, None),
                    };
                    QueueItemDto {
                        kind: match i.kind {
                            K::ReviewBatch => QueueKindDto::ReviewBatch,
                            K::DecideBatch => QueueKindDto::DecideBatch,
                            K::EnrichBatch => QueueKindDto::EnrichBatch,
                            K::CorrectBatch => QueueKindDto::CorrectBatch,
                            K::ExportStep => QueueKindDto::ExportStep,
                            K::CreateExport => QueueKindDto::CreateExport,
                            K::ConnectAuditLog => QueueKindDto::ConnectAuditLog,
                            K::LogAlarm => QueueKindDto::LogAlarm,
                            K::AnchorsFailing => QueueKindDto::AnchorsFailing,
                            K::ConnectRegistry => QueueKindDto::ConnectRegistry,
                            K::Incident => QueueKindDto::Incident,
                            K::Release => QueueKindDto::Release,
                            K::DecideAccess => QueueKindDto::DecideAccess,
                            K::GrantAccess => QueueKindDto::GrantAccess,
                            K::AccessReview => QueueKindDto::AccessReview,
                            K::DataChange => QueueKindDto::DataChange,
                            K::SetBackupTarget => QueueKindDto::SetBackupTarget,
                            K::BackupStale => QueueKindDto::BackupStale,
                            K::DrillDue => QueueKindDto::DrillDue,
                        },
                        title: i.title,
                        detail: i.detail,
                        target,
                        target_id,
                        urgent: i.urgent,
                    }
                })
                .collect(),
        }
    }
}

/// The registry connection and whether it answers now.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RegistryStatusDto {
    pub connected: bool,
    pub url: Option<String>,
    pub connected_by: Option<String>,
    pub connected_at: Option<String>,
    /// Whether the registry answered with the key just now; null when not checked (no
    /// connection, or the key is not sealed for this user).
    pub reachable: Option<bool>,
    pub problem: Option<String>,
    pub units_on_registry: Option<i64>,
}

impl From<mrv_app::registry::RegistryStatus> for RegistryStatusDto {
    fn from(s: mrv_app::registry::RegistryStatus) -> Self {
        RegistryStatusDto {
            connected: s.connected,
            url: s.url,
            connected_by: s.connected_by,
            connected_at: s.connected_at,
            reachable: s.reachable,
            problem: s.problem,
            units_on_registry: s.units_on_registry.map(|n| n as i64),
        }
    }
}
