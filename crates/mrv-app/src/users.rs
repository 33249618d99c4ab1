//! Local users and sign-in (DESIGN.md §3, SOP-006): adding users (the first one atomically),
//! signing in with a lockout after repeated failures, signing out and offboarding. The session
//! check itself is in `session`.

use crate::session::{check_session, parse_roles, Session, UserView};
use crate::{clock, AppError, Mrv};
use mrv_core::{Action, Role};
use mrv_store::UserRecord;

/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;

/// Failed sign-ins in a row a name gets before it is locked out.
pub const FREE_SIGN_IN_FAILURES: i64 = 5;

/// The first lockout; each further failure doubles it, up to [`MAX_LOCKOUT_SECONDS`].
pub const FIRST_LOCKOUT_SECONDS: i64 = 30;
pub const MAX_LOCKOUT_SECONDS: i64 = 3600;

/// How long a name is locked out after its `failures`-th failed sign-in in a row: none for the
/// first [`FREE_SIGN_IN_FAILURES`] − 1, then 30 s, 60 s, 120 s, … up to an hour.
pub fn lockout_seconds(failures: i64) -> Option<i64> {
    let beyond = failures - FREE_SIGN_IN_FAILURES;
    (beyond >= 0).then(|| (FIRST_LOCKOUT_SECONDS << beyond.min(20)).min(MAX_LOCKOUT_SECONDS))
}

fn locked_out(name: &str, until: mrv_core::Timestamp, now: mrv_core::Timestamp) -> AppError {
    AppError::Unauthenticated(format!(
        "too many failed sign-ins as {name}: sign-in is locked until {until}; try again in {} s",
        until.0 - now.0
    ))
}

/// Input of [`Mrv::add_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub roles: Vec<String>,
    pub password: String,
}

impl Mrv {
    /// Adds a local user with a fresh Ed25519 signing key sealed under their password. The first
    /// user of a workspace needs no sign-in but must be a `tenant_admin` (who then adds the
    /// others); after that only a signed-in tenant admin may add users. "Is this the first
    /// user?" is answered inside the transaction that inserts the user (`BEGIN IMMEDIATE`), so
    /// of several first `add_user` calls at once exactly one makes a tenant admin and the others
    /// are refused.
    pub fn add_user(
        &mut self,
        by: Option<&Session>,
        input: &NewUser,
    ) -> Result<UserView, AppError> {
        self.add_user_managed(by, input, None)
    }

