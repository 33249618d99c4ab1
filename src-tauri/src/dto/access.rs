//! Transport types of access management (SOP-006, `docs/access.md`), converted from
//! `mrv_app::access`'s views. Clocks arrive computed by `mrv_app` at the time of the call.

use super::ClockDto;
use serde::Serialize;
use specta::Type;

/// A user as the tenant admin manages them.
#[derive(Debug, Clone, Serialize, Type)]
pub struct UserAccountDto {
    pub id: i64,
    pub name: String,
    pub roles: Vec<String>,
    pub manager: Option<String>,
    pub active_sessions: u32,
    pub last_sign_in: Option<String>,
    pub created_at: String,
    pub offboarded_at: Option<String>,
}

impl From<mrv_app::UserAccountView> for UserAccountDto {
    fn from(u: mrv_app::UserAccountView) -> Self {
        UserAccountDto {
            id: u.id,
            name: u.name,
            roles: u.roles,
            manager: u.manager,
            active_sessions: u32::try_from(u.active_sessions).unwrap_or(u32::MAX),
            last_sign_in: u.last_sign_in,
            created_at: u.created_at,
            offboarded_at: u.offboarded_at,
        }
    }
}

/// A live session of a user.
#[derive(Debug, Clone, Serialize, Type)]
pub struct UserSessionDto {
    pub user: String,
    pub created_at: String,
    pub expires_at: String,
}

impl From<mrv_app::SessionView> for UserSessionDto {
    fn from(s: mrv_app::SessionView) -> Self {
        UserSessionDto {
            user: s.user,
            created_at: s.created_at,
            expires_at: s.expires_at,
        }
    }
}

/// What offboarding did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct OffboardDto {
    pub name: String,
    pub offboarded_at: Option<String>,
    pub sessions_ended: u32,
    pub signing_key_disabled: bool,
}

impl From<mrv_app::OffboardView> for OffboardDto {
    fn from(o: mrv_app::OffboardView) -> Self {
        OffboardDto {
            name: o.user.name,
            offboarded_at: o.user.offboarded_at,
            sessions_ended: u32::try_from(o.sessions_ended).unwrap_or(u32::MAX),
            signing_key_disabled: o.signing_key_disabled,
        }
    }
}

/// An access request.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AccessRequestDto {
    pub id: i64,
    pub user: String,
    pub manager: Option<String>,
    pub role: String,
    pub reason: String,
    /// `requested`, `approved`, `declined` or `granted`.
    pub state: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub granted_by: Option<String>,
    pub granted_at: Option<String>,
}

impl From<mrv_app::AccessRequestView> for AccessRequestDto {
    fn from(r: mrv_app::AccessRequestView) -> Self {
        AccessRequestDto {
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

/// One grant (user × role) of an access review.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AccessReviewItemDto {
    pub user: String,
    pub role: String,
    pub last_used_at: Option<String>,
    /// `journal` or `sign_in`; none when never used.
    pub last_used_from: Option<String>,
    /// `pending`, `certified`, `revoked` or `applied`.
    pub decision: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub applied_by: Option<String>,
    pub applied_at: Option<String>,
    pub clock: Option<ClockDto>,
}

impl From<mrv_app::AccessReviewItemView> for AccessReviewItemDto {
    fn from(i: mrv_app::AccessReviewItemView) -> Self {
        AccessReviewItemDto {
            user: i.user,
            role: i.role,
            last_used_at: i.last_used_at,
            last_used_from: i.last_used_from,
            decision: i.decision,
            decided_by: i.decided_by,
            decided_at: i.decided_at,
            applied_by: i.applied_by,
            applied_at: i.applied_at,
            clock: i.clock.map(Into::into),
        }
    }
}

/// An access review with its items.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AccessReviewDto {
    pub id: i64,
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub items: Vec<AccessReviewItemDto>,
    pub pending: u32,
    pub revocations_running: u32,
    pub revocations_overdue: u32,
}

impl From<mrv_app::AccessReviewView> for AccessReviewDto {
    fn from(v: mrv_app::AccessReviewView) -> Self {
        let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        AccessReviewDto {
            id: v.id,
            started_by: v.started_by,
            started_at: v.started_at,
            finished_at: v.finished_at,
            pending: n(v.pending),
            revocations_running: n(v.revocations_running),
            revocations_overdue: n(v.revocations_overdue),
            items: v.items.into_iter().map(Into::into).collect(),
        }
    }
}

/// The latest access review and whether a quarterly one is due.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AccessReviewStatusDto {
    pub review: Option<AccessReviewDto>,
    /// No review finished in the last three calendar months.
    pub due: bool,
    pub last_finished_at: Option<String>,
    pub next_due_at: Option<String>,
}

impl From<mrv_app::AccessReviewStatus> for AccessReviewStatusDto {
    fn from(s: mrv_app::AccessReviewStatus) -> Self {
        AccessReviewStatusDto {
            review: s.review.map(Into::into),
            due: s.reminder.due,
            last_finished_at: s.reminder.last_finished_at,
            next_due_at: s.reminder.next_due_at,
        }
    }
}
