//! The verification statement (`docs/statement.md`): for an approved (stamped or anchored)
//! batch, a PDF stating the project, period and methodology, the data summary with its exact
//! gross / buffer / net tCO2e, the flags by check and severity with every justification, the
//! decision with its reason codes, the signer and time, a map and two plots, the stamp hash,
//! the rows root, the stamp's anchor and a QR code with how to re-verify offline.
//!
//! The PDF is written whole or not at all (`write_atomic`: no overwrite unless asked, never
//! through a link); its SHA-256 is recorded (`statement` table), journaled
//! (`statement.create`) and queued for the audit log as kind `statement` in one transaction,
//! then sent at once when a log is connected. [`Mrv::verify_statement`] recomputes a file's
//! SHA-256 and checks it against those records and the anchor's receipt.

mod figures;
mod pdf;

use crate::auditlog::AnchorView;
use crate::session::Session;
use crate::{clock, AppError, Check, HistoryEntry, Mrv, Overwrite};
use figures::MapFrame;
use mrv_core::overlay::{StyleKind, WORST_FLAG_COLOURS, WORST_FLAG_LABELS};
use mrv_core::{Action, AnchorEntry, AnchorKind, BatchState};
use mrv_stamp::document::Stamp;
use pdf::{Fonts, Layout, BODY, HEADING, MARGIN, SMALL, STRONG, TEXT_W, TITLE};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) use pdf::FONT_DIR;

/// What to state and where to write it.
#[derive(Debug, Clone)]
pub struct StatementRequest {
    pub batch_id: i64,
    /// The PDF's path.
    pub output: PathBuf,
    pub overwrite: Overwrite,
    /// The layer drawn under the map's points and plotted against claimed tCO2e; by default the
    /// project's first NDVI layer, else its first layer.
    pub layer_id: Option<i64>,
}

