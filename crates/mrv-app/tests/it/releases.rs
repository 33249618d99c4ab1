//! Releases (SOP-002) on a real demo workspace: tags and slots proposed at plan time, the
//! captain rota, the calendar, steps refused out of order with what is missing, and rollback
//! as the captain's call. The synthetic monitor against a real audit log is tested in
//! `crates/mrv-auditlog/tests/release_monitor.rs`.

use mrv_app::{ErrorCode, Mrv, NewRelease, Session, DEMO_PASSWORD};
use mrv_core::release::{iso_week, parse_instant, utc_date};

struct Demo {
    dir: tempfile::TempDir,
    mrv: Mrv,
    oscar: Session,
}

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    Demo { dir, mrv, oscar }
}

impl Demo {
    fn sign_in(&mut self, name: &str) -> Session {
        self.mrv.sign_in(name, DEMO_PASSWORD).unwrap()
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("ws").join("workspace.sqlite")).unwrap()
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

    fn plan(&mut self, date: Option<&str>, hotfix: bool) -> mrv_app::ReleaseView {
        let new = NewRelease {
            date: date.map(Into::into),
            hotfix,
            notes: "Faster batch import".into(),
        };
        self.mrv.plan_release(&self.oscar, &new).unwrap()
    }
}

fn refused<T: std::fmt::Debug>(r: Result<T, mrv_app::AppError>, code: ErrorCode, says: &str) {
    let e = r.unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    assert!(e.to_string().contains(says), "{e:?} should say {says:?}");
}

#[test]
fn plan_proposes_the_tag_the_slot_and_the_weeks_captain() {
    let mut d = demo();
    // 2030-01-05 is a Saturday: its slot is Monday 2030-01-07 14:00 UTC, in 2030-W02.
    d.mrv
        .set_release_captain(&d.oscar, "2030-W02", "vera")
        .unwrap();
    let first = d.plan(Some("2030-01-05"), false);
    assert_eq!(first.tag, "v2030.01.07.1");
    assert_eq!(first.slot_at, "2030-01-07T14:00:00Z");
    assert_eq!(first.week, "2030-W02");
    assert_eq!(first.kind, "scheduled");
    assert_eq!(first.state, "planned");
    assert_eq!(first.captain.as_deref(), Some("vera"));
    assert_eq!(first.notes, "Faster batch import");
    // N counts the releases already tagged that date.
    assert_eq!(d.plan(Some("2030-01-07"), false).tag, "v2030.01.07.2");
    assert_eq!(d.plan(Some("2030-01-06"), false).tag, "v2030.01.07.3");
    let other = d.plan(Some("2030-01-08"), false);
    assert_eq!(other.tag, "v2030.01.08.1");
    assert_eq!(other.captain.as_deref(), Some("vera"));
    // A hotfix ships now, tagged today; no captain set for this week here.
    let hotfix = d.plan(None, true);
    assert_eq!(hotfix.kind, "hotfix");
    let now = parse_instant(&hotfix.now).unwrap();
    let slot = parse_instant(&hotfix.slot_at).unwrap();
    assert!((now.unix_seconds() - slot.unix_seconds()).abs() <= 2);
    let today = utc_date(slot);
    assert_eq!(hotfix.week, iso_week(today));
    assert!(hotfix
        .tag
        .starts_with(&today.format("v%Y.%m.%d.").to_string()));
    assert!(hotfix.tag.ends_with(".1"), "{}", hotfix.tag);
    let second = format!("{}2", hotfix.tag.strip_suffix('1').unwrap());
    assert_eq!(d.plan(None, true).tag, second);
    // Without a date: the next weekday 14:00 UTC slot from now.
    let next = d.plan(None, false);
    let next_slot = parse_instant(&next.slot_at).unwrap();
    assert!(next_slot >= now);
    assert!(next.slot_at.ends_with("T14:00:00Z"));
    assert_eq!(d.journal_count("release.plan"), 7);

    // Refusals name the field.
    let plan = |date: &str, hotfix: bool| NewRelease {
        date: Some(date.into()),
        hotfix,
        notes: String::new(),
    };
    refused(
        d.mrv.plan_release(&d.oscar, &plan("2030-13-01", false)),
        ErrorCode::InvalidInput,
        "--date: `2030-13-01` is not a date",
    );
    refused(
        d.mrv.plan_release(&d.oscar, &plan("2020-01-06", false)),
        ErrorCode::InvalidInput,
        "--date: its slot 2020-01-06T14:00:00Z has already passed",
    );
    refused(
        d.mrv.plan_release(&d.oscar, &plan("2030-01-07", true)),
        ErrorCode::InvalidInput,
        "--date: a hotfix ships now",
    );
    let vera = d.sign_in("vera");
    refused(
        d.mrv.plan_release(&vera, &plan("2030-01-07", false)),
        ErrorCode::Forbidden,
        "may not manage releases; that needs the role ops_admin",
    );
    assert_eq!(d.journal_count("release.plan"), 7);
}

