//! The release commands (SOP-002): plan, the soak/monitor/promote/watch/close/rollback steps,
//! the calendar of weekday 14:00 UTC slots, the captain rota and the changelog. Parsing and
//! printing only; the rules are `mrv_app`'s (and `mrv_core::release`'s).

use crate::print;
use crate::text::shown;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{
    AppError, ChangelogEntry, MonitorRunView, Mrv, NewRelease, ReleaseCalendar, ReleaseSummary,
    ReleaseView, RotaEntryView, Session,
};
use std::path::PathBuf;

#[derive(Subcommand)]
pub(crate) enum ReleaseCommand {
    /// Plan a release: the next tag vYYYY.MM.DD.N, its slot (the next weekday 14:00 UTC on or
    /// after --date, or from now; a hotfix: now) and the week's captain.
    Plan {
        /// The date (YYYY-MM-DD) to plan on or after.
        #[arg(long)]
        date: Option<String>,
        /// A hotfix: ships now, outside the slots.
        #[arg(long)]
        hotfix: bool,
        /// The release notes.
        #[arg(long, conflicts_with = "notes_file")]
        notes: Option<String>,
        /// Read the release notes from a UTF-8 file.
        #[arg(long)]
        notes_file: Option<PathBuf>,
    },
    /// Deploy to staging: the 30-minute soak clock starts.
    Soak { id: i64 },
    /// Run the synthetic monitor against the workspace's audit log (checkpoint, signature,
    /// consistency) and record the run; a red run blocks promotion.
    Monitor { id: i64 },
    /// Promote to production (the soak over and a green monitor run since it started).
    Promote { id: i64 },
    /// End the 30-minute post-release watch of the RED metrics.
    WatchEnd { id: i64 },
    /// Roll back a soaking or watching release (the week's captain; ops admin without one).
    Rollback {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Close a watched release into the changelog.
    Close { id: i64 },
    /// The weekday 14:00 UTC slots with their captains, planned releases and hotfixes.
    Calendar {
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=52))]
        weeks: u32,
    },
    /// The captain rota; `--set YYYY-Www=USER` sets a week's captain.
    Rota {
        #[arg(long, value_name = "YYYY-Www=USER")]
        set: Option<String>,
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=52))]
        weeks: u32,
    },
    /// A release with its clocks, monitor runs and the steps open now.
    Show { id: i64 },
    /// Every release.
    List,
    /// The closed releases, newest first.
    Changelog,
}

pub(crate) fn release(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: ReleaseCommand,
) -> Result<()> {
    match cmd {
        ReleaseCommand::Plan {
            date,
            hotfix,
            notes,
            notes_file,
        } => {
            let notes = match (notes, notes_file) {
                (Some(n), _) => n,
                (None, Some(path)) => std::fs::read_to_string(&path).map_err(|e| {
                    AppError::InvalidInput(format!(
                        "--notes-file: cannot read {}: {e}",
                        path.display()
                    ))
                })?,
                (None, None) => String::new(),
            };
            let view = mrv.plan_release(
                session,
                &NewRelease {
                    date,
                    hotfix,
                    notes,
                },
            )?;
            print(json, &view, release_text)
        }
        ReleaseCommand::Soak { id } => print(json, &mrv.soak_release(session, id)?, release_text),
        ReleaseCommand::Monitor { id } => {
            print(json, &mrv.run_release_monitor(session, id)?, |r| {
                run_line(r) + "\n"
            })
        }
        ReleaseCommand::Promote { id } => {
            print(json, &mrv.promote_release(session, id)?, release_text)
        }
        ReleaseCommand::WatchEnd { id } => {
            print(json, &mrv.end_release_watch(session, id)?, release_text)
        }
        ReleaseCommand::Rollback { id, reason } => print(
            json,
            &mrv.roll_back_release(session, id, &reason)?,
            release_text,
        ),
        ReleaseCommand::Close { id } => print(json, &mrv.close_release(session, id)?, release_text),
        ReleaseCommand::Calendar { weeks } => {
            print(json, &mrv.release_calendar(session, weeks)?, calendar_text)
        }
        ReleaseCommand::Rota { set, weeks } => match set {
            Some(set) => {
                let (week, user) = set.split_once('=').ok_or_else(|| {
                    AppError::InvalidInput(format!(
                        "--set: `{set}` is not YYYY-Www=USER (e.g. 2026-W49=oscar)"
                    ))
                })?;
                let entry = mrv.set_release_captain(session, week, user)?;
                print(json, &entry, |e| rota_text(std::slice::from_ref(e)))
            }
            None => print(json, &mrv.release_rota(session, weeks)?, |r| rota_text(r)),
        },
        ReleaseCommand::Show { id } => print(json, &mrv.release(session, id)?, release_text),
        ReleaseCommand::List => print(json, &mrv.list_releases(session)?, |l| list_text(l)),
        ReleaseCommand::Changelog => print(json, &mrv.release_changelog(session)?, |c| {
            changelog_text(c)
        }),
    }
}

