//! Access management (SOP-006, `docs/access.md`): the access-request state machine
//! (`requested → approved | declined`, `approved → granted`), its segregation of duties (a
//! manager decides only their reports' requests, never their own; a tenant admin grants only
//! other people's), the quarterly access review's decisions with the 24-hour clock on a
//! revocation, the reminder when no review finished in the last quarter, and which role a
//! journaled action shows was used. Pure: callers pass the time in.

use crate::access::{role_allows, Action, Denied, Granted, Role};
use crate::clocks::{utc, Clock};
use crate::Timestamp;
use chrono::Months;
use serde::{Deserialize, Serialize};

/// Where an access request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Asked for, waiting for the requester's manager.
    Requested,
    /// The manager approved it; waiting for a tenant admin to grant the role.
    Approved,
    /// The manager declined it (with a reason). Final.
    Declined,
    /// A tenant admin granted the role. Final.
    Granted,
}

/// What happens to an access request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestEvent {
    Approve,
    Decline,
    Grant,
}

impl RequestEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestEvent::Approve => "approve",
            RequestEvent::Decline => "decline",
            RequestEvent::Grant => "grant",
        }
    }
}

impl RequestState {
    pub const ALL: [RequestState; 4] = [
        RequestState::Requested,
        RequestState::Approved,
        RequestState::Declined,
        RequestState::Granted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Requested => "requested",
            RequestState::Approved => "approved",
            RequestState::Declined => "declined",
            RequestState::Granted => "granted",
        }
    }

    pub fn parse(text: &str) -> Result<RequestState, String> {
        RequestState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("access request state `{text}` is unknown"))
    }

    /// The state after `event`, or why the event is not possible now.
    pub fn after(self, event: RequestEvent) -> Result<RequestState, String> {
        use RequestEvent as E;
        use RequestState as S;
        match (self, event) {
            (S::Requested, E::Approve) => Ok(S::Approved),
            (S::Requested, E::Decline) => Ok(S::Declined),
            (S::Approved, E::Grant) => Ok(S::Granted),
            (S::Requested, E::Grant) => Err(
                "the request has not been approved by the requester's manager yet; only an approved request can be granted"
                    .into(),
            ),
            (state, event) => Err(format!(
                "a request that is {} cannot be {}",
                state.as_str(),
                match event {
                    E::Approve => "approved",
                    E::Decline => "declined",
                    E::Grant => "granted",
                }
            )),
        }
    }
}

/// Segregation of duties when a manager approves or declines: never their own request, and
/// only a request of one of their reports (`requester_manager` is the requester's manager).
pub fn may_decide(
    granted: &Granted,
    request_id: i64,
    requester_id: i64,
    requester: &str,
    requester_manager: Option<i64>,
) -> Result<(), Denied> {
    if requester_id == granted.user_id() {
        return Err(Denied::OwnRequest {
            user: granted.user().to_owned(),
            request: request_id,
            what: "approve or decline",
        });
    }
    if requester_manager != Some(granted.user_id()) {
        return Err(Denied::NotYourReport {
            user: granted.user().to_owned(),
            request: request_id,
            requester: requester.to_owned(),
        });
    }
    Ok(())
}

/// Segregation of duties when a tenant admin grants: never their own request.
pub fn may_grant(granted: &Granted, request_id: i64, requester_id: i64) -> Result<(), Denied> {
    if requester_id == granted.user_id() {
        return Err(Denied::OwnRequest {
            user: granted.user().to_owned(),
            request: request_id,
            what: "grant",
        });
    }
    Ok(())
}

/// How long an access-review revocation may wait before the role is actually removed.
pub const REVOCATION_SECONDS: i64 = 24 * 3600;

/// The name of a revocation's clock.
pub const REVOCATION_CLOCK: &str = "role removed";

/// The decision on one grant (user × role) of an access review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// Not decided yet.
    Pending,
    /// The user keeps the role.
    Certified,
    /// The role is to be removed, within [`REVOCATION_SECONDS`].
    Revoked,
    /// A revocation whose role has been removed.
    Applied,
}

impl ReviewDecision {
    pub const ALL: [ReviewDecision; 4] = [
        ReviewDecision::Pending,
        ReviewDecision::Certified,
        ReviewDecision::Revoked,
        ReviewDecision::Applied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Pending => "pending",
            ReviewDecision::Certified => "certified",
            ReviewDecision::Revoked => "revoked",
            ReviewDecision::Applied => "applied",
        }
    }

    pub fn parse(text: &str) -> Result<ReviewDecision, String> {
        ReviewDecision::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("access review decision `{text}` is unknown"))
    }

    /// Whether the item has been decided (a review finishes when every item is).
    pub fn is_decided(self) -> bool {
        self != ReviewDecision::Pending
    }

    /// The decision after certifying, revoking or applying, or why not.
    pub fn then(self, next: ReviewDecision) -> Result<ReviewDecision, String> {
        use ReviewDecision as D;
        match (self, next) {
            (D::Pending, D::Certified | D::Revoked) => Ok(next),
            (D::Revoked, D::Applied) => Ok(D::Applied),
            (D::Pending, D::Applied) => {
                Err("the grant has not been revoked; only a revocation can be applied".into())
            }
            (from, _) => Err(format!("the grant is already {}", from.as_str())),
        }
    }
}

