//! The data-change commands (SOP-004, `docs/data-changes.md`): open a ticket from an SQL file
//! and its rollback, dry-run it on a copy of the database, approve or reject it (another
//! person), apply it, roll it back, show and list. Parsing and printing only; the rules are
//! `mrv_app`'s and `mrv_core`'s.

use crate::print;
use crate::text::shown;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{DataChangeSummary, DataChangeView, DryRunView, Mrv, NewDataChange, Session};
use std::path::PathBuf;

#[derive(Subcommand)]
pub(crate) enum ChangeCommand {
    /// Open a ticket: the change's SQL, its rollback SQL and why (ops admin).
    Open {
        /// The SQL of the change (a regular UTF-8 file).
        #[arg(long, value_name = "FILE")]
        sql: PathBuf,
        /// The SQL that undoes it.
        #[arg(long, value_name = "FILE")]
        rollback: PathBuf,
        /// Why the data must change (the ticket).
        #[arg(long)]
        reason: String,
    },
    /// Run the change on a copy of the database: row counts before and after, the changed
    /// rows, and whether it touches protected data (ops admin).
    DryRun { id: i64 },
    /// Approve a ticket whose dry run passed (tenant admin, not its author).
    Approve {
        id: i64,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Reject a ticket with a reason (tenant admin, not its author).
    Reject {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// Apply an approved ticket in one transaction (ops admin).
    Apply { id: i64 },
    /// Apply an applied ticket's rollback SQL in one transaction (ops admin).
    Rollback { id: i64 },
    /// A ticket: its SQL, review, dry run with counts and diff.
    Show { id: i64 },
    /// Every ticket, newest first.
    List,
}

fn value(v: &Option<String>) -> String {
    v.as_deref()
        .map_or_else(|| "NULL".to_owned(), |x| shown(x).into_owned())
}

fn run_text(label: &str, run: &DryRunView) -> String {
    let mut s = format!(
        "{label} by {} at {}: {}\n",
        shown(&run.by),
        run.at,
        if run.ok { "ok" } else { "refused" }
    );
    if let Some(e) = &run.error {
        s += &format!("  ERROR {}\n", shown(e));
    }
    for r in &run.refusals {
        s += &format!("  REFUSED {}\n", shown(r));
    }
    if let Some(d) = &run.diff {
        for c in d.counts.iter().filter(|c| c.before != c.after) {
            s += &format!("  COUNT {}\t{} -> {}\n", c.table, c.before, c.after);
        }
        for t in &d.tables {
            s += &format!(
                "  TABLE {}\t{} inserted, {} deleted, {} updated\n",
                t.table, t.inserted, t.deleted, t.updated
            );
        }
        for (table, row) in &d.rows {
            let cols: Vec<String> = row
                .columns
                .iter()
                .map(|c| {
                    format!(
                        "{}: {} -> {}",
                        shown(&c.column),
                        value(&c.before),
                        value(&c.after)
                    )
                })
                .collect();
            s += &format!(
                "  ROW {} {} ({})\t{}\n",
                row.change,
                table,
                shown(&row.key),
                cols.join("; ")
            );
        }
        if d.left_out > 0 {
            s += &format!("  ... {} more changed rows not kept\n", d.left_out);
        }
        s += &format!("  diff sha256 {}\n", d.sha256);
    }
    s
}

fn view_text(v: &DataChangeView) -> String {
    let mut s = format!(
        "change {} {}: {} (opened by {} at {})\n",
        v.id,
        v.state,
        shown(&v.reason),
        shown(&v.author),
        v.opened_at
    );
    s += &format!("SQL\n{}\n", shown(v.sql.trim_end()));
    s += &format!("ROLLBACK\n{}\n", shown(v.rollback_sql.trim_end()));
    if let Some(run) = &v.dry_run {
        s += &run_text("DRY RUN", run);
    }
    if let (Some(r), Some(at)) = (&v.reviewer, &v.reviewed_at) {
        s += &format!(
            "REVIEWED by {} at {}{}\n",
            shown(r),
            at,
            v.review_reason
                .as_deref()
                .map(|x| format!(": {}", shown(x)))
                .unwrap_or_default()
        );
    }
    if let Some(run) = &v.applied {
        s += &run_text("APPLIED", run);
    }
    if let Some(run) = &v.rolled_back {
        s += &run_text("ROLLED BACK", run);
    }
    for o in &v.offers {
        s += &format!(
            "NEXT {}{}\n",
            o.step,
            o.reason
                .as_deref()
                .map(|r| format!(" (blocked: {})", shown(r)))
                .unwrap_or_default()
        );
    }
    s
}

fn list_text(list: &[DataChangeSummary]) -> String {
    let mut s = String::new();
    for c in list {
        s += &format!(
            "change {} {}: {} (by {}{}; {})\n",
            c.id,
            c.state,
            shown(&c.reason),
            shown(&c.author),
            c.reviewer
                .as_deref()
                .map(|r| format!(", reviewed by {}", shown(r)))
                .unwrap_or_default(),
            match c.changed_rows {
                Some(n) => format!("{n} rows in {}", c.tables.join(", ")),
                None => "not dry-run".to_owned(),
            }
        );
    }
    if list.is_empty() {
        s += "no data changes\n";
    }
    s
}

pub(crate) fn change(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: ChangeCommand,
) -> Result<()> {
    let view = match cmd {
        ChangeCommand::Open {
            sql,
            rollback,
            reason,
        } => mrv.open_data_change(
            session,
            &NewDataChange {
                sql_file: sql,
                rollback_file: rollback,
                reason,
            },
        )?,
        ChangeCommand::DryRun { id } => mrv.dry_run_data_change(session, id)?,
        ChangeCommand::Approve { id, reason } => {
            mrv.approve_data_change(session, id, reason.as_deref())?
        }
        ChangeCommand::Reject { id, reason } => mrv.reject_data_change(session, id, &reason)?,
        ChangeCommand::Apply { id } => mrv.apply_data_change(session, id)?,
        ChangeCommand::Rollback { id } => mrv.roll_back_data_change(session, id)?,
        ChangeCommand::Show { id } => mrv.data_change(session, id)?,
        ChangeCommand::List => {
            let list = mrv.data_changes(session)?;
            return print(json, &list, |l| list_text(l));
        }
    };
    print(json, &view, view_text)
}
