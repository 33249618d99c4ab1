//! The log's SQLite store: entries (append-only, unique by content), every signed checkpoint,
//! and the origin and verifier key it was created with.

use anyhow::{bail, Context, Result};
use mrv_tlog::{leaf_hash, Checkpoint, Levels, SignerKey};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entry (
    idx INTEGER PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoint (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
";

/// The store as loaded at start: the tree of every entry, each entry's index by content, and
/// the latest signed checkpoint.
pub struct Loaded {
    pub conn: Connection,
    pub tree: Levels,
    pub index: HashMap<[u8; 32], u64>,
    pub size: u64,
    pub note: String,
}

/// SHA-256 of an entry's bytes: how duplicates are recognised.
pub fn digest(entry: &[u8]) -> [u8; 32] {
    Sha256::digest(entry).into()
}

pub fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Opens (or creates) the store for `key`. Refuses a store made for another origin or key, and
/// one whose latest checkpoint does not match its entries.
pub fn open(path: &Path, key: &SignerKey) -> Result<Loaded> {
    let mut conn = connect(path)?;
    conn.execute_batch(SCHEMA)?;
    let vkey = key.verifier().to_text();
    let meta = |conn: &Connection, k: &str| -> Result<Option<String>> {
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
            .optional()?)
    };
    match (meta(&conn, "origin")?, meta(&conn, "vkey")?) {
        (None, None) => {
            let entries: i64 = conn.query_row("SELECT COUNT(*) FROM entry", [], |r| r.get(0))?;
            if entries > 0 {
                bail!(
                    "{} holds {entries} entries but no origin or key: refusing to adopt them",
                    path.display()
                );
            }
            let tx = conn.transaction()?;
            tx.execute("INSERT INTO meta VALUES ('origin', ?1)", [&key.name])?;
            tx.execute("INSERT INTO meta VALUES ('vkey', ?1)", [&vkey])?;
            let empty = Checkpoint {
                origin: key.name.clone(),
                size: 0,
                root: mrv_tlog::empty_root(),
                extensions: vec![],
            };
            tx.execute("INSERT INTO checkpoint VALUES (0, ?1)", [empty.sign(key)?])?;
            tx.commit()?;
        }
        (Some(origin), Some(stored)) => {
            if origin != key.name {
                bail!(
                    "{} belongs to the log {origin:?}, not {:?}: refusing to start",
                    path.display(),
                    key.name
                );
            }
            if stored != vkey {
                bail!(
                    "{} was signed with the key {stored}, not {vkey}: refusing to start",
                    path.display()
                );
            }
        }
        _ => bail!("{}: its meta table is incomplete", path.display()),
    }
    let mut tree = Levels::new();
    let mut index = HashMap::new();
    {
        let mut stmt = conn.prepare("SELECT idx, digest, data FROM entry ORDER BY idx")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let idx: u64 = row.get(0)?;
            if idx != tree.size() {
                bail!("{}: entry {} is missing", path.display(), tree.size());
            }
            let d: [u8; 32] = row.get(1)?;
            let data: Vec<u8> = row.get_ref(2)?.as_blob()?.to_vec();
            if digest(&data) != d {
                bail!("{}: entry {idx} does not match its digest", path.display());
            }
            tree.push(leaf_hash(&data));
            index.insert(d, idx);
        }
    }
    let (size, note): (u64, String) = conn.query_row(
        "SELECT size, note FROM checkpoint ORDER BY size DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let cp = Checkpoint::open(note.as_bytes(), &key.name, &key.verifier())
        .context("the latest stored checkpoint does not verify")?;
    // Entries and their checkpoint are committed together, so the latest checkpoint covers
    // exactly the stored entries.
    if cp.size != size || size != tree.size() || tree.root(size)? != cp.root {
        bail!(
            "{}: the latest checkpoint (size {size}) does not match the stored entries: refusing to start",
            path.display()
        );
    }
    Ok(Loaded {
        conn,
        tree,
        index,
        size,
        note,
    })
}

/// Writes new entries and the checkpoint that covers them in one durable transaction.
pub fn commit(
    conn: &mut Connection,
    entries: &[(u64, [u8; 32], &[u8])],
    size: u64,
    note: &str,
) -> Result<()> {
    let tx = conn.transaction()?;
    {
        let mut stmt =
            tx.prepare_cached("INSERT INTO entry (idx, digest, data) VALUES (?1, ?2, ?3)")?;
        for (idx, d, data) in entries {
            stmt.execute(params![idx, d, data])?;
        }
        tx.execute(
            "INSERT INTO checkpoint (size, note) VALUES (?1, ?2)",
            params![size, note],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Entries `start..start + count` (fewer if the store has fewer).
pub fn entries(conn: &Connection, start: u64, count: u64) -> Result<Vec<Vec<u8>>> {
    let mut stmt =
        conn.prepare_cached("SELECT data FROM entry WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")?;
    let rows = stmt.query_map(params![start, start + count], |r| r.get::<_, Vec<u8>>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
