/** Data-change desk wording and small helpers (SOP-004). Who may do what comes from the backend
 * (`allowedActions` and each ticket's `offers`); this only orders, words and groups. */
import type { ActionDto, ChangeDiffDto, ChangeOfferDto, RowChangeDto, TableCountDto } from "../../lib/bindings";

/** A ticket's state in words. */
export function changeStateWords(state: string): string {
  switch (state) {
    case "open":
      return "Open — not dry-run yet";
    case "dry_run_ok":
      return "Dry run passed — awaiting review";
    case "dry_run_refused":
      return "Dry run refused";
    case "approved":
      return "Approved — ready to apply";
    case "rejected":
      return "Rejected";
    case "applied":
      return "Applied";
    case "rolled_back":
      return "Rolled back";
    default:
      return state;
  }
}

/** The callout tone of a state: `ok`, `info`, `warn` or `bad`. */
export function changeTone(state: string): "ok" | "info" | "warn" | "bad" {
  switch (state) {
    case "dry_run_ok":
    case "approved":
      return "info";
    case "applied":
      return "ok";
    case "dry_run_refused":
    case "rejected":
      return "bad";
    case "rolled_back":
      return "warn";
    default:
      return "info";
  }
}

const STEP_ORDER = ["dry_run", "approve", "reject", "apply", "rollback"];

/** The button label of a step. */
export function stepLabel(step: string): string {
  switch (step) {
    case "dry_run":
      return "Dry run on a copy";
    case "approve":
      return "Approve";
    case "reject":
      return "Reject…";
    case "apply":
      return "Apply";
    case "rollback":
      return "Roll back";
    default:
      return step;
  }
}

/** The offers in the procedure's order (unknown steps last, as given). */
export function orderedOffers(offers: readonly ChangeOfferDto[]): ChangeOfferDto[] {
  const rank = (s: string) => {
    const i = STEP_ORDER.indexOf(s);
    return i < 0 ? STEP_ORDER.length : i;
  };
  return [...offers].sort((a, b) => rank(a.step) - rank(b.step));
}

/** Whether the user may open tickets (ops admins, from the backend's list). */
export function mayOpenChanges(allowed: readonly ActionDto[]): boolean {
  return allowed.includes("manage_data_changes");
}

/** Whether the user may see the desk at all (ops or tenant admins). */
export function maySeeChanges(allowed: readonly ActionDto[]): boolean {
  return allowed.includes("manage_data_changes") || allowed.includes("review_data_changes");
}

/** Counts worth showing: tables whose count changed first, then (with `all`) the rest, by name. */
export function countRows(counts: readonly TableCountDto[], all: boolean): TableCountDto[] {
  const changed = counts.filter((c) => c.before !== c.after);
  if (!all) return changed;
  return [...changed, ...counts.filter((c) => c.before === c.after)];
}

/** A count change in words: "3 → 4 (+1)", "2 → 2". */
export function countWords(c: Pick<TableCountDto, "before" | "after">): string {
  const d = c.after - c.before;
  return d === 0 ? `${c.before} → ${c.after}` : `${c.before} → ${c.after} (${d > 0 ? "+" : "−"}${Math.abs(d)})`;
}

/** A value of the diff: SQL NULL shown as "NULL". */
export function valueText(v: string | null | undefined): string {
  return v === null || v === undefined ? "NULL" : v;
}

/** The diff's rows grouped by table, in order. */
export function rowsByTable(rows: readonly RowChangeDto[]): { table: string; rows: RowChangeDto[] }[] {
  const out: { table: string; rows: RowChangeDto[] }[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && last.table === r.table) last.rows.push(r);
    else out.push({ table: r.table, rows: [r] });
  }
  return out;
}

/** A one-line summary of a diff: "1 row changed in project", "no rows changed". */
export function diffSummary(diff: Pick<ChangeDiffDto, "tables">): string {
  const n = diff.tables.reduce((s, t) => s + t.inserted + t.deleted + t.updated, 0);
  if (n === 0) return "no rows changed";
  const tables = diff.tables.map((t) => t.table).join(", ");
  return `${n} row${n === 1 ? "" : "s"} changed in ${tables}`;
}
