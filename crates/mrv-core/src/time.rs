//! UTC timestamps. The clock is read by callers (`mrv-app`); this module only formats.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A UTC instant with second precision, shown as RFC 3339 (`2026-11-27T09:46:57Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_unix_seconds(seconds: i64) -> Timestamp {
        Timestamp(seconds)
    }

    pub fn unix_seconds(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match chrono::DateTime::<chrono::Utc>::from_timestamp(self.0, 0) {
            Some(dt) => write!(f, "{}", dt.format("%Y-%m-%dT%H:%M:%SZ")),
            // Beyond chrono's ±262,000 years: no clock or file gives such an instant.
            None => write!(f, "@{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants_format_as_rfc3339() {
        assert_eq!(Timestamp(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(951_782_400).to_string(), "2000-02-29T00:00:00Z");
        assert_eq!(Timestamp(1_795_772_817).to_string(), "2026-11-27T09:46:57Z");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59Z");
    }

    proptest! {
        #[test]
        fn every_instant_formats_as_rfc3339_and_parses_back(seconds in -10_000_000_000i64..10_000_000_000) {
            let text = Timestamp(seconds).to_string();
            let back = chrono::DateTime::parse_from_rfc3339(&text).unwrap();
            prop_assert_eq!(back.timestamp(), seconds);
        }
    }
}
