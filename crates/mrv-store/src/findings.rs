//! Review findings (migration 0020) and the record-ordered reads of a batch's rows that the
//! batch diff merges.

use crate::StoreError;
use rusqlite::{params, Connection, Row};

/// A finding to store with the rejection that raises it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding<'a> {
    pub batch_id: i64,
    pub root_batch_id: i64,
    pub review_event_id: i64,
    pub kind: &'a str,
    pub number: i64,
    pub sub_code: Option<&'a str>,
    pub text: &'a str,
    /// JSON array of record ids.
    pub record_ids_json: &'a str,
    pub raised_by: i64,
    pub raised_at: &'a str,
}

pub fn insert_finding(conn: &Connection, f: &NewFinding<'_>) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO finding (batch_id, root_batch_id, review_event_id, kind, number, sub_code, text,
                              record_ids_json, raised_by, raised_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            f.batch_id,
            f.root_batch_id,
            f.review_event_id,
            f.kind,
            f.number,
            f.sub_code,
            f.text,
            f.record_ids_json,
            f.raised_by,
            f.raised_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The next number of `kind` in the version chain that starts at `root_batch_id`.
pub fn next_finding_number(
    conn: &Connection,
    root_batch_id: i64,
    kind: &str,
) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM finding WHERE root_batch_id = ?1 AND kind = ?2",
        params![root_batch_id, kind],
        |r| r.get(0),
    )?)
}

/// A stored finding with the names of who raised and closed it.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRecord {
    pub id: i64,
    pub batch_id: i64,
    pub batch_version: i64,
    pub root_batch_id: i64,
    pub review_event_id: i64,
    pub kind: String,
    pub number: i64,
    pub sub_code: Option<String>,
    pub text: String,
    pub record_ids_json: String,
    pub state: String,
    pub raised_by: String,
    pub raised_at: String,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub closed_in_batch_id: Option<i64>,
    pub close_note: Option<String>,
}

const FINDING_COLUMNS: &str = "f.id, f.batch_id, b.version, f.root_batch_id, f.review_event_id,
     f.kind, f.number, f.sub_code, f.text, f.record_ids_json, f.state, r.name, f.raised_at,
     c.name, f.closed_at, f.closed_in_batch_id, f.close_note
     FROM finding f JOIN batch b ON b.id = f.batch_id JOIN app_user r ON r.id = f.raised_by
     LEFT JOIN app_user c ON c.id = f.closed_by";

fn finding_from_row(r: &Row<'_>) -> rusqlite::Result<FindingRecord> {
    Ok(FindingRecord {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        batch_version: r.get(2)?,
        root_batch_id: r.get(3)?,
        review_event_id: r.get(4)?,
        kind: r.get(5)?,
        number: r.get(6)?,
        sub_code: r.get(7)?,
        text: r.get(8)?,
        record_ids_json: r.get(9)?,
        state: r.get(10)?,
        raised_by: r.get(11)?,
        raised_at: r.get(12)?,
        closed_by: r.get(13)?,
        closed_at: r.get(14)?,
        closed_in_batch_id: r.get(15)?,
        close_note: r.get(16)?,
    })
}

/// Every finding of a version chain: open ones first, then by kind (CAR, CL, FAR) and number.
pub fn chain_findings(
    conn: &Connection,
    root_batch_id: i64,
) -> Result<Vec<FindingRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FINDING_COLUMNS} WHERE f.root_batch_id = ?1
         ORDER BY f.state = 'closed', CASE f.kind WHEN 'CAR' THEN 0 WHEN 'CL' THEN 1 ELSE 2 END, f.number"
    ))?;
    let rows = stmt
        .query_map([root_batch_id], finding_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The findings a review event (a rejection) raised, by kind and number.
pub fn event_findings(
    conn: &Connection,
    review_event_id: i64,
) -> Result<Vec<FindingRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FINDING_COLUMNS} WHERE f.review_event_id = ?1
         ORDER BY CASE f.kind WHEN 'CAR' THEN 0 WHEN 'CL' THEN 1 ELSE 2 END, f.number"
    ))?;
    let rows = stmt
        .query_map([review_event_id], finding_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Closes an open finding; false when it is not open (any more).
pub fn close_finding(
    conn: &Connection,
    finding_id: i64,
    closed_by: i64,
    closed_at: &str,
    closed_in_batch_id: i64,
    note: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE finding SET state = 'closed', closed_by = ?2, closed_at = ?3,
                closed_in_batch_id = ?4, close_note = ?5
         WHERE id = ?1 AND state = 'open'",
        params![finding_id, closed_by, closed_at, closed_in_batch_id, note],
    )?;
    Ok(n == 1)
}

/// Those of `record_ids` that are not rows of the batch, in the order given.
pub fn missing_record_ids(
    conn: &Connection,
    batch_id: i64,
    record_ids: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM measurement WHERE batch_id = ?1 AND record_id = ?2)",
    )?;
    let mut missing = Vec::new();
    for id in record_ids {
        let found: bool = stmt.query_row(params![batch_id, id], |r| r.get(0))?;
        if !found {
            missing.push(id.clone());
        }
    }
    Ok(missing)
}

/// One row of a batch read in record-id order, with the checks that flagged it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRow {
    pub record_id: String,
    pub lon: f64,
    pub lat: f64,
    pub values_json: String,
    /// The plot polygon as stored (compact GeoJSON geometry), for plots imported with one.
    pub geometry_json: Option<String>,
    /// The names of the checks that flagged the row, sorted, each once.
    pub flags: Vec<String>,
}

/// Up to `limit` rows of a batch with record ids after `after` (all with `None`), in record-id
/// order (SQLite's binary order: the order of Rust's `str`). Keyset paging over the
/// `(batch_id, record_id)` index, so reading a whole batch holds one page at a time.
pub fn rows_by_record(
    conn: &Connection,
    batch_id: i64,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<RecordRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.record_id, m.lon, m.lat, m.values_json,
                (SELECT group_concat(check_name, char(31)) FROM flag f
                  WHERE f.batch_id = m.batch_id AND f.row_id = m.row_id),
                m.geometry_json
         FROM measurement m
         WHERE m.batch_id = ?1 AND (?2 IS NULL OR m.record_id > ?2)
         ORDER BY m.record_id LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![batch_id, after, limit], |r| {
            let flags: Option<String> = r.get(4)?;
            let mut flags: Vec<String> = flags
                .map(|f| f.split('\u{1f}').map(str::to_owned).collect())
                .unwrap_or_default();
            flags.sort();
            flags.dedup();
            Ok(RecordRow {
                record_id: r.get(0)?,
                lon: r.get(1)?,
                lat: r.get(2)?,
                values_json: r.get(3)?,
                geometry_json: r.get(5)?,
                flags,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
