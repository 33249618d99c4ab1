//! Who gets in: the first user of a workspace is made in one atomic step (of many racing first
//! `add_user` calls exactly one makes a tenant admin), and repeated failed sign-ins lock a
//! name out for a time that doubles, journaled, with an error that says when to retry.

use mrv_app::{ErrorCode, Mrv, NewUser, FREE_SIGN_IN_FAILURES};
use std::path::Path;
use std::sync::{Arc, Barrier};

fn new_user(name: &str, role: &str) -> NewUser {
    NewUser {
        name: name.into(),
        roles: vec![role.into()],
        password: "long-enough-password".into(),
    }
}

#[test]
fn racing_first_users_make_exactly_one_tenant_admin() {
    const RACERS: usize = 6;
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    drop(Mrv::init(&ws, false).unwrap());
    let barrier = Arc::new(Barrier::new(RACERS));
    let results: Vec<Result<String, (ErrorCode, String)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..RACERS)
            .map(|i| {
                let (ws, barrier) = (&ws, Arc::clone(&barrier));
                s.spawn(move || {
                    let mut mrv = Mrv::open(ws).unwrap();
                    barrier.wait();
                    mrv.add_user(None, &new_user(&format!("admin{i}"), "tenant_admin"))
                        .map(|u| u.name)
                        .map_err(|e| (e.code(), e.to_string()))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<&String> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused.0, ErrorCode::Unauthenticated, "{refused:?}");
        assert!(
            refused
                .1
                .contains("this workspace already has users: sign in as a tenant admin"),
            "{refused:?}"
        );
    }
    // One user, and one journal event adding them.
    let mut mrv = Mrv::open(&ws).unwrap();
    let admin = mrv.sign_in(winners[0], "long-enough-password").unwrap();
    let users = mrv.list_users(&admin).unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].roles, ["tenant_admin"]);
    let journal = mrv.verify_journal(&admin).unwrap();
    assert!(journal.ok, "{}", journal.message);
    assert_eq!(journal.events, 1);
}

fn db(ws: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(ws.join("workspace.sqlite")).unwrap()
}

#[test]
fn repeated_failed_sign_ins_lock_the_name_out_for_a_doubling_time() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let mut mrv = Mrv::init(&ws, false).unwrap();
    mrv.add_user(None, &new_user("tess", "tenant_admin"))
        .unwrap();
    let tess = mrv.sign_in("tess", "long-enough-password").unwrap();
    mrv.add_user(Some(&tess), &new_user("vera", "verifier"))
        .unwrap();

    for _ in 1..FREE_SIGN_IN_FAILURES {
        let err = mrv.sign_in("vera", "wrong-password").unwrap_err();
        assert_eq!(err.to_string(), "unknown user or wrong password");
    }
    // The fifth failure starts a 30-second lockout, and says so.
    let err = mrv.sign_in("vera", "wrong-password").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    assert!(
        err.to_string()
            .contains("too many failed sign-ins as vera: sign-in is locked until"),
        "{err}"
    );
    // Locked: even the right password is refused, with when to retry.
    let err = mrv.sign_in("vera", "long-enough-password").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    let text = err.to_string();
    assert!(text.contains("try again in "), "{text}");
    let wait: i64 = text
        .rsplit("try again in ")
        .next()
        .and_then(|t| t.strip_suffix(" s"))
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{text}");
    // Other names are not affected.
    mrv.sign_in("tess", "long-enough-password").unwrap();

    // When the lockout has passed (moved into the past here), one more failure locks for twice
    // as long.
    let db = db(&ws);
    db.execute(
        "UPDATE sign_in_failure SET locked_until = 0 WHERE name = 'vera'",
        [],
    )
    .unwrap();
    let err = mrv.sign_in("vera", "wrong-password").unwrap_err();
    assert!(err.to_string().contains("locked until"), "{err}");
    let (failures, until): (i64, i64) = db
        .query_row(
            "SELECT failures, locked_until FROM sign_in_failure WHERE name = 'vera'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(failures, FREE_SIGN_IN_FAILURES + 1);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (55..=60).contains(&(until - now)),
        "locked for {}",
        until - now
    );

    // Each lockout is journaled, and the journal stays intact.
    let lockouts: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM journal WHERE action = 'user.sign_in.lockout' AND target = 'user:vera'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lockouts, 2);
    let check = mrv.verify_journal(&tess).unwrap();
    assert!(check.ok, "{}", check.message);

    // After the lockout, the right password works and forgets the failures.
    db.execute(
        "UPDATE sign_in_failure SET locked_until = 0 WHERE name = 'vera'",
        [],
    )
    .unwrap();
    mrv.sign_in("vera", "long-enough-password").unwrap();
    let left: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sign_in_failure WHERE name = 'vera'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn unknown_names_are_throttled_like_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = Mrv::init(&dir.path().join("ws"), false).unwrap();
    for _ in 0..FREE_SIGN_IN_FAILURES {
        mrv.sign_in("nobody", "wrong-password").unwrap_err();
    }
    let err = mrv.sign_in("nobody", "wrong-password").unwrap_err();
    assert!(
        err.to_string()
            .contains("too many failed sign-ins as nobody"),
        "{err}"
    );
}

#[test]
fn lockouts_start_after_the_free_failures_and_double_up_to_an_hour() {
    use mrv_app::lockout_seconds;
    assert_eq!(lockout_seconds(FREE_SIGN_IN_FAILURES - 1), None);
    assert_eq!(lockout_seconds(FREE_SIGN_IN_FAILURES), Some(30));
    assert_eq!(lockout_seconds(FREE_SIGN_IN_FAILURES + 1), Some(60));
    assert_eq!(lockout_seconds(FREE_SIGN_IN_FAILURES + 3), Some(240));
    assert_eq!(lockout_seconds(FREE_SIGN_IN_FAILURES + 40), Some(3600));
}
