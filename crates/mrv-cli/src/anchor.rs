//! The audit-log commands: connect the workspace to a log, its health, anchoring, receipts.

use crate::print;
use crate::text::shown;
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use mrv_app::{AnchorView, LogHealth, Mrv, Session};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub(crate) enum AuditlogCommand {
    /// Connect this workspace to an audit log, pinning its verifier key (ops admin).
    Connect {
        url: String,
        /// The log's verifier key, as `mrv-auditlog keygen` printed it.
        #[arg(long)]
        vkey: String,
        /// A writer token from `mrv-auditlog token add`.
        #[arg(long, env = "MRV_AUDITLOG_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// The log's health: latest verified checkpoint, last consistency proof, alarms, queue.
    Status {
        /// Fetch the log's latest checkpoint and check it first.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct AnchorArgs {
    #[command(subcommand)]
    show: Option<AnchorShow>,
    /// Anchor this approved batch's stamp now.
    #[arg(required_unless_present = "pending", conflicts_with = "pending")]
    batch: Option<i64>,
    /// Send every queued anchor that is due (and queue the journal head).
    #[arg(long)]
    pending: bool,
    /// With --pending: also those still waiting out their backoff.
    #[arg(long, requires = "pending")]
    all: bool,
}

#[derive(Subcommand)]
enum AnchorShow {
    /// A batch's anchor: state, log index, checkpoint size; writes its receipt and entry.
    Show {
        batch: i64,
        /// Folder for the receipt (`.tlog-proof`) and entry files; default: <workspace>/receipts.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Replace receipt and entry files already in the --output folder.
        #[arg(long)]
        force: bool,
    },
}

fn health_text(h: &LogHealth) -> String {
    let mut t = String::new();
    match &h.log {
        None => t.push_str(
            "audit log    not connected (mrv auditlog connect URL --vkey VKEY --token TOKEN)\n",
        ),
        Some(l) => {
            t.push_str(&format!(
                "audit log    {} at {}\n",
                shown(&l.origin),
                shown(&l.url)
            ));
            t.push_str(&format!("pinned key   {}\n", shown(&l.vkey)));
        }
    }
    if let Some(c) = &h.latest {
        t.push_str(&format!(
            "checkpoint   size {} root {} (verified {})\n",
            c.size, c.root_base64, c.seen_at
        ));
    }
    t.push_str(&format!(
        "consistency  last proven {}\n",
        h.last_consistent_at.as_deref().unwrap_or("never")
    ));
    if let Some(e) = &h.last_error {
        t.push_str(&format!("last error   {}\n", shown(e)));
    }
    t.push_str(&format!(
        "anchors      {} anchored, {} queued, {} failed (retrying)\n",
        h.anchored, h.queued, h.failed
    ));
    if let Some(j) = &h.journal_head {
        t.push_str(&format!(
            "journal head anchored at event {} ({}){}; {} event(s) since\n",
            j.seq,
            j.hash,
            if j.matches {
                ", matches the journal"
            } else {
                ""
            },
            j.unanchored_events
        ));
    }
    for p in &h.journal_problems {
        t.push_str(&format!(
            "JOURNAL      {} {}: {}\n",
            p.kind, p.object, p.detail
        ));
    }
    for a in &h.alarms {
        t.push_str(&format!(
            "ALARM        {} at {}: {}\n             both signed checkpoints are kept (mrv --json auditlog status)\n",
            shown(&a.kind.to_uppercase()),
            a.detected_at,
            shown(&a.detail)
        ));
    }
    t
}

fn anchor_text(a: &AnchorView) -> String {
    match a.state.as_str() {
        "anchored" => format!(
            "{} {}: anchored at index {} in checkpoint size {} of {}\n",
            a.kind,
            shown(&a.record_id),
            a.log_index.unwrap_or(-1),
            a.checkpoint_size.unwrap_or(-1),
            shown(a.origin.as_deref().unwrap_or("?"))
        ),
        state => format!(
            "{} {}: {state}{}{}\n",
            a.kind,
            shown(&a.record_id),
            a.last_error
                .as_deref()
                .map(|e| format!(" ({})", shown(e)))
                .unwrap_or_default(),
            a.next_attempt_at
                .as_deref()
                .map(|t| format!("; next attempt {t}"))
                .unwrap_or_default()
        ),
    }
}

pub(crate) fn auditlog(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: AuditlogCommand,
) -> Result<()> {
    let health = match cmd {
        AuditlogCommand::Connect { url, vkey, token } => {
            mrv.connect_auditlog(session, &url, &vkey, &token)?
        }
        AuditlogCommand::Status { check: true } => mrv.check_auditlog(session)?,
        AuditlogCommand::Status { check: false } => mrv.log_health(session)?,
    };
    print(json, &health, health_text)?;
    if let Some(p) = health.journal_problems.first() {
        anyhow::bail!(mrv_app::AppError::Conflict(format!(
            "the journal does not match the head anchored to the audit log: {} {}: {}",
            p.kind, p.object, p.detail
        )));
    }
    if !health.alarms.is_empty() {
        anyhow::bail!(mrv_app::AppError::Conflict(
            "the audit log signed conflicting checkpoints: see the alarm above".into()
        ));
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    anchor: &'a AnchorView,
    receipt_file: Option<PathBuf>,
    entry_file: PathBuf,
}

pub(crate) fn anchor(mrv: &mut Mrv, session: &Session, json: bool, args: AnchorArgs) -> Result<()> {
    if let Some(AnchorShow::Show {
        batch,
        output,
        force,
    }) = args.show
    {
        let a = mrv
            .batch_anchor(session, batch)?
            .ok_or_else(|| mrv_app::AppError::NotFound {
                what: "stamp anchor of batch",
                id: batch.to_string(),
            })?;
        // The workspace's own receipts folder is refreshed each time; a folder the user names
        // keeps its files unless --force.
        let overwrite = crate::overwrite(force || output.is_none());
        let dir = output.unwrap_or_else(|| mrv.root().join("receipts"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let entry_file = dir.join(format!("{}.entry", a.record_id));
        let receipt_file = a
            .receipt
            .as_ref()
            .map(|r| (dir.join(format!("{}.tlog-proof", a.record_id)), r));
        // Both checked before either is written: nothing half-written.
        for f in std::iter::once(&entry_file).chain(receipt_file.as_ref().map(|(f, _)| f)) {
            mrv_app::check_destination(f, overwrite)?;
        }
        mrv_app::write_atomic(&entry_file, a.entry.as_bytes(), overwrite)?;
        let receipt_file = match receipt_file {
            Some((f, r)) => {
                mrv_app::write_atomic(&f, r.as_bytes(), overwrite)?;
                Some(f)
            }
            None => None,
        };
        let shown = Shown {
            anchor: &a,
            receipt_file,
            entry_file,
        };
        return print(json, &shown, |s| {
            let mut t = anchor_text(s.anchor);
            if let Some(f) = &s.receipt_file {
                t.push_str(&format!("receipt      {}\n", f.display()));
            }
            t.push_str(&format!("entry        {}\n", s.entry_file.display()));
            t
        });
    }
    if args.pending {
        let run = mrv.anchor_pending(session, args.all)?;
        print(json, &run, |r| {
            let mut t: String = r.anchors.iter().map(anchor_text).collect();
            t.push_str(&format!(
                "{} attempted, {} anchored, {} failed (retried later)\n",
                r.attempted, r.anchored, r.failed
            ));
            t
        })?;
        if run.failed > 0 {
            anyhow::bail!(mrv_app::AppError::Io(format!(
                "{} anchor(s) could not be sent; they stay queued",
                run.failed
            )));
        }
        return Ok(());
    }
    let batch = args.batch.expect("clap requires BATCH without --pending");
    let a = mrv.anchor_batch(session, batch)?;
    print(json, &a, anchor_text)
}

pub(crate) fn verify_receipt(
    json: bool,
    file: &Path,
    vkey: &str,
    entry: Option<&Path>,
    stamp: Option<&Path>,
) -> Result<()> {
    let check = mrv_app::verify_receipt_for(file, vkey, entry, stamp)?;
    print(json, &check, |c| {
        let mut t = format!(
            "receipt ok: index {} in checkpoint size {} of {}, signed by the pinned key\n",
            c.index,
            c.checkpoint_size,
            shown(&c.origin)
        );
        if let Some(stamp) = stamp {
            t.push_str(&format!(
                "the entry at that index is the stamp {}'s\n",
                shown(&stamp.display().to_string())
            ));
        } else if !c.entry_checked {
            t.push_str(
                "inclusion not checked: pass --entry FILE to prove which entry is at that index\n",
            );
        }
        t
    })
}
