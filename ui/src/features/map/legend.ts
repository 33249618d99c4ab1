/**
 * Legends of raster overlays from a layer's style (`layerStyle`): a CSS gradient through a
 * ramp's stops, placed by value so the bar reads like an axis, or a list of class swatches.
 */
import type { StyleStopDto } from "../../lib/bindings";

export interface RampTick {
  label: string;
  /** Position along the bar, 0–100. */
  percent: number;
}

export interface RampLegend {
  /** A `linear-gradient(to right, …)` value for `background`. */
  gradient: string;
  ticks: RampTick[];
}

/** Rounds a percentage for CSS without float noise ("33.333%"). */
function pct(p: number): string {
  return `${Math.round(p * 1000) / 1000}%`;
}

/**
 * A ramp legend: stops without a value are dropped, the rest sorted by value and placed in
 * proportion to it (the ramp interpolates linearly between stops, so the bar does too). A
 * single stop gives a solid bar; no stops, null.
 */
export function rampLegend(stops: readonly StyleStopDto[]): RampLegend | null {
  const usable = stops
    .filter((s): s is StyleStopDto & { value: number } => s.value !== null && Number.isFinite(s.value))
    .slice()
    .sort((a, b) => a.value - b.value);
  if (usable.length === 0) return null;
  const first = usable[0]!;
  const last = usable[usable.length - 1]!;
  if (usable.length === 1 || last.value === first.value) {
    return { gradient: `linear-gradient(to right, ${first.colour} 0%, ${first.colour} 100%)`, ticks: [{ label: first.label, percent: 50 }] };
  }
  const span = last.value - first.value;
  const placed = usable.map((s) => ({ ...s, percent: ((s.value - first.value) / span) * 100 }));
  return {
    gradient: `linear-gradient(to right, ${placed.map((s) => `${s.colour} ${pct(s.percent)}`).join(", ")})`,
    ticks: placed.map((s) => ({ label: s.label, percent: Math.round(s.percent * 1000) / 1000 })),
  };
}

export interface ClassSwatch {
  value: number | null;
  label: string;
  colour: string;
}

/** Class swatches in the style's order; a class without a label shows its value. */
export function classSwatches(stops: readonly StyleStopDto[]): ClassSwatch[] {
  return stops.map((s) => ({ value: s.value, label: s.label.trim() || (s.value === null ? "—" : String(s.value)), colour: s.colour }));
}

/** Whether a style draws classes (a palette) rather than a ramp. */
export function isClasses(kind: string): boolean {
  return kind === "classes";
}

/** The overlay shown when a batch's map opens: the first NDVI layer, else the first layer. */
export function defaultOverlayLayer<L extends { id: number; kind: string }>(layers: readonly L[] | null): number | null {
  if (!layers || layers.length === 0) return null;
  return (layers.find((l) => l.kind === "ndvi") ?? layers[0]!).id;
}

/** A graticule label: -47.85 → "47.85° W" (at most four decimals, none trailing). */
export function degreesLabel(value: number, axis: "lon" | "lat"): string {
  const rounded = Math.round(value * 10000) / 10000;
  const abs = Math.abs(rounded);
  const text = String(abs);
  if (abs === 0) return "0°";
  const hemisphere = axis === "lon" ? (rounded < 0 ? "W" : "E") : rounded < 0 ? "S" : "N";
  return `${text}° ${hemisphere}`;
}
