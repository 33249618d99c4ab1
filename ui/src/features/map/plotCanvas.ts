/**
 * Draws the evidence plot (claimed tCO2e against a layer's value) on a canvas: grid, points
 * coloured by worst flag with flagged points on top, axes with ticks and titles. Returns the
 * CSS-pixel position of every plotted point for hit-testing. The numbers come from `plot.ts`.
 */
import { MARKER_EDGE, WORST_COLOURS } from "../../lib/flags";
import { formatTick, linearScale, niceAxis, type Axis, type PlotPoints, type Scale } from "./plot";
import { formatPower, logAxis, logValue, type Domain, type Histogram } from "./plotView";
import { makeSprite, stamp, STAMP_ABOVE } from "./pointsCanvas";

/** Space around the plotting area for tick labels, axis titles and (at the top) the colour legend, in CSS pixels. */
export const MARGIN = { left: 76, right: 18, top: 38, bottom: 54 } as const;

/** Marker radius in CSS pixels by worst flag; flagged points are larger. */
export const PLOT_MARKER_RADIUS: readonly number[] = [2.5, 4.5, 5, 5.5];
const CROWDED_RADIUS = 1.5;
/** How far past the plotting area markers may still be drawn (the largest marker's radius and its edge). */
const CLIP_SLACK = 8;
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
  /** Tick labels of each axis. */
  xLabel: (t: number) => string;
  yLabel: (t: number) => string;
  /** The exact data ranges shown (log10 values on a log y axis): where zoom and pan start. */
  xDomain: [number, number];
  yDomain: [number, number];
  logY: boolean;
  /** CSS-pixel position of each plotted point, in the order of `PlotPoints` (NaN: not drawn). */
  px: Float32Array;
  py: Float32Array;
}

export interface PlotViewOptions {
  /** Zoomed x range; the data's (on nice ticks) when absent. */
  xDomain?: Domain | null;
  /** Zoomed y range, in log10 units on a log axis. */
  yDomain?: Domain | null;
  logY?: boolean;
}

/** Ticks of a nice axis that fall inside an exact (zoomed) domain. */
function zoomedAxis(domain: Domain, target: number): Axis {
  const a = niceAxis(domain[0], domain[1], target);
  const eps = (domain[1] - domain[0]) * 1e-9;
  return { min: domain[0], max: domain[1], step: a.step, ticks: a.ticks.filter((t) => t >= domain[0] - eps && t <= domain[1] + eps) };
}

/** Axes and pixel positions for a plot of `width` × `height` CSS pixels. */
export function layoutPlot(plot: PlotPoints, width: number, height: number, options: PlotViewOptions = {}): PlotLayout {
  const logY = options.logY === true;
  const xTarget = Math.max(2, Math.round((width - MARGIN.left - MARGIN.right) / 90));
  const yTarget = Math.max(2, Math.round((height - MARGIN.top - MARGIN.bottom) / 50));
  const xAxis = options.xDomain ? zoomedAxis(options.xDomain, xTarget) : niceAxis(plot.xRange?.[0] ?? 0, plot.xRange?.[1] ?? 1, xTarget);
  let yAxis: Axis;
  let yLabel: (t: number) => string;
  if (logY) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < plot.y.length; k++) {
      const v = logValue(plot.y[k]!);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(lo <= hi)) [lo, hi] = [0, 1];
    if (options.yDomain) {
      const d = options.yDomain;
      const ticks = logAxis(d[0], d[1]).ticks.filter((t) => t >= d[0] - 1e-9 && t <= d[1] + 1e-9);
      yAxis = { min: d[0], max: d[1], step: 1, ticks };
    } else {
      yAxis = logAxis(lo, hi);
    }
    yLabel = formatPower;
  } else {
    yAxis = options.yDomain ? zoomedAxis(options.yDomain, yTarget) : niceAxis(Math.min(0, plot.yRange?.[0] ?? 0), plot.yRange?.[1] ?? 1, yTarget);
    const step = yAxis.step;
    yLabel = (t) => formatTick(t, step);
  }
  const xStep = xAxis.step;
  const x = linearScale(xAxis.min, xAxis.max, MARGIN.left, Math.max(MARGIN.left + 1, width - MARGIN.right));
  const y = linearScale(yAxis.min, yAxis.max, Math.max(MARGIN.top + 1, height - MARGIN.bottom), MARGIN.top);
  const n = plot.rows.length;
  const px = new Float32Array(n);
  const py = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    px[k] = x(plot.x[k]!);
    py[k] = y(logY ? logValue(plot.y[k]!) : plot.y[k]!);
  }
  return {
    xAxis,
    yAxis,
    x,
    y,
    xLabel: (t) => formatTick(t, xStep),
    yLabel,
    xDomain: [xAxis.min, xAxis.max],
    yDomain: [yAxis.min, yAxis.max],
    logY,
    px,
    py,
  };
}

