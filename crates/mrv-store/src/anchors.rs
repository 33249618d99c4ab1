//! The audit-log client's tables (migration 0008): connection, anchor queue, verified
//! checkpoints, alarms and health.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// The log a workspace anchors to.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLogRecord {
    pub url: String,
    pub origin: String,
    pub vkey: String,
    pub token: String,
    pub connected_by: String,
    pub connected_at: String,
}

pub fn auditlog(conn: &Connection) -> Result<Option<AuditLogRecord>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT url, origin, vkey, token, connected_by, connected_at FROM auditlog WHERE id = 1",
            [],
            |r| {
                Ok(AuditLogRecord {
                    url: r.get(0)?,
                    origin: r.get(1)?,
                    vkey: r.get(2)?,
                    token: r.get(3)?,
                    connected_by: r.get(4)?,
                    connected_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

pub fn set_auditlog(conn: &Connection, a: &AuditLogRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO auditlog (id, url, origin, vkey, token, connected_by, connected_at) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET url = ?1, origin = ?2, vkey = ?3, token = ?4, connected_by = ?5, connected_at = ?6",
        params![a.url, a.origin, a.vkey, a.token, a.connected_by, a.connected_at],
    )?;
    Ok(())
}

/// One anchor in the queue (or done).
#[derive(Debug, Clone, PartialEq)]
pub struct AnchorRecord {
    pub id: i64,
    pub kind: String,
    pub record_id: String,
    pub batch_id: Option<i64>,
    pub entry: Vec<u8>,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub origin: Option<String>,
    pub log_index: Option<i64>,
    pub checkpoint_size: Option<i64>,
    pub receipt: Option<String>,
    pub created_at: String,
    pub anchored_at: Option<String>,
}

const ANCHOR_COLUMNS: &str = "id, kind, record_id, batch_id, entry, state, attempts, next_attempt_at, last_error, origin, log_index, checkpoint_size, receipt, created_at, anchored_at";

fn anchor_row(r: &Row<'_>) -> rusqlite::Result<AnchorRecord> {
    Ok(AnchorRecord {
        id: r.get(0)?,
        kind: r.get(1)?,
        record_id: r.get(2)?,
        batch_id: r.get(3)?,
        entry: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        last_error: r.get(8)?,
        origin: r.get(9)?,
        log_index: r.get(10)?,
        checkpoint_size: r.get(11)?,
        receipt: r.get(12)?,
        created_at: r.get(13)?,
        anchored_at: r.get(14)?,
    })
}

/// Queues an anchor; a record already queued (same kind and id) is left as it is, so nothing is
/// queued twice. Returns the anchor's id.
pub fn queue_anchor(
    conn: &Connection,
    kind: &str,
    record_id: &str,
    batch_id: Option<i64>,
    entry: &[u8],
    now: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO anchor (kind, record_id, batch_id, entry, state, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?5) ON CONFLICT (kind, record_id) DO NOTHING",
        params![kind, record_id, batch_id, entry, now],
    )?;
    Ok(conn.query_row(
        "SELECT id FROM anchor WHERE kind = ?1 AND record_id = ?2",
        params![kind, record_id],
        |r| r.get(0),
    )?)
}

pub fn anchor(conn: &Connection, id: i64) -> Result<Option<AnchorRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {ANCHOR_COLUMNS} FROM anchor WHERE id = ?1"),
            [id],
            anchor_row,
        )
        .optional()?)
}

/// The anchor of one record (`kind`, `record_id`), if queued.
pub fn anchor_of(
    conn: &Connection,
    kind: &str,
    record_id: &str,
) -> Result<Option<AnchorRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {ANCHOR_COLUMNS} FROM anchor WHERE kind = ?1 AND record_id = ?2"),
            params![kind, record_id],
            anchor_row,
        )
        .optional()?)
}

pub fn batch_anchor(conn: &Connection, batch_id: i64) -> Result<Option<AnchorRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {ANCHOR_COLUMNS} FROM anchor WHERE kind = 'stamp' AND batch_id = ?1"),
            [batch_id],
            anchor_row,
        )
        .optional()?)
}

/// Anchors not yet anchored whose next attempt is due at `now` (all of them if `now` is None).
pub fn due_anchors(conn: &Connection, now: Option<&str>) -> Result<Vec<AnchorRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ANCHOR_COLUMNS} FROM anchor WHERE state != 'anchored' AND (?1 IS NULL OR next_attempt_at <= ?1) ORDER BY id"
    ))?;
    let rows = stmt.query_map([now], anchor_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn list_anchors(conn: &Connection) -> Result<Vec<AnchorRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {ANCHOR_COLUMNS} FROM anchor ORDER BY id"))?;
    let rows = stmt.query_map([], anchor_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many anchors are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnchorCounts {
    pub queued: usize,
    pub failed: usize,
    pub anchored: usize,
}

pub fn anchor_counts(conn: &Connection) -> Result<AnchorCounts, StoreError> {
    let mut stmt = conn.prepare("SELECT state, COUNT(*) FROM anchor GROUP BY state")?;
    let mut rows = stmt.query([])?;
    let mut counts = AnchorCounts::default();
    while let Some(r) = rows.next()? {
        let n = r.get::<_, i64>(1)? as usize;
        match r.get::<_, String>(0)?.as_str() {
            "queued" => counts.queued = n,
            "failed" => counts.failed = n,
            "anchored" => counts.anchored = n,
            _ => {}
        }
    }
    Ok(counts)
}

/// The latest journal anchor's record id (`journal-<seq>`), if any.
pub fn last_journal_anchor(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT record_id FROM anchor WHERE kind = 'journal' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn anchor_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    next_attempt_at: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE anchor SET state = 'failed', attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3 WHERE id = ?1 AND state != 'anchored'",
        params![id, error, next_attempt_at],
    )?;
    Ok(())
}

pub fn anchor_done(
    conn: &Connection,
    id: i64,
    origin: &str,
    index: u64,
    checkpoint_size: u64,
    receipt: &str,
    now: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE anchor SET state = 'anchored', attempts = attempts + 1, last_error = NULL, origin = ?2, log_index = ?3, checkpoint_size = ?4, receipt = ?5, anchored_at = ?6 WHERE id = ?1",
        params![id, origin, index as i64, checkpoint_size as i64, receipt, now],
    )?;
    Ok(())
}

