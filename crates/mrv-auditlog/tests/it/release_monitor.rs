//! The release synthetic monitor (SOP-002) against a real `mrv-auditlog serve` process: green
//! when the log answers with a checkpoint the pinned key signed and consistent with the last one
//! seen; red when nothing listens, and red when another log with its own key answers at the
//! same URL. A release is promoted only once its soak has run out and a green run was recorded
//! after the soak started.

use crate::common;

use common::*;
use mrv_app::{ErrorCode, Mrv, NewRelease, Session, DEMO_PASSWORD};
use std::path::Path;
use std::process::Command;

struct Fixture {
    dir: tempfile::TempDir,
    mrv: Mrv,
    oscar: Session,
    log: LogDir,
    server: Server,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    mrv.connect_auditlog(&oscar, &server.url, &log.vkey, &log.token)
        .unwrap();
    Fixture {
        dir,
        mrv,
        oscar,
        log,
        server,
    }
}

impl Fixture {
    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("ws").join("workspace.sqlite")).unwrap()
    }

    /// A release planned and soaking, its soak started `minutes_ago`.
    fn soaking(&mut self, minutes_ago: i64) -> i64 {
        let new = NewRelease {
            date: Some("2030-01-07".into()),
            hotfix: false,
            notes: "Monitor me".into(),
        };
        let id = self.mrv.plan_release(&self.oscar, &new).unwrap().id;
        self.mrv.soak_release(&self.oscar, id).unwrap();
        self.move_back(id, "soak_started_at", minutes_ago);
        id
    }

    /// Moves a release's step time back by `minutes` (as if it happened that long ago).
    fn move_back(&self, id: i64, column: &str, minutes: i64) {
        let db = self.db();
        let at: String = db
            .query_row(
                &format!("SELECT {column} FROM release WHERE id = ?1"),
                [id],
                |r| r.get(0),
            )
            .unwrap();
        let earlier = mrv_core::release::parse_instant(&at)
            .unwrap()
            .unix_seconds()
            - minutes * 60;
        db.execute(
            &format!("UPDATE release SET {column} = ?2 WHERE id = ?1"),
            rusqlite::params![
                id,
                mrv_core::Timestamp::from_unix_seconds(earlier).to_string()
            ],
        )
        .unwrap();
    }

    fn journal_count(&self, action: &str) -> i64 {
        self.db()
            .query_row(
                "SELECT COUNT(*) FROM journal WHERE action = ?1",
                [action],
                |r| r.get(0),
            )
            .unwrap()
    }
}

