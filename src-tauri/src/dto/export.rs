//! Transport types of registry exports (issue 11), converted from `mrv_app::export`'s views.
//! Which actions the signed-in user may take on an export comes from `mrv_app`
//! (`export_offers`), never from a table in the UI.

use serde::{Deserialize, Serialize};
use specta::Type;

/// An export in a list.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportSummaryDto {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    /// `START..END`.
    pub period: String,
    pub vintage: i32,
    /// `draft`, `submitted`, `signed_off`, `returned`, `pushed`, `registry_confirmed`,
    /// `registry_rejected` or `issued`.
    pub state: String,
    pub issued: i64,
    pub buffer: i64,
    pub tradable: i64,
    /// `MRV-000000001..MRV-000000250`; null when no unit is issued.
    pub serial_block: Option<String>,
    pub batches: Vec<i64>,
    pub created_by: String,
    pub created_at: String,
}

impl From<mrv_app::ExportSummary> for ExportSummaryDto {
    fn from(s: mrv_app::ExportSummary) -> Self {
        ExportSummaryDto {
            id: s.id,
            project_id: s.project_id,
            project_name: s.project_name,
            period: s.period,
            vintage: s.vintage,
            state: s.state,
            issued: s.issued,
            buffer: s.buffer,
            tradable: s.tradable,
            serial_block: s.serial_block,
            batches: s.batches,
            created_by: s.created_by,
            created_at: s.created_at,
        }
    }
}

/// The quantities of an export and how each was derived (exact decimal texts, whole units).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportQuantitiesDto {
    pub gross_claimed_tco2e: String,
    pub buffer_percent: String,
    pub issued: i64,
    pub buffer: i64,
    pub tradable: i64,
    /// One line per step, e.g. `issued = floor(1234.5) = 1234`.
    pub derivation: Vec<String>,
}

/// One check of a stamp's re-verification.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CheckDto {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// One included batch.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportBatchDto {
    pub batch_id: i64,
    pub version: i64,
    pub source_name: String,
    pub row_count: i64,
    pub gross_claimed_tco2e: String,
    pub stamp_hash: String,
    pub verifier: String,
    pub approved_at: String,
    pub flags_high: u32,
    pub flags_medium: u32,
    pub flags_low: u32,
    /// "row N check: text" for every justified flag.
    pub justifications: Vec<String>,
    /// The stamp recomputed from the stored files and its anchor receipt checked: true when
    /// every check passed, false when one failed, null when it was not re-verified (the answers
    /// of state changes do not re-verify; opening the export does).
    pub stamp_verified: Option<bool>,
    pub stamp_checks: Vec<CheckDto>,
    pub stamp_notes: Vec<String>,
    pub anchor_index: Option<i64>,
}

impl From<mrv_app::ExportBatchView> for ExportBatchDto {
    fn from(b: mrv_app::ExportBatchView) -> Self {
        ExportBatchDto {
            batch_id: b.batch_id,
            version: b.version,
            source_name: b.source_name,
            row_count: b.row_count,
            gross_claimed_tco2e: b.gross_claimed_tco2e,
            stamp_hash: b.stamp_hash,
            verifier: b.verifier,
            approved_at: b.approved_at,
            flags_high: b.flags.high as u32,
            flags_medium: b.flags.medium as u32,
            flags_low: b.flags.low as u32,
            justifications: b.justifications,
            stamp_verified: b.stamp_verified,
            stamp_checks: b
                .stamp_checks
                .into_iter()
                .map(|c| CheckDto {
                    what: c.what,
                    ok: c.ok,
                    detail: c.detail,
                })
                .collect(),
            stamp_notes: b.stamp_notes,
            anchor_index: b.anchor_index,
        }
    }
}

/// A transition of an export as recorded.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportEventDto {
    /// `create`, `submit`, `sign_off`, `return`, …
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub user: String,
    pub at: String,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

