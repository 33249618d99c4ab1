//! Importing a measurement batch: all or nothing, streaming, with a full problem report.
//!
//! The file is streamed once by a reader thread, which copies the bytes into the
//! content-addressed store (hashing them), validates each row and sends valid rows in chunks to
//! the calling thread, which writes them inside one `BEGIN IMMEDIATE` transaction. Any problem —
//! including an identical file already imported for the project and period, known once the hash
//! is — rolls the transaction back, so a bad file, or a killed process, leaves no batch behind.

mod csv_guard;
mod csv_source;
mod geojson_source;
mod layout;
mod report_file;
pub(crate) mod sink;

pub use report_file::{
    import_report_csv, import_report_default_path, runs_as_formula, write_import_report,
};

use crate::batches::BatchView;
use crate::projects::file_name;
use crate::session::Session;
use crate::{clock, AppError, Mrv};
use mrv_core::{Action, Granted, ImportReport, MethodologyProfile, MonitoringPeriod};
use mrv_geo::ToWgs84;
use mrv_store::{BatchWriter, BlobWriter, NewBatch, StoredFile};
use serde::{Deserialize, Serialize};
use sink::{store_chunk, Chunk, MeasurementRow, Sink};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

/// `--map SOURCE=FIELD`: the source column `source` holds the profile field `field`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    pub source: String,
    pub field: String,
}

impl ColumnMapping {
    /// Parses `SOURCE=FIELD`.
    pub fn parse(text: &str) -> Result<ColumnMapping, AppError> {
        match text.split_once('=') {
            Some((s, f)) if !s.trim().is_empty() && !f.trim().is_empty() => Ok(ColumnMapping {
                source: s.trim().to_owned(),
                field: f.trim().to_owned(),
            }),
            _ => Err(AppError::InvalidInput(format!(
                "--map `{text}` must be SOURCE=FIELD, e.g. DBH=dbh_cm"
            ))),
        }
    }
}

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file: PathBuf,
    pub project_id: i64,
    /// `YYYY-MM-DD..YYYY-MM-DD`.
    pub period: String,
    /// CRS of the coordinates (e.g. `EPSG:32723`); WGS84 lon/lat when absent.
    pub crs: Option<String>,
    pub mapping: Vec<ColumnMapping>,
}

/// Progress of a running import.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ImportProgress {
    pub rows: u64,
    pub bytes_read: u64,
    pub bytes_total: u64,
}

/// What a progress callback answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Continue,
    Cancel,
}

/// The first look at a file before importing: its columns and how they match the profile.
#[derive(Debug, Clone, Serialize)]
pub struct ImportPreview {
    pub file: String,
    pub format: String,
    /// Source columns (CSV header, or GeoJSON property names of the first features).
    pub columns: Vec<String>,
    /// For each source column, the profile field or coordinate it is taken as (`None`: kept as an
    /// extra attribute).
    pub matched: Vec<Option<String>>,
    /// Required profile fields no column matches.
    pub missing_required: Vec<String>,
    /// The first rows, as text, aligned with `columns`.
    pub sample_rows: Vec<Vec<String>>,
    pub size_bytes: u64,
}

/// The kind of a measurement file, as its extension names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// `.csv`, `.tsv`, `.txt`: delimited text with a header row.
    Csv,
    /// `.geojson`, `.json`: a FeatureCollection of Points or plot Polygons.
    GeoJson,
}

/// How a measurement file is read: its name (as messages show it), its format, the column
/// mapping and the CRS of its coordinates (WGS84 lon/lat when `None`).
#[derive(Debug, Clone, Copy)]
pub struct MeasurementSource<'a> {
    pub name: &'a str,
    pub format: SourceFormat,
    pub mapping: &'a [ColumnMapping],
    pub crs: Option<&'a str>,
}

pub(crate) fn format_of(path: &Path) -> Result<SourceFormat, AppError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => Ok(SourceFormat::Csv),
        "geojson" | "json" => Ok(SourceFormat::GeoJson),
        _ => Err(AppError::InvalidInput(format!(
            "{}: unknown file type `.{ext}`; import takes .csv (or .tsv/.txt) and .geojson files",
            path.display()
        ))),
    }
}

/// Reads the source file while copying it into the blob store and counting bytes.
struct SourceReader<'a> {
    file: File,
    blob: &'a mut BlobWriter,
    read: &'a AtomicU64,
}

