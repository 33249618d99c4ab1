/** A batch's history (every version of it, and every decision) in words, for the timeline. */
import type { HistoryEntryDto_Serialize as HistoryEntry } from "../../lib/bindings";
import { checkLabel } from "../../lib/flags";
import { codeToWords } from "../../lib/format";
import { describeReasonCode, type Vocabulary } from "./reasonCodes";

const ACTION_LABELS: Record<string, string> = {
  import: "Imported",
  start_review: "Review started",
  approve: "Approved",
  reject: "Rejected",
  stamp: "Stamped and signed",
  anchor: "Anchored in the audit log",
};

/** "start_review" → "Review started"; unknown actions are spelled out from their code. */
export function historyActionLabel(action: string): string {
  return ACTION_LABELS[action] ?? codeToWords(action, "Changed");
}

export type HistoryTone = "info" | "warn" | "ok" | "bad" | "neutral";

export function historyTone(action: string): HistoryTone {
  switch (action) {
    case "import":
      return "info";
    case "start_review":
      return "warn";
    case "approve":
    case "stamp":
    case "anchor":
      return "ok";
    case "reject":
      return "bad";
    default:
      return "neutral";
  }
}

/** The file an import entry names (its text ends "from <file>"); null when it names none. */
export function importedFile(entry: Pick<HistoryEntry, "action" | "reason_text">): string | null {
  if (entry.action !== "import") return null;
  const m = /(?:^|, )from (.+)$/.exec(entry.reason_text ?? "");
  return m ? m[1]!.trim() : null;
}

/** "row 17 loss_after_baseline: replanted" → "Row 17, forest loss after baseline: replanted"; other texts as they are. */
export function justificationText(text: string): string {
  const m = /^row (\d+) ([a-z0-9_]+): ([\s\S]*)$/.exec(text);
  return m ? `Row ${m[1]}, ${checkLabel(m[2]!).toLowerCase()}: ${m[3]}` : text;
}

/** Who imported batch `batchId`, by its history; null when the history does not say. */
export function importerOf(entries: readonly HistoryEntry[], batchId: number): string | null {
  return entries.find((e) => e.batch_id === batchId && e.action === "import")?.user ?? null;
}

/** The version that corrects batch `batchId` (the next import in its chain); null when none yet. */
export function correctionOf(entries: readonly HistoryEntry[], batchId: number): { batchId: number; version: number } | null {
  const own = entries.find((e) => e.batch_id === batchId && e.action === "import");
  if (!own) return null;
  const next = entries
    .filter((e) => e.action === "import" && e.batch_id !== batchId && e.version > own.version)
    .sort((a, b) => a.version - b.version)[0];
  return next ? { batchId: next.batch_id, version: next.version } : null;
}

export interface HistoryItem {
  key: string;
  version: number;
  /** An entry of the version shown (others are earlier or later versions of it). */
  current: boolean;
  label: string;
  tone: HistoryTone;
  /** Who did it; "—" when unknown. */
  who: string;
  /** ISO timestamp. */
  at: string;
  /** "CAR/outside_boundary"; null when the entry has none. */
  reasonCode: string | null;
  /** "Corrective action · Outside the project boundary". */
  reasonWords: string | null;
  /** The reason, or what an import was of ("From tree-plots-2025.csv"). */
  text: string | null;
  justifications: string[];
  /** A rejection's findings: "CAR 1", its code, text, rows and state. */
  findings: HistoryFinding[];
}

export interface HistoryFinding {
  label: string;
  code: string;
  text: string;
  rows: string[];
  open: boolean;
  /** "Closed by vera in version 2: moved inside"; null while open. */
  closed: string | null;
}

/** The timeline's entries, in the backend's order (oldest first); the reason codes in words from `vocabulary` once loaded. */
export function historyItems(entries: readonly HistoryEntry[], batchId: number, vocabulary: Vocabulary | null = null): HistoryItem[] {
  const versionOf = new Map(entries.map((e) => [e.batch_id, e.version]));
  const firstVersion = Math.min(...entries.map((e) => e.version));
  return entries.map((e, i) => {
    let text = e.reason_text?.trim() || null;
    if (e.action === "import") {
      const file = importedFile(e);
      const corrected = e.version > firstVersion;
      if (file) text = corrected ? `Corrected version, from ${file}` : `From ${file}`;
      else if (corrected) text = "Corrected version";
    }
    const code = e.reason_code?.trim() || null;
    return {
      key: `${e.batch_id}-${i}`,
      version: e.version,
      current: e.batch_id === batchId,
      label: historyActionLabel(e.action),
      tone: historyTone(e.action),
      who: e.user?.trim() || "—",
      at: e.at,
      reasonCode: code,
      reasonWords: code ? describeReasonCode(code, vocabulary) : null,
      text,
      justifications: e.justifications.map(justificationText),
      findings: (e.findings ?? []).map((f) => ({
        label: f.label,
        code: f.code,
        text: f.text,
        rows: f.record_ids,
        open: f.state === "open",
        closed:
          f.state === "open"
            ? null
            : `Closed by ${f.closed_by ?? "—"}${f.closed_in_batch_id !== null && versionOf.has(f.closed_in_batch_id) ? ` in version ${versionOf.get(f.closed_in_batch_id)}` : ""}: ${f.close_note ?? ""}`,
      })),
    };
  });
}
