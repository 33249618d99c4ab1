/**
 * Where the graticule's degree labels go: along the top (longitudes) and left (latitudes)
 * edges of the map, kept wholly inside it (never cut at an edge) and off the map's own
 * furniture — the status pills, zoom buttons, scale line, legend. A label that would collide
 * with furniture moves just below (longitudes) or right of (latitudes) it; if that collides
 * too, or with another label, it is left out. Pure: sizes in CSS pixels.
 */

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface PlacedLabel {
  text: string;
  /** Top-left corner, CSS pixels from the map's top-left. */
  left: number;
  top: number;
  axis: "lon" | "lat";
}

export interface LabelInput {
  text: string;
  /** The line's screen position: x for a meridian, y for a parallel. */
  at: number;
}

export const LABEL_HEIGHT = 16;
const EDGE = 4;
const GAP = 4;

export function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/**
 * Places labels for meridians (`lons`) and parallels (`lats`) in a `width` × `height` map,
 * avoiding `reserved` rectangles. `textWidth` measures a label.
 */
export function placeGraticuleLabels(
  lons: readonly LabelInput[],
  lats: readonly LabelInput[],
  width: number,
  height: number,
  reserved: readonly Rect[],
  textWidth: (text: string) => number,
): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const taken: Rect[] = [];
  const fits = (r: Rect) => r.left >= 0 && r.top >= 0 && r.right <= width && r.bottom <= height && !reserved.some((x) => overlaps(r, x)) && !taken.some((x) => overlaps(r, x));
  const tryPlace = (text: string, axis: "lon" | "lat", candidates: Rect[]) => {
    for (const r of candidates) {
      if (fits(r)) {
        placed.push({ text, left: r.left, top: r.top, axis });
        taken.push({ left: r.left - GAP, top: r.top - 1, right: r.right + GAP, bottom: r.bottom + 1 });
        return;
      }
    }
  };
  const rect = (left: number, top: number, w: number): Rect => ({ left, top, right: left + w, bottom: top + LABEL_HEIGHT });

  for (const { text, at } of lons) {
    if (!(at >= 0 && at <= width)) continue;
    const w = textWidth(text);
    const left = Math.min(Math.max(EDGE, at - w / 2), width - EDGE - w);
    const first = rect(left, EDGE, w);
    const candidates = [first];
    const blocker = reserved.find((r) => overlaps(first, r));
    if (blocker) candidates.push(rect(left, blocker.bottom + GAP, w));
    tryPlace(text, "lon", candidates);
  }
  for (const { text, at } of lats) {
    if (!(at >= 0 && at <= height)) continue;
    const w = textWidth(text);
    const top = Math.min(Math.max(EDGE, at - LABEL_HEIGHT / 2), height - EDGE - LABEL_HEIGHT);
    const first = rect(EDGE, top, w);
    const candidates = [first];
    const blocker = reserved.find((r) => overlaps(first, r));
    if (blocker) candidates.push(rect(blocker.right + GAP, top, w));
    tryPlace(text, "lat", candidates);
  }
  return placed;
}

/** A rough label width for 11px system-ui text (no canvas needed). */
export function estimateTextWidth(text: string): number {
  return Math.ceil(text.length * 6.2) + 8;
}
