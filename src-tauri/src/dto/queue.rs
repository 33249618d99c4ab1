//! Transport types of the signed-in user's work queue (`mrv_app::queue`).

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
    ConnectAuditLog,
    LogAlarm,
    AnchorsFailing,
    ConnectRegistry,
}

/// What a queue item opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum QueueTargetKindDto {
    Batch,
    Export,
    AuditLog,
    Registry,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct QueueItemDto {
    pub kind: QueueKindDto,
    pub title: String,
    pub detail: String,
    pub target: QueueTargetKindDto,
    /// The batch or export id, for those targets.
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
                        T::AuditLog => (QueueTargetKindDto::AuditLog, None),
                        T::Registry => (QueueTargetKindDto::Registry, None),
                    };
                    QueueItemDto {
                        kind: match i.kind {
                            K::ReviewBatch => QueueKindDto::ReviewBatch,
                            K::DecideBatch => QueueKindDto::DecideBatch,
                            K::EnrichBatch => QueueKindDto::EnrichBatch,
                            K::CorrectBatch => QueueKindDto::CorrectBatch,
                            K::ExportStep => QueueKindDto::ExportStep,
                            K::ConnectAuditLog => QueueKindDto::ConnectAuditLog,
                            K::LogAlarm => QueueKindDto::LogAlarm,
                            K::AnchorsFailing => QueueKindDto::AnchorsFailing,
                            K::ConnectRegistry => QueueKindDto::ConnectRegistry,
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
