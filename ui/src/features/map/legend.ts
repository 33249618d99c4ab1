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

/** Class swatches in the style's order, labelled "code · name"; a class without a name shows its code. */
export function classSwatches(stops: readonly StyleStopDto[]): ClassSwatch[] {
  return stops.map((s) => ({ value: s.value, label: classLabel(s.value, s.label), colour: s.colour }));
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

/** A class as "code · name" ("40 · Cropland"); the code alone when the class has no name. */
export function classLabel(value: number | null, name: string): string {
  const n = name.trim();
  if (value === null) return n || "—";
  const code = String(value);
  return n && n !== code ? `${code} · ${n}` : code;
}

/** A class swatch with whether the current view shows it. */
export interface ViewSwatch extends ClassSwatch {
  inView: boolean;
}

/**
 * Class swatches with the classes present in view first (in the style's order), then the rest.
 * `present` null (not known yet) keeps the style's order and marks every class as in view.
 */
export function swatchesByPresence(swatches: readonly ClassSwatch[], present: ReadonlySet<number> | null): ViewSwatch[] {
  if (!present) return swatches.map((s) => ({ ...s, inView: true }));
  const marked = swatches.map((s) => ({ ...s, inView: s.value !== null && present.has(s.value) }));
  return [...marked.filter((s) => s.inView), ...marked.filter((s) => !s.inView)];
}

/**
 * The class values whose colours appear in an RGBA pixel buffer (the rendered overlay of the
 * current view). A pixel matches a class when each channel is within `tolerance`; transparent
 * pixels are ignored. `step` samples every step-th pixel (big images).
 */
export function classesInPixels(rgba: ArrayLike<number>, swatches: readonly ClassSwatch[], tolerance = 3, step = 1): Set<number> {
  const colours = swatches
    .filter((s): s is ClassSwatch & { value: number } => s.value !== null)
    .map((s) => ({ value: s.value, rgb: hexRgb(s.colour) }))
    .filter((c): c is { value: number; rgb: [number, number, number] } => c.rgb !== null);
  const found = new Set<number>();
  const stride = 4 * Math.max(1, Math.floor(step));
  for (let i = 0; i + 3 < rgba.length && found.size < colours.length; i += stride) {
    if (rgba[i + 3]! < 16) continue;
    const r = rgba[i]!;
    const g = rgba[i + 1]!;
    const b = rgba[i + 2]!;
    for (const c of colours) {
      if (found.has(c.value)) continue;
      if (Math.abs(c.rgb[0] - r) <= tolerance && Math.abs(c.rgb[1] - g) <= tolerance && Math.abs(c.rgb[2] - b) <= tolerance) {
        found.add(c.value);
        break;
      }
    }
  }
  return found;
}

function hexRgb(colour: string): [number, number, number] | null {
  const m = /^#?([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(colour.trim());
  if (!m) return null;
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * A land-cover flag's explanation with its class codes named from the layer's style:
 * "shows land-cover class 40, not one the methodology allows (10, 20)" →
 * "shows land-cover class 40 · Cropland, not one the methodology allows (10 · Tree cover, 20 · Shrubland)".
 * Codes the style does not name are left as they are; other text is untouched.
 */
export function nameClassesInExplanation(explanation: string, stops: readonly StyleStopDto[]): string {
  const names = new Map<number, string>();
  for (const s of stops) if (s.value !== null && s.label.trim()) names.set(s.value, s.label.trim());
  if (names.size === 0) return explanation;
  const named = (code: string) => {
    const name = names.get(Number(code));
    return name && name !== code ? `${code} · ${name}` : code;
  };
  return explanation
    .replace(/\bclass (-?\d+)\b(?! ·)/g, (_, code: string) => `class ${named(code)}`)
    .replace(/\ballows \(([^)]*)\)/g, (_, list: string) => `allows (${list.split(/,\s*/).map((c) => (/^-?\d+$/.test(c) ? named(c) : c)).join(", ")})`);
}
