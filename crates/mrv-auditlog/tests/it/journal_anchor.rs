//! The workspace against the real log process: the writer token is never stored in clear
//! (sealed per anchoring user, and sealed on open when an older workspace kept it in clear),
//! and a journal rewritten or cut after its head was anchored is found by `journal verify` and
//! by `auditlog status --check` (exit 5).

use crate::common;

use common::*;
use mrv_app::{ErrorCode, Mrv, NewUser, DEMO_PASSWORD};
use std::path::{Path, PathBuf};

/// A demo workspace at `ws` whose batch 1 vera approved.
fn approved_demo(ws: &Path) -> Mrv {
    let mut mrv = Mrv::init(ws, true).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    mrv_app::review_and_approve(&mut mrv, &vera, 1, "checked in the field").unwrap();
    mrv
}

struct Fixture {
    dir: tempfile::TempDir,
    mrv: Mrv,
    log: LogDir,
    server: Server,
}

impl Fixture {
    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.ws().join("workspace.sqlite")).unwrap()
    }
}

/// An approved demo connected (by oscar) to a running log.
fn connected() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = approved_demo(&dir.path().join("ws"));
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    mrv.connect_auditlog(&oscar, &server.url, &log.vkey, &log.token)
        .unwrap();
    Fixture {
        dir,
        mrv,
        log,
        server,
    }
}

fn token_in_clear(ws: &Path, token: &str) -> bool {
    ["workspace.sqlite", "workspace.sqlite-wal"]
        .iter()
        .any(|f| {
            std::fs::read(ws.join(f))
                .unwrap_or_default()
                .windows(token.len())
                .any(|w| w == token.as_bytes())
        })
}

