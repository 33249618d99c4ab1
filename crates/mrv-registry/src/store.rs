//! The registry's SQLite file: CADT's staging table and the project, issuance and unit tables
//! that staged rows move into. Records are kept as the JSON documents CADT serves.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::Value;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS staging (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid     TEXT NOT NULL UNIQUE,
    tbl      TEXT NOT NULL CHECK (tbl IN ('Projects', 'Units')),
    action   TEXT NOT NULL DEFAULT 'INSERT' CHECK (action IN ('INSERT', 'UPDATE')),
    data     TEXT NOT NULL,
    commited INTEGER NOT NULL DEFAULT 0 CHECK (commited IN (0, 1))
);
CREATE TABLE IF NOT EXISTS project (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_project_id TEXT NOT NULL UNIQUE,
    data                 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issuance (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    id                   TEXT NOT NULL UNIQUE,
    warehouse_project_id TEXT,
    data                 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS unit (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_unit_id TEXT NOT NULL UNIQUE,
    data              TEXT NOT NULL
);
";

/// Which CADT table a staged row is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Projects,
    Units,
}

impl Table {
    fn as_str(self) -> &'static str {
        match self {
            Table::Projects => "Projects",
            Table::Units => "Units",
        }
    }
}

/// One row of the staging table.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedRow {
    pub uuid: String,
    pub table: String,
    pub action: String,
    pub data: Value,
    pub committed: bool,
}

/// What one move of committed staging rows did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub projects: usize,
    pub units: usize,
    /// Unit rows lost in the move (the simulator quirk).
    pub dropped: usize,
}

pub struct Store {
    conn: Connection,
}