fn run_line(r: &MonitorRunView) -> String {
    let what = match (&r.checkpoint_size, &r.failure) {
        (_, Some(f)) => format!("RED   {}", shown(f)),
        (Some(size), None) => format!("GREEN checkpoint size {size}"),
        (None, None) => "GREEN".to_owned(),
    };
    format!(
        "run {} at {} ({} ms, {} by {}): {what}",
        r.id,
        r.started_at,
        r.duration_ms,
        shown(&r.log_url),
        shown(&r.run_by)
    )
}

fn left(seconds: i64) -> String {
    let a = seconds.abs();
    let t = format!("{}m {:02}s", a / 60, a % 60);
    if seconds < 0 {
        format!("overdue by {t}")
    } else {
        format!("{t} left")
    }
}

fn release_text(v: &ReleaseView) -> String {
    let mut s = format!(
        "release {} {} ({}): {}\n  slot      {}, week {}, captain {}\n  planned   by {} at {}\n",
        v.id,
        shown(&v.tag),
        v.kind,
        v.state,
        v.slot_at,
        v.week,
        v.captain.as_deref().map_or("none".into(), shown),
        shown(&v.planned_by),
        v.planned_at
    );
    if let (Some(at), Some(by)) = (&v.rolled_back_at, &v.rolled_back_by) {
        s += &format!(
            "  rolled back by {} at {}: {}\n",
            shown(by),
            at,
            shown(v.rollback_reason.as_deref().unwrap_or(""))
        );
    }
    for c in &v.clocks {
        let state = match c.remaining_seconds {
            Some(r) => format!("{}, {}", c.state, left(r)),
            None => c.state.to_string(),
        };
        s += &format!("  clock     {}: due {} ({state})\n", c.name, c.due_at);
    }
    for r in &v.monitor_runs {
        s += &format!("  monitor   {}\n", run_line(r));
    }
    for b in &v.promotion_blockers {
        s += &format!("  blocked   {}\n", shown(b));
    }
    for o in &v.offers {
        match &o.reason {
            None => s += &format!("  next      {}\n", o.step),
            Some(r) => s += &format!("  not yet   {}: {}\n", o.step, shown(r)),
        }
    }
    if !v.notes.is_empty() {
        s += "  notes\n";
        for line in v.notes.lines() {
            s += &format!("    {}\n", shown(line));
        }
    }
    s
}

fn summary(r: &ReleaseSummary) -> String {
    format!("{} {} ({})", shown(&r.tag), r.state, r.kind)
}

fn calendar_text(c: &ReleaseCalendar) -> String {
    let mut s = format!("release calendar (now {})\n", c.now);
    for w in &c.weeks {
        s += &format!(
            "{}  captain {}\n",
            w.week,
            w.captain.as_deref().map_or("none".into(), shown)
        );
        for slot in &w.slots {
            let planned: Vec<String> = slot.releases.iter().map(summary).collect();
            s += &format!(
                "  {}{}  {}\n",
                slot.slot_at,
                if slot.past { " (past)" } else { "" },
                if planned.is_empty() {
                    "-".to_owned()
                } else {
                    planned.join(", ")
                }
            );
        }
        for h in &w.hotfixes {
            s += &format!("  hotfix {} at {}\n", summary(h), h.slot_at);
        }
    }
    s
}

fn rota_text(r: &[RotaEntryView]) -> String {
    let mut s = "WEEK\tCAPTAIN\tSET BY\tSET AT\n".to_owned();
    for e in r {
        s += &format!(
            "{}\t{}{}\t{}\t{}\n",
            e.week,
            shown(&e.captain),
            if e.captain_active {
                ""
            } else {
                " (offboarded)"
            },
            shown(&e.set_by),
            e.set_at
        );
    }
    s
}

fn list_text(l: &[ReleaseSummary]) -> String {
    let mut s = "ID\tTAG\tKIND\tSLOT (UTC)\tSTATE\n".to_owned();
    for r in l {
        s += &format!(
            "{}\t{}\t{}\t{}\t{}\n",
            r.id,
            shown(&r.tag),
            r.kind,
            r.slot_at,
            r.state
        );
    }
    s
}

fn changelog_text(c: &[ChangelogEntry]) -> String {
    let mut s = String::new();
    for e in c {
        s += &format!(
            "{} ({}, week {}, captain {}) closed {}\n",
            shown(&e.tag),
            e.kind,
            e.week,
            e.captain.as_deref().map_or("none".into(), shown),
            e.closed_at
        );
        for line in e.notes.lines() {
            s += &format!("  {}\n", shown(line));
        }
    }
    if s.is_empty() {
        s = "no release closed yet\n".into();
    }
    s
}
