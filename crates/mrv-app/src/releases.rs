//! Releases (SOP-002): plan a release into a weekday 14:00 UTC slot (or a hotfix, now), soak it
//! on staging for 30 minutes, run the synthetic monitor against the workspace's audit log,
//! promote it once the soak has run out and the last monitor run since the soak started is
//! green, watch it for 30 minutes, close it into the changelog — or roll it back on the
//! captain's decision. The weekly captain rota is kept by ISO week.
//!
//! Ops admins (`manage_releases`) run the procedure and set the rota; everybody may read the
//! calendar, the releases and the changelog. Rolling back is the captain of the release's week's
//! call (whatever their roles); a week without an active captain falls back to ops admins.
//! Every change is one transaction and journaled (`release.*`); the monitor's network probe
//! runs before its transaction.

use crate::clock::ClockView;
use crate::session::Session;
use crate::{clock, AppError, Mrv};
use mrv_core::release::{
    self as rel, MonitorOutcome, ReleaseEvent, ReleaseKind, ReleaseState, SOAK_SECONDS,
    WATCH_SECONDS,
};
use mrv_core::{clocks::Clock, Action, Granted, Timestamp};
use mrv_store::{MonitorRunRecord, ReleaseRecord};
use serde::Serialize;

/// The longest release notes accepted.
pub const MAX_NOTES_BYTES: usize = 64 * 1024;

fn clock_view(c: &Clock, now: Timestamp) -> ClockView {
    ClockView::of(c, &c.name, now)
}

/// One synthetic-monitor run.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorRunView {
    pub id: i64,
    pub release_id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: i64,
    pub green: bool,
    pub log_url: String,
    /// The size of the checkpoint the log presented (a green run).
    pub checkpoint_size: Option<i64>,
    /// What failed (a red run).
    pub failure: Option<String>,
    pub run_by: String,
}

impl From<MonitorRunRecord> for MonitorRunView {
    fn from(r: MonitorRunRecord) -> MonitorRunView {
        MonitorRunView {
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

/// A step the signed-in user may take on a release in its present state; `enabled` false with
/// the `reason` while something still blocks it (the soak time left, no green monitor run…).
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseOffer {
    /// `soak`, `monitor`, `promote`, `watch_end`, `close` or `rollback`.
    pub step: String,
    pub enabled: bool,
    pub reason: Option<String>,
}

/// A release with its clocks, monitor runs and what the signed-in user may do now.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseView {
    pub id: i64,
    pub tag: String,
    /// `scheduled` or `hotfix`.
    pub kind: String,
    pub slot_at: String,
    /// The slot's ISO week (`YYYY-Www`).
    pub week: String,
    /// The week's captain (none when the rota has none, or they were offboarded).
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
    /// The staging soak clock (once soaking) and the post-release watch clock (once promoted).
    pub clocks: Vec<ClockView>,
    pub monitor_runs: Vec<MonitorRunView>,
    /// While soaking: what still blocks promotion, in words (empty: it may be promoted).
    pub promotion_blockers: Vec<String>,
    pub offers: Vec<ReleaseOffer>,
    /// The time the clocks were computed at.
    pub now: String,
}

/// A release in a list or a calendar slot.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseSummary {
    pub id: i64,
    pub tag: String,
    pub kind: String,
    pub slot_at: String,
    pub state: String,
}

impl From<&ReleaseRecord> for ReleaseSummary {
    fn from(r: &ReleaseRecord) -> ReleaseSummary {
        ReleaseSummary {
            id: r.id,
            tag: r.tag.clone(),
            kind: r.kind.clone(),
            slot_at: r.slot_at.clone(),
            state: r.state.clone(),
        }
    }
}

/// One weekday 14:00 UTC slot.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarSlot {
    pub slot_at: String,
    /// Already gone at `now`.
    pub past: bool,
    /// The releases planned into it.
    pub releases: Vec<ReleaseSummary>,
}