impl Store {
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn })
    }

    /// The home organisation's id, created on first use.
    pub fn org_uid(&mut self, fresh: impl FnOnce() -> String) -> rusqlite::Result<String> {
        let tx = self.conn.transaction()?;
        let existing: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'org_uid'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let uid = match existing {
            Some(uid) => uid,
            None => {
                let uid = fresh();
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('org_uid', ?1)",
                    params![uid],
                )?;
                uid
            }
        };
        tx.commit()?;
        Ok(uid)
    }

    pub fn stage(&mut self, table: Table, uuid: &str, data: &Value) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO staging (uuid, tbl, data) VALUES (?1, ?2, ?3)",
            params![uuid, table.as_str(), data.to_string()],
        )?;
        Ok(())
    }

    /// Stages an update of a published project, keyed by its id (CADT upserts it).
    pub fn stage_project_update(&mut self, uuid: &str, data: &Value) -> rusqlite::Result<()> {
        self.conn.execute(
            "INSERT INTO staging (uuid, tbl, action, data) VALUES (?1, 'Projects', 'UPDATE', ?2)
             ON CONFLICT (uuid) DO UPDATE SET data = ?2, commited = 0",
            params![uuid, data.to_string()],
        )?;
        Ok(())
    }

    pub fn project_exists(&self, warehouse_project_id: &str) -> rusqlite::Result<bool> {
        self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM project WHERE warehouse_project_id = ?1)",
            params![warehouse_project_id],
            |r| r.get(0),
        )
    }

    /// Whether committed rows wait for the move (CADT: "changes pending on the blockchain").
    pub fn pending_commits(&self) -> rusqlite::Result<bool> {
        self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM staging WHERE commited = 1)",
            [],
            |r| r.get(0),
        )
    }

    /// Marks every staged row committed; the number of rows.
    pub fn commit_staging(&mut self) -> rusqlite::Result<usize> {
        self.conn
            .execute("UPDATE staging SET commited = 1 WHERE commited = 0", [])
    }

    /// Marks the staged rows `ids` committed; the number of rows.
    pub fn commit_staging_ids(&mut self, ids: &[String]) -> rusqlite::Result<usize> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for id in ids {
            n += tx.execute(
                "UPDATE staging SET commited = 1 WHERE commited = 0 AND uuid = ?1",
                params![id],
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    pub fn staging_is_empty(&self) -> rusqlite::Result<bool> {
        self.conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM staging)", [], |r| {
                r.get(0)
            })
    }

    /// Every staging row in order.
    pub fn staging_rows(&self) -> rusqlite::Result<Vec<StagedRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT uuid, tbl, action, data, commited FROM staging ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows
            .into_iter()
            .map(|(uuid, table, action, data, committed)| StagedRow {
                uuid,
                table,
                action,
                data: serde_json::from_str(&data).unwrap_or(Value::Null),
                committed,
            })
            .collect())
    }

    pub fn issuance_exists(&self, id: &str) -> rusqlite::Result<bool> {
        self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM issuance WHERE id = ?1)",
            params![id],
            |r| r.get(0),
        )
    }

    /// Moves committed staging rows into the tables in one transaction, losing the first
    /// `drop_units` unit rows (the simulator quirk), and returns what it did.
    pub fn move_committed(&mut self, drop_units: usize) -> rusqlite::Result<Moved> {
        let tx = self.conn.transaction()?;
        let rows: Vec<(i64, String, String)> = {
            let mut stmt =
                tx.prepare("SELECT seq, tbl, data FROM staging WHERE commited = 1 ORDER BY seq")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        let mut moved = Moved::default();
        for (seq, table, data) in rows {
            let mut doc: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
            if table == "Projects" {
                insert_project(&tx, &mut doc)?;
                moved.projects += 1;
            } else if moved.dropped < drop_units {
                moved.dropped += 1;
            } else {
                insert_unit(&tx, &mut doc)?;
                moved.units += 1;
            }
            tx.execute("DELETE FROM staging WHERE seq = ?1", params![seq])?;
        }
        tx.commit()?;
        Ok(moved)
    }

    /// Projects with their issuances nested, in creation order: `(total, page)`.
    pub fn projects(&self, range: Option<(u64, u64)>) -> rusqlite::Result<(u64, Vec<Value>)> {
        let total = self.count("project")?;
        let mut out = Vec::new();
        for mut doc in self.documents("project", range)? {
            let id = doc
                .get("warehouseProjectId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let issuances = self.issuances_of(Some(&id))?;
            if let Some(map) = doc.as_object_mut() {
                map.insert("issuances".into(), Value::Array(issuances));
            }
            out.push(doc);
        }
        Ok((total, out))
    }

    /// Units with their issuance record, in creation order: `(total, page)`.
    pub fn units(&self, range: Option<(u64, u64)>) -> rusqlite::Result<(u64, Vec<Value>)> {
        let total = self.count("unit")?;
        let mut out = Vec::new();
        for mut doc in self.documents("unit", range)? {
            let issuance_id = doc
                .get("issuanceId")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let issuance = match issuance_id {
                Some(id) => self
                    .conn
                    .query_row(
                        "SELECT data FROM issuance WHERE id = ?1",
                        params![id],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or(Value::Null),
                None => Value::Null,
            };
            if let Some(map) = doc.as_object_mut() {
                map.insert("issuance".into(), issuance);
            }
            out.push(doc);
        }
        Ok((total, out))
    }

    /// Every issuance (`GET /v1/issuances`).
    pub fn issuances(&self) -> rusqlite::Result<Vec<Value>> {
        self.issuances_of(None)
    }

    fn issuances_of(&self, project: Option<&str>) -> rusqlite::Result<Vec<Value>> {
        let mut stmt = self.conn.prepare(
            "SELECT data FROM issuance WHERE ?1 IS NULL OR warehouse_project_id = ?1 ORDER BY seq",
        )?;
        let docs = stmt
            .query_map(params![project], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(docs
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect())
    }

    fn count(&self, table: &str) -> rusqlite::Result<u64> {
        // `table` is one of our own constant names, never input.
        self.conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
    }

    fn documents(&self, table: &str, range: Option<(u64, u64)>) -> rusqlite::Result<Vec<Value>> {
        let (page, limit) = range.unwrap_or((1, i64::MAX as u64));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(page.saturating_sub(1))
            .unwrap_or(i64::MAX)
            .saturating_mul(limit);
        let mut stmt = self.conn.prepare(&format!(
            "SELECT data FROM {table} ORDER BY seq LIMIT ?1 OFFSET ?2"
        ))?;
        let docs = stmt
            .query_map(params![limit, offset], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(docs
            .iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect())
    }
}

fn insert_project(tx: &Transaction<'_>, doc: &mut Value) -> rusqlite::Result<()> {
    let Some(map) = doc.as_object_mut() else {
        return Ok(());
    };
    let id = map
        .get("warehouseProjectId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if let Some(Value::Array(issuances)) = map.remove("issuances") {
        for issuance in issuances {
            insert_issuance(tx, &issuance, Some(&id))?;
        }
    }
    // An update replaces the record; its issuances were added above (existing ids kept).
    tx.execute(
        "INSERT INTO project (warehouse_project_id, data) VALUES (?1, ?2)
         ON CONFLICT (warehouse_project_id) DO UPDATE SET data = ?2",
        params![id, Value::Object(map.clone()).to_string()],
    )?;
    Ok(())
}

fn insert_issuance(
    tx: &Transaction<'_>,
    issuance: &Value,
    project: Option<&str>,
) -> rusqlite::Result<()> {
    let id = issuance
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    tx.execute(
        "INSERT OR IGNORE INTO issuance (id, warehouse_project_id, data) VALUES (?1, ?2, ?3)",
        params![id, project, issuance.to_string()],
    )?;
    Ok(())
}

fn insert_unit(tx: &Transaction<'_>, doc: &mut Value) -> rusqlite::Result<()> {
    let Some(map) = doc.as_object_mut() else {
        return Ok(());
    };
    // A unit posted with a new issuance (no id) creates it; CADT keeps only its id on the unit.
    if let Some(issuance) = map.remove("issuance") {
        let project = issuance
            .get("warehouseProjectId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        insert_issuance(tx, &issuance, project.as_deref())?;
    }
    let id = map
        .get("warehouseUnitId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    tx.execute(
        "INSERT OR IGNORE INTO unit (warehouse_unit_id, data) VALUES (?1, ?2)",
        params![id, Value::Object(std::mem::take(map)).to_string()],
    )?;
    Ok(())
}
