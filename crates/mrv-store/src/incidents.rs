//! Incidents (migration 0015, SOP-003): the incident with its assignments, resolution,
//! postmortem and closing, its timeline of updates, and its action items. Records carry the
//! names of the users they refer to.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// An incident as stored, with user names resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRecord {
    pub id: i64,
    /// `sev1`, `sev2` or `sev3`.
    pub severity: String,
    pub title: String,
    /// `open`, `resolved` or `closed`.
    pub state: String,
    pub declared_by: String,
    pub declared_at: String,
    pub commander: Option<String>,
    pub commander_assigned_at: Option<String>,
    pub comms: Option<String>,
    pub comms_assigned_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub postmortem: Option<PostmortemRecord>,
}

/// The attached postmortem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostmortemRecord {
    pub text: String,
    pub sha256: String,
    pub file_name: String,
    pub by: String,
    pub first_at: String,
    pub at: String,
}

const INCIDENT_SELECT: &str = "SELECT i.id, i.severity, i.title, i.state, d.name, i.declared_at, c.name, i.commander_assigned_at, m.name, i.comms_assigned_at, r.name, i.resolved_at, x.name, i.closed_at, i.postmortem_text, i.postmortem_sha256, i.postmortem_file_name, p.name, i.postmortem_first_at, i.postmortem_at
 FROM incident i
 JOIN app_user d ON d.id = i.declared_by
 LEFT JOIN app_user c ON c.id = i.commander_id
 LEFT JOIN app_user m ON m.id = i.comms_id
 LEFT JOIN app_user r ON r.id = i.resolved_by
 LEFT JOIN app_user x ON x.id = i.closed_by
 LEFT JOIN app_user p ON p.id = i.postmortem_by";

fn incident_from_row(r: &Row<'_>) -> rusqlite::Result<IncidentRecord> {
    let text: Option<String> = r.get(14)?;
    let postmortem = match text {
        Some(text) => Some(PostmortemRecord {
            text,
            sha256: r.get(15)?,
            file_name: r.get::<_, Option<String>>(16)?.unwrap_or_default(),
            by: r.get::<_, Option<String>>(17)?.unwrap_or_default(),
            first_at: r.get::<_, Option<String>>(18)?.unwrap_or_default(),
            at: r.get(19)?,
        }),
        None => None,
    };
    Ok(IncidentRecord {
        id: r.get(0)?,
        severity: r.get(1)?,
        title: r.get(2)?,
        state: r.get(3)?,
        declared_by: r.get(4)?,
        declared_at: r.get(5)?,
        commander: r.get(6)?,
        commander_assigned_at: r.get(7)?,
        comms: r.get(8)?,
        comms_assigned_at: r.get(9)?,
        resolved_by: r.get(10)?,
        resolved_at: r.get(11)?,
        closed_by: r.get(12)?,
        closed_at: r.get(13)?,
        postmortem,
    })
}

/// Declares an incident (state `open`); returns its id.
pub fn insert_incident(
    conn: &Connection,
    severity: &str,
    title: &str,
    declared_by: i64,
    at: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO incident (severity, title, state, declared_by, declared_at) VALUES (?1, ?2, 'open', ?3, ?4)",
        params![severity, title, declared_by, at],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn incident(conn: &Connection, id: i64) -> Result<Option<IncidentRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("{INCIDENT_SELECT} WHERE i.id = ?1"),
            [id],
            incident_from_row,
        )
        .optional()?)
}

/// Every incident, newest first.
pub fn list_incidents(conn: &Connection) -> Result<Vec<IncidentRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!("{INCIDENT_SELECT} ORDER BY i.id DESC"))?;
    let rows = stmt.query_map([], incident_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Sets the commander and/or communications lead (those given) of an open incident; an
/// assignment's time is kept from the first one. Returns whether the incident was open.
pub fn assign_incident(
    conn: &Connection,
    id: i64,
    commander_id: Option<i64>,
    comms_id: Option<i64>,
    at: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE incident SET
            commander_id = COALESCE(?2, commander_id),
            commander_assigned_at = CASE WHEN ?2 IS NULL THEN commander_assigned_at ELSE COALESCE(commander_assigned_at, ?4) END,
            comms_id = COALESCE(?3, comms_id),
            comms_assigned_at = CASE WHEN ?3 IS NULL THEN comms_assigned_at ELSE COALESCE(comms_assigned_at, ?4) END
         WHERE id = ?1 AND state = 'open'",
        params![id, commander_id, comms_id, at],
    )?;
    Ok(n == 1)
}

