//! Roles, actions and who may do what (DESIGN.md §3, SOP-006): access is granted by role only,
//! through one fixed table; segregation of duties on top of it. Every use case in `mrv-app`
//! asks [`authorize`] once at its entry and passes the [`Granted`] it gets down.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A role a user holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Analyst,
    Verifier,
    MethodologyOwner,
    OpsAdmin,
    TenantAdmin,
    Manager,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Analyst,
        Role::Verifier,
        Role::MethodologyOwner,
        Role::OpsAdmin,
        Role::TenantAdmin,
        Role::Manager,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Verifier => "verifier",
            Role::MethodologyOwner => "methodology_owner",
            Role::OpsAdmin => "ops_admin",
            Role::TenantAdmin => "tenant_admin",
            Role::Manager => "manager",
        }
    }

    pub fn parse(name: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("role `{name}` is not one of {}", names.join(", "))
            })
    }
}

/// Something a user asks the product to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read projects, batches, rows, flags, layers, maps, history, stamps and proofs.
    ViewEvidence,
    /// Add projects.
    ManageProjects,
    /// Import measurement batches (and new versions of rejected ones).
    ImportBatch,
    /// Register raster layers.
    ManageLayers,
    /// Re-run enrichment and checks on a batch.
    EnrichBatch,
    /// Open a batch for review.
    StartReview,
    /// Approve a batch under review (it is then stamped and signed).
    ApproveBatch,
    /// Reject a batch under review with a reason.
    RejectBatch,
    /// Attach evidence files to a batch.
    AttachEvidence,
    /// Add users, change their roles, offboard them.
    ManageUsers,
    /// Re-compute the local journal's hash chain.
    VerifyJournal,
    /// Connect the workspace to an audit log (its URL, pinned key and writer token).
    ConfigureAuditLog,
    /// Send queued anchors to the audit log and check its checkpoints.
    Anchor,
    /// Set the backup target, run and list backups, run restore drills, restore a snapshot.
    ManageBackups,
    /// Connect the workspace to a CADT registry (its URL and API key).
    ConnectRegistry,
    /// Build a registry export (draft) from a project's anchored batches.
    CreateExport,
    /// Sign an export's manifest off (segregation of duties on top: see `export::may_sign_off`).
    SignOffExport,
    /// Send an export back with a reason code and text.
    ReturnExport,
    /// Write an export's folder (CADT JSON, CSV, stamps, manifest).
    WriteExport,
    /// Push a signed-off export to the registry.
    PushExport,
    /// Ask for a role, with a reason (SOP-006: the access-request workflow); anyone may.
    RequestAccess,
    /// Approve or decline an access request of one of your reports (segregation of duties on
    /// top: see `access_request::may_decide`).
    DecideAccessRequest,
    /// Declare an incident with a severity (SOP-003: anyone).
    DeclareIncident,
    /// Assign an incident's commander and communications lead, resolve and close incidents,
    /// attach postmortems, add and complete action items (SOP-003).
    ManageIncidents,
    /// Plan releases, run their soak, synthetic monitor, promotion, watch and close, and set
    /// the weekly release-captain rota (SOP-002). Rolling back is the week's captain's call
    /// (see `release::may_roll_back`).
    ManageReleases,
    /// Open data-change tickets (SOP-004), dry-run them on a copy of the database, apply
    /// approved ones and roll them back.
    ManageDataChanges,
    /// Approve or reject another person's data-change ticket (segregation of duties on top:
    /// see `data_change::may_review`).
    ReviewDataChanges,
    /// Produce the verification statement (a PDF) of an approved batch; its SHA-256 is
    /// recorded, journaled and anchored (`docs/statement.md`).
    ProduceStatement,
}

