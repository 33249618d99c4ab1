//! Transport types of the incident desk (SOP-003), converted from `mrv_app::incidents`' views.
//! Clocks arrive computed by the core at the time of the call; the UI counts them down.

use super::ClockDto;
use serde::Serialize;
use specta::Type;

/// A severity with SOP-003's definition (from the core's enum; the UI keeps no copy).
#[derive(Debug, Clone, Serialize, Type)]
pub struct SeverityDto {
    /// `sev1`, `sev2`, `sev3`.
    pub severity: String,
    pub level: u8,
    /// `SEV-1`.
    pub label: String,
    pub definition: String,
    pub response: String,
    /// Whether the commander and customer-update clocks run.
    pub clocks: bool,
}

impl From<mrv_app::SeverityView> for SeverityDto {
    fn from(s: mrv_app::SeverityView) -> Self {
        SeverityDto {
            severity: s.severity,
            level: s.level,
            label: s.label,
            definition: s.definition,
            response: s.response,
            clocks: s.clocks,
        }
    }
}

/// An incident in the list.
#[derive(Debug, Clone, Serialize, Type)]
pub struct IncidentSummaryDto {
    pub id: i64,
    pub severity: String,
    pub severity_label: String,
    pub title: String,
    /// `open`, `resolved` or `closed`.
    pub state: String,
    pub declared_by: String,
    pub declared_at: String,
    pub commander: Option<String>,
    pub comms: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub open_action_items: i64,
    pub has_postmortem: bool,
    pub clocks: Vec<ClockDto>,
    /// When the clocks were computed (the backend's clock).
    pub now: String,
}

impl From<mrv_app::IncidentSummary> for IncidentSummaryDto {
    fn from(i: mrv_app::IncidentSummary) -> Self {
        IncidentSummaryDto {
            id: i.id,
            severity: i.severity,
            severity_label: i.severity_label,
            title: i.title,
            state: i.state,
            declared_by: i.declared_by,
            declared_at: i.declared_at,
            commander: i.commander,
            comms: i.comms,
            resolved_at: i.resolved_at,
            closed_at: i.closed_at,
            open_action_items: i.open_action_items,
            has_postmortem: i.has_postmortem,
            clocks: i.clocks.into_iter().map(Into::into).collect(),
            now: i.now,
        }
    }
}

/// An entry of the timeline.
#[derive(Debug, Clone, Serialize, Type)]
pub struct IncidentUpdateDto {
    pub id: i64,
    /// `note` or `customer`.
    pub kind: String,
    pub by: String,
    pub at: String,
    pub text: String,
}

/// An action item.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ActionItemDto {
    pub number: i64,
    pub text: String,
    pub owner: String,
    pub due_date: String,
    pub added_by: String,
    pub added_at: String,
    pub done_by: Option<String>,
    pub done_at: Option<String>,
    /// `open` or `done`.
    pub state: String,
    pub overdue: bool,
}

/// The attached postmortem.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PostmortemDto {
    pub file_name: String,
    pub sha256: String,
    pub bytes: i64,
    pub title: String,
    pub attached_by: String,
    pub attached_at: String,
    pub text: String,
}

/// What the signed-in user may do on the incident now.
#[derive(Debug, Clone, Serialize, Type)]
pub struct IncidentOffersDto {
    pub assign: bool,
    pub post_note: bool,
    pub post_customer_update: bool,
    pub resolve: bool,
    pub attach_postmortem: bool,
    pub add_action_item: bool,
    pub complete_action_item: bool,
    pub close: bool,
}

/// An incident in full.
#[derive(Debug, Clone, Serialize, Type)]
pub struct IncidentDetailDto {
    pub summary: IncidentSummaryDto,
    pub commander_assigned_at: Option<String>,
    pub comms_assigned_at: Option<String>,
    pub resolved_by: Option<String>,
    pub closed_by: Option<String>,
    pub timeline: Vec<IncidentUpdateDto>,
    pub action_items: Vec<ActionItemDto>,
    pub postmortem: Option<PostmortemDto>,
    pub postmortem_due_at: Option<String>,
    pub offers: IncidentOffersDto,
}

impl From<mrv_app::IncidentDetail> for IncidentDetailDto {
    fn from(d: mrv_app::IncidentDetail) -> Self {
        let o = d.offers;
        IncidentDetailDto {
            summary: d.summary.into(),
            commander_assigned_at: d.commander_assigned_at,
            comms_assigned_at: d.comms_assigned_at,
            resolved_by: d.resolved_by,
            closed_by: d.closed_by,
            timeline: d
                .timeline
                .into_iter()
                .map(|u| IncidentUpdateDto {
                    id: u.id,
                    kind: u.kind,
                    by: u.by,
                    at: u.at,
                    text: u.text,
                })
                .collect(),
            action_items: d
                .action_items
                .into_iter()
                .map(|a| ActionItemDto {
                    number: a.number,
                    text: a.text,
                    owner: a.owner,
                    due_date: a.due_date,
                    added_by: a.added_by,
                    added_at: a.added_at,
                    done_by: a.done_by,
                    done_at: a.done_at,
                    state: a.state,
                    overdue: a.overdue,
                })
                .collect(),
            postmortem: d.postmortem.map(|p| PostmortemDto {
                file_name: p.file_name,
                sha256: p.sha256,
                bytes: p.bytes,
                title: p.title,
                attached_by: p.attached_by,
                attached_at: p.attached_at,
                text: p.text,
            }),
            postmortem_due_at: d.postmortem_due_at,
            offers: IncidentOffersDto {
                assign: o.assign,
                post_note: o.post_note,
                post_customer_update: o.post_customer_update,
                resolve: o.resolve,
                attach_postmortem: o.attach_postmortem,
                add_action_item: o.add_action_item,
                complete_action_item: o.complete_action_item,
                close: o.close,
            },
        }
    }
}
