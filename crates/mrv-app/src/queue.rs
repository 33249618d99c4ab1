//! The signed-in user's work queue (`mrv queue`, the desktop's home): what waits for them now,
//! by what their roles allow — batches to review for a verifier, rejected batches to correct for
//! an analyst, exports at a step of theirs for a methodology owner, the audit log's and the
//! registry's health for an ops admin. Computed from the same rules the use cases enforce
//! (`Session::allowed_actions`, segregation of duties, `export_offers`); nothing is stored.

use crate::session::Session;
use crate::{AppError, Mrv};
use mrv_core::{Action, BatchState};
use serde::Serialize;
use std::collections::BTreeSet;

/// What an item asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    /// An enriched batch waits for a verifier (one who did not import it).
    ReviewBatch,
    /// A batch under review waits for its decision.
    DecideBatch,
    /// An imported batch waits for enrichment (its checks have not run).
    EnrichBatch,
    /// A rejected batch whose correction has not been imported yet.
    CorrectBatch,
    /// An export waits for a step of the user's (submit, sign off, return or push).
    ExportStep,
    /// No audit log is connected: nothing can be anchored.
    ConnectAuditLog,
    /// The audit log raised a fork or rollback alarm.
    LogAlarm,
    /// Anchors that failed and are being retried.
    AnchorsFailing,
    /// No registry is connected: signed-off exports cannot be pushed.
    ConnectRegistry,
}

/// What an item opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum QueueTarget {
    Batch(i64),
    Export(i64),
    /// The audit log's health panel.
    AuditLog,
    /// The registry connection.
    Registry,
}

/// One thing waiting for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueItem {
    pub kind: QueueKind,
    /// One line, e.g. `Batch 3 (tree-plots.csv) waits for review`.
    pub title: String,
    /// What to do, in a sentence.
    pub detail: String,
    pub target: QueueTarget,
    /// Alarms and failures come first and are shown as urgent.
    pub urgent: bool,
}

/// The user's queue, most urgent first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkQueue {
    pub user: String,
    pub items: Vec<QueueItem>,
}

impl Mrv {
    /// What waits for the signed-in user now (see the module's documentation).
    pub fn work_queue(&self, session: &Session) -> Result<WorkQueue, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let allowed = session.allowed_actions();
        let may = |a: Action| allowed.contains(&a);
        let me = session.user.id;
        let mut items = Vec::new();

        let batches = mrv_store::list_batches(self.ws.conn(), None)?;
        let superseded: BTreeSet<i64> = batches
            .iter()
            .filter_map(|b| b.supersedes_batch_id)
            .collect();
        for b in &batches {
            let Some(state) = BatchState::parse(&b.state) else {
                continue;
            };
            let name = format!("Batch {} ({}, v{})", b.id, b.source_name, b.version);
            match state {
                BatchState::Enriched if may(Action::StartReview) => {
                    let importer = mrv_store::batch_importer(self.ws.conn(), b.id)?;
                    if importer != Some(me) {
                        items.push(QueueItem {
                            kind: QueueKind::ReviewBatch,
                            title: format!("{name} waits for review"),
                            detail: format!(
                                "{} rows for {}..{}; open it, look at the evidence and start the review.",
                                b.row_count, b.period_start, b.period_end
                            ),
                            target: QueueTarget::Batch(b.id),
                            urgent: false,
                        });
                    }
                }
                BatchState::InReview if may(Action::ApproveBatch) => items.push(QueueItem {
                    kind: QueueKind::DecideBatch,
                    title: format!("{name} is under review"),
                    detail: "Approve it (justifying open high flags and material rows) or reject it with a reason.".into(),
                    target: QueueTarget::Batch(b.id),
                    urgent: false,
                }),
                BatchState::Imported if may(Action::EnrichBatch) => items.push(QueueItem {
                    kind: QueueKind::EnrichBatch,
                    title: format!("{name} is not enriched"),
                    detail: "Its satellite evidence and checks have not run; re-run the checks.".into(),
                    target: QueueTarget::Batch(b.id),
                    urgent: false,
                }),
                BatchState::Rejected if may(Action::ImportBatch) && !superseded.contains(&b.id) => {
                    items.push(QueueItem {
                        kind: QueueKind::CorrectBatch,
                        title: format!("{name} was rejected"),
                        detail: "Read the verifier's reason, then import a corrected version of the file.".into(),
                        target: QueueTarget::Batch(b.id),
                        urgent: false,
                    })
                }
                _ => {}
            }
        }

        if may(Action::CreateExport)
            || may(Action::SignOffExport)
            || may(Action::ReturnExport)
            || may(Action::PushExport)
        {
            use crate::ExportAction as A;
            for e in mrv_store::list_exports(self.ws.conn(), None)? {
                let steps: Vec<&str> = self
                    .export_offers(session, e.id)?
                    .into_iter()
                    .filter(|o| o.refusal.is_none())
                    .filter_map(|o| match o.action {
                        A::Submit => Some("submit"),
                        A::SignOff => Some("sign off"),
                        A::Return => Some("return"),
                        A::Push => Some("push"),
                        A::Write => None,
                    })
                    .collect();
                if steps.is_empty() {
                    continue;
                }
                items.push(QueueItem {
                    kind: QueueKind::ExportStep,
                    title: format!(
                        "Export {} ({}..{}) is {}",
                        e.id,
                        e.period_start,
                        e.period_end,
                        e.state.replace('_', " ")
                    ),
                    detail: format!("Review it, then {}.", or_list(&steps)),
                    target: QueueTarget::Export(e.id),
                    urgent: false,
                });
            }
        }

        if may(Action::ConfigureAuditLog) {
            let health = self.log_health(session)?;
            if health.log.is_none() {
                items.push(QueueItem {
                    kind: QueueKind::ConnectAuditLog,
                    title: "No audit log is connected".into(),
                    detail:
                        "Stamps and sign-offs cannot be anchored until an audit log is connected."
                            .into(),
                    target: QueueTarget::AuditLog,
                    urgent: true,
                });
            }
            for alarm in &health.alarms {
                items.push(QueueItem {
                    kind: QueueKind::LogAlarm,
                    title: format!("Audit log {} alarm", alarm.kind),
                    detail: alarm.detail.clone(),
                    target: QueueTarget::AuditLog,
                    urgent: true,
                });
            }
            if health.failed > 0 {
                items.push(QueueItem {
                    kind: QueueKind::AnchorsFailing,
                    title: format!("{} anchor(s) failing", health.failed),
                    detail: format!(
                        "They are retried automatically; the last error: {}",
                        health.last_error.as_deref().unwrap_or("none recorded")
                    ),
                    target: QueueTarget::AuditLog,
                    urgent: true,
                });
            }
        }
        if may(Action::ConnectRegistry) && mrv_store::registry(self.ws.conn())?.is_none() {
            items.push(QueueItem {
                kind: QueueKind::ConnectRegistry,
                title: "No registry is connected".into(),
                detail: "Signed-off exports cannot be pushed until a registry is connected.".into(),
                target: QueueTarget::Registry,
                urgent: false,
            });
        }

        // Urgent first; otherwise in the order found (oldest batches and exports first).
        items.sort_by_key(|i| !i.urgent);
        Ok(WorkQueue {
            user: session.user.name.clone(),
            items,
        })
    }
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(super::or_list(&["push"]), "push");
        assert_eq!(
            super::or_list(&["sign off", "return"]),
            "sign off or return"
        );
        assert_eq!(
            super::or_list(&["submit", "sign off", "return"]),
            "submit, sign off or return"
        );
    }
}
