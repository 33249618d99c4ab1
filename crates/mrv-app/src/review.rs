//! The review journey (DESIGN.md §2, SOP-005): a verifier starts a review, rejects with a reason
//! or approves (justifying each open high-severity flag and each material row, `quantities`);
//! an approved batch is stamped and
//! signed in the same transaction. Every transition is recorded with who, when and why, and
//! appended to the journal, in one transaction.

use crate::import::sink::MeasurementRow;
use crate::quantities::QuantitiesView;
use crate::session::Session;
use crate::{clock, AppError, BatchView, Mrv, Overwrite};
use mrv_core::{
    check_justifications, next_state, not_own_work, Action, ApprovalFlag, BatchState, FieldKind,
    Granted, JustificationError, ReasonCode, ReviewEvent, Severity, Unjustified,
};
use mrv_stamp::document::{
    key_text, sign, stamp_hash, BatchPart, CheckCount, ClaimedPart, ColumnPart, DecisionPart,
    EvidencePart, FlagsPart, JustificationPart, LayerPart, MappingPart, MethodologyPart,
    PeriodPart, ProjectPart, RowsPart, SourcePart, Stamp, SPEC,
};
use mrv_stamp::rows::{RowInput, RowSchema, RowsTree, ValueKind};
use mrv_store::{BatchRecord, NewReviewEvent, StampRecord};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One entry of a batch's history: an import or a decision.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub batch_id: i64,
    pub version: i64,
    /// `import`, `start_review`, `approve`, `reject`, `stamp`, `anchor`.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub user: Option<String>,
    pub at: String,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
    /// For approvals: "row N check: text" per justified flag.
    pub justifications: Vec<String>,
    /// For rejections: the findings the rejection raised, as they stand now.
    pub findings: Vec<crate::ReviewFinding>,
}

/// A stamp as front ends show it.
#[derive(Debug, Clone, Serialize)]
pub struct StampView {
    pub batch_id: i64,
    pub stamp_hash: String,
    pub rows_root: String,
    pub row_count: u64,
    pub signer: String,
    pub signer_key: String,
    pub signature: String,
    /// The signature re-checked against the stored document just now.
    pub signature_valid: bool,
    pub created_at: String,
    /// The stamp document (canonical JSON text).
    pub document: String,
}

/// An evidence file attached to a batch.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub id: i64,
    pub batch_id: i64,
    pub name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub attached_by: String,
    pub attached_at: String,
}

impl From<mrv_store::AttachmentRecord> for AttachmentView {
    fn from(a: mrv_store::AttachmentRecord) -> AttachmentView {
        AttachmentView {
            id: a.id,
            batch_id: a.batch_id,
            name: a.name,
            sha256: a.sha256,
            size_bytes: a.size_bytes,
            attached_by: a.attached_by,
            attached_at: a.attached_at,
        }
    }
}

/// The kinds of a batch's stored columns, from the profile (extra columns are text).
pub(crate) fn row_schema(profile: &mrv_core::MethodologyProfile, columns: &[String]) -> RowSchema {
    RowSchema::new(
        columns
            .iter()
            .map(|name| {
                let kind = match profile
                    .fields
                    .iter()
                    .find(|f| &f.name == name)
                    .map(|f| f.kind)
                {
                    Some(FieldKind::Number | FieldKind::Integer) => ValueKind::Number,
                    Some(FieldKind::Date) => ValueKind::Date,
                    Some(FieldKind::Text) | None => ValueKind::Text,
                };
                (name.clone(), kind)
            })
            .collect(),
    )
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Text => "text",
        ValueKind::Number => "number",
        ValueKind::Date => "date",
    }
}

/// Adds one stored or re-read row to a rows tree.
pub(crate) fn push_row(
    tree: &mut RowsTree,
    index: u64,
    id: &str,
    lon: f64,
    lat: f64,
    values_json: &str,
) -> Result<(), AppError> {
    let values = mrv_store::decode_values(values_json)
        .map_err(|e| AppError::Internal(format!("row {index}: {e}")))?;
    let refs: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    tree.push(&RowInput {
        index,
        id,
        lon,
        lat,
        values: &refs,
    })
    .map_err(|e| AppError::InvalidInput(e.to_string()))?;
    Ok(())
}

/// Rows gathered a page at a time (ids and stored values copied into one buffer), handed to a
/// visitor as [`RowInput`]s so their leaves can be hashed on all cores. One allocation per
/// page, none per row: stamping and verification read every row of batches of millions.
#[derive(Default)]
pub(crate) struct RowPage {
    text: String,
    rows: Vec<PageRow>,
}

struct PageRow {
    index: u64,
    id: std::ops::Range<usize>,
    lon: f64,
    lat: f64,
    values: std::ops::Range<usize>,
}

impl RowPage {
    /// Rows per page.
    pub(crate) const SIZE: usize = 50_000;

