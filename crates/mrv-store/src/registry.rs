//! The registry connection (migration 0011): where exports are pushed.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension};

/// The registry a workspace pushes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRecord {
    /// Base URL; routes are `<url>/v1/…`.
    pub url: String,
    /// Sent as `x-api-key` on every request.
    pub api_key: String,
    pub connected_by: String,
    pub connected_at: String,
}

pub fn registry(conn: &Connection) -> Result<Option<RegistryRecord>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT url, api_key, connected_by, connected_at FROM registry WHERE id = 1",
            [],
            |r| {
                Ok(RegistryRecord {
                    url: r.get(0)?,
                    api_key: r.get(1)?,
                    connected_by: r.get(2)?,
                    connected_at: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Sets (or replaces) the connection; call inside the use case's transaction.
pub fn set_registry(conn: &Connection, r: &RegistryRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO registry (id, url, api_key, connected_by, connected_at) VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET url = ?1, api_key = ?2, connected_by = ?3, connected_at = ?4",
        params![r.url, r.api_key, r.connected_by, r.connected_at],
    )?;
    Ok(())
}