/// `open → resolved`, only from `open`. Returns whether it moved.
pub fn resolve_incident(conn: &Connection, id: i64, by: i64, at: &str) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE incident SET state = 'resolved', resolved_by = ?2, resolved_at = ?3 WHERE id = ?1 AND state = 'open'",
        params![id, by, at],
    )?;
    Ok(n == 1)
}

/// `resolved → closed`, only from `resolved`. Returns whether it moved.
pub fn close_incident(conn: &Connection, id: i64, by: i64, at: &str) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE incident SET state = 'closed', closed_by = ?2, closed_at = ?3 WHERE id = ?1 AND state = 'resolved'",
        params![id, by, at],
    )?;
    Ok(n == 1)
}

/// Attaches (or replaces) the postmortem of a resolved incident. Returns whether it was
/// resolved.
pub fn set_incident_postmortem(
    conn: &Connection,
    id: i64,
    text: &str,
    sha256: &str,
    file_name: &str,
    by: i64,
    at: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE incident SET postmortem_text = ?2, postmortem_sha256 = ?3, postmortem_file_name = ?4, postmortem_by = ?5,
            postmortem_first_at = COALESCE(postmortem_first_at, ?6), postmortem_at = ?6
         WHERE id = ?1 AND state = 'resolved'",
        params![id, text, sha256, file_name, by, at],
    )?;
    Ok(n == 1)
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentUpdateRecord {
    pub id: i64,
    pub incident_id: i64,
    /// `note` or `customer`.
    pub kind: String,
    pub text: String,
    pub by: String,
    pub at: String,
}

