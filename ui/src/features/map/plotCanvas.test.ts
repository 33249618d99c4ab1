import { describe, expect, it } from "vitest";
import { plotPoints } from "./plot";
import { barAt, inPlotArea, layoutHistogram, layoutPlot, MARGIN } from "./plotCanvas";
import { histogram } from "./plotView";

const plot = plotPoints([0, 0.5, 1], [0, 10, 100], [0, 1, 0]);

describe("layoutPlot", () => {
  it("uses an exact zoomed domain", () => {
    const l = layoutPlot(plot, 400, 300, { xDomain: [0.25, 0.75] });
    expect(l.xDomain).toEqual([0.25, 0.75]);
    expect(l.x(0.25)).toBe(MARGIN.left);
    expect(l.xAxis.ticks.every((t) => t >= 0.25 && t <= 0.75)).toBe(true);
  });
  it("puts a log y axis on powers of ten and leaves ≤ 0 undrawn", () => {
    const l = layoutPlot(plot, 400, 300, { logY: true });
    expect(l.yAxis.ticks).toEqual([1, 2]);
    expect(l.yLabel(2)).toBe("100");
    const k0 = Array.from(plot.y).indexOf(0);
    expect(Number.isNaN(l.py[k0]!)).toBe(true);
  });
  it("knows its plotting area", () => {
    expect(inPlotArea(MARGIN.left + 1, MARGIN.top + 1, 400, 300)).toBe(true);
    expect(inPlotArea(2, 2, 400, 300)).toBe(false);
  });
});

describe("layoutHistogram", () => {
  it("lays bars side by side and finds the one under the pointer", () => {
    const h = histogram([1, 2, 2, 3], 3);
    const l = layoutHistogram(h, 400, 300);
    expect(l.bars).toHaveLength(h.counts.length);
    for (let i = 1; i < l.bars.length; i++) expect(l.bars[i]!.left).toBeCloseTo(l.bars[i - 1]!.right);
    const tallest = h.counts.indexOf(Math.max(...h.counts));
    const b = l.bars[tallest]!;
    expect(barAt(l, (b.left + b.right) / 2, b.bottom - 1)).toBe(tallest);
    expect(barAt(l, 1, 1)).toBe(-1);
  });
});
