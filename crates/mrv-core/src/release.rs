//! Releases (SOP-002): weekday 14:00 UTC release slots and hotfixes, the weekly captain rota by
//! ISO week, tags `vYYYY.MM.DD.N`, the release states and their transitions, and the promotion
//! gate (a 30-minute staging soak run out and a green synthetic-monitor run since the soak
//! started). Time is passed in; calendar arithmetic goes through `chrono`.

use crate::clocks::{is_business_day, utc, Clock};
use crate::Timestamp;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The UTC hour of every weekday release slot.
pub const SLOT_HOUR_UTC: u32 = 14;
/// How long a release soaks on staging before it may be promoted.
pub const SOAK_SECONDS: i64 = 30 * 60;
/// How long the RED metrics are watched after a production deploy.
pub const WATCH_SECONDS: i64 = 30 * 60;
/// The soak clock's name.
pub const SOAK_CLOCK: &str = "staging soak";
/// The post-release watch clock's name.
pub const WATCH_CLOCK: &str = "post-release watch";

/// Where a release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    /// Tagged and slotted; nothing deployed yet.
    Planned,
    /// On staging, its soak clock running.
    Soaking,
    /// Promoted to production, its watch clock running.
    Watching,
    /// The 30-minute watch is over; waiting to be closed in the changelog.
    Watched,
    /// Closed: in the changelog.
    Closed,
    /// Rolled back by the captain's decision.
    RolledBack,
}

impl ReleaseState {
    pub const ALL: [ReleaseState; 6] = [
        ReleaseState::Planned,
        ReleaseState::Soaking,
        ReleaseState::Watching,
        ReleaseState::Watched,
        ReleaseState::Closed,
        ReleaseState::RolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Planned => "planned",
            ReleaseState::Soaking => "soaking",
            ReleaseState::Watching => "watching",
            ReleaseState::Watched => "watched",
            ReleaseState::Closed => "closed",
            ReleaseState::RolledBack => "rolled_back",
        }
    }

    pub fn parse(text: &str) -> Result<ReleaseState, String> {
        ReleaseState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("release state `{text}` is unknown"))
    }
}

/// Whether a release was planned into a weekday slot or is a hotfix (any time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseKind {
    Scheduled,
    Hotfix,
}

impl ReleaseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseKind::Scheduled => "scheduled",
            ReleaseKind::Hotfix => "hotfix",
        }
    }

    pub fn parse(text: &str) -> Result<ReleaseKind, String> {
        match text {
            "scheduled" => Ok(ReleaseKind::Scheduled),
            "hotfix" => Ok(ReleaseKind::Hotfix),
            _ => Err(format!("release kind `{text}` is unknown")),
        }
    }
}

/// A step of the release procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseEvent {
    Soak,
    Promote,
    WatchEnd,
    Close,
    Rollback,
}

impl ReleaseEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseEvent::Soak => "soak",
            ReleaseEvent::Promote => "promote",
            ReleaseEvent::WatchEnd => "watch-end",
            ReleaseEvent::Close => "close",
            ReleaseEvent::Rollback => "rollback",
        }
    }

    /// The states this step starts from.
    pub fn from_states(self) -> &'static [ReleaseState] {
        use ReleaseState::*;
        match self {
            ReleaseEvent::Soak => &[Planned],
            ReleaseEvent::Promote => &[Soaking],
            ReleaseEvent::WatchEnd => &[Watching],
            ReleaseEvent::Close => &[Watched],
            ReleaseEvent::Rollback => &[Soaking, Watching],
        }
    }
}

/// A step the release's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a release that is {} cannot {}; {} needs a release that is {}", state.as_str(), event.as_str(), event.as_str(), needs(*event))]
pub struct IllegalReleaseTransition {
    pub state: ReleaseState,
    pub event: ReleaseEvent,
}

fn needs(event: ReleaseEvent) -> String {
    let names: Vec<&str> = event.from_states().iter().map(|s| s.as_str()).collect();
    names.join(" or ")
}

