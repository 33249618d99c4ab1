//! Backups (SOP-007): the backup target, the record of every backup run and restore drill, and
//! the two database operations a backup needs — a consistent copy of the live database
//! (`VACUUM INTO`) and the list of stored files a copy references.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;

/// The folder backups go to, as set by an ops admin.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupTargetRecord {
    pub path: String,
    pub set_by: String,
    pub set_at: String,
}

pub fn backup_target(conn: &Connection) -> Result<Option<BackupTargetRecord>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT path, set_by, set_at FROM backup_target WHERE id = 1",
            [],
            |r| {
                Ok(BackupTargetRecord {
                    path: r.get(0)?,
                    set_by: r.get(1)?,
                    set_at: r.get(2)?,
                })
            },
        )
        .optional()?)
}

pub fn set_backup_target(conn: &Connection, t: &BackupTargetRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO backup_target (id, path, set_by, set_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET path = ?1, set_by = ?2, set_at = ?3",
        params![t.path, t.set_by, t.set_at],
    )?;
    Ok(())
}

/// One backup run.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupRunRecord {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub run_by: String,
    pub snapshot: Option<String>,
    pub ok: bool,
    pub bytes: i64,
    pub files_copied: i64,
    pub message: String,
}

pub fn insert_backup_run(conn: &Connection, r: &BackupRunRecord) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO backup_run (started_at, finished_at, run_by, snapshot, ok, bytes, files_copied, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.started_at,
            r.finished_at,
            r.run_by,
            r.snapshot,
            r.ok,
            r.bytes,
            r.files_copied,
            r.message
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every backup run, newest first.
pub fn backup_runs(conn: &Connection, limit: i64) -> Result<Vec<BackupRunRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, started_at, finished_at, run_by, snapshot, ok, bytes, files_copied, message
         FROM backup_run ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(BackupRunRecord {
            id: r.get(0)?,
            started_at: r.get(1)?,
            finished_at: r.get(2)?,
            run_by: r.get(3)?,
            snapshot: r.get(4)?,
            ok: r.get(5)?,
            bytes: r.get(6)?,
            files_copied: r.get(7)?,
            message: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One restore drill.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupDrillRecord {
    pub id: i64,
    pub started_at: String,
    pub run_by: String,
    pub snapshot: String,
    pub ok: bool,
    pub duration_ms: i64,
    pub report_json: String,
}

pub fn insert_backup_drill(conn: &Connection, d: &BackupDrillRecord) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO backup_drill (started_at, run_by, snapshot, ok, duration_ms, report_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            d.started_at,
            d.run_by,
            d.snapshot,
            d.ok,
            d.duration_ms,
            d.report_json
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every restore drill, newest first.
pub fn backup_drills(conn: &Connection, limit: i64) -> Result<Vec<BackupDrillRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, started_at, run_by, snapshot, ok, duration_ms, report_json
         FROM backup_drill ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(BackupDrillRecord {
            id: r.get(0)?,
            started_at: r.get(1)?,
            run_by: r.get(2)?,
            snapshot: r.get(3)?,
            ok: r.get(4)?,
            duration_ms: r.get(5)?,
            report_json: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Copies the database, as of one read transaction, into the new file `dest` (which must not
/// exist): SQLite's `VACUUM INTO`, consistent while other connections keep writing.
pub fn copy_database_into(conn: &Connection, dest: &Path) -> Result<(), StoreError> {
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Corrupt(format!("{} is not UTF-8", dest.display())))?;
    conn.execute("VACUUM INTO ?1", [dest])?;
    Ok(())
}

/// Every stored file the database references: (sha256, size), by hash.
pub fn stored_files(conn: &Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt = conn.prepare("SELECT sha256, size_bytes FROM stored_file ORDER BY sha256")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Opens the database file at `path` read-only and runs `PRAGMA integrity_check` and
/// `foreign_key_check` on it: `Ok(None)` when clean, else what SQLite reported.
pub fn check_database_file(path: &Path) -> Result<Option<String>, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if lines != ["ok"] {
        return Ok(Some(lines.join("; ")));
    }
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    if stmt.query([])?.next()?.is_some() {
        return Ok(Some("foreign key violations".into()));
    }
    Ok(None)
}

/// The stored files a database file at `path` references (opened read-only).
pub fn stored_files_of(path: &Path) -> Result<Vec<(String, i64)>, StoreError> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    stored_files(&conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `VACUUM INTO` makes a clean copy, and never replaces a file already at its name.
    #[test]
    fn the_database_copy_is_clean_and_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::Workspace::create(&dir.path().join("ws"), "2026-01-01T00:00:00Z").unwrap();
        let copy = dir.path().join("copy.sqlite");
        copy_database_into(ws.conn(), &copy).unwrap();
        assert_eq!(check_database_file(&copy).unwrap(), None);
        assert!(stored_files_of(&copy).unwrap().is_empty());
        let taken = dir.path().join("taken.sqlite");
        std::fs::write(&taken, "precious").unwrap();
        assert!(copy_database_into(ws.conn(), &taken).is_err());
        assert_eq!(std::fs::read(&taken).unwrap(), b"precious");
    }

    #[test]
    fn a_damaged_copy_fails_its_integrity_check() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::Workspace::create(&dir.path().join("ws"), "2026-01-01T00:00:00Z").unwrap();
        let copy = dir.path().join("copy.sqlite");
        copy_database_into(ws.conn(), &copy).unwrap();
        // Garbage over a b-tree page past the header (page 2 of 16 KiB pages).
        let mut bytes = std::fs::read(&copy).unwrap();
        for b in &mut bytes[16384..16384 + 64] {
            *b = 0xA5;
        }
        std::fs::write(&copy, bytes).unwrap();
        let found = check_database_file(&copy);
        assert!(
            !matches!(found, Ok(None)),
            "a damaged page must not pass: {found:?}"
        );
    }
}