    pub(crate) fn push(&mut self, index: u64, id: &str, lon: f64, lat: f64, values_json: &str) {
        let id_start = self.text.len();
        self.text.push_str(id);
        let values_start = self.text.len();
        self.text.push_str(values_json);
        self.rows.push(PageRow {
            index,
            id: id_start..values_start,
            lon,
            lat,
            values: values_start..self.text.len(),
        });
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Decodes the page's values, hands its rows to `visit` and empties the page.
    pub(crate) fn flush(
        &mut self,
        visit: &mut dyn FnMut(&[RowInput<'_>]) -> Result<(), AppError>,
    ) -> Result<(), AppError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let mut values = Vec::with_capacity(self.rows.len() * 8);
        let mut bounds = Vec::with_capacity(self.rows.len());
        let mut one = Vec::new();
        for row in &self.rows {
            mrv_store::decode_values_into(&self.text[row.values.clone()], &mut one)
                .map_err(|e| AppError::Internal(format!("row {}: {e}", row.index)))?;
            let start = values.len();
            values.append(&mut one);
            bounds.push(start..values.len());
        }
        let refs: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
        let inputs: Vec<RowInput<'_>> = self
            .rows
            .iter()
            .zip(bounds)
            .map(|(row, values)| RowInput {
                index: row.index,
                id: &self.text[row.id.clone()],
                lon: row.lon,
                lat: row.lat,
                values: &refs[values],
            })
            .collect();
        visit(&inputs)?;
        drop(inputs);
        drop(refs);
        drop(values);
        self.text.clear();
        self.rows.clear();
        Ok(())
    }
}

/// A page visitor that may run on another thread.
pub(crate) type PageVisit<'v> = dyn FnMut(&[RowInput<'_>]) -> Result<(), AppError> + Send + 'v;

