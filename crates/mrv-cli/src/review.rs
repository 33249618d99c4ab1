//! The review, identity and stamping commands: sign-in, reviews, attachments, history, stamps,
//! row proofs, offline verification and the journal.

use crate::print;
use crate::text::{check_lines, shown};
use anyhow::Result;
use clap::Subcommand;
use mrv_app::{AppError, Mrv, Session};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub(crate) enum ReviewCommand {
    /// Open an enriched batch for review.
    Start { batch: i64 },
    /// Approve a batch under review; each open high-severity flag needs --justify FLAG_ID=TEXT,
    /// and so does each material row (on any one of its flags; `mrv flags BATCH` marks them).
    /// The batch is then stamped and the stamp signed with your key.
    Approve {
        batch: i64,
        #[arg(long = "justify", value_name = "FLAG_ID=TEXT")]
        justify: Vec<String>,
    },
    /// Reject a batch under review with one or more numbered findings (--finding, repeatable),
    /// or with one reason code and reason (--code, --reason).
    Reject {
        batch: i64,
        /// A finding: CODE:TEXT or CODE:TEXT:rows=RECORD_ID,RECORD_ID — the code CAR, CL or
        /// FAR, optionally with a sub-code (CAR/outside_boundary), the rows by record id.
        #[arg(long = "finding", value_name = "CODE:TEXT[:rows=ID,…]")]
        findings: Vec<String>,
        /// CAR, CL or FAR, optionally with a sub-code: CAR/implausible_value (one finding).
        #[arg(long, conflicts_with = "findings", requires = "reason")]
        code: Option<String>,
        #[arg(long, conflicts_with = "findings", requires = "code")]
        reason: Option<String>,
    },
    /// The findings of a batch and of the versions it corrects, open ones first.
    Findings { batch: i64 },
    /// Close a finding raised on an earlier version, in the review of its corrected version.
    CloseFinding {
        /// The corrected version under review.
        batch: i64,
        /// The finding: CAR 1, CL2, FAR-1.
        finding: String,
        /// What was corrected or clarified (recorded with your name).
        #[arg(long)]
        note: String,
    },
}

/// `--finding CODE:TEXT[:rows=ID,ID…]` as the use case takes it, or what is wrong with it.
pub(crate) fn parse_finding(arg: &str) -> Result<mrv_app::NewReviewFinding, AppError> {
    let bad = |what: &str| {
        AppError::InvalidInput(format!(
            "--finding `{arg}`: {what} (expected CODE:TEXT or CODE:TEXT:rows=ID,ID, e.g. CAR/outside_boundary:\"plot outside\":rows=SDM-0200)"
        ))
    };
    let (code, rest) = arg
        .split_once(':')
        .ok_or_else(|| bad("no `:` between the reason code and the text"))?;
    let code = code.trim();
    if code.is_empty() {
        return Err(bad("the reason code before the first `:` is empty"));
    }
    let (text, rows) = match rest.rsplit_once(":rows=") {
        Some((text, rows)) => (text, Some(rows)),
        None if rest.starts_with("rows=") => ("", Some(&rest["rows=".len()..])),
        None => (rest, None),
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(bad("the text is empty"));
    }
    let record_ids = match rows {
        None => Vec::new(),
        Some(rows) => {
            let ids: Vec<String> = rows.split(',').map(|r| r.trim().to_owned()).collect();
            if ids.iter().any(String::is_empty) {
                return Err(bad("rows= lists an empty record id"));
            }
            ids
        }
    };
    Ok(mrv_app::NewReviewFinding {
        code: code.to_owned(),
        text: text.to_owned(),
        record_ids,
    })
}

