//! The one transport shape of the procedures' clocks (incidents, access revocations,
//! releases), computed by `mrv_app` when the command ran; desks count them down from there.

use serde::Serialize;
use specta::Type;

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ClockStateDto {
    /// Not met and not past its due second.
    Running,
    /// What it waited for happened.
    Met,
    /// Not met, past its due time.
    Overdue,
}

/// A procedure clock.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ClockDto {
    /// e.g. `commander_assigned`, `revocation applied`, `staging soak`.
    pub name: String,
    /// What it waits for, in words.
    pub label: String,
    pub started_at: String,
    pub due_at: String,
    pub met_at: Option<String>,
    pub state: ClockStateDto,
    /// Seconds left when computed (negative once overdue); none once met.
    pub remaining_seconds: Option<i64>,
    /// Met, but after its due time.
    pub met_late: bool,
}

impl From<mrv_app::ClockView> for ClockDto {
    fn from(c: mrv_app::ClockView) -> Self {
        use mrv_app::ClockState as S;
        ClockDto {
            name: c.name,
            label: c.label,
            started_at: c.started_at,
            due_at: c.due_at,
            met_at: c.met_at,
            state: match c.state {
                S::Running => ClockStateDto::Running,
                S::Met => ClockStateDto::Met,
                S::Overdue => ClockStateDto::Overdue,
            },
            remaining_seconds: c.remaining_seconds,
            met_late: c.met_late,
        }
    }
}