/// One figure of a statement, for a preview.
#[derive(Debug, Clone, Serialize)]
pub struct StatementFigure {
    pub title: String,
    pub caption: String,
    /// The PNG as embedded in the PDF (its text labels are set by the PDF, not in the pixels).
    #[serde(skip)]
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// A statement as made (or as found by [`Mrv::verify_statement`]).
#[derive(Debug, Clone, Serialize)]
pub struct StatementView {
    pub statement_id: i64,
    /// The audit-log record id, `statement-<statement_id>`.
    pub record_id: String,
    pub batch_id: i64,
    pub version: i64,
    pub project_name: String,
    /// Where it was written (empty when only found by its hash).
    pub path: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub pages: i64,
    pub created_by: String,
    pub created_at: String,
    pub stamp_hash: String,
    pub rows_root: String,
    pub gross: String,
    pub buffer: String,
    pub net: String,
    pub flags: usize,
    pub justifications: usize,
    /// What the QR code holds.
    pub qr_payload: String,
    /// The statement's own anchor (kind `statement`): queued, failed (retrying) or anchored.
    pub anchor: Option<AnchorView>,
    /// The map and the plots, for a preview (empty when only found by its hash).
    pub figures: Vec<StatementFigure>,
}

/// The outcome of `mrv verify-statement`.
#[derive(Debug, Clone, Serialize)]
pub struct StatementCheck {
    pub ok: bool,
    pub file: String,
    pub sha256: String,
    /// The statement recorded with this hash, if any.
    pub statement: Option<StatementView>,
    pub checks: Vec<Check>,
}

/// The record id a statement is anchored under.
pub(crate) fn statement_record_id(statement_id: i64) -> String {
    format!("statement-{statement_id}")
}

/// The `mrv-anchor/v1` entry of a statement: kind `statement`, its record id, the PDF's SHA-256.
pub fn statement_anchor_entry(
    statement_id: i64,
    pdf_sha256: [u8; 32],
) -> Result<Vec<u8>, AppError> {
    Ok(AnchorEntry::new(
        AnchorKind::Statement,
        &statement_record_id(statement_id),
        pdf_sha256,
    )
    .map_err(|e| AppError::Internal(e.to_string()))?
    .to_bytes())
}

/// The URI the QR code holds: the stamp hash with the batch, version and rows root, and, once
/// anchored, the log's origin and the stamp's index in it.
fn qr_payload(stamp: &Stamp, stamp_hash: &str, anchor: Option<&mrv_store::AnchorRecord>) -> String {
    let mut uri = format!(
        "mrv-stamp:{stamp_hash}?batch={}&version={}&rows_root={}",
        stamp.batch.id, stamp.batch.version, stamp.rows.root
    );
    if let Some(a) = anchor.filter(|a| a.state == "anchored") {
        if let (Some(origin), Some(index)) = (&a.origin, a.log_index) {
            uri.push_str(&format!("&log={origin}&index={index}"));
        }
    }
    uri
}

/// Flags counted by check and severity.
#[derive(Debug, Default)]
struct FlagTable {
    rows: BTreeMap<String, [u64; 3]>,
}

impl FlagTable {
    fn of(flags: &[mrv_store::FlagRecord]) -> FlagTable {
        let mut t = FlagTable::default();
        for f in flags {
            let col = match f.severity.as_str() {
                "high" => 0,
                "medium" => 1,
                _ => 2,
            };
            t.rows.entry(f.check.clone()).or_default()[col] += 1;
        }
        t
    }
}

/// krilla's metadata date from our UTC time text (`YYYY-MM-DDTHH:MM:SSZ`).
fn pdf_date(at: &str) -> Option<krilla::metadata::DateTime> {
    let n = |r: std::ops::Range<usize>| at.get(r).and_then(|s| s.parse::<u16>().ok());
    Some(
        krilla::metadata::DateTime::new(n(0..4)?)
            .month(n(5..7)? as u8)
            .day(n(8..10)? as u8)
            .hour(n(11..13)? as u8)
            .minute(n(14..16)? as u8)
            .second(n(17..19)? as u8)
            .utc_offset_hour(0),
    )
}

impl Mrv {
    /// Makes the verification statement of an approved batch, writes it to `req.output`,
    /// records, journals and queues its SHA-256 for the audit log (sent at once when a log is
    /// connected). Refused for a batch that is not stamped or anchored, for an existing file
    /// without [`Overwrite::Replace`], and for a link at the path.
    pub fn write_statement(
        &mut self,
        session: &Session,
        req: &StatementRequest,
    ) -> Result<StatementView, AppError> {
        let granted = self.authorize(session, Action::ProduceStatement)?;
        let batch = self.batch_record(req.batch_id)?;
        if batch.state != BatchState::Stamped.as_str()
            && batch.state != BatchState::Anchored.as_str()
        {
            return Err(AppError::Conflict(format!(
                "batch {} is {}: a statement is made only for an approved batch (stamped or anchored)",
                batch.id, batch.state
            )));
        }
        crate::files::check_destination(&req.output, req.overwrite)?;
        let file_name = req
            .output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                AppError::InvalidInput(format!("{} is not a file name", req.output.display()))
            })?;
        let fonts = Fonts::load(Path::new(FONT_DIR))?;

        // Everything the statement says, read before the transaction.
        let record = self.stamp_record(batch.id)?;
        let stamp = Stamp::from_canonical_bytes(&record.document)
            .map_err(|e| AppError::Internal(format!("batch {}: {e}", batch.id)))?;
        let stamp_view = self.stamp_of(batch.id)?;
        let project = self.project_record(batch.project_id)?;
        let flags = mrv_store::list_flags(self.ws.conn(), &batch)?;
        let quantities = self.quantities_of(&batch, &flags)?;
        let history = self.history_of(batch.id)?;
        let stamp_anchor = mrv_store::batch_anchor(self.ws.conn(), batch.id)?;
        let points = self.points_of(batch.id)?;
        let layers = mrv_store::list_layers(self.ws.conn(), Some(batch.project_id))?;
        let layer = match req.layer_id {
            Some(id) => Some(
                layers
                    .iter()
                    .find(|l| l.id == id)
                    .ok_or_else(|| {
                        AppError::InvalidInput(format!(
                            "layer {id} is not a layer of batch {}'s project {}",
                            batch.id, batch.project_id
                        ))
                    })?
                    .clone(),
            ),
            None => layers
                .iter()
                .find(|l| l.kind == "ndvi")
                .or(layers.first())
                .cloned(),
        };

