//! The registry-export commands (`mrv export …`, methodology owner) and the offline
//! `mrv verify-export DIR`. Parsing and printing only; the use cases are `mrv_app`'s.

use crate::print;
use crate::text::{cell, check_lines, shown};
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{AppError, ExportPins, ExportView, Mrv, NewExport, Overwrite, Session};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub(crate) enum ExportCommand {
    /// Create an export (draft) from a project's anchored batches of one monitoring period.
    Create {
        #[arg(long)]
        project: i64,
        /// Monitoring period START..END (YYYY-MM-DD..YYYY-MM-DD).
        #[arg(long)]
        period: String,
        /// Vintage year (default: the year the period ends).
        #[arg(long)]
        vintage: Option<i32>,
        /// Verification body, as named in CADT's verificationBody picklist.
        #[arg(long = "verification-body")]
        verification_body: Option<String>,
        /// Verification report date (YYYY-MM-DD), not before the period ends.
        #[arg(long = "report-date")]
        report_date: Option<String>,
    },
    /// List exports.
    List {
        #[arg(long)]
        project: Option<i64>,
    },
    /// An export: totals and derivation, each batch's stamp re-verified, flags,
    /// justifications, history and the difference from the previous export.
    Show { id: i64 },
    /// Hand a draft over for sign-off.
    Submit { id: i64 },
    /// Sign the export's manifest off with your key (your password again, from MRV_PASSWORD
    /// or a prompt); the sign-off is anchored to the audit log.
    Signoff { id: i64 },
    /// Return an export with a reason code and a reason.
    Return {
        id: i64,
        /// CAR, CL or FAR, optionally with a sub-code: CL/missing_evidence.
        #[arg(long)]
        code: String,
        #[arg(long)]
        reason: String,
    },
    /// Write the export folder: cadt.json, issuances.csv, stamps/…, manifest.json.
    Write {
        id: i64,
        #[arg(short = 'o', long = "output")]
        dir: PathBuf,
        /// Replace an existing export folder.
        #[arg(long)]
        force: bool,
    },
    /// Push a signed-off export to the registry; run it again to resume a push that was
    /// interrupted (it reads back first and never sends a block twice).
    Push {
        id: i64,
        /// Progress lines on stderr (JSON lines with --json).
        #[arg(long)]
        progress: bool,
    },
}

pub(crate) fn export(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: ExportCommand,
) -> Result<()> {
    match cmd {
        ExportCommand::Push { id, progress } => {
            crate::inventory::push(mrv, session, json, id, progress)
        }
        ExportCommand::Create {
            project,
            period,
            vintage,
            verification_body,
            report_date,
        } => {
            let view = mrv.create_export(
                session,
                &NewExport {
                    project_id: project,
                    period,
                    vintage,
                    verification_body,
                    report_date,
                },
            )?;
            print(json, &view, |v| {
                format!(
                    "export {} created (draft): {} issued, {} buffer, {} tradable units, serials {}\n",
                    v.summary.id,
                    v.summary.issued,
                    v.summary.buffer,
                    v.summary.tradable,
                    v.summary.serial_block.as_deref().unwrap_or("none")
                )
            })
        }
        ExportCommand::List { project } => {
            let list = mrv.list_exports(session, project)?;
            print(json, &list, |l| {
                let mut s =
                    "ID\tPROJECT\tPERIOD\tVINTAGE\tSTATE\tISSUED\tBUFFER\tTRADABLE\tSERIALS\n"
                        .to_owned();
                for e in l {
                    s += &format!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                        e.id,
                        cell(&e.project_name),
                        e.period,
                        e.vintage,
                        e.state,
                        e.issued,
                        e.buffer,
                        e.tradable,
                        e.serial_block.as_deref().unwrap_or("-")
                    );
                }
                s
            })
        }
        ExportCommand::Show { id } => {
            let view = mrv.export_view(session, id)?;
            print(json, &view, human_view)
        }
        ExportCommand::Submit { id } => {
            let view = mrv.submit_export(session, id)?;
            print(json, &view, |v| {
                format!("export {} submitted\n", v.summary.id)
            })
        }
        ExportCommand::Signoff { id } => {
            let password = crate::review::password_for(&session.user.name, "MRV_PASSWORD")?;
            let view = mrv.sign_off_export(session, id, &password)?;
            print(json, &view, |v| {
                let s = v.signoff.as_ref();
                format!(
                    "export {} signed off by {} (manifest {}); sign-off anchor: {}\n",
                    v.summary.id,
                    s.map_or("?", |s| s.signer.as_str()),
                    s.map_or("?", |s| s.manifest_sha256.as_str()),
                    match s.and_then(|s| s.anchor_state.as_deref()) {
                        Some("anchored") => "anchored".to_owned(),
                        Some(state) => format!(
                            "{state} ({}); `mrv anchor` sends it",
                            shown(
                                s.and_then(|s| s.anchor_error.as_deref())
                                    .unwrap_or("waiting")
                            )
                        ),
                        None => "none".to_owned(),
                    }
                )
            })
        }
        ExportCommand::Return { id, code, reason } => {
            let view = mrv.return_export(session, id, &code, &reason)?;
            print(json, &view, |v| {
                format!(
                    "export {} returned ({code}); its serial numbers stay unused\n",
                    v.summary.id
                )
            })
        }
        ExportCommand::Write { id, dir, force } => {
            let overwrite = if force {
                Overwrite::Replace
            } else {
                Overwrite::Refuse
            };
            let written = mrv.write_export(session, id, &dir, overwrite)?;
            print(json, &written, |w| {
                format!(
                    "export {} written to {} ({} files{})\n",
                    w.export_id,
                    shown(&w.dir.display().to_string()),
                    w.files.len(),
                    if w.signed_off {
                        ""
                    } else {
                        "; NOT signed off: verify-export will say so"
                    }
                )
            })
        }
    }
}

