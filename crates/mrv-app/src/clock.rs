//! The one place that reads the wall clock (the core is handed the time), and the one shape in
//! which the procedures' clocks (incidents, access revocations, releases) reach front ends.

use mrv_core::clocks::{Clock, ClockState};
use mrv_core::Timestamp;
use serde::Serialize;

/// A procedure clock as front ends show it, computed at the time of the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockView {
    /// Its name, e.g. `commander_assigned`, `revocation applied`, `staging soak`.
    pub name: String,
    /// What it waits for, in words.
    pub label: String,
    pub started_at: String,
    pub due_at: String,
    pub met_at: Option<String>,
    pub state: ClockState,
    /// Seconds left (negative once overdue); none once met.
    pub remaining_seconds: Option<i64>,
    /// Met, but after its due time.
    pub met_late: bool,
}

impl ClockView {
    pub(crate) fn of(c: &Clock, label: &str, now: Timestamp) -> ClockView {
        ClockView {
            name: c.name.clone(),
            label: label.to_owned(),
            started_at: c.started_at.to_string(),
            due_at: c.due_at.to_string(),
            met_at: c.met_at.map(|t| t.to_string()),
            state: c.state(now),
            remaining_seconds: c.remaining_seconds(now),
            met_late: c.met_late(),
        }
    }
}

pub(crate) fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_unix_seconds(seconds)
}
