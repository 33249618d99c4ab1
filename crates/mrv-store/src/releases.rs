//! Releases (migration 0017, SOP-002): the captain rota by ISO week, the releases and their
//! steps, and every synthetic-monitor run.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// One week of the rota, with the captain's name and whether they are still active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotaRecord {
    pub week: String,
    pub captain_id: i64,
    pub captain: String,
    pub captain_active: bool,
    pub set_by: String,
    pub set_at: String,
}

const ROTA_SELECT: &str =
    "SELECT r.week, r.captain_id, c.name, c.offboarded_at IS NULL, s.name, r.set_at
     FROM release_rota r JOIN app_user c ON c.id = r.captain_id JOIN app_user s ON s.id = r.set_by";

fn rota_from_row(r: &Row<'_>) -> rusqlite::Result<RotaRecord> {
    Ok(RotaRecord {
        week: r.get(0)?,
        captain_id: r.get(1)?,
        captain: r.get(2)?,
        captain_active: r.get(3)?,
        set_by: r.get(4)?,
        set_at: r.get(5)?,
    })
}

/// Sets (or replaces) the captain of an ISO week.
pub fn set_rota(
    conn: &Connection,
    week: &str,
    captain_id: i64,
    set_by: i64,
    at: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO release_rota (week, captain_id, set_by, set_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(week) DO UPDATE SET captain_id = excluded.captain_id, set_by = excluded.set_by, set_at = excluded.set_at",
        params![week, captain_id, set_by, at],
    )?;
    Ok(())
}

pub fn rota_week(conn: &Connection, week: &str) -> Result<Option<RotaRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("{ROTA_SELECT} WHERE r.week = ?1"),
            [week],
            rota_from_row,
        )
        .optional()?)
}

/// The rota from `from_week` to `to_week` (both `YYYY-Www`, compared as text), by week.
pub fn rota_between(
    conn: &Connection,
    from_week: &str,
    to_week: &str,
) -> Result<Vec<RotaRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "{ROTA_SELECT} WHERE r.week BETWEEN ?1 AND ?2 ORDER BY r.week"
    ))?;
    let rows = stmt.query_map([from_week, to_week], rota_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A release as stored, with the names of the people in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    pub id: i64,
    pub tag: String,
    /// `scheduled` or `hotfix`.
    pub kind: String,
    pub slot_at: String,
    pub week: String,
    pub notes: String,
    pub state: String,
    pub planned_by: String,
    pub planned_at: String,
    pub soak_started_at: Option<String>,
    pub promoted_at: Option<String>,
    pub watch_ended_at: Option<String>,
    pub closed_at: Option<String>,
    pub rolled_back_at: Option<String>,
    pub rolled_back_by: Option<String>,
    pub rollback_reason: Option<String>,
}

const RELEASE_SELECT: &str = "SELECT r.id, r.tag, r.kind, r.slot_at, r.week, r.notes, r.state, p.name, r.planned_at,
        r.soak_started_at, r.promoted_at, r.watch_ended_at, r.closed_at, r.rolled_back_at, b.name, r.rollback_reason
     FROM release r JOIN app_user p ON p.id = r.planned_by LEFT JOIN app_user b ON b.id = r.rolled_back_by";

fn release_from_row(r: &Row<'_>) -> rusqlite::Result<ReleaseRecord> {
    Ok(ReleaseRecord {
        id: r.get(0)?,
        tag: r.get(1)?,
        kind: r.get(2)?,
        slot_at: r.get(3)?,
        week: r.get(4)?,
        notes: r.get(5)?,
        state: r.get(6)?,
        planned_by: r.get(7)?,
        planned_at: r.get(8)?,
        soak_started_at: r.get(9)?,
        promoted_at: r.get(10)?,
        watch_ended_at: r.get(11)?,
        closed_at: r.get(12)?,
        rolled_back_at: r.get(13)?,
        rolled_back_by: r.get(14)?,
        rollback_reason: r.get(15)?,
    })
}

/// A release to plan.
#[derive(Debug, Clone)]
pub struct NewReleaseRecord<'a> {
    pub tag: &'a str,
    pub kind: &'a str,
    pub slot_at: &'a str,
    pub week: &'a str,
    pub notes: &'a str,
    pub planned_by: i64,
    pub planned_at: &'a str,
}

pub fn insert_release(conn: &Connection, r: &NewReleaseRecord<'_>) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO release (tag, kind, slot_at, week, notes, state, planned_by, planned_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'planned', ?6, ?7)",
        params![
            r.tag,
            r.kind,
            r.slot_at,
            r.week,
            r.notes,
            r.planned_by,
            r.planned_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn release(conn: &Connection, id: i64) -> Result<Option<ReleaseRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("{RELEASE_SELECT} WHERE r.id = ?1"),
            [id],
            release_from_row,
        )
        .optional()?)
}