    /// [`Mrv::add_user`] with the new user's manager (an active user holding the `manager`
    /// role), linked in the same transaction and recorded in the same `user.add` event.
    pub fn add_user_managed(
        &mut self,
        by: Option<&Session>,
        input: &NewUser,
        manager: Option<&str>,
    ) -> Result<UserView, AppError> {
        let signed_out = || {
            AppError::Unauthenticated(
                "this workspace already has users: sign in as a tenant admin to add users".into(),
            )
        };
        // Fail fast before the slow key work; decided again below, inside the transaction.
        match by {
            Some(session) => {
                self.authorize(session, Action::ManageUsers)?;
            }
            None if mrv_store::user_count(self.ws.conn())? > 0 => return Err(signed_out()),
            None => {}
        }
        let name = &crate::names::normalize_user(&input.name)?;
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
        let tx = self.system_transaction()?;
        let first = mrv_store::user_count(&tx)? == 0;
        let granted = match (first, by) {
            (true, _) => None,
            (false, Some(session)) => Some(check_session(
                &tx,
                &mrv_identity::token_hash(&session.token),
                Action::ManageUsers,
            )?),
            (false, None) => return Err(signed_out()),
        };
        if first && !roles.contains(&Role::TenantAdmin) {
            return Err(AppError::InvalidInput(
                "the first user of a workspace must hold the tenant_admin role (to add the others)"
                    .into(),
            ));
        }
        if mrv_store::user_by_name(&tx, name)?.is_some() {
            return Err(AppError::Conflict(format!("user {name} already exists")));
        }
        let manager = match manager {
            Some(m) => Some(crate::access::manager_to_link(&tx, m, name)?),
            None => None,
        };
        let id = mrv_store::insert_user(&tx, &record)?;
        let actor = granted.as_ref().map_or("system", |g| g.user());
        let mut payload = serde_json::json!({"name": name, "roles": record.roles, "public_key": record.public_key});
        if let Some(manager) = &manager {
            mrv_store::set_user_manager(&tx, id, Some(manager.id))?;
            payload["manager"] = serde_json::json!(manager.name);
        }
        crate::journal::append(
            &tx,
            &now,
            actor,
            "user.add",
            &format!("user:{name}"),
            payload,
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
    /// [`SESSION_HOURS`]. The same message for an unknown user and a wrong password. After
    /// [`FREE_SIGN_IN_FAILURES`] failures in a row for a name (known or not), that name is
    /// locked out for a time that doubles with each further failure (see [`lockout_seconds`]);
    /// each lockout is journaled, and a sign-in during one is refused, saying when to retry,
    /// without checking the password.
    pub fn sign_in(&mut self, name: &str, password: &str) -> Result<Session, AppError> {
        // Names are stored in NFC: look up (and count failures against) that spelling.
        let name = &lookup_name(name);
        let now = clock::now();
        if let Some((_, Some(until))) = mrv_store::sign_in_failures(self.ws.conn(), name)? {
            if now.0 < until {
                return Err(locked_out(name, mrv_core::Timestamp(until), now));
            }
        }
        let user = mrv_store::user_by_name(self.ws.conn(), name)?;
        let password_ok = match &user {
            Some(u) => mrv_identity::verify_password(&u.password_hash, password)?,
            // Same work for an unknown name, so timing does not tell which names exist.
            None => {
                let _ = mrv_identity::hash_password(&format!("{password}--------"));
                false
            }
        };
        let user = match (user, password_ok) {
            (Some(user), true) => user,
            _ => return Err(self.sign_in_failed(name, now)),
        };
        if user.offboarded_at.is_some() {
            return Err(AppError::Unauthenticated(format!(
                "{} is offboarded and can no longer sign in",
                user.name
            )));
        }
        // Failures made meanwhile (guesses sent in parallel) may have locked the name out.
        if let Some((_, Some(until))) = mrv_store::sign_in_failures(self.ws.conn(), name)? {
            if now.0 < until {
                return Err(locked_out(name, mrv_core::Timestamp(until), now));
            }
        }
        let signing_key = mrv_identity::open_key(&user.sealed_key, password)?;
        let (token, stored) = mrv_identity::new_session_token()?;
        let expires = mrv_core::Timestamp(now.0 + SESSION_HOURS * 3600).to_string();
        mrv_store::clear_sign_in_failures(self.ws.conn(), name)?;
        mrv_store::insert_session(self.ws.conn(), &stored, user.id, &now.to_string(), &expires)?;
        Ok(Session {
            token,
            user: user.into(),
            expires_at: expires,
            signing_key,
        })
    }

    /// Counts a failed sign-in for `name` and, past the free ones, locks the name out
    /// (journaled in the same transaction). Returns the error to give the caller.
    /// The signed-in user confirms they are present by giving their password again, before a
    /// decision signed with their key (an approval's stamp). A wrong password counts towards
    /// the same lockout as signing in; a locked-out name is refused without checking.
    pub fn confirm_presence(&mut self, session: &Session, password: &str) -> Result<(), AppError> {
        let name = session.user.name.clone();
        let now = clock::now();
        if let Some((_, Some(until))) = mrv_store::sign_in_failures(self.ws.conn(), &name)? {
            if now.0 < until {
                return Err(AppError::Forbidden(
                    locked_out(&name, mrv_core::Timestamp(until), now).to_string(),
                ));
            }
        }
        let user = mrv_store::user_by_name(self.ws.conn(), &name)?.ok_or_else(|| {
            AppError::Unauthenticated(format!("{name} is no longer a user of this workspace"))
        })?;
        if mrv_identity::verify_password(&user.password_hash, password)? {
            return Ok(());
        }
        match self.sign_in_failed(&name, now) {
            AppError::Unauthenticated(m) if m.contains("locked") => Err(AppError::Forbidden(
                format!("signing needs {name}'s own password: {m}"),
            )),
            _ => Err(AppError::InvalidInput(format!(
                "that is not {name}'s password; signing needs the signed-in user's own password"
            ))),
        }
    }

    /// Approves after [`Mrv::confirm_presence`]: what the desktop's approve dialog calls, since
    /// the session there may have been left open by someone else.
    pub fn approve_in_person(
        &mut self,
        session: &Session,
        password: &str,
        batch_id: i64,
        justifications: &std::collections::BTreeMap<i64, String>,
    ) -> Result<crate::StampView, AppError> {
        self.confirm_presence(session, password)?;
        self.approve(session, batch_id, justifications)
    }

    fn sign_in_failed(&mut self, name: &str, now: mrv_core::Timestamp) -> AppError {
        let refused = AppError::Unauthenticated("unknown user or wrong password".into());
        let counted = (|| -> Result<Option<mrv_core::Timestamp>, AppError> {
            let tx = self.system_transaction()?;
            let failures = mrv_store::count_sign_in_failure(&tx, name)?;
            let Some(seconds) = lockout_seconds(failures) else {
                tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
                return Ok(None);
            };
            let until = mrv_core::Timestamp(now.0 + seconds);
            mrv_store::lock_sign_in(&tx, name, until.0)?;
            crate::journal::append(
                &tx,
                &now.to_string(),
                "system",
                "user.sign_in.lockout",
                &format!("user:{name}"),
                serde_json::json!({"name": name, "failures": failures, "until": until.to_string()}),
            )?;
            tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(Some(until))
        })();
        match counted {
            Ok(None) => refused,
            Ok(Some(until)) => AppError::Unauthenticated(format!(
                "unknown user or wrong password; {}",
                locked_out(name, until, now)
            )),
            Err(e) => e,
        }
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

    /// Offboards a user: they can no longer sign in, every session of theirs ends at once and
    /// their sealed signing key is emptied (nothing can open it any more).
    pub fn offboard_user(&mut self, session: &Session, name: &str) -> Result<UserView, AppError> {
        Ok(self.offboard_counted(session, name)?.0)
    }

    /// [`Mrv::offboard_user`], also saying how many live sessions it ended.
    pub(crate) fn offboard_counted(
        &mut self,
        session: &Session,
        name: &str,
    ) -> Result<(UserView, usize), AppError> {
        let granted = self.authorize(session, Action::ManageUsers)?;
        let name = lookup_name(name);
        let user = mrv_store::user_by_name(self.ws.conn(), &name)?.ok_or(AppError::NotFound {
            what: "user",
            id: name.clone(),
        })?;
        if user.offboarded_at.is_some() {
            return Err(AppError::Conflict(format!(
                "{} is already offboarded",
                user.name
            )));
        }
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let ended = mrv_store::active_sessions(&tx, Some(user.id), &now)?.len();
        mrv_store::offboard_user(&tx, user.id, &now)?;
        mrv_store::disable_signing_key(&tx, user.id)?;
        mrv_store::delete_token_boxes(&tx, Some(user.id))?;
        mrv_store::delete_registry_key_boxes(&tx, Some(user.id))?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "user.offboard",
            &format!("user:{}", user.name),
            serde_json::json!({"name": user.name, "sessions_ended": ended, "signing_key_disabled": true}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        let view = mrv_store::user_by_id(self.ws.conn(), user.id)?
            .map(Into::into)
            .ok_or_else(|| AppError::Internal("offboarded user vanished".into()))?;
        Ok((view, ended))
    }
}

/// The stored spelling of a typed user name: trimmed and in NFC. A name holding invisible
/// characters can match no stored name; it is kept as typed so the refusal shows it.
pub(crate) fn lookup_name(typed: &str) -> String {
    mrv_core::names::normalize_name(typed).unwrap_or_else(|_| typed.trim().to_owned())
}