pub fn insert_incident_update(
    conn: &Connection,
    incident_id: i64,
    kind: &str,
    text: &str,
    user_id: i64,
    at: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO incident_update (incident_id, kind, text, user_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![incident_id, kind, text, user_id, at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// An incident's updates, oldest first.
pub fn incident_updates(
    conn: &Connection,
    incident_id: i64,
) -> Result<Vec<IncidentUpdateRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT u.id, u.incident_id, u.kind, u.text, a.name, u.at FROM incident_update u
         JOIN app_user a ON a.id = u.user_id WHERE u.incident_id = ?1 ORDER BY u.id",
    )?;
    let rows = stmt.query_map([incident_id], |r| {
        Ok(IncidentUpdateRecord {
            id: r.get(0)?,
            incident_id: r.get(1)?,
            kind: r.get(2)?,
            text: r.get(3)?,
            by: r.get(4)?,
            at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One action item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentActionRecord {
    pub incident_id: i64,
    pub number: i64,
    pub text: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub added_by: String,
    pub added_at: String,
    pub done_by: Option<String>,
    pub done_at: Option<String>,
}

/// Adds an action item numbered after the incident's last one; returns its number.
pub fn insert_incident_action(
    conn: &Connection,
    incident_id: i64,
    text: &str,
    owner_id: i64,
    due_date: &str,
    added_by: i64,
    at: &str,
) -> Result<i64, StoreError> {
    let number: i64 = conn.query_row(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM incident_action WHERE incident_id = ?1",
        [incident_id],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO incident_action (incident_id, number, text, owner_id, due_date, added_by, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![incident_id, number, text, owner_id, due_date, added_by, at],
    )?;
    Ok(number)
}

/// An incident's action items by number.
pub fn incident_actions(
    conn: &Connection,
    incident_id: i64,
) -> Result<Vec<IncidentActionRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT a.incident_id, a.number, a.text, o.name, a.due_date, b.name, a.added_at, d.name, a.done_at
         FROM incident_action a
         JOIN app_user o ON o.id = a.owner_id
         JOIN app_user b ON b.id = a.added_by
         LEFT JOIN app_user d ON d.id = a.done_by
         WHERE a.incident_id = ?1 ORDER BY a.number",
    )?;
    let rows = stmt.query_map([incident_id], |r| {
        Ok(IncidentActionRecord {
            incident_id: r.get(0)?,
            number: r.get(1)?,
            text: r.get(2)?,
            owner: r.get(3)?,
            due_date: r.get(4)?,
            added_by: r.get(5)?,
            added_at: r.get(6)?,
            done_by: r.get(7)?,
            done_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks an open action item done. Returns whether an open item with that number existed.
pub fn complete_incident_action(
    conn: &Connection,
    incident_id: i64,
    number: i64,
    by: i64,
    at: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE incident_action SET done_by = ?3, done_at = ?4 WHERE incident_id = ?1 AND number = ?2 AND done_at IS NULL",
        params![incident_id, number, by, at],
    )?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: &str = "2026-12-02T10:00:00Z";

    /// The schema holds the rules the use cases follow: states move only forward, a closed
    /// incident has its postmortem, due dates are real dates, action items number per incident.
    #[test]
    fn the_schema_keeps_incidents_consistent() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::Workspace::create(&dir.path().join("ws"), AT).unwrap();
        let conn = ws.conn();
        // The user rows are not what this test is about.
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        assert!(insert_incident(conn, "sev4", "x", 1, AT).is_err());
        assert!(insert_incident(conn, "sev1", "", 1, AT).is_err());
        let id = insert_incident(conn, "sev1", "Down", 1, AT).unwrap();
        assert!(!close_incident(conn, id, 1, AT).unwrap(), "open: no close");
        assert!(
            !set_incident_postmortem(conn, id, "# PM", &"a".repeat(64), "pm.md", 1, AT).unwrap()
        );
        assert!(assign_incident(conn, id, Some(2), None, AT).unwrap());
        assert!(assign_incident(conn, id, Some(3), Some(4), "2026-12-02T10:09:00Z").unwrap());
        // The commander changed; the time of the first assignment stays (the 5-minute clock).
        let row: (i64, String, String) = conn
            .query_row(
                "SELECT commander_id, commander_assigned_at, comms_assigned_at FROM incident WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(row, (3, AT.to_owned(), "2026-12-02T10:09:00Z".to_owned()));
        // A closed incident without a postmortem is refused by the schema itself.
        let err = conn.execute(
            "UPDATE incident SET state = 'closed', closed_by = 1, closed_at = ?2, resolved_by = 1, resolved_at = ?2 WHERE id = ?1",
            params![id, AT],
        );
        assert!(err.is_err());
        assert!(resolve_incident(conn, id, 1, AT).unwrap());
        assert!(!resolve_incident(conn, id, 1, AT).unwrap(), "resolved once");
        assert!(insert_incident_action(conn, id, "x", 1, "2026-02-30", 1, AT).is_err());
        assert!(insert_incident_action(conn, id, "x", 1, "2026-2-3", 1, AT).is_err());
        assert_eq!(
            insert_incident_action(conn, id, "a", 1, "2026-12-24", 1, AT).unwrap(),
            1
        );
        assert_eq!(
            insert_incident_action(conn, id, "b", 1, "2026-12-24", 1, AT).unwrap(),
            2
        );
        assert!(complete_incident_action(conn, id, 2, 1, AT).unwrap());
        assert!(
            !complete_incident_action(conn, id, 2, 1, AT).unwrap(),
            "done once"
        );
        assert!(
            set_incident_postmortem(conn, id, "# PM", &"a".repeat(64), "pm.md", 1, AT).unwrap()
        );
        assert!(close_incident(conn, id, 1, AT).unwrap());
        assert!(!close_incident(conn, id, 1, AT).unwrap(), "closed once");
    }
}
