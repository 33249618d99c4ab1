/**
 * The evidence plot's numbers: which rows can be plotted (a layer value and a claimed tCO2e),
 * in drawing order, and the axes — linear scales with "nice" ticks (1, 2, 2.5 or 5 × 10^k).
 * Computed once per layer, so a million rows cost one pass.
 */
import { formatCount } from "../../lib/format";
import { drawOrder } from "./points";

export interface PlotPoints {
  /** 0-based batch rows, least serious flag first (flagged points are drawn last, on top). */
  rows: Uint32Array;
  x: Float64Array;
  y: Float64Array;
  worst: Uint8Array;
  /** Rows with no value for the layer (nodata, off the raster, not enriched). */
  missingValue: number;
  /** Rows that have a layer value but no claimed tCO2e. */
  missingClaim: number;
  xRange: [number, number] | null;
  yRange: [number, number] | null;
}

const usable = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

/** The plottable rows of a batch: x = the layer's value, y = claimed tCO2e. */
export function plotPoints(values: ArrayLike<number | null>, claimed: ArrayLike<number | null>, worst: ArrayLike<number>): PlotPoints {
  const n = values.length;
  let missingValue = 0;
  let missingClaim = 0;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!usable(values[i])) missingValue++;
    else if (!usable(i < claimed.length ? claimed[i] : null)) missingClaim++;
    else keep.push(i);
  }
  const m = keep.length;
  const kept = Uint32Array.from(keep);
  const keptWorst = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    const w = worst[kept[k]!] ?? 0;
    keptWorst[k] = w >= 3 ? 3 : w >= 1 ? Math.floor(w) : 0;
  }
  const { order } = drawOrder(keptWorst);
  const rows = new Uint32Array(m);
  const x = new Float64Array(m);
  const y = new Float64Array(m);
  const w = new Uint8Array(m);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let k = 0; k < m; k++) {
    const j = order[k]!;
    const row = kept[j]!;
    const vx = values[row] as number;
    const vy = claimed[row] as number;
    rows[k] = row;
    x[k] = vx;
    y[k] = vy;
    w[k] = keptWorst[j]!;
    if (vx < x0) x0 = vx;
    if (vx > x1) x1 = vx;
    if (vy < y0) y0 = vy;
    if (vy > y1) y1 = vy;
  }
  return { rows, x, y, worst: w, missingValue, missingClaim, xRange: m > 0 ? [x0, x1] : null, yRange: m > 0 ? [y0, y1] : null };
}

/** A step of 1, 2, 2.5 or 5 × 10^k that cuts `span` into about `target` parts. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, target);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * power;
}

/** Decimals needed to print multiples of `step` exactly (0.25 → 2, 5 → 0). */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let d = 0; d <= 12; d++) {
    const scaled = step * Math.pow(10, d);
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return d;
  }
  return 12;
}

export interface Axis {
  /** The domain, widened to whole steps around the data. */
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/**
 * An axis around [lo, hi] with about `target` ticks at multiples of a nice step. A single value
 * (or none) still gets a usable axis around it.
 */
export function niceAxis(lo: number, hi: number, target = 6): Axis {
  let a = Number.isFinite(lo) ? lo : 0;
  let b = Number.isFinite(hi) ? hi : a;
  if (a > b) [a, b] = [b, a];
  if (a === b) {
    const pad = a === 0 ? 1 : Math.abs(a) * 0.1;
    a -= pad;
    b += pad;
  }
  const step = niceStep(b - a, target);
  const decimals = stepDecimals(step);
  const round = (v: number) => Number(v.toFixed(decimals));
  const min = round(Math.floor(a / step + 1e-9) * step);
  const max = round(Math.ceil(b / step - 1e-9) * step);
  const ticks: number[] = [];
  const count = Math.round((max - min) / step);
  for (let k = 0; k <= count; k++) ticks.push(round(min + k * step));
  return { min, max, step, ticks };
}

/** A linear map from [d0, d1] to [r0, r1] and back. */
export interface Scale {
  (v: number): number;
  invert(p: number): number;
}

export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  const s = ((v: number) => r0 + (v - d0) * k) as Scale;
  s.invert = (p: number) => (k === 0 ? d0 : d0 + (p - r0) / k);
  return s;
}

const tickFormats = new Map<number, Intl.NumberFormat>();

/** A tick label with the decimals its axis step needs: 0.25 steps → "0.50", 10 steps → "1,200". */
export function formatTick(v: number, step: number): string {
  const d = Math.min(6, stepDecimals(step));
  let f = tickFormats.get(d);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
    tickFormats.set(d, f);
  }
  const text = f.format(v);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** "12 rows have no NDVI value and are not plotted"; null when none are missing. */
export function missingValueNote(count: number, layerName: string): string | null {
  if (count <= 0) return null;
  return count === 1
    ? `1 row has no ${layerName} value and is not plotted`
    : `${formatCount(count)} rows have no ${layerName} value and are not plotted`;
}

/** "3 rows have no claimed tCO₂e and are not plotted"; null when none are missing. */
export function missingClaimNote(count: number): string | null {
  if (count <= 0) return null;
  return count === 1 ? "1 row has no claimed tCO₂e and is not plotted" : `${formatCount(count)} rows have no claimed tCO₂e and are not plotted`;
}

/** An axis title: "Sentinel-2 NDVI" or "Canopy height (m)". */
export function axisTitle(name: string, unit: string | null | undefined): string {
  const u = (unit ?? "").trim();
  return u ? `${name} (${u})` : name;
}
