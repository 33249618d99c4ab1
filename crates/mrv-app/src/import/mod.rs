//! Importing a measurement batch: all or nothing, streaming, with a full problem report.
//!
//! The file is hashed first (an identical file already imported for the project and period is
//! refused), then streamed once: each row is validated and written inside one `BEGIN IMMEDIATE`
//! transaction while the bytes are copied into the content-addressed store. Any problem rolls
//! the transaction back, so a bad file — or a killed process — leaves no batch behind.

mod csv_source;
mod geojson_source;
mod layout;
mod sink;

use crate::batches::BatchView;
use crate::projects::file_name;
use crate::{clock, AppError, Mrv};
use mrv_core::{ImportReport, MonitoringPeriod};
use mrv_geo::ToWgs84;
use mrv_store::{BatchWriter, BlobWriter, NewBatch, StoredFile};
use serde::{Deserialize, Serialize};
use sink::Sink;
use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    GeoJson,
}

fn format_of(path: &Path) -> Result<Format, AppError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => Ok(Format::Csv),
        "geojson" | "json" => Ok(Format::GeoJson),
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
    read: &'a Cell<u64>,
}

impl Read for SourceReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.blob
            .write_all(&buf[..n])
            .map_err(std::io::Error::other)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

impl Mrv {
    /// Reads a file's columns and the first rows and matches them against the project's profile.
    pub fn preview_import(
        &self,
        file: &Path,
        project_id: i64,
        mapping: &[ColumnMapping],
    ) -> Result<ImportPreview, AppError> {
        let profile = self.project_profile(project_id)?;
        let format = format_of(file)?;
        let name = file.display().to_string();
        let handle =
            File::open(file).map_err(|e| AppError::InvalidInput(format!("{name}: {e}")))?;
        let size_bytes = handle.metadata().map(|m| m.len()).unwrap_or(0);
        let (columns, sample_rows) = match format {
            Format::Csv => {
                let mut csv_file = csv_source::open(handle, &name)
                    .map_err(|p| AppError::rejected(&name, ImportReport::single(p)))?;
                let mut rows = Vec::new();
                let mut record = csv::StringRecord::new();
                while rows.len() < 5 && csv_file.reader.read_record(&mut record).unwrap_or(false) {
                    rows.push(record.iter().map(str::to_owned).collect());
                }
                (csv_file.headers, rows)
            }
            Format::GeoJson => {
                let mut columns: Vec<String> = Vec::new();
                let mut props = Vec::new();
                let _ = geojson_source::stream_features(
                    std::io::BufReader::new(handle),
                    &mut |i, feature| {
                        let p = feature.properties.unwrap_or_default();
                        for k in p.keys() {
                            if !columns.contains(k) {
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
                                    .map(|v| {
                                        v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                                    })
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
            format: if format == Format::Csv {
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

    /// Imports a batch, all or nothing. `on_progress` is called every few thousand rows; answering
    /// [`Progress::Cancel`] stops the import and writes nothing.
    pub fn import(
        &mut self,
        req: &ImportRequest,
        on_progress: &mut dyn FnMut(&ImportProgress) -> Progress,
    ) -> Result<BatchView, AppError> {
        let period = MonitoringPeriod::parse(&req.period).map_err(AppError::InvalidInput)?;
        let project = self.project_record(req.project_id)?;
        let profile = self.project_profile(req.project_id)?;
        let format = format_of(&req.file)?;
        let shown = req.file.display().to_string();
        let transform = req.crs.as_deref().map(ToWgs84::new).transpose()?;
        let file =
            File::open(&req.file).map_err(|e| AppError::InvalidInput(format!("{shown}: {e}")))?;
        let bytes_total = file
            .metadata()
            .map_err(|e| AppError::Io(format!("{shown}: {e}")))?
            .len();
        let sha256 = mrv_store::sha256_file(&req.file)?;
        let (start, end) = (period.start.to_string(), period.end.to_string());
        if let Some(existing) =
            mrv_store::find_batch_by_source(self.ws.conn(), project.id, &start, &end, &sha256)?
        {
            return Err(AppError::DuplicateImport {
                file: shown,
                existing_batch: existing,
            });
        }
        let now = clock::now().to_string();
        let header = NewBatch {
            project_id: project.id,
            version: 1,
            supersedes_batch_id: None,
            period_start: start.clone(),
            period_end: end.clone(),
            source_name: file_name(&req.file),
            source_format: if format == Format::Csv {
                "csv"
            } else {
                "geojson"
            }
            .into(),
            source_crs: req.crs.clone().unwrap_or_else(|| "EPSG:4326".into()),
            column_map_json: serde_json::to_string(&req.mapping)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            state: mrv_core::BatchState::Imported.as_str().into(),
            imported_at: now,
        };
        let mut blob = self.ws.blob_writer()?;
        let read = Cell::new(0u64);
        // A bigger page cache keeps the record-id index in memory while the batch is written.
        self.ws
            .conn()
            .pragma_update(None, "cache_size", -65_536)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let conn = self.ws.conn();
        let source_name = header.source_name.clone();
        let writer = BatchWriter::begin(
            conn,
            &header,
            &StoredFile {
                sha256: &sha256,
                original_name: &source_name,
                size: bytes_total,
            },
        )?;
        let mut sink = Sink::new(&shown, &profile, period, transform.as_ref(), writer);
        let mut tick = |s: &Sink<'_, '_>| {
            on_progress(&ImportProgress {
                rows: s.rows_seen(),
                bytes_read: read.get(),
                bytes_total,
            }) == Progress::Continue
        };
        let source = SourceReader {
            file,
            blob: &mut blob,
            read: &read,
        };
        let columns = match format {
            Format::Csv => match csv_source::open(source, &shown) {
                Ok(csv_file) => csv_source::read_rows(
                    csv_file,
                    &shown,
                    &profile,
                    &req.mapping,
                    req.crs.is_some(),
                    &mut sink,
                    &mut tick,
                )?,
                Err(problem) => {
                    sink.problem(problem);
                    Vec::new()
                }
            },
            Format::GeoJson => {
                let mut buffered = std::io::BufReader::with_capacity(1 << 18, source);
                let columns = geojson_source::read_features(
                    &mut buffered,
                    &shown,
                    &profile,
                    &req.mapping,
                    transform.as_ref(),
                    &mut sink,
                    &mut tick,
                )?;
                // Copy whatever follows the JSON value so the stored blob is the whole file.
                std::io::copy(&mut buffered, &mut std::io::sink())
                    .map_err(|e| AppError::Io(format!("{shown}: {e}")))?;
                columns
            }
        };
        let (writer, report) = sink.finish()?;
        if !report.is_empty() {
            return Err(AppError::rejected(&shown, report));
        }
        on_progress(&ImportProgress {
            rows: writer.rows() as u64,
            bytes_read: read.get(),
            bytes_total,
        });
        let (stored_sha, _) = blob.finish()?;
        if stored_sha != sha256 {
            return Err(AppError::Io(format!(
                "{shown} changed while it was being imported; import it again"
            )));
        }
        mrv_store::add_period(writer.conn(), project.id, &start, &end)?;
        let columns_json =
            serde_json::to_string(&columns).map_err(|e| AppError::Internal(e.to_string()))?;
        let batch_id = writer.commit(&columns_json)?;
        self.batch(batch_id)
    }
}
