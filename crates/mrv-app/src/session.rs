//! Sessions and the one check every use case goes through: [`Mrv::authorize`] at its entry, and
//! the same check again inside the transaction that commits its work ([`Mrv::transaction`]),
//! so a user offboarded, signed out or stripped of a role while a use case runs commits nothing.
//!
//! Both `users` (sign-in, offboarding) and `journal` (verification) build on this module; it
//! depends on neither.

use crate::{clock, AppError, Mrv};
use ed25519_dalek::SigningKey;
use mrv_core::{authorize, Action, Actor, Granted, Role};
use mrv_store::UserRecord;
use serde::Serialize;

/// A user as front ends show it (never the password hash or the sealed key).
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub roles: Vec<String>,
    /// `ed25519:` + hex: the key their stamps and sign-offs verify with.
    pub public_key: String,
    pub created_at: String,
    pub offboarded_at: Option<String>,
}

impl From<UserRecord> for UserView {
    fn from(u: UserRecord) -> UserView {
        UserView {
            id: u.id,
            name: u.name,
            roles: u.roles,
            public_key: u.public_key,
            created_at: u.created_at,
            offboarded_at: u.offboarded_at,
        }
    }
}

/// A signed-in user: the session token (what a front end keeps) and, in memory only, their
/// opened signing key.
pub struct Session {
    pub token: String,
    pub user: UserView,
    pub expires_at: String,
    pub(crate) signing_key: SigningKey,
}

impl Session {
    /// What the signed-in user's roles allow, from the one role table the use cases enforce
    /// (each use case still checks the live session when it runs).
    pub fn allowed_actions(&self) -> Vec<mrv_core::Action> {
        let roles: Vec<mrv_core::Role> = self
            .user
            .roles
            .iter()
            .filter_map(|r| mrv_core::Role::parse(r).ok())
            .collect();
        mrv_core::allowed_actions(&roles)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user.name)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

pub(crate) fn parse_roles(names: &[String]) -> Result<Vec<Role>, AppError> {
    let mut roles: Vec<Role> = names
        .iter()
        .map(|n| Role::parse(n.trim()).map_err(AppError::InvalidInput))
        .collect::<Result<_, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

/// The check itself, on `conn` (the handle's connection, or an open transaction): the session
/// with this stored token hash is live (not signed out, not expired), its user exists and is
/// not offboarded, and their roles allow `action`.
pub(crate) fn check_session(
    conn: &mrv_store::Connection,
    token_sha256: &str,
    action: Action,
) -> Result<Granted, AppError> {
    let (user_id, expires_at, ended_at) = mrv_store::session(conn, token_sha256)?
        .ok_or_else(|| AppError::Unauthenticated("not signed in".into()))?;
    if ended_at.is_some() {
        return Err(AppError::Unauthenticated(
            "the session has ended; sign in again".into(),
        ));
    }
    if clock::now().to_string() >= expires_at {
        return Err(AppError::Unauthenticated(
            "the session has expired; sign in again".into(),
        ));
    }
    let user = mrv_store::user_by_id(conn, user_id)?
        .ok_or_else(|| AppError::Unauthenticated("the session's user no longer exists".into()))?;
    let actor = Actor {
        user_id: user.id,
        name: user.name.clone(),
        roles: parse_roles(&user.roles)?,
        active: user.offboarded_at.is_none(),
        session: Some(token_sha256.to_owned()),
    };
    Ok(authorize(&actor, action)?)
}

/// Checks again, inside the transaction about to commit work done under `granted`, that the
/// grant still holds: same session, still live, same user, role still held.
pub(crate) fn still_granted(
    conn: &mrv_store::Connection,
    granted: &Granted,
) -> Result<(), AppError> {
    let session = granted.session().ok_or_else(|| {
        AppError::Internal("a grant without a session cannot commit anything".into())
    })?;
    let again = check_session(conn, session, granted.action())?;
    if again.user_id() != granted.user_id() {
        return Err(AppError::Unauthenticated(
            "the session changed hands; sign in again".into(),
        ));
    }
    Ok(())
}

impl Mrv {
    /// The gate every public use case that reads or changes workspace data calls once, first:
    /// the session must be live (not signed out, not expired, its user not offboarded) and the
    /// user's roles must allow `action`. What a use case calls internally (an import's
    /// enrichment, a new layer's re-enrichment) is covered by that one check, and
    /// [`Mrv::transaction`] repeats it where the work commits.
    pub fn authorize(&self, session: &Session, action: Action) -> Result<Granted, AppError> {
        check_session(
            self.ws.conn(),
            &mrv_identity::token_hash(&session.token),
            action,
        )
    }

    /// Opens the write transaction (`BEGIN IMMEDIATE`) of work done under `granted` and checks
    /// the grant again inside it: whatever commits through it was allowed at the moment it
    /// commits, since no other writer can offboard or sign out in between.
    pub(crate) fn transaction(
        &mut self,
        granted: &Granted,
    ) -> Result<mrv_store::Transaction<'_>, AppError> {
        let tx = mrv_store::begin_immediate(self.ws.conn_mut())?;
        still_granted(&tx, granted)?;
        Ok(tx)
    }

    /// A write transaction outside any session: the first user of a workspace, and the
    /// workspace's own upkeep on open.
    pub(crate) fn system_transaction(&mut self) -> Result<mrv_store::Transaction<'_>, AppError> {
        Ok(mrv_store::begin_immediate(self.ws.conn_mut())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn demo() -> (tempfile::TempDir, Mrv) {
        let dir = tempfile::tempdir().unwrap();
        let mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
        (dir, mrv)
    }

    fn db(dir: &tempfile::TempDir) -> rusqlite::Connection {
        rusqlite::Connection::open(dir.path().join("ws").join(mrv_store::DATABASE_FILE)).unwrap()
    }

    /// Authorized at entry, offboarded through another handle before the commit: the approval's
    /// transaction checks again and refuses, and nothing of it is written.
    #[test]
    fn an_approval_whose_verifier_is_offboarded_before_it_commits_writes_nothing() {
        let (dir, mut mrv) = demo();
        let vera = mrv.sign_in("vera", crate::DEMO_PASSWORD).unwrap();
        mrv.start_review(&vera, 1).unwrap();
        let justify: BTreeMap<i64, String> =
            crate::justify_everything(&mrv, &vera, 1, "checked").unwrap();
        let granted = mrv.authorize(&vera, Action::ApproveBatch).unwrap();
        let journal_before = mrv_store::journal_head(mrv.ws.conn()).unwrap();

        let mut admin = Mrv::open(&dir.path().join("ws")).unwrap();
        let tess = admin.sign_in("tess", crate::DEMO_PASSWORD).unwrap();
        admin.offboard_user(&tess, "vera").unwrap();
        let journal_offboarded = mrv_store::journal_head(mrv.ws.conn()).unwrap();
        assert_ne!(journal_before, journal_offboarded);

        let err = mrv
            .approve_granted(&granted, &vera, 1, &justify)
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Unauthenticated, "{err}");
        assert_eq!(err.to_string(), "the session has ended; sign in again");
        let batch = mrv_store::get_batch(mrv.ws.conn(), 1).unwrap().unwrap();
        assert_eq!(batch.state, "in_review");
        assert!(mrv_store::stamp(mrv.ws.conn(), 1).unwrap().is_none());
        assert!(mrv_store::batch_anchor(mrv.ws.conn(), 1).unwrap().is_none());
        assert_eq!(
            mrv_store::journal_head(mrv.ws.conn()).unwrap(),
            journal_offboarded,
            "no journal event after the offboarding"
        );
    }

    /// The same for work that runs long before it commits: an enrichment whose analyst is
    /// offboarded meanwhile writes no samples, flags, state or journal event.
    #[test]
    fn an_enrichment_whose_analyst_is_offboarded_before_it_commits_writes_nothing() {
        let (dir, mut mrv) = demo();
        let ana = mrv.sign_in("ana", crate::DEMO_PASSWORD).unwrap();
        let granted = mrv.authorize(&ana, Action::EnrichBatch).unwrap();
        let mut admin = Mrv::open(&dir.path().join("ws")).unwrap();
        let tess = admin.sign_in("tess", crate::DEMO_PASSWORD).unwrap();
        admin.offboard_user(&tess, "ana").unwrap();
        let head = mrv_store::journal_head(mrv.ws.conn()).unwrap();
        let flags = |mrv: &Mrv| {
            let batch = mrv_store::get_batch(mrv.ws.conn(), 1).unwrap().unwrap();
            mrv_store::list_flags(mrv.ws.conn(), &batch).unwrap()
        };
        let flags_before = flags(&mrv);

        let err = mrv
            .enrich_authorized(&granted, 1, &mut |_| crate::Progress::Continue)
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Unauthenticated, "{err}");
        assert_eq!(mrv_store::journal_head(mrv.ws.conn()).unwrap(), head);
        assert_eq!(flags(&mrv), flags_before);
    }

