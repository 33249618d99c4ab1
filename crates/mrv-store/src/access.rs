//! Access management (migration 0016): managers of users, role changes, sessions per user,
//! access requests and the quarterly access review.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// Sets (or clears) a user's manager.
pub fn set_user_manager(
    conn: &Connection,
    user_id: i64,
    manager_id: Option<i64>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE app_user SET manager_id = ?2 WHERE id = ?1",
        params![user_id, manager_id],
    )?;
    Ok(())
}

/// A user's manager's id, if they have one.
pub fn user_manager(conn: &Connection, user_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT manager_id FROM app_user WHERE id = ?1",
            [user_id],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// Replaces a user's roles (role names).
pub fn set_user_roles(conn: &Connection, user_id: i64, roles: &[String]) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE app_user SET roles_json = ?2 WHERE id = ?1",
        params![
            user_id,
            serde_json::to_string(roles).expect("strings serialise")
        ],
    )?;
    Ok(())
}

/// Empties an offboarded user's sealed signing key: nothing can open it any more.
pub fn disable_signing_key(conn: &Connection, user_id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE app_user SET sealed_key = '' WHERE id = ?1 AND offboarded_at IS NOT NULL",
        [user_id],
    )?;
    Ok(())
}

/// A live session as stored (never its token hash).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub user_id: i64,
    pub created_at: String,
    pub expires_at: String,
}

/// Every live session (not ended, not expired at `now`), of one user or of all, newest first.
pub fn active_sessions(
    conn: &Connection,
    user_id: Option<i64>,
    now: &str,
) -> Result<Vec<SessionRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT user_id, created_at, expires_at FROM session
         WHERE ended_at IS NULL AND expires_at > ?1 AND (?2 IS NULL OR user_id = ?2)
         ORDER BY created_at DESC, user_id",
    )?;
    let rows = stmt
        .query_map(params![now, user_id], |r| {
            Ok(SessionRecord {
                user_id: r.get(0)?,
                created_at: r.get(1)?,
                expires_at: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// When a user last signed in (their newest session), if ever.
pub fn last_sign_in(conn: &Connection, user_id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row(
        "SELECT MAX(created_at) FROM session WHERE user_id = ?1",
        [user_id],
        |r| r.get(0),
    )?)
}

/// Each journal action name `actor` recorded, with the time of its latest event.
pub fn latest_journal_actions(
    conn: &Connection,
    actor: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT action, MAX(at) FROM journal WHERE actor = ?1 GROUP BY action")?;
    let rows = stmt
        .query_map([actor], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// An access request as stored, with the names of the people involved.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessRequestRecord {
    pub id: i64,
    pub user_id: i64,
    pub user: String,
    /// The requester's manager (now).
    pub manager_id: Option<i64>,
    pub manager: Option<String>,
    pub role: String,
    pub reason: String,
    pub state: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub granted_by: Option<String>,
    pub granted_at: Option<String>,
}

const REQUEST_SELECT: &str =
    "SELECT r.id, r.user_id, u.name, u.manager_id, m.name, r.role, r.reason, r.state,
        r.requested_at, d.name, r.decided_at, r.decision_reason, g.name, r.granted_at
     FROM access_request r
     JOIN app_user u ON u.id = r.user_id
     LEFT JOIN app_user m ON m.id = u.manager_id
     LEFT JOIN app_user d ON d.id = r.decided_by
     LEFT JOIN app_user g ON g.id = r.granted_by";

fn request_from_row(r: &Row<'_>) -> rusqlite::Result<AccessRequestRecord> {
    Ok(AccessRequestRecord {
        id: r.get(0)?,
        user_id: r.get(1)?,
        user: r.get(2)?,
        manager_id: r.get(3)?,
        manager: r.get(4)?,
        role: r.get(5)?,
        reason: r.get(6)?,
        state: r.get(7)?,
        requested_at: r.get(8)?,
        decided_by: r.get(9)?,
        decided_at: r.get(10)?,
        decision_reason: r.get(11)?,
        granted_by: r.get(12)?,
        granted_at: r.get(13)?,
    })
}

pub fn insert_access_request(
    conn: &Connection,
    user_id: i64,
    role: &str,
    reason: &str,
    at: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO access_request (user_id, role, reason, state, requested_at) VALUES (?1, ?2, ?3, 'requested', ?4)",
        params![user_id, role, reason, at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn access_request(
    conn: &Connection,
    id: i64,
) -> Result<Option<AccessRequestRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("{REQUEST_SELECT} WHERE r.id = ?1"),
            [id],
            request_from_row,
        )
        .optional()?)
}

/// Access requests, oldest first: all, or those of one requester, or those whose requester's
/// manager is `manager_id`.
pub fn access_requests(
    conn: &Connection,
    requester: Option<i64>,
    manager_id: Option<i64>,
) -> Result<Vec<AccessRequestRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "{REQUEST_SELECT} WHERE (?1 IS NULL OR r.user_id = ?1) AND (?2 IS NULL OR u.manager_id = ?2) ORDER BY r.id"
    ))?;
    let rows = stmt
        .query_map(params![requester, manager_id], request_from_row)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Records a manager's decision (`approved` or `declined`) on a `requested` request.
pub fn decide_access_request(
    conn: &Connection,
    id: i64,
    state: &str,
    by: i64,
    at: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE access_request SET state = ?2, decided_by = ?3, decided_at = ?4, decision_reason = ?5 WHERE id = ?1 AND state = 'requested'",
        params![id, state, by, at, reason],
    )?;
    Ok(())
}

