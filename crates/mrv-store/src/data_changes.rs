//! Reviewed data changes (migration 0018, SOP-004): the tickets, and reading a whole database
//! into a [`DbSnapshot`] so that two snapshots can be compared row by row ([`diff_snapshots`]).

use crate::StoreError;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A data-change ticket as stored, with the names of the people in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChangeRecord {
    pub id: i64,
    pub sql: String,
    pub rollback_sql: String,
    pub reason: String,
    pub state: String,
    pub author_id: i64,
    pub author: String,
    pub opened_at: String,
    pub dry_run_by: Option<String>,
    pub dry_run_at: Option<String>,
    pub dry_run_json: Option<String>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_reason: Option<String>,
    pub applied_by: Option<String>,
    pub applied_at: Option<String>,
    pub applied_json: Option<String>,
    pub rolled_back_by: Option<String>,
    pub rolled_back_at: Option<String>,
    pub rollback_json: Option<String>,
}

const SELECT: &str =
    "SELECT c.id, c.sql_text, c.rollback_sql, c.reason, c.state, c.author_id, a.name,
        c.opened_at, d.name, c.dry_run_at, c.dry_run_json, r.name, c.reviewed_at, c.review_reason,
        p.name, c.applied_at, c.applied_json, b.name, c.rolled_back_at, c.rollback_json
     FROM data_change c JOIN app_user a ON a.id = c.author_id
     LEFT JOIN app_user d ON d.id = c.dry_run_by LEFT JOIN app_user r ON r.id = c.reviewer_id
     LEFT JOIN app_user p ON p.id = c.applied_by LEFT JOIN app_user b ON b.id = c.rolled_back_by";

fn from_row(r: &Row<'_>) -> rusqlite::Result<DataChangeRecord> {
    Ok(DataChangeRecord {
        id: r.get(0)?,
        sql: r.get(1)?,
        rollback_sql: r.get(2)?,
        reason: r.get(3)?,
        state: r.get(4)?,
        author_id: r.get(5)?,
        author: r.get(6)?,
        opened_at: r.get(7)?,
        dry_run_by: r.get(8)?,
        dry_run_at: r.get(9)?,
        dry_run_json: r.get(10)?,
        reviewer: r.get(11)?,
        reviewed_at: r.get(12)?,
        review_reason: r.get(13)?,
        applied_by: r.get(14)?,
        applied_at: r.get(15)?,
        applied_json: r.get(16)?,
        rolled_back_by: r.get(17)?,
        rolled_back_at: r.get(18)?,
        rollback_json: r.get(19)?,
    })
}

/// Stores a new ticket in state `open`; returns its id.
pub fn insert_data_change(
    conn: &Connection,
    sql: &str,
    rollback_sql: &str,
    reason: &str,
    author_id: i64,
    at: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO data_change (sql_text, rollback_sql, reason, state, author_id, opened_at)
         VALUES (?1, ?2, ?3, 'open', ?4, ?5)",
        params![sql, rollback_sql, reason, author_id, at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn data_change(conn: &Connection, id: i64) -> Result<Option<DataChangeRecord>, StoreError> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE c.id = ?1"), [id], from_row)
        .optional()?)
}

/// Every ticket, newest first.
pub fn data_changes(conn: &Connection) -> Result<Vec<DataChangeRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY c.id DESC"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records a dry run (moving `from` → `to`; a review given before is cleared: the new run
/// needs a new one); false when the ticket was not in `from`.
pub fn set_data_change_dry_run(
    conn: &Connection,
    id: i64,
    from: &str,
    to: &str,
    by: i64,
    at: &str,
    json: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE data_change SET state = ?3, dry_run_by = ?4, dry_run_at = ?5, dry_run_json = ?6,
             reviewer_id = NULL, reviewed_at = NULL, review_reason = NULL
         WHERE id = ?1 AND state = ?2",
        params![id, from, to, by, at, json],
    )? == 1)
}

/// Records the review (approved or rejected); false when the ticket was not in `from`.
pub fn set_data_change_review(
    conn: &Connection,
    id: i64,
    from: &str,
    to: &str,
    reviewer: i64,
    at: &str,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE data_change SET state = ?3, reviewer_id = ?4, reviewed_at = ?5, review_reason = ?6
         WHERE id = ?1 AND state = ?2",
        params![id, from, to, reviewer, at, reason],
    )? == 1)
}