/** Whether a CSS-pixel position lies in the plotting area of a `width` × `height` plot. */
export function inPlotArea(x: number, y: number, width: number, height: number): boolean {
  return x >= MARGIN.left && x <= width - MARGIN.right && y >= MARGIN.top && y <= height - MARGIN.bottom;
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
  const { xAxis, yAxis, x, y, px, py, xLabel, yLabel } = layout;
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

  // Markers are clipped just outside the plotting area: whole at the data's edges, but a zoomed
  // view does not spill points over the axes.
  ctx.save();
  ctx.beginPath();
  ctx.rect(left - CLIP_SLACK, top - CLIP_SLACK, right - left + 2 * CLIP_SLACK, bottom - top + 2 * CLIP_SLACK);
  ctx.clip();
  drawMarkers(ctx, plot, px, py, width, height, ratio);
  ctx.restore();

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
  for (const t of xAxis.ticks) ctx.fillText(xLabel(t), x(t), bottom + 8);
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of yAxis.ticks) ctx.fillText(yLabel(t), left - 8, y(t));

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

/**
 * The selection canvas: a small ring on every row of the linked selection, a larger ring on the
 * row whose evidence is open, and the brush rectangle while one is being drawn.
 */
export function drawSelection(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  ratio: number,
  at: [number, number] | null,
  highlighted: readonly [number, number][] = [],
  brush: { left: number; top: number; right: number; bottom: number } | null = null,
): void {
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (highlighted.length > 0) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(MARGIN.left - CLIP_SLACK, MARGIN.top - CLIP_SLACK, width - MARGIN.left - MARGIN.right + 2 * CLIP_SLACK, height - MARGIN.top - MARGIN.bottom + 2 * CLIP_SLACK);
    ctx.clip();
    ctx.beginPath();
    for (const [hx, hy] of highlighted) {
      if (!Number.isFinite(hx) || !Number.isFinite(hy)) continue;
      ctx.moveTo(hx + 7, hy);
      ctx.arc(hx, hy, 7, 0, 2 * Math.PI);
    }
    ctx.lineWidth = 2;
    ctx.strokeStyle = SELECTED;
    ctx.stroke();
    ctx.restore();
  }
  if (brush) {
    ctx.fillStyle = "rgba(31, 111, 74, 0.10)";
    ctx.strokeStyle = SELECTED;
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    ctx.fillRect(brush.left, brush.top, brush.right - brush.left, brush.bottom - brush.top);
    ctx.strokeRect(brush.left + 0.5, brush.top + 0.5, brush.right - brush.left, brush.bottom - brush.top);
    ctx.setLineDash([]);
  }
  if (!at || !Number.isFinite(at[0]) || !Number.isFinite(at[1])) return;
  ctx.beginPath();
  ctx.arc(at[0], at[1], 10, 0, 2 * Math.PI);
  ctx.lineWidth = 5;
  ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
  ctx.stroke();
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = "#111a15";
  ctx.stroke();
}

/** The colour of the linked selection, on the plot and on the map. */
export const SELECTED = "#1565c0";

export interface HistogramLayout {
  x: Scale;
  y: Scale;
  yAxis: Axis;
  /** Each bar in CSS pixels. */
  bars: { left: number; right: number; top: number; bottom: number }[];
}

