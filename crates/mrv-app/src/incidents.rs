//! Incidents (SOP-003, `docs/incidents.md`): anyone declares an incident with a severity; an ops
//! admin assigns its commander and communications lead, resolves it, attaches the postmortem,
//! tracks action items and closes it; the commander and the communications lead post updates
//! (customer updates: the communications lead or an ops admin). Every change is one
//! transaction and one journal entry (`incident.*`). Views carry the procedure's clocks,
//! computed by `mrv_core::incident` at the time read here.

use crate::clock::ClockView;
use crate::session::Session;
use crate::{clock, AppError, Mrv};
use mrv_core::clocks::Clock;
use mrv_core::incident::{
    action_item_overdue, clock_label, close_blockers, incident_clocks, next_incident_state,
    resolve_blocker, ActionItemStatus, IncidentEvent, IncidentSeverity, IncidentState,
    IncidentTimes,
};
use mrv_core::{Action, CalendarDate, Granted, Timestamp};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read as _;
use std::path::Path;

/// The largest postmortem file read (Markdown text).
pub const MAX_POSTMORTEM_BYTES: u64 = 1024 * 1024;
/// The longest incident title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest update or action item text, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// A severity with SOP-003's definition (what the declare dialog and `--help` show).
#[derive(Debug, Clone, Serialize)]
pub struct SeverityView {
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

/// The three severities, most severe first, from the core's enum.
pub fn severity_definitions() -> Vec<SeverityView> {
    IncidentSeverity::ALL
        .into_iter()
        .map(|s| SeverityView {
            severity: s.as_str().to_owned(),
            level: s.level(),
            label: s.label().to_owned(),
            definition: s.definition().to_owned(),
            response: s.response().to_owned(),
            clocks: s.is_urgent(),
        })
        .collect()
}

fn clock_view(c: &Clock, now: Timestamp) -> ClockView {
    ClockView::of(c, clock_label(&c.name), now)
}

/// An incident in a list: who, what, where it stands and its clocks.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentSummary {
    pub id: i64,
    /// `sev1`, `sev2`, `sev3`.
    pub severity: String,
    /// `SEV-1`.
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
    pub clocks: Vec<ClockView>,
    /// The time the clocks were computed at.
    pub now: String,
}

/// An entry of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentUpdateView {
    pub id: i64,
    /// `note` (internal) or `customer` (posted to the status page).
    pub kind: String,
    pub by: String,
    pub at: String,
    pub text: String,
}

/// An action item.
#[derive(Debug, Clone, Serialize)]
pub struct ActionItemView {
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
    /// Open after its due date (UTC).
    pub overdue: bool,
}

/// The attached postmortem, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct PostmortemView {
    pub file_name: String,
    pub sha256: String,
    pub bytes: i64,
    /// Its first heading (or first line).
    pub title: String,
    pub attached_by: String,
    pub attached_at: String,
    pub text: String,
}

/// What a user may do on an incident now (the rules the use cases enforce).
#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentOffers {
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
#[derive(Debug, Clone, Serialize)]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub summary: IncidentSummary,
    pub commander_assigned_at: Option<String>,
    pub comms_assigned_at: Option<String>,
    pub resolved_by: Option<String>,
    pub closed_by: Option<String>,
    pub timeline: Vec<IncidentUpdateView>,
    pub action_items: Vec<ActionItemView>,
    pub postmortem: Option<PostmortemView>,
    /// When the postmortem is (was) due; none before resolution.
    pub postmortem_due_at: Option<String>,
    pub offers: IncidentOffers,
}

fn parse_time(text: &str) -> Result<Timestamp, AppError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| Timestamp::from_unix_seconds(d.timestamp()))
        .map_err(|e| AppError::Internal(format!("stored time `{text}`: {e}")))
}

fn parse_opt(text: &Option<String>) -> Result<Option<Timestamp>, AppError> {
    text.as_deref().map(parse_time).transpose()
}