        // Figures.
        let rings = figures::boundary_rings(&project.boundary_geojson);
        let mut lonlat: Vec<(f64, f64)> = rings.iter().flatten().copied().collect();
        lonlat.extend(points.lon.iter().copied().zip(points.lat.iter().copied()));
        let frame = MapFrame::fit(&lonlat, 900, 700).ok_or_else(|| {
            AppError::Conflict(format!(
                "batch {} has no position and its project no boundary to map",
                batch.id
            ))
        })?;
        let (overlay, style, values) = match &layer {
            Some(l) => {
                let view = mrv_geo::OverlayView {
                    bbox: frame.bbox,
                    width: frame.width,
                    height: frame.height,
                };
                let png = self.overlay_of(l.id, &view)?.png;
                let style = self.style_of(l.id)?;
                let values = self.layer_values_of(batch.id, l.id).ok();
                (Some(png), Some(style), values)
            }
            None => (None, None, None),
        };
        let map = figures::map_figure(
            &frame,
            overlay.as_deref(),
            &rings,
            &points.lon,
            &points.lat,
            &points.worst,
        )?;
        let histogram = figures::histogram_figure(&points.claimed_tco2e)?;
        let scatter = match (&layer, &values) {
            (Some(l), Some(v)) => Some(figures::scatter_figure(
                &points.claimed_tco2e,
                v,
                &points.worst,
                &format!("{} ({})", l.name, l.kind),
            )?),
            _ => None,
        };
        let mut worst_counts = [0usize; 4];
        for w in &points.worst {
            worst_counts[(*w).min(3) as usize] += 1;
        }

        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let statement_id = mrv_store::next_statement_id(&tx)?;
        let record_id = statement_record_id(statement_id);
        let qr = qr_payload(&stamp, &record.stamp_hash, stamp_anchor.as_ref());

        let facts = Facts {
            statement_id,
            record_id: &record_id,
            made_by: granted.user(),
            made_at: &now,
            stamp: &stamp,
            stamp_hash: &record.stamp_hash,
            signature_valid: stamp_view.signature_valid,
            signer_key: &record.signer_key,
            project: &project,
            quantities: &quantities,
            flags: &FlagTable::of(&flags),
            flag_count: flags.len(),
            history: &history,
            anchor: stamp_anchor.as_ref(),
            qr: &qr,
        };
        let mut layout = Layout::new(
            &fonts,
            format!(
                "MRV Desk verification statement {record_id} — batch {} v{} — stamp {}",
                batch.id,
                batch.version,
                &record.stamp_hash[..16]
            ),
        );
        facts.text_pages(&mut layout)?;
        layout.new_page();
        layout.heading("Map");
        layout.para(
            SMALL,
            &format!(
                "The project boundary, every measurement point coloured by its worst flag{}. Web Mercator; the scale bar holds at the map's centre.",
                layer
                    .as_ref()
                    .map(|l| format!(", over the layer {} ({})", l.name, l.kind))
                    .unwrap_or_default()
            ),
        );
        layout.gap(6.0);
        layout.figure(MARGIN, TEXT_W, &map);
        layout.gap(10.0);
        legend(&mut layout, &worst_counts, layer.as_ref(), style.as_ref());
        layout.new_page();
        layout.heading("Plots");
        layout.para(
            SMALL,
            &format!(
                "Distribution of the claimed tCO2e per row ({} rows).",
                points.claimed_tco2e.len()
            ),
        );
        layout.gap(4.0);
        layout.figure(MARGIN, TEXT_W, &histogram);
        layout.gap(12.0);
        let scatter_caption = match (&layer, &values) {
            (Some(l), Some(v)) => format!(
                "{} ({}) against claimed tCO2e at each row with a reading ({} of {}); flagged rows drawn larger in the colour of their worst flag.",
                l.name,
                l.kind,
                v.iter().filter(|v| v.is_some()).count(),
                v.len()
            ),
            _ => "No layer to plot against the claimed tCO2e.".to_owned(),
        };
        layout.para(SMALL, &scatter_caption);
        layout.gap(4.0);
        if let Some(s) = &scatter {
            layout.figure(MARGIN, TEXT_W, s);
        }
        let pages = layout.page_count() as i64;
        let mut metadata = krilla::metadata::Metadata::new()
            .title(format!(
                "Verification statement: batch {} v{} of {}",
                batch.id, batch.version, project.name
            ))
            .authors(vec![granted.user().to_owned()])
            .creator("MRV Desk".to_owned())
            .keywords(vec![
                format!("stamp {}", record.stamp_hash),
                format!("rows_root {}", stamp.rows.root),
            ]);
        if let Some(date) = pdf_date(&now) {
            metadata = metadata.creation_date(date);
        }
        let bytes = layout.finish(metadata)?;
        let sha: [u8; 32] = Sha256::digest(&bytes).into();
        let sha_hex = hex::encode(sha);

