/**
 * Draws the evidence plot (claimed tCO2e against a layer's value) on a canvas: grid, points
 * coloured by worst flag with flagged points on top, axes with ticks and titles. Returns the
 * CSS-pixel position of every plotted point for hit-testing. The numbers come from `plot.ts`.
 */
import { MARKER_EDGE, WORST_COLOURS } from "../../lib/flags";
import { formatTick, linearScale, niceAxis, type Axis, type PlotPoints, type Scale } from "./plot";
import { makeSprite, stamp, STAMP_ABOVE } from "./pointsCanvas";

/** Space around the plotting area for tick labels, axis titles and (at the top) the colour legend, in CSS pixels. */
export const MARGIN = { left: 76, right: 18, top: 38, bottom: 54 } as const;

/** Marker radius in CSS pixels by worst flag; flagged points are larger. */
export const PLOT_MARKER_RADIUS: readonly number[] = [2.5, 4.5, 5, 5.5];
const CROWDED_RADIUS = 1.5;
const CROWDED = 50_000;

const TEXT = "#5d6a62";
const TITLE = "#1d2621";
const GRID = "#eef1ee";
const AXIS = "#aab4ad";
const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const TITLE_FONT = "600 12.5px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

export interface PlotLayout {
  xAxis: Axis;
  yAxis: Axis;
  x: Scale;
  y: Scale;
  /** CSS-pixel position of each plotted point, in the order of `PlotPoints`. */
  px: Float32Array;
  py: Float32Array;
}

/** Axes and pixel positions for a plot of `width` × `height` CSS pixels. */
export function layoutPlot(plot: PlotPoints, width: number, height: number): PlotLayout {
  const xAxis = niceAxis(plot.xRange?.[0] ?? 0, plot.xRange?.[1] ?? 1, Math.max(2, Math.round((width - MARGIN.left - MARGIN.right) / 90)));
  const yAxis = niceAxis(Math.min(0, plot.yRange?.[0] ?? 0), plot.yRange?.[1] ?? 1, Math.max(2, Math.round((height - MARGIN.top - MARGIN.bottom) / 50)));
  const x = linearScale(xAxis.min, xAxis.max, MARGIN.left, Math.max(MARGIN.left + 1, width - MARGIN.right));
  const y = linearScale(yAxis.min, yAxis.max, Math.max(MARGIN.top + 1, height - MARGIN.bottom), MARGIN.top);
  const n = plot.rows.length;
  const px = new Float32Array(n);
  const py = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    px[k] = x(plot.x[k]!);
    py[k] = y(plot.y[k]!);
  }
  return { xAxis, yAxis, x, y, px, py };
}

