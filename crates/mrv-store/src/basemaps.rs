//! Basemaps (migration 0021): imagery a user registers to draw under the evidence.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// One basemap as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct BasemapRecord {
    pub id: i64,
    pub name: String,
    /// `geotiff` or `mbtiles`.
    pub kind: String,
    pub file_sha256: String,
    pub source_name: String,
    pub description: String,
    /// `[west, south, east, north]` in WGS84 degrees.
    pub bounds: [f64; 4],
    /// The registering user's name.
    pub registered_by: String,
    pub registered_at: String,
}

const SELECT: &str = "SELECT id, name, kind, file_sha256, source_name, description,
        west, south, east, north, registered_by, registered_at FROM basemap";

fn basemap_row(r: &Row<'_>) -> rusqlite::Result<BasemapRecord> {
    Ok(BasemapRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        file_sha256: r.get(3)?,
        source_name: r.get(4)?,
        description: r.get(5)?,
        bounds: [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?],
        registered_by: r.get(10)?,
        registered_at: r.get(11)?,
    })
}

/// Records a basemap; returns its id.
pub fn insert_basemap(conn: &Connection, b: &BasemapRecord) -> Result<i64, StoreError> {
    let [west, south, east, north] = b.bounds;
    conn.execute(
        "INSERT INTO basemap (name, kind, file_sha256, source_name, description, west, south, east, north, registered_by, registered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            b.name,
            b.kind,
            b.file_sha256,
            b.source_name,
            b.description,
            west,
            south,
            east,
            north,
            b.registered_by,
            b.registered_at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every basemap, by name.
pub fn list_basemaps(conn: &Connection) -> Result<Vec<BasemapRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY name, id"))?;
    let rows = stmt.query_map([], basemap_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One basemap, if it exists.
pub fn basemap(conn: &Connection, id: i64) -> Result<Option<BasemapRecord>, StoreError> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE id = ?1"), [id], basemap_row)
        .optional()?)
}

/// Whether a basemap already has this name.
pub fn basemap_name_taken(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM basemap WHERE name = ?1", [name], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Deletes a basemap's row (its stored file stays: stored files are never deleted).
pub fn delete_basemap(conn: &Connection, id: i64) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM basemap WHERE id = ?1", [id])? == 1)
}
