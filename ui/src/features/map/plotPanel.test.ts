import { describe, expect, it } from "vitest";
import { MIN_PLOT_WIDTH, PANEL_GAP, PANEL_WIDTH, plotPanelLayout } from "./plotPanel";

describe("plotPanelLayout", () => {
  it("puts the card in a column of 30 % of the view, within bounds", () => {
    expect(plotPanelLayout(1000, false)).toEqual({ place: "side", width: 300 });
    expect(plotPanelLayout(1600, false)).toEqual({ place: "side", width: PANEL_WIDTH.max });
    expect(plotPanelLayout(800, false)).toEqual({ place: "side", width: PANEL_WIDTH.min });
    // Beside an open flags list at 1280 × 820 the plot view is about 570 px: the narrow column.
    expect(plotPanelLayout(570, false)).toEqual({ place: "side", width: PANEL_WIDTH.narrow });
  });

  it("caps the column lower in the compact layout", () => {
    expect(plotPanelLayout(1200, true)).toEqual({ place: "side", width: PANEL_WIDTH.compactMax });
    // A 1024 × 700 window: rail, margins and the folded flags list leave about 890 px.
    expect(plotPanelLayout(890, true)).toEqual({ place: "side", width: 267 });
  });

  it("always leaves the plot its minimum width beside the column", () => {
    for (let w = 300; w <= 2000; w += 7) {
      for (const compact of [false, true]) {
        const l = plotPanelLayout(w, compact);
        if (l.place === "side") expect(w - l.width - PANEL_GAP).toBeGreaterThanOrEqual(MIN_PLOT_WIDTH);
      }
    }
  });

  it("narrows the column, then moves the card below the plot, as the view narrows", () => {
    expect(plotPanelLayout(MIN_PLOT_WIDTH + PANEL_GAP + PANEL_WIDTH.min, false)).toEqual({ place: "side", width: PANEL_WIDTH.min });
    expect(plotPanelLayout(MIN_PLOT_WIDTH + PANEL_GAP + PANEL_WIDTH.min - 1, false)).toEqual({ place: "side", width: PANEL_WIDTH.narrow });
    expect(plotPanelLayout(MIN_PLOT_WIDTH + PANEL_GAP + PANEL_WIDTH.narrow, false)).toEqual({ place: "side", width: PANEL_WIDTH.narrow });
    expect(plotPanelLayout(MIN_PLOT_WIDTH + PANEL_GAP + PANEL_WIDTH.narrow - 1, false)).toEqual({ place: "below" });
    expect(plotPanelLayout(320, true)).toEqual({ place: "below" });
  });

  it("uses the minimum column while the width is unknown", () => {
    expect(plotPanelLayout(0, false)).toEqual({ place: "side", width: PANEL_WIDTH.min });
    expect(plotPanelLayout(NaN, true)).toEqual({ place: "side", width: PANEL_WIDTH.min });
  });
});
