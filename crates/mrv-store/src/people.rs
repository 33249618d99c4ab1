//! Users, sessions, review decisions, attachments, stamps and the local journal (migration
//! 0007).

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A local user as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub id: i64,
    pub name: String,
    /// Role names.
    pub roles: Vec<String>,
    pub password_hash: String,
    pub public_key: String,
    pub sealed_key: String,
    pub created_at: String,
    pub offboarded_at: Option<String>,
}

const USER_COLUMNS: &str =
    "id, name, roles_json, password_hash, public_key, sealed_key, created_at, offboarded_at";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let roles_json: String = r.get(2)?;
    Ok(UserRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        roles: serde_json::from_str(&roles_json).unwrap_or_default(),
        password_hash: r.get(3)?,
        public_key: r.get(4)?,
        sealed_key: r.get(5)?,
        created_at: r.get(6)?,
        offboarded_at: r.get(7)?,
    })
}

pub fn insert_user(conn: &Connection, u: &UserRecord) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO app_user (name, roles_json, password_hash, public_key, sealed_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            u.name,
            serde_json::to_string(&u.roles).expect("strings serialise"),
            u.password_hash,
            u.public_key,
            u.sealed_key,
            u.created_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn user_count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM app_user", [], |r| r.get(0))?)
}

pub fn list_users(conn: &Connection) -> Result<Vec<UserRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM app_user ORDER BY name"
    ))?;
    let rows = stmt
        .query_map([], user_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn user_by_name(conn: &Connection, name: &str) -> Result<Option<UserRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM app_user WHERE name = ?1"),
            [name],
            user_from_row,
        )
        .optional()?)
}

pub fn user_by_id(conn: &Connection, id: i64) -> Result<Option<UserRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM app_user WHERE id = ?1"),
            [id],
            user_from_row,
        )
        .optional()?)
}

/// Marks a user offboarded and ends all their sessions.
pub fn offboard_user(conn: &Connection, id: i64, now: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE app_user SET offboarded_at = ?2 WHERE id = ?1 AND offboarded_at IS NULL",
        params![id, now],
    )?;
    conn.execute(
        "UPDATE session SET ended_at = ?2 WHERE user_id = ?1 AND ended_at IS NULL",
        params![id, now],
    )?;
    Ok(())
}

pub fn insert_session(
    conn: &Connection,
    token_sha256: &str,
    user_id: i64,
    created_at: &str,
    expires_at: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO session (token_sha256, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_sha256, user_id, created_at, expires_at],
    )?;
    Ok(())
}

/// A session as stored: (user id, expires at, ended at).
pub fn session(
    conn: &Connection,
    token_sha256: &str,
) -> Result<Option<(i64, String, Option<String>)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT user_id, expires_at, ended_at FROM session WHERE token_sha256 = ?1",
            [token_sha256],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

pub fn end_session(conn: &Connection, token_sha256: &str, now: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE session SET ended_at = ?2 WHERE token_sha256 = ?1 AND ended_at IS NULL",
        params![token_sha256, now],
    )?;
    Ok(())
}

/// Who imported a batch (NULL for batches imported before users existed).
pub fn batch_importer(conn: &Connection, batch_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn.query_row(
        "SELECT imported_by FROM batch WHERE id = ?1",
        [batch_id],
        |r| r.get(0),
    )?)
}

pub fn set_batch_importer(
    conn: &Connection,
    batch_id: i64,
    user_id: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE batch SET imported_by = ?2 WHERE id = ?1",
        params![batch_id, user_id],
    )?;
    Ok(())
}

/// A review decision to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReviewEvent<'a> {
    pub batch_id: i64,
    pub action: &'a str,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub user_id: i64,
    pub at: &'a str,
    pub reason_code: Option<&'a str>,
    pub reason_text: Option<&'a str>,
}

pub fn insert_review_event(conn: &Connection, e: &NewReviewEvent<'_>) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO review_event (batch_id, action, from_state, to_state, user_id, at, reason_code, reason_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![e.batch_id, e.action, e.from_state, e.to_state, e.user_id, e.at, e.reason_code, e.reason_text],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn insert_justification(
    conn: &Connection,
    review_event_id: i64,
    flag_id: i64,
    text: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO justification (review_event_id, flag_id, text) VALUES (?1, ?2, ?3)",
        params![review_event_id, flag_id, text],
    )?;
    Ok(())
}

/// A stored review decision with its user's name.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewEventRecord {
    pub id: i64,
    pub batch_id: i64,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub user: String,
    pub at: String,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
    /// (flag id, row, check, text) for approvals.
    pub justifications: Vec<(i64, i64, String, String)>,
}

