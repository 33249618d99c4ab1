//! The clocks of the operating procedures (SOP-002 releases, SOP-003 incidents, SOP-006 access):
//! a named deadline started at one instant and due at another, and its state at a time passed
//! in — the core never reads the wall clock. Calendar arithmetic (business days, UTC dates) goes
//! through `chrono`.

use crate::Timestamp;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Not met yet and not due yet (at its due second it is still running).
    Running,
    /// What it waited for happened (in time or not: see [`Clock::met_late`]).
    Met,
    /// Not met, and past its due time.
    Overdue,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Met => "met",
            ClockState::Overdue => "overdue",
        }
    }
}

impl std::fmt::Display for ClockState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A named deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// What it waits for, e.g. `incident commander assigned`.
    pub name: String,
    pub started_at: Timestamp,
    pub due_at: Timestamp,
    /// When what it waits for happened; none while it has not.
    pub met_at: Option<Timestamp>,
}

impl Clock {
    /// A clock started at `started_at`, due `within_seconds` later.
    pub fn new(name: &str, started_at: Timestamp, within_seconds: i64) -> Clock {
        Clock {
            name: name.to_owned(),
            started_at,
            due_at: Timestamp::from_unix_seconds(started_at.unix_seconds() + within_seconds),
            met_at: None,
        }
    }

    /// The same clock, met at `at`.
    pub fn met(mut self, at: Option<Timestamp>) -> Clock {
        self.met_at = at;
        self
    }

    /// Its state at `now`: met once met; otherwise running up to and including its due
    /// second, overdue from the second after.
    pub fn state(&self, now: Timestamp) -> ClockState {
        match self.met_at {
            Some(_) => ClockState::Met,
            None if now <= self.due_at => ClockState::Running,
            None => ClockState::Overdue,
        }
    }

    /// Seconds left at `now` (negative once overdue); none once met.
    pub fn remaining_seconds(&self, now: Timestamp) -> Option<i64> {
        match self.met_at {
            Some(_) => None,
            None => Some(self.due_at.unix_seconds() - now.unix_seconds()),
        }
    }

    /// Whether it was met after its due time.
    pub fn met_late(&self) -> bool {
        self.met_at.is_some_and(|m| m > self.due_at)
    }
}

/// The UTC date-time of a timestamp (none outside chrono's range).
pub fn utc(ts: Timestamp) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(ts.unix_seconds(), 0)
}

fn from_utc(dt: DateTime<Utc>) -> Timestamp {
    Timestamp::from_unix_seconds(dt.timestamp())
}

/// Whether a date is a business day (Monday to Friday; public holidays are not modelled).
pub fn is_business_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The date `n` business days after `date` (weekends skipped; `n = 0` is `date` itself).
pub fn add_business_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut day = date;
    let mut left = n;
    while left > 0 {
        day += Duration::days(1);
        if is_business_day(day) {
            left -= 1;
        }
    }
    day
}

/// The instant `n` business days after `ts`, at the same UTC time of day (a postmortem due five
/// business days after an incident was resolved). `ts` itself is returned when it is out of
/// chrono's range.
pub fn business_days_after(ts: Timestamp, n: u32) -> Timestamp {
    let Some(dt) = utc(ts) else { return ts };
    let date = add_business_days(dt.date_naive(), n);
    from_utc(date.and_time(dt.time()).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        from_utc(
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn a_clock_runs_through_its_due_second_and_is_overdue_one_second_later() {
        let c = Clock::new("commander assigned", at("2026-12-02T10:00:00Z"), 300);
        assert_eq!(c.due_at, at("2026-12-02T10:05:00Z"));
        assert_eq!(c.state(at("2026-12-02T10:04:59Z")), ClockState::Running);
        assert_eq!(c.state(at("2026-12-02T10:05:00Z")), ClockState::Running);
        assert_eq!(c.state(at("2026-12-02T10:05:01Z")), ClockState::Overdue);
        assert_eq!(c.remaining_seconds(at("2026-12-02T10:05:01Z")), Some(-1));
        let met = c.clone().met(Some(at("2026-12-02T10:06:00Z")));
        assert_eq!(met.state(at("2026-12-03T00:00:00Z")), ClockState::Met);
        assert!(met.met_late());
        assert!(!c.met(Some(at("2026-12-02T10:05:00Z"))).met_late());
    }

    #[test]
    fn business_days_skip_weekends_across_month_and_year_ends() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // Friday + 5 = next Friday; Saturday and Sunday count from Monday.
        assert_eq!(add_business_days(d(2026, 11, 27), 5), d(2026, 12, 4));
        assert_eq!(add_business_days(d(2026, 11, 28), 5), d(2026, 12, 4));
        assert_eq!(add_business_days(d(2026, 11, 29), 1), d(2026, 11, 30));
        // Month end, year end (2026-12-31 is a Thursday), a leap February.
        assert_eq!(add_business_days(d(2026, 12, 31), 1), d(2027, 1, 1));
        assert_eq!(add_business_days(d(2026, 12, 31), 2), d(2027, 1, 4));
        assert_eq!(add_business_days(d(2028, 2, 28), 1), d(2028, 2, 29));
        assert_eq!(add_business_days(d(2026, 12, 2), 0), d(2026, 12, 2));
        assert_eq!(
            business_days_after(at("2026-12-04T16:30:00Z"), 5),
            at("2026-12-11T16:30:00Z")
        );
    }
}
