//! Access management (SOP-006, `docs/access.md`): the tenant admin's users (roles, manager,
//! live sessions, last sign-in; role changes and managers journaled), the access-request
//! workflow (anyone requests a role with a reason, their manager approves or declines, a tenant
//! admin grants — segregation of duties from `mrv_core::access_request`) and the quarterly
//! access review (every active grant with its last use, certified or revoked; a revocation's
//! 24-hour clock runs until the role is removed).

use crate::clock::ClockView;
use crate::session::{parse_roles, Session, UserView};
use crate::users::lookup_name;
use crate::{clock, AppError, Mrv, NewUser};
use mrv_core::access_request::{
    journal_uses_role, may_decide, may_grant, review_reminder, revocation_clock, RequestEvent,
    RequestState, ReviewDecision,
};
use mrv_core::clocks::ClockState;
use mrv_core::{Action, Role, Timestamp};
use mrv_store::{
    AccessRequestRecord, AccessReviewItemRecord, AccessReviewRecord, Connection, UserRecord,
};
use serde::Serialize;

/// A user as the tenant admin manages them.
#[derive(Debug, Clone, Serialize)]
pub struct UserAccountView {
    pub id: i64,
    pub name: String,
    pub roles: Vec<String>,
    pub manager: Option<String>,
    /// Sessions not ended and not expired now.
    pub active_sessions: usize,
    /// When they last signed in (their newest session), if ever.
    pub last_sign_in: Option<String>,
    pub created_at: String,
    pub offboarded_at: Option<String>,
}

/// A live session of a user (never its token or token hash).
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub user: String,
    pub created_at: String,
    pub expires_at: String,
}

/// What offboarding did.
#[derive(Debug, Clone, Serialize)]
pub struct OffboardView {
    pub user: UserView,
    /// Live sessions ended at once.
    pub sessions_ended: usize,
    /// The sealed signing key was emptied: nothing can sign as them any more.
    pub signing_key_disabled: bool,
}

/// An access request.
#[derive(Debug, Clone, Serialize)]
pub struct AccessRequestView {
    pub id: i64,
    pub user: String,
    /// The requester's manager, who decides it.
    pub manager: Option<String>,
    pub role: String,
    pub reason: String,
    /// `requested`, `approved`, `declined` or `granted`.
    pub state: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// A decline's reason.
    pub decision_reason: Option<String>,
    pub granted_by: Option<String>,
    pub granted_at: Option<String>,
}

impl From<AccessRequestRecord> for AccessRequestView {
    fn from(r: AccessRequestRecord) -> AccessRequestView {
        AccessRequestView {
            id: r.id,
            user: r.user,
            manager: r.manager,
            role: r.role,
            reason: r.reason,
            state: r.state,
            requested_at: r.requested_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision_reason: r.decision_reason,
            granted_by: r.granted_by,
            granted_at: r.granted_at,
        }
    }
}

/// One grant (user × role) of an access review and its decision.
#[derive(Debug, Clone, Serialize)]
pub struct AccessReviewItemView {
    pub user: String,
    pub role: String,
    /// The role's last use when the review started (see `docs/access.md`).
    pub last_used_at: Option<String>,
    /// `journal` (an event by the user whose action the role allows) or `sign_in` (nothing
    /// journaled: their last sign-in); none when never.
    pub last_used_from: Option<String>,
    /// `pending`, `certified`, `revoked` or `applied`.
    pub decision: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub applied_by: Option<String>,
    pub applied_at: Option<String>,
    /// A revocation's 24-hour clock until the role is removed.
    pub clock: Option<ClockView>,
}

/// Whether a quarterly access review is due.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewReminderView {
    /// No review finished in the last three calendar months.
    pub due: bool,
    pub last_finished_at: Option<String>,
    pub next_due_at: Option<String>,
}