/// The decisions on the given batches, oldest first.
pub fn review_events(
    conn: &Connection,
    batch_ids: &[i64],
) -> Result<Vec<ReviewEventRecord>, StoreError> {
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.batch_id, e.action, e.from_state, e.to_state, u.name, e.at, e.reason_code, e.reason_text
         FROM review_event e JOIN app_user u ON u.id = e.user_id WHERE e.batch_id = ?1 ORDER BY e.id",
    )?;
    let mut just = conn.prepare_cached(
        "SELECT j.flag_id, f.row_id - b.first_row_id + 1, f.check_name, j.text
         FROM justification j JOIN flag f ON f.id = j.flag_id JOIN batch b ON b.id = f.batch_id
         WHERE j.review_event_id = ?1 ORDER BY f.row_id, f.check_name",
    )?;
    for &batch_id in batch_ids {
        let events: Vec<ReviewEventRecord> = stmt
            .query_map([batch_id], |r| {
                Ok(ReviewEventRecord {
                    id: r.get(0)?,
                    batch_id: r.get(1)?,
                    action: r.get(2)?,
                    from_state: r.get(3)?,
                    to_state: r.get(4)?,
                    user: r.get(5)?,
                    at: r.get(6)?,
                    reason_code: r.get(7)?,
                    reason_text: r.get(8)?,
                    justifications: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        for mut e in events {
            e.justifications = just
                .query_map([e.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<_, _>>()?;
            out.push(e);
        }
    }
    Ok(out)
}

/// An evidence file attached to a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRecord {
    pub id: i64,
    pub batch_id: i64,
    pub name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub attached_by: String,
    pub attached_at: String,
}

pub fn insert_attachment(
    conn: &Connection,
    batch_id: i64,
    name: &str,
    sha256: &str,
    size: i64,
    user_id: i64,
    at: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO attachment (batch_id, name, sha256, size_bytes, attached_by, attached_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![batch_id, name, sha256, size, user_id, at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn attachments(conn: &Connection, batch_id: i64) -> Result<Vec<AttachmentRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.batch_id, a.name, a.sha256, a.size_bytes, u.name, a.attached_at
         FROM attachment a JOIN app_user u ON u.id = a.attached_by WHERE a.batch_id = ?1 ORDER BY a.sha256",
    )?;
    let rows = stmt
        .query_map([batch_id], |r| {
            Ok(AttachmentRecord {
                id: r.get(0)?,
                batch_id: r.get(1)?,
                name: r.get(2)?,
                sha256: r.get(3)?,
                size_bytes: r.get(4)?,
                attached_by: r.get(5)?,
                attached_at: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A batch's stamp as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StampRecord {
    pub batch_id: i64,
    pub document: Vec<u8>,
    pub stamp_hash: String,
    pub signature: String,
    pub signer_key: String,
    pub created_at: String,
}

pub fn insert_stamp(conn: &Connection, s: &StampRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO stamp (batch_id, document, stamp_hash, signature, signer_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![s.batch_id, s.document, s.stamp_hash, s.signature, s.signer_key, s.created_at],
    )?;
    Ok(())
}

pub fn stamp(conn: &Connection, batch_id: i64) -> Result<Option<StampRecord>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT batch_id, document, stamp_hash, signature, signer_key, created_at FROM stamp WHERE batch_id = ?1",
            [batch_id],
            |r| {
                Ok(StampRecord {
                    batch_id: r.get(0)?,
                    document: r.get(1)?,
                    stamp_hash: r.get(2)?,
                    signature: r.get(3)?,
                    signer_key: r.get(4)?,
                    created_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// A journal event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JournalRecord {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub payload_json: String,
    pub payload_sha256: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The last event's (seq, hash), if any.
pub fn journal_head(conn: &Connection) -> Result<Option<(i64, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub fn insert_journal(conn: &Connection, e: &JournalRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO journal (seq, at, actor, action, target, payload_json, payload_sha256, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![e.seq, e.at, e.actor, e.action, e.target, e.payload_json, e.payload_sha256, e.prev_hash, e.hash],
    )?;
    Ok(())
}

/// Every journal event in order, to `visit` (stops at the first error it returns).
pub fn each_journal_event(
    conn: &Connection,
    visit: &mut dyn FnMut(JournalRecord) -> bool,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, target, payload_json, payload_sha256, prev_hash, hash FROM journal ORDER BY rowid",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let record = JournalRecord {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            target: r.get(4)?,
            payload_json: r.get(5)?,
            payload_sha256: r.get(6)?,
            prev_hash: r.get(7)?,
            hash: r.get(8)?,
        };
        if !visit(record) {
            break;
        }
    }
    Ok(())
}

/// Starts a write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so what it
/// reads first cannot be changed by another writer before it commits.
pub fn begin_immediate(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    Ok(conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
}

/// A name's failed sign-ins in a row and, when locked out, until when (Unix seconds).
pub fn sign_in_failures(
    conn: &Connection,
    name: &str,
) -> Result<Option<(i64, Option<i64>)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT failures, locked_until FROM sign_in_failure WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Counts one more failed sign-in for `name`; returns how many in a row now.
pub fn count_sign_in_failure(conn: &Connection, name: &str) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "INSERT INTO sign_in_failure (name, failures) VALUES (?1, 1)
         ON CONFLICT (name) DO UPDATE SET failures = failures + 1 RETURNING failures",
        [name],
        |r| r.get(0),
    )?)
}

pub fn lock_sign_in(conn: &Connection, name: &str, until_unix: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE sign_in_failure SET locked_until = ?2 WHERE name = ?1",
        params![name, until_unix],
    )?;
    Ok(())
}

/// A successful sign-in forgets the name's failures.
pub fn clear_sign_in_failures(conn: &Connection, name: &str) -> Result<(), StoreError> {
    conn.execute("DELETE FROM sign_in_failure WHERE name = ?1", [name])?;
    Ok(())
}

/// Every stamp, by batch.
pub fn all_stamps(conn: &Connection) -> Result<Vec<StampRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT batch_id, document, stamp_hash, signature, signer_key, created_at FROM stamp ORDER BY batch_id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(StampRecord {
                batch_id: r.get(0)?,
                // Read whatever the column holds: a document edited in as text (or anything else)
                // is for verification to judge, not a reason to fail reading.
                document: bytes_of(r.get_ref(1)?),
                stamp_hash: r.get(2)?,
                signature: r.get(3)?,
                signer_key: r.get(4)?,
                created_at: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The bytes of a stored value of any type (text as UTF-8, numbers as their decimal text).
fn bytes_of(value: rusqlite::types::ValueRef<'_>) -> Vec<u8> {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        ValueRef::Integer(i) => i.to_string().into_bytes(),
        ValueRef::Real(f) => f.to_string().into_bytes(),
        ValueRef::Null => Vec::new(),
    }
}
