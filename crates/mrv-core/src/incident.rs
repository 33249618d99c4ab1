//! Incidents (SOP-003, `docs/incidents.md`): severities with the procedure's definitions, the
//! incident state machine `open → resolved → closed`, what may not close an incident, and the
//! procedure's clocks — commander within 5 minutes and a customer update every 30 minutes for
//! SEV-1/SEV-2, a postmortem within 5 business days of resolution — computed at a time passed in.

use crate::clocks::{business_days_after, Clock};
use crate::{CalendarDate, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How bad an incident is (SOP-003).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentSeverity {
    Sev1,
    Sev2,
    Sev3,
}

impl IncidentSeverity {
    pub const ALL: [IncidentSeverity; 3] = [
        IncidentSeverity::Sev1,
        IncidentSeverity::Sev2,
        IncidentSeverity::Sev3,
    ];

    /// The stored name (`incident.severity` CHECK lists exactly these).
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentSeverity::Sev1 => "sev1",
            IncidentSeverity::Sev2 => "sev2",
            IncidentSeverity::Sev3 => "sev3",
        }
    }

    /// 1, 2 or 3.
    pub fn level(self) -> u8 {
        match self {
            IncidentSeverity::Sev1 => 1,
            IncidentSeverity::Sev2 => 2,
            IncidentSeverity::Sev3 => 3,
        }
    }

    /// How the procedure writes it: `SEV-1`.
    pub fn label(self) -> &'static str {
        match self {
            IncidentSeverity::Sev1 => "SEV-1",
            IncidentSeverity::Sev2 => "SEV-2",
            IncidentSeverity::Sev3 => "SEV-3",
        }
    }

    /// What makes an incident this severe (SOP-003's definition).
    pub fn definition(self) -> &'static str {
        match self {
            IncidentSeverity::Sev1 => "Platform down or data loss",
            IncidentSeverity::Sev2 => "Major feature broken for > 5 % of users",
            IncidentSeverity::Sev3 => "Degraded, workaround exists",
        }
    }

    /// Who is called and when (SOP-003).
    pub fn response(self) -> &'static str {
        match self {
            IncidentSeverity::Sev1 => "page on-call, all-hands",
            IncidentSeverity::Sev2 => "page on-call",
            IncidentSeverity::Sev3 => "next business day",
        }
    }

    /// Whether the commander and customer-update clocks run (SEV-1 and SEV-2).
    pub fn is_urgent(self) -> bool {
        matches!(self, IncidentSeverity::Sev1 | IncidentSeverity::Sev2)
    }

    /// `1`, `sev1` or `SEV-1` (any case).
    pub fn parse(text: &str) -> Result<IncidentSeverity, String> {
        let t = text.trim().to_ascii_lowercase();
        IncidentSeverity::ALL
            .into_iter()
            .find(|s| {
                t == s.as_str() || t == s.label().to_ascii_lowercase() || t == s.level().to_string()
            })
            .ok_or_else(|| format!("severity `{text}` is not one of 1, 2, 3 (SEV-1, SEV-2, SEV-3)"))
    }

    /// The three definitions as the `--help` of `mrv incident declare` shows them.
    pub fn definitions_text() -> String {
        IncidentSeverity::ALL
            .into_iter()
            .map(|s| {
                format!(
                    "  {} ({}): {} — {}",
                    s.level(),
                    s.label(),
                    s.definition(),
                    s.response()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Where an incident stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    /// Declared, being worked on (a commander may or may not be assigned yet).
    Open,
    /// Mitigated or fixed; the postmortem and action items remain.
    Resolved,
    /// Postmortem attached and every action item done. Final.
    Closed,
}

impl IncidentState {
    pub const ALL: [IncidentState; 3] = [
        IncidentState::Open,
        IncidentState::Resolved,
        IncidentState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentState::Open => "open",
            IncidentState::Resolved => "resolved",
            IncidentState::Closed => "closed",
        }
    }

    pub fn parse(name: &str) -> Option<IncidentState> {
        IncidentState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// What happens to an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentEvent {
    /// The commander and/or communications lead are (re)assigned.
    Assign,
    /// An internal note or a customer update is posted.
    Update,
    Resolve,
    /// The postmortem's Markdown is attached (again).
    Postmortem,
    AddActionItem,
    CompleteActionItem,
    Close,
}

impl IncidentEvent {
    fn participle(self) -> &'static str {
        match self {
            IncidentEvent::Assign => "assigned a commander or communications lead",
            IncidentEvent::Update => "updated",
            IncidentEvent::Resolve => "resolved",
            IncidentEvent::Postmortem => "given a postmortem",
            IncidentEvent::AddActionItem => "given new action items",
            IncidentEvent::CompleteActionItem => "changed",
            IncidentEvent::Close => "closed",
        }
    }
}

/// An event refused in the incident's state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("incident is {from}; it cannot be {what}{hint}")]
pub struct IllegalIncidentTransition {
    pub from: &'static str,
    pub what: &'static str,
    pub hint: &'static str,
}

/// The state `event` leads to from `state`, or why it cannot happen. Closing also needs the
/// postmortem and every action item done: see [`close_blockers`].
pub fn next_incident_state(
    state: IncidentState,
    event: IncidentEvent,
) -> Result<IncidentState, IllegalIncidentTransition> {
    use IncidentEvent::*;
    use IncidentState::*;
    let to = match (state, event) {
        (Open, Assign) => Some(Open),
        (Open | Resolved, Update | AddActionItem | CompleteActionItem) => Some(state),
        (Open, Resolve) => Some(Resolved),
        (Resolved, Postmortem) => Some(Resolved),
        (Resolved, Close) => Some(Closed),
        _ => None,
    };
    to.ok_or(IllegalIncidentTransition {
        from: state.as_str(),
        what: event.participle(),
        hint: match (state, event) {
            (Closed, _) => "; a closed incident is final",
            (Open, Postmortem) => "; resolve it first (the postmortem follows the resolution)",
            (Open, Close) => "; resolve it first",
            (Resolved, Resolve) => " twice",
            (Resolved, Assign) => "; assignments end with the resolution",
            _ => "",
        },
    })
}

/// Why an open incident may not be resolved yet: a SEV-1/SEV-2 needs its incident commander
/// first (`declared → commander assigned → resolved`).
pub fn resolve_blocker(
    incident: i64,
    severity: IncidentSeverity,
    commander_assigned: bool,
) -> Result<(), String> {
    if severity.is_urgent() && !commander_assigned {
        return Err(format!(
            "incident {incident} is {}: assign its incident commander before resolving it",
            severity.label()
        ));
    }
    Ok(())
}

/// An action item as the close rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionItemStatus {
    pub number: i64,
    pub text: String,
    pub owner: String,
    pub done: bool,
}

/// Why an incident may not close yet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CloseBlocked {
    #[error("incident {incident} has no postmortem; attach it before closing")]
    NoPostmortem { incident: i64 },
    #[error("incident {incident} has {} open action item(s): {}; complete them before closing", open.len(), open.join("; "))]
    OpenActionItems { incident: i64, open: Vec<String> },
}

