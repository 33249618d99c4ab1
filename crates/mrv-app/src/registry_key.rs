//! The registry API key, sealed (docs/export.md, "The registry's API key"). Like the audit-log
//! writer token (`writer_token.rs`), the workspace never keeps it in clear: it is sealed to the
//! public key of every active user who may use it — those who push exports (and reconcile) and
//! those who connect the registry — and opened with the signing key a sign-in opened into the
//! [`Session`]. A user who opens it seals it for anyone allowed who has no copy yet.

use crate::session::Session;
use crate::{clock, AppError, Mrv};
use mrv_core::Action;

/// Active users whose roles allow pushing exports or connecting the registry.
fn key_users(conn: &mrv_store::Connection) -> Result<Vec<mrv_store::UserRecord>, AppError> {
    crate::sealed::holders_by_role(conn, &[Action::PushExport, Action::ConnectRegistry])
}

/// Seals `key` for every such user who has no copy (all of them with `replace`), inside the
/// caller's transaction. Returns the names it sealed for.
pub(crate) fn seal_registry_key(
    conn: &mrv_store::Connection,
    key: &str,
    replace: bool,
) -> Result<Vec<String>, AppError> {
    if replace {
        mrv_store::delete_registry_key_boxes(conn, None)?;
    }
    let holders = mrv_store::registry_key_box_users(conn)?;
    crate::sealed::seal_for_missing(
        conn,
        key_users(conn)?,
        &holders,
        key,
        mrv_store::set_registry_key_box,
    )
}

impl Mrv {
    /// The registry API key opened with the session's signing key, if it is sealed for them.
    pub(crate) fn open_registry_key(&self, session: &Session) -> Result<Option<String>, AppError> {
        let Some(sealed) = mrv_store::registry_key_box(self.ws.conn(), session.user.id)? else {
            return Ok(None);
        };
        let key = mrv_identity::open_sealed(&session.signing_key, &sealed)
            .map_err(|e| AppError::Internal(format!("the sealed registry API key: {e}")))?;
        String::from_utf8(key)
            .map(Some)
            .map_err(|_| AppError::Internal("the sealed registry API key is not text".into()))
    }

    /// The registry API key for a use case that may use it; seals it for allowed users who
    /// lack a copy (journaled as `registry.key.seal`).
    pub(crate) fn registry_key(&mut self, session: &Session) -> Result<String, AppError> {
        let key = self.open_registry_key(session)?.ok_or_else(|| {
            AppError::Forbidden(format!(
                "the registry API key is not sealed for {} yet: an ops admin runs `mrv registry connect` again, or anyone who holds it pushes or reconciles once",
                session.user.name
            ))
        })?;
        let missing = key_users(self.ws.conn())?.len()
            > mrv_store::registry_key_box_users(self.ws.conn())?.len();
        if missing {
            let tx = self.system_transaction()?;
            let sealed_for = seal_registry_key(&tx, &key, false)?;
            if !sealed_for.is_empty() {
                crate::journal::append(
                    &tx,
                    &clock::now().to_string(),
                    &session.user.name,
                    "registry.key.seal",
                    "registry:api-key",
                    serde_json::json!({"sealed_for": sealed_for}),
                )?;
            }
            tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        }
        Ok(key)
    }

    /// Workspaces from before the key was sealed kept it in clear: seal it for the allowed users
    /// and empty the clear column, in one transaction (journaled). Runs on open.
    pub(crate) fn seal_clear_registry_key(&mut self) -> Result<(), AppError> {
        match mrv_store::registry(self.ws.conn())? {
            Some(r) if !r.api_key.is_empty() => {}
            _ => return Ok(()),
        }
        let tx = self.system_transaction()?;
        // Read again under the write lock: another process may have sealed it meanwhile.
        let Some(record) = mrv_store::registry(&tx)?.filter(|r| !r.api_key.is_empty()) else {
            return Ok(());
        };
        let sealed_for = seal_registry_key(&tx, &record.api_key, true)?;
        mrv_store::clear_registry_api_key(&tx)?;
        crate::journal::append(
            &tx,
            &clock::now().to_string(),
            "system",
            "registry.key.seal",
            &format!("registry:{}", record.url),
            serde_json::json!({"sealed_for": sealed_for}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(())
    }
}