/// Every release, by slot then id.
pub fn list_releases(conn: &Connection) -> Result<Vec<ReleaseRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!("{RELEASE_SELECT} ORDER BY r.slot_at, r.id"))?;
    let rows = stmt.query_map([], release_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The tags starting with `prefix` (one date's tags).
pub fn release_tags_with_prefix(
    conn: &Connection,
    prefix: &str,
) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT tag FROM release WHERE substr(tag, 1, length(?1)) = ?1")?;
    let rows = stmt.query_map([prefix], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Moves a release from `from` to `to`, stamping the step's time column; false when the
/// release was not in `from` any more.
pub fn set_release_state(
    conn: &Connection,
    id: i64,
    from: &str,
    to: &str,
    at: &str,
) -> Result<bool, StoreError> {
    let column = match to {
        "soaking" => "soak_started_at",
        "watching" => "promoted_at",
        "watched" => "watch_ended_at",
        "closed" => "closed_at",
        other => {
            return Err(StoreError::Corrupt(format!(
                "no step leads to the release state {other} this way"
            )))
        }
    };
    let n = conn.execute(
        &format!("UPDATE release SET state = ?3, {column} = ?4 WHERE id = ?1 AND state = ?2"),
        params![id, from, to, at],
    )?;
    Ok(n == 1)
}

/// Rolls a release back from `from`; false when it was not in `from` any more.
pub fn roll_back_release(
    conn: &Connection,
    id: i64,
    from: &str,
    by: i64,
    reason: &str,
    at: &str,
) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE release SET state = 'rolled_back', rolled_back_at = ?4, rolled_back_by = ?3, rollback_reason = ?5
         WHERE id = ?1 AND state = ?2",
        params![id, from, by, at, reason],
    )?;
    Ok(n == 1)
}

/// One synthetic-monitor run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorRunRecord {
    pub id: i64,
    pub release_id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: i64,
    pub green: bool,
    pub log_url: String,
    pub checkpoint_size: Option<i64>,
    pub failure: Option<String>,
    /// The user's name (on insert: ignored; `run_by_id` is stored).
    pub run_by: String,
}

pub fn insert_monitor_run(
    conn: &Connection,
    r: &MonitorRunRecord,
    run_by_id: i64,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO release_monitor_run (release_id, started_at, finished_at, duration_ms, green, log_url, checkpoint_size, failure, run_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            r.release_id,
            r.started_at,
            r.finished_at,
            r.duration_ms,
            r.green,
            r.log_url,
            r.checkpoint_size,
            r.failure,
            run_by_id
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A release's monitor runs, oldest first.
pub fn monitor_runs(
    conn: &Connection,
    release_id: i64,
) -> Result<Vec<MonitorRunRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT m.id, m.release_id, m.started_at, m.finished_at, m.duration_ms, m.green, m.log_url, m.checkpoint_size, m.failure, u.name
         FROM release_monitor_run m JOIN app_user u ON u.id = m.run_by WHERE m.release_id = ?1 ORDER BY m.id",
    )?;
    let rows = stmt.query_map([release_id], |r| {
        Ok(MonitorRunRecord {
            id: r.get(0)?,
            release_id: r.get(1)?,
            started_at: r.get(2)?,
            finished_at: r.get(3)?,
            duration_ms: r.get(4)?,
            green: r.get(5)?,
            log_url: r.get(6)?,
            checkpoint_size: r.get(7)?,
            failure: r.get(8)?,
            run_by: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_ties_each_state_to_its_step_and_moves_only_from_the_state_read() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::Workspace::create(&dir.path().join("ws"), "2026-01-01T00:00:00Z").unwrap();
        let conn = ws.conn();
        conn.execute(
            "INSERT INTO app_user (id, name, roles_json, password_hash, public_key, sealed_key, created_at)
             VALUES (1, 'oscar', '[\"ops_admin\"]', 'x', 'k', 's', 'now')",
            [],
        )
        .unwrap();
        let new = NewReleaseRecord {
            tag: "v2030.01.07.1",
            kind: "scheduled",
            slot_at: "2030-01-07T14:00:00Z",
            week: "2030-W02",
            notes: "",
            planned_by: 1,
            planned_at: "now",
        };
        let id = insert_release(conn, &new).unwrap();
        // The same tag twice, an unknown kind, a malformed week or tag: refused.
        assert!(insert_release(conn, &new).is_err());
        for bad in [
            NewReleaseRecord {
                tag: "v2030.01.07.2",
                kind: "weekly",
                ..new.clone()
            },
            NewReleaseRecord {
                tag: "v2030.01.07.2",
                week: "2030-2",
                ..new.clone()
            },
            NewReleaseRecord {
                tag: "2030.01.07.2",
                ..new.clone()
            },
            NewReleaseRecord {
                tag: "v2030.01.07.0",
                ..new.clone()
            },
        ] {
            assert!(
                insert_release(conn, &bad)
                    .unwrap_err()
                    .to_string()
                    .contains("CHECK"),
                "{bad:?}"
            );
        }
        // A state without its step's time is refused.
        let jump = conn.execute("UPDATE release SET state = 'watching' WHERE id = ?1", [id]);
        assert!(jump.unwrap_err().to_string().contains("CHECK"));
        // A step moves only from the state it was read in.
        assert!(!set_release_state(conn, id, "soaking", "watching", "t1").unwrap());
        assert!(set_release_state(conn, id, "planned", "soaking", "t1").unwrap());
        assert!(!set_release_state(conn, id, "planned", "soaking", "t2").unwrap());
        assert!(!roll_back_release(conn, id, "soaking", 1, " ", "t3").unwrap_or(false));
        assert!(roll_back_release(conn, id, "soaking", 1, "errors", "t3").unwrap());
        let r = release(conn, id).unwrap().unwrap();
        assert_eq!(r.state, "rolled_back");
        assert_eq!(r.rolled_back_by.as_deref(), Some("oscar"));
        assert_eq!(r.soak_started_at.as_deref(), Some("t1"));
    }
}