/// What keeps a resolved incident from closing: no postmortem, or open action items (each
/// listed as `#N TEXT (owner U)`).
pub fn close_blockers(
    incident: i64,
    has_postmortem: bool,
    items: &[ActionItemStatus],
) -> Result<(), CloseBlocked> {
    let open: Vec<String> = items
        .iter()
        .filter(|i| !i.done)
        .map(|i| format!("#{} {} (owner {})", i.number, i.text, i.owner))
        .collect();
    if !open.is_empty() {
        return Err(CloseBlocked::OpenActionItems { incident, open });
    }
    if !has_postmortem {
        return Err(CloseBlocked::NoPostmortem { incident });
    }
    Ok(())
}

/// Seconds an incident commander must be assigned within (SEV-1/SEV-2).
pub const COMMANDER_WITHIN_SECONDS: i64 = 5 * 60;
/// Seconds between customer updates (SEV-1/SEV-2, until resolved).
pub const CUSTOMER_UPDATE_EVERY_SECONDS: i64 = 30 * 60;
/// Business days after resolution the postmortem is due.
pub const POSTMORTEM_BUSINESS_DAYS: u32 = 5;

/// Stable clock names.
pub const CLOCK_COMMANDER: &str = "commander_assigned";
pub const CLOCK_CUSTOMER_UPDATE: &str = "customer_update";
pub const CLOCK_POSTMORTEM: &str = "postmortem";