/// One ISO week of the calendar.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarWeek {
    pub week: String,
    pub captain: Option<String>,
    pub slots: Vec<CalendarSlot>,
    /// Hotfixes shipped (or planned) that week.
    pub hotfixes: Vec<ReleaseSummary>,
}

/// The release calendar from the current ISO week on.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseCalendar {
    pub now: String,
    pub weeks: Vec<CalendarWeek>,
}

/// One week of the captain rota.
#[derive(Debug, Clone, Serialize)]
pub struct RotaEntryView {
    pub week: String,
    pub captain: String,
    /// False once the captain was offboarded (the week then has no captain).
    pub captain_active: bool,
    pub set_by: String,
    pub set_at: String,
}

impl From<mrv_store::RotaRecord> for RotaEntryView {
    fn from(r: mrv_store::RotaRecord) -> RotaEntryView {
        RotaEntryView {
            week: r.week,
            captain: r.captain,
            captain_active: r.captain_active,
            set_by: r.set_by,
            set_at: r.set_at,
        }
    }
}

/// A closed release in the changelog.
#[derive(Debug, Clone, Serialize)]
pub struct ChangelogEntry {
    pub id: i64,
    pub tag: String,
    pub kind: String,
    pub week: String,
    pub captain: Option<String>,
    pub notes: String,
    pub promoted_at: Option<String>,
    pub closed_at: String,
}

/// What `release plan` asks for.
#[derive(Debug, Clone, Default)]
pub struct NewRelease {
    /// The date (`YYYY-MM-DD`) to plan on or after; none: the next slot from now.
    pub date: Option<String>,
    /// A hotfix ships now, outside the slots.
    pub hotfix: bool,
    pub notes: String,
}

fn stored_instant(text: &str, what: &str) -> Result<Timestamp, AppError> {
    rel::parse_instant(text)
        .ok_or_else(|| AppError::Internal(format!("stored {what} {text:?} is not a time")))
}

fn state_of(r: &ReleaseRecord) -> Result<ReleaseState, AppError> {
    ReleaseState::parse(&r.state).map_err(AppError::Internal)
}

fn active_captain(conn: &mrv_store::Connection, week: &str) -> Result<Option<String>, AppError> {
    Ok(mrv_store::rota_week(conn, week)?
        .filter(|r| r.captain_active)
        .map(|r| r.captain))
}

fn outcomes(runs: &[MonitorRunRecord]) -> Result<Vec<MonitorOutcome>, AppError> {
    runs.iter()
        .map(|r| {
            Ok(MonitorOutcome {
                at: stored_instant(&r.started_at, "monitor run time")?,
                green: r.green,
                failure: r.failure.clone(),
            })
        })
        .collect()
}

/// What blocks promoting a soaking release at `now`.
fn blockers(
    conn: &mrv_store::Connection,
    r: &ReleaseRecord,
    now: Timestamp,
) -> Result<Vec<String>, AppError> {
    let Some(started) = &r.soak_started_at else {
        return Ok(vec!["the release has not started soaking".into()]);
    };
    let soak = rel::soak_clock(stored_instant(started, "soak start")?);
    let runs = outcomes(&mrv_store::monitor_runs(conn, r.id)?)?;
    Ok(rel::promotion_blockers(&soak, &runs, now))
}

fn watch_blocker(r: &ReleaseRecord, now: Timestamp) -> Result<Option<String>, AppError> {
    let Some(promoted) = &r.promoted_at else {
        return Ok(Some("the release was not promoted".into()));
    };
    let watch = rel::watch_clock(stored_instant(promoted, "promotion time")?);
    Ok(rel::watch_end_blocker(&watch, now))
}

/// The release states the synthetic monitor runs in.
const MONITORED: [ReleaseState; 3] = [
    ReleaseState::Planned,
    ReleaseState::Soaking,
    ReleaseState::Watching,
];

impl Mrv {
    fn release_record(conn: &mrv_store::Connection, id: i64) -> Result<ReleaseRecord, AppError> {
        mrv_store::release(conn, id)?.ok_or(AppError::NotFound {
            what: "release",
            id: id.to_string(),
        })
    }

