//! Pushing a signed-off export to the registry (SOP-005 step 5, `docs/export.md`) and the
//! inventory of what the registry confirmed, with its reconciliation against the registry.
//!
//! A push is recorded (`signed_off → pushed`, with its idempotency key) in one transaction
//! *before* anything is sent, so a push interrupted anywhere — an error, a timeout, the app
//! killed — leaves the export `pushed`, and pushing it again resumes: the registry adapter
//! ([`crate::registry::push`]) reads back first and never posts what the registry already
//! holds. Only a confirmed push (read back and matching) enters the inventory, in the same
//! transaction as `pushed → registry_confirmed → issued`. A rejection moves the export to
//! `registry_rejected` with the registry's reason. Double issuance is refused three times over:
//! our rules check the payload against the inventory's blocks before sending, the inventory
//! holds each serial block once per prefix, and a trigger refuses any overlapping block.

use crate::export::{cadt_export, state_of, CadtExport};
use crate::registry::{self, ConfirmedUnit, Finding, InventoryBlock, PushProgress, RegistryError};
use crate::session::Session;
use crate::{clock, AppError, Mrv};
use mrv_core::cadt::{check_push, SerialBlock};
use mrv_core::{next_export_state, Action, ExportEvent, ExportState, Granted};
use mrv_store::{ExportRecord, InventoryRecord, NewExportEvent, PushRecord, ReconciliationRecord};
use serde::Serialize;
use sha2::{Digest, Sha256};

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// What a push ended with.
#[derive(Debug, Clone, Serialize)]
pub struct PushView {
    pub export_id: i64,
    /// `issued` after a confirmed push.
    pub state: String,
    /// The key every attempt of this push shares (see `docs/export.md`).
    pub idempotency_key: String,
    /// Attempts so far, this one included (more than 1: a retried or resumed push).
    pub attempts: i64,
    pub warehouse_project_id: String,
    pub issuance_id: String,
    /// The blocks entered in the inventory.
    pub blocks: Vec<InventoryEntry>,
    /// Whether this attempt posted the project, how many unit blocks it posted, and how many it
    /// posted again after the registry lost them (0 and false: the registry had everything).
    pub posted_project: bool,
    pub posted_units: usize,
    pub reposted_units: usize,
}

/// One unit block of the inventory.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryEntry {
    pub export_id: i64,
    pub unit_block_start: String,
    pub unit_block_end: String,
    pub unit_count: i64,
    pub vintage: i32,
    /// `Held` (tradable) or `Buffer`.
    pub unit_status: String,
    pub warehouse_project_id: String,
    pub issuance_id: String,
    pub warehouse_unit_id: String,
    pub serial_number_block: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// One reconciliation run.
#[derive(Debug, Clone, Serialize)]
pub struct ReconciliationView {
    pub id: i64,
    pub at: String,
    pub by: String,
    pub registry_url: String,
    /// Blocks in our inventory, and unit blocks the registry reported.
    pub blocks_ours: usize,
    pub units_registry: usize,
    /// True when nothing was found.
    pub clean: bool,
    pub findings: Vec<Finding>,
}

/// A push as recorded: when it started, how often it was tried, how it ended.
#[derive(Debug, Clone, Serialize)]
pub struct PushStatus {
    pub idempotency_key: String,
    pub registry_url: String,
    pub started_by: String,
    pub started_at: String,
    pub attempts: i64,
    pub last_attempt_at: String,
    /// `sending` (started, not finished: pushing again resumes it), `failed` (the last attempt
    /// failed; pushing again resumes it), `confirmed` or `rejected`.
    pub outcome: String,
    pub last_error: Option<String>,
    pub warehouse_project_id: Option<String>,
    pub issuance_id: Option<String>,
    pub finished_at: Option<String>,
}

/// The registry side of one export: its push, the registry's reason when it rejected it, and
/// the inventory's blocks of it.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRegistryView {
    pub export_id: i64,
    pub push: Option<PushStatus>,
    pub rejection: Option<String>,
    pub blocks: Vec<InventoryEntry>,
}

/// The inventory with its total and the last reconciliation against the registry.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryOverview {
    pub blocks: Vec<InventoryEntry>,
    pub total_units: i64,
    /// The connected registry's URL (none: not connected).
    pub registry_url: Option<String>,
    pub last_reconciliation: Option<ReconciliationView>,
}