fn finding_lines(findings: &[mrv_app::ReviewFinding], indent: &str) -> String {
    let mut s = String::new();
    for f in findings {
        s += &format!(
            "{indent}{:<7} {:<6} [{}] {}",
            f.label,
            match f.state {
                mrv_app::FindingState::Open => "open",
                mrv_app::FindingState::Closed => "closed",
            },
            shown(&f.code),
            shown(&f.text)
        );
        if !f.record_ids.is_empty() {
            let ids: Vec<String> = f.record_ids.iter().map(|r| shown(r).into_owned()).collect();
            s += &format!("  rows {}", ids.join(", "));
        }
        s += &format!(
            "  (v{}, {} {})",
            f.version,
            shown(&f.raised_by),
            f.raised_at
        );
        s.push('\n');
        if let (Some(by), Some(at)) = (&f.closed_by, &f.closed_at) {
            s += &format!(
                "{indent}        closed by {} at {} in batch {}: {}\n",
                shown(by),
                at,
                f.closed_in_batch_id.unwrap_or_default(),
                shown(f.close_note.as_deref().unwrap_or(""))
            );
        }
    }
    s
}

#[derive(Subcommand)]
pub(crate) enum StampCommand {
    /// The stamp of a batch: hash, rows root, signer, signature status.
    Show { batch: i64 },
    /// Write the stamp for offline verification (stamp.json, stamp.sig, signer.pub,
    /// profile.toml, boundary.geojson).
    Export {
        batch: i64,
        #[arg(short = 'o', long = "output")]
        dir: PathBuf,
        /// Replace files of an earlier export in the folder.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum JournalCommand {
    /// Verify the journal's hash chain, the heads anchored to the audit log, and the state
    /// (users, decisions, batches, stamps and their rows) against the journal and the stamps;
    /// lists every problem found (exit 5 when any).
    Verify,
}

/// The password of `user`: `MRV_PASSWORD`, else a prompt on the terminal.
pub(crate) fn password_for(user: &str, variable: &str) -> Result<String> {
    if let Ok(p) = std::env::var(variable) {
        return Ok(p);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(AppError::Unauthenticated(format!(
            "no password for {user}: set {variable} or run in a terminal"
        ))
        .into());
    }
    Ok(rpassword::prompt_password(format!(
        "password for {user}: "
    ))?)
}

/// Opens the workspace and signs in as `--as`: the one sign-in of every command that acts as a
/// user. Without `--as`, "not signed in" (exit 7) before anything is opened.
pub(crate) fn signed_in(ws: &Path, user: Option<&str>) -> Result<(Mrv, Session)> {
    let user = user.ok_or_else(|| {
        AppError::Unauthenticated(
            "this command needs a signed-in user: add --as USER (password from MRV_PASSWORD)"
                .into(),
        )
    })?;
    let mut mrv = Mrv::open(ws)?;
    let password = password_for(user, "MRV_PASSWORD")?;
    let session = mrv.sign_in(user, &password)?;
    Ok((mrv, session))
}

/// `mrv user add`: by a signed-in tenant admin, or (`session` none) the workspace's first user.
pub(crate) fn review(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: ReviewCommand,
) -> Result<()> {
    match cmd {
        ReviewCommand::Start { batch } => {
            let b = mrv.start_review(session, batch)?;
            print(json, &b, |b| format!("batch {} is {}\n", b.id, b.state))
        }
        ReviewCommand::Reject {
            batch,
            findings,
            code,
            reason,
        } => {
            let findings = match (code, reason) {
                (Some(code), Some(reason)) => vec![mrv_app::NewReviewFinding {
                    code,
                    text: reason,
                    record_ids: Vec::new(),
                }],
                _ if findings.is_empty() => {
                    return Err(AppError::InvalidInput(
                        "a rejection needs --finding CODE:TEXT (repeatable) or --code CODE --reason TEXT".into(),
                    )
                    .into())
                }
                _ => findings
                    .iter()
                    .map(|f| parse_finding(f))
                    .collect::<Result<_, _>>()?,
            };
            let b = mrv.reject_with_findings(session, batch, &findings)?;
            let raised: Vec<mrv_app::ReviewFinding> = mrv
                .findings(session, batch)?
                .into_iter()
                .filter(|f| f.batch_id == batch)
                .collect();
            #[derive(serde::Serialize)]
            struct Rejected {
                #[serde(flatten)]
                batch: mrv_app::BatchView,
                findings: Vec<mrv_app::ReviewFinding>,
            }
            print(
                json,
                &Rejected {
                    batch: b,
                    findings: raised,
                },
                |r| {
                    format!(
                        "batch {} rejected with {} finding(s):\n{}",
                        r.batch.id,
                        r.findings.len(),
                        finding_lines(&r.findings, "  ")
                    )
                },
            )
        }
        ReviewCommand::Findings { batch } => {
            let findings = mrv.findings(session, batch)?;
            print(json, &findings, |fs| {
                if fs.is_empty() {
                    return format!("batch {batch} and its earlier versions have no findings\n");
                }
                finding_lines(fs, "")
            })
        }
        ReviewCommand::CloseFinding {
            batch,
            finding,
            note,
        } => {
            let f = mrv.close_finding(session, batch, &finding, &note)?;
            print(json, &f, |f| {
                format!(
                    "{} closed in the review of batch {batch}\n",
                    shown(&f.label)
                )
            })
        }
        ReviewCommand::Approve { batch, justify } => {
            let mut justifications = BTreeMap::new();
            for j in justify {
                let (id, text) = j
                    .split_once('=')
                    .and_then(|(id, text)| Some((id.trim().parse::<i64>().ok()?, text)))
                    .ok_or_else(|| {
                        AppError::InvalidInput(format!(
                            "--justify `{j}` is not FLAG_ID=TEXT (flag ids: `mrv flags {batch} --json`)"
                        ))
                    })?;
                justifications.insert(id, text.to_owned());
            }
            let stamp = mrv.approve(session, batch, &justifications)?;
            print(json, &stamp, |s| {
                format!(
                    "batch {} approved and stamped\nstamp hash  {}\nrows root   {} ({} rows)\nsigned by   {} ({})\n",
                    s.batch_id,
                    s.stamp_hash,
                    s.rows_root,
                    s.row_count,
                    shown(&s.signer),
                    s.signer_key
                )
            })
        }
    }
}

pub(crate) fn attach(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    batch: i64,
    file: &Path,
) -> Result<()> {
    let a = mrv.attach(session, batch, file)?;
    print(json, &a, |a| {
        format!(
            "{} attached to batch {} (SHA-256 {})\n",
            shown(&a.name),
            a.batch_id,
            a.sha256
        )
    })
}

pub(crate) fn history(mrv: &Mrv, session: &Session, json: bool, batch: i64) -> Result<()> {
    let entries = mrv.history(session, batch)?;
    print(json, &entries, |es| {
        let mut s = String::new();
        for e in es {
            s += &format!(
                "{}  batch {} v{}  {:<13} {} -> {}  by {}",
                e.at,
                e.batch_id,
                e.version,
                e.action,
                e.from_state.as_deref().unwrap_or("-"),
                e.to_state,
                shown(e.user.as_deref().unwrap_or("-"))
            );
            if let Some(code) = &e.reason_code {
                s += &format!("  [{}]", shown(code));
            }
            if let Some(text) = &e.reason_text {
                s += &format!("  {}", shown(text));
            }
            s.push('\n');
            for j in &e.justifications {
                s += &format!("    justified: {}\n", shown(j));
            }
            s += &finding_lines(&e.findings, "    finding ");
        }
        s
    })
}

pub(crate) fn stamp(mrv: &Mrv, session: &Session, json: bool, cmd: StampCommand) -> Result<()> {
    match cmd {
        StampCommand::Show { batch } => {
            let s = mrv.stamp_view(session, batch)?;
            print(json, &s, |s| {
                format!(
                    "stamp of batch {}\nhash        {}\nrows root   {} ({} rows)\nsigner      {} ({})\nsignature   {}\nsigned at   {}\n",
                    s.batch_id,
                    s.stamp_hash,
                    s.rows_root,
                    s.row_count,
                    shown(&s.signer),
                    s.signer_key,
                    if s.signature_valid { "valid" } else { "INVALID" },
                    s.created_at
                )
            })
        }
        StampCommand::Export { batch, dir, force } => {
            let written = mrv.export_stamp(session, batch, &dir, crate::overwrite(force))?;
            print(json, &written, |w| {
                w.iter()
                    .map(|p| format!("wrote {}\n", p.display()))
                    .collect()
            })
        }
    }
}

/// Whom `verify-stamp` trusts: the signer's key and the audit log's key.
#[derive(clap::Args)]
pub(crate) struct PinArgs {
    /// The signer's public key as you know it from a trusted channel: `ed25519:` + 64 hex
    /// digits, or a file holding it. Repeat to allow several verifiers.
    #[arg(long = "signer-key", value_name = "KEY|FILE")]
    signer_keys: Vec<String>,
    /// Pin the signer among the users of the workspace (-w), as the signed-in user (--as): the
    /// key must be that of the verifier the stamp names, not offboarded at approval.
    #[arg(long)]
    signer_from_workspace: bool,
    /// The audit log's verifier key (vkey): the exported anchor receipt must prove this stamp.
    #[arg(long, value_name = "VKEY")]
    log_vkey: Option<String>,
}

/// The pins of `verify-stamp`: given keys, and with `--signer-from-workspace` the workspace's.
pub(crate) fn stamp_pins(
    ws: &Path,
    as_user: Option<&str>,
    args: PinArgs,
) -> Result<mrv_app::StampPins> {
    let mut signers = args
        .signer_keys
        .iter()
        .map(|k| mrv_app::KnownSigner::from_arg(k))
        .collect::<Result<Vec<_>, _>>()?;
    if args.signer_from_workspace {
        let (mrv, session) = signed_in(ws, as_user)?;
        signers.extend(mrv.known_signers(&session)?);
    }
    Ok(mrv_app::StampPins {
        signers,
        log_vkey: args.log_vkey,
    })
}

pub(crate) fn verify_stamp(
    json: bool,
    dir: &Path,
    source: &Path,
    layers: &[PathBuf],
    attachments: &[PathBuf],
    pins: &mrv_app::StampPins,
) -> Result<()> {
    let check = mrv_app::verify_stamp_pinned(dir, source, layers, attachments, pins)?;
    print(json, &check, |c| {
        let mut s = check_lines(&c.checks, &c.notes, 20);
        s += &format!(
            "stamp {} of batch {}: {}\n",
            c.stamp_hash,
            c.batch,
            match (c.ok, c.signer_pinned) {
                (false, _) => "NOT verified",
                (true, true) => "verified",
                (true, false) => "verified, but signer key NOT pinned",
            }
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
            "the stamp does not verify: {}",
            failed.join("; ")
        ))
        .into());
    }
    Ok(())
}

