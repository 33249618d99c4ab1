//! The signed-in user's work queue (`mrv queue`, the desktop's home): what waits for them now,
//! by what their roles allow — batches to review for a verifier, rejected batches to correct for
//! an analyst, exports at a step of theirs for a methodology owner, the audit log's and the
//! registry's health, open incidents and the next release for an ops admin, access requests
//! for a manager and a tenant admin, the access review. Computed from the same rules the use cases enforce
//! (`Session::allowed_actions`, segregation of duties, `export_offers`); nothing is stored.

use crate::session::Session;
use crate::{AppError, Mrv};
use mrv_core::clocks::ClockState;
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
    /// Every batch of a project's monitoring period is settled (anchored, or rejected) and no
    /// live export holds them: the methodology owner can create the export.
    CreateExport,
    /// No audit log is connected: nothing can be anchored.
    ConnectAuditLog,
    /// The audit log raised a fork or rollback alarm.
    LogAlarm,
    /// Anchors that failed and are being retried.
    AnchorsFailing,
    /// No registry is connected: signed-off exports cannot be pushed.
    ConnectRegistry,
    /// An incident not closed that the user handles (an ops admin: every one; anyone: those
    /// they are the commander or communications lead of), with its next clock.
    Incident,
    /// The next release and the step it waits for (ops admin).
    Release,
    /// An access request of one of the user's reports waits for their decision (manager).
    DecideAccess,
    /// An approved access request waits to be granted (tenant admin).
    GrantAccess,
    /// The access review: grants to certify or revoke, revocations to apply, or a review due
    /// (tenant admin).
    AccessReview,
    /// A data-change ticket waits for a step of the user's: a review (tenant admin, not its
    /// author) or a dry run or apply (ops admin).
    DataChange,
    /// No backup target is set: nothing is backed up (ops admin, SOP-007).
    SetBackupTarget,
    /// The last good backup is older than a day, none was made yet, or the last run failed
    /// (ops admin; urgent).
    BackupStale,
    /// No restore drill passed in the last 90 days (ops admin; the quarterly drill).
    DrillDue,
}

/// What an item opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum QueueTarget {
    Batch(i64),
    Export(i64),
    /// The registry exports on the methodology owner's home.
    Exports,
    /// The audit log's health panel.
    AuditLog,
    /// The registry connection.
    Registry,
    Incident(i64),
    Release(i64),
    /// The access desk.
    Access,
    /// The data-changes desk.
    DataChanges,
    /// The backups desk.
    Backups,
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

        if may(Action::CreateExport) {
            self.periods_ready_for_export(&batches, &mut items)?;
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
        self.procedure_items(session, &may, &mut items)?;
        if may(Action::ConnectRegistry) && mrv_store::registry(self.ws.conn())?.is_none() {
            items.push(QueueItem {
                kind: QueueKind::ConnectRegistry,
                title: "No registry is connected".into(),
                detail: "Signed-off exports cannot be pushed until a registry is connected.".into(),
                target: QueueTarget::Registry,
                urgent: false,
            });
        }

        if may(Action::ManageBackups) {
            self.backup_items(session, &mut items)?;
        }

        // Urgent first; otherwise in the order found (oldest batches and exports first).
        items.sort_by_key(|i| !i.urgent);
        Ok(WorkQueue {
            user: session.user.name.clone(),
            items,
        })
    }
}

impl Mrv {
    /// Backups (SOP-007): no target; the last backup older than a day, missing or failed
    /// (urgent); no drill passed in [`crate::DRILL_EVERY_DAYS`] days (only once a target is set).
    fn backup_items(&self, session: &Session, items: &mut Vec<QueueItem>) -> Result<(), AppError> {
        let status = self.backup_status(session)?;
        if status.target.is_none() {
            items.push(QueueItem {
                kind: QueueKind::SetBackupTarget,
                title: "No backup target is set".into(),
                detail: "Nothing is backed up: set a backup folder on another disk or share."
                    .into(),
                target: QueueTarget::Backups,
                urgent: false,
            });
            return Ok(());
        }
        let failed = status.last_backup.as_ref().filter(|r| !r.ok);
        let stale = status
            .last_ok_age_seconds
            .is_none_or(|age| age > crate::BACKUP_MAX_AGE_SECONDS);
        if let Some(r) = failed {
            items.push(QueueItem {
                kind: QueueKind::BackupStale,
                title: "The last backup failed".into(),
                detail: format!("{}: {}", r.started_at, r.message),
                target: QueueTarget::Backups,
                urgent: true,
            });
        } else if stale {
            items.push(QueueItem {
                kind: QueueKind::BackupStale,
                title: match status.last_ok_age_seconds {
                    None => "No backup has been made yet".into(),
                    Some(age) => format!("The last backup is {} hours old", age / 3600),
                },
                detail:
                    "Backups older than a day risk a day's work: run one now and check the target."
                        .into(),
                target: QueueTarget::Backups,
                urgent: true,
            });
        }
        if crate::backup::drill_overdue(status.last_passed_drill.as_deref()) {
            items.push(QueueItem {
                kind: QueueKind::DrillDue,
                title: "A restore drill is due".into(),
                detail: format!(
                    "No restore drill has passed in the last {} days: run one on the latest snapshot.",
                    crate::DRILL_EVERY_DAYS
                ),
                target: QueueTarget::Backups,
                urgent: false,
            });
        }
        Ok(())
    }