fn state_of(r: &mrv_store::IncidentRecord) -> Result<IncidentState, AppError> {
    IncidentState::parse(&r.state)
        .ok_or_else(|| AppError::Internal(format!("incident {}: state `{}`", r.id, r.state)))
}

fn severity_of(r: &mrv_store::IncidentRecord) -> Result<IncidentSeverity, AppError> {
    IncidentSeverity::parse(&r.severity).map_err(AppError::Internal)
}

fn conflict(e: impl std::fmt::Display, id: i64) -> AppError {
    AppError::Conflict(format!("incident {id}: {e}"))
}

/// A single-line title or a (multi-line) text: trimmed, not empty, not too long, no control
/// characters but line breaks where allowed.
fn check_text(field: &str, text: &str, max: usize, multiline: bool) -> Result<String, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(AppError::InvalidInput(format!("{field} is empty")));
    }
    if t.chars().count() > max {
        return Err(AppError::InvalidInput(format!(
            "{field} is longer than {max} characters"
        )));
    }
    if let Some(c) = t
        .chars()
        .find(|&c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
    {
        return Err(AppError::InvalidInput(format!(
            "{field} holds the control character {}",
            c.escape_unicode()
        )));
    }
    Ok(t.to_owned())
}

/// Reads a postmortem: a regular file (no link, FIFO or device), at most
/// [`MAX_POSTMORTEM_BYTES`], UTF-8 text, not empty.
fn read_postmortem(path: &Path) -> Result<(String, String), AppError> {
    let shown = path.display();
    let meta = std::fs::symlink_metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            AppError::InvalidInput(format!("postmortem file {shown} does not exist"))
        }
        _ => AppError::InvalidInput(format!("postmortem file {shown} cannot be read: {e}")),
    })?;
    if meta.file_type().is_symlink() {
        return Err(AppError::InvalidInput(format!(
            "postmortem file {shown} is a symbolic link; name the file itself"
        )));
    }
    let file = crate::files::open_input(path, "postmortem file")?;
    let mut bytes = Vec::new();
    file.take(MAX_POSTMORTEM_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| AppError::InvalidInput(format!("postmortem file {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_POSTMORTEM_BYTES {
        return Err(AppError::InvalidInput(format!(
            "postmortem file {shown} is larger than {MAX_POSTMORTEM_BYTES} bytes"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        AppError::InvalidInput(format!(
            "postmortem file {shown} is not UTF-8 text (Markdown expected)"
        ))
    })?;
    if text.trim().is_empty() {
        return Err(AppError::InvalidInput(format!(
            "postmortem file {shown} is empty"
        )));
    }
    let sha = hex::encode(Sha256::digest(text.as_bytes()));
    Ok((text, sha))
}

fn postmortem_title(text: &str) -> String {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    first
        .unwrap_or_default()
        .trim_start_matches('#')
        .trim()
        .to_owned()
}

/// An active (not offboarded) user by name, for an assignment or an action item's owner.
fn active_user(conn: &mrv_store::Connection, field: &str, name: &str) -> Result<i64, AppError> {
    let normalized = crate::names::normalize_user(name)
        .map_err(|e| AppError::InvalidInput(format!("{field}: {e}")))?;
    let user = mrv_store::user_by_name(conn, &normalized)?.ok_or_else(|| {
        AppError::InvalidInput(format!("{field}: user `{normalized}` does not exist"))
    })?;
    if user.offboarded_at.is_some() {
        return Err(AppError::InvalidInput(format!(
            "{field}: user `{normalized}` is offboarded; assign an active user"
        )));
    }
    Ok(user.id)
}

impl Mrv {
    fn incident_record(
        conn: &mrv_store::Connection,
        id: i64,
    ) -> Result<mrv_store::IncidentRecord, AppError> {
        mrv_store::incident(conn, id)?.ok_or_else(|| AppError::NotFound {
            what: "incident",
            id: id.to_string(),
        })
    }

    fn incident_summary(
        conn: &mrv_store::Connection,
        r: &mrv_store::IncidentRecord,
        now: Timestamp,
    ) -> Result<(IncidentSummary, Vec<Clock>), AppError> {
        let severity = severity_of(r)?;
        let updates = mrv_store::incident_updates(conn, r.id)?;
        let actions = mrv_store::incident_actions(conn, r.id)?;
        let times = IncidentTimes {
            severity,
            declared_at: parse_time(&r.declared_at)?,
            commander_assigned_at: parse_opt(&r.commander_assigned_at)?,
            customer_updates: updates
                .iter()
                .filter(|u| u.kind == "customer")
                .map(|u| parse_time(&u.at))
                .collect::<Result<_, _>>()?,
            resolved_at: parse_opt(&r.resolved_at)?,
            postmortem_at: match &r.postmortem {
                Some(p) => Some(parse_time(&p.first_at)?),
                None => None,
            },
        };
        let clocks = incident_clocks(&times);
        Ok((
            IncidentSummary {
                id: r.id,
                severity: severity.as_str().to_owned(),
                severity_label: severity.label().to_owned(),
                title: r.title.clone(),
                state: r.state.clone(),
                declared_by: r.declared_by.clone(),
                declared_at: r.declared_at.clone(),
                commander: r.commander.clone(),
                comms: r.comms.clone(),
                resolved_at: r.resolved_at.clone(),
                closed_at: r.closed_at.clone(),
                open_action_items: actions.iter().filter(|a| a.done_at.is_none()).count() as i64,
                has_postmortem: r.postmortem.is_some(),
                clocks: clocks.iter().map(|c| clock_view(c, now)).collect(),
                now: now.to_string(),
            },
            clocks,
        ))
    }

    /// Every incident, newest first, with its clocks at this moment.
    pub fn list_incidents(&self, session: &Session) -> Result<Vec<IncidentSummary>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let conn = self.ws.conn();
        let now = clock::now();
        mrv_store::list_incidents(conn)?
            .iter()
            .map(|r| Ok(Self::incident_summary(conn, r, now)?.0))
            .collect()
    }

    /// One incident in full: clocks, timeline, action items, postmortem, and what the
    /// signed-in user may do on it now.
    pub fn incident(&self, session: &Session, id: i64) -> Result<IncidentDetail, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let conn = self.ws.conn();
        let now = clock::now();
        let r = Self::incident_record(conn, id)?;
        let (summary, clocks) = Self::incident_summary(conn, &r, now)?;
        let state = state_of(&r)?;
        let manager = self.authorize(session, Action::ManageIncidents).is_ok();
        let me = session.user.name.as_str();
        let is_commander = r.commander.as_deref() == Some(me);
        let is_comms = r.comms.as_deref() == Some(me);
        let can = |e| next_incident_state(state, e).is_ok();
        let actions = mrv_store::incident_actions(conn, id)?;
        let offers = IncidentOffers {
            assign: manager && can(IncidentEvent::Assign),
            post_note: (manager || is_commander || is_comms) && can(IncidentEvent::Update),
            post_customer_update: (manager || is_comms) && can(IncidentEvent::Update),
            resolve: manager
                && can(IncidentEvent::Resolve)
                && resolve_blocker(id, severity_of(&r)?, r.commander.is_some()).is_ok(),
            attach_postmortem: manager && can(IncidentEvent::Postmortem),
            add_action_item: manager && can(IncidentEvent::AddActionItem),
            complete_action_item: manager
                && can(IncidentEvent::CompleteActionItem)
                && actions.iter().any(|a| a.done_at.is_none()),
            close: manager && can(IncidentEvent::Close),
        };
        let action_items = actions
            .into_iter()
            .map(|a| {
                let due = CalendarDate::parse(&a.due_date).ok_or_else(|| {
                    AppError::Internal(format!("action item due date `{}`", a.due_date))
                })?;
                let done = a.done_at.is_some();
                Ok(ActionItemView {
                    number: a.number,
                    text: a.text,
                    owner: a.owner,
                    due_date: a.due_date,
                    added_by: a.added_by,
                    added_at: a.added_at,
                    done_by: a.done_by,
                    done_at: a.done_at,
                    state: if done { "done" } else { "open" }.to_owned(),
                    overdue: action_item_overdue(due, done, now),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let timeline = mrv_store::incident_updates(conn, id)?
            .into_iter()
            .map(|u| IncidentUpdateView {
                id: u.id,
                kind: u.kind,
                by: u.by,
                at: u.at,
                text: u.text,
            })
            .collect();
        let postmortem = r.postmortem.as_ref().map(|p| PostmortemView {
            file_name: p.file_name.clone(),
            sha256: p.sha256.clone(),
            bytes: p.text.len() as i64,
            title: postmortem_title(&p.text),
            attached_by: p.by.clone(),
            attached_at: p.at.clone(),
            text: p.text.clone(),
        });
        let postmortem_due_at = clocks
            .iter()
            .find(|c| c.name == mrv_core::incident::CLOCK_POSTMORTEM)
            .map(|c| c.due_at.to_string());
        Ok(IncidentDetail {
            summary,
            commander_assigned_at: r.commander_assigned_at,
            comms_assigned_at: r.comms_assigned_at,
            resolved_by: r.resolved_by,
            closed_by: r.closed_by,
            timeline,
            action_items,
            postmortem,
            postmortem_due_at,
            offers,
        })
    }

    /// The active users an incident may be assigned to or an action item owned by.
    pub fn incident_assignees(&self, session: &Session) -> Result<Vec<String>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        Ok(mrv_store::list_users(self.ws.conn())?
            .into_iter()
            .filter(|u| u.offboarded_at.is_none())
            .map(|u| u.name)
            .collect())
    }

    /// Declares an incident (anyone): severity `1`/`sev1`/`SEV-1`…, and a title. Journaled as
    /// `incident.declare`.
    pub fn declare_incident(
        &mut self,
        session: &Session,
        severity: &str,
        title: &str,
    ) -> Result<IncidentDetail, AppError> {
        let granted = self.authorize(session, Action::DeclareIncident)?;
        let severity = IncidentSeverity::parse(severity).map_err(AppError::InvalidInput)?;
        let title = check_text("title", title, MAX_TITLE_CHARS, false)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let id =
            mrv_store::insert_incident(&tx, severity.as_str(), &title, granted.user_id(), &now)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "incident.declare",
            &format!("incident:{id}"),
            serde_json::json!({"id": id, "severity": severity.as_str(), "title": title}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.incident(session, id)
    }

    /// Assigns the incident commander and/or the communications lead (ops admin; active users;
    /// an open incident). Journaled as `incident.assign`.
    pub fn assign_incident(
        &mut self,
        session: &Session,
        id: i64,
        commander: Option<&str>,
        comms: Option<&str>,
    ) -> Result<IncidentDetail, AppError> {
        let granted = self.authorize(session, Action::ManageIncidents)?;
        if commander.is_none() && comms.is_none() {
            return Err(AppError::InvalidInput(
                "commander, comms: name at least one of them".into(),
            ));
        }
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::incident_record(&tx, id)?;
        next_incident_state(state_of(&r)?, IncidentEvent::Assign).map_err(|e| conflict(e, id))?;
        let commander_id = commander
            .map(|c| active_user(&tx, "commander", c))
            .transpose()?;
        let comms_id = comms.map(|c| active_user(&tx, "comms", c)).transpose()?;
        if !mrv_store::assign_incident(&tx, id, commander_id, comms_id, &now)? {
            return Err(AppError::Conflict(format!(
                "incident {id} is no longer open"
            )));
        }
        let after = Self::incident_record(&tx, id)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "incident.assign",
            &format!("incident:{id}"),
            serde_json::json!({"id": id, "commander": after.commander, "comms": after.comms}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.incident(session, id)
    }

    /// Posts an update: an internal note, or with `customer` a customer update (which starts a
    /// new 30-minute clock). Ops admins may post both; the incident's commander may post notes
    /// and its communications lead both, whatever their roles. Journaled as `incident.update`.
    pub fn post_incident_update(
        &mut self,
        session: &Session,
        id: i64,
        text: &str,
        customer: bool,
    ) -> Result<IncidentDetail, AppError> {
        let (granted, manager) = match self.authorize(session, Action::ManageIncidents) {
            Ok(g) => (g, true),
            Err(AppError::Forbidden(_)) => {
                (self.authorize(session, Action::DeclareIncident)?, false)
            }
            Err(e) => return Err(e),
        };
        let text = check_text("text", text, MAX_TEXT_CHARS, true)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::incident_record(&tx, id)?;
        next_incident_state(state_of(&r)?, IncidentEvent::Update).map_err(|e| conflict(e, id))?;
        may_post(&granted, manager, &r, customer)?;
        let kind = if customer { "customer" } else { "note" };
        let update_id =
            mrv_store::insert_incident_update(&tx, id, kind, &text, granted.user_id(), &now)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "incident.update",
            &format!("incident:{id}"),
            serde_json::json!({"id": id, "update": update_id, "kind": kind, "text": text}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.incident(session, id)
    }

    /// `open → resolved` (ops admin; a SEV-1/SEV-2 needs its commander assigned first): the
    /// postmortem clock starts. Journaled as `incident.resolve`.
    pub fn resolve_incident(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<IncidentDetail, AppError> {
        let granted = self.authorize(session, Action::ManageIncidents)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::incident_record(&tx, id)?;
        next_incident_state(state_of(&r)?, IncidentEvent::Resolve).map_err(|e| conflict(e, id))?;
        resolve_blocker(id, severity_of(&r)?, r.commander.is_some()).map_err(AppError::Conflict)?;
        if !mrv_store::resolve_incident(&tx, id, granted.user_id(), &now)? {
            return Err(AppError::Conflict(format!(
                "incident {id} is no longer open"
            )));
        }
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "incident.resolve",
            &format!("incident:{id}"),
            serde_json::json!({"id": id}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.incident(session, id)
    }

    /// Attaches the postmortem (ops admin, a resolved incident): a Markdown file's text, stored
    /// with its SHA-256; attaching again replaces it. Journaled as `incident.postmortem`.
    pub fn attach_postmortem(
        &mut self,
        session: &Session,
        id: i64,
        file: &Path,
    ) -> Result<IncidentDetail, AppError> {
        let granted = self.authorize(session, Action::ManageIncidents)?;
        let (text, sha) = read_postmortem(file)?;
        let file_name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::incident_record(&tx, id)?;
        next_incident_state(state_of(&r)?, IncidentEvent::Postmortem)
            .map_err(|e| conflict(e, id))?;
        if !mrv_store::set_incident_postmortem(
            &tx,
            id,
            &text,
            &sha,
            &file_name,
            granted.user_id(),
            &now,
        )? {
            return Err(AppError::Conflict(format!(
                "incident {id} is no longer resolved"
            )));
        }
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "incident.postmortem",
            &format!("incident:{id}"),
            serde_json::json!({"id": id, "sha256": sha, "file_name": file_name, "bytes": text.len()}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.incident(session, id)
    }

    /// Adds an action item (ops admin; an open or resolved incident): an active owner, a due
    /// date `YYYY-MM-DD`, a text. Journaled as `incident.action.add`; returns the incident and
    /// the item's number.
    pub fn add_incident_action(
        &mut self,
        session: &Session,
        id: i64,
        owner: &str,
        due: &str,
        text: &str,
    ) -> Result<(IncidentDetail, i64), AppError> {
        let granted = self.authorize(session, Action::ManageIncidents)?;
        let due_date = CalendarDate::parse(due.trim()).ok_or_else(|| {
            AppError::InvalidInput(format!(
                "due: `{}` is not a date YYYY-MM-DD",
                due.escape_debug()
            ))
        })?;
        let text = check_text("text", text, MAX_TEXT_CHARS, false)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::incident_record(&tx, id)?;
        next_incident_state(state_of(&r)?, IncidentEvent::AddActionItem)
            .map_err(|e| conflict(e, id))?;
        let owner_id = active_user(&tx, "owner", owner)?;
        let number = mrv_store::insert_incident_action(
            &tx,
            id,
            &text,
            owner_id,
            &due_date.to_string(),
            granted.user_id(),
            &now,
        )?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "incident.action.add",
            &format!("incident:{id}"),
            serde_json::json!({"id": id, "number": number, "owner": owner.trim(), "due": due_date.to_string(), "text": text}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok((self.incident(session, id)?, number))
    }

    /// Marks action item `number` done (ops admin). Journaled as `incident.action.done`.
    pub fn complete_incident_action(
        &mut self,
        session: &Session,
        id: i64,
        number: i64,
    ) -> Result<IncidentDetail, AppError> {
        let granted = self.authorize(session, Action::ManageIncidents)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::incident_record(&tx, id)?;
        next_incident_state(state_of(&r)?, IncidentEvent::CompleteActionItem)
            .map_err(|e| conflict(e, id))?;
        let items = mrv_store::incident_actions(&tx, id)?;
        match items.iter().find(|a| a.number == number) {
            None => {
                return Err(AppError::NotFound {
                    what: "action item",
                    id: format!("{number} of incident {id}"),
                })
            }
            Some(a) if a.done_at.is_some() => {
                return Err(AppError::Conflict(format!(
                    "action item {number} of incident {id} is already done"
                )))
            }
            Some(_) => {}
        }
        if !mrv_store::complete_incident_action(&tx, id, number, granted.user_id(), &now)? {
            return Err(AppError::Conflict(format!(
                "action item {number} of incident {id} is already done"
            )));
        }
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "incident.action.done",
            &format!("incident:{id}"),
            serde_json::json!({"id": id, "number": number}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.incident(session, id)
    }

    /// `resolved → closed` (ops admin): refused while an action item is open (listing them) or
    /// without the postmortem. Journaled as `incident.close`.
    pub fn close_incident(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<IncidentDetail, AppError> {
        let granted = self.authorize(session, Action::ManageIncidents)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::incident_record(&tx, id)?;
        next_incident_state(state_of(&r)?, IncidentEvent::Close).map_err(|e| conflict(e, id))?;
        let items: Vec<ActionItemStatus> = mrv_store::incident_actions(&tx, id)?
            .into_iter()
            .map(|a| ActionItemStatus {
                number: a.number,
                done: a.done_at.is_some(),
                text: a.text,
                owner: a.owner,
            })
            .collect();
        close_blockers(id, r.postmortem.is_some(), &items)
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        if !mrv_store::close_incident(&tx, id, granted.user_id(), &now)? {
            return Err(AppError::Conflict(format!(
                "incident {id} is no longer resolved"
            )));
        }
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "incident.close",
            &format!("incident:{id}"),
            serde_json::json!({"id": id, "postmortem_sha256": r.postmortem.map(|p| p.sha256), "action_items": items.len()}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.incident(session, id)
    }
}

/// Who may post: an ops admin anything; the commander internal notes; the communications
/// lead both.
fn may_post(
    granted: &Granted,
    manager: bool,
    r: &mrv_store::IncidentRecord,
    customer: bool,
) -> Result<(), AppError> {
    if manager {
        return Ok(());
    }
    let me = Some(granted.user());
    let is_comms = r.comms.as_deref() == me;
    let is_commander = r.commander.as_deref() == me;
    if customer && !is_comms {
        return Err(AppError::Forbidden(format!(
            "{} may not post customer updates on incident {}; that is the communications lead's ({}) or an ops admin's",
            granted.user(),
            r.id,
            r.comms.as_deref().unwrap_or("none assigned")
        )));
    }
    if !customer && !is_comms && !is_commander {
        return Err(AppError::Forbidden(format!(
            "{} may not post updates on incident {}: only its commander, its communications lead or an ops admin may",
            granted.user(),
            r.id
        )));
    }
    Ok(())
}
