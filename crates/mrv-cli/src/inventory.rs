//! `mrv export push` and the inventory commands (`mrv inventory list|reconcile`, methodology
//! owner). Parsing and printing only; the use cases are `mrv_app`'s.

use crate::print;
use crate::text::shown;
use anyhow::Result;
use clap::Subcommand;
use mrv_app::registry::{Finding, PushProgress};
use mrv_app::{AppError, InventoryEntry, Mrv, PushView, ReconciliationView, Session};
use std::io::Write as _;

#[derive(Subcommand)]
pub(crate) enum InventoryCommand {
    /// Every unit block the registry confirmed: serials, vintage, quantity, status, registry ids.
    List,
    /// Compare the inventory with the registry; exit 5 when anything differs.
    Reconcile,
}

/// One progress line (stderr) of a push.
fn progress_line(p: &PushProgress) -> String {
    match p {
        PushProgress::Validated => {
            "validated against the registry's picklists and the inventory".into()
        }
        PushProgress::ReadBack {
            project_published,
            units_present,
            units_total,
        } => {
            format!(
            "read back: project {}, {units_present}/{units_total} unit block(s) already published",
            if *project_published { "published" } else { "absent" }
        )
        }
        PushProgress::ProjectPosted => "project and issuance posted".into(),
        PushProgress::ProjectPublished {
            warehouse_project_id,
            issuance_id,
        } => format!(
            "project published: {} issuance {}",
            shown(warehouse_project_id),
            shown(issuance_id)
        ),
        PushProgress::UnitPosted {
            unit_block_start,
            posted,
            to_post,
        } => format!(
            "unit block {} posted ({posted}/{to_post})",
            shown(unit_block_start)
        ),
        PushProgress::Committed => "committed; waiting for the registry to publish".into(),
        PushProgress::Waiting {
            units_present,
            units_total,
        } => format!("waiting: {units_present}/{units_total} unit block(s) published"),
        PushProgress::Reposted { unit_block_start } => format!(
            "unit block {} was lost by the registry and posted again",
            shown(unit_block_start)
        ),
        PushProgress::Confirmed => "confirmed: read back and matching".into(),
    }
}

/// `mrv export push ID [--progress]`.
pub(crate) fn push(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    id: i64,
    show_progress: bool,
) -> Result<()> {
    let mut on_progress = |p: PushProgress| {
        if show_progress {
            let line = if json {
                serde_json::to_string(&p).unwrap_or_default()
            } else {
                format!("push: {}", progress_line(&p))
            };
            // A stderr nobody reads any more is not worth failing the push for.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    };
    let view = mrv.push_export(session, id, &mut on_progress)?;
    print(json, &view, push_text)
}

fn push_text(v: &PushView) -> String {
    let units: i64 = v.blocks.iter().map(|b| b.unit_count).sum();
    let mut s = format!(
        "export {} issued: the registry confirmed {} unit(s) in {} block(s); project {}, issuance {} (attempt {}, key {})\n",
        v.export_id,
        units,
        v.blocks.len(),
        shown(&v.warehouse_project_id),
        shown(&v.issuance_id),
        v.attempts,
        shown(&v.idempotency_key)
    );
    s += &inventory_text(&v.blocks);
    s
}

fn inventory_text(blocks: &[InventoryEntry]) -> String {
    let mut s =
        "EXPORT\tBLOCK\tUNITS\tVINTAGE\tSTATUS\tREGISTRY PROJECT\tISSUANCE\tREGISTRY UNIT\n"
            .to_owned();
    for b in blocks {
        s += &format!(
            "{}\t{}..{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            b.export_id,
            shown(&b.unit_block_start),
            shown(&b.unit_block_end),
            b.unit_count,
            b.vintage,
            shown(&b.unit_status),
            shown(&b.warehouse_project_id),
            shown(&b.issuance_id),
            shown(&b.warehouse_unit_id)
        );
    }
    s
}

/// A finding in words.
pub(crate) fn finding_text(f: &Finding) -> String {
    match f {
        Finding::Overlap { detail, .. } => format!("overlap: {detail}"),
        Finding::TotalsDiffer {
            what,
            ours,
            registry,
        } => format!("totals differ: {what}: ours {ours}, registry {registry}"),
        Finding::UnknownToRegistry { unit_block_start } => format!(
            "unknown to the registry: our block {}",
            shown(unit_block_start)
        ),
        Finding::UnknownToUs {
            unit_block_start,
            warehouse_unit_id,
        } => format!(
            "unknown to us: registry unit {} (block {})",
            shown(warehouse_unit_id),
            shown(unit_block_start)
        ),
    }
}

fn reconcile_text(r: &ReconciliationView) -> String {
    let mut s = format!(
        "reconciliation {} by {} at {} against {}: {} block(s) ours, {} on the registry\n",
        r.id,
        shown(&r.by),
        r.at,
        shown(&r.registry_url),
        r.blocks_ours,
        r.units_registry
    );
    if r.clean {
        s += "clean: the inventory and the registry agree\n";
    }
    for f in &r.findings {
        s += &format!("FINDING {}\n", finding_text(f));
    }
    s
}

pub(crate) fn inventory(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    cmd: InventoryCommand,
) -> Result<()> {
    match cmd {
        InventoryCommand::List => {
            let list = mrv.inventory(session)?;
            print(json, &list, |l| inventory_text(l))
        }
        InventoryCommand::Reconcile => {
            let run = mrv.reconcile_inventory(session)?;
            print(json, &run, reconcile_text)?;
            if !run.clean {
                let found: Vec<String> = run.findings.iter().map(finding_text).collect();
                return Err(AppError::Conflict(format!(
                    "reconciliation {} found {} difference(s): {}",
                    run.id,
                    found.len(),
                    found.join("; ")
                ))
                .into());
            }
            Ok(())
        }
    }
}