impl Action {
    pub const ALL: [Action; 28] = [
        Action::ViewEvidence,
        Action::ManageProjects,
        Action::ImportBatch,
        Action::ManageLayers,
        Action::EnrichBatch,
        Action::StartReview,
        Action::ApproveBatch,
        Action::RejectBatch,
        Action::AttachEvidence,
        Action::ManageUsers,
        Action::VerifyJournal,
        Action::ConfigureAuditLog,
        Action::Anchor,
        Action::ManageBackups,
        Action::ConnectRegistry,
        Action::CreateExport,
        Action::SignOffExport,
        Action::ReturnExport,
        Action::WriteExport,
        Action::PushExport,
        Action::RequestAccess,
        Action::DecideAccessRequest,
        Action::DeclareIncident,
        Action::ManageIncidents,
        Action::ManageReleases,
        Action::ManageDataChanges,
        Action::ReviewDataChanges,
        Action::ProduceStatement,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewEvidence => "view_evidence",
            Action::ManageProjects => "manage_projects",
            Action::ImportBatch => "import_batch",
            Action::ManageLayers => "manage_layers",
            Action::EnrichBatch => "enrich_batch",
            Action::StartReview => "start_review",
            Action::ApproveBatch => "approve_batch",
            Action::RejectBatch => "reject_batch",
            Action::AttachEvidence => "attach_evidence",
            Action::ManageUsers => "manage_users",
            Action::VerifyJournal => "verify_journal",
            Action::ConfigureAuditLog => "configure_audit_log",
            Action::Anchor => "anchor",
            Action::ManageBackups => "manage_backups",
            Action::ConnectRegistry => "connect_registry",
            Action::CreateExport => "create_export",
            Action::SignOffExport => "sign_off_export",
            Action::ReturnExport => "return_export",
            Action::WriteExport => "write_export",
            Action::PushExport => "push_export",
            Action::RequestAccess => "request_access",
            Action::DecideAccessRequest => "decide_access_request",
            Action::DeclareIncident => "declare_incident",
            Action::ManageIncidents => "manage_incidents",
            Action::ManageReleases => "manage_releases",
            Action::ManageDataChanges => "manage_data_changes",
            Action::ReviewDataChanges => "review_data_changes",
            Action::ProduceStatement => "produce_statement",
        }
    }

    /// What the action is, in words, for refusals.
    pub fn describe(self) -> &'static str {
        match self {
            Action::ViewEvidence => "view evidence",
            Action::ManageProjects => "add projects",
            Action::ImportBatch => "import batches",
            Action::ManageLayers => "register raster layers",
            Action::EnrichBatch => "re-run enrichment",
            Action::StartReview => "start reviews",
            Action::ApproveBatch => "approve batches",
            Action::RejectBatch => "reject batches",
            Action::AttachEvidence => "attach evidence",
            Action::ManageUsers => "manage users",
            Action::VerifyJournal => "verify the journal",
            Action::ConfigureAuditLog => "connect the workspace to an audit log",
            Action::Anchor => "anchor records to the audit log",
            Action::ManageBackups => "manage backups and restore drills",
            Action::ConnectRegistry => "connect the workspace to a registry",
            Action::CreateExport => "create registry exports",
            Action::SignOffExport => "sign off registry exports",
            Action::ReturnExport => "return registry exports",
            Action::WriteExport => "write registry exports",
            Action::PushExport => "push exports to the registry",
            Action::RequestAccess => "request a role",
            Action::DecideAccessRequest => "approve or decline access requests",
            Action::DeclareIncident => "declare incidents",
            Action::ManageIncidents => "manage incidents",
            Action::ManageReleases => "manage releases",
            Action::ManageDataChanges => "open, dry-run, apply and roll back data changes",
            Action::ReviewDataChanges => "approve or reject data changes",
            Action::ProduceStatement => "produce verification statements",
        }
    }
}

/// The role → action table: the only place permissions are decided.
pub const fn role_allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ViewEvidence | VerifyJournal => true,
        ManageProjects => matches!(role, Analyst | MethodologyOwner),
        ImportBatch => matches!(role, Analyst),
        ManageLayers => matches!(role, Analyst | MethodologyOwner),
        EnrichBatch => matches!(role, Analyst | Verifier),
        StartReview | ApproveBatch | RejectBatch => matches!(role, Verifier),
        AttachEvidence => matches!(role, Analyst | Verifier),
        ManageUsers => matches!(role, TenantAdmin),
        ConfigureAuditLog | ManageBackups | ConnectRegistry => matches!(role, OpsAdmin),
        Anchor => matches!(role, Verifier | MethodologyOwner | OpsAdmin),
        CreateExport | SignOffExport | ReturnExport | WriteExport | PushExport => {
            matches!(role, MethodologyOwner)
        }
        RequestAccess => true,
        DecideAccessRequest => matches!(role, Manager),
        DeclareIncident => true,
        ManageIncidents => matches!(role, OpsAdmin),
        ManageReleases => matches!(role, OpsAdmin),
        ManageDataChanges => matches!(role, OpsAdmin),
        ReviewDataChanges => matches!(role, TenantAdmin),
        // Verifiers state what they approved; methodology owners hand statements on with exports.
        ProduceStatement => matches!(role, Verifier | MethodologyOwner),
    }
}

