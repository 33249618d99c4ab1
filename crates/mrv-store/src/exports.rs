//! Registry exports (migration 0012): the export with its quantities and serial block, the
//! batches it includes, every transition as an event, the sign-off, and the per-workspace
//! serial counter.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// An export as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    pub id: i64,
    pub project_id: i64,
    pub period_start: String,
    pub period_end: String,
    pub vintage: i32,
    pub verification_body: Option<String>,
    pub report_date: Option<String>,
    pub state: String,
    pub gross_claimed: String,
    pub buffer_percent: String,
    pub issued_units: i64,
    pub buffer_units: i64,
    pub serial_start: Option<i64>,
    pub serial_end: Option<i64>,
    pub created_by: i64,
    pub created_at: String,
}

const EXPORT_COLUMNS: &str = "id, project_id, period_start, period_end, vintage, verification_body, report_date, state, gross_claimed, buffer_percent, issued_units, buffer_units, serial_start, serial_end, created_by, created_at";

fn export_from_row(r: &Row<'_>) -> rusqlite::Result<ExportRecord> {
    Ok(ExportRecord {
        id: r.get(0)?,
        project_id: r.get(1)?,
        period_start: r.get(2)?,
        period_end: r.get(3)?,
        vintage: r.get(4)?,
        verification_body: r.get(5)?,
        report_date: r.get(6)?,
        state: r.get(7)?,
        gross_claimed: r.get(8)?,
        buffer_percent: r.get(9)?,
        issued_units: r.get(10)?,
        buffer_units: r.get(11)?,
        serial_start: r.get(12)?,
        serial_end: r.get(13)?,
        created_by: r.get(14)?,
        created_at: r.get(15)?,
    })
}

/// One included batch: its stamp hash and gross claimed tonnes as fixed at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportBatchRecord {
    pub batch_id: i64,
    pub stamp_hash: String,
    pub gross_claimed: String,
}

/// Takes `count` serial numbers from the workspace's counter (inside the caller's
/// transaction) and returns the first; numbers once taken are never handed out again.
pub fn allocate_serials(conn: &Connection, count: i64) -> Result<i64, StoreError> {
    if count < 0 {
        return Err(StoreError::Corrupt(format!(
            "cannot allocate {count} serial numbers"
        )));
    }
    let first: i64 = conn.query_row(
        "UPDATE serial_counter SET next_serial = next_serial + ?1 WHERE id = 1 RETURNING next_serial - ?1",
        [count],
        |r| r.get(0),
    )?;
    Ok(first)
}

/// Inserts an export (its `id` is ignored) with its batches; returns the new id.
pub fn insert_export(
    conn: &Connection,
    e: &ExportRecord,
    batches: &[ExportBatchRecord],
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO export (project_id, period_start, period_end, vintage, verification_body, report_date, state, gross_claimed, buffer_percent, issued_units, buffer_units, serial_start, serial_end, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            e.project_id,
            e.period_start,
            e.period_end,
            e.vintage,
            e.verification_body,
            e.report_date,
            e.state,
            e.gross_claimed,
            e.buffer_percent,
            e.issued_units,
            e.buffer_units,
            e.serial_start,
            e.serial_end,
            e.created_by,
            e.created_at
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO export_batch (export_id, batch_id, stamp_hash, gross_claimed) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for b in batches {
        stmt.execute(params![id, b.batch_id, b.stamp_hash, b.gross_claimed])?;
    }
    Ok(id)
}

pub fn get_export(conn: &Connection, id: i64) -> Result<Option<ExportRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {EXPORT_COLUMNS} FROM export WHERE id = ?1"),
            [id],
            export_from_row,
        )
        .optional()?)
}

