/** Words for the verification statement dialog (docs/statement.md). */
import type { ActionDto, AnchorDto } from "../../lib/bindings";

/** Whether the stamp card offers "Statement…": the backend's allowed actions decide. */
export function offersStatement(allowed: readonly ActionDto[]): boolean {
  return allowed.includes("produce_statement");
}

/** The statement's own anchor (kind `statement`) in a sentence. */
export function anchorText(anchor: AnchorDto | null | undefined): string {
  if (!anchor) return "Not queued for the audit log.";
  if (anchor.state === "anchored") {
    const at = anchor.log_index == null ? "" : ` at index ${anchor.log_index}`;
    const size = anchor.checkpoint_size == null ? "" : ` (checkpoint size ${anchor.checkpoint_size})`;
    return `Anchored as ${anchor.record_id} in ${anchor.origin ?? "the audit log"}${at}${size}.`;
  }
  if (anchor.state === "failed") {
    return `Queued as ${anchor.record_id}; the last attempt failed${anchor.last_error ? `: ${anchor.last_error}` : ""}. It is retried automatically.`;
  }
  return `Queued as ${anchor.record_id}; it is sent when the audit log is reachable.`;
}
