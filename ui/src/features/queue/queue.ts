/**
 * The work queue in plain words. What is in the queue (and so what the signed-in user may do)
 * comes from the backend (`work_queue`); this file only labels the items' buttons.
 */
import type { QueueItemDto, QueueKindDto } from "../../lib/bindings";

/** The button of an item: what opening it does. */
export function actionLabel(kind: QueueKindDto): string {
  switch (kind) {
    case "review_batch":
      return "Review";
    case "decide_batch":
      return "Decide";
    case "enrich_batch":
      return "Open batch";
    case "correct_batch":
      return "See why";
    case "export_step":
      return "Open export";
    case "create_export":
      return "Exports";
    case "connect_audit_log":
    case "log_alarm":
    case "anchors_failing":
      return "Audit log";
    case "connect_registry":
      return "Connect…";
    case "incident":
      return "Incidents";
    case "release":
      return "Releases";
    case "decide_access":
    case "grant_access":
    case "access_review":
      return "Access";
    case "data_change":
      return "Data changes";
    case "set_backup_target":
    case "backup_stale":
    case "drill_due":
      return "Backups";
  }
}

/** "3 things wait for you" / "Nothing waits for you". */
export function queueSummary(items: readonly QueueItemDto[]): string {
  if (items.length === 0) return "Nothing waits for you.";
  const urgent = items.filter((i) => i.urgent).length;
  const all = `${items.length} ${items.length === 1 ? "thing waits" : "things wait"} for you`;
  return urgent > 0 ? `${all}, ${urgent} urgent.` : `${all}.`;
}