        mrv_store::insert_statement(
            &tx,
            &mrv_store::StatementRecord {
                id: statement_id,
                batch_id: batch.id,
                version: batch.version,
                stamp_hash: record.stamp_hash.clone(),
                sha256: sha_hex.clone(),
                size_bytes: bytes.len() as i64,
                pages,
                file_name: file_name.clone(),
                created_by: granted.user().to_owned(),
                created_at: now.clone(),
            },
        )?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "statement.create",
            &format!("batch:{}", batch.id),
            serde_json::json!({
                "statement": statement_id,
                "version": batch.version,
                "stamp_hash": record.stamp_hash,
                "sha256": sha_hex,
                "size_bytes": bytes.len(),
                "pages": pages,
                "file_name": file_name,
            }),
        )?;
        let entry = statement_anchor_entry(statement_id, sha)?;
        let anchor_id =
            mrv_store::queue_anchor(&tx, "statement", &record_id, Some(batch.id), &entry, &now)?;
        // The file goes into place before the commit; if the commit then fails, it is removed,
        // so no statement exists whose hash the workspace does not hold.
        crate::write_atomic(&req.output, &bytes, req.overwrite)?;
        if let Err(e) = tx.commit() {
            let _ = std::fs::remove_file(&req.output);
            return Err(AppError::Internal(e.to_string()));
        }
        // Recorded; anchoring now is a courtesy that may fail (offline it stays queued).
        if mrv_store::auditlog(self.ws.conn())?.is_some() {
            let _ = self.anchor_queued(session, anchor_id);
        }
        let anchor = mrv_store::anchor(self.ws.conn(), anchor_id)?.map(AnchorView::from);
        let mut figs = vec![
            StatementFigure {
                title: "Map".into(),
                caption: layer
                    .as_ref()
                    .map(|l| format!("Boundary and points by worst flag over {}", l.name))
                    .unwrap_or_else(|| "Boundary and points by worst flag".into()),
                width: map.width,
                height: map.height,
                png: map.png,
            },
            StatementFigure {
                title: "Claimed tCO2e per row".into(),
                caption: "Histogram of the claimed tCO2e".into(),
                width: histogram.width,
                height: histogram.height,
                png: histogram.png,
            },
        ];
        if let Some(s) = scatter {
            figs.push(StatementFigure {
                title: "Layer against claimed".into(),
                caption: scatter_caption,
                width: s.width,
                height: s.height,
                png: s.png,
            });
        }
        Ok(StatementView {
            statement_id,
            record_id,
            batch_id: batch.id,
            version: batch.version,
            project_name: project.name,
            path: req.output.display().to_string(),
            file_name,
            sha256: sha_hex,
            size_bytes: bytes.len() as i64,
            pages,
            created_by: granted.user().to_owned(),
            created_at: now,
            stamp_hash: record.stamp_hash,
            rows_root: stamp.rows.root,
            gross: quantities.gross.to_string(),
            buffer: quantities.buffer.to_string(),
            net: quantities.net.to_string(),
            flags: flags.len(),
            justifications: stamp.decision.justifications.len(),
            qr_payload: qr,
            anchor,
            figures: figs,
        })
    }

    /// Recomputes the SHA-256 of a statement PDF and checks it against the workspace: a
    /// statement recorded with that hash, its `statement.create` journal event, and its anchor
    /// (the entry names this hash; once anchored, the receipt proves the entry under the pinned
    /// log key). A file changed by a single byte matches no record and fails.
    pub fn verify_statement(
        &self,
        session: &Session,
        file: &Path,
    ) -> Result<StatementCheck, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let bytes = {
            use std::io::Read;
            let mut f = crate::files::open_input(file, "statement")?;
            let mut buf = Vec::new();
            f.read_to_end(&mut buf)
                .map_err(|e| AppError::Io(format!("{}: {e}", file.display())))?;
            buf
        };
        let sha: [u8; 32] = Sha256::digest(&bytes).into();
        let sha_hex = hex::encode(sha);
        let mut checks = Vec::new();
        let mut check = |what: &str, ok: bool, detail: String| {
            checks.push(Check {
                what: what.to_owned(),
                ok,
                detail,
            })
        };
        let found = mrv_store::statements_by_sha256(self.ws.conn(), &sha_hex)?;
        let Some(s) = found.last().cloned() else {
            check(
                "record",
                false,
                format!(
                    "the file's SHA-256 {sha_hex} matches no statement this workspace recorded: it was changed after it was made, or it is not one of this workspace's statements"
                ),
            );
            return Ok(StatementCheck {
                ok: false,
                file: file.display().to_string(),
                sha256: sha_hex,
                statement: None,
                checks,
            });
        };
        let record_id = statement_record_id(s.id);
        check(
            "record",
            true,
            format!(
                "statement {} of batch {} v{} (stamp {}), made by {} at {} as {}",
                s.id, s.batch_id, s.version, s.stamp_hash, s.created_by, s.created_at, s.file_name
            ),
        );
        let mut journaled = false;
        mrv_store::each_journal_event(self.ws.conn(), &mut |e| {
            journaled = e.action == "statement.create"
                && serde_json::from_str::<serde_json::Value>(&e.payload_json)
                    .ok()
                    .is_some_and(|p| {
                        p["statement"].as_i64() == Some(s.id)
                            && p["sha256"].as_str() == Some(sha_hex.as_str())
                    });
            !journaled
        })?;
        check(
            "journal",
            journaled,
            if journaled {
                "the journal's statement.create event names this SHA-256".to_owned()
            } else {
                "no statement.create event in the journal names this statement and SHA-256"
                    .to_owned()
            },
        );
        let anchor = mrv_store::statement_anchor(self.ws.conn(), s.id)?;
        match &anchor {
            None => check(
                "anchor",
                false,
                format!("{record_id} was never queued for the audit log"),
            ),
            Some(a) => {
                let entry_ok = AnchorEntry::parse(&a.entry).is_ok_and(|e| {
                    e.kind == AnchorKind::Statement && e.id == record_id && e.sha256 == sha
                });
                if !entry_ok {
                    check(
                        "anchor",
                        false,
                        format!("the queued entry of {record_id} does not name this SHA-256"),
                    );
                } else if a.state != "anchored" {
                    check(
                        "anchor",
                        true,
                        format!(
                            "{record_id} is {} (not yet in the log){}",
                            a.state,
                            a.last_error
                                .as_deref()
                                .map(|e| format!(": {e}"))
                                .unwrap_or_default()
                        ),
                    );
                } else {
                    let log = mrv_store::auditlog(self.ws.conn())?;
                    let verified = match (&log, &a.receipt) {
                        (Some(log), Some(receipt)) => {
                            crate::verify_receipt(&record_id, receipt, &log.vkey, Some(&a.entry))
                                .map(|r| r.index)
                                .map_err(|e| e.to_string())
                        }
                        _ => Err("no receipt or no pinned log".to_owned()),
                    };
                    match verified {
                        Ok(index) => check(
                            "anchor",
                            true,
                            format!(
                                "{record_id} is anchored in {} at index {index} (checkpoint size {}); its receipt proves this SHA-256 under the pinned log key",
                                a.origin.as_deref().unwrap_or("?"),
                                a.checkpoint_size.unwrap_or_default()
                            ),
                        ),
                        Err(e) => check(
                            "anchor",
                            false,
                            format!("{record_id}: the stored receipt does not verify: {e}"),
                        ),
                    }
                }
            }
        }
        let project_name = self
            .batch_by_id(s.batch_id)
            .map(|b| b.project_name)
            .unwrap_or_default();
        let stamp = self.stamp_record(s.batch_id).ok();
        let rows_root = stamp
            .as_ref()
            .and_then(|r| Stamp::from_canonical_bytes(&r.document).ok())
            .map(|st| st.rows.root)
            .unwrap_or_default();
        let ok = checks.iter().all(|c| c.ok);
        Ok(StatementCheck {
            ok,
            file: file.display().to_string(),
            sha256: sha_hex.clone(),
            statement: Some(StatementView {
                statement_id: s.id,
                record_id,
                batch_id: s.batch_id,
                version: s.version,
                project_name,
                path: String::new(),
                file_name: s.file_name,
                sha256: sha_hex,
                size_bytes: s.size_bytes,
                pages: s.pages,
                created_by: s.created_by,
                created_at: s.created_at,
                stamp_hash: s.stamp_hash,
                rows_root,
                gross: String::new(),
                buffer: String::new(),
                net: String::new(),
                flags: 0,
                justifications: 0,
                qr_payload: String::new(),
                anchor: anchor.map(AnchorView::from),
                figures: Vec::new(),
            }),
            checks,
        })
    }
}