impl Read for SourceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.blob
            .write_all(&buf[..n])
            .map_err(std::io::Error::other)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Progress is reported about this often (rows).
const PROGRESS_EVERY: u64 = 16_384;

/// The reader thread's work: parse, validate and transform the whole source, sending valid rows
/// on through `send`. Returns the stored column names and the validation report.
pub(crate) fn read_source(
    source: impl Read,
    what: &MeasurementSource<'_>,
    profile: &MethodologyProfile,
    period: MonitoringPeriod,
    send: &mut dyn FnMut(Chunk, &mut Vec<MeasurementRow>) -> bool,
    tick: &mut dyn FnMut(&Sink<'_>) -> bool,
) -> Result<(Vec<String>, ImportReport), AppError> {
    let shown = what.name;
    // GDAL transformations are not Send: each thread makes its own.
    let transform = what.crs.map(ToWgs84::new).transpose()?;
    let mut sink = Sink::new(shown, profile, period, transform.as_ref(), send);
    let columns = match what.format {
        SourceFormat::Csv => match csv_source::open(source, shown) {
            Ok(csv_file) => csv_source::read_rows(
                csv_file,
                shown,
                profile,
                what.mapping,
                what.crs.is_some(),
                &mut sink,
                tick,
            )?,
            Err(problem) => {
                sink.problem(problem);
                Vec::new()
            }
        },
        SourceFormat::GeoJson => {
            let mut buffered = std::io::BufReader::with_capacity(1 << 18, source);
            let columns = geojson_source::read_features(
                &mut buffered,
                shown,
                profile,
                what.mapping,
                transform.as_ref(),
                &mut sink,
                tick,
            )?;
            // Copy whatever follows the JSON value so the stored blob is the whole file.
            std::io::copy(&mut buffered, &mut std::io::sink())
                .map_err(|e| AppError::Io(format!("{shown}: {e}")))?;
            columns
        }
    };
    Ok((columns, sink.finish()?))
}

impl Mrv {
    /// Reads a file's columns and the first rows and matches them against the project's profile.
    pub fn preview_import(
        &self,
        session: &Session,
        file: &Path,
        project_id: i64,
        mapping: &[ColumnMapping],
    ) -> Result<ImportPreview, AppError> {
        self.authorize(session, Action::ImportBatch)?;
        let profile = self.profile_of(project_id)?;
        let format = format_of(file)?;
        let name = file.display().to_string();
        let handle = crate::files::open_input(file, "measurement file")?;
        let size_bytes = handle.metadata().map(|m| m.len()).unwrap_or(0);
        let (columns, sample_rows) = match format {
            SourceFormat::Csv => {
                let mut csv_file = csv_source::open(handle, &name)
                    .map_err(|p| AppError::rejected(&name, ImportReport::single(p)))?;
                let mut rows = Vec::new();
                let mut record = csv::StringRecord::new();
                while rows.len() < 5 && csv_file.reader.read_record(&mut record).unwrap_or(false) {
                    rows.push(record.iter().map(str::to_owned).collect());
                }
                (csv_file.headers, rows)
            }
            SourceFormat::GeoJson => {
                let mut columns: Vec<String> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                let mut props = Vec::new();
                let _ = geojson_source::stream_features(
                    std::io::BufReader::new(handle),
                    &mut |i, feature| {
                        let p = feature.properties.unwrap_or_default();
                        for k in p.keys() {
                            if seen.insert(k.clone()) {
                                columns.push(k.clone());
                            }
                        }
                        props.push(p);
                        if i >= 5 {
                            Err("enough".into())
                        } else {
                            Ok(())
                        }
                    },
                );
                let rows = props
                    .iter()
                    .map(|p| {
                        columns
                            .iter()
                            .map(|c| {
                                p.get(c)
                                    .map(|v| geojson_source::property_text(v))
                                    .unwrap_or_default()
                            })
                            .collect()
                    })
                    .collect();
                (columns, rows)
            }
        };
        let matched: Vec<Option<String>> = columns
            .iter()
            .map(|c| {
                let t = layout::canonical_target(layout::target_of(c, mapping), &profile);
                (profile.field(&t).is_some() || ["lon", "lat", "x", "y"].contains(&t.as_str()))
                    .then_some(t)
            })
            .collect();
        let missing_required = profile
            .fields
            .iter()
            .filter(|f| f.required && !matched.iter().flatten().any(|m| m == &f.name))
            .map(|f| f.name.clone())
            .collect();
        Ok(ImportPreview {
            file: name,
            format: if format == SourceFormat::Csv {
                "csv"
            } else {
                "geojson"
            }
            .into(),
            columns,
            matched,
            missing_required,
            sample_rows,
            size_bytes,
        })
    }

    /// Imports a batch, all or nothing, as the signed-in user, who is recorded as its importer
    /// (and so may not review it), then enriches it (samples the project's layers and runs the
    /// checks; see [`Mrv::enrich`]). `on_progress` is called every few thousand rows of the
    /// import, then as the enrichment's passes go; answering [`Progress::Cancel`] during the
    /// import stops it and writes nothing.
    ///
    /// The import and the enrichment are two commits. Importing the same file again when its
    /// batch was imported but never enriched — an import killed between the two, or a bulk
    /// load's batch — enriches that batch and returns it, so running the interrupted command
    /// again finishes it; a file whose batch went further is still refused as a duplicate.
    pub fn import(
        &mut self,
        session: &Session,
        req: &ImportRequest,
        on_progress: &mut dyn FnMut(&ImportProgress) -> Progress,
    ) -> Result<BatchView, AppError> {
        let granted = self.authorize(session, Action::ImportBatch)?;
        let batch = match self.import_with(&granted, req, None, on_progress) {
            Err(AppError::DuplicateImport {
                file,
                existing_batch,
            }) => {
                let existing = self.batch_record(existing_batch)?;
                if existing.state != mrv_core::BatchState::Imported.as_str() {
                    return Err(AppError::DuplicateImport {
                        file,
                        existing_batch,
                    });
                }
                existing_batch
            }
            imported => imported?.id,
        };
        self.enrich_authorized(&granted, batch, on_progress)
    }

    /// The import alone, leaving the batch `imported` (for bulk loads that enrich later with
    /// [`Mrv::enrich`]).
    pub fn import_only(
        &mut self,
        session: &Session,
        req: &ImportRequest,
        on_progress: &mut dyn FnMut(&ImportProgress) -> Progress,
    ) -> Result<BatchView, AppError> {
        let granted = self.authorize(session, Action::ImportBatch)?;
        self.import_with(&granted, req, None, on_progress)
    }

    /// Imports a corrected file as the next version of a rejected batch (same project and
    /// period); the rejected batch stays as it was, and the new one links to it.
    pub fn import_version(
        &mut self,
        session: &Session,
        supersedes: i64,
        req: &ImportRequest,
        on_progress: &mut dyn FnMut(&ImportProgress) -> Progress,
    ) -> Result<BatchView, AppError> {
        let granted = self.authorize(session, Action::ImportBatch)?;
        let old = self.batch_record(supersedes)?;
        if old.state != mrv_core::BatchState::Rejected.as_str() {
            return Err(AppError::Conflict(format!(
                "batch {supersedes} is {}; only a rejected batch gets a corrected version",
                old.state
            )));
        }
        if mrv_store::list_batches(self.ws.conn(), Some(old.project_id))?
            .iter()
            .any(|b| b.supersedes_batch_id == Some(supersedes))
        {
            return Err(AppError::Conflict(format!(
                "batch {supersedes} already has a corrected version"
            )));
        }
        let period = format!("{}..{}", old.period_start, old.period_end);
        if req.project_id != old.project_id || req.period != period {
            return Err(AppError::InvalidInput(format!(
                "a new version of batch {supersedes} must be for its project {} and period {period}",
                old.project_id
            )));
        }
        let batch = self.import_with(&granted, req, Some((old.id, old.version)), on_progress)?;
        self.enrich_authorized(&granted, batch.id, on_progress)
    }

    /// The import itself, by the user `granted` was given to (recorded as the importer and in
    /// the journal); `supersedes` is the (id, version) of the rejected batch it corrects.
    fn import_with(
        &mut self,
        granted: &Granted,
        req: &ImportRequest,
        supersedes: Option<(i64, i64)>,
        on_progress: &mut dyn FnMut(&ImportProgress) -> Progress,
    ) -> Result<BatchView, AppError> {
        let period = MonitoringPeriod::parse(&req.period).map_err(AppError::InvalidInput)?;
        let project = self.project_record(req.project_id)?;
        let profile = self.profile_of(req.project_id)?;
        let format = format_of(&req.file)?;
        let shown = req.file.display().to_string();
        // Refuse an unknown CRS before anything is read (the reader thread makes its own).
        if let Some(crs) = &req.crs {
            ToWgs84::new(crs)?;
        }
        let file = crate::files::open_input(&req.file, "measurement file")?;
        let bytes_total = file
            .metadata()
            .map_err(|e| AppError::Io(format!("{shown}: {e}")))?
            .len();
        let (start, end) = (period.start.to_string(), period.end.to_string());
        let now = clock::now().to_string();
        let header = NewBatch {
            project_id: project.id,
            version: supersedes.map_or(1, |(_, v)| v + 1),
            supersedes_batch_id: supersedes.map(|(id, _)| id),
            period_start: start.clone(),
            period_end: end.clone(),
            source_name: file_name(&req.file),
            source_format: if format == SourceFormat::Csv {
                "csv"
            } else {
                "geojson"
            }
            .into(),
            source_crs: req.crs.clone().unwrap_or_else(|| "EPSG:4326".into()),
            column_map_json: serde_json::to_string(&req.mapping)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            state: mrv_core::BatchState::Imported.as_str().into(),
            imported_at: now.clone(),
            imported_by: Some(granted.user_id()),
        };
        let mut blob = self.ws.blob_writer()?;
        // A bigger page cache keeps the record-id index in memory while the batch is written.
        self.ws
            .conn()
            .pragma_update(None, "cache_size", -65_536)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut writer = BatchWriter::begin(self.ws.conn(), &header)?;

        // Two threads: this one owns the transaction and writes chunks of valid rows; a reader
        // thread parses, validates and transforms. They overlap, so the import costs about the
        // slower of the two rather than their sum. Each side keeps its own problem report.
        let bytes_read = AtomicU64::new(0);
        let rows_read = AtomicU64::new(0);
        let cancelled = AtomicBool::new(false);
        let (chunks_out, chunks_in) = mpsc::sync_channel::<Chunk>(4);
        let (rows_back, rows_returned) = mpsc::channel::<Vec<MeasurementRow>>();
        let mut store_report = ImportReport::default();
        let (columns, read_report) = std::thread::scope(|scope| -> Result<_, AppError> {
            // Owned here so that leaving early (cancel, database error) drops the receiver: a
            // reader blocked on a full channel then fails its send and stops, and the scope's
            // join cannot deadlock.
            let chunks_in = chunks_in;
            let reader = scope.spawn(|| {
                let (chunks_out, rows_returned) = (chunks_out, rows_returned);
                let source = SourceReader {
                    file,
                    blob: &mut blob,
                    read: &bytes_read,
                };
                let mut send = |chunk: Chunk, spare: &mut Vec<MeasurementRow>| {
                    spare.extend(rows_returned.try_iter().flatten());
                    chunks_out.send(chunk).is_ok()
                };
                let mut tick = |s: &Sink<'_>| {
                    rows_read.store(s.rows_seen(), Ordering::Relaxed);
                    !cancelled.load(Ordering::Relaxed)
                };
                let what = MeasurementSource {
                    name: &shown,
                    format,
                    mapping: &req.mapping,
                    crs: req.crs.as_deref(),
                };
                let read = read_source(source, &what, &profile, period, &mut send, &mut tick)?;
                // The copy's fsync overlaps with the last inserts instead of following them.
                if read.1.is_empty() {
                    blob.sync()?;
                }
                Ok(read)
            });
            let mut reported = 0u64;
            for chunk in chunks_in.iter() {
                store_chunk(
                    &mut writer,
                    &chunk,
                    &shown,
                    &profile.id_field,
                    &mut store_report,
                )?;
                // Hand the rows back to be refilled (and freed by the thread that made them).
                let _ = rows_back.send(chunk.rows);
                let rows = (writer.rows() as u64).max(rows_read.load(Ordering::Relaxed));
                if rows >= reported + PROGRESS_EVERY {
                    reported = rows;
                    let progress = ImportProgress {
                        rows,
                        bytes_read: bytes_read.load(Ordering::Relaxed),
                        bytes_total,
                    };
                    if on_progress(&progress) == Progress::Cancel {
                        cancelled.store(true, Ordering::Relaxed);
                        return Err(AppError::Cancelled);
                    }
                }
            }
            reader
                .join()
                .map_err(|_| AppError::Internal("the import reader thread panicked".into()))?
        })?;
        let report = read_report.merge(store_report);
        if !report.is_empty() {
            return Err(AppError::rejected(&shown, report));
        }
        on_progress(&ImportProgress {
            rows: writer.rows() as u64,
            bytes_read: bytes_read.load(Ordering::Relaxed),
            bytes_total,
        });
        // The hash is of exactly the bytes that were validated and stored. An identical file
        // already imported for this project and period is refused (inside the transaction, so
        // two concurrent imports cannot both pass).
        let (sha256, size) = blob.finish()?;
        if let Some(existing) =
            mrv_store::find_batch_by_source(writer.conn(), project.id, &start, &end, &sha256)?
        {
            return Err(AppError::DuplicateImport {
                file: shown,
                existing_batch: existing,
            });
        }
        mrv_store::add_period(writer.conn(), project.id, &start, &end)?;
        let columns_json =
            serde_json::to_string(&columns).map_err(|e| AppError::Internal(e.to_string()))?;
        let source = StoredFile {
            sha256: &sha256,
            original_name: &header.source_name,
            size,
        };
        // Still allowed now, inside the transaction that commits (not only at entry).
        crate::session::still_granted(writer.conn(), granted)?;
        crate::journal::append(
            writer.conn(),
            &now,
            granted.user(),
            "batch.import",
            &format!("batch:{}", writer.batch_id()),
            serde_json::json!({
                "source": header.source_name,
                "sha256": sha256,
                "rows": writer.rows(),
                "supersedes": header.supersedes_batch_id,
            }),
        )?;
        let batch_id = writer.commit(&source, &columns_json, &now)?;
        self.batch_by_id(batch_id)
    }
}

