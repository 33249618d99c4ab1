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
                format!("push: {}", shown(&p.describe()))
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

/// A finding in words, registry-supplied text made visible.
pub(crate) fn finding_text(f: &Finding) -> String {
    shown(&f.describe()).into_owned()
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
