//! Registry exports (DESIGN.md §7, SOP-005 step 4, `docs/export.md`): a methodology owner
//! creates an export from a project's anchored batches for one monitoring period, reviews it
//! (totals and their derivation, every batch's stamp re-verified, the difference from the
//! previous export), signs its manifest off or returns it with a reason, and writes it as a
//! folder a registry officer can check by hand; [`verify_export`] re-checks such a folder
//! offline.
//!
//! Every transition is one transaction that records an `export_event` and appends to the
//! journal. The manifest (`mrv-export/v1`) lists every file of the folder with its SHA-256; it
//! is rebuilt from the workspace byte for byte whenever it is needed, so what is written after
//! a sign-off is exactly what was signed (a rebuild that differs is refused).

use crate::session::Session;
use crate::verify::{Check, KnownSigner, StampPins};
use crate::{clock, AppError, Mrv, Overwrite};
use mrv_core::cadt::{IssuancePost, Picklists, ProjectPost, SerialBlock, UnitPost};
use mrv_core::export::{
    ManifestBatch, ManifestExport, ManifestFile, ManifestLog, ManifestQuantities, ManifestSignoff,
};
use mrv_core::quantity::{gross_claimed, ExportUnits, Tonnes};
use mrv_core::{
    may_sign_off, next_export_state, Action, AnchorEntry, AnchorKind, BatchParticipants,
    BatchState, ExportEvent, ExportState, Granted, Manifest, MonitoringPeriod, ReasonCode,
    SerialRange, MANIFEST_FORMAT,
};
use mrv_store::{ExportBatchRecord, ExportRecord, NewExportEvent};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The prefix of every serial number this workspace allocates (`MRV-000000001`).
pub const SERIAL_PREFIX: &str = "MRV";

/// The files of an export folder besides the stamp folders.
pub const CADT_FILE: &str = "cadt.json";
pub const CSV_FILE: &str = "issuances.csv";
pub const MANIFEST_FILE: &str = "manifest.json";

/// What the methodology owner asks for when creating an export.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewExport {
    pub project_id: i64,
    /// `START..END`, exactly a monitoring period the project's batches were imported for.
    pub period: String,
    /// Defaults to the year the period ends in.
    pub vintage: Option<i32>,
    /// From CADT's `verificationBody` picklist.
    pub verification_body: Option<String>,
    /// `YYYY-MM-DD`, not before the period ends.
    pub report_date: Option<String>,
}

/// An export in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub period: String,
    pub vintage: i32,
    pub state: String,
    pub issued: i64,
    pub buffer: i64,
    pub tradable: i64,
    /// `MRV-000000001..MRV-000000250`, none when no unit is issued.
    pub serial_block: Option<String>,
    pub batches: Vec<i64>,
    pub created_by: String,
    pub created_at: String,
}

/// The quantities of an export and how each was derived.
#[derive(Debug, Clone, Serialize)]
pub struct ExportQuantities {
    pub gross_claimed_tco2e: String,
    pub buffer_percent: String,
    pub issued: i64,
    pub buffer: i64,
    pub tradable: i64,
    pub derivation: Vec<String>,
}

/// Flag counts of a batch by severity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlagCounts {
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

/// One included batch as the methodology owner reviews it.
#[derive(Debug, Clone, Serialize)]
pub struct ExportBatchView {
    pub batch_id: i64,
    pub version: i64,
    pub source_name: String,
    pub row_count: i64,
    pub gross_claimed_tco2e: String,
    pub stamp_hash: String,
    pub verifier: String,
    pub approved_at: String,
    pub flags: FlagCounts,
    /// "row N check: text" for every justified flag.
    pub justifications: Vec<String>,
    /// The stamp re-verified now as `mrv verify-stamp` does (source re-read, signer pinned to
    /// the workspace's users, anchor receipt checked against the pinned log key); `None` in the
    /// answers of state changes, which do not re-verify (`export_view` does).
    pub stamp_verified: Option<bool>,
    pub stamp_checks: Vec<Check>,
    pub stamp_notes: Vec<String>,
    pub anchor_index: Option<i64>,
}

/// A transition as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct ExportEventView {
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub user: String,
    pub at: String,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

/// What changed since the previous export of the same project.
#[derive(Debug, Clone, Serialize)]
pub struct ExportDiff {
    pub previous_export: i64,
    pub previous_state: String,
    pub previous_period: String,
    pub batches_added: Vec<i64>,
    pub batches_removed: Vec<i64>,
    pub issued_change: i64,
    pub buffer_change: i64,
    pub tradable_change: i64,
}

/// A sign-off as shown.
#[derive(Debug, Clone, Serialize)]
pub struct SignoffView {
    pub signer: String,
    pub public_key: String,
    pub signature: String,
    pub signed_at: String,
    /// SHA-256 of the manifest's canonical bytes as signed (what the audit log anchors).
    pub manifest_sha256: String,
    /// `queued`, `failed` or `anchored`.
    pub anchor_state: Option<String>,
    pub anchor_index: Option<i64>,
    pub anchor_error: Option<String>,
}

/// An export with everything the methodology owner reviews.
#[derive(Debug, Clone, Serialize)]
pub struct ExportView {
    #[serde(flatten)]
    pub summary: ExportSummary,
    pub verification_body: Option<String>,
    pub report_date: Option<String>,
    pub quantities: ExportQuantities,
    pub batches: Vec<ExportBatchView>,
    pub events: Vec<ExportEventView>,
    pub diff: Option<ExportDiff>,
    pub signoff: Option<SignoffView>,
}

/// What `write_export` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenExport {
    pub export_id: i64,
    pub dir: PathBuf,
    /// Every file, relative to `dir`, `manifest.json` last.
    pub files: Vec<String>,
    pub signed_off: bool,
}

/// One file of an export folder, before it is written.
pub(crate) struct PackageFile {
    pub path: String,
    pub content: PackageContent,
}

pub(crate) enum PackageContent {
    Bytes(Vec<u8>),
    /// A stored file (a batch's source), copied when written.
    Stored(PathBuf),
}