/** Draws the whole plot; the canvas is `width` × `height` CSS pixels at `ratio` device pixels each. */
export function drawPlot(
  ctx: CanvasRenderingContext2D,
  plot: PlotPoints,
  layout: PlotLayout,
  width: number,
  height: number,
  ratio: number,
  titles: { x: string; y: string },
): void {
  const { xAxis, yAxis, x, y, px, py } = layout;
  const [left, right, top, bottom] = [MARGIN.left, width - MARGIN.right, MARGIN.top, height - MARGIN.bottom];
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);

  // Grid below everything.
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const t of xAxis.ticks) {
    const X = Math.round(x(t)) + 0.5;
    ctx.moveTo(X, top);
    ctx.lineTo(X, bottom);
  }
  for (const t of yAxis.ticks) {
    const Y = Math.round(y(t)) + 0.5;
    ctx.moveTo(left, Y);
    ctx.lineTo(right, Y);
  }
  ctx.stroke();

  drawMarkers(ctx, plot, px, py, width, height, ratio);

  // Axes, ticks and labels on top.
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.strokeStyle = AXIS;
  ctx.beginPath();
  ctx.moveTo(left, Math.round(bottom) + 0.5);
  ctx.lineTo(right, Math.round(bottom) + 0.5);
  ctx.moveTo(Math.round(left) + 0.5, top);
  ctx.lineTo(Math.round(left) + 0.5, bottom);
  for (const t of xAxis.ticks) {
    const X = Math.round(x(t)) + 0.5;
    ctx.moveTo(X, bottom);
    ctx.lineTo(X, bottom + 5);
  }
  for (const t of yAxis.ticks) {
    const Y = Math.round(y(t)) + 0.5;
    ctx.moveTo(left - 5, Y);
    ctx.lineTo(left, Y);
  }
  ctx.stroke();

  ctx.fillStyle = TEXT;
  ctx.font = FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of xAxis.ticks) ctx.fillText(formatTick(t, xAxis.step), x(t), bottom + 8);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of yAxis.ticks) ctx.fillText(formatTick(t, yAxis.step), left - 8, y(t));

  ctx.fillStyle = TITLE;
  ctx.font = TITLE_FONT;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  ctx.fillText(titles.x, (left + right) / 2, height - 6);
  ctx.save();
  ctx.translate(16, (top + bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "top";
  ctx.fillText(titles.y, 0, 0);
  ctx.restore();
}

function drawMarkers(ctx: CanvasRenderingContext2D, plot: PlotPoints, px: Float32Array, py: Float32Array, width: number, height: number, ratio: number) {
  const n = plot.rows.length;
  if (n === 0) return;
  const radius = (w: number) => (w === 0 && n > CROWDED ? CROWDED_RADIUS : PLOT_MARKER_RADIUS[w]!);
  // Points are already least serious first; find where each flag level starts.
  const starts = [0, 0, 0, 0, n];
  for (let w = 1; w < 4; w++) {
    let k = starts[w - 1]!;
    while (k < n && plot.worst[k]! < w) k++;
    starts[w] = k;
  }

  if (n <= STAMP_ABOVE) {
    ctx.lineWidth = 1;
    ctx.strokeStyle = MARKER_EDGE;
    for (let w = 0; w < 4; w++) {
      if (starts[w] === starts[w + 1]) continue;
      const r = radius(w);
      ctx.beginPath();
      for (let k = starts[w]!; k < starts[w + 1]!; k++) {
        ctx.moveTo(px[k]! + r, py[k]!);
        ctx.arc(px[k]!, py[k]!, r, 0, 2 * Math.PI);
      }
      ctx.fillStyle = WORST_COLOURS[w]!;
      ctx.fill();
      ctx.stroke();
    }
    return;
  }

  // Many points: stamp discs into a pixel buffer on a canvas of its own, then draw it over the
  // grid (putImageData would wipe the grid).
  const W = Math.max(1, Math.round(width * ratio));
  const H = Math.max(1, Math.round(height * ratio));
  const layer = document.createElement("canvas");
  layer.width = W;
  layer.height = H;
  const lctx = layer.getContext("2d");
  if (!lctx) return;
  const image = lctx.createImageData(W, H);
  const buffer = new Uint32Array(image.data.buffer);
  for (let w = 0; w < 4; w++) {
    if (starts[w] === starts[w + 1]) continue;
    const sprite = makeSprite(radius(w) * ratio, WORST_COLOURS[w]!, MARKER_EDGE, Math.max(1, Math.round(ratio)));
    for (let k = starts[w]!; k < starts[w + 1]!; k++) stamp(buffer, W, H, Math.floor(px[k]! * ratio), Math.floor(py[k]! * ratio), sprite);
  }
  lctx.putImageData(image, 0, 0);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(layer, 0, 0);
}

/** A ring around the selected point on the (transparent) selection canvas. */
export function drawSelection(ctx: CanvasRenderingContext2D, width: number, height: number, ratio: number, at: [number, number] | null): void {
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!at) return;
  ctx.beginPath();
  ctx.arc(at[0], at[1], 10, 0, 2 * Math.PI);
  ctx.lineWidth = 5;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
  ctx.stroke();
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = "#111a15";
  ctx.stroke();
}
