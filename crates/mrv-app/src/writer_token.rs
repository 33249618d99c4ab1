//! The audit-log writer token, sealed (docs/auditlog.md, "The writer token"). The workspace
//! never stores it in clear: it is sealed to the public key of every active user who may
//! anchor (`mrv_identity::seal_to`), and opened with the signing key a user's sign-in opened
//! into their [`Session`]. A user who opens it seals it for anyone allowed to anchor who has no
//! copy yet, so users added after `auditlog connect` get one at the next anchoring run.

use crate::session::Session;
use crate::{clock, AppError, Mrv};
use mrv_core::Action;

/// Active users whose roles allow anchoring: those the token is sealed for.
fn anchoring_users(conn: &mrv_store::Connection) -> Result<Vec<mrv_store::UserRecord>, AppError> {
    crate::sealed::holders_by_role(conn, &[Action::Anchor])
}

/// Seals `token` for every anchoring user who has no copy (all of them with `replace`), inside
/// the caller's transaction. Returns the names it sealed for.
pub(crate) fn seal_token(
    conn: &mrv_store::Connection,
    token: &str,
    replace: bool,
) -> Result<Vec<String>, AppError> {
    if replace {
        mrv_store::delete_token_boxes(conn, None)?;
    }
    let holders = mrv_store::token_box_users(conn)?;
    crate::sealed::seal_for_missing(
        conn,
        anchoring_users(conn)?,
        &holders,
        token,
        mrv_store::set_token_box,
    )
}

impl Mrv {
    /// The writer token, opened with the session's signing key; seals it for anchoring users
    /// who lack a copy.
    pub(crate) fn writer_token(&mut self, session: &Session) -> Result<String, AppError> {
        let sealed = mrv_store::token_box(self.ws.conn(), session.user.id)?.ok_or_else(|| {
            AppError::Forbidden(format!(
                "the audit-log writer token is not sealed for {} yet: an ops admin runs `mrv auditlog connect` again, or anyone who holds it anchors once",
                session.user.name
            ))
        })?;
        let token = mrv_identity::open_sealed(&session.signing_key, &sealed)
            .map_err(|e| AppError::Internal(format!("the sealed writer token: {e}")))?;
        let token = String::from_utf8(token)
            .map_err(|_| AppError::Internal("the sealed writer token is not text".into()))?;
        let missing = anchoring_users(self.ws.conn())?.len()
            > mrv_store::token_box_users(self.ws.conn())?.len();
        if missing {
            let tx = self.system_transaction()?;
            let sealed_for = seal_token(&tx, &token, false)?;
            if !sealed_for.is_empty() {
                crate::journal::append(
                    &tx,
                    &clock::now().to_string(),
                    &session.user.name,
                    "auditlog.token.seal",
                    "auditlog:writer-token",
                    serde_json::json!({"sealed_for": sealed_for}),
                )?;
            }
            tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        }
        Ok(token)
    }

    /// Workspaces from before the token was sealed kept it in clear: seal it for the anchoring
    /// users and empty the clear column, in one transaction (journaled). Runs on open.
    pub(crate) fn seal_clear_token(&mut self) -> Result<(), AppError> {
        match mrv_store::auditlog(self.ws.conn())? {
            Some(log) if !log.token.is_empty() => {}
            _ => return Ok(()),
        }
        let tx = self.system_transaction()?;
        // Read again under the write lock: another process may have sealed it meanwhile.
        let Some(log) = mrv_store::auditlog(&tx)?.filter(|l| !l.token.is_empty()) else {
            return Ok(());
        };
        let sealed_for = seal_token(&tx, &log.token, true)?;
        mrv_store::clear_auditlog_token(&tx)?;
        crate::journal::append(
            &tx,
            &clock::now().to_string(),
            "system",
            "auditlog.token.seal",
            &format!("auditlog:{}", log.origin),
            serde_json::json!({"sealed_for": sealed_for}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(())
    }
}