    /// A project period whose batches are all settled — at least one anchored, the others
    /// rejected — and that no live export holds yet (what `create_export` will take).
    fn periods_ready_for_export(
        &self,
        batches: &[mrv_store::BatchRecord],
        items: &mut Vec<QueueItem>,
    ) -> Result<(), AppError> {
        use std::collections::BTreeMap;
        let mut periods: BTreeMap<(i64, &str, &str), Vec<&mrv_store::BatchRecord>> =
            BTreeMap::new();
        for b in batches {
            periods
                .entry((b.project_id, b.period_start.as_str(), b.period_end.as_str()))
                .or_default()
                .push(b);
        }
        let exports = mrv_store::list_exports(self.ws.conn(), None)?;
        for ((project_id, start, end), members) in periods {
            let anchored = members
                .iter()
                .filter(|b| b.state == BatchState::Anchored.as_str())
                .count();
            let settled = members.iter().all(|b| {
                b.state == BatchState::Anchored.as_str() || b.state == BatchState::Rejected.as_str()
            });
            let exported = exports.iter().any(|e| {
                e.project_id == project_id
                    && e.period_start == start
                    && e.period_end == end
                    && mrv_core::ExportState::parse(&e.state).is_some_and(|s| s.is_live())
            });
            if anchored == 0 || !settled || exported {
                continue;
            }
            let project = self.project_record(project_id)?;
            items.push(QueueItem {
                kind: QueueKind::CreateExport,
                title: format!("{}: {start}..{end} is ready for export", project.name),
                detail: format!(
                    "{anchored} anchored batch(es), every batch of the period settled; create the export for the registry."
                ),
                target: QueueTarget::Exports,
                urgent: false,
            });
        }
        Ok(())
    }

