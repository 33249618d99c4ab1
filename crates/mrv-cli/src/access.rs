//! `mrv access …`: access requests and the quarterly access review (SOP-006,
//! `docs/access.md`). Parsing and printing only; the use cases are `mrv_app`'s.

use crate::print;
use crate::text::shown;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{AccessRequestView, AccessReviewStatus, AccessReviewView, Mrv, Session};

#[derive(Subcommand)]
pub(crate) enum AccessCommand {
    /// Ask for a role, with a reason; your manager approves or declines it.
    Request {
        #[arg(long)]
        role: String,
        #[arg(long)]
        reason: String,
    },
    /// Approve a request of one of your reports (manager; never your own).
    Approve { id: i64 },
    /// Decline a request of one of your reports, with a reason (manager; never your own).
    Decline {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Grant an approved request: the requester holds the role from now on (tenant admin;
    /// never your own).
    Grant { id: i64 },
    /// Access requests with their state: a tenant admin sees all, a manager their reports'
    /// and their own, anyone else their own.
    List,
    /// The quarterly access review (tenant admin).
    #[command(subcommand)]
    Review(ReviewCommand),
}

#[derive(Subcommand)]
pub(crate) enum ReviewCommand {
    /// Start a review: every active grant (user × role) with its last use.
    Start,
    /// The latest review: its grants, decisions and revocation clocks, and whether one is due.
    Show,
    /// Re-certify a grant: the user keeps the role.
    Certify { user: String, role: String },
    /// Revoke a grant: the role must then be removed (`apply`) within 24 hours.
    Revoke { user: String, role: String },
    /// Apply a revocation: remove the role from the user now.
    Apply { user: String, role: String },
}

fn request_line(r: &AccessRequestView) -> String {
    let mut s = format!(
        "{:>4}  {:<16} {:<18} {:<10} {}",
        r.id,
        shown(&r.user),
        r.role,
        r.state,
        shown(&r.reason)
    );
    if let Some(by) = &r.decided_by {
        s += &format!("  [decided by {}", shown(by));
        if let Some(why) = &r.decision_reason {
            s += &format!(": {}", shown(why));
        }
        s += "]";
    }
    if let Some(by) = &r.granted_by {
        s += &format!("  [granted by {}]", shown(by));
    }
    s + "\n"
}

fn review_text(v: &AccessReviewView) -> String {
    let mut s = format!(
        "access review {} started {} by {}: {}\n",
        v.id,
        v.started_at,
        shown(&v.started_by),
        match &v.finished_at {
            Some(at) => format!("finished {at}"),
            None => format!("{} grant(s) still to decide", v.pending),
        }
    );
    s += &format!(
        "{:<16} {:<18} {:<10} {:<32} {}\n",
        "USER", "ROLE", "DECISION", "LAST USE", "CLOCK"
    );
    for i in &v.items {
        let last = match (&i.last_used_at, &i.last_used_from) {
            (Some(at), Some(from)) => format!("{at} ({from})"),
            _ => "never".into(),
        };
        let clock = i
            .clock
            .as_ref()
            .map_or(String::new(), |c| match c.state.as_str() {
                "met" => "role removed".into(),
                "overdue" => format!("OVERDUE since {}", c.due_at),
                _ => format!(
                    "{} h {} min left (due {})",
                    c.remaining_seconds.unwrap_or(0) / 3600,
                    c.remaining_seconds.unwrap_or(0) % 3600 / 60,
                    c.due_at
                ),
            });
        s += &format!(
            "{:<16} {:<18} {:<10} {:<32} {}\n",
            shown(&i.user),
            i.role,
            i.decision,
            last,
            clock
        );
    }
    if v.revocations_overdue > 0 {
        s += &format!(
            "{} revocation(s) not applied within 24 h: run `mrv access review apply USER ROLE`\n",
            v.revocations_overdue
        );
    }
    s
}

fn status_text(st: &AccessReviewStatus) -> String {
    let mut s = match &st.review {
        Some(v) => review_text(v),
        None => "no access review yet\n".into(),
    };
    if st.reminder.due {
        s += "a quarterly access review is due: no review finished in the last three months\n";
    } else if let Some(next) = &st.reminder.next_due_at {
        s += &format!("next quarterly access review due {next}\n");
    }
    s
}

pub(crate) fn access(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: AccessCommand,
) -> Result<()> {
    match cmd {
        AccessCommand::Request { role, reason } => {
            let r = mrv.request_access(session, &role, &reason)?;
            print(json, &r, |r| {
                format!(
                    "access request {} for the role {} sent to {}\n",
                    r.id,
                    r.role,
                    r.manager.as_deref().map_or("your manager".into(), shown)
                )
            })
        }
        AccessCommand::Approve { id } => {
            let r = mrv.approve_access_request(session, id)?;
            print(json, &r, |r| {
                format!(
                    "access request {} ({} as {}) approved; a tenant admin grants it\n",
                    r.id,
                    shown(&r.user),
                    r.role
                )
            })
        }
        AccessCommand::Decline { id, reason } => {
            let r = mrv.decline_access_request(session, id, &reason)?;
            print(json, &r, |r| {
                format!(
                    "access request {} ({} as {}) declined: {}\n",
                    r.id,
                    shown(&r.user),
                    r.role,
                    shown(r.decision_reason.as_deref().unwrap_or(""))
                )
            })
        }
        AccessCommand::Grant { id } => {
            let r = mrv.grant_access_request(session, id)?;
            print(json, &r, |r| {
                format!("{} now holds the role {}\n", shown(&r.user), r.role)
            })
        }
        AccessCommand::List => {
            let list = mrv.list_access_requests(session)?;
            print(json, &list, |list| {
                let mut s = format!(
                    "{:>4}  {:<16} {:<18} {:<10} {}\n",
                    "ID", "USER", "ROLE", "STATE", "REASON"
                );
                for r in list {
                    s += &request_line(r);
                }
                s
            })
        }
        AccessCommand::Review(cmd) => match cmd {
            ReviewCommand::Start => {
                let v = mrv.start_access_review(session)?;
                print(json, &v, review_text)
            }
            ReviewCommand::Show => {
                let st = mrv.access_review(session)?;
                print(json, &st, status_text)
            }
            ReviewCommand::Certify { user, role } => {
                let v = mrv.certify_access(session, &user, &role)?;
                print(json, &v, review_text)
            }
            ReviewCommand::Revoke { user, role } => {
                let v = mrv.revoke_access(session, &user, &role)?;
                print(json, &v, review_text)
            }
            ReviewCommand::Apply { user, role } => {
                let v = mrv.apply_revocation(session, &user, &role)?;
                print(json, &v, review_text)
            }
        },
    }
}