/// Runs `produce` on this thread and `visit` on another, handing full pages across one at a
/// time and in order: reading rows (from SQLite, or re-reading a source file) overlaps with
/// decoding and hashing them, on the machine's two cores. `produce` fills a page and calls
/// `hand_over` with it, getting back an empty one (a page the visitor is done with, reused).
/// When the visitor fails its error is returned (the reader then stops at its next page);
/// otherwise the reader's result, once every page handed over has been visited.
pub(crate) fn pipelined<T>(
    produce: impl FnOnce(&mut dyn FnMut(RowPage) -> Result<RowPage, AppError>) -> Result<T, AppError>,
    visit: &mut PageVisit<'_>,
) -> Result<T, AppError> {
    use std::sync::mpsc::sync_channel;
    std::thread::scope(|scope| {
        // One full page waits while the visitor works on another: three pages at most.
        let (full_tx, full_rx) = sync_channel::<RowPage>(1);
        let (empty_tx, empty_rx) = sync_channel::<RowPage>(2);
        let visitor = scope.spawn(move || -> Result<(), AppError> {
            for mut page in full_rx {
                page.flush(visit)?;
                // Nobody takes pages back once the reader is done.
                let _ = empty_tx.try_send(page);
            }
            Ok(())
        });
        let mut hand_over = |page: RowPage| -> Result<RowPage, AppError> {
            full_tx
                .send(page)
                .map_err(|_| AppError::Internal("the row visitor stopped".into()))?;
            Ok(empty_rx.try_recv().unwrap_or_default())
        };
        let produced = produce(&mut hand_over);
        drop(full_tx);
        let visited = visitor.join().expect("the row visitor panicked");
        visited?;
        produced
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Mrv {
    /// Where `batch` would go on `event`, or why it may not.
    pub(crate) fn next_state_of(
        batch: &BatchRecord,
        event: ReviewEvent,
    ) -> Result<(BatchState, BatchState), AppError> {
        let from = BatchState::parse(&batch.state)
            .ok_or_else(|| AppError::Internal(format!("batch {}: unknown state", batch.id)))?;
        let to = next_state(from, event)
            .map_err(|e| AppError::Conflict(format!("batch {}: {e}", batch.id)))?;
        Ok((from, to))
    }

    /// Moves a batch along the journey inside `tx`, with its review event and journal entry
    /// recording `granted`'s user. The move only happens if the batch is still in the state it
    /// was read in, so two decisions made at once cannot both land.
    pub(crate) fn transition(
        tx: &mrv_store::Connection,
        batch: &BatchRecord,
        event: ReviewEvent,
        granted: &Granted,
        at: &str,
        reason: Option<(&str, &str)>,
    ) -> Result<(BatchState, i64), AppError> {
        Self::transition_with(tx, batch, event, granted, at, reason, None)
    }

    /// [`Mrv::transition`] with more to journal: `findings` (a rejection's) goes into the
    /// journal entry's payload as its `findings` member.
    pub(crate) fn transition_with(
        tx: &mrv_store::Connection,
        batch: &BatchRecord,
        event: ReviewEvent,
        granted: &Granted,
        at: &str,
        reason: Option<(&str, &str)>,
        findings: Option<serde_json::Value>,
    ) -> Result<(BatchState, i64), AppError> {
        let (from, to) = Self::next_state_of(batch, event)?;
        if !mrv_store::move_batch_state(tx, batch.id, from.as_str(), to.as_str())? {
            return Err(AppError::Conflict(format!(
                "batch {} is no longer {}: it was changed meanwhile; look at it again",
                batch.id,
                from.as_str()
            )));
        }
        let id = mrv_store::insert_review_event(
            tx,
            &NewReviewEvent {
                batch_id: batch.id,
                action: event.as_str(),
                from_state: from.as_str(),
                to_state: to.as_str(),
                user_id: granted.user_id(),
                at,
                reason_code: reason.map(|r| r.0),
                reason_text: reason.map(|r| r.1),
            },
        )?;
        let mut payload = serde_json::json!({
            "from": from.as_str(),
            "to": to.as_str(),
            "reason_code": reason.map(|r| r.0),
            "reason": reason.map(|r| r.1),
        });
        if let Some(findings) = findings {
            payload["findings"] = findings;
        }
        crate::journal::append(
            tx,
            at,
            granted.user(),
            &format!("batch.{}", event.as_str()),
            &format!("batch:{}", batch.id),
            payload,
        )?;
        Ok((to, id))
    }

    /// A verifier opens an enriched batch for review. Nobody reviews a batch they imported.
    pub fn start_review(
        &mut self,
        session: &Session,
        batch_id: i64,
    ) -> Result<BatchView, AppError> {
        let granted = self.authorize(session, Action::StartReview)?;
        self.decide(&granted, batch_id, ReviewEvent::StartReview, None)
    }

    /// Rejects a batch under review with a reason code (`CAR`, `CL`, `FAR`, optionally
    /// `/sub-code`) and a reason: one finding ([`Mrv::reject_with_findings`] for several).
    /// A rejected batch is final; corrections come as a new version.
    pub fn reject(
        &mut self,
        session: &Session,
        batch_id: i64,
        code: &str,
        reason: &str,
    ) -> Result<BatchView, AppError> {
        let granted = self.authorize(session, Action::RejectBatch)?;
        ReasonCode::parse(code).map_err(AppError::InvalidInput)?;
        if reason.trim().is_empty() {
            return Err(AppError::InvalidInput(
                "a rejection needs a reason the analyst can act on".into(),
            ));
        }
        self.reject_granted(
            &granted,
            batch_id,
            &[crate::NewReviewFinding {
                code: code.to_owned(),
                text: reason.to_owned(),
                record_ids: Vec::new(),
            }],
        )
    }

    /// The reviewer's batch (segregation of duties checked), for a decision by `granted`.
    fn reviewed_batch(&self, granted: &Granted, batch_id: i64) -> Result<BatchRecord, AppError> {
        let batch = self.batch_record(batch_id)?;
        let importer = mrv_store::batch_importer(self.ws.conn(), batch_id)?;
        not_own_work(granted, batch_id, importer)?;
        Ok(batch)
    }

    /// One review step without a stamp: the transition, its event and journal entry, committed.
    fn decide(
        &mut self,
        granted: &Granted,
        batch_id: i64,
        event: ReviewEvent,
        reason: Option<(&str, &str)>,
    ) -> Result<BatchView, AppError> {
        let batch = self.reviewed_batch(granted, batch_id)?;
        let now = clock::now().to_string();
        let tx = self.transaction(granted)?;
        Self::transition(&tx, &batch, event, granted, &now, reason)?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.batch_by_id(batch_id)
    }

    /// Approves a batch under review. Every open high-severity flag needs a justification
    /// (flag id → text), and so does each material row (on one of its flags). The batch is then
    /// stamped (spec `mrv-stamp/v2`, committing to its claimed total) and the stamp signed
    /// with the verifier's key — approval, justifications, stamp and journal in one transaction.
    pub fn approve(
        &mut self,
        session: &Session,
        batch_id: i64,
        justifications: &BTreeMap<i64, String>,
    ) -> Result<StampView, AppError> {
        let granted = self.authorize(session, Action::ApproveBatch)?;
        self.approve_granted(&granted, session, batch_id, justifications)
    }

    /// [`Mrv::approve`] once `granted` (to `session`'s user) was given; its transaction checks
    /// the grant again before anything is written.
    pub(crate) fn approve_granted(
        &mut self,
        granted: &Granted,
        session: &Session,
        batch_id: i64,
        justifications: &BTreeMap<i64, String>,
    ) -> Result<StampView, AppError> {
        let batch = self.reviewed_batch(granted, batch_id)?;
        let flags = mrv_store::list_flags(self.ws.conn(), &batch)?;
        // Refused before the work of stamping, not after it.
        Self::next_state_of(&batch, ReviewEvent::Approve)?;
        // One pass over the stored rows: their leaves and the exact sum of the claimed field.
        let profile = self.profile_of(batch.project_id)?;
        let columns: Vec<String> = serde_json::from_str(&batch.columns_json)
            .map_err(|e| AppError::Internal(format!("batch {}: columns: {e}", batch.id)))?;
        let mut tree = RowsTree::new(row_schema(&profile, &columns));
        let mut sum = self.claim_sum(&batch, &flags)?;
        self.each_stored_page(&batch, &mut |page| {
            tree.push_rows(page)
                .map_err(|e| AppError::InvalidInput(e.to_string()))?;
            sum.add_rows(page)
        })?;
        let quantities = self.quantities_from(&batch, &flags, sum)?;
        let justifications =
            Self::check_approval_justifications(&batch, &flags, &quantities, justifications)?;
        let justifications = &justifications;
        let now = clock::now().to_string();
        let stamp = self.build_stamp(
            &batch,
            &flags,
            &quantities,
            justifications,
            session,
            &now,
            &tree,
        )?;
        let document = stamp
            .canonical_bytes()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let hash = stamp_hash(&document);
        let signature = sign(&session.signing_key, &document);
        let tx = self.transaction(granted)?;
        let (approved, event_id) =
            Self::transition(&tx, &batch, ReviewEvent::Approve, granted, &now, None)?;
        for (flag_id, text) in justifications {
            mrv_store::insert_justification(&tx, event_id, *flag_id, text.trim())?;
        }
        let approved = BatchRecord {
            state: approved.as_str().to_owned(),
            ..batch
        };
        Self::transition(&tx, &approved, ReviewEvent::Stamp, granted, &now, None)?;
        mrv_store::insert_stamp(
            &tx,
            &StampRecord {
                batch_id,
                document,
                stamp_hash: hash.clone(),
                signature,
                signer_key: key_text(&session.signing_key.verifying_key()),
                created_at: now.clone(),
            },
        )?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "batch.stamp.sign",
            &format!("batch:{batch_id}"),
            serde_json::json!({"stamp_hash": hash}),
        )?;
        crate::auditlog::queue_stamp(&tx, batch_id, batch.version, &hash, &now)?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.stamp_of(batch_id)
    }

    /// The approval rule (`mrv_core::check_justifications`): a written justification for each
    /// open high-severity flag and for each material row, and none for a flag needing none.
    fn check_approval_justifications(
        batch: &BatchRecord,
        flags: &[mrv_store::FlagRecord],
        quantities: &QuantitiesView,
        justifications: &BTreeMap<i64, String>,
    ) -> Result<BTreeMap<i64, String>, AppError> {
        let approval_flags: Vec<ApprovalFlag<'_>> = flags
            .iter()
            .map(|f| {
                Ok(ApprovalFlag {
                    id: f.id,
                    row: f.row,
                    check: &f.check,
                    severity: Severity::parse(&f.severity).ok_or_else(|| {
                        AppError::Internal(format!(
                            "flag {}: stored severity `{}` unknown",
                            f.id, f.severity
                        ))
                    })?,
                })
            })
            .collect::<Result<_, AppError>>()?;
        let material: BTreeSet<i64> = quantities.material.iter().map(|m| m.row).collect();
        // A justification for a flag of another batch, or for one that needs none, is refused
        // whatever its text; only non-empty texts count as written.
        let named: BTreeSet<i64> = justifications.keys().copied().collect();
        let written: BTreeMap<i64, String> = justifications
            .iter()
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(id, t)| (*id, t.trim().to_owned()))
            .collect();
        let written_ids: BTreeSet<i64> = written.keys().copied().collect();
        let batch_id = batch.id;
        let outcome = match check_justifications(&approval_flags, &material, &named) {
            Err(e @ JustificationError::NotJustifiable { .. }) => Err(e),
            // What is missing counts only the texts actually written.
            _ => check_justifications(&approval_flags, &material, &written_ids),
        };
        match outcome {
            Ok(()) => Ok(written),
            Err(JustificationError::NotJustifiable { flag }) => Err(AppError::InvalidInput(format!(
                "flag {flag} is not an open high-severity flag of batch {batch_id} nor a flag of one of its material rows"
            ))),
            Err(JustificationError::Missing { missing }) => {
                let list: Vec<String> = missing
                    .iter()
                    .map(|m| match m {
                        Unjustified::MaterialRow { row, .. } => {
                            let why = quantities
                                .material
                                .iter()
                                .find(|x| x.row == *row)
                                .map(|x| format!(" [{}: {}]", x.id, x.why))
                                .unwrap_or_default();
                            format!("{m}{why}")
                        }
                        Unjustified::HighFlag { .. } => m.to_string(),
                    })
                    .collect();
                Err(AppError::InvalidInput(format!(
                    "approving batch {batch_id} needs a written justification for each open high-severity flag and each material row; missing: {}",
                    list.join("; ")
                )))
            }
        }
    }

    /// Builds the stamp document of `batch` from the workspace, `tree` holding its stored rows.
    #[allow(clippy::too_many_arguments)]
    fn build_stamp(
        &self,
        batch: &BatchRecord,
        flags: &[mrv_store::FlagRecord],
        quantities: &QuantitiesView,
        justifications: &BTreeMap<i64, String>,
        session: &Session,
        now: &str,
        tree: &RowsTree,
    ) -> Result<Stamp, AppError> {
        let project = self.project_record(batch.project_id)?;
        let profile = self.profile_of(batch.project_id)?;
        let columns: Vec<String> = serde_json::from_str(&batch.columns_json)
            .map_err(|e| AppError::Internal(format!("batch {}: columns: {e}", batch.id)))?;
        let schema = row_schema(&profile, &columns);
        let mapping: Vec<crate::ColumnMapping> =
            serde_json::from_str(&batch.column_map_json).unwrap_or_default();
        let mut layers: Vec<LayerPart> =
            mrv_store::list_layers(self.ws.conn(), Some(batch.project_id))?
                .into_iter()
                .map(|l| LayerPart {
                    name: l.name,
                    kind: l.kind,
                    band: l.band,
                    acquired_on: l.acquired_on,
                    sha256: l.file_sha256,
                })
                .collect();
        layers.sort_by(|a, b| a.name.cmp(&b.name));
        let mut by_check: BTreeMap<String, u64> = BTreeMap::new();
        for f in flags {
            *by_check.entry(f.check.clone()).or_default() += 1;
        }
        let count = |s: &str| flags.iter().filter(|f| f.severity == s).count() as u64;
        let mut justified: Vec<JustificationPart> = flags
            .iter()
            .filter_map(|f| {
                justifications.get(&f.id).map(|t| JustificationPart {
                    row: f.row,
                    check: f.check.clone(),
                    severity: Some(f.severity.clone()),
                    text: t.trim().to_owned(),
                })
            })
            .collect();
        justified.sort_by(|a, b| (a.row, &a.check).cmp(&(b.row, &b.check)));
        let evidence: Vec<EvidencePart> = mrv_store::attachments(self.ws.conn(), batch.id)?
            .into_iter()
            .map(|a| EvidencePart {
                name: a.name,
                sha256: a.sha256,
            })
            .collect();
        Ok(Stamp {
            spec: SPEC.into(),
            batch: BatchPart {
                id: batch.id,
                version: batch.version,
                supersedes: batch.supersedes_batch_id,
            },
            project: ProjectPart {
                id: project.id,
                name: project.name.clone(),
                boundary_sha256: sha256_hex(project.boundary_geojson.as_bytes()),
            },
            methodology: MethodologyPart {
                id: profile.id.clone(),
                version: profile.version.clone(),
                profile_sha256: sha256_hex(project.methodology_toml.as_bytes()),
            },
            period: PeriodPart {
                start: batch.period_start.clone(),
                end: batch.period_end.clone(),
            },
            source: SourcePart {
                name: batch.source_name.clone(),
                sha256: batch.source_sha256.clone(),
                format: batch.source_format.clone(),
                crs: batch.source_crs.clone(),
                mapping: mapping
                    .into_iter()
                    .map(|m| MappingPart {
                        source: m.source,
                        field: m.field,
                    })
                    .collect(),
            },
            rows: RowsPart {
                count: tree.count(),
                root: hex::encode(tree.root()),
                columns: schema
                    .columns()
                    .iter()
                    .map(|(name, kind)| ColumnPart {
                        name: name.clone(),
                        kind: kind_name(*kind).into(),
                    })
                    .collect(),
            },
            layers,
            flags: FlagsPart {
                high: count("high"),
                medium: count("medium"),
                low: count("low"),
                by_check: by_check
                    .into_iter()
                    .map(|(check, count)| CheckCount { check, count })
                    .collect(),
            },
            evidence,
            decision: DecisionPart {
                verifier: session.user.name.clone(),
                verifier_key: key_text(&session.signing_key.verifying_key()),
                approved_at: now.to_owned(),
                justifications: justified,
            },
            claimed: Some(ClaimedPart {
                field: quantities.claimed_field.clone(),
                total: quantities.gross.to_string(),
                materiality_percent: quantities.materiality_percent.to_string(),
                material_rows: quantities.material.iter().map(|m| m.row).collect(),
            }),
        })
    }

    /// Hands a batch's stored rows to `visit` in order, a page at a time, as stamp leaf inputs;
    /// the rows are read from SQLite while `visit` works on the page before ([`pipelined`]).
    pub(crate) fn each_stored_page(
        &self,
        batch: &BatchRecord,
        visit: &mut PageVisit<'_>,
    ) -> Result<(), AppError> {
        let conn = self.ws.conn();
        pipelined(
            |hand_over| {
                let mut page = RowPage::default();
                let mut offset = 0;
                while offset < batch.row_count {
                    mrv_store::each_row_text::<AppError>(
                        conn,
                        batch,
                        offset,
                        RowPage::SIZE as i64,
                        &mut |r| {
                            page.push(r.index as u64, r.record_id, r.lon, r.lat, r.values_json);
                            Ok(())
                        },
                    )?;
                    page = hand_over(page)?;
                    offset += RowPage::SIZE as i64;
                }
                Ok(())
            },
            visit,
        )
    }

    pub(crate) fn stamp_record(&self, batch_id: i64) -> Result<StampRecord, AppError> {
        mrv_store::stamp(self.ws.conn(), batch_id)?.ok_or_else(|| AppError::NotFound {
            what: "stamp of batch",
            id: batch_id.to_string(),
        })
    }

    /// The stamp of a batch, its signature re-checked.
    pub fn stamp_view(&self, session: &Session, batch_id: i64) -> Result<StampView, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.stamp_of(batch_id)
    }

    /// [`Mrv::stamp_view`] for use cases that have checked their session.
    pub(crate) fn stamp_of(&self, batch_id: i64) -> Result<StampView, AppError> {
        let record = self.stamp_record(batch_id)?;
        let stamp = Stamp::from_canonical_bytes(&record.document)
            .map_err(|e| AppError::Internal(format!("batch {batch_id}: {e}")))?;
        let valid = mrv_stamp::document::parse_key(&record.signer_key)
            .and_then(|key| {
                mrv_stamp::document::verify_signature(
                    &stamp,
                    &record.document,
                    &record.signature,
                    &key,
                )
            })
            .is_ok();
        Ok(StampView {
            batch_id,
            stamp_hash: record.stamp_hash,
            rows_root: stamp.rows.root.clone(),
            row_count: stamp.rows.count,
            signer: stamp.decision.verifier.clone(),
            signer_key: record.signer_key,
            signature: record.signature,
            signature_valid: valid,
            created_at: record.created_at,
            document: String::from_utf8_lossy(&record.document).into_owned(),
        })
    }

    /// Writes the stamp of a batch for offline verification: `stamp.json`, `stamp.sig`,
    /// `signer.pub`, `profile.toml`, `boundary.geojson`. Existing files are replaced only with
    /// [`Overwrite::Replace`]; links are never written through (see [`crate::write_atomic`]).
    pub fn export_stamp(
        &self,
        session: &Session,
        batch_id: i64,
        dir: &Path,
        overwrite: Overwrite,
    ) -> Result<Vec<PathBuf>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let files = self.stamp_folder(batch_id)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::Io(format!("{}: {e}", dir.display())))?;
        // Nothing is written unless every file may be: no half-replaced export.
        for name in files
            .iter()
            .map(|(name, _)| *name)
            .chain(["anchor.entry", "anchor.tlog-proof"])
        {
            crate::files::check_destination(&dir.join(name), overwrite)?;
        }
        if !files.iter().any(|(name, _)| *name == "anchor.tlog-proof") {
            // A folder reused for another batch must not keep that batch's anchor.
            for stale in ["anchor.entry", "anchor.tlog-proof"] {
                match std::fs::remove_file(dir.join(stale)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(AppError::Io(format!("{}: {e}", dir.join(stale).display())))
                    }
                    _ => {}
                }
            }
        }
        let mut written = Vec::new();
        for (name, bytes) in files {
            let path = dir.join(name);
            crate::write_atomic(&path, &bytes, overwrite)?;
            written.push(path);
        }
        Ok(written)
    }

    /// The files of a stamp's export folder, by name: `stamp.json`, `stamp.sig`, `signer.pub`,
    /// `profile.toml`, `boundary.geojson`, and once anchored `anchor.entry` and
    /// `anchor.tlog-proof` (what [`Mrv::export_stamp`] writes and the registry export reuses).
    pub(crate) fn stamp_folder(
        &self,
        batch_id: i64,
    ) -> Result<Vec<(&'static str, Vec<u8>)>, AppError> {
        let record = self.stamp_record(batch_id)?;
        let batch = self.batch_record(batch_id)?;
        let project = self.project_record(batch.project_id)?;
        let anchor = mrv_store::batch_anchor(self.ws.conn(), batch_id)?;
        let mut files: Vec<(&'static str, Vec<u8>)> = vec![
            ("stamp.json", record.document),
            ("stamp.sig", record.signature.into_bytes()),
            ("signer.pub", record.signer_key.into_bytes()),
            ("profile.toml", project.methodology_toml.into_bytes()),
            ("boundary.geojson", project.boundary_geojson.into_bytes()),
        ];
        // Once anchored: the audit-log entry and its receipt (check with `mrv verify-receipt`).
        if let Some(a) = anchor {
            if let Some(receipt) = a.receipt {
                files.push(("anchor.entry", a.entry));
                files.push(("anchor.tlog-proof", receipt.into_bytes()));
            }
        }
        Ok(files)
    }

    /// Writes the proof that row `row` belongs to a stamped batch to `path` (JSON, whole or
    /// not at all).
    pub fn write_row_proof(
        &self,
        session: &Session,
        batch_id: i64,
        row: i64,
        path: &Path,
        overwrite: Overwrite,
    ) -> Result<mrv_stamp::proof::RowProof, AppError> {
        let proof = self.prove_row(session, batch_id, row)?;
        let text =
            serde_json::to_string_pretty(&proof).map_err(|e| AppError::Internal(e.to_string()))?;
        crate::write_atomic(path, text.as_bytes(), overwrite)?;
        Ok(proof)
    }

    /// An inclusion proof that row `row` (1-based) belongs to a stamped batch.
    pub fn prove_row(
        &self,
        session: &Session,
        batch_id: i64,
        row: i64,
    ) -> Result<mrv_stamp::proof::RowProof, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let record = self.stamp_record(batch_id)?;
        let batch = self.batch_record(batch_id)?;
        if row < 1 || row > batch.row_count {
            return Err(AppError::NotFound {
                what: "row",
                id: format!(
                    "{row} of batch {batch_id} (it has {} rows)",
                    batch.row_count
                ),
            });
        }
        let profile = self.profile_of(batch.project_id)?;
        let columns: Vec<String> = serde_json::from_str(&batch.columns_json)
            .map_err(|e| AppError::Internal(format!("batch {batch_id}: columns: {e}")))?;
        let schema = row_schema(&profile, &columns);
        let mut leaves = Vec::with_capacity(batch.row_count as usize);
        let mut leaf_text = String::new();
        let mut buffer = Vec::new();
        self.each_stored_page(&batch, &mut |page| {
            for input in page {
                mrv_stamp::rows::write_leaf(&schema, input, &mut buffer)
                    .map_err(|e| AppError::InvalidInput(e.to_string()))?;
                if input.index == row as u64 {
                    leaf_text = String::from_utf8_lossy(&buffer).into_owned();
                }
                leaves.push(mrv_tlog::leaf_hash(&buffer));
            }
            Ok(())
        })?;
        let path = mrv_tlog::inclusion_proof(&leaves, row as u64 - 1)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(mrv_stamp::proof::RowProof {
            spec: mrv_stamp::proof::PROOF_SPEC.into(),
            batch: batch_id,
            stamp_hash: record.stamp_hash,
            row: row as u64,
            leaf: leaf_text,
            path: path.iter().map(hex::encode).collect(),
        })
    }

    /// Attaches an evidence file (PDF, photo, spreadsheet…) to a batch, stored by SHA-256.
    pub fn attach(
        &mut self,
        session: &Session,
        batch_id: i64,
        file: &Path,
    ) -> Result<AttachmentView, AppError> {
        let granted = self.authorize(session, Action::AttachEvidence)?;
        let batch = self.batch_record(batch_id)?;
        if matches!(
            batch.state.as_str(),
            "approved" | "stamped" | "anchored" | "rejected"
        ) {
            return Err(AppError::Conflict(format!(
                "batch {batch_id} is {}; evidence can no longer be attached",
                batch.state
            )));
        }
        crate::files::check_input(file, "attachment")?;
        let (sha256, size) = self.store_file(file)?;
        let name = crate::projects::file_name(file);
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        if mrv_store::attachments(&tx, batch_id)?
            .iter()
            .any(|a| a.sha256 == sha256)
        {
            return Err(AppError::Conflict(format!(
                "{} is already attached to batch {batch_id}",
                file.display()
            )));
        }
        mrv_store::record_stored_file(&tx, &sha256, &name, size, &now)?;
        let id = mrv_store::insert_attachment(
            &tx,
            batch_id,
            &name,
            &sha256,
            size as i64,
            granted.user_id(),
            &now,
        )?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "batch.attach",
            &format!("batch:{batch_id}"),
            serde_json::json!({"name": name, "sha256": sha256}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        mrv_store::attachments(self.ws.conn(), batch_id)?
            .into_iter()
            .find(|a| a.id == id)
            .map(Into::into)
            .ok_or_else(|| AppError::Internal("attachment vanished".into()))
    }

    /// The evidence files attached to a batch.
    pub fn attachments(
        &self,
        session: &Session,
        batch_id: i64,
    ) -> Result<Vec<AttachmentView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.batch_record(batch_id)?;
        Ok(mrv_store::attachments(self.ws.conn(), batch_id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A batch's history over all its versions (the batches it supersedes and those that
    /// supersede it): each import and decision with who, when and why, oldest first.
    pub fn history(&self, session: &Session, batch_id: i64) -> Result<Vec<HistoryEntry>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.history_of(batch_id)
    }

    /// [`Mrv::history`] for use cases that have checked their session.
    pub(crate) fn history_of(&self, batch_id: i64) -> Result<Vec<HistoryEntry>, AppError> {
        let batch = self.batch_record(batch_id)?;
        let all = mrv_store::list_batches(self.ws.conn(), Some(batch.project_id))?;
        // The version chain: walk back through `supersedes`, then forward.
        let mut chain = vec![batch.clone()];
        while let Some(prev) = chain[0]
            .supersedes_batch_id
            .and_then(|id| all.iter().find(|b| b.id == id))
        {
            chain.insert(0, prev.clone());
        }
        while let Some(next) = all
            .iter()
            .find(|b| b.supersedes_batch_id == Some(chain[chain.len() - 1].id))
        {
            chain.push(next.clone());
        }
        let ids: Vec<i64> = chain.iter().map(|b| b.id).collect();
        let events = mrv_store::review_events(self.ws.conn(), &ids)?;
        let users: BTreeMap<i64, String> = mrv_store::list_users(self.ws.conn())?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let mut out = Vec::new();
        for b in &chain {
            let importer = mrv_store::batch_importer(self.ws.conn(), b.id)?;
            out.push(HistoryEntry {
                batch_id: b.id,
                version: b.version,
                action: "import".into(),
                from_state: None,
                to_state: "imported".into(),
                user: importer.and_then(|id| users.get(&id).cloned()),
                at: b.imported_at.clone(),
                reason_code: None,
                reason_text: b
                    .supersedes_batch_id
                    .map(|s| format!("version {} of batch {s}, from {}", b.version, b.source_name))
                    .or_else(|| Some(format!("from {}", b.source_name))),
                justifications: Vec::new(),
                findings: Vec::new(),
            });
            for e in events.iter().filter(|e| e.batch_id == b.id) {
                out.push(HistoryEntry {
                    batch_id: b.id,
                    version: b.version,
                    action: e.action.clone(),
                    from_state: Some(e.from_state.clone()),
                    to_state: e.to_state.clone(),
                    user: Some(e.user.clone()),
                    at: e.at.clone(),
                    reason_code: e.reason_code.clone(),
                    reason_text: e.reason_text.clone(),
                    justifications: e
                        .justifications
                        .iter()
                        .map(|(_, row, check, text)| format!("row {row} {check}: {text}"))
                        .collect(),
                    findings: mrv_store::event_findings(self.ws.conn(), e.id)?
                        .into_iter()
                        .map(|f| crate::findings::finding_view(f, batch_id))
                        .collect::<Result<_, _>>()?,
                });
            }
        }
        Ok(out)
    }
}

/// The import request that re-reads a stamped batch's source as it was imported.
fn stamp_request(
    source: &Path,
    stamp: &Stamp,
) -> Result<(mrv_core::MonitoringPeriod, crate::ImportRequest), AppError> {
    let period =
        mrv_core::MonitoringPeriod::parse(&format!("{}..{}", stamp.period.start, stamp.period.end))
            .map_err(AppError::InvalidInput)?;
    let req = crate::ImportRequest {
        file: source.to_owned(),
        project_id: stamp.project.id,
        period: format!("{}..{}", stamp.period.start, stamp.period.end),
        crs: (stamp.source.crs != "EPSG:4326").then(|| stamp.source.crs.clone()),
        mapping: stamp
            .source
            .mapping
            .iter()
            .map(|m| crate::ColumnMapping {
                source: m.source.clone(),
                field: m.field.clone(),
            })
            .collect(),
    };
    Ok((period, req))
}

/// Re-reads a stamped batch's source file, hands each row's stored values to `visit`, and
/// returns the names of the columns they are aligned with.
pub(crate) fn reread_values(
    source: &Path,
    profile: &mrv_core::MethodologyProfile,
    stamp: &Stamp,
    visit: &mut dyn FnMut(Vec<String>) -> Result<(), AppError>,
) -> Result<Vec<String>, AppError> {
    let (period, req) = stamp_request(source, stamp)?;
    crate::import::reread_source(source, profile, period, &req, &mut |r: &MeasurementRow| {
        let values = mrv_store::decode_values(r.values_json())
            .map_err(|e| AppError::Internal(format!("re-read values: {e}")))?;
        visit(
            values
                .into_iter()
                .map(std::borrow::Cow::into_owned)
                .collect(),
        )
    })
}

/// Re-reads a stamped batch's rows from its source file (for offline verification).
pub(crate) fn reread_rows(
    source: &Path,
    profile: &mrv_core::MethodologyProfile,
    stamp: &Stamp,
) -> Result<RereadRows, AppError> {
    let (period, req) = stamp_request(source, stamp)?;
    let columns: Vec<String> = stamp.rows.columns.iter().map(|c| c.name.clone()).collect();
    let mut tree = RowsTree::new(row_schema(profile, &columns));
    let mut index = 0u64;
    // v2: the claimed column, summed exactly from the texts re-read (§4, `claimed.total`).
    let claimed_column = stamp
        .claimed
        .as_ref()
        .map(|c| columns.iter().position(|name| *name == c.field));
    let mut claimed_total: Option<Result<mrv_core::Tonnes, String>> = match claimed_column {
        None => None,
        Some(Some(_)) => Some(Ok(mrv_core::Tonnes::ZERO)),
        Some(None) => Some(Err("the claimed field is not among the columns".into())),
    };
    let mut visit = |rows: &[RowInput<'_>]| -> Result<(), AppError> {
        tree.push_rows(rows)
            .map_err(|e| AppError::InvalidInput(e.to_string()))?;
        if let (Some(Some(column)), Some(Ok(sum))) = (claimed_column, claimed_total.as_mut()) {
            for r in rows {
                let text = r.values.get(column).copied().unwrap_or("");
                match mrv_core::Tonnes::parse(text).and_then(|t| sum.checked_add(&t)) {
                    Ok(next) => *sum = next,
                    Err(e) => {
                        claimed_total = Some(Err(format!("row {} ({}): {e}", r.index, r.id)));
                        break;
                    }
                }
            }
        }
        Ok(())
    };
    // The source is read and checked on this thread while the rows before are canonicalised
    // and hashed on another.
    let read_columns = pipelined(
        |hand_over| {
            let mut page = RowPage::default();
            let columns = crate::import::reread_source(
                source,
                profile,
                period,
                &req,
                &mut |r: &MeasurementRow| {
                    index += 1;
                    let (lon, lat) = r.lon_lat();
                    page.push(index, r.record_id(), lon, lat, r.values_json());
                    if page.len() >= RowPage::SIZE {
                        page = hand_over(std::mem::take(&mut page))?;
                    }
                    Ok(())
                },
            )?;
            hand_over(page)?;
            Ok(columns)
        },
        &mut visit,
    )?;
    if read_columns != columns {
        return Err(AppError::InvalidInput(format!(
            "{}: its columns ({}) are not the stamp's ({})",
            source.display(),
            read_columns.join(", "),
            columns.join(", ")
        )));
    }
    Ok(RereadRows {
        count: tree.count(),
        root: hex::encode(tree.root()),
        claimed_total,
    })
}

/// What re-reading a stamp's source gives.
pub(crate) struct RereadRows {
    pub(crate) count: u64,
    pub(crate) root: String,
    /// For a v2 stamp: the exact sum of its claimed field over the rows re-read, or why it
    /// cannot be computed.
    pub(crate) claimed_total: Option<Result<mrv_core::Tonnes, String>>,
}

#[cfg(test)]
mod pipeline_tests {
    use super::{pipelined, RowPage};
    use crate::AppError;

    /// Produces `pages` pages of 3 rows (indices 1, 2, 3, …), failing at page `fail_at` if given.
    fn produce(
        pages: u64,
        fail_at: Option<u64>,
    ) -> impl FnOnce(&mut dyn FnMut(RowPage) -> Result<RowPage, AppError>) -> Result<u64, AppError>
    {
        move |hand_over| {
            let mut page = RowPage::default();
            for p in 0..pages {
                if fail_at == Some(p) {
                    return Err(AppError::InvalidInput(format!("row {} is bad", p * 3 + 1)));
                }
                for k in 1..=3 {
                    page.push(
                        p * 3 + k,
                        &format!("R{}", p * 3 + k),
                        0.0,
                        0.0,
                        r#"["a","b"]"#,
                    );
                }
                page = hand_over(page)?;
            }
            Ok(pages)
        }
    }

    #[test]
    fn every_row_is_visited_once_in_order_on_another_thread() {
        let here = std::thread::current().id();
        let mut seen = Vec::new();
        let mut threads = Vec::new();
        let pages = pipelined(produce(40, None), &mut |rows| {
            threads.push(std::thread::current().id());
            seen.extend(
                rows.iter()
                    .map(|r| (r.index, r.id.to_owned(), r.values.len())),
            );
            Ok(())
        })
        .unwrap();
        assert_eq!(pages, 40);
        let expected: Vec<_> = (1..=120).map(|i| (i, format!("R{i}"), 2)).collect();
        assert_eq!(seen, expected);
        assert!(threads.iter().all(|t| *t != here));
    }

    #[test]
    fn the_visitors_error_wins_and_stops_the_reader() {
        let mut visited = 0;
        let err = pipelined(produce(1000, None), &mut |_| {
            visited += 1;
            if visited == 3 {
                return Err(AppError::InvalidInput("leaf 7 does not hash".into()));
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "leaf 7 does not hash");
        assert_eq!(visited, 3);
    }

    #[test]
    fn the_readers_error_comes_after_the_pages_it_handed_over() {
        let mut rows = 0;
        let err = pipelined(produce(10, Some(4)), &mut |page| {
            rows += page.len();
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "row 13 is bad");
        assert_eq!(rows, 12, "the four pages before the bad row were visited");
    }
}
