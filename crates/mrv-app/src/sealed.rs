//! What the workspace's sealed secrets share (the audit-log writer token, `writer_token.rs`, and
//! the registry API key, `registry_key.rs`): who may hold one, and sealing it for those of them
//! who have no copy yet. Each secret keeps its own box table and journal entries.

use crate::AppError;
use mrv_core::{role_allows, Action, Role};
use mrv_store::{Connection, UserRecord};

/// Active users with a role that allows any of `actions`: those a secret is sealed for.
pub(crate) fn holders_by_role(
    conn: &Connection,
    actions: &[Action],
) -> Result<Vec<UserRecord>, AppError> {
    Ok(mrv_store::list_users(conn)?
        .into_iter()
        .filter(|u| u.offboarded_at.is_none())
        .filter(|u| {
            u.roles
                .iter()
                .filter_map(|r| Role::parse(r).ok())
                .any(|r| actions.iter().any(|a| role_allows(r, *a)))
        })
        .collect())
}

/// Seals `secret` to the public key of each of `users` not in `holders`, storing each box with
/// `store`; returns the names it sealed for.
pub(crate) fn seal_for_missing(
    conn: &Connection,
    users: Vec<UserRecord>,
    holders: &[i64],
    secret: &str,
    store: fn(&Connection, i64, &str) -> Result<(), mrv_store::StoreError>,
) -> Result<Vec<String>, AppError> {
    let mut sealed_for = Vec::new();
    for u in users {
        if holders.contains(&u.id) {
            continue;
        }
        let public = mrv_stamp::document::parse_key(&u.public_key)
            .map_err(|e| AppError::Internal(format!("user {}: {e}", u.name)))?;
        store(
            conn,
            u.id,
            &mrv_identity::seal_to(&public, secret.as_bytes())?,
        )?;
        sealed_for.push(u.name);
    }
    Ok(sealed_for)
}