#[test]
fn the_rota_takes_an_iso_week_and_an_active_user() {
    let mut d = demo();
    let set = d
        .mrv
        .set_release_captain(&d.oscar, "2026-W53", "mo")
        .unwrap();
    assert_eq!(
        (set.week.as_str(), set.captain.as_str()),
        ("2026-W53", "mo")
    );
    assert_eq!(set.set_by, "oscar");
    // Replacing a week's captain.
    d.mrv
        .set_release_captain(&d.oscar, "2026-W53", "vera")
        .unwrap();
    assert_eq!(d.journal_count("release.rota"), 2);
    refused(
        d.mrv.set_release_captain(&d.oscar, "2027-W53", "vera"),
        ErrorCode::InvalidInput,
        "--set: 2027 has no ISO week 53",
    );
    refused(
        d.mrv.set_release_captain(&d.oscar, "2026-49", "vera"),
        ErrorCode::InvalidInput,
        "--set: `2026-49` is not an ISO week",
    );
    refused(
        d.mrv.set_release_captain(&d.oscar, "2026-W50", "nobody"),
        ErrorCode::NotFound,
        "user nobody does not exist",
    );
    let tess = d.sign_in("tess");
    d.mrv.offboard_user(&tess, "max").unwrap();
    refused(
        d.mrv.set_release_captain(&d.oscar, "2026-W50", "max"),
        ErrorCode::InvalidInput,
        "--set: max is offboarded; a release captain must be an active user",
    );
    let ana = d.sign_in("ana");
    refused(
        d.mrv.set_release_captain(&ana, "2026-W50", "ana"),
        ErrorCode::Forbidden,
        "manage releases",
    );
    assert_eq!(d.journal_count("release.rota"), 2);
}

#[test]
fn the_calendar_shows_four_weeks_of_slots_with_captains_and_releases() {
    let mut d = demo();
    let planned = d.plan(None, false);
    let this_week = iso_week(utc_date(parse_instant(&planned.now).unwrap()));
    d.mrv
        .set_release_captain(&d.oscar, &this_week, "mo")
        .unwrap();
    let hotfix = d.plan(None, true);
    let ana = d.sign_in("ana");
    let cal = d.mrv.release_calendar(&ana, 4).unwrap();
    assert_eq!(cal.weeks.len(), 4);
    assert_eq!(cal.weeks[0].week, this_week);
    assert_eq!(cal.weeks[0].captain.as_deref(), Some("mo"));
    assert!(cal.weeks[1..].iter().all(|w| w.captain.is_none()));
    assert_eq!(cal.weeks[0].hotfixes.len(), 1);
    assert_eq!(cal.weeks[0].hotfixes[0].tag, hotfix.tag);
    for w in &cal.weeks {
        assert_eq!(w.slots.len(), 5, "{w:?}");
        assert!(w.slots.iter().all(|s| s.slot_at.ends_with("T14:00:00Z")));
    }
    let with_release: Vec<_> = cal
        .weeks
        .iter()
        .flat_map(|w| &w.slots)
        .filter(|s| !s.releases.is_empty())
        .collect();
    assert_eq!(with_release.len(), 1);
    assert_eq!(with_release[0].slot_at, planned.slot_at);
    assert_eq!(with_release[0].releases[0].tag, planned.tag);
    assert!(!with_release[0].past);
    refused(
        d.mrv.release_calendar(&ana, 0),
        ErrorCode::InvalidInput,
        "--weeks",
    );
    assert_eq!(d.mrv.release_rota(&ana, 4).unwrap().len(), 1);
}

