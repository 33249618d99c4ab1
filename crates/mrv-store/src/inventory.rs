//! Pushes and the inventory (migration 0013): each export's push with its idempotency key and
//! how its last attempt ended, the unit blocks the registry confirmed, and every
//! reconciliation run with its findings.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// An export's push as recorded before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRecord {
    pub export_id: i64,
    pub idempotency_key: String,
    pub payload_sha256: String,
    pub registry_url: String,
    pub started_by: i64,
    pub started_at: String,
    pub attempts: i64,
    pub last_attempt_at: String,
    /// `sending`, `failed`, `confirmed` or `rejected`.
    pub outcome: String,
    pub last_error: Option<String>,
    pub warehouse_project_id: Option<String>,
    pub issuance_id: Option<String>,
    pub finished_at: Option<String>,
}

const PUSH_COLUMNS: &str = "export_id, idempotency_key, payload_sha256, registry_url, started_by, started_at, attempts, last_attempt_at, outcome, last_error, warehouse_project_id, issuance_id, finished_at";

fn push_from_row(r: &Row<'_>) -> rusqlite::Result<PushRecord> {
    Ok(PushRecord {
        export_id: r.get(0)?,
        idempotency_key: r.get(1)?,
        payload_sha256: r.get(2)?,
        registry_url: r.get(3)?,
        started_by: r.get(4)?,
        started_at: r.get(5)?,
        attempts: r.get(6)?,
        last_attempt_at: r.get(7)?,
        outcome: r.get(8)?,
        last_error: r.get(9)?,
        warehouse_project_id: r.get(10)?,
        issuance_id: r.get(11)?,
        finished_at: r.get(12)?,
    })
}

pub fn export_push(conn: &Connection, export_id: i64) -> Result<Option<PushRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {PUSH_COLUMNS} FROM export_push WHERE export_id = ?1"),
            [export_id],
            push_from_row,
        )
        .optional()?)
}

/// Records the first attempt of a push (inside the transaction that moves the export to
/// `pushed`).
pub fn insert_export_push(conn: &Connection, p: &PushRecord) -> Result<(), StoreError> {
    conn.execute(
        &format!(
            "INSERT INTO export_push ({PUSH_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ),
        params![
            p.export_id,
            p.idempotency_key,
            p.payload_sha256,
            p.registry_url,
            p.started_by,
            p.started_at,
            p.attempts,
            p.last_attempt_at,
            p.outcome,
            p.last_error,
            p.warehouse_project_id,
            p.issuance_id,
            p.finished_at,
        ],
    )?;
    Ok(())
}

/// Counts another attempt of a push already recorded (a retry or a resumed push).
pub fn retry_export_push(conn: &Connection, export_id: i64, at: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE export_push SET attempts = attempts + 1, last_attempt_at = ?2, outcome = 'sending', last_error = NULL WHERE export_id = ?1",
        params![export_id, at],
    )?;
    Ok(())
}

/// How an attempt ended: `failed` (with the error; the export stays `pushed`), `confirmed`
/// (with the registry's ids) or `rejected` (with the registry's reason).
pub fn finish_export_push(
    conn: &Connection,
    export_id: i64,
    outcome: &str,
    error: Option<&str>,
    registry_ids: Option<(&str, &str)>,
    at: &str,
) -> Result<(), StoreError> {
    let finished = (outcome != "failed").then_some(at);
    conn.execute(
        "UPDATE export_push SET outcome = ?2, last_error = ?3, warehouse_project_id = ?4, issuance_id = ?5, finished_at = ?6 WHERE export_id = ?1",
        params![
            export_id,
            outcome,
            error,
            registry_ids.map(|r| r.0),
            registry_ids.map(|r| r.1),
            finished,
        ],
    )?;
    Ok(())
}

/// One unit block of the inventory: confirmed by the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRecord {
    pub id: i64,
    pub export_id: i64,
    pub serial_prefix: String,
    pub serial_first: i64,
    pub serial_last: i64,
    pub unit_block_start: String,
    pub unit_block_end: String,
    pub unit_count: i64,
    pub vintage: i32,
    /// `Held` or `Buffer`.
    pub unit_status: String,
    pub warehouse_project_id: String,
    pub issuance_id: String,
    pub warehouse_unit_id: String,
    pub serial_number_block: Option<String>,
    pub recorded_by: i64,
    pub recorded_at: String,
}

const INVENTORY_COLUMNS: &str = "id, export_id, serial_prefix, serial_first, serial_last, unit_block_start, unit_block_end, unit_count, vintage, unit_status, warehouse_project_id, issuance_id, warehouse_unit_id, serial_number_block, recorded_by, recorded_at";

fn inventory_from_row(r: &Row<'_>) -> rusqlite::Result<InventoryRecord> {
    Ok(InventoryRecord {
        id: r.get(0)?,
        export_id: r.get(1)?,
        serial_prefix: r.get(2)?,
        serial_first: r.get(3)?,
        serial_last: r.get(4)?,
        unit_block_start: r.get(5)?,
        unit_block_end: r.get(6)?,
        unit_count: r.get(7)?,
        vintage: r.get(8)?,
        unit_status: r.get(9)?,
        warehouse_project_id: r.get(10)?,
        issuance_id: r.get(11)?,
        warehouse_unit_id: r.get(12)?,
        serial_number_block: r.get(13)?,
        recorded_by: r.get(14)?,
        recorded_at: r.get(15)?,
    })
}