/// Every export (of one project when given), oldest first.
pub fn list_exports(
    conn: &Connection,
    project_id: Option<i64>,
) -> Result<Vec<ExportRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EXPORT_COLUMNS} FROM export WHERE ?1 IS NULL OR project_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([project_id], export_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn export_batches(
    conn: &Connection,
    export_id: i64,
) -> Result<Vec<ExportBatchRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT batch_id, stamp_hash, gross_claimed FROM export_batch WHERE export_id = ?1 ORDER BY batch_id",
    )?;
    let rows = stmt.query_map([export_id], |r| {
        Ok(ExportBatchRecord {
            batch_id: r.get(0)?,
            stamp_hash: r.get(1)?,
            gross_claimed: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The exports in one of `states` that include `batch_id`.
pub fn exports_holding_batch(
    conn: &Connection,
    batch_id: i64,
    states: &[&str],
) -> Result<Vec<i64>, StoreError> {
    let states = serde_json::to_string(states).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut stmt = conn.prepare_cached(
        "SELECT e.id FROM export e JOIN export_batch b ON b.export_id = e.id
         WHERE b.batch_id = ?1 AND e.state IN (SELECT value FROM json_each(?2)) ORDER BY e.id",
    )?;
    let rows = stmt.query_map(params![batch_id, states], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Moves an export from `from` to `to`; false when it is no longer in `from` (someone else
/// moved it meanwhile).
pub fn move_export_state(
    conn: &Connection,
    export_id: i64,
    from: &str,
    to: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE export SET state = ?3 WHERE id = ?1 AND state = ?2",
        params![export_id, from, to],
    )? == 1)
}

/// One transition of an export, to be recorded.
#[derive(Debug, Clone)]
pub struct NewExportEvent<'a> {
    pub export_id: i64,
    pub action: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: &'a str,
    pub user_id: i64,
    pub at: &'a str,
    pub reason_code: Option<&'a str>,
    pub reason_text: Option<&'a str>,
}

pub fn insert_export_event(conn: &Connection, e: &NewExportEvent<'_>) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO export_event (export_id, action, from_state, to_state, user_id, at, reason_code, reason_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            e.export_id,
            e.action,
            e.from_state,
            e.to_state,
            e.user_id,
            e.at,
            e.reason_code,
            e.reason_text
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A recorded transition, with the user's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportEventRecord {
    pub id: i64,
    pub export_id: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub user_id: i64,
    pub user: String,
    pub at: String,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
}

pub fn export_events(
    conn: &Connection,
    export_id: i64,
) -> Result<Vec<ExportEventRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.export_id, e.action, e.from_state, e.to_state, e.user_id, u.name, e.at, e.reason_code, e.reason_text
         FROM export_event e JOIN app_user u ON u.id = e.user_id WHERE e.export_id = ?1 ORDER BY e.id",
    )?;
    let rows = stmt.query_map([export_id], |r| {
        Ok(ExportEventRecord {
            id: r.get(0)?,
            export_id: r.get(1)?,
            action: r.get(2)?,
            from_state: r.get(3)?,
            to_state: r.get(4)?,
            user_id: r.get(5)?,
            user: r.get(6)?,
            at: r.get(7)?,
            reason_code: r.get(8)?,
            reason_text: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A sign-off as stored: the manifest's canonical bytes as signed, and the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignoffRecord {
    pub export_id: i64,
    pub manifest: Vec<u8>,
    pub signature: String,
    pub signer_id: i64,
    pub signer_key: String,
    pub signed_at: String,
}

pub fn insert_signoff(conn: &Connection, s: &SignoffRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO export_signoff (export_id, manifest, signature, signer_id, signer_key, signed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            s.export_id,
            s.manifest,
            s.signature,
            s.signer_id,
            s.signer_key,
            s.signed_at
        ],
    )?;
    Ok(())
}

pub fn signoff(conn: &Connection, export_id: i64) -> Result<Option<SignoffRecord>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT export_id, manifest, signature, signer_id, signer_key, signed_at FROM export_signoff WHERE export_id = ?1",
            [export_id],
            |r| {
                Ok(SignoffRecord {
                    export_id: r.get(0)?,
                    manifest: r.get(1)?,
                    signature: r.get(2)?,
                    signer_id: r.get(3)?,
                    signer_key: r.get(4)?,
                    signed_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Who approved a batch (the user of its `approve` review event), if it was.
pub fn batch_approver(conn: &Connection, batch_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT user_id FROM review_event WHERE batch_id = ?1 AND action = 'approve' ORDER BY id DESC LIMIT 1",
            [batch_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The sign-off anchor of an export (`kind signoff`, record `export-<id>`), if queued.
pub fn signoff_anchor(
    conn: &Connection,
    export_id: i64,
) -> Result<Option<crate::AnchorRecord>, StoreError> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM anchor WHERE kind = 'signoff' AND record_id = ?1",
            [format!("export-{export_id}")],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => crate::anchor(conn, id),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> (tempfile::TempDir, crate::Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::Workspace::create(&dir.path().join("ws"), "2026-01-01T00:00:00Z").unwrap();
        (dir, ws)
    }

    #[test]
    fn serial_numbers_are_never_handed_out_twice() {
        let (_dir, ws) = workspace();
        let conn = ws.conn();
        assert_eq!(allocate_serials(conn, 250).unwrap(), 1);
        assert_eq!(allocate_serials(conn, 0).unwrap(), 251);
        assert_eq!(allocate_serials(conn, 10).unwrap(), 251);
        assert_eq!(allocate_serials(conn, 1).unwrap(), 261);
        assert!(allocate_serials(conn, -1).is_err());
    }

    #[test]
    fn the_schema_refuses_unknown_states_and_blocks_that_disagree_with_their_count() {
        let (_dir, ws) = workspace();
        let conn = ws.conn();
        let bad_state = conn.execute(
            "INSERT INTO export (project_id, period_start, period_end, vintage, state, gross_claimed, buffer_percent, issued_units, buffer_units, created_by, created_at)
             VALUES (1, '2025-01-01', '2025-12-31', 2025, 'approved', '1', '20', 0, 0, 1, 'now')",
            [],
        );
        assert!(bad_state.unwrap_err().to_string().contains("CHECK"));
        let bad_block = conn.execute(
            "INSERT INTO export (project_id, period_start, period_end, vintage, state, gross_claimed, buffer_percent, issued_units, buffer_units, serial_start, serial_end, created_by, created_at)
             VALUES (1, '2025-01-01', '2025-12-31', 2025, 'draft', '10', '20', 10, 2, 1, 11, 1, 'now')",
            [],
        );
        assert!(bad_block.unwrap_err().to_string().contains("CHECK"));
    }
}