/// The key every attempt of one export's push shares: the export and CADT's natural keys we
/// choose (projectId, issuance dates, first serial).
fn idempotency_key(export_id: i64, cadt: &CadtExport) -> String {
    let issuance = &cadt.project.issuances[0];
    format!(
        "mrv-export-{export_id}:{}:{}..{}:{}",
        cadt.project.project_id,
        issuance.start_date,
        issuance.end_date,
        cadt.units
            .first()
            .map(|u| u.unit_block_start.as_str())
            .unwrap_or("-")
    )
}

fn payload_sha256(cadt: &CadtExport) -> Result<String, AppError> {
    let bytes = serde_json::to_vec(cadt).map_err(internal)?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

fn issued_blocks(records: &[InventoryRecord]) -> Result<Vec<SerialBlock>, AppError> {
    records
        .iter()
        .map(|r| {
            SerialBlock::parse(&r.unit_block_start, &r.unit_block_end).map_err(|e| {
                AppError::Internal(format!("inventory block {}: {e}", r.unit_block_start))
            })
        })
        .collect()
}

/// Whether a confirmed unit is exactly one we sent.
fn matches_sent(confirmed: &ConfirmedUnit, sent: &mrv_core::cadt::UnitPost) -> bool {
    confirmed.unit_block_start == sent.unit_block_start
        && confirmed.unit_block_end == sent.unit_block_end
        && confirmed.unit_count == sent.unit_count
        && confirmed.vintage_year == sent.vintage_year
        && confirmed.unit_status == sent.unit_status
}

/// Moves an export along its state machine inside `tx`: the event (with the registry's reason
/// as its text, never a return code) and the journal entry, whose payload carries `from`, `to`
/// and `extra`.
#[allow(clippy::too_many_arguments)]
fn transition(
    tx: &mrv_store::Connection,
    export_id: i64,
    from: ExportState,
    event: ExportEvent,
    granted: &Granted,
    at: &str,
    reason: Option<&str>,
    extra: serde_json::Value,
) -> Result<ExportState, AppError> {
    let to = next_export_state(from, event)
        .map_err(|e| AppError::Conflict(format!("export {export_id}: {e}")))?;
    if !mrv_store::move_export_state(tx, export_id, from.as_str(), to.as_str())? {
        return Err(AppError::Conflict(format!(
            "export {export_id} is no longer {}: it was changed meanwhile; look at it again",
            from.as_str()
        )));
    }
    mrv_store::insert_export_event(
        tx,
        &NewExportEvent {
            export_id,
            action: event.as_str(),
            from_state: Some(from.as_str()),
            to_state: to.as_str(),
            user_id: granted.user_id(),
            at,
            reason_code: None,
            reason_text: reason,
        },
    )?;
    let mut payload = serde_json::json!({
        "from": from.as_str(),
        "to": to.as_str(),
        "reason": reason,
    });
    if let (Some(p), Some(x)) = (payload.as_object_mut(), extra.as_object()) {
        p.extend(x.clone());
    }
    crate::journal::append(
        tx,
        at,
        granted.user(),
        &format!("export.{}", event.as_str()),
        &format!("export:{export_id}"),
        payload,
    )?;
    Ok(to)
}

impl Mrv {
    /// Pushes a signed-off export to the connected registry, reporting progress.
    ///
    /// Refused, with nothing sent and nothing changed: an export not signed off, one already
    /// issued (or confirmed, or rejected), an unconnected or unreachable registry, a payload
    /// breaking our CADT rules (among them a block overlapping the inventory). Otherwise the
    /// export moves to `pushed` (journaled, with the idempotency key) before anything is sent;
    /// the registry's confirmation then issues it and enters its blocks in the inventory in one
    /// transaction; a rejection moves it to `registry_rejected` with the registry's reason.
    /// Any other failure leaves it `pushed`: pushing it again resumes safely.
    pub fn push_export(
        &mut self,
        session: &Session,
        export_id: i64,
        progress: &mut dyn FnMut(PushProgress),
    ) -> Result<PushView, AppError> {
        let granted = self.authorize(session, Action::PushExport)?;
        let e = self.export_record(export_id)?;
        let from = state_of(&e)?;
        match from {
            ExportState::SignedOff | ExportState::Pushed => {}
            ExportState::Issued | ExportState::RegistryConfirmed => {
                return Err(AppError::Conflict(format!(
                    "export {export_id} is already {}: the registry confirmed its push and its units are in the inventory (`mrv inventory list`); a second push is refused",
                    from.as_str()
                )))
            }
            ExportState::RegistryRejected => {
                let reason = self.rejection_reason(export_id)?.unwrap_or_default();
                return Err(AppError::Conflict(format!(
                    "export {export_id} was rejected by the registry ({reason}); it is final: create a new export for the project and period"
                )));
            }
            _ => {
                let err = next_export_state(from, ExportEvent::Push)
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                return Err(AppError::Conflict(format!(
                    "export {export_id}: {err}; nothing was sent"
                )));
            }
        }
        let client = self.registry_client(session)?;
        let cadt = cadt_export(&e, &self.project_record(e.project_id)?)?;
        let inventory = mrv_store::inventory_blocks(self.ws.conn())?;
        let issued = issued_blocks(&inventory)?;
        // Reachable, and our rules hold, before anything is recorded or sent.
        let picklists = client.picklists()?;
        let violations = check_push(&cadt.project, &cadt.units, &picklists, &issued);
        if !violations.is_empty() {
            return Err(RegistryError::Rules(violations).into());
        }
        let key = idempotency_key(export_id, &cadt);
        let sha = payload_sha256(&cadt)?;
        let now = clock::now().to_string();
        let attempts = {
            let tx = self.transaction(&granted)?;
            let attempts = match mrv_store::export_push(&tx, export_id)? {
                None => {
                    transition(
                        &tx,
                        export_id,
                        ExportState::SignedOff,
                        ExportEvent::Push,
                        &granted,
                        &now,
                        None,
                        serde_json::json!({
                            "idempotency_key": key,
                            "payload_sha256": sha,
                            "registry": client.url(),
                        }),
                    )?;
                    mrv_store::insert_export_push(
                        &tx,
                        &PushRecord {
                            export_id,
                            idempotency_key: key.clone(),
                            payload_sha256: sha.clone(),
                            registry_url: client.url().to_owned(),
                            started_by: granted.user_id(),
                            started_at: now.clone(),
                            attempts: 1,
                            last_attempt_at: now.clone(),
                            outcome: "sending".into(),
                            last_error: None,
                            warehouse_project_id: None,
                            issuance_id: None,
                            finished_at: None,
                        },
                    )?;
                    1
                }
                Some(p) => {
                    if from != ExportState::Pushed {
                        return Err(AppError::Internal(format!(
                            "export {export_id} is {} but has a push recorded",
                            from.as_str()
                        )));
                    }
                    if p.idempotency_key != key || p.payload_sha256 != sha {
                        return Err(AppError::Conflict(format!(
                            "export {export_id}: what it would send now differs from what its push started with (key {}); nothing was sent",
                            p.idempotency_key
                        )));
                    }
                    if p.registry_url != client.url() {
                        return Err(AppError::Conflict(format!(
                            "export {export_id} was pushed to {} but the workspace is now connected to {}; reconnect that registry to resume",
                            p.registry_url,
                            client.url()
                        )));
                    }
                    mrv_store::retry_export_push(&tx, export_id, &now)?;
                    crate::journal::append(
                        &tx,
                        &now,
                        granted.user(),
                        "export.push.resume",
                        &format!("export:{export_id}"),
                        serde_json::json!({
                            "idempotency_key": key,
                            "attempt": p.attempts + 1,
                            "previous_error": p.last_error,
                        }),
                    )?;
                    p.attempts + 1
                }
            };
            tx.commit().map_err(internal)?;
            attempts
        };

        match registry::push(&client, &cadt.project, &cadt.units, &issued, progress) {
            Ok(outcome) => self.record_confirmation(&granted, &e, &cadt, &key, attempts, outcome),
            Err(RegistryError::Rejected { what, reason }) => {
                let text = format!("{what}: {reason}");
                let now = clock::now().to_string();
                let tx = self.transaction(&granted)?;
                transition(
                    &tx,
                    export_id,
                    ExportState::Pushed,
                    ExportEvent::RegistryReject,
                    &granted,
                    &now,
                    Some(text.as_str()),
                    serde_json::json!({ "idempotency_key": key }),
                )?;
                mrv_store::finish_export_push(
                    &tx,
                    export_id,
                    "rejected",
                    Some(text.as_str()),
                    None,
                    &now,
                )?;
                tx.commit().map_err(internal)?;
                Err(AppError::Conflict(format!(
                    "the registry rejected export {export_id} ({text}); the export is registry_rejected and back with its owner: create a new export for the project and period"
                )))
            }
            Err(err) => {
                let text = err.to_string();
                let now = clock::now().to_string();
                let tx = self.transaction(&granted)?;
                mrv_store::finish_export_push(
                    &tx,
                    export_id,
                    "failed",
                    Some(text.as_str()),
                    None,
                    &now,
                )?;
                crate::journal::append(
                    &tx,
                    &now,
                    granted.user(),
                    "export.push.fail",
                    &format!("export:{export_id}"),
                    serde_json::json!({ "idempotency_key": key, "kind": err.kind(), "error": text }),
                )?;
                tx.commit().map_err(internal)?;
                let hint = format!(
                    "{text}; export {export_id} stays pushed: `mrv export push {export_id}` again resumes it (it reads back first and never sends a block twice)"
                );
                Err(match AppError::from(err) {
                    AppError::Io(_) => AppError::Io(hint),
                    AppError::InvalidInput(_) => AppError::InvalidInput(hint),
                    _ => AppError::Conflict(hint),
                })
            }
        }
    }

    /// The registry's confirmation: checks every block came back as sent, then in one
    /// transaction `pushed → registry_confirmed → issued` and the blocks enter the inventory.
    fn record_confirmation(
        &mut self,
        granted: &Granted,
        e: &ExportRecord,
        cadt: &CadtExport,
        key: &str,
        attempts: i64,
        outcome: registry::PushOutcome,
    ) -> Result<PushView, AppError> {
        let export_id = e.id;
        let mismatch = outcome.units.len() != cadt.units.len()
            || cadt
                .units
                .iter()
                .zip(&outcome.units)
                .any(|(sent, got)| !matches_sent(got, sent));
        let now = clock::now().to_string();
        if mismatch {
            let text = format!(
                "the registry confirmed units that are not the ones sent: {:?}",
                outcome
                    .units
                    .iter()
                    .map(|u| format!(
                        "{}..{} ({})",
                        u.unit_block_start, u.unit_block_end, u.unit_count
                    ))
                    .collect::<Vec<_>>()
            );
            let tx = self.transaction(granted)?;
            mrv_store::finish_export_push(
                &tx,
                export_id,
                "failed",
                Some(text.as_str()),
                None,
                &now,
            )?;
            tx.commit().map_err(internal)?;
            return Err(AppError::Conflict(format!(
                "export {export_id}: {text}; nothing entered the inventory"
            )));
        }
        let mut records = Vec::new();
        for u in &outcome.units {
            let block = SerialBlock::parse(&u.unit_block_start, &u.unit_block_end)
                .map_err(|err| AppError::Conflict(format!("registry block: {err}")))?;
            records.push(InventoryRecord {
                id: 0,
                export_id,
                serial_prefix: block.prefix().to_owned(),
                serial_first: block.first() as i64,
                serial_last: block.last() as i64,
                unit_block_start: u.unit_block_start.clone(),
                unit_block_end: u.unit_block_end.clone(),
                unit_count: u.unit_count as i64,
                vintage: u.vintage_year,
                unit_status: u.unit_status.clone(),
                warehouse_project_id: outcome.warehouse_project_id.clone(),
                issuance_id: outcome.issuance_id.clone(),
                warehouse_unit_id: u.warehouse_unit_id.clone(),
                serial_number_block: u.serial_number_block.clone(),
                recorded_by: granted.user_id(),
                recorded_at: now.clone(),
            });
        }
        let blocks_json: Vec<serde_json::Value> = records
            .iter()
            .map(|r| {
                serde_json::json!({
                    "unit_block_start": r.unit_block_start,
                    "unit_block_end": r.unit_block_end,
                    "unit_count": r.unit_count,
                    "vintage": r.vintage,
                    "unit_status": r.unit_status,
                    "warehouse_unit_id": r.warehouse_unit_id,
                })
            })
            .collect();
        let ids = serde_json::json!({
            "idempotency_key": key,
            "warehouse_project_id": outcome.warehouse_project_id,
            "issuance_id": outcome.issuance_id,
        });
        let tx = self.transaction(granted)?;
        transition(
            &tx,
            export_id,
            ExportState::Pushed,
            ExportEvent::Confirm,
            granted,
            &now,
            None,
            ids.clone(),
        )?;
        for r in &records {
            mrv_store::insert_inventory_block(&tx, r).map_err(|err| {
                AppError::Conflict(format!(
                    "block {}..{} cannot enter the inventory: {err}",
                    r.unit_block_start, r.unit_block_end
                ))
            })?;
        }
        let mut issue = ids;
        issue["blocks"] = serde_json::Value::Array(blocks_json);
        transition(
            &tx,
            export_id,
            ExportState::RegistryConfirmed,
            ExportEvent::Issue,
            granted,
            &now,
            None,
            issue,
        )?;
        mrv_store::finish_export_push(
            &tx,
            export_id,
            "confirmed",
            None,
            Some((
                outcome.warehouse_project_id.as_str(),
                outcome.issuance_id.as_str(),
            )),
            &now,
        )?;
        tx.commit().map_err(internal)?;
        Ok(PushView {
            export_id,
            state: ExportState::Issued.as_str().into(),
            idempotency_key: key.to_owned(),
            attempts,
            warehouse_project_id: outcome.warehouse_project_id,
            issuance_id: outcome.issuance_id,
            blocks: self
                .inventory_entries()?
                .into_iter()
                .filter(|b| b.export_id == export_id)
                .collect(),
            posted_project: outcome.posted_project,
            posted_units: outcome.posted_units,
            reposted_units: outcome.reposted_units,
        })
    }

    /// The registry's reason for rejecting an export, if it did.
    fn rejection_reason(&self, export_id: i64) -> Result<Option<String>, AppError> {
        Ok(mrv_store::export_events(self.ws.conn(), export_id)?
            .into_iter()
            .rev()
            .find(|ev| ev.action == ExportEvent::RegistryReject.as_str())
            .and_then(|ev| ev.reason_text))
    }

    /// The registry side of one export (for its review): push, rejection, inventory blocks.
    pub fn export_registry(
        &self,
        session: &Session,
        export_id: i64,
    ) -> Result<ExportRegistryView, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.export_record(export_id)?;
        let users = mrv_store::list_users(self.ws.conn())?;
        let push = mrv_store::export_push(self.ws.conn(), export_id)?.map(|p| PushStatus {
            idempotency_key: p.idempotency_key,
            registry_url: p.registry_url,
            started_by: users
                .iter()
                .find(|u| u.id == p.started_by)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            started_at: p.started_at,
            attempts: p.attempts,
            last_attempt_at: p.last_attempt_at,
            outcome: p.outcome,
            last_error: p.last_error,
            warehouse_project_id: p.warehouse_project_id,
            issuance_id: p.issuance_id,
            finished_at: p.finished_at,
        });
        Ok(ExportRegistryView {
            export_id,
            push,
            rejection: self.rejection_reason(export_id)?,
            blocks: self
                .inventory_entries()?
                .into_iter()
                .filter(|b| b.export_id == export_id)
                .collect(),
        })
    }

    /// The inventory, its total units and the last reconciliation run (with its findings).
    pub fn inventory_overview(&self, session: &Session) -> Result<InventoryOverview, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let blocks = self.inventory_entries()?;
        let users = mrv_store::list_users(self.ws.conn())?;
        let last_reconciliation = match mrv_store::reconciliations(self.ws.conn())?
            .into_iter()
            .max_by_key(|r| r.id)
        {
            None => None,
            Some(r) => {
                let findings: Vec<Finding> =
                    serde_json::from_str(&r.findings_json).map_err(|e| {
                        AppError::Internal(format!("reconciliation {}: findings: {e}", r.id))
                    })?;
                Some(ReconciliationView {
                    id: r.id,
                    at: r.at,
                    by: users
                        .iter()
                        .find(|u| u.id == r.user_id)
                        .map(|u| u.name.clone())
                        .unwrap_or_default(),
                    registry_url: r.registry_url,
                    blocks_ours: r.blocks_ours as usize,
                    units_registry: r.units_registry as usize,
                    clean: findings.is_empty(),
                    findings,
                })
            }
        };
        Ok(InventoryOverview {
            total_units: blocks.iter().map(|b| b.unit_count).sum(),
            blocks,
            registry_url: mrv_store::registry(self.ws.conn())?.map(|r| r.url),
            last_reconciliation,
        })
    }

    /// The inventory: every unit block the registry confirmed, by prefix and first serial.
    pub fn inventory(&self, session: &Session) -> Result<Vec<InventoryEntry>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.inventory_entries()
    }

    fn inventory_entries(&self) -> Result<Vec<InventoryEntry>, AppError> {
        let users = mrv_store::list_users(self.ws.conn())?;
        Ok(mrv_store::inventory_blocks(self.ws.conn())?
            .into_iter()
            .map(|r| InventoryEntry {
                export_id: r.export_id,
                unit_block_start: r.unit_block_start,
                unit_block_end: r.unit_block_end,
                unit_count: r.unit_count,
                vintage: r.vintage,
                unit_status: r.unit_status,
                warehouse_project_id: r.warehouse_project_id,
                issuance_id: r.issuance_id,
                warehouse_unit_id: r.warehouse_unit_id,
                serial_number_block: r.serial_number_block,
                recorded_by: users
                    .iter()
                    .find(|u| u.id == r.recorded_by)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                recorded_at: r.recorded_at,
            })
            .collect())
    }

    /// Compares the inventory with the registry's published units (overlapping blocks, totals
    /// that differ, blocks the registry does not know, blocks in our numbering we do not know)
    /// and records the run — when, by whom, what it found — journaled as `inventory.reconcile`.
    /// Reconciling needs the push permission: it is the methodology owner's check of their
    /// pushes.
    pub fn reconcile_inventory(
        &mut self,
        session: &Session,
    ) -> Result<ReconciliationView, AppError> {
        let granted = self.authorize(session, Action::PushExport)?;
        let client = self.registry_client(session)?;
        let ours: Vec<InventoryBlock> = mrv_store::inventory_blocks(self.ws.conn())?
            .into_iter()
            .map(|r| InventoryBlock {
                unit_block_start: r.unit_block_start,
                unit_block_end: r.unit_block_end,
                unit_count: r.unit_count as u64,
                warehouse_unit_id: Some(r.warehouse_unit_id),
            })
            .collect();
        let theirs = client.units()?;
        let findings = registry::compare(&theirs, &ours);
        let findings_json = serde_json::to_value(&findings).map_err(internal)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let id = mrv_store::insert_reconciliation(
            &tx,
            &ReconciliationRecord {
                id: 0,
                at: now.clone(),
                user_id: granted.user_id(),
                registry_url: client.url().to_owned(),
                blocks_ours: ours.len() as i64,
                units_registry: theirs.len() as i64,
                finding_count: findings.len() as i64,
                findings_json: findings_json.to_string(),
            },
        )?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "inventory.reconcile",
            &format!("reconciliation:{id}"),
            serde_json::json!({
                "registry": client.url(),
                "blocks_ours": ours.len(),
                "units_registry": theirs.len(),
                "findings": findings_json,
            }),
        )?;
        tx.commit().map_err(internal)?;
        Ok(ReconciliationView {
            id,
            at: now,
            by: granted.user().to_owned(),
            registry_url: client.url().to_owned(),
            blocks_ours: ours.len(),
            units_registry: theirs.len(),
            clean: findings.is_empty(),
            findings,
        })
    }

    /// The journal check of the inventory (`mrv journal verify`): every stored block is one the
    /// journal's `export.issue` of its export lists, and every export's journaled blocks are
    /// stored.
    pub(crate) fn check_inventory(
        &self,
        events: &[mrv_store::JournalRecord],
        p: &mut crate::consistency::Problems,
    ) -> Result<(), AppError> {
        use std::collections::BTreeSet;
        let mut journaled: BTreeSet<(i64, String, i64, String)> = BTreeSet::new();
        for ev in events.iter().filter(|ev| ev.action == "export.issue") {
            let Some(export_id) = ev
                .target
                .strip_prefix("export:")
                .and_then(|s| s.parse::<i64>().ok())
            else {
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(&ev.payload_json).unwrap_or_default();
            for b in v["blocks"].as_array().into_iter().flatten() {
                journaled.insert((
                    export_id,
                    b["unit_block_start"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    b["unit_count"].as_i64().unwrap_or_default(),
                    b["warehouse_unit_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ));
            }
        }
        let stored: BTreeSet<(i64, String, i64, String)> =
            mrv_store::inventory_blocks(self.ws.conn())?
                .into_iter()
                .map(|r| {
                    (
                        r.export_id,
                        r.unit_block_start,
                        r.unit_count,
                        r.warehouse_unit_id,
                    )
                })
                .collect();
        for b in stored.difference(&journaled) {
            p.add(
                "inventory_unjournaled",
                format!("inventory block {}", b.1),
                format!(
                    "export {}'s block of {} units (registry unit {}) is not the one journaled at its issue",
                    b.0, b.2, b.3
                ),
            );
        }
        for b in journaled.difference(&stored) {
            p.add(
                "inventory_block_missing",
                format!("inventory block {}", b.1),
                format!(
                    "export {}'s issued block of {} units (registry unit {}) is journaled but not stored",
                    b.0, b.2, b.3
                ),
            );
        }
        Ok(())
    }
}
