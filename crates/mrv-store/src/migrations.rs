//! Append-only schema migrations (the start of SOP-004): each is applied in one transaction and
//! recorded with its time and the row count of every table before and after.
//!
//! Never edit or reorder an entry of [`MIGRATIONS`]; add a new one.

use crate::StoreError;
use rusqlite::{params, Connection};
use serde_json::json;

/// (version, name, SQL). Versions are consecutive from 1.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "initial", include_str!("migrations/0001_initial.sql")),
    (2, "layers", include_str!("migrations/0002_layers.sql")),
    (3, "flags", include_str!("migrations/0003_flags.sql")),
    (4, "zonal", include_str!("migrations/0004_zonal.sql")),
    (
        5,
        "sample_sets",
        include_str!("migrations/0005_sample_sets.sql"),
    ),
    (
        6,
        "batch_columns",
        include_str!("migrations/0006_batch_columns.sql"),
    ),
    (7, "review", include_str!("migrations/0007_review.sql")),
    (8, "auditlog", include_str!("migrations/0008_auditlog.sql")),
    (
        9,
        "hardening",
        include_str!("migrations/0009_hardening.sql"),
    ),
    (10, "backups", include_str!("migrations/0010_backups.sql")),
    (11, "registry", include_str!("migrations/0011_registry.sql")),
    (12, "exports", include_str!("migrations/0012_exports.sql")),
    (
        13,
        "inventory",
        include_str!("migrations/0013_inventory.sql"),
    ),
    (
        14,
        "registry_key_developer",
        include_str!("migrations/0014_registry_key_developer.sql"),
    ),
    (
        15,
        "incidents",
        include_str!("migrations/0015_incidents.sql"),
    ),
    (16, "access", include_str!("migrations/0016_access.sql")),
    (17, "releases", include_str!("migrations/0017_releases.sql")),
    (
        18,
        "data_changes",
        include_str!("migrations/0018_data_changes.sql"),
    ),
    (
        19,
        "statements",
        include_str!("migrations/0019_statements.sql"),
    ),
    (20, "findings", include_str!("migrations/0020_findings.sql")),
    (21, "basemaps", include_str!("migrations/0021_basemaps.sql")),
];

/// One applied migration as recorded in `schema_migration`.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationRecord {
    pub version: i64,
    pub name: String,
    pub applied_at: String,
    pub row_counts_before: serde_json::Value,
    pub row_counts_after: serde_json::Value,
}

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migration (
    version            INTEGER PRIMARY KEY,
    name               TEXT NOT NULL,
    applied_at         TEXT NOT NULL,
    row_counts_before  TEXT NOT NULL,
    row_counts_after   TEXT NOT NULL
)";

pub(crate) fn current_version(conn: &Connection) -> Result<i64, StoreError> {
    conn.execute_batch(LEDGER)?;
    Ok(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migration",
        [],
        |r| r.get(0),
    )?)
}

/// Applies every migration newer than the database, each in its own transaction.
pub(crate) fn migrate(conn: &mut Connection, now: &str) -> Result<(), StoreError> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    let found = current_version(conn)?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let before = row_counts(&tx)?;
        tx.execute_batch(sql)?;
        let after = row_counts(&tx)?;
        tx.execute(
            "INSERT INTO schema_migration (version, name, applied_at, row_counts_before, row_counts_after)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![version, name, now, before.to_string(), after.to_string()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn row_counts(conn: &Connection) -> Result<serde_json::Value, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut counts = serde_json::Map::new();
    for table in tables {
        // Table names come from sqlite_schema, not from input; quoting guards odd names anyway.
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {quoted}"), [], |r| r.get(0))?;
        counts.insert(table, json!(n));
    }
    Ok(serde_json::Value::Object(counts))
}

pub(crate) fn applied(conn: &Connection) -> Result<Vec<MigrationRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT version, name, applied_at, row_counts_before, row_counts_after FROM schema_migration ORDER BY version",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (version, name, applied_at, before, after) = row?;
        let parse = |t: &str| {
            serde_json::from_str(t)
                .map_err(|e| StoreError::Corrupt(format!("schema_migration {version}: {e}")))
        };
        out.push(MigrationRecord {
            version,
            name,
            applied_at,
            row_counts_before: parse(&before)?,
            row_counts_after: parse(&after)?,
        });
    }
    Ok(out)
}