/** Bars and axes of a histogram in a `width` × `height` plot. */
export function layoutHistogram(h: Histogram, width: number, height: number): HistogramLayout {
  const lo = h.edges[0] ?? 0;
  const hi = h.edges[h.edges.length - 1] ?? 1;
  const maxCount = Math.max(1, ...h.counts);
  const yAxis = niceAxis(0, maxCount, Math.max(2, Math.round((height - MARGIN.top - MARGIN.bottom) / 50)));
  const x = linearScale(lo, hi === lo ? lo + 1 : hi, MARGIN.left, Math.max(MARGIN.left + 1, width - MARGIN.right));
  const y = linearScale(0, yAxis.max, Math.max(MARGIN.top + 1, height - MARGIN.bottom), MARGIN.top);
  const bars = h.counts.map((c, i) => ({ left: x(h.edges[i]!), right: x(h.edges[i + 1]!), top: y(c), bottom: y(0) }));
  return { x, y, yAxis, bars };
}

/** The bar under a CSS-pixel position; -1 for none. */
export function barAt(layout: HistogramLayout, px: number, py: number): number {
  return layout.bars.findIndex((b) => px >= b.left && px < b.right && py <= b.bottom && py >= Math.min(b.top, b.bottom - 6));
}

/** Draws the histogram of claimed tCO2e; bars in `selectedBins` are drawn in the selection colour. */
export function drawHistogram(
  ctx: CanvasRenderingContext2D,
  h: Histogram,
  layout: HistogramLayout,
  width: number,
  height: number,
  ratio: number,
  selectedBins: ReadonlySet<number>,
): void {
  const [left, right, top, bottom] = [MARGIN.left, width - MARGIN.right, MARGIN.top, height - MARGIN.bottom];
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.strokeStyle = GRID;
  ctx.beginPath();
  for (const t of layout.yAxis.ticks) {
    const Y = Math.round(layout.y(t)) + 0.5;
    ctx.moveTo(left, Y);
    ctx.lineTo(right, Y);
  }
  ctx.stroke();
  layout.bars.forEach((b, i) => {
    ctx.fillStyle = selectedBins.has(i) ? SELECTED : "#7fa48f";
    ctx.fillRect(b.left + 0.5, b.top, Math.max(1, b.right - b.left - 1), b.bottom - b.top);
  });
  ctx.strokeStyle = AXIS;
  ctx.beginPath();
  ctx.moveTo(left, Math.round(bottom) + 0.5);
  ctx.lineTo(right, Math.round(bottom) + 0.5);
  ctx.moveTo(Math.round(left) + 0.5, top);
  ctx.lineTo(Math.round(left) + 0.5, bottom);
  ctx.stroke();
  ctx.fillStyle = TEXT;
  ctx.font = FONT;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of layout.yAxis.ticks) ctx.fillText(formatTick(t, layout.yAxis.step), left - 8, layout.y(t));
  // Edge labels, thinned so they do not run into each other.
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const every = Math.max(1, Math.ceil(h.edges.length / Math.max(2, Math.floor((right - left) / 70))));
  const edgeLabel = (e: number) => (h.log ? formatPower(e) : e.toLocaleString("en-US", { maximumFractionDigits: 6 }));
  h.edges.forEach((e, i) => {
    if (i % every !== 0) return;
    const text = edgeLabel(e);
    // Kept whole inside the canvas.
    const half = ctx.measureText(text).width / 2;
    ctx.fillText(text, Math.min(Math.max(layout.x(e), half + 2), width - half - 2), bottom + 8);
  });
  ctx.fillStyle = TITLE;
  ctx.font = TITLE_FONT;
  ctx.textBaseline = "bottom";
  ctx.fillText(h.log ? "Claimed tCO₂e (log scale)" : "Claimed tCO₂e", (left + right) / 2, height - 6);
  ctx.save();
  ctx.translate(16, (top + bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = "top";
  ctx.fillText("Rows", 0, 0);
  ctx.restore();
}