/// A signed-in user as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub name: String,
    pub roles: Vec<Role>,
    /// False once offboarded: an inactive user can do nothing.
    pub active: bool,
    /// The session they act in (its stored token hash), which every commit made under the
    /// grant checks again; `None` for checks outside any session.
    pub session: Option<String>,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Denied {
    #[error("{user} is offboarded and can do nothing")]
    Offboarded { user: String },
    #[error("{user} ({roles}) may not {what}; that needs the role {needs}")]
    Role {
        user: String,
        roles: String,
        what: &'static str,
        needs: String,
    },
    #[error("{user} imported batch {batch} and so may not review it (segregation of duties)")]
    OwnWork { user: String, batch: i64 },
    #[error("{user} {how} batch {batch}, which export {export} includes, and so may not sign it off (segregation of duties)")]
    IncludedWork {
        user: String,
        export: i64,
        batch: i64,
        /// `imported` or `approved`.
        how: &'static str,
    },
    #[error("{user} may not {what} their own access request {request} (segregation of duties)")]
    OwnRequest {
        user: String,
        request: i64,
        /// `approve or decline` or `grant`.
        what: &'static str,
    },
    #[error("{user} is not {requester}'s manager and so may not decide access request {request}; only {requester}'s manager may")]
    NotYourReport {
        user: String,
        request: i64,
        requester: String,
    },
}

/// Proof that `actor` may do `action`; only [`authorize`] makes one, so a use case holding a
/// `Granted` has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    action: Action,
    user_id: i64,
    user: String,
    session: Option<String>,
}

impl Granted {
    pub fn action(&self) -> Action {
        self.action
    }

    pub fn user_id(&self) -> i64 {
        self.user_id
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// The session the grant was given in (see [`Actor::session`]).
    pub fn session(&self) -> Option<&str> {
        self.session.as_deref()
    }
}

/// Checks `actor` against the role table for `action`.
/// Every action any of `roles` may take, in [`Action::ALL`] order: what a front end may offer.
pub fn allowed_actions(roles: &[Role]) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|&a| roles.iter().any(|&r| role_allows(r, a)))
        .collect()
}

pub fn authorize(actor: &Actor, action: Action) -> Result<Granted, Denied> {
    if !actor.active {
        return Err(Denied::Offboarded {
            user: actor.name.clone(),
        });
    }
    if actor.roles.iter().any(|&r| role_allows(r, action)) {
        return Ok(Granted {
            action,
            user_id: actor.user_id,
            user: actor.name.clone(),
            session: actor.session.clone(),
        });
    }
    let roles: Vec<&str> = actor.roles.iter().map(|r| r.as_str()).collect();
    let needs: Vec<&str> = Role::ALL
        .into_iter()
        .filter(|&r| role_allows(r, action))
        .map(Role::as_str)
        .collect();
    Err(Denied::Role {
        user: actor.name.clone(),
        roles: if roles.is_empty() {
            "no roles".into()
        } else {
            roles.join(", ")
        },
        what: action.describe(),
        needs: needs.join(" or "),
    })
}

