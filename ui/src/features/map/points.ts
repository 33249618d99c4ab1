/**
 * A batch's measurement points prepared for the map: projected once to Web Mercator
 * (EPSG:3857) into flat arrays, with a drawing order and a nearest-point search that work for a
 * million rows without allocating per point. No DOM, no OpenLayers.
 */

/** Earth radius of the Web Mercator sphere (EPSG:3857), in metres. */
export const MERCATOR_RADIUS = 6378137;
/** Half the width of the Web Mercator world: x and y lie within ±HALF_WORLD. */
export const HALF_WORLD = Math.PI * MERCATOR_RADIUS;

/** [min x, min y, max x, max y]. */
export type Extent = [number, number, number, number];

/**
 * Longitude/latitude (WGS84 degrees) to Web Mercator metres, as OpenLayers' `fromLonLat` does
 * (latitudes beyond ±85.05° are clamped to the edge of the square world). NaN for a missing or
 * impossible coordinate.
 */
export function lonLatToMercator(lon: number | null | undefined, lat: number | null | undefined): [number, number] {
  if (lon === null || lon === undefined || lat === null || lat === undefined) return [NaN, NaN];
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) return [NaN, NaN];
  const x = (MERCATOR_RADIUS * Math.PI * lon) / 180;
  let y = MERCATOR_RADIUS * Math.log(Math.tan((Math.PI * (lat + 90)) / 360));
  if (!(y <= HALF_WORLD)) y = HALF_WORLD;
  else if (y < -HALF_WORLD) y = -HALF_WORLD;
  return [x, y];
}

/** Web Mercator metres back to longitude/latitude degrees. */
export function mercatorToLonLat(x: number, y: number): [number, number] {
  return [(x / HALF_WORLD) * 180, (360 * Math.atan(Math.exp(y / MERCATOR_RADIUS))) / Math.PI - 90];
}

/** A batch's points in row order (index 0 is row 1). */
export interface ProjectedPoints {
  /** EPSG:3857 x; NaN for a row without a usable position. */
  x: Float64Array;
  y: Float64Array;
  /** Worst flag per row: 0 none, 1 low, 2 medium, 3 high. */
  worst: Uint8Array;
  /** Row indices, least serious first: drawing in this order puts flagged points on top. */
  order: Uint32Array;
  /** `order[groupStart[w] .. groupStart[w + 1]]` are the rows whose worst flag is w. */
  groupStart: Uint32Array;
  /** Rows with a position. */
  positioned: number;
  /** Extent of the positioned rows; null when there are none. */
  extent: Extent | null;
}

/** Worst-flag code clamped to 0..3 (unknown codes above 3 count as high). */
function worstCode(w: number | null | undefined): number {
  if (w === null || w === undefined || !(w >= 1)) return 0;
  return w >= 3 ? 3 : Math.floor(w);
}

