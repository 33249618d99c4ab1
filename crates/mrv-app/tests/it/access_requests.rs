//! Access management (SOP-006) on a real demo workspace: the access-request workflow with its
//! segregation of duties, direct role changes and managers, the quarterly access review with
//! its 24-hour revocation clock, and offboarding — every change journaled and the journal
//! verifying afterwards.

use mrv_app::{Action, ErrorCode, Mrv, NewUser, Session, DEMO_PASSWORD};
use mrv_core::clocks::ClockState;
use std::path::{Path, PathBuf};

const PASSWORD: &str = "long-enough-password";

fn demo(dir: &Path) -> (PathBuf, Mrv) {
    let root = dir.join("ws");
    let mrv = Mrv::init(&root, true).unwrap();
    (root, mrv)
}

fn sign_in(mrv: &mut Mrv, name: &str) -> Session {
    let password = if ["tess", "ana", "vera", "mo", "oscar", "max"].contains(&name) {
        DEMO_PASSWORD
    } else {
        PASSWORD
    };
    mrv.sign_in(name, password).unwrap()
}

fn add(mrv: &mut Mrv, admin: &Session, name: &str, role: &str, manager: Option<&str>) {
    mrv.add_user_with_manager(
        admin,
        &NewUser {
            name: name.into(),
            roles: vec![role.into()],
            password: PASSWORD.into(),
        },
        manager,
    )
    .unwrap();
}

fn journal_ok(mrv: &Mrv, session: &Session) {
    let check = mrv.verify_journal(session).unwrap();
    assert!(check.ok, "{} {:?}", check.message, check.problems);
}

fn journal_actions(root: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(root.join("workspace.sqlite")).unwrap();
    let mut stmt = db
        .prepare("SELECT action FROM journal ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_request_approved_by_the_manager_and_granted_by_the_tenant_admin_gives_the_role() {
    let dir = tempfile::tempdir().unwrap();
    let (root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    add(&mut mrv, &tess, "nina", "analyst", Some("max"));
    let nina = sign_in(&mut mrv, "nina");
    assert!(!nina.allowed_actions().contains(&Action::ApproveBatch));

    let request = mrv
        .request_access(&nina, "verifier", "second reviewer for Q4")
        .unwrap();
    assert_eq!(request.state, "requested");
    assert_eq!(request.manager.as_deref(), Some("max"));
    // The same role again while it is open: refused.
    let again = mrv.request_access(&nina, "verifier", "again").unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict, "{again}");
    // Not approved yet: nothing to grant.
    let early = mrv.grant_access_request(&tess, request.id).unwrap_err();
    assert_eq!(early.code(), ErrorCode::Conflict, "{early}");
    assert!(early.to_string().contains("not been approved"), "{early}");

    let max = sign_in(&mut mrv, "max");
    assert_eq!(
        mrv.access_requests_to_decide(&max)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>(),
        [request.id]
    );
    let approved = mrv.approve_access_request(&max, request.id).unwrap();
    assert_eq!(approved.state, "approved");
    assert_eq!(approved.decided_by.as_deref(), Some("max"));
    assert_eq!(
        mrv.access_requests_to_grant(&tess).unwrap().len(),
        1,
        "waiting for the tenant admin"
    );
    let granted = mrv.grant_access_request(&tess, request.id).unwrap();
    assert_eq!(granted.state, "granted");
    assert_eq!(granted.granted_by.as_deref(), Some("tess"));

    let nina = sign_in(&mut mrv, "nina");
    assert_eq!(nina.user.roles, ["analyst", "verifier"]);
    assert!(nina.allowed_actions().contains(&Action::ApproveBatch));
    assert_eq!(mrv.my_access_requests(&nina).unwrap()[0].state, "granted");
    // Granted once is final.
    let twice = mrv.grant_access_request(&tess, request.id).unwrap_err();
    assert_eq!(twice.code(), ErrorCode::Conflict, "{twice}");

    let actions = journal_actions(&root);
    for expected in ["access.request", "access.approve", "access.grant"] {
        assert_eq!(
            actions.iter().filter(|a| *a == expected).count(),
            1,
            "{expected} in {actions:?}"
        );
    }
    journal_ok(&mrv, &tess);
}

#[test]
fn a_declined_request_keeps_its_reason_and_cannot_be_granted() {
    let dir = tempfile::tempdir().unwrap();
    let (_root, mut mrv) = demo(dir.path());
    let ana = sign_in(&mut mrv, "ana");
    let max = sign_in(&mut mrv, "max");
    let tess = sign_in(&mut mrv, "tess");
    let request = mrv
        .request_access(&ana, "methodology_owner", "sign exports")
        .unwrap();
    let blank = mrv
        .decline_access_request(&max, request.id, "  ")
        .unwrap_err();
    assert_eq!(blank.code(), ErrorCode::InvalidInput);
    assert!(blank.to_string().starts_with("reason:"), "{blank}");
    let declined = mrv
        .decline_access_request(&max, request.id, "mo signs exports")
        .unwrap();
    assert_eq!(declined.state, "declined");
    assert_eq!(
        declined.decision_reason.as_deref(),
        Some("mo signs exports")
    );
    let err = mrv.grant_access_request(&tess, request.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    // Ana may not decide requests at all.
    let err = mrv.approve_access_request(&ana, request.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    journal_ok(&mrv, &tess);
}

#[test]
fn a_manager_approving_their_own_request_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    add(&mut mrv, &tess, "mia", "manager", None);
    mrv.set_user_manager(&tess, "max", "mia").unwrap();
    let max = sign_in(&mut mrv, "max");
    let request = mrv
        .request_access(&max, "verifier", "cover the review backlog")
        .unwrap();
    let err = mrv.approve_access_request(&max, request.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "max may not approve or decline their own access request {} (segregation of duties)",
            request.id
        )
    );
    let mia = sign_in(&mut mrv, "mia");
    assert_eq!(
        mrv.approve_access_request(&mia, request.id).unwrap().state,
        "approved"
    );
}

#[test]
fn a_tenant_admin_granting_their_own_request_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    let max = sign_in(&mut mrv, "max");
    let request = mrv
        .request_access(&tess, "verifier", "audit a batch")
        .unwrap();
    mrv.approve_access_request(&max, request.id).unwrap();
    assert!(mrv.access_requests_to_grant(&tess).unwrap().is_empty());
    let err = mrv.grant_access_request(&tess, request.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "tess may not grant their own access request {} (segregation of duties)",
            request.id
        )
    );
    // Another tenant admin may.
    add(&mut mrv, &tess, "tom", "tenant_admin", Some("max"));
    let tom = sign_in(&mut mrv, "tom");
    assert_eq!(
        mrv.grant_access_request(&tom, request.id).unwrap().state,
        "granted"
    );
    journal_ok(&mrv, &tom);
}

