/** The review dialogs' rules: justifications when approving, and the stamp export's fields. */
import type { FlagDto_Serialize, JustificationDto, MaterialRowDto } from "../../lib/bindings";
import { normalizeSeverity } from "../../lib/flags";
import { formatCount, plainCount } from "../../lib/format";

type Flag = Pick<FlagDto_Serialize, "flag_id" | "row" | "severity">;

/** A material row as the approve dialog needs it (the backend decides which rows are material). */
type Material = Pick<MaterialRowDto, "row" | "flag_ids">;

/**
 * What the approve dialog asks a justification for: each open high-severity flag, then each
 * material row (as the backend listed it) none of whose flags is high — its justification goes
 * on the row's first flag. A material row with a high flag is covered by that flag's text.
 */
export function justificationTargets<F extends Flag>(flags: readonly F[], material: readonly Material[]): { flag: F; material: boolean }[] {
  const high = highFlags(flags);
  const targets = high.map((flag) => ({ flag, material: material.some((m) => m.row === flag.row) }));
  for (const m of material) {
    if (high.some((f) => m.flag_ids.includes(f.flag_id))) continue;
    const flag = flags.find((f) => f.flag_id === m.flag_ids[0]);
    if (flag) targets.push({ flag, material: true });
  }
  return targets;
}

/** The open high-severity flags, in the order given: each needs a justification to approve. */
export function highFlags<F extends Flag>(flags: readonly F[]): F[] {
  return flags.filter((f) => normalizeSeverity(f.severity) === "high");
}

/** The flags whose justification (by flag id) is still empty. */
export function unjustified<F extends Flag>(flags: readonly F[], texts: Readonly<Record<number, string>>): F[] {
  return flags.filter((f) => !(texts[f.flag_id] ?? "").trim());
}

/** "rows 17 and 33", "rows 1, 2 and 3", "row 5". */
function rowList(rows: readonly number[]): string {
  const r = rows.map(plainCount);
  if (r.length === 1) return `row ${r[0]}`;
  return `rows ${r.slice(0, -1).join(", ")} and ${r[r.length - 1]}`;
}

/** What keeps the approval from being sent, in plain words; null when every flag is justified. */
export function justificationProblem(flags: readonly Flag[], texts: Readonly<Record<number, string>>): string | null {
  const missing = unjustified(flags, texts);
  if (missing.length === 0) return null;
  const shown = missing.slice(0, 8).map((f) => f.row);
  const rest = missing.length - shown.length;
  const which = rest > 0 ? `${rowList(shown)} and ${formatCount(rest)} more` : rowList(shown);
  return `Write a justification for each high-severity flag and material row: ${which} ${missing.length === 1 ? "has" : "have"} none yet.`;
}

/** The justifications as the backend takes them (trimmed), one per flag. */
export function justificationsToSend(flags: readonly Flag[], texts: Readonly<Record<number, string>>): JustificationDto[] {
  return flags.map((f) => ({ flag_id: f.flag_id, text: (texts[f.flag_id] ?? "").trim() }));
}

/** The optional row of a row proof, as typed: null when empty. */
export function parseProofRow(text: string | number, rowCount: number): { ok: true; row: number | null } | { ok: false; problem: string } {
  const s = String(text).trim();
  if (!s) return { ok: true, row: null };
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > rowCount) {
    return { ok: false, problem: `The row is a whole number from 1 to ${plainCount(rowCount)}, or leave it empty for the stamp alone.` };
  }
  return { ok: true, row: n };
}

/**
 * Errors nothing in a dialog's form can fix (the role does not allow it, someone else decided
 * first, the batch is gone): the dialog closes and the review panel shows them.
 */
export function isRefusal(code: string): boolean {
  return code === "forbidden" || code === "conflict" || code === "not_found";
}