/// Records the grant of an `approved` request.
pub fn grant_access_request(
    conn: &Connection,
    id: i64,
    by: i64,
    at: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE access_request SET state = 'granted', granted_by = ?2, granted_at = ?3 WHERE id = ?1 AND state = 'approved'",
        params![id, by, at],
    )?;
    Ok(())
}

/// An access review as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessReviewRecord {
    pub id: i64,
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
}

const REVIEW_SELECT: &str = "SELECT v.id, u.name, v.started_at, v.finished_at
     FROM access_review v JOIN app_user u ON u.id = v.started_by";

fn review_from_row(r: &Row<'_>) -> rusqlite::Result<AccessReviewRecord> {
    Ok(AccessReviewRecord {
        id: r.get(0)?,
        started_by: r.get(1)?,
        started_at: r.get(2)?,
        finished_at: r.get(3)?,
    })
}

pub fn insert_access_review(conn: &Connection, by: i64, at: &str) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO access_review (started_by, started_at) VALUES (?1, ?2)",
        params![by, at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The newest access review, if any.
pub fn latest_access_review(conn: &Connection) -> Result<Option<AccessReviewRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("{REVIEW_SELECT} ORDER BY v.id DESC LIMIT 1"),
            [],
            review_from_row,
        )
        .optional()?)
}

/// When the newest finished access review finished, if any did.
pub fn last_finished_access_review(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(
        conn.query_row("SELECT MAX(finished_at) FROM access_review", [], |r| {
            r.get(0)
        })?,
    )
}

pub fn finish_access_review(conn: &Connection, id: i64, at: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE access_review SET finished_at = ?2 WHERE id = ?1 AND finished_at IS NULL",
        params![id, at],
    )?;
    Ok(())
}

/// One grant (user × role) of an access review as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessReviewItemRecord {
    pub id: i64,
    pub review_id: i64,
    pub user_id: i64,
    pub user: String,
    pub role: String,
    pub last_used_at: Option<String>,
    pub last_used_from: Option<String>,
    pub decision: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub applied_by: Option<String>,
    pub applied_at: Option<String>,
}

pub fn insert_access_review_item(
    conn: &Connection,
    review_id: i64,
    user_id: i64,
    role: &str,
    last_used: Option<(&str, &str)>,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO access_review_item (review_id, user_id, role, last_used_at, last_used_from) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![review_id, user_id, role, last_used.map(|l| l.0), last_used.map(|l| l.1)],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The items of an access review, by user name then role.
pub fn access_review_items(
    conn: &Connection,
    review_id: i64,
) -> Result<Vec<AccessReviewItemRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT i.id, i.review_id, i.user_id, u.name, i.role, i.last_used_at, i.last_used_from,
                i.decision, d.name, i.decided_at, a.name, i.applied_at
         FROM access_review_item i
         JOIN app_user u ON u.id = i.user_id
         LEFT JOIN app_user d ON d.id = i.decided_by
         LEFT JOIN app_user a ON a.id = i.applied_by
         WHERE i.review_id = ?1 ORDER BY u.name, i.role",
    )?;
    let rows = stmt
        .query_map([review_id], |r| {
            Ok(AccessReviewItemRecord {
                id: r.get(0)?,
                review_id: r.get(1)?,
                user_id: r.get(2)?,
                user: r.get(3)?,
                role: r.get(4)?,
                last_used_at: r.get(5)?,
                last_used_from: r.get(6)?,
                decision: r.get(7)?,
                decided_by: r.get(8)?,
                decided_at: r.get(9)?,
                applied_by: r.get(10)?,
                applied_at: r.get(11)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Records `certified` or `revoked` on a pending item.
pub fn decide_access_review_item(
    conn: &Connection,
    item_id: i64,
    decision: &str,
    by: i64,
    at: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE access_review_item SET decision = ?2, decided_by = ?3, decided_at = ?4 WHERE id = ?1 AND decision = 'pending'",
        params![item_id, decision, by, at],
    )?;
    Ok(())
}

/// Records that a revoked item's role was removed.
pub fn apply_access_review_item(
    conn: &Connection,
    item_id: i64,
    by: i64,
    at: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE access_review_item SET decision = 'applied', applied_by = ?2, applied_at = ?3 WHERE id = ?1 AND decision = 'revoked'",
        params![item_id, by, at],
    )?;
    Ok(())
}
