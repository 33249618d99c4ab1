//! Local users, sign-in and sessions (DESIGN.md §3, SOP-006), and the one gate every use case
//! goes through at its entry: [`Mrv::authorize`].

use crate::{clock, AppError, Mrv};
use ed25519_dalek::SigningKey;
use mrv_core::{authorize, Action, Actor, Granted, Role};
use mrv_store::UserRecord;
use serde::Serialize;

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;

/// Input of [`Mrv::add_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub roles: Vec<String>,
    pub password: String,
}

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

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user.name)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn parse_roles(names: &[String]) -> Result<Vec<Role>, AppError> {
    let mut roles: Vec<Role> = names
        .iter()
        .map(|n| Role::parse(n.trim()).map_err(AppError::InvalidInput))
        .collect::<Result<_, _>>()?;
    roles.sort();
    roles.dedup();
    Ok(roles)
}

fn actor_of(user: &UserRecord) -> Result<Actor, AppError> {
    Ok(Actor {
        user_id: user.id,
        name: user.name.clone(),
        roles: parse_roles(&user.roles)?,
        active: user.offboarded_at.is_none(),
    })
}

impl Mrv {
    /// Adds a local user with a fresh Ed25519 signing key sealed under their password. The first
    /// user of a workspace needs no sign-in but must be a `tenant_admin` (who then adds the
    /// others); after that only a signed-in tenant admin may add users.
    pub fn add_user(
        &mut self,
        by: Option<&Session>,
        input: &NewUser,
    ) -> Result<UserView, AppError> {
        let first = mrv_store::user_count(self.ws.conn())? == 0;
        let granted = match (first, by) {
            (true, _) => None,
            (false, Some(session)) => Some(self.authorize(session, Action::ManageUsers)?),
            (false, None) => {
                return Err(AppError::Unauthenticated(
                    "sign in as a tenant admin to add users".into(),
                ))
            }
        };
        let name = &crate::names::normalize("user name", &input.name)?;
        if name.chars().any(char::is_whitespace) {
            return Err(AppError::InvalidInput(format!(
                "user name `{name}` must be one word without spaces"
            )));
        }
        let roles = parse_roles(&input.roles)?;
        if roles.is_empty() {
            return Err(AppError::InvalidInput(format!(
                "user {name} needs at least one role"
            )));
        }
        if first && !roles.contains(&Role::TenantAdmin) {
            return Err(AppError::InvalidInput(
                "the first user of a workspace must hold the tenant_admin role (to add the others)"
                    .into(),
            ));
        }
        if mrv_store::user_by_name(self.ws.conn(), name)?.is_some() {
            return Err(AppError::Conflict(format!("user {name} already exists")));
        }
        let password_hash = mrv_identity::hash_password(&input.password)?;
        let key = mrv_identity::new_signing_key()?;
        let sealed_key = mrv_identity::seal_key(&key, &input.password)?;
        let now = clock::now().to_string();
        let record = UserRecord {
            id: 0,
            name: name.to_owned(),
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
            password_hash,
            public_key: mrv_stamp::document::key_text(&key.verifying_key()),
            sealed_key,
            created_at: now.clone(),
            offboarded_at: None,
        };
        let tx = self.transaction()?;
        let id = mrv_store::insert_user(&tx, &record)?;
        let actor = granted.as_ref().map_or("system", |g| g.user());
        crate::journal::append(
            &tx,
            &now,
            actor,
            "user.add",
            &format!("user:{name}"),
            serde_json::json!({"name": name, "roles": record.roles, "public_key": record.public_key}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(UserView {
            id,
            ..record.into()
        })
    }

    pub fn list_users(&self, session: &Session) -> Result<Vec<UserView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        Ok(mrv_store::list_users(self.ws.conn())?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Signs a user in: checks the password, opens their signing key and starts a session of
    /// [`SESSION_HOURS`]. The same message for an unknown user and a wrong password.
    pub fn sign_in(&mut self, name: &str, password: &str) -> Result<Session, AppError> {
        let refused = || AppError::Unauthenticated("unknown user or wrong password".into());
        let user = mrv_store::user_by_name(self.ws.conn(), name.trim())?.ok_or_else(refused)?;
        if !mrv_identity::verify_password(&user.password_hash, password)? {
            return Err(refused());
        }
        if user.offboarded_at.is_some() {
            return Err(AppError::Unauthenticated(format!(
                "{} is offboarded and can no longer sign in",
                user.name
            )));
        }
        let signing_key = mrv_identity::open_key(&user.sealed_key, password)?;
        let (token, stored) = mrv_identity::new_session_token()?;
        let now = clock::now();
        let expires = mrv_core::Timestamp(now.0 + SESSION_HOURS * 3600).to_string();
        mrv_store::insert_session(self.ws.conn(), &stored, user.id, &now.to_string(), &expires)?;
        Ok(Session {
            token,
            user: user.into(),
            expires_at: expires,
            signing_key,
        })
    }

    /// Ends a session; its token no longer works.
    pub fn sign_out(&mut self, session: &Session) -> Result<(), AppError> {
        mrv_store::end_session(
            self.ws.conn(),
            &mrv_identity::token_hash(&session.token),
            &clock::now().to_string(),
        )?;
        Ok(())
    }

    /// Offboards a user: they can no longer sign in, and every session of theirs ends at once.
    pub fn offboard_user(&mut self, session: &Session, name: &str) -> Result<UserView, AppError> {
        let granted = self.authorize(session, Action::ManageUsers)?;
        let user =
            mrv_store::user_by_name(self.ws.conn(), name.trim())?.ok_or(AppError::NotFound {
                what: "user",
                id: name.trim().to_owned(),
            })?;
        let now = clock::now().to_string();
        let tx = self.transaction()?;
        mrv_store::offboard_user(&tx, user.id, &now)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "user.offboard",
            &format!("user:{}", user.name),
            serde_json::json!({"name": user.name}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        mrv_store::user_by_id(self.ws.conn(), user.id)?
            .map(Into::into)
            .ok_or_else(|| AppError::Internal("offboarded user vanished".into()))
    }

    /// The gate every public use case that reads or changes workspace data calls once, first:
    /// the session must be live (not signed out, not expired, its user not offboarded) and the
    /// user's roles must allow `action`. What a use case calls internally (an import's
    /// enrichment, a new layer's re-enrichment) is covered by that one check.
    pub fn authorize(&self, session: &Session, action: Action) -> Result<Granted, AppError> {
        let stored = mrv_identity::token_hash(&session.token);
        let (user_id, expires_at, ended_at) = mrv_store::session(self.ws.conn(), &stored)?
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
        let user = mrv_store::user_by_id(self.ws.conn(), user_id)?.ok_or_else(|| {
            AppError::Unauthenticated("the session's user no longer exists".into())
        })?;
        Ok(authorize(&actor_of(&user)?, action)?)
    }

    pub(crate) fn transaction(&mut self) -> Result<mrv_store::Transaction<'_>, AppError> {
        self.ws
            .conn_mut()
            .transaction()
            .map_err(|e| AppError::Internal(e.to_string()))
    }
}