/// An access review with its items.
#[derive(Debug, Clone, Serialize)]
pub struct AccessReviewView {
    pub id: i64,
    pub started_by: String,
    pub started_at: String,
    /// When its last item was decided.
    pub finished_at: Option<String>,
    pub items: Vec<AccessReviewItemView>,
    pub pending: usize,
    /// Revocations not applied, still within their 24 hours.
    pub revocations_running: usize,
    /// Revocations not applied within 24 hours.
    pub revocations_overdue: usize,
}

/// The latest access review (if any) and the quarterly reminder.
#[derive(Debug, Clone, Serialize)]
pub struct AccessReviewStatus {
    pub review: Option<AccessReviewView>,
    pub reminder: ReviewReminderView,
}

fn parse_time(text: &str) -> Result<Timestamp, AppError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|dt| Timestamp::from_unix_seconds(dt.timestamp()))
        .map_err(|e| AppError::Internal(format!("stored time `{text}`: {e}")))
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// The active user named `name`, or NotFound / Conflict.
fn active_user(conn: &Connection, name: &str) -> Result<UserRecord, AppError> {
    let name = lookup_name(name);
    let user = mrv_store::user_by_name(conn, &name)?.ok_or(AppError::NotFound {
        what: "user",
        id: name.clone(),
    })?;
    if user.offboarded_at.is_some() {
        return Err(AppError::Conflict(format!("{} is offboarded", user.name)));
    }
    Ok(user)
}

/// The manager named `manager` for `report`: an active user holding the `manager` role, not
/// the report themself.
pub(crate) fn manager_to_link(
    conn: &Connection,
    manager: &str,
    report: &str,
) -> Result<UserRecord, AppError> {
    let name = lookup_name(manager);
    let m = mrv_store::user_by_name(conn, &name)?
        .ok_or_else(|| AppError::InvalidInput(format!("manager: there is no user named {name}")))?;
    if m.offboarded_at.is_some() {
        return Err(AppError::InvalidInput(format!(
            "manager: {} is offboarded",
            m.name
        )));
    }
    if !m.roles.iter().any(|r| r == Role::Manager.as_str()) {
        return Err(AppError::InvalidInput(format!(
            "manager: {} ({}) does not hold the manager role",
            m.name,
            m.roles.join(", ")
        )));
    }
    if m.name == report {
        return Err(AppError::InvalidInput(format!(
            "manager: {report} cannot be their own manager"
        )));
    }
    Ok(m)
}

/// Refuses a role change that would leave the workspace without an active tenant admin.
fn keeps_a_tenant_admin(
    conn: &Connection,
    user: &UserRecord,
    new_roles: &[String],
) -> Result<(), AppError> {
    let admin = Role::TenantAdmin.as_str();
    if new_roles.iter().any(|r| r == admin) || !user.roles.iter().any(|r| r == admin) {
        return Ok(());
    }
    let others = mrv_store::list_users(conn)?
        .into_iter()
        .filter(|u| u.id != user.id && u.offboarded_at.is_none())
        .any(|u| u.roles.iter().any(|r| r == admin));
    if others {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "{} is the only active tenant admin: removing the role would leave nobody to manage users",
            user.name
        )))
    }
}

fn role_names(roles: &[Role]) -> Vec<String> {
    roles.iter().map(|r| r.as_str().to_owned()).collect()
}

/// When `user` last used `role`: their latest journal event whose action the role allows (and
/// not every role does); else their last sign-in; else never.
fn last_use(
    conn: &Connection,
    user: &UserRecord,
    role: Role,
) -> Result<Option<(String, &'static str)>, AppError> {
    let journaled = mrv_store::latest_journal_actions(conn, &user.name)?
        .into_iter()
        .filter(|(action, _)| journal_uses_role(action, role))
        .map(|(_, at)| at)
        .max();
    if let Some(at) = journaled {
        return Ok(Some((at, "journal")));
    }
    Ok(mrv_store::last_sign_in(conn, user.id)?.map(|at| (at, "sign_in")))
}