/// The state after `event`, or why the step is refused.
pub fn next_release_state(
    state: ReleaseState,
    event: ReleaseEvent,
) -> Result<ReleaseState, IllegalReleaseTransition> {
    use ReleaseState::*;
    if !event.from_states().contains(&state) {
        return Err(IllegalReleaseTransition { state, event });
    }
    Ok(match event {
        ReleaseEvent::Soak => Soaking,
        ReleaseEvent::Promote => Watching,
        ReleaseEvent::WatchEnd => Watched,
        ReleaseEvent::Close => Closed,
        ReleaseEvent::Rollback => RolledBack,
    })
}

/// The tag of the `n`th release of `date`: `vYYYY.MM.DD.N`.
pub fn release_tag(date: NaiveDate, n: u32) -> String {
    format!(
        "v{:04}.{:02}.{:02}.{n}",
        date.year(),
        date.month(),
        date.day()
    )
}

/// The tag prefix of a date's releases (`vYYYY.MM.DD.`).
pub fn tag_prefix(date: NaiveDate) -> String {
    format!("v{:04}.{:02}.{:02}.", date.year(), date.month(), date.day())
}

/// The next tag for `date`: N is one more than the releases already tagged that date
/// (`existing` may hold every tag; only that date's count).
pub fn propose_tag<'a>(date: NaiveDate, existing: impl IntoIterator<Item = &'a str>) -> String {
    let prefix = tag_prefix(date);
    let taken = existing
        .into_iter()
        .filter(|t| {
            t.strip_prefix(prefix.as_str())
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .count();
    release_tag(date, taken as u32 + 1)
}

/// The release slot of a weekday date: 14:00 UTC.
pub fn slot_of(date: NaiveDate) -> Timestamp {
    let time = NaiveTime::from_hms_opt(SLOT_HOUR_UTC, 0, 0).expect("a valid hour");
    Timestamp::from_unix_seconds(date.and_time(time).and_utc().timestamp())
}

/// The first weekday on or after `date`.
pub fn weekday_on_or_after(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    while !is_business_day(day) {
        day += Duration::days(1);
    }
    day
}

/// The first slot on or after the date `date` (its own 14:00 when it is a weekday).
pub fn slot_on_or_after_date(date: NaiveDate) -> Timestamp {
    slot_of(weekday_on_or_after(date))
}

/// The next slot at or after the instant `now` (a Friday after 14:00 gives Monday's).
pub fn next_slot(now: Timestamp) -> Timestamp {
    let Some(dt) = utc(now) else { return now };
    let today = slot_on_or_after_date(dt.date_naive());
    if today >= now {
        return today;
    }
    slot_on_or_after_date(dt.date_naive() + Duration::days(1))
}

/// The UTC date of an instant (the epoch when out of chrono's range).
pub fn utc_date(ts: Timestamp) -> NaiveDate {
    utc(ts).map_or(NaiveDate::default(), |d| d.date_naive())
}

/// Parses an RFC 3339 instant as stored (`2026-12-02T14:00:00Z`).
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| Timestamp::from_unix_seconds(d.timestamp()))
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2026-12-02 (YYYY-MM-DD)"))
}

