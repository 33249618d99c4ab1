/**
 * Draws a batch's points onto a 2D canvas for one map image (an OpenLayers ImageCanvas frame).
 * Up to a few thousand points are drawn as anti-aliased circles; beyond that, as small
 * pre-rendered discs stamped straight into the pixel buffer, which draws a million points in
 * well under a second without WebGL. The stamping is pure and tested; only `drawPoints`
 * touches a canvas.
 */
import { MARKER_EDGE, WORST_COLOURS } from "../../lib/flags";
import type { Extent, ProjectedPoints } from "./points";

/** Marker radius in CSS pixels by worst flag: flagged points are larger than the rest. */
export const MARKER_RADIUS: readonly number[] = [3.5, 5, 5.5, 6];
/** Radius of unflagged points when very many are in view, so that flags still stand out. */
export const CROWDED_RADIUS = 2;
/** In-view points above which unflagged points shrink to CROWDED_RADIUS. */
export const CROWDED = 50_000;
/** In-view points above which discs are stamped instead of drawn as paths. */
export const STAMP_ABOVE = 8_000;

/** "#rrggbb" → [r, g, b]; black for anything else. */
export function parseHex(colour: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(colour.trim());
  if (!m) return [0, 0, 0];
  const v = parseInt(m[1]!, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** An opaque RGBA pixel as a Uint32Array view over ImageData bytes holds it. */
export function packPixel([r, g, b]: readonly [number, number, number]): number {
  return LITTLE_ENDIAN ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/** A filled disc with a one-pixel edge, as (dx, dy) offsets from its centre and their pixels. */
export interface Sprite {
  dx: Int16Array;
  dy: Int16Array;
  pixel: Uint32Array;
}

/**
 * The pixels of a disc of `radius` device pixels (at least 1), edge `edgeWidth` wide. Discs too
 * small to show a fill inside an edge get none: a crowd of tiny points then keeps its colour
 * instead of turning into a dark mass of edges.
 */
export function makeSprite(radius: number, fill: string, edge: string, edgeWidth = 1): Sprite {
  const r = Math.max(1, radius);
  const hasEdge = r - edgeWidth >= 1.5;
  const reach = Math.ceil(r - 0.5);
  const fillPixel = packPixel(parseHex(fill));
  const edgePixel = packPixel(parseHex(edge));
  const dx: number[] = [];
  const dy: number[] = [];
  const pixel: number[] = [];
  for (let y = -reach; y <= reach; y++) {
    for (let x = -reach; x <= reach; x++) {
      const d = Math.hypot(x, y);
      if (d > r - 0.25) continue;
      dx.push(x);
      dy.push(y);
      pixel.push(hasEdge && d > r - 0.25 - edgeWidth ? edgePixel : fillPixel);
    }
  }
  return { dx: Int16Array.from(dx), dy: Int16Array.from(dy), pixel: Uint32Array.from(pixel) };
}

/** Stamps `sprite` centred on pixel (cx, cy) into a row-major buffer, clipping at its edges. */
export function stamp(buffer: Uint32Array, width: number, height: number, cx: number, cy: number, sprite: Sprite): void {
  const { dx, dy, pixel } = sprite;
  for (let k = 0; k < pixel.length; k++) {
    const x = cx + dx[k]!;
    const y = cy + dy[k]!;
    if (x >= 0 && x < width && y >= 0 && y < height) buffer[y * width + x] = pixel[k]!;
  }
}

/** Counts the points inside `extent` grown by `margin` (map units). */
export function countInExtent(points: ProjectedPoints, extent: Extent, margin: number): number {
  const { x, y } = points;
  const [x0, y0, x1, y1] = [extent[0] - margin, extent[1] - margin, extent[2] + margin, extent[3] + margin];
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const px = x[i]!;
    const py = y[i]!;
    if (px >= x0 && px <= x1 && py >= y0 && py <= y1) n++;
  }
  return n;
}

/** Radius in CSS pixels of the markers of worst flag `w` when `inView` points are shown, at marker size `scale`. */
export function markerRadius(w: number, inView: number, scale = 1): number {
  return (w === 0 && inView > CROWDED ? CROWDED_RADIUS : MARKER_RADIUS[w]!) * scale;
}

/** How the points are drawn beyond their positions. */
export interface DrawOptions {
  /** Marker size as a multiple of the default. */
  scale?: number;
  /** 1 for rows of the linked selection (index 0 is row 1): ringed in the selection colour. */
  highlight?: Uint8Array | null;
  /** The ring colour. */
  highlightColour?: string;
}

/** Up to this many highlighted rows in view get a ring; beyond that, a ring would be a smear. */
export const MAX_HIGHLIGHT_RINGS = 20_000;

/**
 * Draws every point inside `extent` (EPSG:3857) onto `ctx`, whose canvas covers exactly that
 * extent at `resolution` map units per CSS pixel and `pixelRatio` device pixels per CSS pixel.
 * Least serious first, so flagged points end up on top. Returns how many were drawn.
 */
export function drawPoints(ctx: CanvasRenderingContext2D, points: ProjectedPoints, extent: Extent, resolution: number, pixelRatio: number, options: DrawOptions = {}): number {
  const { width, height } = ctx.canvas;
  ctx.clearRect(0, 0, width, height);
  const scale0 = options.scale ?? 1;
  const margin = MARKER_RADIUS[3]! * scale0 * resolution;
  const inView = countInExtent(points, extent, margin);
  if (inView === 0) return 0;
  const scale = pixelRatio / resolution;
  const [minX, , , maxY] = extent;
  const { x, y, order, groupStart } = points;
  let drawn = 0;

  if (inView <= STAMP_ABOVE) {
    ctx.lineWidth = Math.max(1, pixelRatio);
    ctx.strokeStyle = MARKER_EDGE;
    for (let w = 0; w < 4; w++) {
      const r = markerRadius(w, inView, scale0) * pixelRatio;
      ctx.beginPath();
      let any = false;
      for (let k = groupStart[w]!; k < groupStart[w + 1]!; k++) {
        const i = order[k]!;
        const px = (x[i]! - minX) * scale;
        const py = (maxY - y[i]!) * scale;
        if (!(px >= -r && px <= width + r && py >= -r && py <= height + r)) continue;
        ctx.moveTo(px + r, py);
        ctx.arc(px, py, r, 0, 2 * Math.PI);
        any = true;
        drawn++;
      }
      if (!any) continue;
      ctx.fillStyle = WORST_COLOURS[w]!;
      ctx.fill();
      ctx.stroke();
    }
    drawHighlights(ctx, points, extent, scale, pixelRatio, scale0, options);
    return drawn;
  }

  const image = ctx.createImageData(width, height);
  const buffer = new Uint32Array(image.data.buffer);
  for (let w = 0; w < 4; w++) {
    const r = markerRadius(w, inView, scale0) * pixelRatio;
    const sprite = makeSprite(r, WORST_COLOURS[w]!, MARKER_EDGE, Math.max(1, Math.round(pixelRatio)));
    for (let k = groupStart[w]!; k < groupStart[w + 1]!; k++) {
      const i = order[k]!;
      const px = Math.floor((x[i]! - minX) * scale);
      const py = Math.floor((maxY - y[i]!) * scale);
      if (!(px >= -r && px <= width + r && py >= -r && py <= height + r)) continue;
      stamp(buffer, width, height, px, py, sprite);
      drawn++;
    }
  }
  ctx.putImageData(image, 0, 0);
  drawHighlights(ctx, points, extent, scale, pixelRatio, scale0, options);
  return drawn;
}

/** Rings around the highlighted rows in view (at most MAX_HIGHLIGHT_RINGS). */
function drawHighlights(ctx: CanvasRenderingContext2D, points: ProjectedPoints, extent: Extent, scale: number, pixelRatio: number, markerScale: number, options: DrawOptions) {
  const mask = options.highlight;
  if (!mask) return;
  const { width, height } = ctx.canvas;
  const [minX, , , maxY] = extent;
  const r = (MARKER_RADIUS[3]! * markerScale + 3) * pixelRatio;
  ctx.beginPath();
  let rings = 0;
  const n = Math.min(mask.length, points.x.length);
  for (let i = 0; i < n && rings < MAX_HIGHLIGHT_RINGS; i++) {
    if (!mask[i]) continue;
    const px = (points.x[i]! - minX) * scale;
    const py = (maxY - points.y[i]!) * scale;
    if (!(px >= -r && px <= width + r && py >= -r && py <= height + r)) continue;
    ctx.moveTo(px + r, py);
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    rings++;
  }
  if (rings === 0) return;
  ctx.lineWidth = 4 * pixelRatio;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
  ctx.stroke();
  ctx.lineWidth = 2 * pixelRatio;
  ctx.strokeStyle = options.highlightColour ?? "#1565c0";
  ctx.stroke();
}