fn review_view(
    conn: &Connection,
    review: AccessReviewRecord,
    now: Timestamp,
) -> Result<AccessReviewView, AppError> {
    let records = mrv_store::access_review_items(conn, review.id)?;
    let mut items = Vec::with_capacity(records.len());
    let (mut pending, mut running, mut overdue) = (0, 0, 0);
    for r in records {
        let decision = ReviewDecision::parse(&r.decision).map_err(internal)?;
        let clock = match (decision, &r.decided_at) {
            (ReviewDecision::Revoked | ReviewDecision::Applied, Some(decided)) => {
                let applied = r.applied_at.as_deref().map(parse_time).transpose()?;
                let c = revocation_clock(parse_time(decided)?, applied);
                let view = ClockView::of(&c, &c.name, now);
                match view.state {
                    ClockState::Running => running += 1,
                    ClockState::Overdue => overdue += 1,
                    ClockState::Met => {}
                }
                Some(view)
            }
            _ => None,
        };
        if decision == ReviewDecision::Pending {
            pending += 1;
        }
        items.push(AccessReviewItemView {
            user: r.user,
            role: r.role,
            last_used_at: r.last_used_at,
            last_used_from: r.last_used_from,
            decision: r.decision,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            applied_by: r.applied_by,
            applied_at: r.applied_at,
            clock,
        });
    }
    Ok(AccessReviewView {
        id: review.id,
        started_by: review.started_by,
        started_at: review.started_at,
        finished_at: review.finished_at,
        items,
        pending,
        revocations_running: running,
        revocations_overdue: overdue,
    })
}

impl Mrv {
    /// Every user with their roles, manager, live sessions and last sign-in (tenant admin).
    pub fn list_user_accounts(&self, session: &Session) -> Result<Vec<UserAccountView>, AppError> {
        self.authorize(session, Action::ManageUsers)?;
        let conn = self.ws.conn();
        let now = clock::now().to_string();
        let users = mrv_store::list_users(conn)?;
        let sessions = mrv_store::active_sessions(conn, None, &now)?;
        users
            .iter()
            .map(|u| {
                let manager = match mrv_store::user_manager(conn, u.id)? {
                    Some(id) => users.iter().find(|m| m.id == id).map(|m| m.name.clone()),
                    None => None,
                };
                Ok(UserAccountView {
                    id: u.id,
                    name: u.name.clone(),
                    roles: u.roles.clone(),
                    manager,
                    active_sessions: sessions.iter().filter(|s| s.user_id == u.id).count(),
                    last_sign_in: mrv_store::last_sign_in(conn, u.id)?,
                    created_at: u.created_at.clone(),
                    offboarded_at: u.offboarded_at.clone(),
                })
            })
            .collect()
    }

    /// The live sessions of one user, or of everyone (tenant admin), newest first.
    pub fn user_sessions(
        &self,
        session: &Session,
        name: Option<&str>,
    ) -> Result<Vec<SessionView>, AppError> {
        self.authorize(session, Action::ManageUsers)?;
        let conn = self.ws.conn();
        let only = match name {
            Some(n) => {
                let n = lookup_name(n);
                Some(
                    mrv_store::user_by_name(conn, &n)?
                        .ok_or(AppError::NotFound {
                            what: "user",
                            id: n,
                        })?
                        .id,
                )
            }
            None => None,
        };
        let users = mrv_store::list_users(conn)?;
        Ok(
            mrv_store::active_sessions(conn, only, &clock::now().to_string())?
                .into_iter()
                .map(|s| SessionView {
                    user: users
                        .iter()
                        .find(|u| u.id == s.user_id)
                        .map_or_else(|| format!("user {}", s.user_id), |u| u.name.clone()),
                    created_at: s.created_at,
                    expires_at: s.expires_at,
                })
                .collect(),
        )
    }

    /// Adds a user (as [`Mrv::add_user`]) with a manager (tenant admin).
    pub fn add_user_with_manager(
        &mut self,
        session: &Session,
        input: &NewUser,
        manager: Option<&str>,
    ) -> Result<UserView, AppError> {
        self.add_user_managed(Some(session), input, manager)
    }

