//! The registry connection (migrations 0011, 0014): where exports are pushed, and its API key
//! sealed per user who may use it.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension};

/// The registry a workspace pushes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRecord {
    /// Base URL; routes are `<url>/v1/…`.
    pub url: String,
    /// Sent as `x-api-key` on every request. Empty once sealed (`registry_key_box`); only
    /// workspaces from before 0014 hold it here, until the app seals it on open.
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

/// The registry API key sealed for one user, if it is.
pub fn registry_key_box(conn: &Connection, user_id: i64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT sealed FROM registry_key_box WHERE user_id = ?1",
            [user_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The users the registry API key is sealed for.
pub fn registry_key_box_users(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare("SELECT user_id FROM registry_key_box ORDER BY user_id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn set_registry_key_box(
    conn: &Connection,
    user_id: i64,
    sealed: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO registry_key_box (user_id, sealed) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET sealed = ?2",
        params![user_id, sealed],
    )?;
    Ok(())
}

/// Forgets the key sealed for `user_id` (`None`: for everyone).
pub fn delete_registry_key_boxes(
    conn: &Connection,
    user_id: Option<i64>,
) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM registry_key_box WHERE ?1 IS NULL OR user_id = ?1",
        [user_id],
    )?;
    Ok(())
}

/// Empties the clear `registry.api_key` of workspaces from before the key was sealed.
pub fn clear_registry_api_key(conn: &Connection) -> Result<(), StoreError> {
    conn.execute("UPDATE registry SET api_key = '' WHERE id = 1", [])?;
    Ok(())
}
