/** Pure helpers for the evidence strip and the flags panel of the batch view. No DOM. */
import type { FlagDto_Serialize, LayerDto_Serialize } from "./bindings";
import { codeToWords, formatCount, formatDate } from "./format";

export type Severity = "high" | "medium" | "low";
export type SeverityFilter = Severity | "all";

/** Severities from most to least serious. */
export const SEVERITIES: readonly Severity[] = ["high", "medium", "low"];

/** The fields of a flag this module looks at. */
export type FlagLike = Pick<FlagDto_Serialize, "row" | "check" | "severity">;

/** The fields of a layer this module looks at. */
export type LayerLike = Pick<LayerDto_Serialize, "kind" | "acquired_on">;

/** A severity as sent by the backend; anything unrecognised is treated as "low". */
export function normalizeSeverity(s: string): Severity {
  const v = s.trim().toLowerCase();
  return v === "high" || v === "medium" ? v : "low";
}

export interface SeverityCounts {
  high: number;
  medium: number;
  low: number;
  total: number;
}

export function countBySeverity(flags: readonly FlagLike[]): SeverityCounts {
  const out: SeverityCounts = { high: 0, medium: 0, low: 0, total: 0 };
  for (const f of flags) {
    out[normalizeSeverity(f.severity)]++;
    out.total++;
  }
  return out;
}

/** "3 high", "1,200 low". */
export function severityCountLabel(n: number, severity: Severity): string {
  return `${formatCount(n)} ${severity}`;
}

/** "High", "Medium", "Low". */
export function severityLabel(severity: Severity): string {
  return severity[0]!.toUpperCase() + severity.slice(1);
}

const CHECK_LABELS: Record<string, string> = {
  outside_boundary: "Outside boundary",
  nodata: "No data",
  land_cover_mismatch: "Land cover mismatch",
  loss_after_baseline: "Forest loss after baseline",
  implausible_value: "Implausible value",
  robust_outlier: "Outlier",
  duplicate_plot: "Duplicate plot",
};

/** Plain-words name of a check; unknown checks are spelled out from their code. */
export function checkLabel(check: string): string {
  return CHECK_LABELS[check] ?? codeToWords(check, "Other check");
}

const KIND_LABELS: Record<string, string> = {
  ndvi: "Vegetation (NDVI)",
  land_cover: "Land cover",
  forest_loss_year: "Forest loss year",
  canopy_height: "Canopy height",
  elevation: "Elevation",
  other: "Other",
};

/** The raster layer kinds the backend accepts, in the order a form offers them. */
export const LAYER_KINDS: readonly string[] = Object.keys(KIND_LABELS);

/** Plain-words name of a raster layer kind. */
export function layerKindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? codeToWords(kind, "Other");
}

/** A guess at a layer's kind from its file name ("ndvi-2025-06.tif" → "ndvi"); null when nothing fits. */
export function guessLayerKind(fileName: string): string | null {
  // Separators become spaces so that word boundaries work on "srtm_dem-30m.tif" alike.
  const s = fileName.toLowerCase().replace(/[_.\-]+/g, " ");
  if (s.includes("ndvi")) return "ndvi";
  if (/world ?cover|land ?cover|lulc/.test(s)) return "land_cover";
  if (/loss|gfc|hansen/.test(s)) return "forest_loss_year";
  if (/canopy|\bchm\b|tree ?height/.test(s)) return "canopy_height";
  if (/elev|\bdem\b|\bdtm\b|srtm/.test(s)) return "elevation";
  return null;
}

/**
 * A row's worst flag as `map_points` sends it: 0 none, 1 low, 2 medium, 3 high. Anything else is
 * read as "none" for values below 1 and "high" above 3, so a surprise never hides a flag.
 */
export function worstSeverity(worst: number): Severity | null {
  if (!(worst >= 1)) return null;
  if (worst >= 3) return "high";
  return worst >= 2 ? "medium" : "low";
}

/**
 * Marker colours of points on the map and the plot, indexed by worst flag (0 none … 3 high).
 * Red and orange are brighter versions of the danger and warning tones of the flag chips (a
 * small dot needs more saturation than a text chip to be read); unflagged points are a calm
 * blue that stands apart from the green of vegetation overlays.
 */