    /// Whether the signed-in user may run the procedure (without failing when not).
    fn manages_releases(&self, session: &Session) -> bool {
        self.authorize(session, Action::ManageReleases).is_ok()
    }

    fn release_view(
        &self,
        session: &Session,
        r: ReleaseRecord,
        now: Timestamp,
    ) -> Result<ReleaseView, AppError> {
        let conn = self.ws.conn();
        let state = state_of(&r)?;
        let captain = active_captain(conn, &r.week)?;
        let runs = mrv_store::monitor_runs(conn, r.id)?;
        let ended = r.rolled_back_at.as_deref();
        let mut clocks = Vec::new();
        if let Some(s) = &r.soak_started_at {
            let met = r.promoted_at.as_deref().or(ended);
            let c = rel::soak_clock(stored_instant(s, "soak start")?).met(
                met.map(|m| stored_instant(m, "promotion time"))
                    .transpose()?,
            );
            clocks.push(clock_view(&c, now));
        }
        if let Some(p) = &r.promoted_at {
            let met = r.watch_ended_at.as_deref().or(ended);
            let c = rel::watch_clock(stored_instant(p, "promotion time")?)
                .met(met.map(|m| stored_instant(m, "watch end")).transpose()?);
            clocks.push(clock_view(&c, now));
        }
        let promotion_blockers = if state == ReleaseState::Soaking {
            blockers(conn, &r, now)?
        } else {
            vec![]
        };
        let mut offers = Vec::new();
        let offer = |step: &str, reason: Option<String>| ReleaseOffer {
            step: step.to_owned(),
            enabled: reason.is_none(),
            reason,
        };
        if self.manages_releases(session) {
            match state {
                ReleaseState::Planned => offers.push(offer("soak", None)),
                ReleaseState::Soaking => {
                    let why =
                        (!promotion_blockers.is_empty()).then(|| promotion_blockers.join("; "));
                    offers.push(offer("promote", why));
                }
                ReleaseState::Watching => {
                    offers.push(offer("watch_end", watch_blocker(&r, now)?));
                }
                ReleaseState::Watched => offers.push(offer("close", None)),
                ReleaseState::Closed | ReleaseState::RolledBack => {}
            }
            if MONITORED.contains(&state) {
                let why = match mrv_store::auditlog(conn)? {
                    Some(_) => None,
                    None => Some("the workspace is not connected to an audit log".to_owned()),
                };
                offers.push(offer("monitor", why));
            }
        }
        if ReleaseEvent::Rollback.from_states().contains(&state)
            && rel::may_roll_back(
                &session.user.name,
                self.manages_releases(session),
                captain.as_deref(),
                &r.week,
            )
            .is_ok()
        {
            offers.push(offer("rollback", None));
        }
        Ok(ReleaseView {
            id: r.id,
            tag: r.tag,
            kind: r.kind,
            slot_at: r.slot_at,
            week: r.week,
            captain,
            notes: r.notes,
            state: r.state,
            planned_by: r.planned_by,
            planned_at: r.planned_at,
            soak_started_at: r.soak_started_at,
            promoted_at: r.promoted_at,
            watch_ended_at: r.watch_ended_at,
            closed_at: r.closed_at,
            rolled_back_at: r.rolled_back_at,
            rolled_back_by: r.rolled_back_by,
            rollback_reason: r.rollback_reason,
            clocks,
            monitor_runs: runs.into_iter().map(Into::into).collect(),
            promotion_blockers,
            offers,
            now: now.to_string(),
        })
    }