/// A verified checkpoint as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointRecord {
    /// The pinned verifier key of the log that signed it.
    pub log_vkey: String,
    pub size: u64,
    pub root: [u8; 32],
    pub note: String,
    pub seen_at: String,
}

pub fn latest_checkpoint(
    conn: &Connection,
    log_vkey: &str,
) -> Result<Option<CheckpointRecord>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT log_vkey, size, root, note, seen_at FROM log_checkpoint WHERE log_vkey = ?1 ORDER BY size DESC LIMIT 1",
            [log_vkey],
            |r| {
                Ok(CheckpointRecord {
                    log_vkey: r.get(0)?,
                    size: r.get::<_, i64>(1)? as u64,
                    root: r.get(2)?,
                    note: r.get(3)?,
                    seen_at: r.get(4)?,
                })
            },
        )
        .optional()?)
}

pub fn insert_checkpoint(conn: &Connection, c: &CheckpointRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO log_checkpoint (log_vkey, size, root, note, seen_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        params![c.log_vkey, c.size as i64, c.root, c.note, c.seen_at],
    )?;
    Ok(())
}

/// An alarm: the log signed a checkpoint that conflicts with one we stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmRecord {
    pub id: i64,
    pub log_vkey: String,
    pub kind: String,
    pub stored_note: String,
    pub presented_note: String,
    pub detail: String,
    pub detected_at: String,
}

/// Records an alarm, once: the same pair of checkpoints presented again adds nothing.
pub fn insert_alarm(conn: &Connection, a: &AlarmRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO log_alarm (log_vkey, kind, stored_note, presented_note, detail, detected_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (
             SELECT 1 FROM log_alarm WHERE log_vkey = ?1 AND stored_note = ?3 AND presented_note = ?4)",
        params![a.log_vkey, a.kind, a.stored_note, a.presented_note, a.detail, a.detected_at],
    )?;
    Ok(())
}

pub fn alarms(conn: &Connection, log_vkey: &str) -> Result<Vec<AlarmRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, log_vkey, kind, stored_note, presented_note, detail, detected_at FROM log_alarm WHERE log_vkey = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([log_vkey], |r| {
        Ok(AlarmRecord {
            id: r.get(0)?,
            log_vkey: r.get(1)?,
            kind: r.get(2)?,
            stored_note: r.get(3)?,
            presented_note: r.get(4)?,
            detail: r.get(5)?,
            detected_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the log was last checked and last proven consistent, and the last error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthRecord {
    pub last_checked_at: Option<String>,
    pub last_consistent_at: Option<String>,
    pub last_error: Option<String>,
}

pub fn health(conn: &Connection, log_vkey: &str) -> Result<HealthRecord, StoreError> {
    Ok(conn
        .query_row(
            "SELECT last_checked_at, last_consistent_at, last_error FROM log_health WHERE log_vkey = ?1",
            [log_vkey],
            |r| {
                Ok(HealthRecord {
                    last_checked_at: r.get(0)?,
                    last_consistent_at: r.get(1)?,
                    last_error: r.get(2)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

pub fn set_health(conn: &Connection, log_vkey: &str, h: &HealthRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO log_health (log_vkey, last_checked_at, last_consistent_at, last_error) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (log_vkey) DO UPDATE SET last_checked_at = ?2, last_consistent_at = ?3, last_error = ?4",
        params![log_vkey, h.last_checked_at, h.last_consistent_at, h.last_error],
    )?;
    Ok(())
}

/// The audit-log writer token sealed for one user, if it is.
pub fn token_box(conn: &Connection, user_id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT sealed FROM auditlog_token_box WHERE user_id = ?1",
            [user_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The users the writer token is sealed for.
pub fn token_box_users(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare("SELECT user_id FROM auditlog_token_box ORDER BY user_id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_token_box(conn: &Connection, user_id: i64, sealed: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO auditlog_token_box (user_id, sealed) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET sealed = ?2",
        params![user_id, sealed],
    )?;
    Ok(())
}

/// Forgets the token sealed for `user_id` (`None`: for everyone).
pub fn delete_token_boxes(conn: &Connection, user_id: Option<i64>) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM auditlog_token_box WHERE ?1 IS NULL OR user_id = ?1",
        [user_id],
    )?;
    Ok(())
}

/// Empties the clear `auditlog.token` column of workspaces from before the token was sealed.
pub fn clear_auditlog_token(conn: &Connection) -> Result<(), StoreError> {
    conn.execute("UPDATE auditlog SET token = '' WHERE id = 1", [])?;
    Ok(())
}