/// Adds one confirmed block; the schema refuses a block overlapping one already held.
pub fn insert_inventory_block(conn: &Connection, b: &InventoryRecord) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO inventory_block (export_id, serial_prefix, serial_first, serial_last, unit_block_start, unit_block_end, unit_count, vintage, unit_status, warehouse_project_id, issuance_id, warehouse_unit_id, serial_number_block, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            b.export_id,
            b.serial_prefix,
            b.serial_first,
            b.serial_last,
            b.unit_block_start,
            b.unit_block_end,
            b.unit_count,
            b.vintage,
            b.unit_status,
            b.warehouse_project_id,
            b.issuance_id,
            b.warehouse_unit_id,
            b.serial_number_block,
            b.recorded_by,
            b.recorded_at,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The whole inventory, by prefix and first serial.
pub fn inventory_blocks(conn: &Connection) -> Result<Vec<InventoryRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {INVENTORY_COLUMNS} FROM inventory_block ORDER BY serial_prefix, serial_first"
    ))?;
    let rows = stmt.query_map([], inventory_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One reconciliation run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconciliationRecord {
    pub id: i64,
    pub at: String,
    pub user_id: i64,
    pub registry_url: String,
    pub blocks_ours: i64,
    pub units_registry: i64,
    pub finding_count: i64,
    pub findings_json: String,
}

pub fn insert_reconciliation(
    conn: &Connection,
    r: &ReconciliationRecord,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO reconciliation_run (at, user_id, registry_url, blocks_ours, units_registry, finding_count, findings_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            r.at,
            r.user_id,
            r.registry_url,
            r.blocks_ours,
            r.units_registry,
            r.finding_count,
            r.findings_json,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every reconciliation run, newest first.
pub fn reconciliations(conn: &Connection) -> Result<Vec<ReconciliationRecord>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, user_id, registry_url, blocks_ours, units_registry, finding_count, findings_json
         FROM reconciliation_run ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ReconciliationRecord {
            id: r.get(0)?,
            at: r.get(1)?,
            user_id: r.get(2)?,
            registry_url: r.get(3)?,
            blocks_ours: r.get(4)?,
            units_registry: r.get(5)?,
            finding_count: r.get(6)?,
            findings_json: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(first: i64, last: i64, status: &str, unit_id: &str) -> InventoryRecord {
        InventoryRecord {
            id: 0,
            export_id: 1,
            serial_prefix: "MRV".into(),
            serial_first: first,
            serial_last: last,
            unit_block_start: format!("MRV-{first:09}"),
            unit_block_end: format!("MRV-{last:09}"),
            unit_count: last - first + 1,
            vintage: 2025,
            unit_status: status.into(),
            warehouse_project_id: "p".into(),
            issuance_id: "i".into(),
            warehouse_unit_id: unit_id.into(),
            serial_number_block: None,
            recorded_by: 1,
            recorded_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn no_serial_number_enters_the_inventory_twice_and_issued_blocks_never_change() {
        let dir = tempfile::tempdir().unwrap();
        let ws = crate::Workspace::create(&dir.path().join("ws"), "2026-01-01T00:00:00Z").unwrap();
        let conn = ws.conn();
        // The export and user rows are not what this test is about.
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        insert_inventory_block(conn, &block(1, 323, "Held", "u1")).unwrap();
        insert_inventory_block(conn, &block(324, 404, "Buffer", "u2")).unwrap();
        let refused =
            |b: InventoryRecord| insert_inventory_block(conn, &b).unwrap_err().to_string();
        for (b, why) in [
            (block(1, 323, "Held", "u3"), "overlaps"),
            (block(400, 410, "Held", "u4"), "overlaps"),
            (block(300, 500, "Held", "u5"), "overlaps"),
            (block(500, 510, "Held", "u1"), "UNIQUE"),
            (block(500, 510, "Retired", "u6"), "CHECK"),
            (
                InventoryRecord {
                    unit_count: 5,
                    ..block(500, 510, "Held", "u7")
                },
                "CHECK",
            ),
        ] {
            let text = refused(b);
            assert!(text.contains(why), "{text}");
        }
        let another_prefix = InventoryRecord {
            serial_prefix: "OTHER".into(),
            unit_block_start: "OTHER-000000001".into(),
            unit_block_end: "OTHER-000000323".into(),
            ..block(1, 323, "Held", "u8")
        };
        insert_inventory_block(conn, &another_prefix).unwrap();
        let update = conn.execute("UPDATE inventory_block SET unit_count = unit_count", []);
        assert!(update.unwrap_err().to_string().contains("never changed"));
        assert_eq!(inventory_blocks(conn).unwrap().len(), 3);
    }
}