pub(crate) fn prove_row(
    mrv: &Mrv,
    session: &Session,
    json: bool,
    batch: i64,
    row: i64,
    out: &Path,
    overwrite: mrv_app::Overwrite,
) -> Result<()> {
    let proof = mrv.write_row_proof(session, batch, row, out, overwrite)?;
    print(json, &proof, |p| {
        format!(
            "proof that row {} belongs to batch {} (stamp {}) written to {}\n",
            p.row,
            p.batch,
            p.stamp_hash,
            out.display()
        )
    })
}

pub(crate) fn verify_row(
    json: bool,
    file: &Path,
    stamp_dir: &Path,
    signer_keys: &[String],
) -> Result<()> {
    let signers = signer_keys
        .iter()
        .map(|k| mrv_app::KnownSigner::from_arg(k))
        .collect::<Result<Vec<_>, _>>()?;
    let proof = mrv_app::verify_row_pinned(file, stamp_dir, &signers)?;
    print(json, &proof, |p| {
        let mut t = format!(
            "row {} belongs to batch {} under stamp {}: verified\n",
            p.row, p.batch, p.stamp_hash
        );
        if signers.is_empty() {
            t.push_str(
                "NOTE signer key NOT pinned: pass --signer-key to tie the stamp to its verifier\n",
            );
        }
        t
    })
}

pub(crate) fn journal(mrv: &Mrv, session: &Session, json: bool, cmd: JournalCommand) -> Result<()> {
    match cmd {
        JournalCommand::Verify => {
            let check = mrv.verify_journal(session)?;
            print(json, &check, |c| {
                let mut t = String::new();
                for p in &c.problems {
                    t.push_str(&format!(
                        "PROBLEM {} {}: {}\n",
                        shown(&p.kind),
                        shown(&p.object),
                        shown(&p.detail)
                    ));
                }
                t.push_str(&shown(&c.message));
                t.push('\n');
                t
            })?;
            if !check.ok {
                return Err(AppError::Conflict(check.message).into());
            }
            Ok(())
        }
    }
}