#[test]
fn a_manager_deciding_a_request_of_someone_not_their_report_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    add(&mut mrv, &tess, "mia", "manager", None);
    let ana = sign_in(&mut mrv, "ana");
    let request = mrv.request_access(&ana, "verifier", "help out").unwrap();
    let mia = sign_in(&mut mrv, "mia");
    assert!(mrv.access_requests_to_decide(&mia).unwrap().is_empty());
    for err in [
        mrv.approve_access_request(&mia, request.id).unwrap_err(),
        mrv.decline_access_request(&mia, request.id, "no")
            .unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "mia is not ana's manager and so may not decide access request {}; only ana's manager may",
                request.id
            )
        );
    }
}

#[test]
fn managers_are_active_users_holding_the_manager_role() {
    let dir = tempfile::tempdir().unwrap();
    let (_root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    let err = mrv.set_user_manager(&tess, "ana", "vera").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(
        err.to_string()
            .contains("manager: vera (verifier) does not hold the manager role"),
        "{err}"
    );
    let err = mrv.set_user_manager(&tess, "ana", "nobody").unwrap_err();
    assert!(
        err.to_string()
            .contains("manager: there is no user named nobody"),
        "{err}"
    );
    mrv.offboard(&tess, "max").unwrap();
    let err = mrv.set_user_manager(&tess, "ana", "max").unwrap_err();
    assert!(
        err.to_string().contains("manager: max is offboarded"),
        "{err}"
    );
    let users = mrv.list_user_accounts(&tess).unwrap();
    let ana = users.iter().find(|u| u.name == "ana").unwrap();
    assert_eq!(
        ana.manager.as_deref(),
        Some("max"),
        "the demo links ana to max"
    );
}

#[test]
fn roles_change_directly_journaled_and_the_last_tenant_admin_keeps_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let (root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    let ana = mrv
        .change_user_roles(&tess, "ana", &["verifier".into()], &[])
        .unwrap();
    assert_eq!(ana.roles, ["analyst", "verifier"]);
    let ana = mrv
        .change_user_roles(&tess, "ana", &[], &["analyst".into()])
        .unwrap();
    assert_eq!(ana.roles, ["verifier"]);
    let err = mrv
        .change_user_roles(&tess, "ana", &[], &["verifier".into()])
        .unwrap_err();
    assert!(err.to_string().contains("offboard them instead"), "{err}");
    let err = mrv
        .change_user_roles(&tess, "ana", &["admin".into()], &[])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let err = mrv
        .change_user_roles(&tess, "tess", &["manager".into()], &["tenant_admin".into()])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string().contains("only active tenant admin"),
        "{err}"
    );
    assert_eq!(
        journal_actions(&root)
            .iter()
            .filter(|a| *a == "user.roles")
            .count(),
        2
    );
    // The journal knows the roles held now: it verifies.
    journal_ok(&mrv, &tess);
    // A hand edit of the roles is caught.
    let db = rusqlite::Connection::open(root.join("workspace.sqlite")).unwrap();
    db.execute(
        "UPDATE app_user SET roles_json = '[\"tenant_admin\"]' WHERE name = 'ana'",
        [],
    )
    .unwrap();
    let check = mrv.verify_journal(&tess).unwrap();
    assert!(!check.ok);
    assert!(
        check.problems.iter().any(|p| p.kind == "user_roles"),
        "{:?}",
        check.problems
    );
}

