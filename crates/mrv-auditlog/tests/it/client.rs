//! MRV Desk's audit-log client (mrv-app) against the real server process, and against a log
//! that misbehaves: a fork, a rollback, a bad or truncated proof, the wrong key, 5xx, and a
//! connection dropped after the add was committed — each detected or retried correctly.

use crate::common;

use common::proxy::{Mode, Proxy};
use common::*;
use mrv_app::{ErrorCode, Mrv, Session, DEMO_PASSWORD};
use mrv_tlog::Receipt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A demo workspace whose batch 1 vera approved (so its stamp is queued), built once.
fn template() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("anchor-template-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut mrv = Mrv::init(&dir, true).unwrap();
        let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
        mrv_app::review_and_approve(&mut mrv, &vera, 1, "checked in the field").unwrap();
        dir
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    mrv: Mrv,
    vera: Session,
    oscar: Session,
    log: LogDir,
    server: Server,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(template(), &dir.path().join("ws"));
    let mut mrv = Mrv::open(&dir.path().join("ws")).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    Fixture {
        _dir: dir,
        mrv,
        vera,
        oscar,
        log,
        server,
    }
}

fn log_size(url: &str) -> u64 {
    let (_, body) = get(&agent(), &format!("{url}/checkpoint"));
    String::from_utf8(body)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn stamps_and_the_journal_head_are_anchored_and_receipts_verify_offline() {
    let mut f = fixture();
    // Queued at approval, before any log was connected.
    let queued = f.mrv.batch_anchor(&f.vera, 1).unwrap().unwrap();
    assert_eq!(queued.state, "queued");
    assert!(queued
        .entry
        .starts_with("mrv-anchor/v1\nkind stamp\nid batch-1-v1\nsha256 "));
    let err = f.mrv.anchor_pending(&f.vera, false).unwrap_err();
    assert!(
        err.to_string().contains("not connected to an audit log"),
        "{err}"
    );

    // Only an ops admin connects; a wrong key is refused at once.
    let err = f
        .mrv
        .connect_auditlog(&f.vera, &f.server.url, &f.log.vkey, &f.log.token)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    let other = tempfile::tempdir().unwrap();
    let wrong = LogDir::new(other.path());
    let err = f
        .mrv
        .connect_auditlog(&f.oscar, &f.server.url, &wrong.vkey, &f.log.token)
        .unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");
    let health = f
        .mrv
        .connect_auditlog(&f.oscar, &f.server.url, &f.log.vkey, &f.log.token)
        .unwrap();
    assert_eq!(health.latest.as_ref().unwrap().size, 0);
    assert_eq!(health.queued, 1);

    let run = f.mrv.anchor_pending(&f.vera, false).unwrap();
    assert_eq!((run.attempted, run.anchored, run.failed), (2, 2, 0));
    let stamp = f.mrv.batch_anchor(&f.vera, 1).unwrap().unwrap();
    assert_eq!(stamp.state, "anchored");
    assert_eq!(stamp.log_index, Some(0));
    assert_eq!(stamp.checkpoint_size, Some(1));
    // The batch moved to `anchored`, and its history says who anchored it.
    assert_eq!(f.mrv.batch(&f.vera, 1).unwrap().state, "anchored");
    let last = f.mrv.history(&f.vera, 1).unwrap().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.user.as_deref()),
        ("anchor", Some("vera"))
    );
    let journal = &run.anchors[1];
    assert_eq!(journal.kind, "journal");
    assert_eq!(journal.log_index, Some(1));

    // The receipt verifies offline against the pinned key and our entry; another entry fails.
    let receipt = stamp.receipt.clone().unwrap();
    let check = mrv_app::verify_receipt(
        "receipt",
        &receipt,
        &f.log.vkey,
        Some(stamp.entry.as_bytes()),
    )
    .unwrap();
    assert_eq!((check.index, check.checkpoint_size), (0, 1));
    let err = mrv_app::verify_receipt(
        "receipt",
        &receipt,
        &f.log.vkey,
        Some(journal.entry.as_bytes()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
    assert!(mrv_app::verify_receipt("receipt", &receipt, &wrong.vkey, None).is_err());

    // The batch's move to `anchored` is itself journaled: the next pass anchors that head.
    let run = f.mrv.anchor_pending(&f.vera, false).unwrap();
    assert_eq!((run.attempted, run.anchored), (1, 1));
    assert_ne!(run.anchors[0].record_id, journal.record_id);
    // Then anchoring again changes nothing: same index, the log does not grow.
    assert_eq!(f.mrv.anchor_pending(&f.vera, false).unwrap().attempted, 0);
    let again = f.mrv.anchor_batch(&f.vera, 1).unwrap();
    assert_eq!(again.log_index, Some(0));
    assert_eq!(log_size(&f.server.url), 3);
    let health = f.mrv.check_auditlog(&f.vera).unwrap();
    assert_eq!(health.latest.unwrap().size, 3);
    assert!(health.alarms.is_empty());
    assert!(health.last_consistent_at.is_some());
    assert_eq!((health.queued, health.failed, health.anchored), (0, 0, 3));
    // An analyst may look but not anchor.
    let ana = f.mrv.sign_in("ana", DEMO_PASSWORD).unwrap();
    assert_eq!(
        f.mrv.anchor_pending(&ana, true).unwrap_err().code(),
        ErrorCode::Forbidden
    );
}

#[test]
fn unreachable_and_5xx_logs_are_retried_with_backoff() {
    let mut f = fixture();
    let proxy = Proxy::start(&f.server.url);
    f.mrv
        .connect_auditlog(&f.oscar, &proxy.url, &f.log.vkey, &f.log.token)
        .unwrap();
    proxy.set(Mode::Unavailable);
    let run = f.mrv.anchor_pending(&f.vera, false).unwrap();
    assert_eq!((run.anchored, run.failed), (0, 2));
    let a = f.mrv.batch_anchor(&f.vera, 1).unwrap().unwrap();
    assert_eq!(a.state, "failed");
    assert!(
        a.last_error.as_deref().unwrap().contains("HTTP 503"),
        "{a:?}"
    );
    // Backed off: not due yet (timestamps are ISO 8601 UTC, so they sort as text).
    let now = mrv_core::Timestamp::from_unix_seconds(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    )
    .to_string();
    assert!(a.next_attempt_at.clone().unwrap() > now, "{a:?} vs {now}");
    assert_eq!(f.mrv.anchor_pending(&f.vera, false).unwrap().attempted, 0);

    // The log process is down: a connection error, still retried.
    proxy.set(Mode::Pass);
    f.server.kill();
    let run = f.mrv.anchor_pending(&f.vera, true).unwrap();
    assert_eq!(run.failed, 2);
    let a = f.mrv.batch_anchor(&f.vera, 1).unwrap().unwrap();
    assert_eq!(a.attempts, 2);
    assert!(a.last_error.as_deref().unwrap().contains("502"), "{a:?}");

    // Back up: everything goes out, once.
    f.server = f.log.start();
    proxy.point_at(&f.server.url);
    let run = f.mrv.anchor_pending(&f.vera, true).unwrap();
    assert_eq!((run.anchored, run.failed), (2, 0));
    assert_eq!(log_size(&f.server.url), 2);
}

#[test]
fn a_connection_dropped_after_the_commit_is_retried_without_a_second_index() {
    let mut f = fixture();
    let proxy = Proxy::start(&f.server.url);
    f.mrv
        .connect_auditlog(&f.oscar, &proxy.url, &f.log.vkey, &f.log.token)
        .unwrap();
    proxy.set(Mode::DropAfterAdd);
    let err = f.mrv.anchor_batch(&f.vera, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io);
    assert_eq!(log_size(&f.server.url), 1, "the log did commit it");
    proxy.set(Mode::Pass);
    let a = f.mrv.anchor_batch(&f.vera, 1).unwrap();
    assert_eq!((a.state.as_str(), a.log_index), ("anchored", Some(0)));
    assert_eq!(log_size(&f.server.url), 1, "the retry did not add it again");
}

#[test]
fn bad_proofs_truncated_proofs_and_a_wrong_key_are_refused() {
    let mut f = fixture();
    let proxy = Proxy::start(&f.server.url);
    f.mrv
        .connect_auditlog(&f.oscar, &proxy.url, &f.log.vkey, &f.log.token)
        .unwrap();
    // Grow the log first so receipts carry proof hashes to bend.
    for i in 0..5 {
        add(&agent(), &f.server.url, Some(&f.log.token), &entry(i));
    }
    for (mode, want) in [
        (Mode::BadProof, "inclusion proof"),
        (Mode::TruncatedProof, "inclusion proof"),
    ] {
        proxy.set(mode);
        f.mrv.anchor_batch(&f.vera, 1).unwrap_err();
        let a = f.mrv.batch_anchor(&f.vera, 1).unwrap().unwrap();
        assert_eq!(a.state, "failed");
        assert!(a.last_error.as_deref().unwrap().contains(want), "{a:?}");
    }
    // Another log, same origin, another key.
    let other = tempfile::tempdir().unwrap();
    let imposter = LogDir::new(other.path());
    // It even accepts our writer token.
    std::fs::copy(f.log.dir.join("tokens"), other.path().join("tokens")).unwrap();
    let imposter_server = imposter.start();
    proxy.point_at(&imposter_server.url);
    proxy.set(Mode::Pass);
    f.mrv.anchor_batch(&f.vera, 1).unwrap_err();
    let a = f.mrv.batch_anchor(&f.vera, 1).unwrap().unwrap();
    let error = a.last_error.unwrap();
    assert!(
        error.contains("the receipt's checkpoint")
            && error.contains("no signature by a trusted key"),
        "{error}"
    );
    // None of this is an alarm: nothing the pinned key signed conflicts.
    assert!(f.mrv.log_health(&f.vera).unwrap().alarms.is_empty());
    proxy.point_at(&f.server.url);
    let a = f.mrv.anchor_batch(&f.vera, 1).unwrap();
    assert_eq!(a.state, "anchored");
    let r = Receipt::parse(a.receipt.as_deref().unwrap()).unwrap();
    assert_eq!(r.index, 5);
}

#[test]
fn a_rollback_raises_an_alarm_and_halts_anchoring() {
    let mut f = fixture();
    let proxy = Proxy::start(&f.server.url);
    let (_, old) = get(&agent(), &format!("{}/checkpoint", f.server.url));
    f.mrv
        .connect_auditlog(&f.oscar, &proxy.url, &f.log.vkey, &f.log.token)
        .unwrap();
    f.mrv.anchor_pending(&f.vera, false).unwrap();
    proxy.set(Mode::Checkpoint(old.clone()));
    let health = f.mrv.check_auditlog(&f.vera).unwrap();
    assert_eq!(health.alarms.len(), 1);
    let alarm = &health.alarms[0];
    assert_eq!(alarm.kind, "rollback");
    assert!(alarm.detail.contains("size 0"), "{}", alarm.detail);
    assert_eq!(alarm.presented_checkpoint.as_bytes(), &old[..]);
    assert!(alarm.stored_checkpoint.contains("\n2\n"));
    assert_eq!(health.latest.unwrap().size, 2, "never backwards");
    let err = f.mrv.anchor_pending(&f.vera, true).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("anchoring is halted"), "{err}");
}

