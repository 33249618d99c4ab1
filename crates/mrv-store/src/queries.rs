//! Typed reads and writes of projects, stored files, batches and measurements.

use crate::StoreError;
use mrv_core::Sample;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// How much a workspace holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkspaceCounts {
    pub projects: i64,
    pub batches: i64,
    pub measurements: i64,
}

/// Counts projects, batches and measurement rows. Rows are summed from the batch headers, so
/// this stays cheap however many millions of rows there are.
pub fn workspace_counts(conn: &Connection) -> Result<WorkspaceCounts, StoreError> {
    Ok(conn.query_row(
        "SELECT (SELECT COUNT(*) FROM project), (SELECT COUNT(*) FROM batch), (SELECT COALESCE(SUM(row_count), 0) FROM batch)",
        [],
        |r| Ok(WorkspaceCounts { projects: r.get(0)?, batches: r.get(1)?, measurements: r.get(2)? }),
    )?)
}

/// A project as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    pub id: i64,
    pub name: String,
    pub country: Option<String>,
    pub baseline_date: Option<String>,
    pub methodology_id: String,
    pub methodology_toml: String,
    pub boundary_geojson: String,
    pub boundary_file_sha256: String,
    pub created_at: String,
    /// CADT `projectDeveloper` (migration 0014); none for projects added before it was asked.
    pub developer: Option<String>,
}

const PROJECT_COLUMNS: &str = "id, name, country, baseline_date, methodology_id, methodology_toml, boundary_geojson, boundary_file_sha256, created_at, developer";

fn project_from_row(r: &Row<'_>) -> rusqlite::Result<ProjectRecord> {
    Ok(ProjectRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        country: r.get(2)?,
        baseline_date: r.get(3)?,
        methodology_id: r.get(4)?,
        methodology_toml: r.get(5)?,
        boundary_geojson: r.get(6)?,
        boundary_file_sha256: r.get(7)?,
        created_at: r.get(8)?,
        developer: r.get(9)?,
    })
}

/// Inserts a project (its `id` is ignored) and returns the new id.
pub fn insert_project(conn: &Connection, p: &ProjectRecord) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO project (name, country, baseline_date, methodology_id, methodology_toml, boundary_geojson, boundary_file_sha256, created_at, developer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![p.name, p.country, p.baseline_date, p.methodology_id, p.methodology_toml, p.boundary_geojson, p.boundary_file_sha256, p.created_at, p.developer],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Names a project's developer (CADT `projectDeveloper`); false when there is no such project.
pub fn set_project_developer(
    conn: &Connection,
    project_id: i64,
    developer: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE project SET developer = ?2 WHERE id = ?1",
        params![project_id, developer],
    )? == 1)
}

pub fn project_name_taken(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM project WHERE name = ?1)",
        [name],
        |r| r.get(0),
    )?)
}

pub fn list_projects(conn: &Connection) -> Result<Vec<ProjectRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {PROJECT_COLUMNS} FROM project ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([], project_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn get_project(conn: &Connection, id: i64) -> Result<Option<ProjectRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {PROJECT_COLUMNS} FROM project WHERE id = ?1"),
            [id],
            project_from_row,
        )
        .optional()?)
}

/// Monitoring periods of a project as (start, end), oldest first.
pub fn list_periods(
    conn: &Connection,
    project_id: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT start_date, end_date FROM monitoring_period WHERE project_id = ?1 ORDER BY start_date, end_date",
    )?;
    let rows = stmt
        .query_map([project_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn add_period(
    conn: &Connection,
    project_id: i64,
    start: &str,
    end: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO monitoring_period (project_id, start_date, end_date) VALUES (?1, ?2, ?3)",
        params![project_id, start, end],
    )?;
    Ok(())
}

/// Records a stored blob; recording the same hash twice keeps the first record.
pub fn record_stored_file(
    conn: &Connection,
    sha256: &str,
    original_name: &str,
    size: u64,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO stored_file (sha256, original_name, size_bytes, stored_at) VALUES (?1, ?2, ?3, ?4)",
        params![sha256, original_name, size as i64, now],
    )?;
    Ok(())
}

/// A measurement batch as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRecord {
    pub id: i64,
    pub project_id: i64,
    pub version: i64,
    pub supersedes_batch_id: Option<i64>,
    pub period_start: String,
    pub period_end: String,
    pub source_sha256: String,
    pub source_name: String,
    pub source_format: String,
    pub source_crs: String,
    pub column_map_json: String,
    pub columns_json: String,
    pub state: String,
    pub row_count: i64,
    pub first_row_id: i64,
    pub claimed_tco2e_total: f64,
    pub imported_at: String,
}