#[test]
fn steps_out_of_order_are_refused_and_promotion_names_what_is_missing() {
    let mut d = demo();
    let r = d.plan(Some("2030-01-07"), false);
    let offers: Vec<&str> = r.offers.iter().map(|o| o.step.as_str()).collect();
    assert_eq!(offers, ["soak", "monitor"]);
    assert!(!r.offers[1].enabled, "no audit log connected");
    refused(
        d.mrv.promote_release(&d.oscar, r.id),
        ErrorCode::Conflict,
        "a release that is planned cannot promote; promote needs a release that is soaking",
    );
    refused(
        d.mrv.close_release(&d.oscar, r.id),
        ErrorCode::Conflict,
        "cannot close",
    );
    refused(
        d.mrv.end_release_watch(&d.oscar, r.id),
        ErrorCode::Conflict,
        "cannot watch-end",
    );
    refused(
        d.mrv.soak_release(&d.oscar, 99),
        ErrorCode::NotFound,
        "release 99 does not exist",
    );
    let soaking = d.mrv.soak_release(&d.oscar, r.id).unwrap();
    assert_eq!(soaking.state, "soaking");
    assert_eq!(soaking.clocks.len(), 1);
    let soak = &soaking.clocks[0];
    assert_eq!(soak.name, "staging soak");
    assert_eq!(soak.state.as_str(), "running");
    assert!(
        (1795..=1800).contains(&soak.remaining_seconds.unwrap()),
        "{soak:?}"
    );
    refused(
        d.mrv.soak_release(&d.oscar, r.id),
        ErrorCode::Conflict,
        "cannot soak",
    );
    // Both things missing are named.
    let e = d.mrv.promote_release(&d.oscar, r.id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    let text = e.to_string();
    assert!(text.contains("cannot be promoted yet"), "{text}");
    assert!(
        text.contains("the staging soak has 29m") || text.contains("the staging soak has 30m"),
        "{text}"
    );
    assert!(
        text.contains("no green synthetic-monitor run since the soak started"),
        "{text}"
    );
    let promote = soaking.offers.iter().find(|o| o.step == "promote").unwrap();
    assert!(!promote.enabled);
    assert!(promote
        .reason
        .as_deref()
        .unwrap()
        .contains("no green synthetic-monitor run"));
    // The monitor needs an audit log.
    refused(
        d.mrv.run_release_monitor(&d.oscar, r.id),
        ErrorCode::Conflict,
        "not connected to an audit log",
    );
    // The soak over (its start moved back 31 minutes), only the monitor is missing.
    let db = d.db();
    let start: String = db
        .query_row(
            "SELECT soak_started_at FROM release WHERE id = ?1",
            [r.id],
            |r| r.get(0),
        )
        .unwrap();
    let earlier = parse_instant(&start).unwrap().unix_seconds() - 31 * 60;
    db.execute(
        "UPDATE release SET soak_started_at = ?2 WHERE id = ?1",
        rusqlite::params![
            r.id,
            mrv_core::Timestamp::from_unix_seconds(earlier).to_string()
        ],
    )
    .unwrap();
    let e = d
        .mrv
        .promote_release(&d.oscar, r.id)
        .unwrap_err()
        .to_string();
    assert!(!e.contains("left"), "{e}");
    assert!(e.contains("no green synthetic-monitor run"), "{e}");
    let view = d.mrv.release(&d.oscar, r.id).unwrap();
    assert_eq!(view.clocks[0].state.as_str(), "overdue");
    assert_eq!(view.promotion_blockers.len(), 1);
    assert_eq!(d.journal_count("release.soak"), 1);
    assert_eq!(d.journal_count("release.promote"), 0);
    let check = d.mrv.verify_journal(&d.oscar).unwrap();
    assert!(check.ok, "{}", check.message);
}

#[test]
fn rollback_is_the_captains_call_or_an_ops_admins_without_one() {
    let mut d = demo();
    d.mrv
        .set_release_captain(&d.oscar, "2030-W02", "vera")
        .unwrap();
    let with_captain = d.plan(Some("2030-01-07"), false);
    let without = d.plan(Some("2030-01-14"), false);
    let vera = d.sign_in("vera");
    let ana = d.sign_in("ana");
    refused(
        d.mrv.roll_back_release(&vera, with_captain.id, "bad"),
        ErrorCode::Conflict,
        "a release that is planned cannot rollback",
    );
    d.mrv.soak_release(&d.oscar, with_captain.id).unwrap();
    d.mrv.soak_release(&d.oscar, without.id).unwrap();
    // Offered to the captain (a verifier), not to the ops admin.
    let as_vera = d.mrv.release(&vera, with_captain.id).unwrap();
    let steps: Vec<&str> = as_vera.offers.iter().map(|o| o.step.as_str()).collect();
    assert_eq!(steps, ["rollback"]);
    let as_oscar = d.mrv.release(&d.oscar, with_captain.id).unwrap();
    assert!(as_oscar.offers.iter().all(|o| o.step != "rollback"));
    refused(
        d.mrv
            .roll_back_release(&d.oscar, with_captain.id, "errors up"),
        ErrorCode::Forbidden,
        "only vera, the release captain of 2030-W02, may roll this release back",
    );
    refused(
        d.mrv.roll_back_release(&vera, with_captain.id, "  "),
        ErrorCode::InvalidInput,
        "--reason",
    );
    let back = d
        .mrv
        .roll_back_release(&vera, with_captain.id, "error rate doubled")
        .unwrap();
    assert_eq!(back.state, "rolled_back");
    assert_eq!(back.rolled_back_by.as_deref(), Some("vera"));
    assert_eq!(back.rollback_reason.as_deref(), Some("error rate doubled"));
    assert_eq!(back.clocks[0].state.as_str(), "met");
    // No captain that week: an ops admin decides, nobody else.
    refused(
        d.mrv.roll_back_release(&ana, without.id, "x"),
        ErrorCode::Forbidden,
        "2030-W03 has no release captain: only an ops admin may roll this release back",
    );
    d.mrv.roll_back_release(&d.oscar, without.id, "x").unwrap();
    assert_eq!(d.journal_count("release.rollback"), 2);
    refused(
        d.mrv.roll_back_release(&d.oscar, without.id, "again"),
        ErrorCode::Conflict,
        "rolled_back cannot rollback",
    );
    // A captain offboarded is no captain: the ops admin takes over.
    let third = d.plan(Some("2030-01-08"), false);
    d.mrv.soak_release(&d.oscar, third.id).unwrap();
    let tess = d.sign_in("tess");
    d.mrv.offboard_user(&tess, "vera").unwrap();
    assert_eq!(d.mrv.release(&d.oscar, third.id).unwrap().captain, None);
    d.mrv
        .roll_back_release(&d.oscar, third.id, "captain left")
        .unwrap();
    assert!(d.mrv.release_changelog(&d.oscar).unwrap().is_empty());
}