/// Segregation of duties: nobody reviews (starts, approves or rejects) a batch they imported.
pub fn not_own_work(
    granted: &Granted,
    batch_id: i64,
    imported_by: Option<i64>,
) -> Result<(), Denied> {
    if imported_by == Some(granted.user_id) {
        return Err(Denied::OwnWork {
            user: granted.user.clone(),
            batch: batch_id,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_actions_are_the_union_of_the_roles_rows() {
        assert_eq!(
            allowed_actions(&[Role::Analyst]),
            vec![
                Action::ViewEvidence,
                Action::ManageProjects,
                Action::ImportBatch,
                Action::ManageLayers,
                Action::EnrichBatch,
                Action::AttachEvidence,
                Action::VerifyJournal,
                Action::RequestAccess,
                Action::DeclareIncident,
            ]
        );
        let both = allowed_actions(&[Role::Verifier, Role::TenantAdmin]);
        assert!(both.contains(&Action::ApproveBatch) && both.contains(&Action::ManageUsers));
        assert!(!both.contains(&Action::ImportBatch));
        assert_eq!(allowed_actions(&[]), Vec::<Action>::new());
    }

    fn actor(roles: &[Role]) -> Actor {
        Actor {
            user_id: 7,
            name: "ana".into(),
            roles: roles.to_vec(),
            active: true,
            session: None,
        }
    }

    /// The full matrix: every action × every role, as the product decides it. A change to the
    /// table must change this test.
    #[test]
    fn permission_matrix() {
        use Action::*;
        // Columns: analyst, verifier, methodology_owner, ops_admin, tenant_admin, manager.
        let table: [(Action, [u8; 6]); 28] = [
            (ViewEvidence, [1, 1, 1, 1, 1, 1]),
            (ManageProjects, [1, 0, 1, 0, 0, 0]),
            (ImportBatch, [1, 0, 0, 0, 0, 0]),
            (ManageLayers, [1, 0, 1, 0, 0, 0]),
            (EnrichBatch, [1, 1, 0, 0, 0, 0]),
            (StartReview, [0, 1, 0, 0, 0, 0]),
            (ApproveBatch, [0, 1, 0, 0, 0, 0]),
            (RejectBatch, [0, 1, 0, 0, 0, 0]),
            (AttachEvidence, [1, 1, 0, 0, 0, 0]),
            (ManageUsers, [0, 0, 0, 0, 1, 0]),
            (VerifyJournal, [1, 1, 1, 1, 1, 1]),
            (ConfigureAuditLog, [0, 0, 0, 1, 0, 0]),
            (Anchor, [0, 1, 1, 1, 0, 0]),
            (ManageBackups, [0, 0, 0, 1, 0, 0]),
            (ConnectRegistry, [0, 0, 0, 1, 0, 0]),
            (CreateExport, [0, 0, 1, 0, 0, 0]),
            (SignOffExport, [0, 0, 1, 0, 0, 0]),
            (ReturnExport, [0, 0, 1, 0, 0, 0]),
            (WriteExport, [0, 0, 1, 0, 0, 0]),
            (PushExport, [0, 0, 1, 0, 0, 0]),
            (RequestAccess, [1, 1, 1, 1, 1, 1]),
            (DecideAccessRequest, [0, 0, 0, 0, 0, 1]),
            (DeclareIncident, [1, 1, 1, 1, 1, 1]),
            (ManageIncidents, [0, 0, 0, 1, 0, 0]),
            (ManageReleases, [0, 0, 0, 1, 0, 0]),
            (ManageDataChanges, [0, 0, 0, 1, 0, 0]),
            (ReviewDataChanges, [0, 0, 0, 0, 1, 0]),
            (ProduceStatement, [0, 1, 1, 0, 0, 0]),
        ];
        assert_eq!(table.len(), Action::ALL.len());
        for (action, row) in table {
            for (role, allowed) in Role::ALL.into_iter().zip(row) {
                assert_eq!(
                    authorize(&actor(&[role]), action).is_ok(),
                    allowed == 1,
                    "{} may {}: expected {}",
                    role.as_str(),
                    action.as_str(),
                    allowed == 1
                );
            }
            assert!(
                authorize(&actor(&[]), action).is_err(),
                "no roles, {action:?}"
            );
        }
    }

    #[test]
    fn refusals_say_who_what_and_which_role_is_needed() {
        let err = authorize(&actor(&[Role::Analyst]), Action::ApproveBatch).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ana (analyst) may not approve batches; that needs the role verifier"
        );
        let mut gone = actor(&[Role::Verifier]);
        gone.active = false;
        assert_eq!(
            authorize(&gone, Action::ViewEvidence)
                .unwrap_err()
                .to_string(),
            "ana is offboarded and can do nothing"
        );
    }

    #[test]
    fn nobody_reviews_a_batch_they_imported() {
        let g = authorize(
            &actor(&[Role::Analyst, Role::Verifier]),
            Action::ApproveBatch,
        )
        .unwrap();
        assert_eq!(g.action(), Action::ApproveBatch);
        assert_eq!(
            not_own_work(&g, 3, Some(7)).unwrap_err().to_string(),
            "ana imported batch 3 and so may not review it (segregation of duties)"
        );
        assert!(not_own_work(&g, 3, Some(8)).is_ok());
        assert!(not_own_work(&g, 3, None).is_ok());
    }

    #[test]
    fn roles_round_trip_and_unknown_roles_list_the_valid_ones() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("admin").unwrap_err().contains("tenant_admin"));
    }
}