/// Records the application; false when the ticket was not `approved`.
pub fn set_data_change_applied(
    conn: &Connection,
    id: i64,
    by: i64,
    at: &str,
    json: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE data_change SET state = 'applied', applied_by = ?2, applied_at = ?3, applied_json = ?4
         WHERE id = ?1 AND state = 'approved'",
        params![id, by, at, json],
    )? == 1)
}

/// Records the rollback; false when the ticket was not `applied`.
pub fn set_data_change_rolled_back(
    conn: &Connection,
    id: i64,
    by: i64,
    at: &str,
    json: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE data_change SET state = 'rolled_back', rolled_back_by = ?2, rolled_back_at = ?3, rollback_json = ?4
         WHERE id = ?1 AND state = 'applied'",
        params![id, by, at, json],
    )? == 1)
}

/// One table read whole: its columns, the columns that identify a row (the primary key, or
/// `rowid`) and every row by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSnapshot {
    pub columns: Vec<String>,
    pub key_columns: Vec<String>,
    /// Key text (`id=3`) → the row's values as text (`None` for NULL).
    pub rows: BTreeMap<String, Vec<Option<String>>>,
}

/// Every table of a database (but SQLite's own) and its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbSnapshot {
    /// (type, name, sql) of every schema object.
    pub schema: Vec<(String, String, Option<String>)>,
    pub tables: BTreeMap<String, TableSnapshot>,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn text_of(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(format!("{f:?}")),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(format!(
            "blob({} bytes, sha256 {})",
            b.len(),
            hex::encode(Sha256::digest(b))
        )),
    }
}

/// Reads every table of `conn` whole (inside whatever transaction `conn` is in).
pub fn snapshot_database(conn: &Connection) -> Result<DbSnapshot, StoreError> {
    let mut stmt = conn.prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name")?;
    let mut schema: Vec<(String, String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    // Temporary objects (a TEMP trigger would outlive the change on the connection) count as
    // schema too.
    let mut temp = conn
        .prepare("SELECT 'temp ' || type, name, sql FROM sqlite_temp_schema ORDER BY type, name")?;
    let temps: Vec<(String, String, Option<String>)> = temp
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    schema.extend(temps);
    let mut tables = BTreeMap::new();
    for (kind, name, _) in &schema {
        if kind != "table" || name.starts_with("sqlite_") {
            continue;
        }
        let mut info = conn.prepare(&format!("PRAGMA table_info({})", quoted(name)))?;
        let cols: Vec<(String, i64)> = info
            .query_map([], |r| Ok((r.get(1)?, r.get(5)?)))?
            .collect::<Result<_, _>>()?;
        let columns: Vec<String> = cols.iter().map(|c| c.0.clone()).collect();
        let mut pk: Vec<(i64, String)> = cols
            .iter()
            .filter(|c| c.1 > 0)
            .map(|c| (c.1, c.0.clone()))
            .collect();
        pk.sort();
        let key_columns: Vec<String> = if pk.is_empty() {
            vec!["rowid".to_owned()]
        } else {
            pk.into_iter().map(|p| p.1).collect()
        };
        let key_select: Vec<String> = key_columns.iter().map(|k| quoted(k)).collect();
        let all: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        let sql = format!(
            "SELECT {}, {} FROM {}",
            key_select.join(", "),
            if all.is_empty() {
                "NULL".to_owned()
            } else {
                all.join(", ")
            },
            quoted(name)
        );
        let nk = key_columns.len();
        let mut q = conn.prepare(&sql)?;
        let mut rows = BTreeMap::new();
        let mut it = q.query([])?;
        while let Some(r) = it.next()? {
            let key = (0..nk)
                .map(|i| {
                    let v = text_of(r.get_ref(i)?).unwrap_or_else(|| "NULL".into());
                    Ok(format!("{}={v}", key_columns[i]))
                })
                .collect::<rusqlite::Result<Vec<_>>>()?
                .join(", ");
            let values = (0..columns.len())
                .map(|i| Ok(text_of(r.get_ref(nk + i)?)))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.insert(key, values);
        }
        tables.insert(
            name.clone(),
            TableSnapshot {
                columns,
                key_columns,
                rows,
            },
        );
    }
    Ok(DbSnapshot { schema, tables })
}

/// One changed row, with its whole row before and after (as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDiff {
    pub table: String,
    /// `inserted`, `deleted` or `updated`.
    pub change: &'static str,
    pub key: String,
    pub columns: Vec<String>,
    pub before: Option<Vec<Option<String>>>,
    pub after: Option<Vec<Option<String>>>,
}