const BATCH_COLUMNS: &str = "id, project_id, version, supersedes_batch_id, period_start, period_end, source_sha256, source_name, source_format, source_crs, column_map_json, columns_json, state, row_count, first_row_id, claimed_tco2e_total, imported_at";

fn batch_from_row(r: &Row<'_>) -> rusqlite::Result<BatchRecord> {
    Ok(BatchRecord {
        id: r.get(0)?,
        project_id: r.get(1)?,
        version: r.get(2)?,
        supersedes_batch_id: r.get(3)?,
        period_start: r.get(4)?,
        period_end: r.get(5)?,
        source_sha256: r.get(6)?,
        source_name: r.get(7)?,
        source_format: r.get(8)?,
        source_crs: r.get(9)?,
        column_map_json: r.get(10)?,
        columns_json: r.get(11)?,
        state: r.get(12)?,
        row_count: r.get(13)?,
        first_row_id: r.get(14)?,
        claimed_tco2e_total: r.get(15)?,
        imported_at: r.get(16)?,
    })
}

pub fn list_batches(
    conn: &Connection,
    project_id: Option<i64>,
) -> Result<Vec<BatchRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {BATCH_COLUMNS} FROM batch WHERE ?1 IS NULL OR project_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([project_id], batch_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn get_batch(conn: &Connection, id: i64) -> Result<Option<BatchRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {BATCH_COLUMNS} FROM batch WHERE id = ?1"),
            [id],
            batch_from_row,
        )
        .optional()?)
}

/// The batch, if any, already imported from the same file for the same project and period.
pub fn find_batch_by_source(
    conn: &Connection,
    project_id: i64,
    start: &str,
    end: &str,
    sha256: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM batch WHERE project_id = ?1 AND period_start = ?2 AND period_end = ?3 AND source_sha256 = ?4",
            params![project_id, start, end, sha256],
            |r| r.get(0),
        )
        .optional()?)
}

/// One stored measurement row.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementRecord {
    /// 1-based position in the batch.
    pub index: i64,
    pub record_id: String,
    pub lon: f64,
    pub lat: f64,
    pub obs_date: String,
    pub claimed_tco2e: f64,
    pub values_json: String,
    pub geometry_json: Option<String>,
}

/// Rows `offset .. offset + limit` (0-based offset) of a batch, in file order.
pub fn measurement_page(
    conn: &Connection,
    batch: &BatchRecord,
    offset: i64,
    limit: i64,
) -> Result<Vec<MeasurementRecord>, StoreError> {
    let std::ops::Range { start, end } =
        crate::rows::row_ids(batch.first_row_id, batch.row_count, offset, limit);
    let mut stmt = conn.prepare_cached(
        "SELECT row_id, record_id, lon, lat, obs_date, claimed_tco2e, values_json, geometry_json
         FROM measurement WHERE row_id >= ?1 AND row_id < ?2 ORDER BY row_id",
    )?;
    let first = batch.first_row_id;
    let rows = stmt
        .query_map(params![start, end], |r| measurement_record(r, first))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A `measurement` row read as `row_id, record_id, lon, lat, obs_date, claimed_tco2e,
/// values_json, geometry_json`, numbered from the batch's `first` row id.
pub(crate) fn measurement_record(
    r: &rusqlite::Row<'_>,
    first: i64,
) -> rusqlite::Result<MeasurementRecord> {
    Ok(MeasurementRecord {
        index: r.get::<_, i64>(0)? - first + 1,
        record_id: r.get(1)?,
        lon: r.get(2)?,
        lat: r.get(3)?,
        obs_date: r.get(4)?,
        claimed_tco2e: r.get(5)?,
        values_json: r.get(6)?,
        geometry_json: r.get(7)?,
    })
}

/// Header of a batch being written; `row_count`, `first_row_id` and the total are filled in by
/// [`BatchWriter::commit`].
#[derive(Debug, Clone)]
pub struct NewBatch {
    pub project_id: i64,
    pub version: i64,
    pub supersedes_batch_id: Option<i64>,
    pub period_start: String,
    pub period_end: String,
    pub source_name: String,
    pub source_format: String,
    pub source_crs: String,
    pub column_map_json: String,
    pub state: String,
    pub imported_at: String,
    /// The signed-in user who imported it.
    pub imported_by: Option<i64>,
}

/// One row to write.
#[derive(Debug, Clone, Copy)]
pub struct NewMeasurement<'a> {
    pub record_id: &'a str,
    pub lon: f64,
    pub lat: f64,
    pub obs_date: &'a str,
    pub claimed_tco2e: f64,
    pub values_json: &'a str,
    pub geometry_json: Option<&'a str>,
}

