//! Transport types of the registry push and the inventory (issue 11), converted from
//! `mrv_app::push`'s views. Progress and findings arrive worded by `mrv_app`.

use serde::Serialize;
use specta::Type;

/// One unit block the registry confirmed.
#[derive(Debug, Clone, Serialize, Type)]
pub struct InventoryEntryDto {
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
    pub recorded_by: String,
    pub recorded_at: String,
}

impl From<mrv_app::InventoryEntry> for InventoryEntryDto {
    fn from(e: mrv_app::InventoryEntry) -> Self {
        InventoryEntryDto {
            export_id: e.export_id,
            unit_block_start: e.unit_block_start,
            unit_block_end: e.unit_block_end,
            unit_count: e.unit_count,
            vintage: e.vintage,
            unit_status: e.unit_status,
            warehouse_project_id: e.warehouse_project_id,
            issuance_id: e.issuance_id,
            warehouse_unit_id: e.warehouse_unit_id,
            recorded_by: e.recorded_by,
            recorded_at: e.recorded_at,
        }
    }
}

/// One reconciliation run and what it found, each finding in words.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReconciliationDto {
    pub id: i64,
    pub at: String,
    pub by: String,
    pub registry_url: String,
    pub blocks_ours: i64,
    pub units_registry: i64,
    pub clean: bool,
    pub findings: Vec<String>,
}

impl From<mrv_app::ReconciliationView> for ReconciliationDto {
    fn from(r: mrv_app::ReconciliationView) -> Self {
        ReconciliationDto {
            id: r.id,
            at: r.at,
            by: r.by,
            registry_url: r.registry_url,
            blocks_ours: r.blocks_ours as i64,
            units_registry: r.units_registry as i64,
            clean: r.clean,
            findings: r.findings.iter().map(|f| f.describe()).collect(),
        }
    }
}

/// The inventory screen: every confirmed block, the total, the last reconciliation.
#[derive(Debug, Clone, Serialize, Type)]
pub struct InventoryDto {
    pub blocks: Vec<InventoryEntryDto>,
    pub total_units: i64,
    /// The connected registry (null: not connected).
    pub registry_url: Option<String>,
    pub last_reconciliation: Option<ReconciliationDto>,
}

impl From<mrv_app::InventoryOverview> for InventoryDto {
    fn from(o: mrv_app::InventoryOverview) -> Self {
        InventoryDto {
            blocks: o.blocks.into_iter().map(Into::into).collect(),
            total_units: o.total_units,
            registry_url: o.registry_url,
            last_reconciliation: o.last_reconciliation.map(Into::into),
        }
    }
}

/// How a recorded push stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PushOutcomeDto {
    /// Started and not finished (the app stopped meanwhile): pushing again resumes it.
    Sending,
    /// The last attempt failed: pushing again resumes it.
    Failed,
    Confirmed,
    Rejected,
}

/// A push as recorded.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PushStatusDto {
    pub idempotency_key: String,
    pub registry_url: String,
    pub started_by: String,
    pub started_at: String,
    pub attempts: i64,
    pub last_attempt_at: String,
    pub outcome: PushOutcomeDto,
    pub last_error: Option<String>,
    pub warehouse_project_id: Option<String>,
    pub issuance_id: Option<String>,
    pub finished_at: Option<String>,
}

impl TryFrom<mrv_app::PushStatus> for PushStatusDto {
    type Error = String;
    fn try_from(p: mrv_app::PushStatus) -> Result<Self, String> {
        let outcome = match p.outcome.as_str() {
            "sending" => PushOutcomeDto::Sending,
            "failed" => PushOutcomeDto::Failed,
            "confirmed" => PushOutcomeDto::Confirmed,
            "rejected" => PushOutcomeDto::Rejected,
            other => return Err(format!("unknown push outcome {other:?}")),
        };
        Ok(PushStatusDto {
            idempotency_key: p.idempotency_key,
            registry_url: p.registry_url,
            started_by: p.started_by,
            started_at: p.started_at,
            attempts: p.attempts,
            last_attempt_at: p.last_attempt_at,
            outcome,
            last_error: p.last_error,
            warehouse_project_id: p.warehouse_project_id,
            issuance_id: p.issuance_id,
            finished_at: p.finished_at,
        })
    }
}

/// The registry side of one export: push, rejection reason, inventory blocks.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportRegistryDto {
    pub export_id: i64,
    pub push: Option<PushStatusDto>,
    pub rejection: Option<String>,
    pub blocks: Vec<InventoryEntryDto>,
}

/// One step of a running push, in words, with unit blocks done/to do when the step knows them.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PushProgressDto {
    pub text: String,
    pub done: Option<i64>,
    pub total: Option<i64>,
}

impl From<&mrv_app::registry::PushProgress> for PushProgressDto {
    fn from(p: &mrv_app::registry::PushProgress) -> Self {
        let units = p.units();
        PushProgressDto {
            text: p.describe(),
            done: units.map(|(d, _)| d as i64),
            total: units.map(|(_, t)| t as i64),
        }
    }
}

/// What a finished push did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PushResultDto {
    pub export_id: i64,
    pub attempts: i64,
    pub warehouse_project_id: String,
    pub issuance_id: String,
    pub blocks: Vec<InventoryEntryDto>,
    pub posted_units: i64,
    pub reposted_units: i64,
}

impl From<mrv_app::PushView> for PushResultDto {
    fn from(v: mrv_app::PushView) -> Self {
        PushResultDto {
            export_id: v.export_id,
            attempts: v.attempts,
            warehouse_project_id: v.warehouse_project_id,
            issuance_id: v.issuance_id,
            blocks: v.blocks.into_iter().map(Into::into).collect(),
            posted_units: v.posted_units as i64,
            reposted_units: v.reposted_units as i64,
        }
    }
}
