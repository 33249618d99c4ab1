/**
 * A rejected import's problem report, handed on as text for the clipboard (a tab-separated
 * table that pastes into a spreadsheet or a ticket). Values come from the imported file, so
 * every cell a spreadsheet would run as a formula is kept as text. The CSV file is written by
 * the backend (`save_import_report`, `mrv_app::import_report_csv`).
 */
import type { ProblemDto } from "./bindings";
import { plainText } from "./richText";

/** A problem as the report carries it; `record_id` is the row's id under the methodology's id field. */
export type ReportProblem = ProblemDto & { record_id?: string | null };

export interface ImportReport {
  problems: readonly ReportProblem[];
  /** How many problems the file has in all (the report may list fewer). */
  total: number;
}

/** The record id of a problem's row, when the report names it. */
export function recordIdOf(p: ReportProblem): string | null {
  const id = p.record_id;
  return typeof id === "string" && id.trim() !== "" ? id : null;
}

/** Whether any problem names its record id (the table then shows a Record column). */
export function hasRecordIds(problems: readonly ReportProblem[]): boolean {
  return problems.some((p) => recordIdOf(p) !== null);
}

/**
 * A text a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
 * return, and not a number) prefixed with ' so it stays text — as the CLI's `text::cell` does.
 */
export function neutralizeFormula(text: string): string {
  const formula = /^[=+\-@\t\r]/.test(text) && !Number.isFinite(Number(text.trim()));
  return formula ? `'${text}` : text;
}

const HEADER = ["File", "Row", "Record", "Column", "Value", "Problem"];

function cells(p: ReportProblem): string[] {
  return [p.file, p.row === null || p.row === undefined ? "" : String(p.row), recordIdOf(p) ?? "", p.column ?? "", p.value ?? "", plainText(p.rule)];
}

function omitted(report: ImportReport): number {
  return Math.max(0, report.total - report.problems.length);
}

/** A tab-separated cell: tabs and line breaks become spaces, formulas stay text. */
function tsvField(text: string): string {
  return neutralizeFormula(text.replace(/[\t\r\n]+/g, " "));
}

/** The report for the clipboard: a heading line, then a tab-separated table. */
export function reportText(report: ImportReport, heading: string): string {
  const rows = [HEADER, ...report.problems.map(cells)].map((row) => row.map(tsvField).join("\t"));
  const more = omitted(report);
  const tail = more > 0 ? [`… and ${more} more problems not listed in the report`] : [];
  return [heading, ...rows, ...tail].join("\n") + "\n";
}