/// Outcome of [`BatchWriter::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Stored,
    /// The record id is already in this batch, first at this 1-based row.
    DuplicateOf(i64),
}

/// The stored source file of a batch.
#[derive(Debug, Clone, Copy)]
pub struct StoredFile<'a> {
    pub sha256: &'a str,
    pub original_name: &'a str,
    pub size: u64,
}

/// Writes one batch and its rows inside a single `BEGIN IMMEDIATE` transaction. Dropping the
/// writer without [`BatchWriter::commit`] rolls everything back; a killed process leaves nothing
/// because SQLite discards the uncommitted transaction on the next open.
///
/// The source file's hash is only known once it has been streamed, so the batch header is
/// inserted with a placeholder source (the foreign key is deferred) and completed at commit.
pub struct BatchWriter<'c> {
    conn: &'c Connection,
    insert: rusqlite::Statement<'c>,
    batch_id: i64,
    first_row_id: i64,
    next_row_id: i64,
    claimed_total: f64,
    columns: ColumnBytes,
    open: bool,
}

/// The batch's columns as they are written: little-endian binary64 per row.
#[derive(Default)]
struct ColumnBytes {
    lon: Vec<u8>,
    lat: Vec<u8>,
    claimed: Vec<u8>,
    has_plots: bool,
}

impl<'c> BatchWriter<'c> {
    /// Begins the transaction and inserts the batch header.
    pub fn begin(conn: &'c Connection, header: &NewBatch) -> Result<BatchWriter<'c>, StoreError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        // From here on, an error return drops `rollback` and so rolls back.
        let rollback = RollbackGuard(conn);
        let first_row_id: i64 = conn.query_row(
            "SELECT COALESCE(MAX(row_id), 0) + 1 FROM measurement",
            [],
            |r| r.get(0),
        )?;
        conn.execute(
            "INSERT INTO batch (project_id, version, supersedes_batch_id, period_start, period_end, source_sha256, source_name, source_format, source_crs, column_map_json, columns_json, state, row_count, first_row_id, claimed_tco2e_total, imported_at, imported_by)
             VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, ?7, ?8, ?9, '[]', ?10, 0, ?11, 0, ?12, ?13)",
            params![header.project_id, header.version, header.supersedes_batch_id, header.period_start, header.period_end, header.source_name, header.source_format, header.source_crs, header.column_map_json, header.state, first_row_id, header.imported_at, header.imported_by],
        )?;
        let batch_id = conn.last_insert_rowid();
        let insert = conn.prepare(
            "INSERT INTO measurement (row_id, batch_id, record_id, lon, lat, obs_date, claimed_tco2e, values_json, geometry_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        std::mem::forget(rollback);
        Ok(BatchWriter {
            conn,
            insert,
            batch_id,
            first_row_id,
            next_row_id: first_row_id,
            claimed_total: 0.0,
            columns: ColumnBytes::default(),
            open: true,
        })
    }

    pub fn batch_id(&self) -> i64 {
        self.batch_id
    }

