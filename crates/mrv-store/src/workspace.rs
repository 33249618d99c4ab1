//! A workspace folder: `workspace.sqlite` (+ WAL), `files/` (content-addressed), `tmp/`.

use crate::blobs::{blob_path, clean_tmp, BlobWriter};
use crate::migrations::{self, MigrationRecord};
use crate::StoreError;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub const DATABASE_FILE: &str = "workspace.sqlite";

/// An open workspace: its folder and one SQLite connection.
pub struct Workspace {
    root: PathBuf,
    conn: Connection,
}

impl Workspace {
    /// Creates the folder structure and database if missing, then opens it (applying migrations).
    pub fn create(root: &Path, now: &str) -> Result<Workspace, StoreError> {
        std::fs::create_dir_all(root).map_err(|e| StoreError::io(root, e))?;
        Workspace::open_inner(root, now)
    }

    /// Opens an existing workspace; refuses a folder that is not one.
    pub fn open(root: &Path, now: &str) -> Result<Workspace, StoreError> {
        if !root.join(DATABASE_FILE).is_file() {
            return Err(StoreError::NotAWorkspace(root.display().to_string()));
        }
        Workspace::open_inner(root, now)
    }

    pub fn exists(root: &Path) -> bool {
        root.join(DATABASE_FILE).is_file()
    }

    fn open_inner(root: &Path, now: &str) -> Result<Workspace, StoreError> {
        for dir in ["files", "tmp"] {
            let dir = root.join(dir);
            std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        }
        clean_tmp(&root.join("tmp"));
        let mut conn = Connection::open(root.join(DATABASE_FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL for concurrent readers during imports; FULL so a commit survives power loss.
        conn.pragma_update(None, "page_size", 16384)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(64);
        migrations::migrate(&mut conn, now)?;
        Ok(Workspace {
            root: root.to_owned(),
            conn,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Starts writing a new content-addressed blob.
    pub fn blob_writer(&self) -> Result<BlobWriter, StoreError> {
        BlobWriter::create(&self.root.join("tmp"), &self.root.join("files"))
    }

    /// Where the blob with this hash lives (whether or not it exists).
    pub fn blob_path(&self, sha256: &str) -> PathBuf {
        blob_path(&self.root.join("files"), sha256)
    }

    pub fn migrations(&self) -> Result<Vec<MigrationRecord>, StoreError> {
        migrations::applied(&self.conn)
    }

    /// `PRAGMA integrity_check` and `foreign_key_check`; `Ok(())` when both are clean.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result != "ok" {
            return Err(StoreError::Corrupt(result));
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        if stmt.query([])?.next()?.is_some() {
            return Err(StoreError::Corrupt("foreign key violations".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_recorded_once_with_row_counts() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::create(dir.path(), "2026-01-01T00:00:00Z").unwrap();
        let applied = ws.migrations().unwrap();
        assert_eq!(applied.len(), crate::MIGRATIONS.len());
        assert_eq!(applied[0].version, 1);
        assert_eq!(applied[0].row_counts_after["measurement"], 0);
        assert!(applied[0].row_counts_before.get("measurement").is_none());
        drop(ws);
        let ws = Workspace::open(dir.path(), "2026-02-01T00:00:00Z").unwrap();
        assert_eq!(
            ws.migrations().unwrap()[0].applied_at,
            "2026-01-01T00:00:00Z"
        );
        let mode: String = ws
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = ws
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        ws.check_integrity().unwrap();
    }

    #[test]
    fn a_folder_without_database_is_not_a_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let err = Workspace::open(dir.path(), "2026-01-01T00:00:00Z")
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("is not an MRV Desk workspace"),
            "{err}"
        );
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Workspace::create(dir.path(), "t").unwrap());
        let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        conn.execute(
            "INSERT INTO schema_migration VALUES (999, 'future', 't', '{}', '{}')",
            [],
        )
        .unwrap();
        drop(conn);
        let err = Workspace::open(dir.path(), "t").err().unwrap();
        assert!(
            matches!(err, StoreError::TooNew { found: 999, .. }),
            "{err}"
        );
    }

    #[test]
    fn blobs_are_content_addressed_and_temp_files_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::create(dir.path(), "t").unwrap();
        let mut w = ws.blob_writer().unwrap();
        w.write_all(b"abc").unwrap();
        let (hash, size) = w.finish().unwrap();
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(size, 3);
        assert_eq!(std::fs::read(ws.blob_path(&hash)).unwrap(), b"abc");
        let mut abandoned = ws.blob_writer().unwrap();
        abandoned.write_all(b"partial").unwrap();
        drop(abandoned);
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
    }

    #[test]
    fn opening_the_workspace_during_a_write_keeps_the_writers_part_file() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::create(dir.path(), "t").unwrap();
        let mut writer = ws.blob_writer().unwrap();
        writer.write_all(b"first half, ").unwrap();
        writer.sync().unwrap();
        // A file left by a killed process: nobody holds its lock.
        let stale = dir.path().join("tmp/blob-1-0.part");
        std::fs::write(&stale, b"left by a killed import").unwrap();
        // What the desktop does on every command while an import runs.
        let other = Workspace::open(dir.path(), "t").unwrap();
        drop(other);
        assert!(!stale.exists(), "an unowned part file is cleaned");
        writer.write_all(b"second half").unwrap();
        let (hash, size) = writer.finish().unwrap();
        assert_eq!(size, 23);
        assert_eq!(
            std::fs::read(ws.blob_path(&hash)).unwrap(),
            b"first half, second half"
        );
    }

    #[test]
    fn a_part_file_opened_in_another_process_survives_an_open() {
        // The writer's lock is an OS lock: a second process opening the workspace must see it.
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::create(dir.path(), "t").unwrap();
        let mut writer = ws.blob_writer().unwrap();
        writer.write_all(b"abc").unwrap();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "workspace::tests::open_the_workspace_named_by_the_environment",
                "--ignored",
                "--nocapture",
            ])
            .env("MRV_TEST_OPEN_WORKSPACE", dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        writer.finish().unwrap();
    }

    /// Run by [`a_part_file_opened_in_another_process_survives_an_open`] in a child process.
    #[test]
    #[ignore = "run as a child process by another test"]
    fn open_the_workspace_named_by_the_environment() {
        let Some(root) = std::env::var_os("MRV_TEST_OPEN_WORKSPACE") else {
            return; // run on its own: nothing to open
        };
        drop(Workspace::open(Path::new(&root), "t").unwrap());
        let parts = std::fs::read_dir(Path::new(&root).join("tmp"))
            .unwrap()
            .count();
        assert_eq!(parts, 1, "the parent's part file is still there");
    }
}