/// Reads a measurement file exactly as an import reads it — the format's parser (delimiter,
/// BOM, quoting and the record limits of a CSV file; a streamed FeatureCollection), the columns
/// resolved against `profile` and `what.mapping`, every row validated (types, units, dates
/// inside `period`, ids, coordinates, transformed from `what.crs` when given) — without a
/// workspace, and hands each valid row to `visit` in row order; an `Err` from `visit` stops
/// the read and is returned. Returns the stored column names and the validation report: an
/// empty report means the file imports, unless two rows share an id (the workspace's index
/// catches those). The import runs the same reader, its rows going to the database instead;
/// re-reading a stamped source and the importer's fuzz targets (`fuzz/`) come through here.
pub fn read_measurements(
    source: impl Read,
    what: &MeasurementSource<'_>,
    profile: &MethodologyProfile,
    period: MonitoringPeriod,
    visit: &mut dyn FnMut(&MeasurementRow) -> Result<(), AppError>,
) -> Result<(Vec<String>, ImportReport), AppError> {
    let mut failed: Option<AppError> = None;
    let mut send = |chunk: Chunk, spare: &mut Vec<MeasurementRow>| {
        if failed.is_none() {
            for row in &chunk.rows {
                if let Err(e) = visit(row) {
                    failed = Some(e);
                    break;
                }
            }
        }
        spare.extend(chunk.rows);
        failed.is_none()
    };
    let mut tick = |_: &Sink<'_>| true;
    let read = read_source(source, what, profile, period, &mut send, &mut tick);
    match failed {
        Some(e) => Err(e),
        None => read,
    }
}

/// Re-reads a source file exactly as an import reads it (format, validation against `profile`,
/// mapping, CRS) without storing anything, and hands each valid row to `visit` in row order.
/// A file with problems fails with the import's report. Returns the stored column names.
pub(crate) fn reread_source(
    path: &Path,
    profile: &MethodologyProfile,
    period: MonitoringPeriod,
    req: &ImportRequest,
    visit: &mut dyn FnMut(&MeasurementRow) -> Result<(), AppError>,
) -> Result<Vec<String>, AppError> {
    let shown = path.display().to_string();
    let what = MeasurementSource {
        name: &shown,
        format: format_of(path)?,
        mapping: &req.mapping,
        crs: req.crs.as_deref(),
    };
    let file = crate::files::open_input(path, "measurement file")?;
    let (columns, report) = read_measurements(file, &what, profile, period, visit)?;
    if !report.is_empty() {
        return Err(AppError::rejected(&shown, report));
    }
    Ok(columns)
}