    pub fn push(&mut self, m: &NewMeasurement<'_>) -> Result<Pushed, StoreError> {
        let result = self.insert.execute(params![
            self.next_row_id,
            self.batch_id,
            m.record_id,
            m.lon,
            m.lat,
            m.obs_date,
            m.claimed_tco2e,
            m.values_json,
            m.geometry_json
        ]);
        match result {
            Ok(_) => {
                self.next_row_id += 1;
                self.claimed_total += m.claimed_tco2e;
                let c = &mut self.columns;
                c.lon.extend_from_slice(&m.lon.to_le_bytes());
                c.lat.extend_from_slice(&m.lat.to_le_bytes());
                c.claimed.extend_from_slice(&m.claimed_tco2e.to_le_bytes());
                c.has_plots |= m.geometry_json.is_some();
                Ok(Pushed::Stored)
            }
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                let first: i64 = self.conn.query_row(
                    "SELECT row_id FROM measurement WHERE batch_id = ?1 AND record_id = ?2",
                    params![self.batch_id, m.record_id],
                    |r| r.get(0),
                )?;
                Ok(Pushed::DuplicateOf(first - self.first_row_id + 1))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Rows stored so far.
    pub fn rows(&self) -> i64 {
        self.next_row_id - self.first_row_id
    }

    /// The connection, for checks inside the open transaction.
    pub fn conn(&self) -> &Connection {
        self.conn
    }

    /// Records the source file, fills in the counts, source and final column list, and commits;
    /// returns the batch id.
    pub fn commit(
        mut self,
        source: &StoredFile<'_>,
        columns_json: &str,
        now: &str,
    ) -> Result<i64, StoreError> {
        record_stored_file(
            self.conn,
            source.sha256,
            source.original_name,
            source.size,
            now,
        )?;
        self.conn.execute(
            "UPDATE batch SET row_count = ?1, claimed_tco2e_total = ?2, columns_json = ?3, source_sha256 = ?4 WHERE id = ?5",
            params![self.rows(), self.claimed_total, columns_json, source.sha256, self.batch_id],
        )?;
        // Room made with zeroblobs and filled through the blob handle: SQLite does not take a
        // second copy of the columns, which keeps a million-row import's memory down.
        let c = &self.columns;
        self.conn.execute(
            "INSERT INTO batch_columns (batch_id, lon, lat, claimed_tco2e, has_plots) VALUES (?1, zeroblob(?2), zeroblob(?2), zeroblob(?2), ?3)",
            params![self.batch_id, c.lon.len() as i64, c.has_plots],
        )?;
        let rowid = self.batch_id;
        for (column, bytes) in [
            ("lon", &c.lon),
            ("lat", &c.lat),
            ("claimed_tco2e", &c.claimed),
        ] {
            self.conn
                .blob_open("main", "batch_columns", column, rowid, false)?
                .write_at(bytes, 0)?;
        }
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(self.batch_id)
    }
}

/// Rolls back an open transaction when dropped (used until a [`BatchWriter`] owns it).
struct RollbackGuard<'c>(&'c Connection);

impl Drop for RollbackGuard<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("ROLLBACK");
    }
}

impl Drop for BatchWriter<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A registered raster layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRecord {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub kind: String,
    pub band: i64,
    pub acquired_on: Option<String>,
    pub file_sha256: String,
    pub source_name: String,
    pub width: i64,
    pub height: i64,
    pub data_type: String,
    pub nodata: Option<f64>,
    pub crs_name: String,
    pub registered_at: String,
}

const LAYER_COLUMNS: &str = "id, project_id, name, kind, band, acquired_on, file_sha256, source_name, width, height, data_type, nodata, crs_name, registered_at";

fn layer_from_row(r: &Row<'_>) -> rusqlite::Result<LayerRecord> {
    Ok(LayerRecord {
        id: r.get(0)?,
        project_id: r.get(1)?,
        name: r.get(2)?,
        kind: r.get(3)?,
        band: r.get(4)?,
        acquired_on: r.get(5)?,
        file_sha256: r.get(6)?,
        source_name: r.get(7)?,
        width: r.get(8)?,
        height: r.get(9)?,
        data_type: r.get(10)?,
        nodata: r.get(11)?,
        crs_name: r.get(12)?,
        registered_at: r.get(13)?,
    })
}

/// Inserts a layer (its `id` is ignored); its file must be recorded in the same transaction.
pub fn insert_layer(conn: &Connection, l: &LayerRecord) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO layer (project_id, name, kind, band, acquired_on, file_sha256, source_name, width, height, data_type, nodata, crs_name, registered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![l.project_id, l.name, l.kind, l.band, l.acquired_on, l.file_sha256, l.source_name, l.width, l.height, l.data_type, l.nodata, l.crs_name, l.registered_at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn layer_name_taken(
    conn: &Connection,
    project_id: i64,
    name: &str,
) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM layer WHERE project_id = ?1 AND name = ?2)",
        params![project_id, name],
        |r| r.get(0),
    )?)
}

