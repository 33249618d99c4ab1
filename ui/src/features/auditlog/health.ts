/**
 * The audit log's health in plain words: the pill beside the signed-in user and the lines of the
 * log-health panel. An alarm (the log rewrote its history) outranks everything else.
 */
import type { LogHealthDto_Serialize } from "../../lib/bindings";
import { codeToWords, formatCount, formatRelative, formatTimestamp } from "../../lib/format";
import type { Tone } from "./anchor";

export interface HealthSummary {
  /** The pill's text. */
  label: string;
  tone: Tone;
  /** A sentence for the pill's tooltip. */
  detail: string;
}

/** A count from the backend; absent counts as none. */
function count(n: number | null | undefined): number {
  return n ?? 0;
}

/**
 * The pill for the log's health; `health` is null until the first answer, and `checkFailed`
 * says that the last attempt to get it failed.
 */
export function healthSummary(health: LogHealthDto_Serialize | null, checkFailed = false): HealthSummary {
  if (!health) {
    return checkFailed
      ? { label: "Audit log: status unknown", tone: "neutral", detail: "The audit log's status could not be read." }
      : { label: "Audit log: checking…", tone: "neutral", detail: "Reading the audit log's status." };
  }
  if (health.alarms.length > 0) {
    return { label: "AUDIT LOG ALARM", tone: "bad", detail: "The audit log rewrote its history. Anchoring is halted until an ops admin investigates." };
  }
  if (!health.connected) {
    return { label: "Audit log: not connected", tone: "neutral", detail: "This workspace is not connected to an audit log; stamps wait in the queue." };
  }
  if (health.last_error) {
    return { label: "Audit log: unreachable", tone: "warn", detail: `The last check failed: ${health.last_error}` };
  }
  if (count(health.failed) > 0) {
    const waiting = count(health.queued) + count(health.failed);
    return {
      label: `Audit log: ${formatCount(waiting)} queued`,
      tone: "warn",
      detail: `${anchorCounts(health)}. Anchors that failed are retried automatically.`,
    };
  }
  if (health.checkpoint_size === null) {
    return { label: "Audit log: not checked yet", tone: "neutral", detail: "Connected, but no checkpoint of the log has been verified yet." };
  }
  return {
    label: `Audit log OK · size ${formatCount(health.checkpoint_size)}`,
    tone: "ok",
    detail: `The log's latest checkpoint verified and consistent with the one before. ${anchorCounts(health)}.`,
  };
}

/** "12 anchored · 1 queued · 0 failed" */
export function anchorCounts(health: Pick<LogHealthDto_Serialize, "anchored" | "queued" | "failed">): string {
  return `${formatCount(count(health.anchored))} anchored · ${formatCount(count(health.queued))} queued · ${formatCount(count(health.failed))} failed`;
}

/** The heading of an alarm's callout. */
export function alarmTitle(kind: string): string {
  switch (kind) {
    case "fork":
      return "Fork detected";
    case "rollback":
      return "Rollback detected";
    default:
      return `Alarm: ${codeToWords(kind).toLowerCase()}`;
  }
}

/** "5 minutes ago (2026-03-04 11:55)"; `never` when there is no time. */
export function whenText(iso: string | null | undefined, now: number, never = "Never"): string {
  if (!iso) return never;
  const ago = formatRelative(iso, now);
  const at = formatTimestamp(iso);
  return ago ? `${ago} (${at})` : at;
}