/// What the clocks of an incident are computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentTimes {
    pub severity: IncidentSeverity,
    pub declared_at: Timestamp,
    /// When the (first) incident commander was assigned.
    pub commander_assigned_at: Option<Timestamp>,
    /// When each customer update was posted, in any order.
    pub customer_updates: Vec<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// When the postmortem was (first) attached.
    pub postmortem_at: Option<Timestamp>,
}

/// The incident's clocks, in this order, those that apply:
/// - `commander_assigned` (SEV-1/2): from the declaration, due 5 minutes later, met by the
///   first commander assignment;
/// - `customer_update` (SEV-1/2): the current 30-minute period — from the latest customer update
///   (or the declaration when there is none yet), met by the resolution;
/// - `postmortem` (every severity, once resolved): due 5 business days after the resolution
///   (weekends skipped), met by the postmortem.
pub fn incident_clocks(t: &IncidentTimes) -> Vec<Clock> {
    let mut clocks = Vec::new();
    if t.severity.is_urgent() {
        clocks.push(
            Clock::new(CLOCK_COMMANDER, t.declared_at, COMMANDER_WITHIN_SECONDS)
                .met(t.commander_assigned_at),
        );
        // Updates posted after the resolution start no new period.
        let last_update = t
            .customer_updates
            .iter()
            .copied()
            .filter(|&u| t.resolved_at.is_none_or(|r| u <= r))
            .max();
        let started = last_update.map_or(t.declared_at, |u| u.max(t.declared_at));
        clocks.push(
            Clock::new(
                CLOCK_CUSTOMER_UPDATE,
                started,
                CUSTOMER_UPDATE_EVERY_SECONDS,
            )
            .met(t.resolved_at),
        );
    }
    if let Some(resolved) = t.resolved_at {
        clocks.push(Clock {
            name: CLOCK_POSTMORTEM.to_owned(),
            started_at: resolved,
            due_at: business_days_after(resolved, POSTMORTEM_BUSINESS_DAYS),
            met_at: t.postmortem_at,
        });
    }
    clocks
}

/// What a clock waits for, in words.
pub fn clock_label(name: &str) -> &'static str {
    match name {
        CLOCK_COMMANDER => "incident commander assigned (within 5 minutes)",
        CLOCK_CUSTOMER_UPDATE => {
            "next customer update by the communications lead (every 30 minutes)"
        }
        CLOCK_POSTMORTEM => "postmortem attached (within 5 business days of resolution)",
        _ => "deadline",
    }
}