/// The ISO week of a date, as `YYYY-Www` (2026-12-31 is in `2026-W53`, 2027-01-01 too).
pub fn iso_week(date: NaiveDate) -> String {
    let w = date.iso_week();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// Parses `YYYY-Www` to the Monday of that ISO week; a week the year does not have (W53 of a
/// 52-week year) is refused.
pub fn parse_iso_week(text: &str) -> Result<NaiveDate, String> {
    let bad = || format!("`{text}` is not an ISO week like 2026-W49 (YYYY-Www)");
    let (year, week) = text.split_once("-W").ok_or_else(bad)?;
    if year.len() != 4 || week.len() != 2 {
        return Err(bad());
    }
    let year: i32 = year.parse().map_err(|_| bad())?;
    let week: u32 = week.parse().map_err(|_| bad())?;
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
        .ok_or_else(|| format!("{year} has no ISO week {week:02}"))
}

/// The weekday slots of `weeks` ISO weeks, from the Monday of the week holding `now`.
pub fn calendar_slots(now: Timestamp, weeks: u32) -> Vec<Timestamp> {
    let today = utc_date(now);
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    (0..i64::from(weeks) * 7)
        .map(|d| monday + Duration::days(d))
        .filter(|d| is_business_day(*d))
        .map(slot_of)
        .collect()
}

/// The staging soak clock of a soak started at `started_at`.
pub fn soak_clock(started_at: Timestamp) -> Clock {
    Clock::new(SOAK_CLOCK, started_at, SOAK_SECONDS)
}

/// The post-release watch clock of a promotion at `promoted_at`.
pub fn watch_clock(promoted_at: Timestamp) -> Clock {
    Clock::new(WATCH_CLOCK, promoted_at, WATCH_SECONDS)
}

/// The latest synthetic-monitor run since the soak started, as the gate sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorOutcome {
    pub at: Timestamp,
    pub green: bool,
    /// What failed, for a red run.
    pub failure: Option<String>,
}

fn minutes_seconds(s: i64) -> String {
    format!("{}m {:02}s", s / 60, s % 60)
}

/// What still blocks promoting a soaking release at `now`, in words (empty: it may be
/// promoted). The soak must have run its full 30 minutes (`now` at or after its due time) and
/// the last synthetic-monitor run since the soak started must be green; `runs` are the
/// release's runs in any order.
pub fn promotion_blockers(soak: &Clock, runs: &[MonitorOutcome], now: Timestamp) -> Vec<String> {
    let mut blockers = Vec::new();
    let left = soak.due_at.unix_seconds() - now.unix_seconds();
    if left > 0 {
        blockers.push(format!(
            "the staging soak has {} left (it ends at {})",
            minutes_seconds(left),
            soak.due_at
        ));
    }
    let last = runs
        .iter()
        .filter(|r| r.at >= soak.started_at)
        .max_by_key(|r| r.at);
    match last {
        None => blockers.push(format!(
            "no green synthetic-monitor run since the soak started at {}",
            soak.started_at
        )),
        Some(r) if !r.green => blockers.push(format!(
            "the last synthetic-monitor run (at {}) was red: {}",
            r.at,
            r.failure.as_deref().unwrap_or("it failed")
        )),
        Some(_) => {}
    }
    blockers
}

/// Why ending the watch at `now` is refused (none: it may end).
pub fn watch_end_blocker(watch: &Clock, now: Timestamp) -> Option<String> {
    let left = watch.due_at.unix_seconds() - now.unix_seconds();
    (left > 0).then(|| {
        format!(
            "the post-release watch has {} left (it ends at {}): keep watching the RED metrics dashboard",
            minutes_seconds(left),
            watch.due_at
        )
    })
}