/// Everything the text pages say.
struct Facts<'a> {
    statement_id: i64,
    record_id: &'a str,
    made_by: &'a str,
    made_at: &'a str,
    stamp: &'a Stamp,
    stamp_hash: &'a str,
    signature_valid: bool,
    signer_key: &'a str,
    project: &'a mrv_store::ProjectRecord,
    quantities: &'a crate::QuantitiesView,
    flags: &'a FlagTable,
    flag_count: usize,
    history: &'a [HistoryEntry],
    anchor: Option<&'a mrv_store::AnchorRecord>,
    qr: &'a str,
}

impl Facts<'_> {
    fn text_pages(&self, l: &mut Layout<'_>) -> Result<(), AppError> {
        let st = self.stamp;
        l.para(TITLE, "Verification statement");
        l.para(
            HEADING,
            &format!(
                "{} — batch {} version {}",
                st.project.name, st.batch.id, st.batch.version
            ),
        );
        l.gap(2.0);
        l.para(
            SMALL,
            &format!(
                "Statement no. {} made by {} at {}. Its SHA-256 is recorded in the workspace and anchored to the audit log as kind statement, id {}.",
                self.statement_id, self.made_by, self.made_at, self.record_id
            ),
        );

        l.heading("Project, period and methodology");
        l.field(
            "Project",
            &format!("{} (id {})", st.project.name, st.project.id),
        );
        if let Some(c) = &self.project.country {
            l.field("Country", c);
        }
        if let Some(d) = &self.project.developer {
            l.field("Developer", d);
        }
        l.field(
            "Monitoring period",
            &format!("{} to {}", st.period.start, st.period.end),
        );
        l.field(
            "Methodology",
            &format!("{} version {}", st.methodology.id, st.methodology.version),
        );
        l.field("Profile SHA-256", &st.methodology.profile_sha256);
        l.field("Boundary SHA-256", &st.project.boundary_sha256);

        let q = self.quantities;
        l.heading("Data summary");
        l.field(
            "Source file",
            &format!(
                "{} ({}, {})",
                st.source.name, st.source.format, st.source.crs
            ),
        );
        l.field("Source SHA-256", &st.source.sha256);
        l.field("Rows", &st.rows.count.to_string());
        l.field("Claimed field", &q.claimed_field);
        l.field("Gross claimed", &format!("{} tCO2e", q.gross));
        l.field(
            "Buffer",
            &format!("{} tCO2e ({} %)", q.buffer, q.buffer_percent),
        );
        l.field("Net issuable", &format!("{} tCO2e", q.net));
        l.field(
            "Materiality",
            &format!(
                "{} % of gross = {} tCO2e; {} material row(s)",
                q.materiality_percent,
                q.materiality_threshold,
                q.material.len()
            ),
        );
        for line in &q.derivation {
            l.para_indented(118.0, SMALL, line);
        }

        l.heading("Decision");
        l.field(
            "Decision",
            &format!(
                "approved by {} at {}",
                st.decision.verifier, st.decision.approved_at
            ),
        );
        l.field("Signer key", self.signer_key);
        l.field(
            "Signature",
            if self.signature_valid {
                "Ed25519 over the stamp document; verified against the signer key when this statement was made"
            } else {
                "Ed25519 over the stamp document; it did NOT verify when this statement was made"
            },
        );
        let reasons: Vec<String> = self
            .history
            .iter()
            .filter_map(|h| {
                h.reason_code.as_ref().map(|code| {
                    format!(
                        "batch {} v{} {} by {} at {}: {code}{}",
                        h.batch_id,
                        h.version,
                        h.action,
                        h.user.as_deref().unwrap_or("?"),
                        h.at,
                        h.reason_text
                            .as_deref()
                            .map(|t| format!(" — {t}"))
                            .unwrap_or_default()
                    )
                })
            })
            .collect();
        if reasons.is_empty() {
            l.field(
                "Reason codes",
                "none: no version of this batch was rejected",
            );
        } else {
            l.field("Reason codes", &reasons.join("\n"));
        }
        l.field(
            "Justifications",
            &format!(
                "{} ({} flag(s) raised; the flags by check and every justification follow on the next page)",
                st.decision.justifications.len(),
                self.flag_count
            ),
        );

        l.heading("Stamp and anchor");
        l.field("Stamp spec", &st.spec);
        l.field("Stamp hash", self.stamp_hash);
        l.field("Rows root", &st.rows.root);
        match self.anchor {
            Some(a) if a.state == "anchored" => {
                l.field("Log origin", a.origin.as_deref().unwrap_or("?"));
                l.field(
                    "Log index",
                    &a.log_index.map(|i| i.to_string()).unwrap_or_default(),
                );
                l.field(
                    "Checkpoint size",
                    &a.checkpoint_size.map(|i| i.to_string()).unwrap_or_default(),
                );
                l.field("Anchored at", a.anchored_at.as_deref().unwrap_or("?"));
            }
            Some(a) => l.field(
                "Anchor",
                &format!(
                    "batch-{}-v{} is {} — not yet in the audit log when this statement was made",
                    st.batch.id, st.batch.version, a.state
                ),
            ),
            None => l.field("Anchor", "no anchor queued"),
        }

        l.heading("Re-verify offline");
        let side = 104.0;
        l.ensure(side + 10.0);
        let top = l.y + 4.0;
        l.qr(MARGIN + TEXT_W - side, top, side, self.qr)?;
        let text_w = TEXT_W - side - 14.0;
        let steps = [
            format!(
                "1. Export the stamp: mrv --as USER stamp export {} -o stamp-{}/",
                st.batch.id, st.batch.id
            ),
            format!(
                "2. Verify it against the original files: mrv verify-stamp stamp-{}/ --source {} --layer FILE… --signer-key KEY --log-vkey VKEY",
                st.batch.id, st.source.name
            ),
            format!(
                "3. The stamp hash it prints must be {}.",
                self.stamp_hash
            ),
            "4. This PDF's own SHA-256 is anchored as kind statement: mrv --as USER verify-statement FILE checks it against the workspace and its receipt.".to_owned(),
            "The QR code holds:".to_owned(),
        ];
        let start = l.y;
        for s in &steps {
            for line in l.wrap(s, SMALL, text_w) {
                l.y += SMALL.size * 1.4;
                let y = l.y - 2.0;
                l.text_at(MARGIN, y, SMALL, &line);
            }
            l.y += 2.0;
        }
        // The URI one part a line (`?` and `&` start a part), so no part is broken.
        let mut part = String::new();
        let mut parts = Vec::new();
        for c in self.qr.chars() {
            if (c == '?' || c == '&') && !part.is_empty() {
                parts.push(std::mem::take(&mut part));
            }
            part.push(c);
        }
        parts.push(part);
        for p in parts {
            l.y += SMALL.size * 1.3;
            let y = l.y - 2.0;
            l.text_at(MARGIN + 8.0, y, SMALL, &p);
        }
        l.y = l.y.max(start + side + 8.0);

        // Flags and justifications.
        l.new_page();
        l.heading("Flags by check and severity");
        let cols = [230.0, 300.0, 370.0, 440.0];
        l.ensure(BODY.size * 2.0);
        l.y += BODY.size * 1.4;
        let y = l.y;
        l.text_at(MARGIN, y, STRONG, "Check");
        for (x, h) in cols.iter().zip(["high", "medium", "low", "total"]) {
            l.text_at(MARGIN + x, y, STRONG, h);
        }
        let mut totals = [0u64; 3];
        for (check, n) in &self.flags.rows {
            l.ensure(BODY.size * 1.4);
            l.y += BODY.size * 1.4;
            let y = l.y;
            l.text_at(MARGIN, y, BODY, check);
            for (i, v) in n.iter().enumerate() {
                totals[i] += v;
                l.text_at(MARGIN + cols[i], y, BODY, &v.to_string());
            }
            l.text_at(
                MARGIN + cols[3],
                y,
                BODY,
                &n.iter().sum::<u64>().to_string(),
            );
        }
        l.y += BODY.size * 1.5;
        let y = l.y;
        l.text_at(MARGIN, y, STRONG, "All checks");
        for (i, v) in totals.iter().enumerate() {
            l.text_at(MARGIN + cols[i], y, STRONG, &v.to_string());
        }
        l.text_at(
            MARGIN + cols[3],
            y,
            STRONG,
            &totals.iter().sum::<u64>().to_string(),
        );
        if self.flags.rows.is_empty() {
            l.para(BODY, "No check raised a flag.");
        }

        l.heading("Justifications");
        if st.decision.justifications.is_empty() {
            l.para(BODY, "None: no flag or material row needed one.");
        }
        for j in &st.decision.justifications {
            l.ensure(BODY.size * 4.0);
            l.gap(3.0);
            l.para(
                STRONG,
                &format!(
                    "Row {} — {}{}{}",
                    j.row,
                    j.check,
                    j.severity
                        .as_deref()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default(),
                    if q.is_material(j.row) {
                        " — material"
                    } else {
                        ""
                    }
                ),
            );
            l.para_indented(12.0, BODY, &j.text);
        }
        Ok(())
    }
}