/// Whether an open action item due on `due` is overdue at `now` (after the end of its UTC due
/// date).
pub fn action_item_overdue(due: CalendarDate, done: bool, now: Timestamp) -> bool {
    !done && crate::clocks::utc(now).is_some_and(|n| n.date_naive() > due.naive())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clocks::ClockState;

    fn at(text: &str) -> Timestamp {
        Timestamp::from_unix_seconds(
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp(),
        )
    }

    fn times(severity: IncidentSeverity) -> IncidentTimes {
        IncidentTimes {
            severity,
            declared_at: at("2026-12-02T10:00:00Z"),
            commander_assigned_at: None,
            customer_updates: vec![],
            resolved_at: None,
            postmortem_at: None,
        }
    }

    fn clock<'a>(clocks: &'a [Clock], name: &str) -> &'a Clock {
        clocks.iter().find(|c| c.name == name).unwrap()
    }

    #[test]
    fn commander_clock_runs_five_minutes_then_is_overdue_until_assigned() {
        for sev in [IncidentSeverity::Sev1, IncidentSeverity::Sev2] {
            let mut t = times(sev);
            let clocks = incident_clocks(&t);
            let c = clock(&clocks, CLOCK_COMMANDER);
            assert_eq!(c.due_at, at("2026-12-02T10:05:00Z"));
            assert_eq!(c.state(at("2026-12-02T10:04:59Z")), ClockState::Running);
            assert_eq!(c.remaining_seconds(at("2026-12-02T10:04:59Z")), Some(1));
            assert_eq!(c.state(at("2026-12-02T10:05:00Z")), ClockState::Running);
            assert_eq!(c.state(at("2026-12-02T10:05:01Z")), ClockState::Overdue);
            t.commander_assigned_at = Some(at("2026-12-02T10:05:01Z"));
            let clocks = incident_clocks(&t);
            let c = clock(&clocks, CLOCK_COMMANDER);
            assert_eq!(c.state(at("2026-12-02T11:00:00Z")), ClockState::Met);
            assert!(c.met_late());
        }
    }

    #[test]
    fn customer_update_clock_restarts_after_each_update_and_stops_at_resolution() {
        let mut t = times(IncidentSeverity::Sev1);
        let c = clock(&incident_clocks(&t), CLOCK_CUSTOMER_UPDATE).clone();
        assert_eq!(c.started_at, at("2026-12-02T10:00:00Z"));
        assert_eq!(c.due_at, at("2026-12-02T10:30:00Z"));
        assert_eq!(c.state(at("2026-12-02T10:29:59Z")), ClockState::Running);
        assert_eq!(c.state(at("2026-12-02T10:30:01Z")), ClockState::Overdue);

        t.customer_updates = vec![at("2026-12-02T10:20:00Z"), at("2026-12-02T10:10:00Z")];
        let c = clock(&incident_clocks(&t), CLOCK_CUSTOMER_UPDATE).clone();
        assert_eq!(c.started_at, at("2026-12-02T10:20:00Z"));
        assert_eq!(c.due_at, at("2026-12-02T10:50:00Z"));
        assert_eq!(c.state(at("2026-12-02T10:49:59Z")), ClockState::Running);
        assert_eq!(c.remaining_seconds(at("2026-12-02T10:50:01Z")), Some(-1));
        assert_eq!(c.state(at("2026-12-02T10:50:01Z")), ClockState::Overdue);

        t.resolved_at = Some(at("2026-12-02T10:40:00Z"));
        t.customer_updates.push(at("2026-12-02T10:45:00Z"));
        let c = clock(&incident_clocks(&t), CLOCK_CUSTOMER_UPDATE).clone();
        assert_eq!(
            c.started_at,
            at("2026-12-02T10:20:00Z"),
            "no new period after resolution"
        );
        assert_eq!(c.state(at("2026-12-03T00:00:00Z")), ClockState::Met);
        assert!(!c.met_late());
    }

    #[test]
    fn sev3_has_no_commander_or_update_clock() {
        let mut t = times(IncidentSeverity::Sev3);
        assert!(incident_clocks(&t).is_empty());
        t.resolved_at = Some(at("2026-12-02T12:00:00Z"));
        let names: Vec<String> = incident_clocks(&t).into_iter().map(|c| c.name).collect();
        assert_eq!(names, vec![CLOCK_POSTMORTEM]);
    }

    #[test]
    fn postmortem_is_due_five_business_days_after_resolution_across_weekends_and_year_end() {
        let mut t = times(IncidentSeverity::Sev2);
        // Thursday 2026-12-03 → Thursday 2026-12-10 (one weekend skipped).
        t.resolved_at = Some(at("2026-12-03T15:00:00Z"));
        let c = clock(&incident_clocks(&t), CLOCK_POSTMORTEM).clone();
        assert_eq!(c.due_at, at("2026-12-10T15:00:00Z"));
        assert_eq!(c.state(at("2026-12-10T15:00:00Z")), ClockState::Running);
        assert_eq!(c.state(at("2026-12-10T15:00:01Z")), ClockState::Overdue);
        // Saturday: counting starts Monday, due the Friday after.
        t.resolved_at = Some(at("2026-12-05T09:00:00Z"));
        let c = clock(&incident_clocks(&t), CLOCK_POSTMORTEM).clone();
        assert_eq!(c.due_at, at("2026-12-11T09:00:00Z"));
        // Across the year end: Tuesday 2026-12-29 → Tuesday 2027-01-05.
        t.resolved_at = Some(at("2026-12-29T23:30:00Z"));
        let c = clock(&incident_clocks(&t), CLOCK_POSTMORTEM).clone();
        assert_eq!(c.due_at, at("2027-01-05T23:30:00Z"));
        t.postmortem_at = Some(at("2027-01-06T00:00:00Z"));
        let c = clock(&incident_clocks(&t), CLOCK_POSTMORTEM).clone();
        assert_eq!(c.state(at("2027-02-01T00:00:00Z")), ClockState::Met);
        assert!(c.met_late());
    }

    #[test]
    fn impossible_transitions_are_refused_in_words() {
        use IncidentEvent::*;
        use IncidentState::*;
        assert_eq!(next_incident_state(Open, Resolve), Ok(Resolved));
        assert_eq!(next_incident_state(Resolved, Close), Ok(Closed));
        assert_eq!(next_incident_state(Open, Update), Ok(Open));
        assert_eq!(next_incident_state(Resolved, Postmortem), Ok(Resolved));
        assert_eq!(
            next_incident_state(Resolved, Resolve)
                .unwrap_err()
                .to_string(),
            "incident is resolved; it cannot be resolved twice"
        );
        assert_eq!(
            next_incident_state(Open, Postmortem)
                .unwrap_err()
                .to_string(),
            "incident is open; it cannot be given a postmortem; resolve it first (the postmortem follows the resolution)"
        );
        assert_eq!(
            next_incident_state(Closed, Update).unwrap_err().to_string(),
            "incident is closed; it cannot be updated; a closed incident is final"
        );
        assert!(next_incident_state(Open, Close).is_err());
        assert!(next_incident_state(Resolved, Assign).is_err());
        for e in [
            Assign,
            Update,
            Resolve,
            Postmortem,
            AddActionItem,
            CompleteActionItem,
            Close,
        ] {
            assert!(next_incident_state(Closed, e).is_err(), "{e:?}");
        }
    }

    #[test]
    fn urgent_incidents_resolve_only_with_a_commander() {
        assert_eq!(
            resolve_blocker(3, IncidentSeverity::Sev1, false).unwrap_err(),
            "incident 3 is SEV-1: assign its incident commander before resolving it"
        );
        assert!(resolve_blocker(3, IncidentSeverity::Sev2, false).is_err());
        assert!(resolve_blocker(3, IncidentSeverity::Sev2, true).is_ok());
        assert!(resolve_blocker(3, IncidentSeverity::Sev3, false).is_ok());
    }

    #[test]
    fn close_needs_the_postmortem_and_no_open_action_item() {
        let item = |number, done| ActionItemStatus {
            number,
            text: format!("fix {number}"),
            owner: "oscar".into(),
            done,
        };
        assert_eq!(
            close_blockers(4, true, &[item(1, true), item(2, false)])
                .unwrap_err()
                .to_string(),
            "incident 4 has 1 open action item(s): #2 fix 2 (owner oscar); complete them before closing"
        );
        assert_eq!(
            close_blockers(4, false, &[item(1, true)])
                .unwrap_err()
                .to_string(),
            "incident 4 has no postmortem; attach it before closing"
        );
        assert!(close_blockers(4, true, &[item(1, true)]).is_ok());
    }

    #[test]
    fn severities_parse_from_level_name_or_label() {
        for s in IncidentSeverity::ALL {
            assert_eq!(IncidentSeverity::parse(s.as_str()), Ok(s));
            assert_eq!(IncidentSeverity::parse(s.label()), Ok(s));
            assert_eq!(IncidentSeverity::parse(&s.level().to_string()), Ok(s));
        }
        assert!(IncidentSeverity::parse("4")
            .unwrap_err()
            .contains("1, 2, 3"));
        assert!(IncidentSeverity::definitions_text().contains("Platform down or data loss"));
    }

    #[test]
    fn action_items_are_overdue_after_their_due_date() {
        let due = CalendarDate::parse("2026-12-02").unwrap();
        assert!(!action_item_overdue(due, false, at("2026-12-02T23:59:59Z")));
        assert!(action_item_overdue(due, false, at("2026-12-03T00:00:00Z")));
        assert!(!action_item_overdue(due, true, at("2026-12-03T00:00:00Z")));
    }
}