/** Projects every row once; the arrays are then read by drawing and hit-testing. */
export function projectPoints(
  lon: ArrayLike<number | null>,
  lat: ArrayLike<number | null>,
  worst: ArrayLike<number | null>,
): ProjectedPoints {
  const n = Math.min(lon.length, lat.length);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Uint8Array(n);
  let positioned = 0;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  // lonLatToMercator inlined: no pair allocated per row (a million rows took 640 ms in the
  // webview with it, mostly allocation).
  const k = (MERCATOR_RADIUS * Math.PI) / 180;
  for (let i = 0; i < n; i++) {
    const lo = lon[i];
    const la = lat[i];
    let px = NaN;
    let py = NaN;
    if (lo !== null && lo !== undefined && la !== null && la !== undefined && lo >= -180 && lo <= 180 && la >= -90 && la <= 90) {
      px = k * lo;
      py = MERCATOR_RADIUS * Math.log(Math.tan((Math.PI * (la + 90)) / 360));
      if (!(py <= HALF_WORLD)) py = HALF_WORLD;
      else if (py < -HALF_WORLD) py = -HALF_WORLD;
    }
    x[i] = px;
    y[i] = py;
    w[i] = worstCode(i < worst.length ? worst[i] : 0);
    if (px === px && py === py) {
      positioned++;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
  }
  const { order, groupStart } = drawOrder(w);
  return { x, y, worst: w, order, groupStart, positioned, extent: positioned > 0 ? [minX, minY, maxX, maxY] : null };
}

/**
 * Row indices grouped by worst flag, least serious first, row order kept inside a group (a
 * counting sort: linear, no comparisons, one allocation).
 */
export function drawOrder(worst: ArrayLike<number>): { order: Uint32Array; groupStart: Uint32Array } {
  const counts = new Uint32Array(4);
  for (let i = 0; i < worst.length; i++) counts[worst[i]!]!++;
  const groupStart = new Uint32Array(5);
  for (let g = 0; g < 4; g++) groupStart[g + 1] = groupStart[g]! + counts[g]!;
  const next = groupStart.slice(0, 4);
  const order = new Uint32Array(worst.length);
  for (let i = 0; i < worst.length; i++) order[next[worst[i]!]!++] = i;
  return { order, groupStart };
}

/** The union of two extents (either may be null). */
export function unionExtent(a: Extent | null, b: Extent | null): Extent | null {
  if (!a) return b ? [...b] : null;
  if (!b) return [...a];
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/** An extent clamped to the Web Mercator world; null when nothing of it is left. */
export function clampToWorld(e: Extent): Extent | null {
  const c: Extent = [Math.max(e[0], -HALF_WORLD), Math.max(e[1], -HALF_WORLD), Math.min(e[2], HALF_WORLD), Math.min(e[3], HALF_WORLD)];
  return c[0] < c[2] && c[1] < c[3] ? c : null;
}

export interface NearestOptions {
  /** Worst flag per index: among points at the same distance the more serious one wins (it is drawn on top). */
  worst?: ArrayLike<number>;
  /**
   * Marker radius by worst flag (same units as the coordinates): distances are then measured to
   * a marker's edge, so a click anywhere on a drawn disc is on it, and where discs overlap the
   * one drawn on top wins (needs `worst`).
   */
  markerRadius?: ArrayLike<number>;
  /** An index that wins ties outright (the row last jumped to, drawn on top of its twins). */
  prefer?: number | null;
}

/**
 * Index of the point nearest to (cx, cy) within `radius` (same units as the coordinates), or
 * null. Ties go to `prefer`, then to the more serious flag, then to the later index (drawn
 * later, so on top). A linear scan with a box test first: a few milliseconds for a million
 * points, run once per click.
 */
export function nearestPoint(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  cx: number,
  cy: number,
  radius: number,
  options: NearestOptions = {},
): number | null {
  if (!(radius > 0) || !Number.isFinite(cx) || !Number.isFinite(cy)) return null;
  const { worst, markerRadius, prefer = null } = options;
  let maxMarker = 0;
  if (markerRadius && worst) for (let w = 0; w < markerRadius.length; w++) maxMarker = Math.max(maxMarker, markerRadius[w] ?? 0);
  const reach = radius + maxMarker;
  // Distances within this of each other count as equal (float noise after projection).
  const eps = radius * 1e-6;
  let best = -1;
  let bestD = Infinity;
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - cx;
    if (!(dx <= reach && dx >= -reach)) continue; // also skips NaN
    const dy = ys[i]! - cy;
    if (!(dy <= reach && dy >= -reach)) continue;
    let d = Math.sqrt(dx * dx + dy * dy);
    if (markerRadius && worst) d = Math.max(0, d - (markerRadius[worst[i]!] ?? 0));
    if (d > radius) continue;
    if (best < 0 || d < bestD - eps) {
      best = i;
      bestD = d;
    } else if (d <= bestD + eps && wins(i, best, worst, prefer)) {
      best = i;
      bestD = Math.min(d, bestD);
    }
  }
  return best < 0 ? null : best;
}

/** Whether point `a` beats point `b` at equal distance. */
function wins(a: number, b: number, worst: ArrayLike<number> | undefined, prefer: number | null): boolean {
  if (prefer !== null) {
    if (a === prefer) return true;
    if (b === prefer) return false;
  }
  if (worst) {
    const wa = worst[a] ?? 0;
    const wb = worst[b] ?? 0;
    if (wa !== wb) return wa > wb;
  }
  return a > b;
}

/** Pixel (from the top-left of the map) to EPSG:3857, for an unrotated view. */
export function pixelToCoordinate(
  pixel: readonly [number, number],
  center: readonly [number, number],
  resolution: number,
  size: readonly [number, number],
): [number, number] {
  return [center[0] + (pixel[0] - size[0] / 2) * resolution, center[1] - (pixel[1] - size[1] / 2) * resolution];
}