fn human_view(v: &ExportView) -> String {
    let s = &v.summary;
    let mut out = format!(
        "export {}  {}  project {} ({})  period {}  vintage {}\n",
        s.id,
        s.state,
        s.project_id,
        shown(&s.project_name),
        s.period,
        s.vintage
    );
    out += &format!(
        "created by {} at {}; verification body {}; report date {}\n",
        shown(&s.created_by),
        s.created_at,
        shown(v.verification_body.as_deref().unwrap_or("-")),
        v.report_date.as_deref().unwrap_or("-")
    );
    let q = &v.quantities;
    out += &format!(
        "units: {} issued, {} buffer, {} tradable; serials {}\n",
        q.issued,
        q.buffer,
        q.tradable,
        s.serial_block.as_deref().unwrap_or("none")
    );
    for line in &q.derivation {
        out += &format!("  {}\n", shown(line));
    }
    for b in &v.batches {
        out += &format!(
            "batch {} v{} ({} rows, {} tCO2e) stamp {} by {}: {}; flags {} high, {} medium, {} low\n",
            b.batch_id,
            b.version,
            b.row_count,
            b.gross_claimed_tco2e,
            b.stamp_hash,
            shown(&b.verifier),
            match b.stamp_verified {
                Some(true) => "verified",
                Some(false) => "NOT verified",
                None => "not re-verified here (export show does)",
            },
            b.flags.high,
            b.flags.medium,
            b.flags.low
        );
        for c in b.stamp_checks.iter().filter(|c| !c.ok) {
            out += &format!("  FAIL {}: {}\n", shown(&c.what), shown(&c.detail));
        }
        for j in &b.justifications {
            out += &format!("  justified: {}\n", shown(j));
        }
    }
    if let Some(d) = &v.diff {
        out += &format!(
            "since export {} ({}, {}): batches added {:?}, removed {:?}; issued {:+}, buffer {:+}, tradable {:+}\n",
            d.previous_export,
            d.previous_state,
            d.previous_period,
            d.batches_added,
            d.batches_removed,
            d.issued_change,
            d.buffer_change,
            d.tradable_change
        );
    }
    for e in &v.events {
        out += &format!(
            "{}  {} {} -> {}{}\n",
            e.at,
            shown(&e.user),
            e.action,
            e.to_state,
            match (&e.reason_code, &e.reason_text) {
                (Some(c), Some(t)) => format!(" ({c}: {})", shown(t)),
                // A registry rejection carries the registry's reason without a code.
                (None, Some(t)) => format!(" ({})", shown(t)),
                _ => String::new(),
            }
        );
    }
    if let Some(so) = &v.signoff {
        out += &format!(
            "signed off by {} ({}) at {}; manifest {}; anchor {}\n",
            shown(&so.signer),
            so.public_key,
            so.signed_at,
            so.manifest_sha256,
            so.anchor_state.as_deref().unwrap_or("none")
        );
    }
    out
}

/// `mrv verify-export DIR`: no workspace, no user; exit 2 when anything fails.
pub(crate) fn verify_export(
    json: bool,
    dir: &Path,
    signer_key: Option<String>,
    log_vkey: Option<String>,
) -> Result<()> {
    let check = mrv_app::verify_export(
        dir,
        &ExportPins {
            signer_key,
            log_vkey,
        },
    )?;
    print(json, &check, |c| {
        let mut s = check_lines(&c.checks, &c.notes, 24);
        s += &format!(
            "export {} (manifest {}): {}\n",
            c.export_id,
            c.manifest_sha256,
            if c.ok { "verified" } else { "NOT verified" }
        );
        s
    })?;
    if !check.ok {
        let failed: Vec<String> = check
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.what, c.detail))
            .collect();
        return Err(AppError::InvalidInput(format!(
            "the export does not verify: {}",
            failed.join("; ")
        ))
        .into());
    }
    Ok(())
}
