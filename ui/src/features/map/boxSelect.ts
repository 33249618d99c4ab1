/**
 * Box-select on the map: the points inside a rectangle drawn with Shift+drag. The hit-test runs
 * over the projected points (`ProjectedPoints.x` / `.y`, EPSG:3857) in one pass with one output
 * buffer, so a million points cost a few milliseconds and no per-point garbage. No DOM, no
 * OpenLayers.
 */

/** A rectangle given by two opposite corners, in any order (as a drag draws it). */
export interface BoxCorners {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Indices (0-based, ascending) of the points inside the box, edges included. Points without a
 * position (NaN) are never inside; a box with a NaN or infinite corner, or no points, gives an
 * empty result. A box of zero width or height still holds the points exactly on it.
 *
 * `out` may be passed to reuse a buffer of at least `min(xs.length, ys.length)` entries; the
 * result is a view into it (or into a new buffer of that size).
 */
export function pointsInBox(xs: ArrayLike<number>, ys: ArrayLike<number>, box: BoxCorners, out?: Uint32Array): Uint32Array {
  const n = Math.min(xs.length, ys.length);
  const buffer = out && out.length >= n ? out : new Uint32Array(n);
  const { x0, y0, x1, y1 } = box;
  if (!Number.isFinite(x0) || !Number.isFinite(y0) || !Number.isFinite(x1) || !Number.isFinite(y1)) return buffer.subarray(0, 0);
  const minX = x0 < x1 ? x0 : x1;
  const maxX = x0 < x1 ? x1 : x0;
  const minY = y0 < y1 ? y0 : y1;
  const maxY = y0 < y1 ? y1 : y0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    // Written so that NaN fails each comparison and is skipped.
    if (!(x >= minX && x <= maxX)) continue;
    const y = ys[i]!;
    if (!(y >= minY && y <= maxY)) continue;
    buffer[count++] = i;
  }
  return buffer.subarray(0, count);
}

/** 1-based row numbers (ascending) of 0-based point indices (ascending). */
export function indicesToRows(indices: ArrayLike<number>): number[] {
  const rows = new Array<number>(indices.length);
  for (let k = 0; k < indices.length; k++) rows[k] = indices[k]! + 1;
  return rows;
}

/** The union of two ascending lists of row numbers, ascending and without repeats (a merge). */
export function mergeRows(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (out.length === 0 || out[out.length - 1]! !== next) out.push(next);
  }
  return out;
}

/** What a finished box does to the linked selection: Shift+drag replaces it; with Ctrl or Cmd held as well, the box's rows are added. */
export function boxSelectionMode(event: { ctrlKey: boolean; metaKey: boolean }): "replace" | "add" {
  return event.ctrlKey || event.metaKey ? "add" : "replace";
}