impl From<mrv_app::ExportEventView> for ExportEventDto {
    fn from(e: mrv_app::ExportEventView) -> Self {
        ExportEventDto {
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            user: e.user,
            at: e.at,
            reason_code: e.reason_code,
            reason_text: e.reason_text,
        }
    }
}

/// What changed since the previous export of the same project.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportDiffDto {
    pub previous_export: i64,
    pub previous_state: String,
    pub previous_period: String,
    pub batches_added: Vec<i64>,
    pub batches_removed: Vec<i64>,
    pub issued_change: i64,
    pub buffer_change: i64,
    pub tradable_change: i64,
}

impl From<mrv_app::ExportDiff> for ExportDiffDto {
    fn from(d: mrv_app::ExportDiff) -> Self {
        ExportDiffDto {
            previous_export: d.previous_export,
            previous_state: d.previous_state,
            previous_period: d.previous_period,
            batches_added: d.batches_added,
            batches_removed: d.batches_removed,
            issued_change: d.issued_change,
            buffer_change: d.buffer_change,
            tradable_change: d.tradable_change,
        }
    }
}

/// The sign-off of an export.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SignoffDto {
    pub signer: String,
    pub public_key: String,
    pub signature: String,
    pub signed_at: String,
    /// SHA-256 of the manifest's canonical bytes as signed (what the audit log anchors).
    pub manifest_sha256: String,
    /// `queued`, `failed` (will retry) or `anchored`; null when not queued.
    pub anchor_state: Option<String>,
    pub anchor_index: Option<i64>,
    pub anchor_error: Option<String>,
}

impl From<mrv_app::SignoffView> for SignoffDto {
    fn from(s: mrv_app::SignoffView) -> Self {
        SignoffDto {
            signer: s.signer,
            public_key: s.public_key,
            signature: s.signature,
            signed_at: s.signed_at,
            manifest_sha256: s.manifest_sha256,
            anchor_state: s.anchor_state,
            anchor_index: s.anchor_index,
            anchor_error: s.anchor_error,
        }
    }
}

/// One serial block: the tradable units or the buffer's.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SerialBlockDto {
    /// `tradable` or `buffer`.
    pub units: String,
    pub start: String,
    pub end: String,
    pub count: f64,
}

impl From<mrv_app::SerialBlockView> for SerialBlockDto {
    fn from(b: mrv_app::SerialBlockView) -> Self {
        SerialBlockDto {
            units: b.units,
            start: b.start,
            end: b.end,
            count: b.count as f64,
        }
    }
}

/// A transition (or the folder write) of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportActionDto {
    Submit,
    SignOff,
    Return,
    Write,
    /// Push to the registry (resume, for a `pushed` export).
    Push,
}

/// An action the signed-in user's role and the export's state allow now; `refusal` says why it
/// would still be refused (segregation of duties).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportOfferDto {
    pub action: ExportActionDto,
    pub refusal: Option<String>,
}

impl From<mrv_app::ExportOffer> for ExportOfferDto {
    fn from(o: mrv_app::ExportOffer) -> Self {
        use mrv_app::ExportAction as A;
        ExportOfferDto {
            action: match o.action {
                A::Submit => ExportActionDto::Submit,
                A::SignOff => ExportActionDto::SignOff,
                A::Return => ExportActionDto::Return,
                A::Write => ExportActionDto::Write,
                A::Push => ExportActionDto::Push,
            },
            refusal: o.refusal,
        }
    }
}

/// An export in a list, with what the signed-in user may do with it now.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportListItemDto {
    pub summary: ExportSummaryDto,
    pub offers: Vec<ExportOfferDto>,
}

/// An export with everything its review shows, and what the signed-in user may do with it now.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportViewDto {
    pub summary: ExportSummaryDto,
    pub verification_body: Option<String>,
    pub report_date: Option<String>,
    pub quantities: ExportQuantitiesDto,
    pub batches: Vec<ExportBatchDto>,
    pub events: Vec<ExportEventDto>,
    pub diff: Option<ExportDiffDto>,
    pub signoff: Option<SignoffDto>,
    pub serial_blocks: Vec<SerialBlockDto>,
    /// Computed by the backend from the role table, the export state machine and segregation
    /// of duties: the UI offers exactly these.
    pub offers: Vec<ExportOfferDto>,
}

