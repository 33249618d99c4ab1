//! `mrv statement BATCH -o FILE [--force] [--layer ID]`: the verification statement PDF of an
//! approved batch (`mrv_app::Mrv::write_statement`, `docs/statement.md`), and
//! `mrv verify-statement FILE`: the file's SHA-256 against the workspace's record, journal and
//! anchor (exit 2 when it does not match).

use crate::print;
use crate::text::shown;
use anyhow::Result;
use clap::Args;
use mrv_app::{AppError, Mrv, Overwrite, Session, StatementRequest, StatementView};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct StatementArgs {
    /// The approved (stamped or anchored) batch.
    batch: i64,
    /// Where to write the PDF.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Replace the output file if it exists (never a link).
    #[arg(long)]
    force: bool,
    /// The layer under the map's points and in the plot (default: the project's first NDVI
    /// layer, else its first).
    #[arg(long)]
    layer: Option<i64>,
}

/// What `--json` prints: the file, its hash and pages, and the anchor's state.
#[derive(Serialize)]
struct Written<'a> {
    path: &'a str,
    sha256: &'a str,
    pages: i64,
    size_bytes: i64,
    statement_id: i64,
    record_id: &'a str,
    batch_id: i64,
    version: i64,
    stamp_hash: &'a str,
    rows_root: &'a str,
    gross: &'a str,
    buffer: &'a str,
    net: &'a str,
    qr_payload: &'a str,
    /// `queued`, `failed` (will retry) or `anchored`.
    anchor_state: Option<&'a str>,
    anchor_index: Option<i64>,
    anchor_error: Option<&'a str>,
}

fn written(v: &StatementView) -> Written<'_> {
    Written {
        path: &v.path,
        sha256: &v.sha256,
        pages: v.pages,
        size_bytes: v.size_bytes,
        statement_id: v.statement_id,
        record_id: &v.record_id,
        batch_id: v.batch_id,
        version: v.version,
        stamp_hash: &v.stamp_hash,
        rows_root: &v.rows_root,
        gross: &v.gross,
        buffer: &v.buffer,
        net: &v.net,
        qr_payload: &v.qr_payload,
        anchor_state: v.anchor.as_ref().map(|a| a.state.as_str()),
        anchor_index: v.anchor.as_ref().and_then(|a| a.log_index),
        anchor_error: v.anchor.as_ref().and_then(|a| a.last_error.as_deref()),
    }
}

/// `mrv --as USER statement BATCH -o FILE`.
pub(crate) fn statement(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    args: StatementArgs,
) -> Result<()> {
    let view = mrv.write_statement(
        session,
        &StatementRequest {
            batch_id: args.batch,
            output: args.output,
            overwrite: if args.force {
                Overwrite::Replace
            } else {
                Overwrite::Refuse
            },
            layer_id: args.layer,
        },
    )?;
    print(json, &written(&view), |w| {
        let anchor = match (w.anchor_state, w.anchor_index) {
            (Some("anchored"), Some(i)) => format!("anchored at index {i}"),
            (Some(state), _) => format!(
                "{state}{} (send it with `mrv anchor --pending`)",
                w.anchor_error
                    .map(|e| format!(": {}", shown(e)))
                    .unwrap_or_default()
            ),
            (None, _) => "not queued".into(),
        };
        format!(
            "statement {} of batch {} v{} written to {} ({} pages, {} bytes)\nsha256 {}\nstamp {}\nrows root {}\ngross {} tCO2e, buffer {}, net {}\nanchor ({}): {}\n",
            w.statement_id,
            w.batch_id,
            w.version,
            shown(w.path),
            w.pages,
            w.size_bytes,
            w.sha256,
            w.stamp_hash,
            w.rows_root,
            w.gross,
            w.buffer,
            w.net,
            w.record_id,
            anchor
        )
    })
}

/// `mrv --as USER verify-statement FILE`: exit 2 when the file is not a recorded statement or
/// a check fails.
pub(crate) fn verify_statement(
    mrv: &Mrv,
    session: &Session,
    json: bool,
    file: PathBuf,
) -> Result<()> {
    let check = mrv.verify_statement(session, &file)?;
    print(json, &check, |c| {
        let mut s = format!("{} sha256 {}\n", shown(&c.file), c.sha256);
        for k in &c.checks {
            s += &format!(
                "{} {}: {}\n",
                if k.ok { "ok  " } else { "FAIL" },
                k.what,
                shown(&k.detail)
            );
        }
        s += if c.ok {
            "the statement verifies\n"
        } else {
            "the statement does NOT verify\n"
        };
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
            "the statement does not verify: {}",
            failed.join("; ")
        ))
        .into());
    }
    Ok(())
}