    /// The queue's items from the procedures' desks: incidents (SOP-003), the next release
    /// (SOP-002), access requests and the access review (SOP-006).
    fn procedure_items(
        &self,
        session: &Session,
        may: &dyn Fn(Action) -> bool,
        items: &mut Vec<QueueItem>,
    ) -> Result<(), AppError> {
        let me = session.user.name.as_str();
        for i in self.list_incidents(session)? {
            if i.state == "closed" {
                continue;
            }
            let mine = i.commander.as_deref() == Some(me) || i.comms.as_deref() == Some(me);
            if !(may(Action::ManageIncidents) || mine) {
                continue;
            }
            let overdue: Vec<&str> = i
                .clocks
                .iter()
                .filter(|c| c.state == ClockState::Overdue)
                .map(|c| c.label.as_str())
                .collect();
            let next = i
                .clocks
                .iter()
                .filter(|c| c.state == ClockState::Running)
                .min_by_key(|c| c.remaining_seconds.unwrap_or(i64::MAX));
            let detail = if !overdue.is_empty() {
                format!("Overdue: {}.", overdue.join("; "))
            } else if let Some(c) = next {
                format!("{} by {}.", c.label, c.due_at)
            } else if i.state == "resolved" {
                "Resolved: the postmortem and its action items close it.".into()
            } else {
                "Open: post updates and resolve it.".into()
            };
            items.push(QueueItem {
                kind: QueueKind::Incident,
                title: format!("{} incident {}: {}", i.severity_label, i.id, i.title),
                detail,
                target: QueueTarget::Incident(i.id),
                urgent: !overdue.is_empty() || (i.state == "open" && i.severity != "sev3"),
            });
        }
        if may(Action::ManageReleases) {
            if let Some(r) = self.next_release(session)? {
                let overdue = r.clocks.iter().any(|c| c.state == ClockState::Overdue);
                let detail = match r.promotion_blockers.first() {
                    Some(b) if r.state == "soaking" => format!("Promotion waits: {b}."),
                    _ => {
                        let steps: Vec<&str> = r
                            .offers
                            .iter()
                            .filter(|o| o.enabled)
                            .map(|o| o.step.as_str())
                            .collect();
                        if steps.is_empty() {
                            format!("Slot {}.", r.slot_at)
                        } else {
                            format!("Next: {}.", or_list(&steps).replace('_', " "))
                        }
                    }
                };
                items.push(QueueItem {
                    kind: QueueKind::Release,
                    title: format!("Release {} is {}", r.tag, r.state.replace('_', " ")),
                    detail,
                    target: QueueTarget::Release(r.id),
                    urgent: overdue,
                });
            }
        }
        if may(Action::DecideAccessRequest) {
            for r in self.access_requests_to_decide(session)? {
                items.push(QueueItem {
                    kind: QueueKind::DecideAccess,
                    title: format!("{} asks for the role {}", r.user, r.role),
                    detail: format!("“{}” Approve or decline it.", r.reason),
                    target: QueueTarget::Access,
                    urgent: false,
                });
            }
        }
        if may(Action::ReviewDataChanges) || may(Action::ManageDataChanges) {
            for c in self.data_changes(session)? {
                let step = match c.state.as_str() {
                    "dry_run_ok" if may(Action::ReviewDataChanges) && c.author != me => {
                        Some("review it: approve or reject")
                    }
                    "open" if may(Action::ManageDataChanges) => Some("dry-run it on a copy"),
                    "approved" if may(Action::ManageDataChanges) => Some("apply it"),
                    _ => None,
                };
                if let Some(step) = step {
                    items.push(QueueItem {
                        kind: QueueKind::DataChange,
                        title: format!("Data change {}: {}", c.id, c.reason),
                        detail: format!("Opened by {}; {step}.", c.author),
                        target: QueueTarget::DataChanges,
                        urgent: false,
                    });
                }
            }
        }
        if may(Action::ManageUsers) {
            for r in self.access_requests_to_grant(session)? {
                items.push(QueueItem {
                    kind: QueueKind::GrantAccess,
                    title: format!("Grant {} the role {}", r.user, r.role),
                    detail: format!(
                        "Approved by {}; grant it on the access desk.",
                        r.decided_by.as_deref().unwrap_or("their manager")
                    ),
                    target: QueueTarget::Access,
                    urgent: false,
                });
            }
            let status = self.access_review(session)?;
            if let Some(review) = &status.review {
                if review.revocations_overdue > 0 {
                    items.push(QueueItem {
                        kind: QueueKind::AccessReview,
                        title: format!("{} revocation(s) overdue", review.revocations_overdue),
                        detail:
                            "Revocations are applied within 24 hours (SOP-006); apply them now."
                                .into(),
                        target: QueueTarget::Access,
                        urgent: true,
                    });
                }
                if review.revocations_running > 0 {
                    items.push(QueueItem {
                        kind: QueueKind::AccessReview,
                        title: format!("{} revocation(s) to apply", review.revocations_running),
                        detail: "Each has a 24-hour clock; apply them on the access desk.".into(),
                        target: QueueTarget::Access,
                        urgent: false,
                    });
                }
                if review.finished_at.is_none() && review.pending > 0 {
                    items.push(QueueItem {
                        kind: QueueKind::AccessReview,
                        title: format!("Access review: {} grant(s) to decide", review.pending),
                        detail: "Re-certify or revoke each active grant.".into(),
                        target: QueueTarget::Access,
                        urgent: false,
                    });
                }
            }
            if status.reminder.due
                && status
                    .review
                    .as_ref()
                    .is_none_or(|r| r.finished_at.is_some())
            {
                items.push(QueueItem {
                    kind: QueueKind::AccessReview,
                    title: "A quarterly access review is due".into(),
                    detail: match &status.reminder.last_finished_at {
                        Some(at) => format!("The last one finished {at}; start the next."),
                        None => "No access review has finished yet; start one.".into(),
                    },
                    target: QueueTarget::Access,
                    urgent: false,
                });
            }
        }
        Ok(())
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