impl ExportViewDto {
    pub fn new(
        v: mrv_app::ExportView,
        serial_blocks: Vec<mrv_app::SerialBlockView>,
        offers: Vec<mrv_app::ExportOffer>,
    ) -> Self {
        let q = v.quantities;
        ExportViewDto {
            summary: v.summary.into(),
            verification_body: v.verification_body,
            report_date: v.report_date,
            quantities: ExportQuantitiesDto {
                gross_claimed_tco2e: q.gross_claimed_tco2e,
                buffer_percent: q.buffer_percent,
                issued: q.issued,
                buffer: q.buffer,
                tradable: q.tradable,
                derivation: q.derivation,
            },
            batches: v.batches.into_iter().map(Into::into).collect(),
            events: v.events.into_iter().map(Into::into).collect(),
            diff: v.diff.map(Into::into),
            signoff: v.signoff.map(Into::into),
            serial_blocks: serial_blocks.into_iter().map(Into::into).collect(),
            offers: offers.into_iter().map(Into::into).collect(),
        }
    }
}

/// What the methodology owner asks for when creating an export.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct NewExportDto {
    pub project_id: i64,
    /// `START..END`: a monitoring period of the project.
    pub period: String,
    /// Null: the year the period ends in.
    pub vintage: Option<i32>,
    /// From `ExportVocabularyDto.verification_bodies`; null for none.
    pub verification_body: Option<String>,
    /// `YYYY-MM-DD`; null for none.
    pub report_date: Option<String>,
}

impl From<NewExportDto> for mrv_app::NewExport {
    fn from(n: NewExportDto) -> Self {
        let blank_is_none = |s: Option<String>| s.filter(|t| !t.trim().is_empty());
        mrv_app::NewExport {
            project_id: n.project_id,
            period: n.period,
            vintage: n.vintage,
            verification_body: blank_is_none(n.verification_body),
            report_date: blank_is_none(n.report_date),
        }
    }
}

/// A finding kind of a return.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReasonKindDto {
    /// `CAR`, `CL` or `FAR`.
    pub code: String,
    pub description: String,
}

/// The vocabularies the export forms choose from (CADT picklists, reason codes).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExportVocabularyDto {
    pub verification_bodies: Vec<String>,
    pub reason_kinds: Vec<ReasonKindDto>,
    pub sub_codes: Vec<String>,
}

impl From<mrv_app::ExportVocabulary> for ExportVocabularyDto {
    fn from(v: mrv_app::ExportVocabulary) -> Self {
        ExportVocabularyDto {
            verification_bodies: v.verification_bodies,
            reason_kinds: v
                .reason_kinds
                .into_iter()
                .map(|k| ReasonKindDto {
                    code: k.code,
                    description: k.description,
                })
                .collect(),
            sub_codes: v.sub_codes,
        }
    }
}

/// What writing an export folder wrote.
#[derive(Debug, Clone, Serialize, Type)]
pub struct WrittenExportDto {
    pub dir: String,
    /// Every file, relative to `dir`, `manifest.json` last.
    pub files: Vec<String>,
    /// Whether `manifest.json` carries the sign-off.
    pub signed_off: bool,
}

impl From<mrv_app::WrittenExport> for WrittenExportDto {
    fn from(w: mrv_app::WrittenExport) -> Self {
        WrittenExportDto {
            dir: w.dir.display().to_string(),
            files: w.files,
            signed_off: w.signed_off,
        }
    }
}

/// The answer of `write_export`: what was written, or that the folder exists and nothing was
/// written (ask the user before writing again with `overwrite`).
#[derive(Debug, Clone, Serialize, Type)]
pub struct WriteExportOutcomeDto {
    pub written: Option<WrittenExportDto>,
    pub exists: bool,
}
