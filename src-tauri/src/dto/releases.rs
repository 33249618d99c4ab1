//! Transport types of releases (SOP-002), converted from `mrv_app::releases`' views. Clocks are
//! computed by `mrv_app` at `now`; the desk counts them down live from there.

use super::ClockDto;
use serde::{Deserialize, Serialize};
use specta::Type;

/// One synthetic-monitor run against the audit log.
#[derive(Debug, Clone, Serialize, Type)]
pub struct MonitorRunDto {
    pub id: i64,
    pub release_id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: i64,
    pub green: bool,
    pub log_url: String,
    pub checkpoint_size: Option<i64>,
    /// What failed (a red run).
    pub failure: Option<String>,
    pub run_by: String,
}

impl From<mrv_app::MonitorRunView> for MonitorRunDto {
    fn from(r: mrv_app::MonitorRunView) -> Self {
        MonitorRunDto {
            id: r.id,
            release_id: r.release_id,
            started_at: r.started_at,
            finished_at: r.finished_at,
            duration_ms: r.duration_ms,
            green: r.green,
            log_url: r.log_url,
            checkpoint_size: r.checkpoint_size,
            failure: r.failure,
            run_by: r.run_by,
        }
    }
}

/// A step the signed-in user may take now; `enabled` false with the `reason` while blocked.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReleaseOfferDto {
    /// `soak`, `monitor`, `promote`, `watch_end`, `close` or `rollback`.
    pub step: String,
    pub enabled: bool,
    pub reason: Option<String>,
}

impl From<mrv_app::ReleaseOffer> for ReleaseOfferDto {
    fn from(o: mrv_app::ReleaseOffer) -> Self {
        ReleaseOfferDto {
            step: o.step,
            enabled: o.enabled,
            reason: o.reason,
        }
    }
}

/// A release with its clocks, monitor runs and the steps on offer.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReleaseDto {
    pub id: i64,
    pub tag: String,
    /// `scheduled` or `hotfix`.
    pub kind: String,
    pub slot_at: String,
    pub week: String,
    pub captain: Option<String>,
    pub notes: String,
    /// `planned`, `soaking`, `watching`, `watched`, `closed` or `rolled_back`.
    pub state: String,
    pub planned_by: String,
    pub planned_at: String,
    pub soak_started_at: Option<String>,
    pub promoted_at: Option<String>,
    pub watch_ended_at: Option<String>,
    pub closed_at: Option<String>,
    pub rolled_back_at: Option<String>,
    pub rolled_back_by: Option<String>,
    pub rollback_reason: Option<String>,
    pub clocks: Vec<ClockDto>,
    pub monitor_runs: Vec<MonitorRunDto>,
    pub promotion_blockers: Vec<String>,
    pub offers: Vec<ReleaseOfferDto>,
    /// The time the clocks were computed at.
    pub now: String,
}

impl From<mrv_app::ReleaseView> for ReleaseDto {
    fn from(v: mrv_app::ReleaseView) -> Self {
        ReleaseDto {
            id: v.id,
            tag: v.tag,
            kind: v.kind,
            slot_at: v.slot_at,
            week: v.week,
            captain: v.captain,
            notes: v.notes,
            state: v.state,
            planned_by: v.planned_by,
            planned_at: v.planned_at,
            soak_started_at: v.soak_started_at,
            promoted_at: v.promoted_at,
            watch_ended_at: v.watch_ended_at,
            closed_at: v.closed_at,
            rolled_back_at: v.rolled_back_at,
            rolled_back_by: v.rolled_back_by,
            rollback_reason: v.rollback_reason,
            clocks: v.clocks.into_iter().map(Into::into).collect(),
            monitor_runs: v.monitor_runs.into_iter().map(Into::into).collect(),
            promotion_blockers: v.promotion_blockers,
            offers: v.offers.into_iter().map(Into::into).collect(),
            now: v.now,
        }
    }
}

/// A release in a list or a calendar slot.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReleaseSummaryDto {
    pub id: i64,
    pub tag: String,
    pub kind: String,
    pub slot_at: String,
    pub state: String,
}

impl From<mrv_app::ReleaseSummary> for ReleaseSummaryDto {
    fn from(r: mrv_app::ReleaseSummary) -> Self {
        ReleaseSummaryDto {
            id: r.id,
            tag: r.tag,
            kind: r.kind,
            slot_at: r.slot_at,
            state: r.state,
        }
    }
}

/// One weekday 14:00 UTC slot.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CalendarSlotDto {
    pub slot_at: String,
    pub past: bool,
    pub releases: Vec<ReleaseSummaryDto>,
}

/// One ISO week of the calendar.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CalendarWeekDto {
    pub week: String,
    pub captain: Option<String>,
    pub slots: Vec<CalendarSlotDto>,
    pub hotfixes: Vec<ReleaseSummaryDto>,
}

/// The release calendar from the current ISO week on.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReleaseCalendarDto {
    pub now: String,
    pub weeks: Vec<CalendarWeekDto>,
}

impl From<mrv_app::ReleaseCalendar> for ReleaseCalendarDto {
    fn from(c: mrv_app::ReleaseCalendar) -> Self {
        ReleaseCalendarDto {
            now: c.now,
            weeks: c
                .weeks
                .into_iter()
                .map(|w| CalendarWeekDto {
                    week: w.week,
                    captain: w.captain,
                    slots: w
                        .slots
                        .into_iter()
                        .map(|s| CalendarSlotDto {
                            slot_at: s.slot_at,
                            past: s.past,
                            releases: s.releases.into_iter().map(Into::into).collect(),
                        })
                        .collect(),
                    hotfixes: w.hotfixes.into_iter().map(Into::into).collect(),
                })
                .collect(),
        }
    }
}

/// One week of the captain rota.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RotaEntryDto {
    pub week: String,
    pub captain: String,
    pub captain_active: bool,
    pub set_by: String,
    pub set_at: String,
}

impl From<mrv_app::RotaEntryView> for RotaEntryDto {
    fn from(r: mrv_app::RotaEntryView) -> Self {
        RotaEntryDto {
            week: r.week,
            captain: r.captain,
            captain_active: r.captain_active,
            set_by: r.set_by,
            set_at: r.set_at,
        }
    }
}

/// A closed release in the changelog.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ChangelogEntryDto {
    pub id: i64,
    pub tag: String,
    pub kind: String,
    pub week: String,
    pub captain: Option<String>,
    pub notes: String,
    pub promoted_at: Option<String>,
    pub closed_at: String,
}

impl From<mrv_app::ChangelogEntry> for ChangelogEntryDto {
    fn from(e: mrv_app::ChangelogEntry) -> Self {
        ChangelogEntryDto {
            id: e.id,
            tag: e.tag,
            kind: e.kind,
            week: e.week,
            captain: e.captain,
            notes: e.notes,
            promoted_at: e.promoted_at,
            closed_at: e.closed_at,
        }
    }
}

/// What planning a release asks for.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct NewReleaseDto {
    /// `YYYY-MM-DD` to plan on or after; none: the next slot from now.
    pub date: Option<String>,
    pub hotfix: bool,
    pub notes: String,
}

impl From<NewReleaseDto> for mrv_app::NewRelease {
    fn from(r: NewReleaseDto) -> Self {
        mrv_app::NewRelease {
            date: r.date,
            hotfix: r.hotfix,
            notes: r.notes,
        }
    }
}