/// The 24-hour clock of a revocation decided at `decided_at`, met when the role was removed.
pub fn revocation_clock(decided_at: Timestamp, applied_at: Option<Timestamp>) -> Clock {
    Clock::new(REVOCATION_CLOCK, decided_at, REVOCATION_SECONDS).met(applied_at)
}

/// Whether a quarterly access review is due at `now`, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewReminder {
    /// No review finished in the three calendar months before `now`.
    pub due: bool,
    pub last_finished_at: Option<Timestamp>,
    /// Three calendar months after the last finished review (none without one: due now).
    pub next_due_at: Option<Timestamp>,
}

/// The reminder at `now`, given when the last access review finished: a review is due when
/// none finished in the last quarter (three calendar months, by `chrono`).
pub fn review_reminder(last_finished_at: Option<Timestamp>, now: Timestamp) -> ReviewReminder {
    let next_due_at = last_finished_at.and_then(|last| {
        utc(last)
            .and_then(|dt| dt.checked_add_months(Months::new(3)))
            .map(|dt| Timestamp::from_unix_seconds(dt.timestamp()))
    });
    ReviewReminder {
        due: next_due_at.is_none_or(|due| now >= due),
        last_finished_at,
        next_due_at,
    }
}

/// The action a journal event's action name records (`batch.approve` → approving batches),
/// to find when a role was last used: the latest event by a user whose action that role
/// allows. Events no role is needed for (sign-in lockouts) give none.
pub fn journaled_action(name: &str) -> Option<Action> {
    use Action::*;
    let head = |prefix: &str| name == prefix || name.starts_with(&format!("{prefix}."));
    Some(match name {
        "batch.import" => ImportBatch,
        "batch.enrich" => EnrichBatch,
        "batch.start_review" => StartReview,
        "batch.reject" => RejectBatch,
        "batch.attach" => AttachEvidence,
        "access.request" => RequestAccess,
        "access.approve" | "access.decline" => DecideAccessRequest,
        "export.create" | "export.submit" => CreateExport,
        "export.return" => ReturnExport,
        "export.write" => WriteExport,
        "user.sign_in.lockout" => return None,
        _ if head("batch.approve") || head("batch.stamp") => ApproveBatch,
        _ if head("export.sign_off") => SignOffExport,
        _ if head("export") || head("inventory") => PushExport,
        _ if head("project") => ManageProjects,
        _ if head("layer") => ManageLayers,
        _ if head("user") || head("access") => ManageUsers,
        _ if head("auditlog") => ConfigureAuditLog,
        _ if head("anchor") || head("batch.anchor") => Anchor,
        _ if head("backup") => ManageBackups,
        _ if head("registry") => ConnectRegistry,
        _ => return None,
    })
}