    /// The commit-time check is the whole check: a signed-out session, an expired one, and a
    /// role taken away between entry and commit all refuse the transaction.
    #[test]
    fn a_grant_is_checked_again_when_its_transaction_opens() {
        let (dir, mut mrv) = demo();
        let ana = mrv.sign_in("ana", crate::DEMO_PASSWORD).unwrap();
        let granted = mrv.authorize(&ana, Action::ImportBatch).unwrap();
        drop(mrv.transaction(&granted).unwrap());

        db(&dir)
            .execute(
                "UPDATE app_user SET roles_json = '[\"manager\"]' WHERE name = 'ana'",
                [],
            )
            .unwrap();
        let err = mrv.transaction(&granted).err().unwrap();
        assert_eq!(err.code(), crate::ErrorCode::Forbidden, "{err}");
        assert!(err.to_string().contains("may not import batches"), "{err}");

        let mo = mrv.sign_in("mo", crate::DEMO_PASSWORD).unwrap();
        let granted = mrv.authorize(&mo, Action::ManageLayers).unwrap();
        db(&dir)
            .execute(
                "UPDATE session SET expires_at = '2000-01-01T00:00:00Z' WHERE user_id = (SELECT id FROM app_user WHERE name = 'mo')",
                [],
            )
            .unwrap();
        let err = mrv.transaction(&granted).err().unwrap();
        assert_eq!(err.to_string(), "the session has expired; sign in again");

        let vera = mrv.sign_in("vera", crate::DEMO_PASSWORD).unwrap();
        let granted = mrv.authorize(&vera, Action::RejectBatch).unwrap();
        mrv.sign_out(&vera).unwrap();
        let err = mrv.transaction(&granted).err().unwrap();
        assert_eq!(err.to_string(), "the session has ended; sign in again");
    }
}
