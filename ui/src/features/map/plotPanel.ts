/**
 * Where the plot's point card goes: in a column beside the plot (as the map's side panel), so it
 * never hides a point. The column narrows when the plot view is narrow, and only when even the
 * narrow column would leave the plot too little width does the card move under the plot
 * (windows are wider than tall: a column is kinder to both than a strip below). Decided from the plot view's own width, which already
 * reflects the sidebar, the flags list and the window (lib/layout's compact layout).
 */

/** The plot keeps at least this many CSS pixels beside the card. */
export const MIN_PLOT_WIDTH = 320;
/** Gap between the plot and the card, in CSS pixels (the map's side panel uses the same). */
export const PANEL_GAP = 10;
/** The card's column: 30 % of the view, within these bounds (narrower in the compact layout). */
export const PANEL_WIDTH = { min: 260, max: 340, compactMax: 300, narrow: 240 } as const;

export type PlotPanelLayout = { place: "side"; width: number } | { place: "below" };

/**
 * The card's place for a plot view `viewWidth` pixels wide. `compact`: the window is small
 * (lib/layout `isCompactViewport`), where the column is capped lower. A view whose width is not
 * known yet (0, NaN) gets the side column at its minimum width.
 */
export function plotPanelLayout(viewWidth: number, compact: boolean): PlotPanelLayout {
  if (!(viewWidth > 0)) return { place: "side", width: PANEL_WIDTH.min };
  const max = compact ? PANEL_WIDTH.compactMax : PANEL_WIDTH.max;
  const width = Math.round(Math.min(max, Math.max(PANEL_WIDTH.min, viewWidth * 0.3)));
  if (viewWidth - width - PANEL_GAP >= MIN_PLOT_WIDTH) return { place: "side", width };
  if (viewWidth - PANEL_WIDTH.narrow - PANEL_GAP >= MIN_PLOT_WIDTH) return { place: "side", width: PANEL_WIDTH.narrow };
  return { place: "below" };
}