    /// Offboards a user (as [`Mrv::offboard_user`]): every session ends and the signing key is
    /// disabled at once, and an action of theirs already under way cannot commit after it.
    pub fn offboard(&mut self, session: &Session, name: &str) -> Result<OffboardView, AppError> {
        let (user, sessions_ended) = self.offboard_counted(session, name)?;
        Ok(OffboardView {
            user,
            sessions_ended,
            signing_key_disabled: true,
        })
    }

    /// Grants (`add`) and removes (`remove`) roles of a user directly (tenant admin), journaled
    /// as `user.roles` with the roles they hold afterwards. A user keeps at least one role
    /// (offboard them instead), and the last active tenant admin keeps theirs.
    pub fn change_user_roles(
        &mut self,
        session: &Session,
        name: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<UserView, AppError> {
        let granted = self.authorize(session, Action::ManageUsers)?;
        let add = parse_roles(add)?;
        let remove = parse_roles(remove)?;
        if add.is_empty() && remove.is_empty() {
            return Err(AppError::InvalidInput(
                "roles: name at least one role to add or remove".into(),
            ));
        }
        if let Some(both) = add.iter().find(|r| remove.contains(r)) {
            return Err(AppError::InvalidInput(format!(
                "roles: {} is both added and removed",
                both.as_str()
            )));
        }
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let user = active_user(&tx, name)?;
        let mut roles = parse_roles(&user.roles)?;
        for r in &remove {
            if !roles.contains(r) {
                return Err(AppError::Conflict(format!(
                    "{} does not hold the role {}",
                    user.name,
                    r.as_str()
                )));
            }
        }
        roles.retain(|r| !remove.contains(r));
        roles.extend(add.iter().copied());
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            return Err(AppError::InvalidInput(format!(
                "roles: {} would hold no role; offboard them instead",
                user.name
            )));
        }
        let new_roles = role_names(&roles);
        keeps_a_tenant_admin(&tx, &user, &new_roles)?;
        mrv_store::set_user_roles(&tx, user.id, &new_roles)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "user.roles",
            &format!("user:{}", user.name),
            serde_json::json!({
                "name": user.name,
                "roles": new_roles,
                "added": role_names(&add),
                "removed": role_names(&remove),
            }),
        )?;
        tx.commit().map_err(internal)?;
        mrv_store::user_by_id(self.ws.conn(), user.id)?
            .map(Into::into)
            .ok_or_else(|| internal("user vanished"))
    }

    /// Links a user to their manager (tenant admin), journaled as `user.manager`.
    pub fn set_user_manager(
        &mut self,
        session: &Session,
        name: &str,
        manager: &str,
    ) -> Result<UserAccountView, AppError> {
        let granted = self.authorize(session, Action::ManageUsers)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let user = active_user(&tx, name)?;
        let m = manager_to_link(&tx, manager, &user.name)?;
        mrv_store::set_user_manager(&tx, user.id, Some(m.id))?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "user.manager",
            &format!("user:{}", user.name),
            serde_json::json!({"name": user.name, "manager": m.name}),
        )?;
        tx.commit().map_err(internal)?;
        self.list_user_accounts(session)?
            .into_iter()
            .find(|u| u.id == user.id)
            .ok_or_else(|| internal("user vanished"))
    }

    /// Asks for `role` with a reason; the requester's manager decides it. Refused when they
    /// already hold the role, already asked for it (still open), or have no manager.
    pub fn request_access(
        &mut self,
        session: &Session,
        role: &str,
        reason: &str,
    ) -> Result<AccessRequestView, AppError> {
        let granted = self.authorize(session, Action::RequestAccess)?;
        let role =
            Role::parse(role.trim()).map_err(|e| AppError::InvalidInput(format!("role: {e}")))?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::InvalidInput(
                "reason: say why you need the role".into(),
            ));
        }
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let me = mrv_store::user_by_id(&tx, granted.user_id())?
            .ok_or_else(|| internal("signed-in user vanished"))?;
        if me.roles.iter().any(|r| r == role.as_str()) {
            return Err(AppError::Conflict(format!(
                "{} already holds the role {}",
                me.name,
                role.as_str()
            )));
        }
        if let Some(open) = mrv_store::access_requests(&tx, Some(me.id), None)?
            .into_iter()
            .find(|r| {
                r.role == role.as_str() && matches!(r.state.as_str(), "requested" | "approved")
            })
        {
            return Err(AppError::Conflict(format!(
                "{} already asked for the role {} (request {}, {})",
                me.name,
                role.as_str(),
                open.id,
                open.state
            )));
        }
        if mrv_store::user_manager(&tx, me.id)?.is_none() {
            return Err(AppError::Conflict(format!(
                "{} has no manager to approve the request; a tenant admin sets one with `user set-manager`",
                me.name
            )));
        }
        let id = mrv_store::insert_access_request(&tx, me.id, role.as_str(), reason, &now)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "access.request",
            &format!("access_request:{id}"),
            serde_json::json!({"request": id, "user": me.name, "role": role.as_str(), "reason": reason}),
        )?;
        tx.commit().map_err(internal)?;
        self.request_view(id)
    }

    fn request_view(&self, id: i64) -> Result<AccessRequestView, AppError> {
        mrv_store::access_request(self.ws.conn(), id)?
            .map(Into::into)
            .ok_or(AppError::NotFound {
                what: "access request",
                id: id.to_string(),
            })
    }

    /// Approves a request of one of your reports (manager; never your own).
    pub fn approve_access_request(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<AccessRequestView, AppError> {
        self.decide_access_request(session, id, RequestEvent::Approve, None)
    }

    /// Declines a request of one of your reports with a reason (manager; never your own).
    pub fn decline_access_request(
        &mut self,
        session: &Session,
        id: i64,
        reason: &str,
    ) -> Result<AccessRequestView, AppError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::InvalidInput(
                "reason: say why the request is declined".into(),
            ));
        }
        self.decide_access_request(session, id, RequestEvent::Decline, Some(reason))
    }

    fn decide_access_request(
        &mut self,
        session: &Session,
        id: i64,
        event: RequestEvent,
        reason: Option<&str>,
    ) -> Result<AccessRequestView, AppError> {
        let granted = self.authorize(session, Action::DecideAccessRequest)?;
        self.decide_granted(&granted, id, event, reason)
    }

    /// The decision itself under a grant already given; [`Mrv::transaction`] checks the grant
    /// again, so a manager offboarded after `authorize` commits nothing.
    pub(crate) fn decide_granted(
        &mut self,
        granted: &mrv_core::Granted,
        id: i64,
        event: RequestEvent,
        reason: Option<&str>,
    ) -> Result<AccessRequestView, AppError> {
        let now = clock::now().to_string();
        let tx = self.transaction(granted)?;
        let request = mrv_store::access_request(&tx, id)?.ok_or(AppError::NotFound {
            what: "access request",
            id: id.to_string(),
        })?;
        may_decide(
            granted,
            id,
            request.user_id,
            &request.user,
            request.manager_id,
        )?;
        let state = RequestState::parse(&request.state).map_err(internal)?;
        let next = state
            .after(event)
            .map_err(|e| AppError::Conflict(format!("access request {id}: {e}")))?;
        mrv_store::decide_access_request(&tx, id, next.as_str(), granted.user_id(), &now, reason)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            &format!("access.{}", event.as_str()),
            &format!("access_request:{id}"),
            serde_json::json!({
                "request": id,
                "user": request.user,
                "role": request.role,
                "reason": reason,
            }),
        )?;
        tx.commit().map_err(internal)?;
        self.request_view(id)
    }

    /// Grants an approved request: the requester holds the role from now on (tenant admin;
    /// never your own request).
    pub fn grant_access_request(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<AccessRequestView, AppError> {
        let granted = self.authorize(session, Action::ManageUsers)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let request = mrv_store::access_request(&tx, id)?.ok_or(AppError::NotFound {
            what: "access request",
            id: id.to_string(),
        })?;
        may_grant(&granted, id, request.user_id)?;
        let state = RequestState::parse(&request.state).map_err(internal)?;
        state
            .after(RequestEvent::Grant)
            .map_err(|e| AppError::Conflict(format!("access request {id}: {e}")))?;
        let user = active_user(&tx, &request.user)?;
        let mut roles = parse_roles(&user.roles)?;
        roles.push(Role::parse(&request.role).map_err(internal)?);
        roles.sort();
        roles.dedup();
        let new_roles = role_names(&roles);
        mrv_store::set_user_roles(&tx, user.id, &new_roles)?;
        mrv_store::grant_access_request(&tx, id, granted.user_id(), &now)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "access.grant",
            &format!("access_request:{id}"),
            serde_json::json!({
                "request": id,
                "name": user.name,
                "role": request.role,
                "roles": new_roles,
            }),
        )?;
        tx.commit().map_err(internal)?;
        self.request_view(id)
    }

    /// The access requests the signed-in user may see, oldest first: a tenant admin every
    /// request; a manager their own and their reports'; anyone else their own.
    pub fn list_access_requests(
        &self,
        session: &Session,
    ) -> Result<Vec<AccessRequestView>, AppError> {
        let granted = self.authorize(session, Action::RequestAccess)?;
        let conn = self.ws.conn();
        let allowed = session.allowed_actions();
        let all = mrv_store::access_requests(conn, None, None)?;
        let me = granted.user_id();
        Ok(all
            .into_iter()
            .filter(|r| {
                allowed.contains(&Action::ManageUsers)
                    || r.user_id == me
                    || (allowed.contains(&Action::DecideAccessRequest) && r.manager_id == Some(me))
            })
            .map(Into::into)
            .collect())
    }

    /// The signed-in user's own access requests, oldest first.
    pub fn my_access_requests(
        &self,
        session: &Session,
    ) -> Result<Vec<AccessRequestView>, AppError> {
        let granted = self.authorize(session, Action::RequestAccess)?;
        Ok(
            mrv_store::access_requests(self.ws.conn(), Some(granted.user_id()), None)?
                .into_iter()
                .map(Into::into)
                .collect(),
        )
    }

    /// The requests of the signed-in manager's reports waiting for their decision.
    pub fn access_requests_to_decide(
        &self,
        session: &Session,
    ) -> Result<Vec<AccessRequestView>, AppError> {
        let granted = self.authorize(session, Action::DecideAccessRequest)?;
        Ok(
            mrv_store::access_requests(self.ws.conn(), None, Some(granted.user_id()))?
                .into_iter()
                .filter(|r| {
                    r.state == RequestState::Requested.as_str() && r.user_id != granted.user_id()
                })
                .map(Into::into)
                .collect(),
        )
    }

    /// The approved requests waiting for a tenant admin's grant (their own excluded).
    pub fn access_requests_to_grant(
        &self,
        session: &Session,
    ) -> Result<Vec<AccessRequestView>, AppError> {
        let granted = self.authorize(session, Action::ManageUsers)?;
        Ok(mrv_store::access_requests(self.ws.conn(), None, None)?
            .into_iter()
            .filter(|r| {
                r.state == RequestState::Approved.as_str() && r.user_id != granted.user_id()
            })
            .map(Into::into)
            .collect())
    }

    /// Starts the quarterly access review (tenant admin): one item per active grant (user ×
    /// role) with its last use. Refused while the previous review has undecided items.
    pub fn start_access_review(&mut self, session: &Session) -> Result<AccessReviewView, AppError> {
        let granted = self.authorize(session, Action::ManageUsers)?;
        let now_ts = clock::now();
        let now = now_ts.to_string();
        let tx = self.transaction(&granted)?;
        if let Some(open) = mrv_store::latest_access_review(&tx)? {
            if open.finished_at.is_none() {
                return Err(AppError::Conflict(format!(
                    "access review {} (started {} by {}) is still open: decide its items first",
                    open.id, open.started_at, open.started_by
                )));
            }
        }
        let id = mrv_store::insert_access_review(&tx, granted.user_id(), &now)?;
        let mut grants = 0;
        for user in mrv_store::list_users(&tx)?
            .into_iter()
            .filter(|u| u.offboarded_at.is_none())
        {
            for role in parse_roles(&user.roles)? {
                let used = last_use(&tx, &user, role)?;
                mrv_store::insert_access_review_item(
                    &tx,
                    id,
                    user.id,
                    role.as_str(),
                    used.as_ref().map(|(at, from)| (at.as_str(), *from)),
                )?;
                grants += 1;
            }
        }
        if grants == 0 {
            mrv_store::finish_access_review(&tx, id, &now)?;
        }
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "access.review.start",
            &format!("access_review:{id}"),
            serde_json::json!({"review": id, "grants": grants}),
        )?;
        let review =
            mrv_store::latest_access_review(&tx)?.ok_or_else(|| internal("review vanished"))?;
        let view = review_view(&tx, review, now_ts)?;
        tx.commit().map_err(internal)?;
        Ok(view)
    }

    /// The latest access review with its decisions and clocks (computed now), and whether a
    /// quarterly review is due (tenant admin).
    pub fn access_review(&self, session: &Session) -> Result<AccessReviewStatus, AppError> {
        self.authorize(session, Action::ManageUsers)?;
        let conn = self.ws.conn();
        let now = clock::now();
        let review = mrv_store::latest_access_review(conn)?
            .map(|r| review_view(conn, r, now))
            .transpose()?;
        let last = mrv_store::last_finished_access_review(conn)?
            .as_deref()
            .map(parse_time)
            .transpose()?;
        let r = review_reminder(last, now);
        Ok(AccessReviewStatus {
            review,
            reminder: ReviewReminderView {
                due: r.due,
                last_finished_at: r.last_finished_at.map(|t| t.to_string()),
                next_due_at: r.next_due_at.map(|t| t.to_string()),
            },
        })
    }

    /// Re-certifies `user`'s `role` in the latest access review (tenant admin).
    pub fn certify_access(
        &mut self,
        session: &Session,
        user: &str,
        role: &str,
    ) -> Result<AccessReviewView, AppError> {
        self.review_step(session, user, role, ReviewDecision::Certified)
    }

    /// Revokes `user`'s `role` in the latest access review (tenant admin): the role must then
    /// be removed ([`Mrv::apply_revocation`]) within 24 hours.
    pub fn revoke_access(
        &mut self,
        session: &Session,
        user: &str,
        role: &str,
    ) -> Result<AccessReviewView, AppError> {
        self.review_step(session, user, role, ReviewDecision::Revoked)
    }

    /// Applies a revocation: removes the role from the user (tenant admin), which meets its
    /// clock.
    pub fn apply_revocation(
        &mut self,
        session: &Session,
        user: &str,
        role: &str,
    ) -> Result<AccessReviewView, AppError> {
        self.review_step(session, user, role, ReviewDecision::Applied)
    }

    fn review_step(
        &mut self,
        session: &Session,
        user: &str,
        role: &str,
        next: ReviewDecision,
    ) -> Result<AccessReviewView, AppError> {
        let granted = self.authorize(session, Action::ManageUsers)?;
        let role =
            Role::parse(role.trim()).map_err(|e| AppError::InvalidInput(format!("role: {e}")))?;
        let user = lookup_name(user);
        let now_ts = clock::now();
        let now = now_ts.to_string();
        let tx = self.transaction(&granted)?;
        let review = mrv_store::latest_access_review(&tx)?.ok_or(AppError::NotFound {
            what: "access review",
            id: "latest".into(),
        })?;
        let item: AccessReviewItemRecord = mrv_store::access_review_items(&tx, review.id)?
            .into_iter()
            .find(|i| i.user == user && i.role == role.as_str())
            .ok_or_else(|| AppError::NotFound {
                what: "access review item",
                id: format!("{user} {}", role.as_str()),
            })?;
        let decision = ReviewDecision::parse(&item.decision).map_err(internal)?;
        decision.then(next).map_err(|e| {
            AppError::Conflict(format!(
                "{user}'s role {} in access review {}: {e}",
                role.as_str(),
                review.id
            ))
        })?;
        let mut payload = serde_json::json!({
            "review": review.id,
            "user": user,
            "role": role.as_str(),
        });
        let action = match next {
            ReviewDecision::Certified | ReviewDecision::Revoked => {
                mrv_store::decide_access_review_item(
                    &tx,
                    item.id,
                    next.as_str(),
                    granted.user_id(),
                    &now,
                )?;
                if next == ReviewDecision::Revoked {
                    payload["due_at"] =
                        serde_json::json!(revocation_clock(now_ts, None).due_at.to_string());
                }
                let left = mrv_store::access_review_items(&tx, review.id)?
                    .iter()
                    .filter(|i| i.decision == ReviewDecision::Pending.as_str())
                    .count();
                if left == 0 {
                    mrv_store::finish_access_review(&tx, review.id, &now)?;
                    payload["review_finished"] = serde_json::json!(true);
                }
                if next == ReviewDecision::Certified {
                    "access.review.certify"
                } else {
                    "access.review.revoke"
                }
            }
            _ => {
                let holder = mrv_store::user_by_id(&tx, item.user_id)?
                    .ok_or_else(|| internal("review item's user vanished"))?;
                let roles: Vec<String> = holder
                    .roles
                    .iter()
                    .filter(|r| *r != role.as_str())
                    .cloned()
                    .collect();
                keeps_a_tenant_admin(&tx, &holder, &roles)?;
                mrv_store::set_user_roles(&tx, holder.id, &roles)?;
                mrv_store::apply_access_review_item(&tx, item.id, granted.user_id(), &now)?;
                payload["name"] = serde_json::json!(holder.name);
                payload["roles"] = serde_json::json!(roles);
                if let Some(decided) = &item.decided_at {
                    let late = revocation_clock(parse_time(decided)?, Some(now_ts)).met_late();
                    payload["late"] = serde_json::json!(late);
                }
                "access.review.apply"
            }
        };
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            action,
            &format!("access_review:{}", review.id),
            payload,
        )?;
        let review =
            mrv_store::latest_access_review(&tx)?.ok_or_else(|| internal("review vanished"))?;
        let view = review_view(&tx, review, now_ts)?;
        tx.commit().map_err(internal)?;
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manager's approval that passed `authorize` but had not committed when the manager was
    /// offboarded (through another handle) commits nothing: the request stays `requested` and
    /// no journal event follows the offboarding.
    #[test]
    fn an_approval_whose_manager_is_offboarded_before_it_commits_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        let mut mrv = Mrv::init(&root, true).unwrap();
        let ana = mrv.sign_in("ana", crate::DEMO_PASSWORD).unwrap();
        let request = mrv
            .request_access(&ana, "verifier", "cover vera's reviews")
            .unwrap();
        let max = mrv.sign_in("max", crate::DEMO_PASSWORD).unwrap();
        let granted = mrv.authorize(&max, Action::DecideAccessRequest).unwrap();

        let mut admin = Mrv::open(&root).unwrap();
        let tess = admin.sign_in("tess", crate::DEMO_PASSWORD).unwrap();
        let offboarded = admin.offboard(&tess, "max").unwrap();
        assert_eq!(offboarded.sessions_ended, 1);
        let head = mrv_store::journal_head(mrv.ws.conn()).unwrap();

        let err = mrv
            .decide_granted(&granted, request.id, RequestEvent::Approve, None)
            .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Unauthenticated, "{err}");
        assert_eq!(err.to_string(), "the session has ended; sign in again");
        let stored = mrv_store::access_request(mrv.ws.conn(), request.id)
            .unwrap()
            .unwrap();
        assert_eq!(stored.state, "requested");
        assert_eq!(stored.decided_by, None);
        assert_eq!(mrv_store::journal_head(mrv.ws.conn()).unwrap(), head);
    }
}