/// An export folder in memory: the unsigned manifest and its files.
pub(crate) struct Package {
    pub manifest: Manifest,
    pub files: Vec<PackageFile>,
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The canonical bytes (RFC 8785) of a manifest without its sign-off: what is signed and
/// anchored.
pub fn manifest_signed_bytes(manifest: &Manifest) -> Result<Vec<u8>, AppError> {
    let value = serde_json::to_value(manifest.unsigned()).map_err(internal)?;
    mrv_stamp::jcs::canonicalize(&value).map_err(internal)
}

/// The `mrv-anchor/v1` entry of a sign-off: kind `signoff`, id `export-<id>`, the SHA-256 of
/// the signed bytes.
pub fn signoff_anchor_entry(export_id: i64, signed: &[u8]) -> Result<Vec<u8>, AppError> {
    let id = Manifest::signoff_record_id(export_id);
    Ok(
        AnchorEntry::new(AnchorKind::Signoff, &id, Sha256::digest(signed).into())
            .map_err(|e| AppError::InvalidInput(format!("{id}: {e}")))?
            .to_bytes(),
    )
}

fn period_text(e: &ExportRecord) -> String {
    format!("{}..{}", e.period_start, e.period_end)
}

pub(crate) fn state_of(e: &ExportRecord) -> Result<ExportState, AppError> {
    ExportState::parse(&e.state)
        .ok_or_else(|| AppError::Internal(format!("export {}: unknown state {:?}", e.id, e.state)))
}

/// The serial blocks of an export: tradable units first, then the buffer's.
pub(crate) fn blocks(
    e: &ExportRecord,
) -> Result<(Option<SerialBlock>, Option<SerialBlock>), AppError> {
    let Some(start) = e.serial_start else {
        return Ok((None, None));
    };
    let tradable = e.issued_units - e.buffer_units;
    let block = |first: i64, count: i64| -> Result<Option<SerialBlock>, AppError> {
        if count == 0 {
            return Ok(None);
        }
        SerialBlock::new(SERIAL_PREFIX, first as u64, count as u64)
            .map(Some)
            .map_err(|e| AppError::Conflict(format!("serial numbers: {e}")))
    };
    Ok((
        block(start, tradable)?,
        block(start + tradable, e.buffer_units)?,
    ))
}

fn serial_text(e: &ExportRecord) -> Option<String> {
    match (e.serial_start, e.serial_end) {
        (Some(s), Some(t)) => Some(format!(
            "{SERIAL_PREFIX}-{s:0w$}..{SERIAL_PREFIX}-{t:0w$}",
            w = mrv_core::cadt::SERIAL_DIGITS
        )),
        _ => None,
    }
}

/// A stored source file's extension, which the import's reader goes by.
fn source_extension(format: &str) -> &'static str {
    match format {
        "geojson" => "geojson",
        _ => "csv",
    }
}

fn stamp_folder_name(batch_id: i64, version: i64) -> String {
    format!("stamps/batch-{batch_id}-v{version}")
}

impl Mrv {
    pub(crate) fn export_record(&self, id: i64) -> Result<ExportRecord, AppError> {
        mrv_store::get_export(self.ws.conn(), id)?.ok_or_else(|| AppError::NotFound {
            what: "export",
            id: id.to_string(),
        })
    }