#[test]
fn the_review_lists_every_active_grant_with_its_last_use() {
    let dir = tempfile::tempdir().unwrap();
    let (_root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    let status = mrv.access_review(&tess).unwrap();
    assert!(status.review.is_none());
    assert!(status.reminder.due, "no review ever finished");
    mrv.offboard(&tess, "oscar").unwrap();
    let vera = sign_in(&mut mrv, "vera");
    drop(vera);

    let review = mrv.start_access_review(&tess).unwrap();
    let grants: Vec<(String, String)> = review
        .items
        .iter()
        .map(|i| (i.user.clone(), i.role.clone()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("ana", "analyst"),
        ("max", "manager"),
        ("mo", "methodology_owner"),
        ("tess", "tenant_admin"),
        ("vera", "verifier"),
    ]
    .iter()
    .map(|(u, r)| (u.to_string(), r.to_string()))
    .collect();
    assert_eq!(
        grants, expected,
        "every active grant, the offboarded oscar not"
    );
    assert_eq!(review.pending, 5);
    let item = |user: &str| review.items.iter().find(|i| i.user == user).unwrap();
    // ana imported the demo batch; mo added the project and layers; tess added users: journal.
    for user in ["ana", "mo", "tess"] {
        assert_eq!(
            item(user).last_used_from.as_deref(),
            Some("journal"),
            "{user}"
        );
        assert!(item(user).last_used_at.is_some());
    }
    // vera did nothing journaled but signed in; max never did anything as a manager nor signed in.
    assert_eq!(item("vera").last_used_from.as_deref(), Some("sign_in"));
    assert_eq!(item("max").last_used_at, None);
    // Only one open review at a time.
    let err = mrv.start_access_review(&tess).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
}

#[test]
fn a_revocation_runs_a_24_hour_clock_until_applied_and_the_review_finishes_when_all_are_decided() {
    let dir = tempfile::tempdir().unwrap();
    let (root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    mrv.start_access_review(&tess).unwrap();
    let review = mrv.revoke_access(&tess, "oscar", "ops_admin").unwrap();
    let oscar = review.items.iter().find(|i| i.user == "oscar").unwrap();
    assert_eq!(oscar.decision, "revoked");
    let clock = oscar.clock.as_ref().unwrap();
    assert_eq!(clock.state, ClockState::Running);
    let left = clock.remaining_seconds.unwrap();
    assert!((86_390..=86_400).contains(&left), "{left}");
    assert_eq!(review.revocations_running, 1);
    // Revoked once: not again, not certified.
    assert_eq!(
        mrv.certify_access(&tess, "oscar", "ops_admin")
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );
    // Applying a grant that was not revoked is refused.
    assert_eq!(
        mrv.apply_revocation(&tess, "ana", "analyst")
            .unwrap_err()
            .code(),
        ErrorCode::Conflict
    );

    // 25 hours later (the decision moved back): overdue.
    let db = rusqlite::Connection::open(root.join("workspace.sqlite")).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let back = chrono::DateTime::<chrono::Utc>::from_timestamp(now - 25 * 3600, 0).unwrap();
    db.execute(
        "UPDATE access_review_item SET decided_at = ?1 WHERE decision = 'revoked'",
        [back.format("%Y-%m-%dT%H:%M:%SZ").to_string()],
    )
    .unwrap();
    let shown = mrv.access_review(&tess).unwrap().review.unwrap();
    assert_eq!(shown.revocations_overdue, 1);
    let oscar = shown.items.iter().find(|i| i.user == "oscar").unwrap();
    assert_eq!(oscar.clock.as_ref().unwrap().state, ClockState::Overdue);
    assert!(oscar.clock.as_ref().unwrap().remaining_seconds.unwrap() < -3000);

    for (user, role) in [
        ("ana", "analyst"),
        ("max", "manager"),
        ("mo", "methodology_owner"),
        ("tess", "tenant_admin"),
    ] {
        mrv.certify_access(&tess, user, role).unwrap();
    }
    let before = mrv.access_review(&tess).unwrap();
    assert!(before.review.as_ref().unwrap().finished_at.is_none());
    let finished = mrv.certify_access(&tess, "vera", "verifier").unwrap();
    assert!(finished.finished_at.is_some(), "every item decided");
    assert_eq!(finished.pending, 0);
    assert!(!mrv.access_review(&tess).unwrap().reminder.due);

    let applied = mrv.apply_revocation(&tess, "oscar", "ops_admin").unwrap();
    let oscar = applied.items.iter().find(|i| i.user == "oscar").unwrap();
    assert_eq!(oscar.decision, "applied");
    assert_eq!(oscar.clock.as_ref().unwrap().state, ClockState::Met);
    assert_eq!(applied.revocations_overdue, 0);
    let accounts = mrv.list_user_accounts(&tess).unwrap();
    let oscar = accounts.iter().find(|u| u.name == "oscar").unwrap();
    assert!(oscar.roles.is_empty(), "{:?}", oscar.roles);
    let oscar_session = sign_in(&mut mrv, "oscar");
    assert!(!oscar_session
        .allowed_actions()
        .contains(&Action::ManageBackups));
    let actions = journal_actions(&root);
    for (action, n) in [
        ("access.review.start", 1),
        ("access.review.revoke", 1),
        ("access.review.certify", 5),
        ("access.review.apply", 1),
    ] {
        assert_eq!(
            actions.iter().filter(|a| *a == action).count(),
            n,
            "{action}"
        );
    }
    journal_ok(&mrv, &tess);
    // The next review may start now.
    assert!(mrv.start_access_review(&tess).is_ok());
}

#[test]
fn offboarding_ends_every_session_and_disables_the_signing_key_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (root, mut mrv) = demo(dir.path());
    let tess = sign_in(&mut mrv, "tess");
    let ana = sign_in(&mut mrv, "ana");
    let request = mrv.request_access(&ana, "verifier", "x").unwrap();
    let max_a = sign_in(&mut mrv, "max");
    let _max_b = sign_in(&mut mrv, "max");
    assert_eq!(mrv.user_sessions(&tess, Some("max")).unwrap().len(), 2);
    let done = mrv.offboard(&tess, "max").unwrap();
    assert_eq!(done.sessions_ended, 2);
    assert!(done.signing_key_disabled);
    assert!(mrv.user_sessions(&tess, Some("max")).unwrap().is_empty());
    let err = mrv.approve_access_request(&max_a, request.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated, "{err}");
    let err = mrv.sign_in("max", DEMO_PASSWORD).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    let db = rusqlite::Connection::open(root.join("workspace.sqlite")).unwrap();
    let sealed: String = db
        .query_row(
            "SELECT sealed_key FROM app_user WHERE name = 'max'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sealed, "");
    let accounts = mrv.list_user_accounts(&tess).unwrap();
    let max = accounts.iter().find(|u| u.name == "max").unwrap();
    assert_eq!(max.active_sessions, 0);
    assert!(max.offboarded_at.is_some());
    journal_ok(&mrv, &tess);
}