export const WORST_COLOURS: readonly string[] = ["#2b83ba", "#f2cf1d", "#f08c1a", "#d7301f"];

/** Edge drawn around every marker so yellow and blue stay visible on light and dark overlays. */
export const MARKER_EDGE = "#1d2621";

/** Marker colour of a worst-flag code. */
export function worstColour(worst: number): string {
  const s = worstSeverity(worst);
  return WORST_COLOURS[s === null ? 0 : s === "low" ? 1 : s === "medium" ? 2 : 3]!;
}

/** Entries of the point-colour legend, most serious first. */
export const POINT_LEGEND: readonly { worst: number; label: string; colour: string }[] = [
  { worst: 3, label: "High", colour: WORST_COLOURS[3]! },
  { worst: 2, label: "Medium", colour: WORST_COLOURS[2]! },
  { worst: 1, label: "Low", colour: WORST_COLOURS[1]! },
  { worst: 0, label: "No flag", colour: WORST_COLOURS[0]! },
];

/** The date part of an acquisition date or timestamp, in the user's locale ("Jun 1, 2024"); null when absent. */
export function acquiredDate(acquiredOn: string | null | undefined): string | null {
  const s = (acquiredOn ?? "").trim();
  if (!s) return null;
  return formatDate(s);
}

/** "Acquired Jun 1, 2024"; "Acquisition date unknown" when absent. */
export function acquiredLabel(acquiredOn: string | null | undefined): string {
  const d = acquiredDate(acquiredOn);
  return d ? `Acquired ${d}` : "Acquisition date unknown";
}

export interface CheckOption {
  check: string;
  label: string;
  count: number;
}

/** The checks that occur in `flags`, with counts, ordered by plain-words name. */
export function checksPresent(flags: readonly FlagLike[]): CheckOption[] {
  const counts = new Map<string, number>();
  for (const f of flags) counts.set(f.check, (counts.get(f.check) ?? 0) + 1);
  return [...counts]
    .map(([check, count]) => ({ check, label: checkLabel(check), count }))
    .sort((a, b) => a.label.localeCompare(b.label) || a.check.localeCompare(b.check));
}

export interface FlagFilter {
  severity: SeverityFilter;
  /** A check code, or "all". */
  check: string;
}

export function filterFlags<F extends FlagLike>(flags: readonly F[], filter: FlagFilter): F[] {
  return flags.filter(
    (f) => (filter.severity === "all" || normalizeSeverity(f.severity) === filter.severity) && (filter.check === "all" || f.check === filter.check),
  );
}

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Most serious first, then by row; a new array, the input is left alone. */
export function sortFlags<F extends FlagLike>(flags: readonly F[]): F[] {
  return flags
    .map((f, i) => ({ f, i, r: RANK[normalizeSeverity(f.severity)] }))
    .sort((a, b) => a.r - b.r || a.f.row - b.f.row || a.i - b.i)
    .map((x) => x.f);
}

export interface Capped<T> {
  shown: T[];
  total: number;
  /** How many were left out (0 when all are shown). */
  hidden: number;
}

/** At most `max` items for rendering, with the count of the rest. */
export function capList<T>(items: readonly T[], max: number): Capped<T> {
  const limit = Math.max(0, Math.floor(max));
  const shown = items.length > limit ? items.slice(0, limit) : items.slice();
  return { shown, total: items.length, hidden: items.length - shown.length };
}

/** "Showing 500 of 1,234 flags"; null when everything is shown. */
export function cappedNote(c: Capped<unknown>): string | null {
  return c.hidden > 0 ? `Showing ${formatCount(c.shown.length)} of ${formatCount(c.total)} flags — narrow the filters to see the rest` : null;
}

/** 0-based table index for a flag's 1-based batch row, clamped to the table; null for an empty table. */
export function flagRowToIndex(row: number, total: number): number | null {
  if (!(total > 0) || !Number.isFinite(row)) return null;
  return Math.min(total - 1, Math.max(0, Math.floor(row) - 1));
}