    /// The exact gross claimed tCO2e of a batch: the sum of its rows' claimed values as
    /// written in the imported file.
    fn batch_gross(&self, batch: &mrv_store::BatchRecord) -> Result<Tonnes, AppError> {
        let profile = self.profile_of(batch.project_id)?;
        let columns: Vec<String> = serde_json::from_str(&batch.columns_json)
            .map_err(|e| AppError::Internal(format!("batch {}: columns: {e}", batch.id)))?;
        let column = columns
            .iter()
            .position(|c| *c == profile.claimed_tco2e_field)
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "batch {} has no `{}` column",
                    batch.id, profile.claimed_tco2e_field
                ))
            })?;
        let mut texts: Vec<String> = Vec::with_capacity(batch.row_count as usize);
        self.each_stored_page(batch, &mut |page| {
            for row in page {
                texts.push(row.values.get(column).copied().unwrap_or("").to_owned());
            }
            Ok(())
        })?;
        gross_claimed(texts.iter().map(String::as_str)).map_err(|e| {
            AppError::InvalidInput(format!(
                "batch {} ({}): claimed tCO2e: {e}",
                batch.id, batch.source_name
            ))
        })
    }

    /// Creates an export (`draft`) for a project and monitoring period from its anchored
    /// batches, with its quantities fixed and its serial numbers allocated. Refused when the
    /// period has no anchored batch, has batches not yet anchored (named), or a batch is
    /// already in another live export.
    pub fn create_export(
        &mut self,
        session: &Session,
        request: &NewExport,
    ) -> Result<ExportView, AppError> {
        let granted = self.authorize(session, Action::CreateExport)?;
        let project = self.project_record(request.project_id)?;
        // What the registry will need of the project is there before anything is built.
        cadt_identity(&project)?;
        let period = MonitoringPeriod::parse(&request.period).map_err(AppError::InvalidInput)?;
        let start = period.start.to_string();
        let end = period.end.to_string();
        let end_year: i32 = end[..4].parse().map_err(internal)?;
        let start_year: i32 = start[..4].parse().map_err(internal)?;
        let vintage = request.vintage.unwrap_or(end_year);
        if !(start_year..=end_year).contains(&vintage) {
            return Err(AppError::InvalidInput(format!(
                "vintage {vintage} is outside the monitoring period {start}..{end}"
            )));
        }
        let verification_body = match request.verification_body.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(AppError::InvalidInput(
                    "--verification-body is empty; leave it out or name the body".into(),
                ))
            }
            Some(body) => {
                let known = Picklists::builtin();
                let list = known.list("verificationBody").unwrap_or(&[]);
                if !list.iter().any(|b| b == body) {
                    return Err(AppError::InvalidInput(format!(
                        "verification body {body:?} is not in CADT's verificationBody picklist"
                    )));
                }
                Some(body.to_owned())
            }
        };
        let report_date = match request.report_date.as_deref().map(str::trim) {
            None => None,
            Some(text) => {
                let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    AppError::InvalidInput(format!("report date {text:?} is not a YYYY-MM-DD date"))
                })?;
                let period_end =
                    chrono::NaiveDate::parse_from_str(&end, "%Y-%m-%d").map_err(internal)?;
                if date < period_end {
                    return Err(AppError::InvalidInput(format!(
                        "report date {text} is before the monitoring period ends ({end}): a verification reports on a finished period"
                    )));
                }
                Some(date.format("%Y-%m-%d").to_string())
            }
        };
        let in_period: Vec<mrv_store::BatchRecord> =
            mrv_store::list_batches(self.ws.conn(), Some(project.id))?
                .into_iter()
                .filter(|b| b.period_start == start && b.period_end == end)
                .collect();
        let (anchored, waiting) = classify(&in_period);
        if !waiting.is_empty() {
            return Err(AppError::Conflict(format!(
                "project {} has batches in {start}..{end} that are not anchored yet: {}; an export takes every batch of the period once each is approved, stamped and anchored",
                project.id,
                waiting.join(", ")
            )));
        }
        if anchored.is_empty() {
            return Err(AppError::Conflict(format!(
                "project {} has no anchored batch in {start}..{end}: an export is built from approved batches whose stamps are in the audit log",
                project.id
            )));
        }
        let live: Vec<&str> = ExportState::ALL
            .into_iter()
            .filter(|s| s.is_live())
            .map(ExportState::as_str)
            .collect();
        let mut included = Vec::new();
        let mut total = Tonnes::ZERO;
        for batch in &anchored {
            let gross = self.batch_gross(batch)?;
            total = total.checked_add(&gross).map_err(|e| {
                AppError::InvalidInput(format!("the gross claimed tCO2e of the period: {e}"))
            })?;
            let stamp = self.stamp_record(batch.id)?;
            included.push(ExportBatchRecord {
                batch_id: batch.id,
                stamp_hash: stamp.stamp_hash,
                gross_claimed: gross.to_string(),
            });
        }
        let profile = self.profile_of(project.id)?;
        let units = ExportUnits::from_gross(&total, profile.buffer_percent)
            .map_err(|e| AppError::InvalidInput(format!("quantities: {e}")))?;
        if units.issued == 0 {
            return Err(AppError::InvalidInput(format!(
                "the anchored batches of project {} in {start}..{end} claim {total} tCO2e in total, which issues no whole unit; nothing to export",
                project.id
            )));
        }
        let issued = units.issued as i64;
        let buffer = units.buffer as i64;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        // Checked again inside the transaction: nothing may have moved meanwhile.
        let again: Vec<mrv_store::BatchRecord> = mrv_store::list_batches(&tx, Some(project.id))?
            .into_iter()
            .filter(|b| b.period_start == start && b.period_end == end)
            .collect();
        if again != in_period {
            return Err(AppError::Conflict(format!(
                "the batches of project {} in {start}..{end} changed meanwhile; create the export again",
                project.id
            )));
        }
        for b in &included {
            let holders = mrv_store::exports_holding_batch(&tx, b.batch_id, &live)?;
            if let Some(other) = holders.first() {
                return Err(AppError::Conflict(format!(
                    "batch {} is already in export {other}, which is still live; return that export first",
                    b.batch_id
                )));
            }
        }
        let first = mrv_store::allocate_serials(&tx, issued)?;
        let serials = SerialRange::starting_at(first, issued);
        let record = ExportRecord {
            id: 0,
            project_id: project.id,
            period_start: start.clone(),
            period_end: end.clone(),
            vintage,
            verification_body,
            report_date,
            state: ExportState::Draft.as_str().into(),
            gross_claimed: total.to_string(),
            buffer_percent: buffer_percent_text(profile.buffer_percent),
            issued_units: issued,
            buffer_units: buffer,
            serial_start: serials.map(|s| s.start),
            serial_end: serials.map(|s| s.end),
            created_by: granted.user_id(),
            created_at: now.clone(),
        };
        let id = mrv_store::insert_export(&tx, &record, &included)?;
        mrv_store::insert_export_event(
            &tx,
            &NewExportEvent {
                export_id: id,
                action: "create",
                from_state: None,
                to_state: ExportState::Draft.as_str(),
                user_id: granted.user_id(),
                at: &now,
                reason_code: None,
                reason_text: None,
            },
        )?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "export.create",
            &format!("export:{id}"),
            serde_json::json!({
                "project": project.id,
                "period": format!("{start}..{end}"),
                "vintage": vintage,
                "batches": included.iter().map(|b| serde_json::json!({
                    "batch": b.batch_id, "stamp_hash": b.stamp_hash, "gross_claimed": b.gross_claimed,
                })).collect::<Vec<_>>(),
                "gross_claimed": record.gross_claimed,
                "issued": issued,
                "buffer": buffer,
                "serials": serials.map(|s| [s.start, s.end]),
            }),
        )?;
        tx.commit().map_err(internal)?;
        self.export_view_of(id, true)
    }

    /// Every export (of one project when given), oldest first.
    pub fn list_exports(
        &self,
        session: &Session,
        project_id: Option<i64>,
    ) -> Result<Vec<ExportSummary>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        mrv_store::list_exports(self.ws.conn(), project_id)?
            .iter()
            .map(|e| self.summary_of(e))
            .collect()
    }

    /// An export with its totals and derivation, each batch with its stamp re-verified, flags
    /// and justifications, its history and the difference from the previous export.
    pub fn export_view(&self, session: &Session, export_id: i64) -> Result<ExportView, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.export_view_of(export_id, true)
    }

    fn summary_of(&self, e: &ExportRecord) -> Result<ExportSummary, AppError> {
        let project = self.project_record(e.project_id)?;
        let created_by = mrv_store::list_users(self.ws.conn())?
            .into_iter()
            .find(|u| u.id == e.created_by)
            .map(|u| u.name)
            .unwrap_or_default();
        Ok(ExportSummary {
            id: e.id,
            project_id: e.project_id,
            project_name: project.name,
            period: period_text(e),
            vintage: e.vintage,
            state: e.state.clone(),
            issued: e.issued_units,
            buffer: e.buffer_units,
            tradable: e.issued_units - e.buffer_units,
            serial_block: serial_text(e),
            batches: mrv_store::export_batches(self.ws.conn(), e.id)?
                .into_iter()
                .map(|b| b.batch_id)
                .collect(),
            created_by,
            created_at: e.created_at.clone(),
        })
    }

    /// The CADT shape of an export: what `cadt.json` holds and what a push sends.
    pub fn export_cadt(&self, session: &Session, export_id: i64) -> Result<CadtExport, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let e = self.export_record(export_id)?;
        cadt_export(&e, &self.project_record(e.project_id)?)
    }

    /// The view of an export; `verify` re-verifies every stamp (what `show` does).
    fn export_view_of(&self, export_id: i64, verify: bool) -> Result<ExportView, AppError> {
        let e = self.export_record(export_id)?;
        let summary = self.summary_of(&e)?;
        let profile = self.profile_of(e.project_id)?;
        let gross = Tonnes::parse(&e.gross_claimed).map_err(internal)?;
        let units = ExportUnits::from_gross(&gross, profile.buffer_percent).map_err(internal)?;
        let users = mrv_store::list_users(self.ws.conn())?;
        let name_of = |id: i64| {
            users
                .iter()
                .find(|u| u.id == id)
                .map(|u| u.name.clone())
                .unwrap_or_default()
        };
        let mut batches = Vec::new();
        for b in mrv_store::export_batches(self.ws.conn(), e.id)? {
            batches.push(self.export_batch_view(&b, verify)?);
        }
        let events = mrv_store::export_events(self.ws.conn(), e.id)?
            .into_iter()
            .map(|ev| ExportEventView {
                action: ev.action,
                from_state: ev.from_state,
                to_state: ev.to_state,
                user: ev.user,
                at: ev.at,
                reason_code: ev.reason_code,
                reason_text: ev.reason_text,
            })
            .collect();
        let signoff = match mrv_store::signoff(self.ws.conn(), e.id)? {
            None => None,
            Some(s) => {
                let anchor = mrv_store::signoff_anchor(self.ws.conn(), e.id)?;
                Some(SignoffView {
                    signer: name_of(s.signer_id),
                    public_key: s.signer_key,
                    signature: s.signature,
                    signed_at: s.signed_at,
                    manifest_sha256: sha256_hex(&s.manifest),
                    anchor_state: anchor.as_ref().map(|a| a.state.clone()),
                    anchor_index: anchor.as_ref().and_then(|a| a.log_index),
                    anchor_error: anchor.and_then(|a| a.last_error),
                })
            }
        };
        Ok(ExportView {
            diff: self.diff_from_previous(&e)?,
            summary,
            verification_body: e.verification_body.clone(),
            report_date: e.report_date.clone(),
            quantities: ExportQuantities {
                gross_claimed_tco2e: e.gross_claimed.clone(),
                buffer_percent: e.buffer_percent.clone(),
                issued: e.issued_units,
                buffer: e.buffer_units,
                tradable: e.issued_units - e.buffer_units,
                derivation: units.derivation,
            },
            batches,
            events,
            signoff,
        })
    }

    fn export_batch_view(
        &self,
        b: &ExportBatchRecord,
        verify: bool,
    ) -> Result<ExportBatchView, AppError> {
        let batch = self.batch_record(b.batch_id)?;
        let stamp_record = self.stamp_record(b.batch_id)?;
        let stamp = mrv_stamp::document::Stamp::from_canonical_bytes(&stamp_record.document)
            .map_err(|e| AppError::Internal(format!("batch {}: {e}", b.batch_id)))?;
        let flags = mrv_store::list_flags(self.ws.conn(), &batch)?;
        let count = |s: &str| flags.iter().filter(|f| f.severity == s).count();
        let anchor = mrv_store::batch_anchor(self.ws.conn(), b.batch_id)?;
        let (stamp_verified, stamp_checks, stamp_notes) = if verify {
            let check = self.reverify_stamp(&batch, &stamp)?;
            let mut checks = check.checks;
            if stamp_record.stamp_hash != b.stamp_hash {
                checks.push(Check {
                    what: "stamp in export".into(),
                    ok: false,
                    detail: format!(
                        "the export was built from stamp {}, the batch now holds {}",
                        b.stamp_hash, stamp_record.stamp_hash
                    ),
                });
            }
            (Some(checks.iter().all(|c| c.ok)), checks, check.notes)
        } else {
            (None, Vec::new(), Vec::new())
        };
        Ok(ExportBatchView {
            batch_id: b.batch_id,
            version: batch.version,
            source_name: batch.source_name.clone(),
            row_count: batch.row_count,
            gross_claimed_tco2e: b.gross_claimed.clone(),
            stamp_hash: b.stamp_hash.clone(),
            verifier: stamp.decision.verifier.clone(),
            approved_at: stamp.decision.approved_at.clone(),
            flags: FlagCounts {
                high: count("high"),
                medium: count("medium"),
                low: count("low"),
            },
            justifications: stamp
                .decision
                .justifications
                .iter()
                .map(|j| format!("row {} {}: {}", j.row, j.check, j.text))
                .collect(),
            stamp_verified,
            stamp_checks,
            stamp_notes,
            anchor_index: anchor.and_then(|a| a.log_index),
        })
    }

    /// Re-verifies a stamp as `mrv verify-stamp` does, from the workspace's stored files: the
    /// stamp folder as exported, the stored source re-read, the stored layers and attachments,
    /// the signer pinned to the workspace's users and the anchor receipt checked against the
    /// pinned log key.
    fn reverify_stamp(
        &self,
        batch: &mrv_store::BatchRecord,
        stamp: &mrv_stamp::document::Stamp,
    ) -> Result<crate::StampCheck, AppError> {
        let dir = tempfile::tempdir().map_err(|e| AppError::Io(e.to_string()))?;
        for (name, bytes) in self.stamp_folder(batch.id)? {
            std::fs::write(dir.path().join(name), bytes)
                .map_err(|e| AppError::Io(format!("{name}: {e}")))?;
        }
        let source = dir
            .path()
            .join(format!("source.{}", source_extension(&batch.source_format)));
        std::fs::copy(self.ws.blob_path(&batch.source_sha256), &source)
            .map_err(|e| AppError::Io(format!("batch {}: stored source: {e}", batch.id)))?;
        let layers: Vec<PathBuf> = stamp
            .layers
            .iter()
            .map(|l| self.ws.blob_path(&l.sha256))
            .collect();
        let attachments: Vec<PathBuf> = stamp
            .evidence
            .iter()
            .map(|a| self.ws.blob_path(&a.sha256))
            .collect();
        let signers = mrv_store::list_users(self.ws.conn())?
            .into_iter()
            .map(|u| KnownSigner {
                key: u.public_key,
                name: Some(u.name),
                offboarded_at: u.offboarded_at,
            })
            .collect();
        let log_vkey = mrv_store::auditlog(self.ws.conn())?.map(|l| l.vkey);
        crate::verify_stamp_pinned(
            dir.path(),
            &source,
            &layers,
            &attachments,
            &StampPins { signers, log_vkey },
        )
    }

    /// The latest earlier export of the same project, compared with this one.
    fn diff_from_previous(&self, e: &ExportRecord) -> Result<Option<ExportDiff>, AppError> {
        let Some(prev) = mrv_store::list_exports(self.ws.conn(), Some(e.project_id))?
            .into_iter()
            .rfind(|p| p.id < e.id)
        else {
            return Ok(None);
        };
        let ids = |id: i64| -> Result<BTreeSet<i64>, AppError> {
            Ok(mrv_store::export_batches(self.ws.conn(), id)?
                .into_iter()
                .map(|b| b.batch_id)
                .collect())
        };
        let (now, before) = (ids(e.id)?, ids(prev.id)?);
        Ok(Some(ExportDiff {
            previous_export: prev.id,
            previous_state: prev.state.clone(),
            previous_period: period_text(&prev),
            batches_added: now.difference(&before).copied().collect(),
            batches_removed: before.difference(&now).copied().collect(),
            issued_change: e.issued_units - prev.issued_units,
            buffer_change: e.buffer_units - prev.buffer_units,
            tradable_change: (e.issued_units - e.buffer_units)
                - (prev.issued_units - prev.buffer_units),
        }))
    }

    /// Moves an export along its state machine inside `tx`, recording the event (who, when,
    /// why) and the journal entry; only from the state it was read in.
    pub(crate) fn export_transition(
        tx: &mrv_store::Connection,
        export: &ExportRecord,
        from: ExportState,
        event: ExportEvent,
        granted: &Granted,
        at: &str,
        reason: Option<(&str, &str)>,
    ) -> Result<ExportState, AppError> {
        let to = next_export_state(from, event)
            .map_err(|e| AppError::Conflict(format!("export {}: {e}", export.id)))?;
        if !mrv_store::move_export_state(tx, export.id, from.as_str(), to.as_str())? {
            return Err(AppError::Conflict(format!(
                "export {} is no longer {}: it was changed meanwhile; look at it again",
                export.id,
                from.as_str()
            )));
        }
        mrv_store::insert_export_event(
            tx,
            &NewExportEvent {
                export_id: export.id,
                action: event.as_str(),
                from_state: Some(from.as_str()),
                to_state: to.as_str(),
                user_id: granted.user_id(),
                at,
                reason_code: reason.map(|r| r.0),
                reason_text: reason.map(|r| r.1),
            },
        )?;
        crate::journal::append(
            tx,
            at,
            granted.user(),
            &format!("export.{}", event.as_str()),
            &format!("export:{}", export.id),
            serde_json::json!({
                "from": from.as_str(),
                "to": to.as_str(),
                "reason_code": reason.map(|r| r.0),
                "reason": reason.map(|r| r.1),
            }),
        )?;
        Ok(to)
    }

    /// Hands a draft over for sign-off (`draft → submitted`).
    pub fn submit_export(
        &mut self,
        session: &Session,
        export_id: i64,
    ) -> Result<ExportView, AppError> {
        let granted = self.authorize(session, Action::CreateExport)?;
        let e = self.export_record(export_id)?;
        let from = state_of(&e)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        Self::export_transition(&tx, &e, from, ExportEvent::Submit, &granted, &now, None)?;
        tx.commit().map_err(internal)?;
        self.export_view_of(export_id, false)
    }

    /// Returns an export with a reason code (`CAR`, `CL`, `FAR`, optionally `/sub-code`) and
    /// text. A returned export is final: its batches are free for a new export, its serial
    /// numbers stay a gap.
    pub fn return_export(
        &mut self,
        session: &Session,
        export_id: i64,
        code: &str,
        reason: &str,
    ) -> Result<ExportView, AppError> {
        let granted = self.authorize(session, Action::ReturnExport)?;
        let code = ReasonCode::parse(code).map_err(AppError::InvalidInput)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::InvalidInput(
                "a return needs a reason the export's author can act on".into(),
            ));
        }
        let e = self.export_record(export_id)?;
        let from = state_of(&e)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        Self::export_transition(
            &tx,
            &e,
            from,
            ExportEvent::Return,
            &granted,
            &now,
            Some((&code.code(), reason)),
        )?;
        tx.commit().map_err(internal)?;
        self.export_view_of(export_id, false)
    }

    /// Signs an export's manifest off: the signer re-enters their password, which unseals their
    /// signing key; Ed25519 over the manifest's canonical bytes (without the sign-off); the
    /// sign-off is queued for the audit log (kind `signoff`) in the same transaction and sent
    /// right away when the workspace has a log (else by the next `mrv anchor`). A draft is
    /// submitted and signed off in one step. Nobody who imported or approved an included batch
    /// may sign it off.
    pub fn sign_off_export(
        &mut self,
        session: &Session,
        export_id: i64,
        password: &str,
    ) -> Result<ExportView, AppError> {
        let granted = self.authorize(session, Action::SignOffExport)?;
        let e = self.export_record(export_id)?;
        let from = state_of(&e)?;
        let steps: &[ExportEvent] = match from {
            ExportState::Draft => &[ExportEvent::Submit, ExportEvent::SignOff],
            _ => &[ExportEvent::SignOff],
        };
        // Refused before asking for anything else.
        let mut state = from;
        for &step in steps {
            state = next_export_state(state, step)
                .map_err(|err| AppError::Conflict(format!("export {export_id}: {err}")))?;
        }
        let mut participants = Vec::new();
        for b in mrv_store::export_batches(self.ws.conn(), export_id)? {
            participants.push(BatchParticipants {
                batch_id: b.batch_id,
                imported_by: mrv_store::batch_importer(self.ws.conn(), b.batch_id)?,
                approved_by: mrv_store::batch_approver(self.ws.conn(), b.batch_id)?,
            });
        }
        may_sign_off(&granted, export_id, &participants)?;
        let user = mrv_store::list_users(self.ws.conn())?
            .into_iter()
            .find(|u| u.id == granted.user_id())
            .ok_or_else(|| AppError::Internal("the signer vanished".into()))?;
        let key = mrv_identity::open_key(&user.sealed_key, password).map_err(|err| match err {
            mrv_identity::IdentityError::WrongPassword => AppError::Unauthenticated(format!(
                "wrong password for {}: signing off needs the signer's own password",
                user.name
            )),
            other => other.into(),
        })?;
        if key.verifying_key() != session.signing_key.verifying_key() {
            return Err(AppError::Unauthenticated(
                "the unsealed key is not the session's: sign in again".into(),
            ));
        }
        let package = self.package(&e)?;
        let signed = manifest_signed_bytes(&package.manifest)?;
        let signature = mrv_stamp::document::sign(&key, &signed);
        let signer_key = mrv_stamp::document::key_text(&key.verifying_key());
        let entry = signoff_anchor_entry(export_id, &signed)?;
        let record_id = Manifest::signoff_record_id(export_id);
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let mut current = from;
        for &step in steps {
            current = Self::export_transition(&tx, &e, current, step, &granted, &now, None)?;
        }
        mrv_store::insert_signoff(
            &tx,
            &mrv_store::SignoffRecord {
                export_id,
                manifest: signed.clone(),
                signature: signature.clone(),
                signer_id: granted.user_id(),
                signer_key: signer_key.clone(),
                signed_at: now.clone(),
            },
        )?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "export.sign_off.sign",
            &format!("export:{export_id}"),
            serde_json::json!({
                "manifest_sha256": sha256_hex(&signed),
                "signer_key": signer_key,
                "signature": signature,
            }),
        )?;
        let anchor_id = mrv_store::queue_anchor(&tx, "signoff", &record_id, None, &entry, &now)?;
        tx.commit().map_err(internal)?;
        // The sign-off stands once committed; anchoring it now is a courtesy that may fail
        // (offline: it stays queued and `mrv anchor` sends it later, its error shown).
        if mrv_store::auditlog(self.ws.conn())?.is_some() {
            let _ = self.anchor_queued(session, anchor_id);
        }
        self.export_view_of(export_id, false)
    }

    /// Builds the export folder in memory from the workspace: the CADT JSON, the CSV, every
    /// stamp folder with its source and receipt, and the unsigned manifest listing them.
    pub(crate) fn package(&self, e: &ExportRecord) -> Result<Package, AppError> {
        let project = self.project_record(e.project_id)?;
        let creator = mrv_store::list_users(self.ws.conn())?
            .into_iter()
            .find(|u| u.id == e.created_by)
            .map(|u| u.name)
            .unwrap_or_default();
        let log = mrv_store::auditlog(self.ws.conn())?;
        let mut files: Vec<PackageFile> = Vec::new();
        let mut listed: Vec<ManifestFile> = Vec::new();
        let mut batches = Vec::new();
        for b in mrv_store::export_batches(self.ws.conn(), e.id)? {
            let batch = self.batch_record(b.batch_id)?;
            let folder = stamp_folder_name(batch.id, batch.version);
            let anchor = mrv_store::batch_anchor(self.ws.conn(), batch.id)?
                .filter(|a| a.state == "anchored")
                .ok_or_else(|| {
                    AppError::Conflict(format!("batch {}: its stamp is not anchored", batch.id))
                })?;
            let stamp = self.stamp_record(batch.id)?;
            if stamp.stamp_hash != b.stamp_hash {
                return Err(AppError::Conflict(format!(
                    "batch {}: the export holds stamp {} but the batch now holds {}",
                    batch.id, b.stamp_hash, stamp.stamp_hash
                )));
            }
            for (name, bytes) in self.stamp_folder(batch.id)? {
                let path = format!("{folder}/{name}");
                listed.push(ManifestFile {
                    path: path.clone(),
                    sha256: sha256_hex(&bytes),
                    size: bytes.len() as u64,
                });
                files.push(PackageFile {
                    path,
                    content: PackageContent::Bytes(bytes),
                });
            }
            let source_path = format!("{folder}/source.{}", source_extension(&batch.source_format));
            let stored = self.ws.blob_path(&batch.source_sha256);
            let size = std::fs::metadata(&stored)
                .map_err(|err| AppError::Io(format!("batch {}: stored source: {err}", batch.id)))?
                .len();
            listed.push(ManifestFile {
                path: source_path.clone(),
                sha256: batch.source_sha256.clone(),
                size,
            });
            files.push(PackageFile {
                path: source_path,
                content: PackageContent::Stored(stored),
            });
            batches.push(ManifestBatch {
                id: batch.id,
                version: batch.version,
                gross_claimed_tco2e: b.gross_claimed.clone(),
                stamp_hash: b.stamp_hash.clone(),
                folder,
                anchor_index: anchor.log_index.unwrap_or_default() as u64,
            });
        }
        let profile = self.profile_of(e.project_id)?;
        let gross = Tonnes::parse(&e.gross_claimed).map_err(internal)?;
        let units = ExportUnits::from_gross(&gross, profile.buffer_percent).map_err(internal)?;
        let cadt = cadt_document(e, &project, &profile)?;
        let csv = issuances_csv(e, &project, &profile)?;
        for (path, bytes) in [(CADT_FILE, cadt), (CSV_FILE, csv)] {
            listed.push(ManifestFile {
                path: path.into(),
                sha256: sha256_hex(&bytes),
                size: bytes.len() as u64,
            });
            files.push(PackageFile {
                path: path.into(),
                content: PackageContent::Bytes(bytes),
            });
        }
        listed.sort_by(|a, b| a.path.cmp(&b.path));
        let manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            export: ManifestExport {
                id: e.id,
                project_id: project.id,
                project_name: project.name.clone(),
                country: project.country.clone(),
                methodology: project.methodology_id.clone(),
                period_start: e.period_start.clone(),
                period_end: e.period_end.clone(),
                vintage: e.vintage,
                verification_body: e.verification_body.clone(),
                report_date: e.report_date.clone(),
                created_by: creator,
                created_at: e.created_at.clone(),
                serials: match (e.serial_start, e.serial_end) {
                    (Some(start), Some(end)) => Some(SerialRange { start, end }),
                    _ => None,
                },
            },
            quantities: ManifestQuantities {
                gross_claimed_tco2e: e.gross_claimed.clone(),
                buffer_percent: e.buffer_percent.clone(),
                issued: e.issued_units,
                buffer: e.buffer_units,
                tradable: e.issued_units - e.buffer_units,
                derivation: units.derivation,
            },
            batches,
            audit_log: log.map(|l| ManifestLog {
                origin: l.origin,
                vkey: l.vkey,
            }),
            files: listed,
            signoff: None,
        };
        Ok(Package { manifest, files })
    }

    /// Writes an export as a folder at `dir` (whole or not at all; an existing `dir` only with
    /// [`Overwrite::Replace`], never through a link): `cadt.json`, `issuances.csv`,
    /// `stamps/batch-<id>-v<n>/…` and `manifest.json` — signed when the export is signed off,
    /// and refused if the workspace no longer builds exactly the manifest that was signed.
    pub fn write_export(
        &self,
        session: &Session,
        export_id: i64,
        dir: &Path,
        overwrite: Overwrite,
    ) -> Result<WrittenExport, AppError> {
        self.authorize(session, Action::WriteExport)?;
        let e = self.export_record(export_id)?;
        if !state_of(&e)?.is_live() {
            return Err(AppError::Conflict(format!(
                "export {export_id} is {}: it is no longer written; create a new export",
                e.state
            )));
        }
        let mut package = self.package(&e)?;
        let signoff = mrv_store::signoff(self.ws.conn(), export_id)?;
        if let Some(s) = &signoff {
            if manifest_signed_bytes(&package.manifest)? != s.manifest {
                return Err(AppError::Conflict(format!(
                    "export {export_id}: the workspace no longer builds the manifest that was signed off ({}); `mrv journal verify` shows what changed",
                    sha256_hex(&s.manifest)
                )));
            }
            let signer = mrv_store::list_users(self.ws.conn())?
                .into_iter()
                .find(|u| u.id == s.signer_id)
                .map(|u| u.name)
                .unwrap_or_default();
            let receipt = mrv_store::signoff_anchor(self.ws.conn(), export_id)?
                .filter(|a| a.state == "anchored")
                .and_then(|a| a.receipt);
            package.manifest.signoff = Some(ManifestSignoff {
                signer,
                public_key: s.signer_key.clone(),
                signature: s.signature.clone(),
                signed_at: s.signed_at.clone(),
                anchor_receipt: receipt,
            });
        }
        let manifest = serde_json::to_vec_pretty(&package.manifest).map_err(internal)?;
        let mut entries: Vec<(String, crate::files::FolderFile<'_>)> = package
            .files
            .iter()
            .map(|f| {
                (
                    f.path.clone(),
                    match &f.content {
                        PackageContent::Bytes(b) => crate::files::FolderFile::Bytes(b),
                        PackageContent::Stored(p) => crate::files::FolderFile::Copy(p),
                    },
                )
            })
            .collect();
        entries.push((
            MANIFEST_FILE.into(),
            crate::files::FolderFile::Bytes(&manifest),
        ));
        crate::files::write_dir_atomic(dir, &entries, overwrite)?;
        Ok(WrittenExport {
            export_id,
            dir: dir.to_owned(),
            files: entries.into_iter().map(|(p, _)| p).collect(),
            signed_off: signoff.is_some(),
        })
    }
}