/// Who may roll a release back: the captain of its week when the week has an active captain
/// (whatever their roles: the SOP gives them the rollback decision, and nobody else); when it
/// has none, an ops admin (`manages_releases`).
pub fn may_roll_back(
    user: &str,
    manages_releases: bool,
    captain: Option<&str>,
    week: &str,
) -> Result<(), String> {
    match captain {
        Some(c) if c == user => Ok(()),
        Some(c) => Err(format!(
            "only {c}, the release captain of {week}, may roll this release back"
        )),
        None if manages_releases => Ok(()),
        None => Err(format!(
            "{week} has no release captain: only an ops admin may roll this release back"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(text: &str) -> Timestamp {
        Timestamp::from_unix_seconds(
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc)
                .timestamp(),
        )
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn tags_count_up_per_date() {
        let date = d(2026, 12, 2);
        assert_eq!(propose_tag(date, []), "v2026.12.02.1");
        let existing = ["v2026.12.02.1", "v2026.12.01.1", "v2026.12.01.2"];
        assert_eq!(propose_tag(date, existing), "v2026.12.02.2");
        assert_eq!(propose_tag(d(2026, 12, 1), existing), "v2026.12.01.3");
        assert_eq!(propose_tag(d(2026, 12, 3), existing), "v2026.12.03.1");
        // Another date's prefix-alike never counts.
        assert_eq!(propose_tag(date, ["v2026.12.02.1x"]), "v2026.12.02.1");
    }

    #[test]
    fn slots_are_weekdays_at_14_utc() {
        // Wednesday before, at and after 14:00.
        assert_eq!(
            next_slot(at("2026-12-02T09:00:00Z")),
            at("2026-12-02T14:00:00Z")
        );
        assert_eq!(
            next_slot(at("2026-12-02T14:00:00Z")),
            at("2026-12-02T14:00:00Z")
        );
        assert_eq!(
            next_slot(at("2026-12-02T14:00:01Z")),
            at("2026-12-03T14:00:00Z")
        );
        // A Friday after 14:00 → Monday; Saturday and Sunday are skipped.
        assert_eq!(
            next_slot(at("2026-12-04T15:30:00Z")),
            at("2026-12-07T14:00:00Z")
        );
        assert_eq!(
            next_slot(at("2026-12-05T08:00:00Z")),
            at("2026-12-07T14:00:00Z")
        );
        assert_eq!(
            slot_on_or_after_date(d(2026, 12, 6)),
            at("2026-12-07T14:00:00Z")
        );
        // Across the year end: Thursday 31st, Friday 1st, then Monday 4th.
        assert_eq!(
            next_slot(at("2026-12-31T20:00:00Z")),
            at("2027-01-01T14:00:00Z")
        );
        assert_eq!(
            next_slot(at("2027-01-01T14:00:01Z")),
            at("2027-01-04T14:00:00Z")
        );
    }

    #[test]
    fn iso_weeks_at_a_year_end() {
        assert_eq!(iso_week(d(2026, 12, 31)), "2026-W53");
        assert_eq!(iso_week(d(2027, 1, 3)), "2026-W53");
        assert_eq!(iso_week(d(2027, 1, 4)), "2027-W01");
        assert_eq!(iso_week(d(2024, 12, 30)), "2025-W01");
        assert_eq!(parse_iso_week("2026-W53"), Ok(d(2026, 12, 28)));
        assert_eq!(parse_iso_week("2025-W01"), Ok(d(2024, 12, 30)));
        assert_eq!(
            parse_iso_week("2027-W53").unwrap_err(),
            "2027 has no ISO week 53"
        );
        for bad in ["2026-53", "2026-W5", "26-W05", "2026-Wxx", ""] {
            assert!(parse_iso_week(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_calendar_holds_weekday_slots_from_this_monday() {
        let slots = calendar_slots(at("2026-12-02T10:00:00Z"), 4);
        assert_eq!(slots.len(), 20);
        assert_eq!(slots[0], at("2026-11-30T14:00:00Z"));
        assert_eq!(slots[4], at("2026-12-04T14:00:00Z"));
        assert_eq!(slots[5], at("2026-12-07T14:00:00Z"));
        assert_eq!(slots[19], at("2026-12-25T14:00:00Z"));
        assert!(slots.iter().all(|s| is_business_day(utc_date(*s))
            && utc(*s).unwrap().format("%H:%M").to_string() == "14:00"));
    }

    #[test]
    fn transitions_follow_the_procedure_and_refuse_the_rest() {
        use ReleaseEvent::*;
        use ReleaseState::*;
        let mut s = Planned;
        for (e, want) in [
            (Soak, Soaking),
            (Promote, Watching),
            (WatchEnd, Watched),
            (Close, Closed),
        ] {
            s = next_release_state(s, e).unwrap();
            assert_eq!(s, want);
        }
        assert_eq!(next_release_state(Soaking, Rollback), Ok(RolledBack));
        assert_eq!(next_release_state(Watching, Rollback), Ok(RolledBack));
        for (state, event) in [
            (Planned, Promote),
            (Planned, Rollback),
            (Planned, Close),
            (Soaking, Soak),
            (Soaking, Close),
            (Watching, Close),
            (Watched, Rollback),
            (Closed, Rollback),
            (Closed, Soak),
            (RolledBack, Promote),
        ] {
            assert!(
                next_release_state(state, event).is_err(),
                "{state:?} {event:?}"
            );
        }
        assert_eq!(
            next_release_state(Planned, Promote)
                .unwrap_err()
                .to_string(),
            "a release that is planned cannot promote; promote needs a release that is soaking"
        );
        for s in ReleaseState::ALL {
            assert_eq!(ReleaseState::parse(s.as_str()), Ok(s));
        }
    }

    #[test]
    fn promotion_waits_for_the_whole_soak_and_a_green_run() {
        let start = at("2026-12-02T14:00:00Z");
        let soak = soak_clock(start);
        assert_eq!(soak.due_at, at("2026-12-02T14:30:00Z"));
        let green = MonitorOutcome {
            at: at("2026-12-02T14:10:00Z"),
            green: true,
            failure: None,
        };
        // One second before the end: refused, naming the time left.
        let b = promotion_blockers(
            &soak,
            std::slice::from_ref(&green),
            at("2026-12-02T14:29:59Z"),
        );
        assert_eq!(
            b,
            vec!["the staging soak has 0m 01s left (it ends at 2026-12-02T14:30:00Z)".to_owned()]
        );
        // At its end, with a green run: allowed.
        assert!(promotion_blockers(&soak, std::slice::from_ref(&green), soak.due_at).is_empty());
        assert!(promotion_blockers(
            &soak,
            std::slice::from_ref(&green),
            at("2026-12-02T15:00:00Z")
        )
        .is_empty());
        // No run, or only one from before the soak started: refused.
        let before = MonitorOutcome {
            at: at("2026-12-02T13:59:59Z"),
            ..green.clone()
        };
        for runs in [vec![], vec![before]] {
            assert_eq!(
                promotion_blockers(&soak, &runs, soak.due_at),
                vec![
                    "no green synthetic-monitor run since the soak started at 2026-12-02T14:00:00Z"
                        .to_owned()
                ]
            );
        }
        // A red run after the green one blocks again; both blockers are named together.
        let red = MonitorOutcome {
            at: at("2026-12-02T14:20:00Z"),
            green: false,
            failure: Some("the audit log did not answer".into()),
        };
        let b = promotion_blockers(
            &soak,
            &[red.clone(), green.clone()],
            at("2026-12-02T14:25:00Z"),
        );
        assert_eq!(b.len(), 2);
        assert!(b[0].contains("5m 00s left"));
        assert!(b[1].contains("was red: the audit log did not answer"));
        let later_green = MonitorOutcome {
            at: at("2026-12-02T14:21:00Z"),
            ..green
        };
        assert!(promotion_blockers(&soak, &[red, later_green], soak.due_at).is_empty());
    }

    #[test]
    fn the_watch_ends_after_30_minutes() {
        let w = watch_clock(at("2026-12-02T15:00:00Z"));
        assert!(watch_end_blocker(&w, at("2026-12-02T15:29:59Z"))
            .unwrap()
            .contains("0m 01s left"));
        assert_eq!(watch_end_blocker(&w, at("2026-12-02T15:30:00Z")), None);
    }

    #[test]
    fn rollback_is_the_captains_call_or_an_ops_admins_without_one() {
        assert!(may_roll_back("cara", false, Some("cara"), "2026-W49").is_ok());
        assert_eq!(
            may_roll_back("oscar", true, Some("cara"), "2026-W49").unwrap_err(),
            "only cara, the release captain of 2026-W49, may roll this release back"
        );
        assert!(may_roll_back("oscar", true, None, "2026-W49").is_ok());
        assert!(may_roll_back("ana", false, None, "2026-W49").is_err());
    }
}
