/**
 * The plot workbench's numbers: zoom and pan of the visible domain, a log-scale y axis for
 * claimed tCO2e (values ≤ 0 cannot be shown on it and are counted instead), rectangle brushing
 * and the histogram of claimed tCO2e. Pure; the canvas code in `plotCanvas.ts` draws them.
 */
import { formatCount } from "../../lib/format";
import { niceAxis, type Axis } from "./plot";

/** A visible range of data values. */
export type Domain = readonly [number, number];

/** Zooms `domain` by `factor` (< 1 zooms in) keeping `anchor` (a data value) where it is. */
export function zoomDomain(domain: Domain, anchor: number, factor: number): [number, number] {
  const f = Number.isFinite(factor) && factor > 0 ? factor : 1;
  const a = Number.isFinite(anchor) ? anchor : (domain[0] + domain[1]) / 2;
  const lo = a - (a - domain[0]) * f;
  const hi = a + (domain[1] - a) * f;
  // Never zoom into float noise.
  if (!(hi - lo > Math.abs(a) * 1e-9 + 1e-12)) return [domain[0], domain[1]];
  return [lo, hi];
}

/** Shifts `domain` by `delta` data units. */
export function panDomain(domain: Domain, delta: number): [number, number] {
  return Number.isFinite(delta) ? [domain[0] + delta, domain[1] + delta] : [domain[0], domain[1]];
}

/** The wheel's zoom factor: one notch (100 px of deltaY) zooms by 15 %. */
export function wheelFactor(deltaY: number): number {
  return Math.exp(Math.max(-5, Math.min(5, deltaY / 100)) * Math.log(1.15));
}

/** log10 for the log axis; NaN for values ≤ 0 (not drawn). */
export function logValue(v: number): number {
  return v > 0 ? Math.log10(v) : NaN;
}

/** How many values cannot be shown on a log axis (≤ 0). */
export function nonPositiveCount(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!(values[i]! > 0)) n++;
  return n;
}

/** "4 rows with claimed tCO₂e ≤ 0 are not shown on the log scale"; null for none. */
export function nonPositiveNote(count: number): string | null {
  if (count <= 0) return null;
  return count === 1 ? "1 row with claimed tCO₂e ≤ 0 is not shown on the log scale" : `${formatCount(count)} rows with claimed tCO₂e ≤ 0 are not shown on the log scale`;
}

/**
 * An axis over log10 values [lo, hi] (exponents): ticks at whole powers of ten, or a nice
 * linear axis of exponents when the range is under one decade. `label` prints a tick as the
 * real value ("0.1", "1,000").
 */
export function logAxis(lo: number, hi: number): Axis & { label: (t: number) => string } {
  let a = Number.isFinite(lo) ? lo : 0;
  let b = Number.isFinite(hi) ? hi : a + 1;
  if (a > b) [a, b] = [b, a];
  const label = (t: number) => formatPower(t);
  if (b - a >= 1) {
    const min = Math.floor(a);
    const max = Math.ceil(b);
    const every = Math.max(1, Math.ceil((max - min) / 8));
    const ticks: number[] = [];
    for (let k = min; k <= max; k += every) ticks.push(k);
    return { min, max, step: every, ticks, label };
  }
  const axis = niceAxis(a, b, 4);
  return { ...axis, label };
}

/** 10^t in words: "1,000", "0.01", "3.16". */
export function formatPower(t: number): string {
  const v = Math.pow(10, t);
  if (Number.isInteger(t)) return t >= 0 ? v.toLocaleString("en-US") : v.toFixed(-t);
  const digits = v >= 100 ? 0 : v >= 1 ? 2 : Math.min(8, 2 - Math.floor(Math.log10(v)));
  return v.toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** A rectangle in CSS pixels from two corners, in any order. */
export function normaliseRect(x0: number, y0: number, x1: number, y1: number): { left: number; top: number; right: number; bottom: number } {
  return { left: Math.min(x0, x1), top: Math.min(y0, y1), right: Math.max(x0, x1), bottom: Math.max(y0, y1) };
}

/** The 1-based rows whose plotted position lies inside `rect` (positions in the order of `rows`). */
export function rowsInRect(
  rows: ArrayLike<number>,
  px: ArrayLike<number>,
  py: ArrayLike<number>,
  rect: { left: number; top: number; right: number; bottom: number },
): number[] {
  const out: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    const x = px[k]!;
    const y = py[k]!;
    if (x >= rect.left && x <= rect.right && y >= rect.top && y <= rect.bottom) out.push(rows[k]! + 1);
  }
  return out.sort((a, b) => a - b);
}

export interface Histogram {
  /** Bin edges: edges[i] .. edges[i + 1] is bin i (the last bin includes its right edge). */
  edges: number[];
  counts: number[];
  /** Values counted (finite, and > 0 on a log histogram). */
  total: number;
  /** Values left out: missing, and ≤ 0 on a log histogram. */
  skipped: number;
  log: boolean;
}

/**
 * A histogram of `values` over about `target` bins with nice edges (on log10 values when
 * `log`). Null and non-finite values are skipped.
 */
export function histogram(values: ArrayLike<number | null>, target = 20, log = false): Histogram {
  const xs: number[] = [];
  let skipped = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v) || (log && !(v > 0))) {
      skipped++;
      continue;
    }
    xs.push(log ? Math.log10(v) : v);
  }
  if (xs.length === 0) return { edges: [], counts: [], total: 0, skipped, log };
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const axis = niceAxis(lo, hi, Math.max(1, target));
  const { min, step } = axis;
  const bins = Math.max(1, Math.round((axis.max - min) / step));
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) {
    let b = Math.floor((x - min) / step + 1e-9);
    if (b >= bins) b = bins - 1;
    if (b < 0) b = 0;
    counts[b]!++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => Number((min + i * step).toPrecision(12)));
  return { edges, counts, total: xs.length, skipped, log };
}

/** The bin a value falls in (as `histogram` counts it); -1 when outside or skipped. */
export function binOf(h: Histogram, v: number | null): number {
  if (v === null || !Number.isFinite(v) || h.counts.length === 0) return -1;
  const x = h.log ? (v > 0 ? Math.log10(v) : NaN) : v;
  if (!Number.isFinite(x)) return -1;
  const min = h.edges[0]!;
  const max = h.edges[h.edges.length - 1]!;
  if (x < min - 1e-9 || x > max + 1e-9) return -1;
  const step = (max - min) / h.counts.length;
  return Math.min(h.counts.length - 1, Math.max(0, Math.floor((x - min) / step + 1e-9)));
}

/** The 1-based rows whose value falls in bin `b`. */
export function rowsInBin(h: Histogram, values: ArrayLike<number | null>, b: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (binOf(h, values[i] ?? null) === b) out.push(i + 1);
  return out;
}

/** A bin's range in words: "10 – 20 tCO₂e". */
export function binLabel(h: Histogram, b: number): string {
  const lo = h.edges[b];
  const hi = h.edges[b + 1];
  if (lo === undefined || hi === undefined) return "";
  const f = (t: number) => (h.log ? formatPower(t) : t.toLocaleString("en-US", { maximumFractionDigits: 6 }));
  return `${f(lo)} – ${f(hi)} tCO₂e`;
}