/// The batches of a period: anchored ones, and the others that keep an export waiting (with
/// why). Rejected batches are final and superseded by their corrections; they are left out.
fn classify(batches: &[mrv_store::BatchRecord]) -> (Vec<mrv_store::BatchRecord>, Vec<String>) {
    let mut anchored = Vec::new();
    let mut waiting = Vec::new();
    for b in batches {
        match BatchState::parse(&b.state) {
            Some(BatchState::Anchored) => anchored.push(b.clone()),
            Some(BatchState::Rejected) => {}
            Some(BatchState::Stamped) => waiting.push(format!(
                "batch {} (stamped; its anchor is not in the audit log yet: run `mrv anchor`)",
                b.id
            )),
            _ => waiting.push(format!("batch {} ({})", b.id, b.state)),
        }
    }
    (anchored, waiting)
}

/// A profile's buffer percentage as the shortest decimal text of its float.
fn buffer_percent_text(percent: f64) -> String {
    let text = format!("{percent}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}

/// The CADT classification of a project: its stored profile's `[cadt]` section; a profile
/// stored before profiles carried one falls back to the built-in profile of the same id.
fn classification(
    project: &mrv_store::ProjectRecord,
) -> Result<mrv_core::CadtClassification, AppError> {
    let stored =
        mrv_core::MethodologyProfile::from_toml(&project.methodology_toml).map_err(|e| {
            AppError::Internal(format!(
                "project {}: stored profile unreadable: {e}",
                project.id
            ))
        })?;
    stored
        .cadt
        .or_else(|| {
            crate::builtin_profiles()
                .into_iter()
                .find(|p| p.id == project.methodology_id)
                .and_then(|p| p.cadt)
        })
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "methodology {} of project {} has no CADT classification: its profile needs a [cadt] section (methodology, registry_of_origin, sector, project_type, unit_type; docs/export.md)",
                project.methodology_id, project.id
            ))
        })
}