/// Layers of one project, or of all projects, in registration order.
pub fn list_layers(
    conn: &Connection,
    project_id: Option<i64>,
) -> Result<Vec<LayerRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {LAYER_COLUMNS} FROM layer WHERE ?1 IS NULL OR project_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([project_id], layer_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Stores a layer's samples over a batch (one per row, in row order), replacing earlier ones.
pub fn replace_sample_set(
    conn: &Connection,
    batch: &BatchRecord,
    layer_id: i64,
    samples: &[Sample],
) -> Result<(), StoreError> {
    if samples.len() as i64 != batch.row_count {
        return Err(StoreError::Corrupt(format!(
            "{} samples for batch {} of {} rows",
            samples.len(),
            batch.id,
            batch.row_count
        )));
    }
    let mut status = Vec::with_capacity(samples.len());
    let mut value = Vec::with_capacity(samples.len() * 8);
    for s in samples {
        let (code, v) = match *s {
            Sample::Value(v) => (0u8, v),
            Sample::NoData => (1, 0.0),
            Sample::Outside => (2, 0.0),
        };
        status.push(code);
        value.extend_from_slice(&v.to_le_bytes());
    }
    // Samples the same as those stored (a batch enriched again, nothing changed) stay as they
    // are: comparing is much cheaper than writing them again.
    let unchanged: Option<bool> = conn
        .query_row(
            "SELECT status = ?3 AND value = ?4 FROM sample_set WHERE batch_id = ?1 AND layer_id = ?2",
            params![batch.id, layer_id, status, value],
            |r| r.get(0),
        )
        .optional()?;
    if unchanged == Some(true) {
        return Ok(());
    }
    conn.execute(
        "INSERT INTO sample_set (batch_id, layer_id, status, value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (batch_id, layer_id) DO UPDATE SET status = excluded.status, value = excluded.value",
        params![batch.id, layer_id, status, value],
    )?;
    Ok(())
}

/// Moves a batch from `from` to `to`; false (and nothing changed) when it is no longer in `from`
/// — someone else moved it since it was read.
pub fn move_batch_state(
    conn: &Connection,
    batch_id: i64,
    from: &str,
    to: &str,
) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE batch SET state = ?1 WHERE id = ?2 AND state = ?3",
        params![to, batch_id, from],
    )?;
    Ok(changed == 1)
}

pub fn set_batch_state(conn: &Connection, batch_id: i64, state: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE batch SET state = ?1 WHERE id = ?2",
        params![state, batch_id],
    )?;
    Ok(())
}

