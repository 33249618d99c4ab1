/**
 * The rows table's sort and filters, as the backend's `RowQueryDto` (filtering and sorting run
 * in SQLite: the table only pages through the result). Pure helpers, no DOM.
 */
import type { FilterOpDto, FlagSeverityDto, RowFilterDto, RowQueryDto } from "../../lib/bindings";

export type SortState = { field: string; descending: boolean } | null;

/** The plain view: every row in file order. */
export const PLAIN_QUERY: RowQueryDto = { sort: null, filters: [] };

export function isPlain(q: RowQueryDto): boolean {
  const sort = q.sort ?? null;
  return q.filters.length === 0 && (sort === null || (sort.field === "row" && !sort.descending));
}

/**
 * Clicking a column header: first ascending (numbers and claims are usually wanted largest
 * first, so `claimed_tco2e` and `flag` start descending), then the other way, then no sort.
 */
export function nextSort(current: SortState, field: string): SortState {
  const firstDescending = field === "flag" || /tco2e|claimed/i.test(field);
  if (!current || current.field !== field) return { field, descending: firstDescending };
  if (current.descending === firstDescending) return { field, descending: !firstDescending };
  return null;
}

/** The arrow a header shows for the current sort. */
export function sortMark(current: SortState, field: string): "▲" | "▼" | "" {
  if (!current || current.field !== field) return "";
  return current.descending ? "▼" : "▲";
}

export const OPS: readonly { op: FilterOpDto; label: string; symbol: string }[] = [
  { op: "eq", label: "equals", symbol: "=" },
  { op: "ne", label: "is not", symbol: "≠" },
  { op: "gt", label: "greater than", symbol: ">" },
  { op: "ge", label: "at least", symbol: "≥" },
  { op: "lt", label: "less than", symbol: "<" },
  { op: "le", label: "at most", symbol: "≤" },
  { op: "contains", label: "contains", symbol: "∋" },
];

/** What the flag filter offers: a worst-flag condition, or none. */
export type FlagChoice = "all" | "none" | "any" | "low+" | "medium+" | "high";

export function flagFilter(choice: FlagChoice): RowFilterDto | null {
  switch (choice) {
    case "all":
      return null;
    case "none":
      return { field: "flag", op: "eq", value: "none" };
    case "any":
      return { field: "flag", op: "eq", value: "any" };
    case "low+":
      return { field: "flag", op: "ge", value: "low" };
    case "medium+":
      return { field: "flag", op: "ge", value: "medium" };
    case "high":
      return { field: "flag", op: "eq", value: "high" };
  }
}

export const FLAG_CHOICES: readonly { value: FlagChoice; label: string }[] = [
  { value: "all", label: "All rows" },
  { value: "any", label: "Any flag" },
  { value: "low+", label: "Low or worse" },
  { value: "medium+", label: "Medium or worse" },
  { value: "high", label: "High" },
  { value: "none", label: "No flag" },
];

export interface TableFilters {
  flag: FlagChoice;
  /** A check's name, or "" for any. */
  check: string;
  /** Value conditions on columns. */
  values: RowFilterDto[];
}

export const NO_FILTERS: TableFilters = { flag: "all", check: "", values: [] };

/** The backend query for a table state. */
export function buildQuery(sort: SortState, filters: TableFilters): RowQueryDto {
  const out: RowFilterDto[] = [];
  const flag = flagFilter(filters.flag);
  if (flag) out.push(flag);
  if (filters.check) out.push({ field: "check", op: "eq", value: filters.check });
  for (const v of filters.values) out.push(v);
  return { sort: sort ? { field: sort.field, descending: sort.descending } : null, filters: out };
}

/** A stable key of a query (the table's page cache is per query). */
export function queryKey(q: RowQueryDto): string {
  return JSON.stringify([q.sort?.field ?? null, q.sort?.descending ?? null, q.filters.map((f) => [f.field, f.op, f.value])]);
}

/** "claimed_tco2e ≥ 5". */
export function describeFilter(f: RowFilterDto): string {
  const symbol = OPS.find((o) => o.op === f.op)?.symbol ?? f.op;
  return `${f.field} ${symbol} ${f.value}`;
}

/**
 * A value condition from the form, or the reason it cannot be one. Numbers are checked here
 * only for a quick message; the backend decides with the profile's column kinds.
 */
export function valueFilter(field: string, op: FilterOpDto, value: string): RowFilterDto | string {
  const v = value.trim();
  if (!field) return "Choose a column.";
  if (!v) return "Enter a value.";
  return { field, op, value: v };
}

/** Row background tint by worst flag (none for unflagged rows). */
export function rowTint(worst: FlagSeverityDto | null | undefined): string | null {
  switch (worst) {
    case "high":
      return "rgba(215, 48, 31, 0.10)";
    case "medium":
      return "rgba(240, 140, 26, 0.10)";
    case "low":
      return "rgba(242, 207, 29, 0.12)";
    default:
      return null;
  }
}