/// What CADT needs of a project beyond its record: its methodology's classification and its
/// developer; refused in words naming the fix when either is missing.
fn cadt_identity(
    project: &mrv_store::ProjectRecord,
) -> Result<(mrv_core::CadtClassification, String), AppError> {
    let class = classification(project)?;
    let developer = project.developer.clone().ok_or_else(|| {
        AppError::Conflict(format!(
            "project {} names no developer (CADT projectDeveloper): a methodology owner names it with `mrv project set-developer {} NAME`",
            project.id, project.id
        ))
    })?;
    Ok((class, developer))
}

/// `cadt.json`: the project with its issuance nested, and the unit blocks (tradable units
/// `Held`, buffer units `Buffer`), in CADT v1's shapes and picklist values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadtExport {
    pub project: ProjectPost,
    pub units: Vec<UnitPost>,
}

/// The CADT shape of an export (what `cadt.json` holds and what a push sends).
pub(crate) fn cadt_export(
    e: &ExportRecord,
    project: &mrv_store::ProjectRecord,
) -> Result<CadtExport, AppError> {
    let (class, developer) = cadt_identity(project)?;
    let created_date = e.created_at.get(..10).unwrap_or(&e.created_at).to_owned();
    let issuance = IssuancePost {
        id: None,
        start_date: e.period_start.clone(),
        end_date: e.period_end.clone(),
        verification_approach: "Full verification of the monitoring period".into(),
        verification_body: e.verification_body.clone(),
        verification_report_date: e.report_date.clone().unwrap_or(created_date.clone()),
    };
    let cadt_project = ProjectPost {
        project_id: format!("{SERIAL_PREFIX}-P{}", project.id),
        origin_project_id: project.id.to_string(),
        registry_of_origin: class.registry_of_origin.clone(),
        current_registry: None,
        program: None,
        project_name: project.name.clone(),
        project_link: format!("urn:mrv-desk:project:{}", project.id),
        project_developer: developer,
        sector: class.sector.clone(),
        project_type: class.project_type.clone(),
        covered_by_ndc: "Unknown".into(),
        project_status: "Registered".into(),
        project_status_date: project
            .created_at
            .get(..10)
            .unwrap_or(&project.created_at)
            .to_owned(),
        unit_metric: "tCO2e".into(),
        methodology: class.methodology.clone(),
        validation_body: None,
        validation_date: None,
        description: None,
        issuances: vec![issuance],
    };
    let (tradable, buffer) = blocks(e)?;
    let units = [(tradable, "Held"), (buffer, "Buffer")]
        .into_iter()
        .filter_map(|(block, status)| block.map(|b| (b, status)))
        .map(|(block, status)| UnitPost {
            project_location_id: None,
            unit_owner: None,
            country_jurisdiction_of_owner: project.country.clone().unwrap_or_default(),
            in_country_jurisdiction_of_owner: None,
            unit_block_start: block.start_serial(),
            unit_block_end: block.end_serial(),
            unit_count: block.count(),
            vintage_year: e.vintage,
            unit_type: class.unit_type.clone(),
            unit_status: status.into(),
            unit_status_reason: None,
            unit_registry_link: format!("urn:mrv-desk:export:{}", e.id),
            corresponding_adjustment_declaration: "Unknown".into(),
            corresponding_adjustment_status: "Not Started".into(),
            marketplace: None,
            marketplace_identifier: None,
            unit_tags: None,
            issuance: None,
            serial_number_block: None,
        })
        .collect();
    Ok(CadtExport {
        project: cadt_project,
        units,
    })
}

