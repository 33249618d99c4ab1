//! `mrv queue`: the signed-in user's work queue (`mrv_app::Mrv::work_queue`). Printing only.

use crate::print;
use crate::text::shown;
use anyhow::Result;
use mrv_app::{Mrv, QueueTarget, Session, WorkQueue};

fn target_text(t: &QueueTarget) -> String {
    match t {
        QueueTarget::Batch(id) => format!("batch {id}"),
        QueueTarget::Export(id) => format!("export {id}"),
        QueueTarget::Exports => "exports".into(),
        QueueTarget::AuditLog => "audit log".into(),
        QueueTarget::Registry => "registry".into(),
        QueueTarget::Incident(id) => format!("incident {id}"),
        QueueTarget::Release(id) => format!("release {id}"),
        QueueTarget::Access => "access".into(),
        QueueTarget::DataChanges => "data changes".into(),
        QueueTarget::Backups => "backups".into(),
    }
}

fn queue_text(q: &WorkQueue) -> String {
    if q.items.is_empty() {
        return format!("nothing waits for {}\n", shown(&q.user));
    }
    let mut s = format!("{} item(s) wait for {}:\n", q.items.len(), shown(&q.user));
    for item in &q.items {
        s += &format!(
            "{} {} [{}]\n    {}\n",
            if item.urgent { "!" } else { "-" },
            shown(&item.title),
            target_text(&item.target),
            shown(&item.detail)
        );
    }
    s
}

/// `mrv --as USER queue`.
pub(crate) fn queue(mrv: &Mrv, session: &Session, json: bool) -> Result<()> {
    let q = mrv.work_queue(session)?;
    print(json, &q, queue_text)
}
