//! Verification statements (migration 0019): the recorded SHA-256 of every statement PDF.

use crate::StoreError;
use rusqlite::{params, Connection, Row};

/// One statement as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRecord {
    pub id: i64,
    pub batch_id: i64,
    pub version: i64,
    pub stamp_hash: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub pages: i64,
    pub file_name: String,
    pub created_by: String,
    pub created_at: String,
}

const COLUMNS: &str =
    "id, batch_id, version, stamp_hash, sha256, size_bytes, pages, file_name, created_by, created_at";

fn statement_row(r: &Row<'_>) -> rusqlite::Result<StatementRecord> {
    Ok(StatementRecord {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        version: r.get(2)?,
        stamp_hash: r.get(3)?,
        sha256: r.get(4)?,
        size_bytes: r.get(5)?,
        pages: r.get(6)?,
        file_name: r.get(7)?,
        created_by: r.get(8)?,
        created_at: r.get(9)?,
    })
}

/// The id the next statement will get (inside the transaction that records it).
pub fn next_statement_id(conn: &Connection) -> Result<i64, StoreError> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM statement", [], |r| {
            r.get(0)
        })?,
    )
}

/// Records a statement under its `id` (from [`next_statement_id`]).
pub fn insert_statement(conn: &Connection, s: &StatementRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO statement (id, batch_id, version, stamp_hash, sha256, size_bytes, pages, file_name, created_by, created_at)
         VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            s.batch_id,
            s.version,
            s.stamp_hash,
            s.sha256,
            s.size_bytes,
            s.pages,
            s.file_name,
            s.created_by,
            s.created_at,
            s.id
        ],
    )?;
    Ok(())
}

/// Every statement whose PDF has this SHA-256 (lowercase hex), oldest first.
pub fn statements_by_sha256(
    conn: &Connection,
    sha256: &str,
) -> Result<Vec<StatementRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM statement WHERE sha256 = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([sha256], statement_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every statement, oldest first (what `journal verify` checks).
pub fn list_statements(conn: &Connection) -> Result<Vec<StatementRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM statement ORDER BY id"))?;
    let rows = stmt.query_map([], statement_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The anchor of a statement (kind `statement`, id `statement-<id>`), if queued.
pub fn statement_anchor(
    conn: &Connection,
    statement_id: i64,
) -> Result<Option<crate::AnchorRecord>, StoreError> {
    crate::anchor_of(conn, "statement", &format!("statement-{statement_id}"))
}