fn cadt_document(
    e: &ExportRecord,
    project: &mrv_store::ProjectRecord,
    _profile: &mrv_core::MethodologyProfile,
) -> Result<Vec<u8>, AppError> {
    let mut bytes = serde_json::to_vec_pretty(&cadt_export(e, project)?).map_err(internal)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The columns of `issuances.csv`, as registries publish issuances (Verra's and Gold
/// Standard's public issuance reports): one row per unit block.
pub const CSV_COLUMNS: [&str; 17] = [
    "issuance_date",
    "vintage",
    "vintage_start",
    "vintage_end",
    "serial_number_block",
    "quantity",
    "unit_status",
    "unit_type",
    "project_id",
    "project_name",
    "country",
    "methodology",
    "project_type",
    "verification_body",
    "verification_report_date",
    "registry_of_origin",
    "export_id",
];

/// A text cell a spreadsheet would take for a formula is prefixed with `'`.
fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn issuances_csv(
    e: &ExportRecord,
    project: &mrv_store::ProjectRecord,
    _profile: &mrv_core::MethodologyProfile,
) -> Result<Vec<u8>, AppError> {
    let cadt = cadt_export(e, project)?;
    let issuance = &cadt.project.issuances[0];
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(CSV_COLUMNS).map_err(internal)?;
    let issuance_date = e.created_at.get(..10).unwrap_or(&e.created_at).to_owned();
    for unit in &cadt.units {
        out.write_record([
            issuance_date.clone(),
            e.vintage.to_string(),
            e.period_start.clone(),
            e.period_end.clone(),
            format!("{}-{}", unit.unit_block_start, unit.unit_block_end),
            unit.unit_count.to_string(),
            unit.unit_status.clone(),
            unit.unit_type.clone(),
            cadt.project.project_id.clone(),
            csv_text(&cadt.project.project_name),
            csv_text(&unit.country_jurisdiction_of_owner),
            cadt.project.methodology.clone(),
            cadt.project.project_type.clone(),
            csv_text(issuance.verification_body.as_deref().unwrap_or("")),
            issuance.verification_report_date.clone(),
            cadt.project.registry_of_origin.clone(),
            e.id.to_string(),
        ])
        .map_err(internal)?;
    }
    out.into_inner().map_err(internal)
}

impl Mrv {
    /// The journal check of exports (`mrv journal verify`): each export's state is where its
    /// last journaled transition led, its batches, quantities and serial block are the ones
    /// journaled at creation, and its sign-off is the one journaled, made with the signer's key
    /// over the stored manifest.
    pub(crate) fn check_exports(
        &self,
        events: &[mrv_store::JournalRecord],
        p: &mut crate::consistency::Problems,
    ) -> Result<(), AppError> {
        let conn = self.ws.conn();
        let users = mrv_store::list_users(conn)?;
        for e in mrv_store::list_exports(conn, None)? {
            let object = format!("export {}", e.id);
            let target = format!("export:{}", e.id);
            let mine: Vec<&mrv_store::JournalRecord> =
                events.iter().filter(|ev| ev.target == target).collect();
            let payload = |ev: &mrv_store::JournalRecord| {
                serde_json::from_str::<serde_json::Value>(&ev.payload_json).unwrap_or_default()
            };
            let Some(created) = mine.iter().find(|ev| ev.action == "export.create") else {
                p.add(
                    "export_unjournaled",
                    object,
                    "the export is not in the journal: it was written around the app",
                );
                continue;
            };
            let last = mine
                .iter()
                .rev()
                .find_map(|ev| match ev.action.as_str() {
                    "export.create" => Some(ExportState::Draft.as_str().to_owned()),
                    "export.sign_off.sign" => None,
                    _ => payload(ev)["to"].as_str().map(str::to_owned),
                })
                .unwrap_or_default();
            if last != e.state {
                p.add(
                    "export_state_moved",
                    object.clone(),
                    format!(
                        "stored state {}, but its last journaled transition leads to {last}",
                        e.state
                    ),
                );
            }
            let v = payload(created);
            let journaled_batches: Vec<(i64, String, String)> = v["batches"]
                .as_array()
                .map(|bs| {
                    bs.iter()
                        .map(|b| {
                            (
                                b["batch"].as_i64().unwrap_or_default(),
                                b["stamp_hash"].as_str().unwrap_or_default().to_owned(),
                                b["gross_claimed"].as_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut stored: Vec<(i64, String, String)> = mrv_store::export_batches(conn, e.id)?
                .into_iter()
                .map(|b| (b.batch_id, b.stamp_hash, b.gross_claimed))
                .collect();
            stored.sort();
            let mut journaled_sorted = journaled_batches;
            journaled_sorted.sort();
            if stored != journaled_sorted {
                p.add(
                    "export_batches_changed",
                    object.clone(),
                    "its batches, stamps or gross claims are not the ones journaled at creation",
                );
            }
            let serials = v["serials"]
                .as_array()
                .map(|a| (a[0].as_i64(), a[1].as_i64()))
                .unwrap_or((None, None));
            let quantities_ok = v["issued"].as_i64() == Some(e.issued_units)
                && v["buffer"].as_i64() == Some(e.buffer_units)
                && v["gross_claimed"].as_str() == Some(e.gross_claimed.as_str())
                && serials == (e.serial_start, e.serial_end);
            if !quantities_ok {
                p.add(
                    "export_quantities_changed",
                    object.clone(),
                    format!(
                        "stored {} issued, {} buffer, gross {}, serials {:?}..{:?}; journaled {} issued, {} buffer, gross {}, serials {:?}",
                        e.issued_units,
                        e.buffer_units,
                        e.gross_claimed,
                        e.serial_start,
                        e.serial_end,
                        v["issued"],
                        v["buffer"],
                        v["gross_claimed"],
                        v["serials"]
                    ),
                );
            }
            let sign = mine.iter().find(|ev| ev.action == "export.sign_off.sign");
            match (mrv_store::signoff(conn, e.id)?, sign) {
                (None, None) => {}
                (Some(_), None) | (None, Some(_)) => p.add(
                    "signoff_changed",
                    object.clone(),
                    "the stored sign-off and the journal's disagree on whether there is one",
                ),
                (Some(s), Some(ev)) => {
                    let v = payload(ev);
                    let signer = users.iter().find(|u| u.id == s.signer_id);
                    let key_ok = signer.is_some_and(|u| u.public_key == s.signer_key);
                    let verifies = mrv_stamp::document::parse_key(&s.signer_key)
                        .ok()
                        .zip(
                            hex::decode(&s.signature)
                                .ok()
                                .and_then(|b| <[u8; 64]>::try_from(b).ok()),
                        )
                        .is_some_and(|(key, sig)| {
                            key.verify_strict(
                                &s.manifest,
                                &ed25519_dalek::Signature::from_bytes(&sig),
                            )
                            .is_ok()
                        });
                    let journaled = v["manifest_sha256"].as_str()
                        == Some(sha256_hex(&s.manifest).as_str())
                        && v["signature"].as_str() == Some(s.signature.as_str())
                        && ev.actor == signer.map(|u| u.name.as_str()).unwrap_or_default();
                    if !(key_ok && verifies && journaled) {
                        p.add(
                            "signoff_changed",
                            object.clone(),
                            format!(
                                "the stored sign-off {}",
                                if !verifies {
                                    "does not verify over its manifest"
                                } else if !key_ok {
                                    "is not made with its signer's key"
                                } else {
                                    "is not the one journaled"
                                }
                            ),
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_has_a_cadt_classification_from_the_picklists() {
        // Reading a profile checks its [cadt] values against the picklists
        // (`mrv_core::methodology`); every built-in profile must carry one.
        for profile in crate::builtin_profiles() {
            assert!(
                profile.cadt.is_some(),
                "{} has no CADT classification",
                profile.id
            );
        }
    }

    #[test]
    fn spreadsheet_formulas_are_neutralised_and_plain_text_kept() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("-1+1"), "'-1+1");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("Serra do Mar"), "Serra do Mar");
        assert_eq!(buffer_percent_text(20.0), "20");
        assert_eq!(buffer_percent_text(12.5), "12.5");
    }
}