/// Whether a journal event named `name` shows `role` in use: its action is one the role allows
/// and not one every role allows (requesting a role says nothing about using one).
pub fn journal_uses_role(name: &str, role: Role) -> bool {
    journaled_action(name).is_some_and(|action| {
        role_allows(role, action) && !Role::ALL.into_iter().all(|r| role_allows(r, action))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{authorize, Actor};
    use crate::clocks::ClockState;

    fn grant(user_id: i64, name: &str, role: Role, action: Action) -> Granted {
        authorize(
            &Actor {
                user_id,
                name: name.into(),
                roles: vec![role],
                active: true,
                session: None,
            },
            action,
        )
        .unwrap()
    }

    #[test]
    fn requests_move_requested_to_approved_or_declined_and_approved_to_granted() {
        use RequestEvent as E;
        use RequestState as S;
        assert_eq!(S::Requested.after(E::Approve), Ok(S::Approved));
        assert_eq!(S::Requested.after(E::Decline), Ok(S::Declined));
        assert_eq!(S::Approved.after(E::Grant), Ok(S::Granted));
        assert!(S::Requested
            .after(E::Grant)
            .unwrap_err()
            .contains("not been approved"));
        assert_eq!(
            S::Approved.after(E::Approve).unwrap_err(),
            "a request that is approved cannot be approved"
        );
        assert!(S::Approved.after(E::Decline).is_err());
        for e in [E::Approve, E::Decline, E::Grant] {
            assert!(S::Declined.after(e).is_err());
            assert!(S::Granted.after(e).is_err());
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Ok(s));
        }
        assert!(S::parse("pending").is_err());
    }

    #[test]
    fn a_manager_decides_only_their_reports_requests_and_never_their_own() {
        let max = grant(6, "max", Role::Manager, Action::DecideAccessRequest);
        assert!(may_decide(&max, 3, 2, "nina", Some(6)).is_ok());
        assert_eq!(
            may_decide(&max, 3, 6, "max", Some(6))
                .unwrap_err()
                .to_string(),
            "max may not approve or decline their own access request 3 (segregation of duties)"
        );
        assert_eq!(
            may_decide(&max, 4, 2, "nina", Some(9)).unwrap_err().to_string(),
            "max is not nina's manager and so may not decide access request 4; only nina's manager may"
        );
        assert!(may_decide(&max, 4, 2, "nina", None).is_err());
    }

    #[test]
    fn a_tenant_admin_never_grants_their_own_request() {
        let tess = grant(1, "tess", Role::TenantAdmin, Action::ManageUsers);
        assert!(may_grant(&tess, 5, 2).is_ok());
        assert_eq!(
            may_grant(&tess, 5, 1).unwrap_err().to_string(),
            "tess may not grant their own access request 5 (segregation of duties)"
        );
    }

    #[test]
    fn a_revocation_runs_for_24_hours_to_the_second_and_is_overdue_after() {
        let decided = Timestamp::from_unix_seconds(1_800_000_000);
        let at = |s: i64| Timestamp::from_unix_seconds(1_800_000_000 + s);
        let clock = revocation_clock(decided, None);
        assert_eq!(clock.due_at, at(86_400));
        assert_eq!(clock.state(at(86_399)), ClockState::Running);
        assert_eq!(clock.state(at(86_400)), ClockState::Running);
        assert_eq!(clock.remaining_seconds(at(86_400)), Some(0));
        assert_eq!(clock.state(at(86_401)), ClockState::Overdue);
        let applied = revocation_clock(decided, Some(at(86_401)));
        assert_eq!(applied.state(at(90_000)), ClockState::Met);
        assert!(applied.met_late());
        assert!(!revocation_clock(decided, Some(at(86_400))).met_late());
    }

    #[test]
    fn review_decisions_are_taken_once_and_only_a_revocation_is_applied() {
        use ReviewDecision as D;
        assert_eq!(D::Pending.then(D::Certified), Ok(D::Certified));
        assert_eq!(D::Pending.then(D::Revoked), Ok(D::Revoked));
        assert_eq!(D::Revoked.then(D::Applied), Ok(D::Applied));
        assert!(D::Pending.then(D::Applied).is_err());
        assert_eq!(
            D::Certified.then(D::Revoked).unwrap_err(),
            "the grant is already certified"
        );
        assert!(D::Applied.then(D::Applied).is_err());
        assert!(!D::Pending.is_decided() && D::Revoked.is_decided());
        for d in D::ALL {
            assert_eq!(D::parse(d.as_str()), Ok(d));
        }
    }

    #[test]
    fn a_review_is_due_when_none_finished_in_the_last_three_calendar_months() {
        let ts = |text: &str| {
            Timestamp::from_unix_seconds(
                chrono::DateTime::parse_from_rfc3339(text)
                    .unwrap()
                    .timestamp(),
            )
        };
        let never = review_reminder(None, ts("2026-12-02T10:00:00Z"));
        assert!(never.due && never.next_due_at.is_none());
        // 30 November + 3 months is 28 February (chrono clamps to the month's end).
        let last = ts("2026-11-30T09:00:00Z");
        let r = review_reminder(Some(last), ts("2027-02-28T08:59:59Z"));
        assert_eq!(r.next_due_at, Some(ts("2027-02-28T09:00:00Z")));
        assert!(!r.due);
        assert!(review_reminder(Some(last), ts("2027-02-28T09:00:00Z")).due);
    }

    #[test]
    fn journal_events_show_which_role_was_used() {
        assert_eq!(
            journaled_action("batch.approve"),
            Some(Action::ApproveBatch)
        );
        assert_eq!(
            journaled_action("batch.stamp.sign"),
            Some(Action::ApproveBatch)
        );
        assert_eq!(
            journaled_action("export.sign_off.sign"),
            Some(Action::SignOffExport)
        );
        assert_eq!(
            journaled_action("export.push.fail"),
            Some(Action::PushExport)
        );
        assert_eq!(journaled_action("user.roles"), Some(Action::ManageUsers));
        assert_eq!(journaled_action("user.sign_in.lockout"), None);
        assert_eq!(journaled_action("something.else"), None);
        assert!(journal_uses_role("batch.approve", Role::Verifier));
        assert!(!journal_uses_role("batch.approve", Role::Analyst));
        assert!(journal_uses_role("access.approve", Role::Manager));
        assert!(!journal_uses_role("access.request", Role::Analyst));
        assert!(journal_uses_role("access.grant", Role::TenantAdmin));
    }
}