#[test]
fn a_fork_signed_with_the_log_key_raises_an_alarm_with_both_checkpoints() {
    for same_size in [false, true] {
        let mut f = fixture();
        let proxy = Proxy::start(&f.server.url);
        f.mrv
            .connect_auditlog(&f.oscar, &proxy.url, &f.log.vkey, &f.log.token)
            .unwrap();
        f.mrv.anchor_pending(&f.vera, false).unwrap(); // log A: size 2
                                                       // Log B: the same key and origin, other entries (an operator rewriting history).
        let fork_dir = tempfile::tempdir().unwrap();
        std::fs::copy(f.log.dir.join("log.key"), fork_dir.path().join("log.key")).unwrap();
        std::fs::copy(f.log.dir.join("tokens"), fork_dir.path().join("tokens")).unwrap();
        let fork = LogDir {
            dir: fork_dir.path().to_owned(),
            token: f.log.token.clone(),
            vkey: f.log.vkey.clone(),
        };
        let fork_server = fork.start();
        let n = if same_size { 2 } else { 7 };
        for i in 0..n {
            add(
                &agent(),
                &fork_server.url,
                Some(&fork.token),
                &entry(100 + i),
            );
        }
        proxy.point_at(&fork_server.url);
        let health = f.mrv.check_auditlog(&f.vera).unwrap();
        assert_eq!(health.alarms.len(), 1, "same size: {same_size}");
        // Presented again (the desktop checks every 30 s), it is the same alarm.
        let health = f.mrv.check_auditlog(&f.vera).unwrap();
        assert_eq!(health.alarms.len(), 1);
        let alarm = &health.alarms[0];
        assert_eq!(alarm.kind, "fork");
        assert!(alarm.detail.contains("fork"), "{}", alarm.detail);
        assert!(alarm.stored_checkpoint.contains("\n2\n"));
        assert!(alarm.presented_checkpoint.contains(&format!("\n{n}\n")));
        // Both are genuine signatures by the pinned key: evidence, not noise.
        let key = mrv_tlog::VerifierKey::parse(&f.log.vkey).unwrap();
        for note in [&alarm.stored_checkpoint, &alarm.presented_checkpoint] {
            mrv_tlog::Checkpoint::open(note.as_bytes(), ORIGIN, &key).unwrap();
        }
        assert_eq!(health.latest.unwrap().size, 2);
        assert_eq!(
            f.mrv.anchor_pending(&f.vera, true).unwrap_err().code(),
            ErrorCode::Conflict
        );
    }
}

#[test]
fn a_log_with_a_new_key_is_another_log_and_trust_starts_afresh() {
    let mut f = fixture();
    f.mrv
        .connect_auditlog(&f.oscar, &f.server.url, &f.log.vkey, &f.log.token)
        .unwrap();
    f.mrv.anchor_pending(&f.vera, false).unwrap(); // log A: size 2
    let other = tempfile::tempdir().unwrap();
    let second = LogDir::new(other.path());
    let second_server = second.start();
    let health = f
        .mrv
        .connect_auditlog(&f.oscar, &second_server.url, &second.vkey, &second.token)
        .unwrap();
    // A smaller tree, but signed by another key: not a rollback of log A.
    assert!(health.alarms.is_empty());
    assert_eq!(health.latest.unwrap().size, 0);
    // What was anchored in log A stays anchored there.
    let a = f.mrv.batch_anchor(&f.vera, 1).unwrap().unwrap();
    assert_eq!(a.origin.as_deref(), Some(ORIGIN));
    assert_eq!(a.state, "anchored");
}
