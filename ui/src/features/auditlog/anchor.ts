/**
 * Where an approved batch's stamp stands in the audit log, in plain words: the chip of the
 * stamp card's "Audit log" section and the sentence under it, who may send it, and what keeps it
 * from being sent. The backend decides everything; this only words it.
 */
import type { ActionDto, AnchorDto_Serialize, LogHealthDto_Serialize } from "../../lib/bindings";
import type { ShownError } from "../../lib/errors";
import { asSentence, formatTimestamp, plainCount } from "../../lib/format";

/** The tones of callouts and status chips (app.css). */
export type Tone = "ok" | "warn" | "bad" | "neutral";

export interface AnchorStatus {
  /** The anchor's state; `none` when the stamp has no anchor (or one in a state the UI does not know). */
  state: "queued" | "failed" | "anchored" | "none";
  /** The chip's text: starts with "Queued", "Failed" or "Anchored"; "" for `none` (no chip). */
  label: string;
  tone: Tone;
  /** Where it stands, in a sentence. */
  sentence: string;
}

/** The chip and sentence for a batch's anchor; `anchor` is null when the stamp has none. */
export function anchorStatus(anchor: AnchorDto_Serialize | null): AnchorStatus {
  if (!anchor) return { state: "none", label: "", tone: "neutral", sentence: "No audit-log anchor is recorded for this stamp." };
  switch (anchor.state) {
    case "queued":
      return { state: "queued", label: "Queued", tone: "neutral", sentence: "Waiting to be sent to the audit log." };
    case "failed": {
      const reason = anchor.last_error?.trim() ? `The last attempt failed: ${stripStop(anchor.last_error.trim())}.` : "The last attempt failed.";
      const next = anchor.next_attempt_at ? ` Next attempt ${formatTimestamp(anchor.next_attempt_at)}.` : " It is retried automatically.";
      return { state: "failed", label: "Failed — retrying", tone: "warn", sentence: reason + next };
    }
    case "anchored": {
      const where = anchor.log_index === null ? "In the audit log" : `At index ${plainCount(anchor.log_index)}`;
      const size = anchor.checkpoint_size === null ? "" : ` in checkpoint of size ${plainCount(anchor.checkpoint_size)}`;
      const origin = anchor.origin ? ` of ${anchor.origin}` : "";
      const when = anchor.anchored_at ? `, ${formatTimestamp(anchor.anchored_at)}` : "";
      return { state: "anchored", label: "Anchored", tone: "ok", sentence: `${where}${size}${origin}${when}.` };
    }
    default:
      return { state: "none", label: "", tone: "neutral", sentence: `The audit log reports this anchor as “${anchor.state}”.` };
  }
}

function stripStop(s: string): string {
  return s.endsWith(".") ? s.slice(0, -1) : s;
}

/** Whether the user's `allowed` actions (the backend's role table says) include sending anchors. */
export function mayAnchor(allowed: readonly ActionDto[]): boolean {
  return allowed.includes("anchor");
}

/**
 * What keeps anchors from being sent, as the stored health says; null when nothing does (or the
 * health is not known yet). An alarm halts anchoring even while connected.
 */
export function anchorBlocker(health: LogHealthDto_Serialize | null): string | null {
  if (!health) return null;
  if (health.alarms.length > 0) return "Anchoring is halted: the audit log raised an alarm (see the audit-log panel beside your name).";
  if (!health.connected) return "This workspace is not connected to an audit log yet; an ops admin connects it. The anchor is sent once it is.";
  return null;
}

/** A refused "Anchor now", titled for what it means here; the backend's message says why. */
export function anchorRefusal(error: ShownError): ShownError {
  switch (error.code) {
    case "conflict":
      return { ...error, title: "Not sent to the audit log", message: asSentence(error.message) };
    case "forbidden":
      return { ...error, title: "Your role does not send anchors", message: asSentence(error.message) };
    default:
      return error;
  }
}

/** The command that checks a receipt offline, with the log's pinned key when it is known. */
export function verifyReceiptCommand(vkey: string | null): string {
  return `mrv verify-receipt FILE --vkey ${vkey?.trim() ? vkey.trim() : "<the log's key>"} --entry FILE`;
}

/**
 * The key to check an anchor's receipt with: the connected log's pinned key, when the anchor
 * went to that log (same origin); null when it is not known here.
 */
export function receiptKey(anchor: Pick<AnchorDto_Serialize, "origin">, health: LogHealthDto_Serialize | null): string | null {
  if (!health?.vkey || !anchor.origin || health.origin !== anchor.origin) return null;
  return health.vkey;
}
