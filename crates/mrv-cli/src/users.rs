//! `mrv user …`: local users, their roles, managers and sessions, and offboarding (SOP-006,
//! `docs/access.md`). Parsing and printing only; the use cases are `mrv_app`'s.

use crate::print;
use crate::review::password_for;
use crate::text::shown;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{Action, Mrv, NewUser, Session, UserAccountView};

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Add a local user (the first user of a workspace needs no --as and must be a
    /// tenant_admin). The new user's password comes from MRV_NEW_PASSWORD or a prompt.
    Add {
        name: String,
        /// analyst, verifier, methodology_owner, ops_admin, tenant_admin or manager (repeatable).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Their manager (an active user with the manager role), who decides their access
        /// requests.
        #[arg(long)]
        manager: Option<String>,
    },
    /// List users (a tenant admin also sees managers, live sessions and last sign-ins).
    List,
    /// Grant (--add) or remove (--remove) roles directly (tenant admin; journaled).
    Roles {
        name: String,
        #[arg(long = "add", value_name = "ROLE")]
        add: Vec<String>,
        #[arg(long = "remove", value_name = "ROLE")]
        remove: Vec<String>,
    },
    /// Link a user to their manager (tenant admin; journaled).
    SetManager { name: String, manager: String },
    /// Live sessions, of one user or of everyone (tenant admin).
    Sessions { name: Option<String> },
    /// Offboard a user: every session of theirs ends and their signing key is disabled at once;
    /// they can no longer sign in, and nothing they had under way can commit.
    Offboard { name: String },
}

pub(crate) fn add_user(
    mrv: &mut Mrv,
    session: Option<&Session>,
    json: bool,
    name: String,
    roles: Vec<String>,
    manager: Option<String>,
) -> Result<()> {
    let password = password_for(&name, "MRV_NEW_PASSWORD")?;
    let input = NewUser {
        name,
        roles,
        password,
    };
    let user = match session {
        Some(s) => mrv.add_user_with_manager(s, &input, manager.as_deref())?,
        None => mrv.add_user(None, &input)?,
    };
    let manager_text = manager
        .as_deref()
        .map(|m| format!(", reporting to {}", shown(m)))
        .unwrap_or_default();
    print(json, &user, |u| {
        format!(
            "user {} added ({}){manager_text}; signing key {}\n",
            shown(&u.name),
            u.roles.join(", "),
            u.public_key
        )
    })
}

fn accounts_text(users: &[UserAccountView]) -> String {
    let mut s = format!(
        "{:<16} {:<32} {:<12} {:>8}  {:<21} {}\n",
        "NAME", "ROLES", "MANAGER", "SESSIONS", "LAST SIGN-IN", "STATUS"
    );
    for u in users {
        s += &format!(
            "{:<16} {:<32} {:<12} {:>8}  {:<21} {}\n",
            shown(&u.name),
            u.roles.join(", "),
            u.manager.as_deref().map_or("-".into(), shown),
            u.active_sessions,
            u.last_sign_in.as_deref().unwrap_or("never"),
            u.offboarded_at
                .as_deref()
                .map_or("active".to_owned(), |t| format!("offboarded {t}"))
        );
    }
    s
}

pub(crate) fn user(mrv: &mut Mrv, session: &Session, json: bool, cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            name,
            roles,
            manager,
        } => add_user(mrv, Some(session), json, name, roles, manager),
        UserCommand::List if session.allowed_actions().contains(&Action::ManageUsers) => {
            let users = mrv.list_user_accounts(session)?;
            print(json, &users, |us| accounts_text(us))
        }
        UserCommand::List => {
            let users = mrv.list_users(session)?;
            print(json, &users, |us| {
                let mut s = format!("{:<16} {:<32} {}\n", "NAME", "ROLES", "STATUS");
                for u in us {
                    s += &format!(
                        "{:<16} {:<32} {}\n",
                        shown(&u.name),
                        u.roles.join(", "),
                        u.offboarded_at
                            .as_deref()
                            .map_or("active".to_owned(), |t| format!("offboarded {t}"))
                    );
                }
                s
            })
        }
        UserCommand::Roles { name, add, remove } => {
            let user = mrv.change_user_roles(session, &name, &add, &remove)?;
            print(json, &user, |u| {
                format!("{} now holds: {}\n", shown(&u.name), u.roles.join(", "))
            })
        }
        UserCommand::SetManager { name, manager } => {
            let user = mrv.set_user_manager(session, &name, &manager)?;
            print(json, &user, |u| {
                format!(
                    "{} now reports to {}\n",
                    shown(&u.name),
                    u.manager.as_deref().map_or("nobody".into(), shown)
                )
            })
        }
        UserCommand::Sessions { name } => {
            let sessions = mrv.user_sessions(session, name.as_deref())?;
            print(json, &sessions, |ss| {
                let mut s = format!("{:<16} {:<21} {}\n", "USER", "SIGNED IN", "EXPIRES");
                for x in ss {
                    s += &format!(
                        "{:<16} {:<21} {}\n",
                        shown(&x.user),
                        x.created_at,
                        x.expires_at
                    );
                }
                if ss.is_empty() {
                    s += "no live sessions\n";
                }
                s
            })
        }
        UserCommand::Offboard { name } => {
            let done = mrv.offboard(session, &name)?;
            print(json, &done, |d| {
                format!(
                    "{} offboarded: {} live session(s) ended and their signing key disabled at once\n",
                    shown(&d.user.name),
                    d.sessions_ended
                )
            })
        }
    }
}