impl RowDiff {
    /// The value of `column` before (or, when there was no row before, after).
    pub fn value(&self, column: &str, after: bool) -> Option<&str> {
        let i = self.columns.iter().position(|c| c == column)?;
        let row = if after { &self.after } else { &self.before };
        row.as_ref()?.get(i)?.as_deref()
    }
}

/// Every row that differs between `before` and `after`, table by table, by key. Tables that
/// exist on one side only count all their rows as inserted or deleted.
pub fn diff_snapshots(before: &DbSnapshot, after: &DbSnapshot) -> Vec<RowDiff> {
    let empty = TableSnapshot {
        columns: vec![],
        key_columns: vec![],
        rows: BTreeMap::new(),
    };
    let mut names: Vec<&String> = before.tables.keys().chain(after.tables.keys()).collect();
    names.sort();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        let b = before.tables.get(name).unwrap_or(&empty);
        let a = after.tables.get(name).unwrap_or(&empty);
        let columns = if a.columns.is_empty() {
            &b.columns
        } else {
            &a.columns
        };
        for (key, row) in &b.rows {
            match a.rows.get(key) {
                None => out.push(RowDiff {
                    table: name.clone(),
                    change: "deleted",
                    key: key.clone(),
                    columns: b.columns.clone(),
                    before: Some(row.clone()),
                    after: None,
                }),
                Some(now) if now != row => out.push(RowDiff {
                    table: name.clone(),
                    change: "updated",
                    key: key.clone(),
                    columns: columns.clone(),
                    before: Some(row.clone()),
                    after: Some(now.clone()),
                }),
                Some(_) => {}
            }
        }
        for (key, row) in &a.rows {
            if !b.rows.contains_key(key) {
                out.push(RowDiff {
                    table: name.clone(),
                    change: "inserted",
                    key: key.clone(),
                    columns: a.columns.clone(),
                    before: None,
                    after: Some(row.clone()),
                });
            }
        }
    }
    out
}

/// Opens a copy of the workspace database (made by [`crate::copy_database_into`]) with the
/// workspace's settings (foreign keys on), for a dry run.
pub fn open_database_copy(path: &std::path::Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

/// Starts a write transaction on a dry-run copy.
pub fn begin_on_copy(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    Ok(())
}

/// Commits the dry-run copy's transaction (deferred foreign keys are checked here); the
/// error's text when it fails.
pub fn commit_copy(conn: &Connection) -> Result<(), String> {
    conn.execute_batch("COMMIT").map_err(|e| e.to_string())
}

/// Runs the statements of a data change; SQLite's error text when one fails.
pub fn run_change_sql(conn: &Connection, sql: &str) -> Result<(), String> {
    conn.execute_batch(sql).map_err(|e| e.to_string())
}

/// Whether `conn` is still inside a transaction (a change's SQL must not end it).
pub fn in_transaction(conn: &Connection) -> bool {
    !conn.is_autocommit()
}

/// The ids and states of batches in any of `states`.
pub fn batches_in_states(
    conn: &Connection,
    states: &[&str],
) -> Result<BTreeMap<i64, String>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, state FROM batch")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (id, state) = row?;
        if states.contains(&state.as_str()) {
            out.insert(id, state);
        }
    }
    Ok(out)
}

/// The batch a measurement row belongs to.
pub fn measurement_batch(conn: &Connection, row_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT batch_id FROM measurement WHERE row_id = ?1",
            [row_id],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserted_deleted_and_updated_rows_by_key() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n REAL);
             CREATE TABLE r (a TEXT, b TEXT);
             INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, 'c', 3);
             INSERT INTO r VALUES ('x', 'y');",
        )
        .unwrap();
        let before = snapshot_database(&conn).unwrap();
        conn.execute_batch(
            "UPDATE t SET name = 'B' WHERE id = 2; DELETE FROM t WHERE id = 3;
             INSERT INTO t VALUES (4, 'd', NULL); UPDATE r SET b = 'z';",
        )
        .unwrap();
        let after = snapshot_database(&conn).unwrap();
        let d = diff_snapshots(&before, &after);
        let got: Vec<(&str, &str, &str)> = d
            .iter()
            .map(|r| (r.table.as_str(), r.change, r.key.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("r", "updated", "rowid=1"),
                ("t", "updated", "id=2"),
                ("t", "deleted", "id=3"),
                ("t", "inserted", "id=4"),
            ]
        );
        assert_eq!(d[1].value("name", false), Some("b"));
        assert_eq!(d[1].value("name", true), Some("B"));
        assert!(diff_snapshots(&after, &after).is_empty());
    }
}
