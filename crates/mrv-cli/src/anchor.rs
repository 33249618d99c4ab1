//! The audit-log commands: connect the workspace to a log, its health, anchoring, receipts.

use crate::print;
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
    },
}

fn health_text(h: &LogHealth) -> String {
    let mut t = String::new();
    match &h.log {
        None => t.push_str(
            "audit log    not connected (mrv auditlog connect URL --vkey VKEY --token TOKEN)\n",
        ),
        Some(l) => {
            t.push_str(&format!("audit log    {} at {}\n", l.origin, l.url));
            t.push_str(&format!("pinned key   {}\n", l.vkey));
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
        t.push_str(&format!("last error   {e}\n"));
    }
    t.push_str(&format!(
        "anchors      {} anchored, {} queued, {} failed (retrying)\n",
        h.anchored, h.queued, h.failed
    ));
    for a in &h.alarms {
        t.push_str(&format!(
            "ALARM        {} at {}: {}\n             both signed checkpoints are kept (mrv --json auditlog status)\n",
            a.kind.to_uppercase(),
            a.detected_at,
            a.detail
        ));
    }
    t
}

fn anchor_text(a: &AnchorView) -> String {
    match a.state.as_str() {
        "anchored" => format!(
            "{} {}: anchored at index {} in checkpoint size {} of {}\n",
            a.kind,
            a.record_id,
            a.log_index.unwrap_or(-1),
            a.checkpoint_size.unwrap_or(-1),
            a.origin.as_deref().unwrap_or("?")
        ),
        state => format!(
            "{} {}: {state}{}{}\n",
            a.kind,
            a.record_id,
            a.last_error
                .as_deref()
                .map(|e| format!(" ({e})"))
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
    if let Some(AnchorShow::Show { batch, output }) = args.show {
        let a = mrv
            .batch_anchor(session, batch)?
            .ok_or_else(|| mrv_app::AppError::NotFound {
                what: "stamp anchor of batch",
                id: batch.to_string(),
            })?;
        let dir = output.unwrap_or_else(|| mrv.root().join("receipts"));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let entry_file = dir.join(format!("{}.entry", a.record_id));
        write(&entry_file, a.entry.as_bytes())?;
        let receipt_file = match &a.receipt {
            Some(r) => {
                let f = dir.join(format!("{}.tlog-proof", a.record_id));
                write(&f, r.as_bytes())?;
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

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
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
            c.index, c.checkpoint_size, c.origin
        );
        if let Some(stamp) = stamp {
            t.push_str(&format!(
                "the entry at that index is the stamp {}'s\n",
                stamp.display()
            ));
        } else if !c.entry_checked {
            t.push_str(
                "inclusion not checked: pass --entry FILE to prove which entry is at that index\n",
            );
        }
        t
    })
}