    /// Plans a release: the next tag `vYYYY.MM.DD.N` of its slot's date, the slot (the first
    /// weekday 14:00 UTC on or after `date`, or from now; a hotfix: now) and its week's captain.
    pub fn plan_release(
        &mut self,
        session: &Session,
        new: &NewRelease,
    ) -> Result<ReleaseView, AppError> {
        let granted = self.authorize(session, Action::ManageReleases)?;
        let notes = new.notes.trim();
        if notes.len() > MAX_NOTES_BYTES {
            return Err(AppError::InvalidInput(format!(
                "--notes: release notes are at most {MAX_NOTES_BYTES} bytes"
            )));
        }
        let date = new
            .date
            .as_deref()
            .map(|d| {
                rel::parse_date(d.trim())
                    .map_err(|e| AppError::InvalidInput(format!("--date: {e}")))
            })
            .transpose()?;
        if new.hotfix && date.is_some() {
            return Err(AppError::InvalidInput(
                "--date: a hotfix ships now, outside the slots; leave --date out".into(),
            ));
        }
        let now = clock::now();
        let (kind, slot) = if new.hotfix {
            (ReleaseKind::Hotfix, now)
        } else {
            let slot = match date {
                Some(d) => rel::slot_on_or_after_date(d),
                None => rel::next_slot(now),
            };
            if slot < now {
                return Err(AppError::InvalidInput(format!(
                    "--date: its slot {slot} has already passed (now {now}); plan a later date or a --hotfix"
                )));
            }
            (ReleaseKind::Scheduled, slot)
        };
        let slot_date = rel::utc_date(slot);
        let week = rel::iso_week(slot_date);
        let at = now.to_string();
        let tx = self.transaction(&granted)?;
        let taken = mrv_store::release_tags_with_prefix(&tx, &rel::tag_prefix(slot_date))?;
        let tag = rel::propose_tag(slot_date, taken.iter().map(String::as_str));
        let id = mrv_store::insert_release(
            &tx,
            &mrv_store::NewReleaseRecord {
                tag: &tag,
                kind: kind.as_str(),
                slot_at: &slot.to_string(),
                week: &week,
                notes,
                planned_by: granted.user_id(),
                planned_at: &at,
            },
        )?;
        let captain = active_captain(&tx, &week)?;
        crate::journal::append(
            &tx,
            &at,
            granted.user(),
            "release.plan",
            &format!("release:{id}"),
            serde_json::json!({
                "tag": tag, "kind": kind.as_str(), "slot_at": slot.to_string(), "week": week,
                "captain": captain, "notes": notes,
            }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.release_view(
            session,
            Self::release_record(self.ws.conn(), id)?,
            clock::now(),
        )
    }

    /// One step of the procedure in one transaction: the release read again inside it, the
    /// state machine and `gate` asked, the step stored and journaled (`detail` added to the
    /// journal entry). A rollback comes with its reason.
    #[allow(clippy::too_many_arguments)]
    fn release_step(
        &mut self,
        session: &Session,
        granted: &Granted,
        id: i64,
        event: ReleaseEvent,
        gate: impl FnOnce(&mrv_store::Connection, &ReleaseRecord, Timestamp) -> Result<(), AppError>,
        detail: serde_json::Value,
        rollback_reason: Option<&str>,
    ) -> Result<ReleaseView, AppError> {
        let now = clock::now();
        let at = now.to_string();
        let tx = self.transaction(granted)?;
        let r = Self::release_record(&tx, id)?;
        let from = state_of(&r)?;
        let to = rel::next_release_state(from, event)
            .map_err(|e| AppError::Conflict(format!("release {id} ({}): {e}", r.tag)))?;
        gate(&tx, &r, now)?;
        let moved = match rollback_reason {
            Some(reason) => mrv_store::roll_back_release(
                &tx,
                id,
                from.as_str(),
                granted.user_id(),
                reason,
                &at,
            )?,
            None => mrv_store::set_release_state(&tx, id, from.as_str(), to.as_str(), &at)?,
        };
        if !moved {
            return Err(AppError::Conflict(format!(
                "release {id} changed while this step ran; look again"
            )));
        }
        let mut payload =
            serde_json::json!({"tag": r.tag, "from": from.as_str(), "to": to.as_str()});
        if let (Some(p), serde_json::Value::Object(d)) = (payload.as_object_mut(), detail) {
            p.extend(d);
        }
        let action = format!("release.{}", event.as_str().replace('-', "_"));
        crate::journal::append(
            &tx,
            &at,
            granted.user(),
            &action,
            &format!("release:{id}"),
            payload,
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.release_view(
            session,
            Self::release_record(self.ws.conn(), id)?,
            clock::now(),
        )
    }

    /// Deploys a planned release to staging: its 30-minute soak clock starts.
    pub fn soak_release(&mut self, session: &Session, id: i64) -> Result<ReleaseView, AppError> {
        let granted = self.authorize(session, Action::ManageReleases)?;
        self.release_step(
            session,
            &granted,
            id,
            ReleaseEvent::Soak,
            |_, _, _| Ok(()),
            serde_json::json!({"soak_seconds": SOAK_SECONDS}),
            None,
        )
    }

    /// Promotes a soaking release to production once its soak has run out and the last
    /// synthetic-monitor run since the soak started is green; the refusal names what is missing.
    pub fn promote_release(&mut self, session: &Session, id: i64) -> Result<ReleaseView, AppError> {
        let granted = self.authorize(session, Action::ManageReleases)?;
        self.release_step(
            session,
            &granted,
            id,
            ReleaseEvent::Promote,
            |conn, r, now| {
                let b = blockers(conn, r, now)?;
                if b.is_empty() {
                    return Ok(());
                }
                Err(AppError::Conflict(format!(
                    "release {} ({}) cannot be promoted yet: {}",
                    r.id,
                    r.tag,
                    b.join("; ")
                )))
            },
            serde_json::json!({"watch_seconds": WATCH_SECONDS}),
            None,
        )
    }

    /// Ends the 30-minute post-release watch (refused before it has run out).
    pub fn end_release_watch(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<ReleaseView, AppError> {
        let granted = self.authorize(session, Action::ManageReleases)?;
        self.release_step(
            session,
            &granted,
            id,
            ReleaseEvent::WatchEnd,
            |_, r, now| match watch_blocker(r, now)? {
                None => Ok(()),
                Some(why) => Err(AppError::Conflict(format!(
                    "release {} ({}): the watch cannot end yet: {why}",
                    r.id, r.tag
                ))),
            },
            serde_json::json!({}),
            None,
        )
    }

    /// Closes a watched release into the changelog.
    pub fn close_release(&mut self, session: &Session, id: i64) -> Result<ReleaseView, AppError> {
        let granted = self.authorize(session, Action::ManageReleases)?;
        self.release_step(
            session,
            &granted,
            id,
            ReleaseEvent::Close,
            |_, _, _| Ok(()),
            serde_json::json!({}),
            None,
        )
    }

    /// Rolls a soaking or watching release back, with a reason: the captain of its week's
    /// decision, or an ops admin's when the week has no active captain.
    pub fn roll_back_release(
        &mut self,
        session: &Session,
        id: i64,
        reason: &str,
    ) -> Result<ReleaseView, AppError> {
        // Any live session; who may is decided below from the rota.
        let granted = self.authorize(session, Action::ViewEvidence)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::InvalidInput(
                "--reason: a rollback needs a reason".into(),
            ));
        }
        if reason.len() > MAX_NOTES_BYTES {
            return Err(AppError::InvalidInput(format!(
                "--reason: at most {MAX_NOTES_BYTES} bytes"
            )));
        }
        let manages = self.manages_releases(session);
        let user = session.user.name.clone();
        self.release_step(
            session,
            &granted,
            id,
            ReleaseEvent::Rollback,
            |conn, r, _| {
                let captain = active_captain(conn, &r.week)?;
                rel::may_roll_back(&user, manages, captain.as_deref(), &r.week)
                    .map_err(AppError::Forbidden)
            },
            serde_json::json!({"reason": reason}),
            Some(reason),
        )
    }

    /// Runs the synthetic monitor of a release against the workspace's audit log: fetches the
    /// latest checkpoint, verifies its signature with the pinned key and proves it consistent
    /// with the last checkpoint seen (the audit-log check itself). The run — green or red, the
    /// checkpoint's size, what failed, how long it took — is recorded and journaled in one
    /// transaction after the probe. A red run is an answer, not an error.
    pub fn run_release_monitor(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<MonitorRunView, AppError> {
        let granted = self.authorize(session, Action::ManageReleases)?;
        let check_state = |r: &ReleaseRecord| -> Result<(), AppError> {
            if MONITORED.contains(&state_of(r)?) {
                return Ok(());
            }
            Err(AppError::Conflict(format!(
                "release {} ({}) is {}: the synthetic monitor runs for planned, soaking or watching releases",
                r.id, r.tag, r.state
            )))
        };
        check_state(&Self::release_record(self.ws.conn(), id)?)?;
        let log = self.needs_log()?;
        let started = clock::now();
        let timer = std::time::Instant::now();
        let outcome = self.probe_auditlog(&log)?;
        let duration_ms = i64::try_from(timer.elapsed().as_millis()).unwrap_or(i64::MAX);
        let finished = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::release_record(&tx, id)?;
        check_state(&r)?;
        let (green, size, failure) = match outcome {
            Ok(size) => (true, Some(i64::try_from(size).unwrap_or(i64::MAX)), None),
            Err(e) => (false, None, Some(e)),
        };
        let mut record = MonitorRunRecord {
            id: 0,
            release_id: id,
            started_at: started.to_string(),
            finished_at: finished.clone(),
            duration_ms,
            green,
            log_url: log.0.url.clone(),
            checkpoint_size: size,
            failure: failure.clone(),
            run_by: granted.user().to_owned(),
        };
        record.id = mrv_store::insert_monitor_run(&tx, &record, granted.user_id())?;
        crate::journal::append(
            &tx,
            &finished,
            granted.user(),
            "release.monitor",
            &format!("release:{id}"),
            serde_json::json!({
                "tag": r.tag, "run": record.id, "green": green, "log_url": log.0.url,
                "checkpoint_size": size, "failure": failure, "duration_ms": duration_ms,
            }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(record.into())
    }

    /// Sets the release captain of an ISO week (`YYYY-Www`); the captain must be an active user.
    pub fn set_release_captain(
        &mut self,
        session: &Session,
        week: &str,
        captain: &str,
    ) -> Result<RotaEntryView, AppError> {
        let granted = self.authorize(session, Action::ManageReleases)?;
        let week = week.trim();
        let monday =
            rel::parse_iso_week(week).map_err(|e| AppError::InvalidInput(format!("--set: {e}")))?;
        // Normalized (`2026-W05`, never `2026-W5`), as the calendar looks it up.
        let week = rel::iso_week(monday);
        let name = captain.trim();
        if name.is_empty() {
            return Err(AppError::InvalidInput(
                "--set: name the captain (YYYY-Www=USER)".into(),
            ));
        }
        let at = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let user = mrv_store::user_by_name(&tx, name)?.ok_or(AppError::NotFound {
            what: "user",
            id: name.to_owned(),
        })?;
        if user.offboarded_at.is_some() {
            return Err(AppError::InvalidInput(format!(
                "--set: {name} is offboarded; a release captain must be an active user"
            )));
        }
        let before = mrv_store::rota_week(&tx, &week)?.map(|r| r.captain);
        mrv_store::set_rota(&tx, &week, user.id, granted.user_id(), &at)?;
        crate::journal::append(
            &tx,
            &at,
            granted.user(),
            "release.rota",
            &format!("rota:{week}"),
            serde_json::json!({"week": week, "captain": name, "previous": before}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(mrv_store::rota_week(self.ws.conn(), &week)?
            .expect("just set")
            .into())
    }

    /// The rota of `weeks` ISO weeks from the current one.
    pub fn release_rota(
        &self,
        session: &Session,
        weeks: u32,
    ) -> Result<Vec<RotaEntryView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let (from, to) = week_range(clock::now(), weeks);
        Ok(mrv_store::rota_between(self.ws.conn(), &from, &to)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The calendar of `weeks` ISO weeks (1..=52) from the current one: each weekday 14:00 UTC
    /// slot with the releases planned into it, each week's captain and hotfixes.
    pub fn release_calendar(
        &self,
        session: &Session,
        weeks: u32,
    ) -> Result<ReleaseCalendar, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        if !(1..=52).contains(&weeks) {
            return Err(AppError::InvalidInput(format!(
                "--weeks: {weeks} is not between 1 and 52"
            )));
        }
        let now = clock::now();
        let conn = self.ws.conn();
        let releases = mrv_store::list_releases(conn)?;
        let (from, to) = week_range(now, weeks);
        let rota = mrv_store::rota_between(conn, &from, &to)?;
        let mut out: Vec<CalendarWeek> = Vec::new();
        for slot in rel::calendar_slots(now, weeks) {
            let week = rel::iso_week(rel::utc_date(slot));
            if out.last().is_none_or(|w| w.week != week) {
                let captain = rota
                    .iter()
                    .find(|r| r.week == week && r.captain_active)
                    .map(|r| r.captain.clone());
                let hotfixes = releases
                    .iter()
                    .filter(|r| r.kind == ReleaseKind::Hotfix.as_str() && r.week == week)
                    .map(ReleaseSummary::from)
                    .collect();
                out.push(CalendarWeek {
                    week: week.clone(),
                    captain,
                    slots: vec![],
                    hotfixes,
                });
            }
            let at = slot.to_string();
            let planned = releases
                .iter()
                .filter(|r| r.kind == ReleaseKind::Scheduled.as_str() && r.slot_at == at)
                .map(ReleaseSummary::from)
                .collect();
            if let Some(w) = out.last_mut() {
                w.slots.push(CalendarSlot {
                    slot_at: at,
                    past: slot < now,
                    releases: planned,
                });
            }
        }
        Ok(ReleaseCalendar {
            now: now.to_string(),
            weeks: out,
        })
    }

    /// Every release, by slot.
    pub fn list_releases(&self, session: &Session) -> Result<Vec<ReleaseSummary>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        Ok(mrv_store::list_releases(self.ws.conn())?
            .iter()
            .map(ReleaseSummary::from)
            .collect())
    }

    /// One release with its clocks at now, its monitor runs and what the user may do now.
    pub fn release(&self, session: &Session, id: i64) -> Result<ReleaseView, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let r = Self::release_record(self.ws.conn(), id)?;
        self.release_view(session, r, clock::now())
    }

    /// The release the desk shows first: the earliest one still open (planned, soaking,
    /// watching or watched), if any.
    pub fn next_release(&self, session: &Session) -> Result<Option<ReleaseView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let open = mrv_store::list_releases(self.ws.conn())?
            .into_iter()
            .find(|r| !matches!(r.state.as_str(), "closed" | "rolled_back"));
        open.map(|r| self.release_view(session, r, clock::now()))
            .transpose()
    }

    /// The closed releases, newest first.
    pub fn release_changelog(&self, session: &Session) -> Result<Vec<ChangelogEntry>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let conn = self.ws.conn();
        let mut out = Vec::new();
        for r in mrv_store::list_releases(conn)?.into_iter().rev() {
            let Some(closed_at) = r.closed_at.clone() else {
                continue;
            };
            out.push(ChangelogEntry {
                captain: active_captain(conn, &r.week)?,
                id: r.id,
                tag: r.tag,
                kind: r.kind,
                week: r.week,
                notes: r.notes,
                promoted_at: r.promoted_at,
                closed_at,
            });
        }
        out.sort_by(|a, b| b.closed_at.cmp(&a.closed_at).then(b.id.cmp(&a.id)));
        Ok(out)
    }
}

/// The first and last ISO week of `weeks` weeks from the one holding `now`.
fn week_range(now: Timestamp, weeks: u32) -> (String, String) {
    let today = rel::utc_date(now);
    let last = today + chrono::Duration::days(7 * i64::from(weeks.max(1) - 1));
    (rel::iso_week(today), rel::iso_week(last))
}