#[test]
fn the_writer_token_is_sealed_and_every_user_who_may_anchor_can_use_it() {
    let mut f = connected();
    assert!(!token_in_clear(&f.ws(), &f.log.token));
    let stored: String = f
        .db()
        .query_row("SELECT token FROM auditlog", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, "");
    // Sealed for the users who may anchor: vera (verifier), mo (methodology owner), oscar.
    let holders: Vec<String> = f
        .db()
        .prepare("SELECT u.name FROM auditlog_token_box b JOIN app_user u ON u.id = b.user_id ORDER BY u.name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(holders, ["mo", "oscar", "vera"]);

    let vera = f.mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    assert_eq!(f.mrv.anchor_batch(&vera, 1).unwrap().state, "anchored");

    // A verifier added after the connection has no copy until someone holding it anchors.
    let tess = f.mrv.sign_in("tess", DEMO_PASSWORD).unwrap();
    let new_user = NewUser {
        name: "vic".into(),
        roles: vec!["verifier".into()],
        password: DEMO_PASSWORD.into(),
    };
    f.mrv.add_user(Some(&tess), &new_user).unwrap();
    let vic = f.mrv.sign_in("vic", DEMO_PASSWORD).unwrap();
    let err = f.mrv.anchor_pending(&vic, true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(err.to_string().contains("not sealed for vic yet"), "{err}");
    let mo = f.mrv.sign_in("mo", DEMO_PASSWORD).unwrap();
    f.mrv.anchor_pending(&mo, true).unwrap();
    f.mrv.anchor_pending(&vic, true).unwrap();
    assert!(!token_in_clear(&f.ws(), &f.log.token));

    // Offboarding takes the user's copy away.
    f.mrv.offboard_user(&tess, "vic").unwrap();
    let left: i64 = f
        .db()
        .query_row(
            "SELECT COUNT(*) FROM auditlog_token_box WHERE user_id = (SELECT id FROM app_user WHERE name = 'vic')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    drop(f.server);
}

#[test]
fn a_clear_token_of_an_older_workspace_is_sealed_when_it_is_opened() {
    let f = connected();
    let db = f.db();
    // As a workspace from before sealing holds it.
    db.execute("UPDATE auditlog SET token = ?1", [&f.log.token])
        .unwrap();
    db.execute("DELETE FROM auditlog_token_box", []).unwrap();
    drop(db);

    let mut mrv = Mrv::open(&f.ws()).unwrap();
    let stored: String = f
        .db()
        .query_row("SELECT token FROM auditlog", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, "");
    let sealed: i64 = f
        .db()
        .query_row("SELECT COUNT(*) FROM auditlog_token_box", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sealed, 3);
    let journaled: i64 = f
        .db()
        .query_row(
            "SELECT COUNT(*) FROM journal WHERE action = 'auditlog.token.seal'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(journaled, 1);
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    assert_eq!(mrv.anchor_batch(&vera, 1).unwrap().state, "anchored");
    let check = mrv.verify_journal(&vera).unwrap();
    assert!(check.ok, "{:#?}", check.problems);
    drop(f.server);
}

/// Anchors the journal head; returns its sequence number.
fn anchor_head(f: &mut Fixture) -> i64 {
    let vera = f.mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let run = f.mrv.anchor_pending(&vera, true).unwrap();
    assert_eq!(run.anchored, 2, "the stamp and the journal head");
    let check = f.mrv.verify_journal(&vera).unwrap();
    assert!(check.ok, "{:#?}", check.problems);
    let head = check.anchored_head.unwrap();
    assert!(head.matches);
    // The stamp's anchoring moved the batch after the head was queued: one event since.
    assert_eq!(head.unanchored_events, 1);
    head.seq
}

/// The `mrv` binary, built beside this package's binary.
fn mrv_bin() -> PathBuf {
    let bin = Path::new(bin()).with_file_name("mrv");
    assert!(
        bin.exists(),
        "{} is missing: build mrv-cli first",
        bin.display()
    );
    bin
}

#[test]
fn a_journal_rewritten_after_its_head_was_anchored_is_found() {
    let mut f = connected();
    let seq = anchor_head(&mut f);
    // Cut the journal before the anchored head, then let the app itself write a new, valid
    // chain over it: every link verifies, but event `seq` is no longer what the log holds.
    f.db()
        .execute("DELETE FROM journal WHERE seq >= ?1", [seq - 1])
        .unwrap();
    let tess = f.mrv.sign_in("tess", DEMO_PASSWORD).unwrap();
    for name in ["zed1", "zed2", "zed3"] {
        let user = NewUser {
            name: name.into(),
            roles: vec!["manager".into()],
            password: DEMO_PASSWORD.into(),
        };
        f.mrv.add_user(Some(&tess), &user).unwrap();
    }
    let vera = f.mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let check = f.mrv.verify_journal(&vera).unwrap();
    assert!(check.head.is_some(), "the rewritten chain itself verifies");
    assert!(!check.ok);
    let object = format!("journal event {seq}");
    let problem = check
        .problems
        .iter()
        .find(|p| p.kind == "anchored_head_mismatch" && p.object == object)
        .unwrap_or_else(|| panic!("{:#?}", check.problems));
    assert!(problem.detail.contains("rewritten after it was anchored"));

    // `auditlog status --check` compares the anchored head too.
    let health = f.mrv.check_auditlog(&vera).unwrap();
    assert!(
        health
            .journal_problems
            .iter()
            .any(|p| p.kind == "anchored_head_mismatch" && p.object == object),
        "{:#?}",
        health.journal_problems
    );
    let out = std::process::Command::new(mrv_bin())
        .arg("-w")
        .arg(f.ws())
        .args(["--as", "vera", "auditlog", "status", "--check"])
        .env("MRV_PASSWORD", DEMO_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("JOURNAL      anchored_head_mismatch {object}")),
        "{stdout}"
    );
    drop(f.server);
}

#[test]
fn journal_events_deleted_after_the_head_was_anchored_are_found() {
    let mut f = connected();
    let seq = anchor_head(&mut f);
    f.db()
        .execute("DELETE FROM journal WHERE seq >= ?1", [seq - 1])
        .unwrap();
    let vera = f.mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let check = f.mrv.verify_journal(&vera).unwrap();
    let problem = check
        .problems
        .iter()
        .find(|p| p.kind == "journal_truncated")
        .unwrap_or_else(|| panic!("{:#?}", check.problems));
    assert_eq!(problem.object, format!("journal event {seq}"));
    assert!(
        problem.detail.contains("events were deleted"),
        "{}",
        problem.detail
    );
    drop(f.server);
}

#[test]
fn a_journal_edited_and_rehashed_after_its_head_was_anchored_is_found() {
    use mrv_stamp::journal::{event_hash, JournalEvent};
    let mut f = connected();
    let seq = anchor_head(&mut f);
    // Re-attribute an early event and re-hash the chain from there on, as someone who knows
    // the format would: every link verifies again.
    let db = f.db();
    db.execute("UPDATE journal SET actor = 'mallory' WHERE seq = 8", [])
        .unwrap();
    let mut events: Vec<(JournalEvent, String)> = db
        .prepare("SELECT seq, at, actor, action, target, payload_sha256, prev_hash, hash FROM journal ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((
                JournalEvent {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    payload_sha256: r.get(5)?,
                    prev_hash: r.get(6)?,
                },
                r.get(7)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for i in 7..events.len() {
        if i > 7 {
            events[i].0.prev_hash = events[i - 1].1.clone();
        }
        events[i].1 = event_hash(&events[i].0);
        db.execute(
            "UPDATE journal SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            rusqlite::params![events[i].0.seq, events[i].0.prev_hash, events[i].1],
        )
        .unwrap();
    }
    let vera = f.mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let check = f.mrv.verify_journal(&vera).unwrap();
    assert!(check.head.is_some(), "the re-hashed chain itself verifies");
    assert!(!check.ok);
    let object = format!("journal event {seq}");
    assert!(
        check
            .problems
            .iter()
            .any(|p| p.kind == "anchored_head_mismatch" && p.object == object),
        "{:#?}",
        check.problems
    );
    drop(f.server);
}