/// The map's legend: the points by worst flag with their counts, and the overlay's ramp or
/// classes.
fn legend(
    l: &mut Layout<'_>,
    counts: &[usize; 4],
    layer: Option<&mrv_store::LayerRecord>,
    style: Option<&mrv_core::OverlayStyle>,
) {
    l.ensure(BODY.size * 3.0);
    l.y += BODY.size * 1.4;
    let y = l.y;
    l.text_at(MARGIN, y, STRONG, "Points by worst flag");
    let mut x = MARGIN + 120.0;
    for i in 0..4 {
        l.rect(x, y - 7.5, 8.0, 8.0, WORST_FLAG_COLOURS[i]);
        let text = format!("{} ({})", WORST_FLAG_LABELS[i], counts[i]);
        l.text_at(x + 11.0, y, BODY, &text);
        x += 11.0 + l.width(&text, BODY) + 14.0;
    }
    l.gap(6.0);
    let (Some(layer), Some(style)) = (layer, style) else {
        return;
    };
    l.y += BODY.size * 1.4;
    let y = l.y;
    let title = format!(
        "Overlay: {} ({}{})",
        layer.name,
        layer.kind,
        style
            .unit
            .as_deref()
            .map(|u| format!(", {u}"))
            .unwrap_or_default()
    );
    l.text_at(MARGIN, y, STRONG, &title);
    match style.kind {
        StyleKind::Ramp => {
            let stops: Vec<&mrv_core::StyleStop> =
                style.stops.iter().filter(|s| s.value.is_finite()).collect();
            let (Some(lo), Some(hi)) = (
                stops.iter().map(|s| s.value).reduce(f64::min),
                stops.iter().map(|s| s.value).reduce(f64::max),
            ) else {
                return;
            };
            let (x0, w) = (MARGIN + 10.0, TEXT_W - 20.0);
            l.y += 6.0;
            let top = l.y;
            const STEPS: usize = 120;
            for i in 0..STEPS {
                let v = lo + (hi - lo) * (i as f64 + 0.5) / STEPS as f64;
                let c = style.colour(v);
                l.rect(
                    x0 + w * i as f32 / STEPS as f32,
                    top,
                    w / STEPS as f32 + 0.3,
                    10.0,
                    [c[0], c[1], c[2]],
                );
            }
            l.y += 10.0 + SMALL.size * 1.4;
            let y = l.y;
            for s in &stops {
                let t = if hi > lo {
                    ((s.value - lo) / (hi - lo)) as f32
                } else {
                    0.0
                };
                let tw = l.width(&s.label, SMALL);
                l.text_at(x0 + w * t - tw / 2.0, y, SMALL, &s.label);
            }
        }
        StyleKind::Classes => {
            let mut x = MARGIN;
            l.y += 4.0;
            for s in &style.stops {
                let tw = l.width(&s.label, SMALL) + 26.0;
                if x + tw > MARGIN + TEXT_W {
                    x = MARGIN;
                    l.y += SMALL.size * 1.6;
                }
                let y = l.y + SMALL.size * 1.4;
                l.rect(x, y - 7.0, 8.0, 8.0, s.rgb);
                l.text_at(x + 11.0, y, SMALL, &s.label);
                x += tw;
            }
            l.y += SMALL.size * 1.6;
        }
    }
}
