//! Calendar dates (ISO 8601 `YYYY-MM-DD`, proleptic Gregorian) and monitoring periods.
//!
//! Dates are parsed strictly: measurement files feed registry issuances, so `2025-2-3` or
//! `03/02/2025` are errors, not guesses.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date without time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    year: u16,
    month: u8,
    day: u8,
}

impl CalendarDate {
    pub fn new(year: u16, month: u8, day: u8) -> Option<CalendarDate> {
        chrono::NaiveDate::from_ymd_opt(year.into(), month.into(), day.into())?;
        Some(CalendarDate { year, month, day })
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<CalendarDate> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u16> {
            b[range].iter().try_fold(0u16, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0'))
            })
        };
        let year = digits(0..4)?;
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        CalendarDate::new(year, month, day)
    }

    pub fn year(self) -> u16 {
        self.year
    }

    /// The same date as chrono's.
    pub fn naive(self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.year.into(), self.month.into(), self.day.into())
            .expect("a CalendarDate is a valid date")
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        (self.naive() - chrono::NaiveDate::default()).num_days()
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CalendarDate::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a YYYY-MM-DD date")))
    }
}

/// An inclusive monitoring period `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringPeriod {
    pub start: CalendarDate,
    pub end: CalendarDate,
}

impl MonitoringPeriod {
    pub fn new(start: CalendarDate, end: CalendarDate) -> Result<MonitoringPeriod, String> {
        if end < start {
            return Err(format!(
                "the period ends ({end}) before it starts ({start})"
            ));
        }
        Ok(MonitoringPeriod { start, end })
    }

    /// Parses `YYYY-MM-DD..YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<MonitoringPeriod, String> {
        let (start, end) = text.split_once("..").ok_or_else(|| {
            format!("`{text}` is not a period; write START..END, e.g. 2025-01-01..2025-12-31")
        })?;
        let start = CalendarDate::parse(start.trim())
            .ok_or_else(|| format!("period start `{start}` is not a YYYY-MM-DD date"))?;
        let end = CalendarDate::parse(end.trim())
            .ok_or_else(|| format!("period end `{end}` is not a YYYY-MM-DD date"))?;
        MonitoringPeriod::new(start, end)
    }

    pub fn contains(&self, date: CalendarDate) -> bool {
        self.start <= date && date <= self.end
    }
}

impl fmt::Display for MonitoringPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_date(text: &str, expected: Option<&str>) {
        assert_eq!(
            CalendarDate::parse(text).map(|d| d.to_string()).as_deref(),
            expected,
            "{text}"
        );
    }

    #[test]
    fn dates_parse_strictly() {
        check_date("2025-03-02", Some("2025-03-02"));
        check_date("2024-02-29", Some("2024-02-29"));
        check_date("2000-02-29", Some("2000-02-29"));
        check_date("1900-02-29", None);
        check_date("2025-02-29", None);
        check_date("2025-13-01", None);
        check_date("2025-00-10", None);
        check_date("2025-04-31", None);
        check_date("2025-2-03", None);
        check_date("03/02/2025", None);
        check_date("2025-03-02T00:00", None);
        check_date("", None);
        check_date("２０２５-03-02", None);
    }

    #[test]
    fn periods_parse_and_contain_their_ends() {
        let p = MonitoringPeriod::parse("2025-01-01..2025-12-31").unwrap();
        assert!(p.contains(CalendarDate::parse("2025-01-01").unwrap()));
        assert!(p.contains(CalendarDate::parse("2025-12-31").unwrap()));
        assert!(!p.contains(CalendarDate::parse("2026-01-01").unwrap()));
        assert!(MonitoringPeriod::parse("2025-12-31..2025-01-01")
            .unwrap_err()
            .contains("before it starts"));
        assert!(MonitoringPeriod::parse("2025")
            .unwrap_err()
            .contains("START..END"));
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(y in 1u16..9999, m in 1u8..=12, d in 1u8..=31) {
            if let Some(date) = CalendarDate::new(y, m, d) {
                prop_assert_eq!(CalendarDate::parse(&date.to_string()), Some(date));
            }
        }
    }
}
