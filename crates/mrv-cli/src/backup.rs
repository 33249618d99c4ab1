//! The backup commands (SOP-007): the backup target, backup runs, snapshots, restore drills and
//! restoring a snapshot into a new folder. All of them are for ops admins.

use crate::print;
use crate::text::shown;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{DrillReport, Mrv, Session};
use std::path::PathBuf;

#[derive(Subcommand)]
pub(crate) enum BackupCommand {
    /// Where backups go.
    #[command(subcommand)]
    Target(TargetCommand),
    /// Make a snapshot now (database via VACUUM INTO, new files incrementally), then prune.
    Run,
    /// The last backup, its size and age, and what needs attention.
    Status,
    /// The snapshots on the backup target.
    List,
    /// Apply the retention rule now (every run does so after its snapshot).
    Prune,
    /// Restore the latest (or the given) snapshot into a temporary folder and check it.
    Drill {
        /// The snapshot's id (as `backup list` shows it); default: the latest.
        #[arg(value_name = "ID")]
        id: Option<String>,
        #[arg(long = "snapshot", value_name = "ID", conflicts_with = "id")]
        snapshot: Option<String>,
    },
    /// Every restore drill recorded, newest first.
    Drills,
    /// Restore a snapshot: with `--into DIR` into a NEW folder (refused if it exists); with
    /// `--confirm` into place — the live workspace is kept aside as
    /// `<workspace>.replaced-<time>` and the checked snapshot takes its place.
    Restore {
        #[arg(value_name = "ID", required_unless_present = "snapshot")]
        id: Option<String>,
        #[arg(long = "snapshot", value_name = "ID", conflicts_with = "id")]
        snapshot: Option<String>,
        #[arg(long, required_unless_present = "confirm", conflicts_with = "confirm")]
        into: Option<PathBuf>,
        /// Replace the live workspace with the snapshot (it is kept aside, never deleted).
        #[arg(long)]
        confirm: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum TargetCommand {
    /// Set the folder (another disk or a mounted share) backups go to.
    Set { dir: PathBuf },
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

fn drill_text(d: &DrillReport) -> String {
    let mut t = format!(
        "drill {} of snapshot {}: {} in {} ms ({} by {})\n",
        d.id,
        shown(&d.snapshot),
        if d.ok { "PASSED" } else { "FAILED" },
        d.duration_ms,
        d.started_at,
        shown(&d.run_by)
    );
    for c in &d.checks {
        t.push_str(&format!(
            "  {} {:<18} {}\n",
            if c.ok { "ok  " } else { "FAIL" },
            c.check,
            shown(&c.detail)
        ));
    }
    t
}

pub(crate) fn backup(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: BackupCommand,
) -> Result<()> {
    match cmd {
        BackupCommand::Target(TargetCommand::Set { dir }) => {
            let t = mrv.set_backup_target(session, &dir)?;
            print(json, &t, |t| {
                format!(
                    "backup target set to {}\n",
                    shown(&t.path.display().to_string())
                )
            })
        }
        BackupCommand::Run => {
            let run = mrv.run_backup(session)?;
            print(json, &run, |r| {
                format!(
                    "snapshot {} ({}) at {}: {}, {} file(s) ({} copied, {}); {} snapshot(s) and {} file(s) pruned\n",
                    r.snapshot,
                    r.kind,
                    shown(&r.path.display().to_string()),
                    size(r.bytes),
                    r.file_count,
                    r.files_copied,
                    size(r.bytes_copied),
                    r.pruned.len(),
                    r.files_pruned
                )
            })
        }
        BackupCommand::Status => {
            let s = mrv.backup_status(session)?;
            print(json, &s, |s| {
                let mut t = String::new();
                match &s.target {
                    Some(target) => t.push_str(&format!(
                        "target       {}\n",
                        shown(&target.path.display().to_string())
                    )),
                    None => t.push_str("target       not set\n"),
                }
                match &s.last_backup {
                    Some(r) => t.push_str(&format!(
                        "last backup  {} {} ({}){}\n",
                        r.finished_at,
                        if r.ok { "ok" } else { "FAILED" },
                        size(r.bytes.max(0) as u64),
                        s.last_ok_age_seconds
                            .map(|a| format!(
                                ", last good one {} h {} min ago",
                                a / 3600,
                                a % 3600 / 60
                            ))
                            .unwrap_or_default()
                    )),
                    None => t.push_str("last backup  none\n"),
                }
                t.push_str(&format!(
                    "last passed drill {}\n",
                    s.last_passed_drill.as_deref().unwrap_or("none passed")
                ));
                for w in &s.warnings {
                    t.push_str(&format!("warning: {}\n", shown(w)));
                }
                t
            })
        }
        BackupCommand::List => {
            let list = mrv.list_snapshots(session)?;
            print(json, &list, |l| {
                if l.is_empty() {
                    return "no snapshots\n".into();
                }
                l.iter()
                    .map(|s| {
                        format!(
                            "{}  {:<8} {:>10}  {} file(s)\n",
                            s.snapshot,
                            s.kind,
                            size(s.bytes),
                            s.file_count
                        )
                    })
                    .collect()
            })
        }
        BackupCommand::Prune => {
            let p = mrv.prune_backups(session)?;
            print(json, &p, |p| {
                format!(
                    "{} snapshot(s) and {} file(s) pruned{}\n",
                    p.pruned.len(),
                    p.files_pruned,
                    if p.pruned.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", p.pruned.join(", "))
                    }
                )
            })
        }
        BackupCommand::Drill { id, snapshot } => {
            let report = mrv.backup_drill(session, id.or(snapshot).as_deref())?;
            print(json, &report, drill_text)?;
            if !report.ok {
                anyhow::bail!(mrv_app::AppError::Conflict(format!(
                    "the drill of snapshot {} failed: {}",
                    report.snapshot,
                    report.problems.join("; ")
                )));
            }
            Ok(())
        }
        BackupCommand::Drills => {
            let drills = mrv.backup_drills(session)?;
            print(json, &drills, |ds| {
                if ds.is_empty() {
                    return "no drills\n".into();
                }
                ds.iter().map(drill_text).collect()
            })
        }
        BackupCommand::Restore {
            id,
            snapshot,
            into: None,
            ..
        } => {
            let id = id.or(snapshot).unwrap_or_default();
            let r = mrv.restore_in_place(session, &id)?;
            print(json, &r, |r| {
                format!(
                    "snapshot {} restored into place at {} ({} file(s), {}); the replaced workspace is kept in {}\n",
                    r.snapshot,
                    shown(&r.workspace.display().to_string()),
                    r.files,
                    size(r.bytes),
                    shown(&r.kept_aside.display().to_string()),
                )
            })
        }
        BackupCommand::Restore {
            id,
            snapshot,
            into: Some(into),
            ..
        } => {
            let id = id.or(snapshot).unwrap_or_default();
            let r = mrv.restore_snapshot(session, &id, &into)?;
            print(json, &r, |r| {
                format!(
                    "snapshot {} restored into {} ({} file(s), {}); to use it, move the live workspace aside and this folder into its place\n",
                    r.snapshot,
                    shown(&r.into.display().to_string()),
                    r.files,
                    size(r.bytes)
                )
            })
        }
    }
}