/// `host:port` of a server URL.
fn address(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// Serves the log in `dir` (its key and store) at `addr`, once the address is free again.
fn serve_at(dir: &Path, addr: &str) -> Server {
    for _ in 0..100 {
        if std::net::TcpListener::bind(addr).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut c = Command::new(bin());
    c.arg("serve")
        .args(["--listen", addr, "--origin", ORIGIN])
        .arg("--store")
        .arg(dir.join("log.db"))
        .arg("--key")
        .arg(dir.join("log.key"))
        .arg("--token-file")
        .arg(dir.join("tokens"));
    Server::spawn(c)
}

#[test]
fn a_release_is_blocked_until_the_monitor_is_green_against_the_real_log() {
    let mut f = fixture();
    for i in 0..3 {
        let (status, _) = add(&agent(), &f.server.url, Some(&f.log.token), &entry(i));
        assert_eq!(status, 200);
    }
    let id = f.soaking(31);
    // The soak has run out, but no monitor run yet.
    let e = f.mrv.promote_release(&f.oscar, id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(
        e.to_string()
            .contains("no green synthetic-monitor run since the soak started"),
        "{e}"
    );

    // Down: nothing listens at the log's URL.
    let addr = address(&f.server.url);
    f.server.kill();
    let red = f.mrv.run_release_monitor(&f.oscar, id).unwrap();
    assert!(!red.green);
    assert_eq!(red.checkpoint_size, None);
    let failure = red.failure.clone().unwrap();
    assert!(failure.contains("GET /checkpoint"), "{failure}");
    assert_eq!(red.log_url, f.server.url);
    let e = f.mrv.promote_release(&f.oscar, id).unwrap_err().to_string();
    assert!(e.contains("was red: GET /checkpoint"), "{e}");
    assert!(!e.contains("left"), "{e}");
    let view = f.mrv.release(&f.oscar, id).unwrap();
    let promote = view.offers.iter().find(|o| o.step == "promote").unwrap();
    assert!(!promote.enabled);
    assert!(promote.reason.as_deref().unwrap().contains("was red"));

    // Healthy again, at the same URL: green, with the log's size; promotion goes through.
    f.server = serve_at(&f.log.dir, &addr);
    let green = f.mrv.run_release_monitor(&f.oscar, id).unwrap();
    assert!(green.green, "{green:?}");
    assert_eq!(green.checkpoint_size, Some(3));
    assert_eq!(green.failure, None);
    assert!(f.mrv.release(&f.oscar, id).unwrap().offers[0].enabled);
    let watching = f.mrv.promote_release(&f.oscar, id).unwrap();
    assert_eq!(watching.state, "watching");
    assert_eq!(watching.clocks.len(), 2);
    assert_eq!(watching.clocks[0].state.as_str(), "met");
    assert_eq!(watching.clocks[1].name, "post-release watch");
    assert_eq!(watching.clocks[1].state.as_str(), "running");
    assert_eq!(watching.monitor_runs.len(), 2);

    // The watch runs 30 minutes, then the release closes into the changelog.
    let e = f.mrv.end_release_watch(&f.oscar, id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.to_string().contains("the post-release watch has"), "{e}");
    f.move_back(id, "promoted_at", 30);
    f.mrv.end_release_watch(&f.oscar, id).unwrap();
    let closed = f.mrv.close_release(&f.oscar, id).unwrap();
    assert_eq!(closed.state, "closed");
    assert!(closed.offers.is_empty());
    let log = f.mrv.release_changelog(&f.oscar).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].tag.as_str(), log[0].notes.as_str()),
        ("v2030.01.07.1", "Monitor me")
    );
    // Nothing more to monitor.
    let e = f.mrv.run_release_monitor(&f.oscar, id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);

    for (action, n) in [
        ("release.plan", 1),
        ("release.soak", 1),
        ("release.monitor", 2),
        ("release.promote", 1),
        ("release.watch_end", 1),
        ("release.close", 1),
    ] {
        assert_eq!(f.journal_count(action), n, "{action}");
    }
    let check = f.mrv.verify_journal(&f.oscar).unwrap();
    assert!(check.ok, "{}", check.message);
}

#[test]
fn another_log_with_its_own_key_at_the_same_url_turns_the_monitor_red() {
    let mut f = fixture();
    let id = f.soaking(31);
    let green = f.mrv.run_release_monitor(&f.oscar, id).unwrap();
    assert!(green.green, "{green:?}");
    // The log is replaced by another one, with its own key, at the same address.
    let addr = address(&f.server.url);
    f.server.kill();
    let other = f.dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let imposter = LogDir::new(&other);
    assert_ne!(imposter.vkey, f.log.vkey);
    let _imposter_server = serve_at(&other, &addr);
    let red = f.mrv.run_release_monitor(&f.oscar, id).unwrap();
    assert!(!red.green);
    let failure = red.failure.unwrap();
    assert!(
        failure.contains("the log's checkpoint was refused")
            && failure.contains("no signature by a trusted key"),
        "{failure}"
    );
    // The red run, the latest, blocks the promotion the green one had allowed.
    let e = f.mrv.promote_release(&f.oscar, id).unwrap_err().to_string();
    assert!(e.contains("the last synthetic-monitor run"), "{e}");
    assert!(
        e.contains("was red: the log's checkpoint was refused"),
        "{e}"
    );
    // Only ops admins run the monitor.
    let vera = f.mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let e = f.mrv.run_release_monitor(&vera, id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    assert_eq!(f.journal_count("release.monitor"), 2);
    let runs = f.mrv.release(&f.oscar, id).unwrap().monitor_runs;
    assert_eq!(
        runs.iter().map(|r| r.green).collect::<Vec<_>>(),
        [true, false]
    );
}