/// A layer's samples of a batch's rows `offset .. offset + limit` (0-based), in row order;
/// `None` when the batch has not been enriched with the layer. Reads only that slice of the
/// stored columns.
pub fn samples_page(
    conn: &Connection,
    batch: &BatchRecord,
    layer_id: i64,
    offset: i64,
    limit: i64,
) -> Result<Option<Vec<Sample>>, StoreError> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM sample_set WHERE batch_id = ?1 AND layer_id = ?2",
            params![batch.id, layer_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(None);
    };
    let rows = crate::rows::row_indices(batch.row_count, offset, limit);
    let (start, end) = (rows.start as usize, rows.end as usize);
    let n = end.saturating_sub(start);
    let mut status = vec![0u8; n];
    let mut value = vec![0u8; n * 8];
    let corrupt = |e: rusqlite::Error| {
        StoreError::Corrupt(format!(
            "samples of batch {} layer {layer_id}: {e}",
            batch.id
        ))
    };
    conn.blob_open("main", "sample_set", "status", id, true)?
        .read_at_exact(&mut status, start)
        .map_err(corrupt)?;
    conn.blob_open("main", "sample_set", "value", id, true)?
        .read_at_exact(&mut value, start * 8)
        .map_err(corrupt)?;
    status
        .iter()
        .zip(value.chunks_exact(8))
        .map(|(&code, bytes)| {
            let v = f64::from_le_bytes(bytes.try_into().expect("chunks of 8"));
            match code {
                0 => Ok(Sample::Value(v)),
                1 => Ok(Sample::NoData),
                2 => Ok(Sample::Outside),
                other => Err(StoreError::Corrupt(format!(
                    "samples of batch {} layer {layer_id}: unknown status {other}",
                    batch.id
                ))),
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// A batch's positions and claimed values, in row order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchColumns {
    pub lon: Vec<f64>,
    pub lat: Vec<f64>,
    pub claimed_tco2e: Vec<f64>,
    /// Some row carries a plot polygon.
    pub has_plots: bool,
}

/// A batch's columns: from `batch_columns` when the batch has them (one record), otherwise
/// (batches imported before migration 0006) gathered from its measurement rows.
pub fn batch_columns(conn: &Connection, batch: &BatchRecord) -> Result<BatchColumns, StoreError> {
    /// lon, lat, claimed bytes and has_plots as stored.
    type Stored = (Vec<u8>, Vec<u8>, Vec<u8>, bool);
    let stored: Option<Stored> = conn
        .query_row(
            "SELECT lon, lat, claimed_tco2e, has_plots FROM batch_columns WHERE batch_id = ?1",
            [batch.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((lon, lat, claimed, has_plots)) = stored else {
        let facts = row_facts(conn, batch, 0, batch.row_count)?;
        return Ok(BatchColumns {
            lon: facts.iter().map(|f| f.lon).collect(),
            lat: facts.iter().map(|f| f.lat).collect(),
            claimed_tco2e: facts.iter().map(|f| f.claimed_tco2e).collect(),
            has_plots: facts.iter().any(|f| f.has_geometry),
        });
    };
    let n = batch.row_count as usize;
    let decode = |name: &str, bytes: Vec<u8>| -> Result<Vec<f64>, StoreError> {
        if bytes.len() != n * 8 {
            return Err(StoreError::Corrupt(format!(
                "batch {}: column {name} holds {} bytes for {n} rows",
                batch.id,
                bytes.len()
            )));
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("chunks of 8")))
            .collect())
    };
    Ok(BatchColumns {
        lon: decode("lon", lon)?,
        lat: decode("lat", lat)?,
        claimed_tco2e: decode("claimed_tco2e", claimed)?,
        has_plots,
    })
}

/// What the checks need to know of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowFacts {
    pub row_id: i64,
    pub lon: f64,
    pub lat: f64,
    pub claimed_tco2e: f64,
    /// The row carries a plot polygon.
    pub has_geometry: bool,
}

/// Facts of a batch's rows `offset .. offset + limit` (0-based), in row order.
pub fn row_facts(
    conn: &Connection,
    batch: &BatchRecord,
    offset: i64,
    limit: i64,
) -> Result<Vec<RowFacts>, StoreError> {
    let std::ops::Range { start, end } =
        crate::rows::row_ids(batch.first_row_id, batch.row_count, offset, limit);
    let mut stmt = conn.prepare_cached(
        "SELECT row_id, lon, lat, claimed_tco2e, geometry_json IS NOT NULL FROM measurement WHERE row_id >= ?1 AND row_id < ?2 ORDER BY row_id",
    )?;
    let rows = stmt
        .query_map(params![start, end], |r| {
            Ok(RowFacts {
                row_id: r.get(0)?,
                lon: r.get(1)?,
                lat: r.get(2)?,
                claimed_tco2e: r.get(3)?,
                has_geometry: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The record id of one row.
pub fn record_id_of(conn: &Connection, row_id: i64) -> Result<String, StoreError> {
    Ok(conn.query_row(
        "SELECT record_id FROM measurement WHERE row_id = ?1",
        [row_id],
        |r| r.get(0),
    )?)
}

/// A flag to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFlag {
    pub row_id: i64,
    pub check: &'static str,
    pub severity: &'static str,
    pub layer_id: Option<i64>,
    pub explanation: String,
}

pub fn delete_flags(conn: &Connection, batch_id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM flag WHERE batch_id = ?1", [batch_id])?;
    Ok(())
}

/// Sets a connection up for writing many rows in its next transactions (`true`, before the
/// transaction begins) or back to SQLite's defaults for temporary storage (`false`, after it
/// ends). Up: a 64 MiB page cache, so that pages stay in memory until the commit writes them
/// once, and temporary storage in memory, where the statement journal of a multi-row insert
/// then stays (taken at `BEGIN`: on disk, every such statement writes its journal pages to a
/// temporary file). The page cache stays as large after (as an import leaves it).
pub fn prepare_bulk_writes(conn: &Connection, bulk: bool) -> Result<(), StoreError> {
    if bulk {
        conn.pragma_update(None, "cache_size", -65_536)?;
    }
    conn.pragma_update(None, "temp_store", if bulk { "MEMORY" } else { "DEFAULT" })?;
    Ok(())
}

/// Rows one flag-inserting statement writes: one statement per row costs more than the row.
const FLAGS_PER_INSERT: usize = 64;

/// Stores `flags` for a batch, in order (their ids follow it).
pub fn insert_flags(conn: &Connection, batch_id: i64, flags: &[NewFlag]) -> Result<(), StoreError> {
    let sql = |rows: usize| {
        let values: Vec<String> = (0..rows)
            .map(|k| {
                let p = 2 + 5 * k;
                format!(
                    "(?1, ?{}, ?{}, ?{}, ?{}, ?{})",
                    p,
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4
                )
            })
            .collect();
        format!(
            "INSERT INTO flag (batch_id, row_id, check_name, severity, layer_id, explanation) VALUES {}",
            values.join(", ")
        )
    };
    let mut chunks = flags.chunks_exact(FLAGS_PER_INSERT);
    if chunks.len() > 0 {
        let mut stmt = conn.prepare_cached(&sql(FLAGS_PER_INSERT))?;
        for chunk in chunks.by_ref() {
            stmt.raw_bind_parameter(1, batch_id)?;
            for (k, f) in chunk.iter().enumerate() {
                let p = 2 + 5 * k;
                stmt.raw_bind_parameter(p, f.row_id)?;
                stmt.raw_bind_parameter(p + 1, f.check)?;
                stmt.raw_bind_parameter(p + 2, f.severity)?;
                stmt.raw_bind_parameter(p + 3, f.layer_id)?;
                stmt.raw_bind_parameter(p + 4, &f.explanation)?;
            }
            stmt.raw_execute()?;
        }
    }
    let mut stmt = conn.prepare_cached(&sql(1))?;
    for f in chunks.remainder() {
        stmt.execute(params![
            batch_id,
            f.row_id,
            f.check,
            f.severity,
            f.layer_id,
            f.explanation
        ])?;
    }
    Ok(())
}

/// Replaces a batch's flags with `flags` (their ids follow its order). The flags already
/// stored that are the same as a leading run of `flags` — same row, check, severity, layer and
/// explanation, in the same order — stay as they are, ids and all, and only the others are
/// deleted and the rest of `flags` inserted: re-enriching a batch whose evidence has not
/// changed writes no flag, and a layer added after the others appends its own. The batch's
/// flags then read exactly as if all had been deleted and `flags` inserted.
pub fn replace_flags(
    conn: &Connection,
    batch_id: i64,
    flags: &[NewFlag],
) -> Result<(), StoreError> {
    let mut kept = 0;
    let mut first_other: Option<i64> = None;
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, row_id, check_name, severity, layer_id, explanation FROM flag WHERE batch_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([batch_id])?;
        while let Some(row) = rows.next()? {
            let same = match flags.get(kept) {
                None => false,
                Some(f) => {
                    let layer = f.layer_id.map_or(ValueRef::Null, ValueRef::Integer);
                    row.get_ref(1)? == ValueRef::Integer(f.row_id)
                        && row.get_ref(2)? == ValueRef::Text(f.check.as_bytes())
                        && row.get_ref(3)? == ValueRef::Text(f.severity.as_bytes())
                        && row.get_ref(4)? == layer
                        && row.get_ref(5)? == ValueRef::Text(f.explanation.as_bytes())
                }
            };
            if !same {
                first_other = Some(row.get(0)?);
                break;
            }
            kept += 1;
        }
    }
    if let Some(id) = first_other {
        conn.execute(
            "DELETE FROM flag WHERE batch_id = ?1 AND id >= ?2",
            params![batch_id, id],
        )?;
    }
    insert_flags(conn, batch_id, &flags[kept..])
}

/// A stored flag with its row's position and id and its layer's name.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagRecord {
    pub id: i64,
    /// 1-based row of the batch.
    pub row: i64,
    pub record_id: String,
    pub lon: f64,
    pub lat: f64,
    pub check: String,
    pub severity: String,
    pub layer: Option<String>,
    pub explanation: String,
}

/// Flags of a batch in row order.
pub fn list_flags(conn: &Connection, batch: &BatchRecord) -> Result<Vec<FlagRecord>, StoreError> {
    flags_where(conn, batch, None)
}

/// The flags of one row (1-based row of the batch).
pub fn row_flags(
    conn: &Connection,
    batch: &BatchRecord,
    row: i64,
) -> Result<Vec<FlagRecord>, StoreError> {
    flags_where(conn, batch, Some(batch.first_row_id + row - 1))
}

fn flags_where(
    conn: &Connection,
    batch: &BatchRecord,
    row_id: Option<i64>,
) -> Result<Vec<FlagRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, f.row_id, m.record_id, m.lon, m.lat, f.check_name, f.severity, l.name, f.explanation
         FROM flag f JOIN measurement m ON m.row_id = f.row_id LEFT JOIN layer l ON l.id = f.layer_id
         WHERE f.batch_id = ?1 AND (?2 IS NULL OR f.row_id = ?2) ORDER BY f.row_id, f.id",
    )?;
    let first = batch.first_row_id;
    let rows = stmt
        .query_map(params![batch.id, row_id], |r| {
            Ok(FlagRecord {
                id: r.get(0)?,
                row: r.get::<_, i64>(1)? - first + 1,
                record_id: r.get(2)?,
                lon: r.get(3)?,
                lat: r.get(4)?,
                check: r.get(5)?,
                severity: r.get(6)?,
                layer: r.get(7)?,
                explanation: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Every flag of a batch as (0-based row index, severity), in row order.
pub fn flag_severities(
    conn: &Connection,
    batch: &BatchRecord,
) -> Result<Vec<(usize, String)>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT row_id, severity FROM flag WHERE batch_id = ?1 ORDER BY row_id")?;
    let first = batch.first_row_id;
    let rows = stmt
        .query_map([batch.id], |r| {
            Ok(((r.get::<_, i64>(0)? - first) as usize, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Plot polygons among a batch's rows `offset .. offset + limit`: (row_id, GeoJSON geometry).
pub fn plot_geometries(
    conn: &Connection,
    batch: &BatchRecord,
    offset: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let std::ops::Range { start, end } =
        crate::rows::row_ids(batch.first_row_id, batch.row_count, offset, limit);
    let mut stmt = conn.prepare_cached(
        "SELECT row_id, geometry_json FROM measurement WHERE row_id >= ?1 AND row_id < ?2 AND geometry_json IS NOT NULL ORDER BY row_id",
    )?;
    let rows = stmt
        .query_map(params![start, end], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Zonal statistics of one layer over one plot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZonalRecord {
    pub row_id: i64,
    pub pixel_count: i64,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Replaces the zonal statistics of `layer_id` for a batch's rows with `stats`.
pub fn replace_zonal_stats(
    conn: &Connection,
    batch: &BatchRecord,
    layer_id: i64,
    stats: &[ZonalRecord],
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM zonal_stat WHERE layer_id = ?1 AND row_id >= ?2 AND row_id < ?3",
        params![
            layer_id,
            batch.first_row_id,
            batch.first_row_id + batch.row_count
        ],
    )?;
    let mut stmt = conn.prepare_cached("INSERT INTO zonal_stat (layer_id, row_id, pixel_count, mean, min, max) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    for z in stats {
        stmt.execute(params![
            layer_id,
            z.row_id,
            z.pixel_count,
            z.mean,
            z.min,
            z.max
        ])?;
    }
    Ok(())
}

/// Zonal statistics of one layer for a batch's rows `offset .. offset + limit`.
pub fn zonal_page(
    conn: &Connection,
    batch: &BatchRecord,
    layer_id: i64,
    offset: i64,
    limit: i64,
) -> Result<Vec<ZonalRecord>, StoreError> {
    let std::ops::Range { start, end } =
        crate::rows::row_ids(batch.first_row_id, batch.row_count, offset, limit);
    let mut stmt = conn.prepare_cached(
        "SELECT row_id, pixel_count, mean, min, max FROM zonal_stat WHERE layer_id = ?1 AND row_id >= ?2 AND row_id < ?3 ORDER BY row_id",
    )?;
    let rows = stmt
        .query_map(params![layer_id, start, end], |r| {
            Ok(ZonalRecord {
                row_id: r.get(0)?,
                pixel_count: r.get(1)?,
                mean: r.get(2)?,
                min: r.get(3)?,
                max: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A stored row as the stamp sees it, borrowed from SQLite's buffers for the length of one
/// call of [`each_row_text`]'s visitor.
#[derive(Debug, Clone, Copy)]
pub struct RowText<'a> {
    /// 1-based position in the batch.
    pub index: i64,
    pub record_id: &'a str,
    pub lon: f64,
    pub lat: f64,
    /// The row's values as stored (see [`crate::decode_values`]).
    pub values_json: &'a str,
}

/// Column `k` as borrowed text.
fn text_at<'r>(r: &'r Row<'_>, k: usize) -> Result<&'r str, StoreError> {
    r.get_ref(k)?.as_str().map_err(|e| {
        StoreError::from(rusqlite::Error::FromSqlConversionFailure(
            k,
            rusqlite::types::Type::Text,
            Box::new(e),
        ))
    })
}

/// Visits rows `offset .. offset + limit` (0-based offset) of a batch in file order without
/// copying them: reading every row of a large batch (stamping, quantities) allocates nothing
/// per row here.
pub fn each_row_text<E: From<StoreError>>(
    conn: &Connection,
    batch: &BatchRecord,
    offset: i64,
    limit: i64,
    visit: &mut dyn FnMut(RowText<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let std::ops::Range { start, end } =
        crate::rows::row_ids(batch.first_row_id, batch.row_count, offset, limit);
    let mut stmt = conn
        .prepare_cached(
            "SELECT row_id, record_id, lon, lat, values_json
             FROM measurement WHERE row_id >= ?1 AND row_id < ?2 ORDER BY row_id",
        )
        .map_err(StoreError::from)?;
    let mut rows = stmt.query(params![start, end]).map_err(StoreError::from)?;
    let first = batch.first_row_id;
    while let Some(r) = rows.next().map_err(StoreError::from)? {
        let row = RowText {
            index: r.get::<_, i64>(0).map_err(StoreError::from)? - first + 1,
            record_id: text_at(r, 1)?,
            lon: r.get(2).map_err(StoreError::from)?,
            lat: r.get(3).map_err(StoreError::from)?,
            values_json: text_at(r, 4)?,
        };
        visit(row)?;
    }
    Ok(())
}
