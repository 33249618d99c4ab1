import { describe, expect, it } from "vitest";
import { binLabel, binOf, formatPower, histogram, logAxis, logValue, nonPositiveCount, nonPositiveNote, normaliseRect, panDomain, rowsInBin, rowsInRect, wheelFactor, zoomDomain } from "./plotView";

describe("zoom and pan", () => {
  it("zooms around the anchor", () => {
    expect(zoomDomain([0, 10], 5, 0.5)).toEqual([2.5, 7.5]);
    expect(zoomDomain([0, 10], 0, 0.5)).toEqual([0, 5]);
    expect(zoomDomain([0, 10], 10, 2)).toEqual([-10, 10]);
  });
  it("refuses nonsense", () => {
    expect(zoomDomain([0, 10], 5, -1)).toEqual([0, 10]);
    expect(zoomDomain([1, 1 + 1e-14], 1, 0.5)).toEqual([1, 1 + 1e-14]);
  });
  it("pans", () => expect(panDomain([0, 10], -3)).toEqual([-3, 7]));
  it("turns wheel deltas into factors", () => {
    expect(wheelFactor(0)).toBe(1);
    expect(wheelFactor(100)).toBeCloseTo(1.15);
    expect(wheelFactor(-100)).toBeCloseTo(1 / 1.15);
  });
});

describe("log scale", () => {
  it("drops values ≤ 0", () => {
    expect(logValue(100)).toBe(2);
    expect(logValue(0)).toBeNaN();
    expect(logValue(-5)).toBeNaN();
    expect(nonPositiveCount([1, 0, -2, 3])).toBe(2);
    expect(nonPositiveNote(0)).toBeNull();
    expect(nonPositiveNote(1)).toBe("1 row with claimed tCO₂e ≤ 0 is not shown on the log scale");
    expect(nonPositiveNote(2)).toBe("2 rows with claimed tCO₂e ≤ 0 are not shown on the log scale");
  });
  it("ticks at powers of ten", () => {
    const a = logAxis(-1.3, 2.2);
    expect(a.ticks).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(a.ticks.map(a.label)).toEqual(["0.01", "0.1", "1", "10", "100", "1,000"]);
  });
  it("still labels less than a decade", () => {
    const a = logAxis(0.2, 0.6);
    expect(a.ticks.length).toBeGreaterThan(1);
    expect(formatPower(0.5)).toBe("3.16");
  });
});

describe("brushing", () => {
  it("selects the rows inside a rectangle drawn either way", () => {
    const rect = normaliseRect(10, 10, 0, 0);
    expect(rect).toEqual({ left: 0, top: 0, right: 10, bottom: 10 });
    expect(rowsInRect([4, 0, 9], [5, 50, 10], [5, 5, NaN], rect)).toEqual([5]);
    expect(rowsInRect([4, 0, 9], [5, 1, 10], [5, 5, 0], rect)).toEqual([1, 5, 10]);
  });
});

describe("histogram", () => {
  it("bins with nice edges and counts everything once", () => {
    const h = histogram([0, 1, 2, 3, 9.9, 10, null, NaN], 5);
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(h.counts).toEqual([2, 2, 0, 0, 2]);
    expect(h.total).toBe(6);
    expect(h.skipped).toBe(2);
  });
  it("bins log10 values and skips ≤ 0", () => {
    const h = histogram([1, 10, 100, 1000, 0, -1], 3, true);
    expect(h.skipped).toBe(2);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(binLabel(h, 0)).toBe("1 – 10 tCO₂e");
  });
  it("handles a single value and no values", () => {
    const one = histogram([5, 5, 5]);
    expect(one.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(histogram([]).counts).toEqual([]);
  });
  it("maps values back to bins and rows", () => {
    const values = [0, 1, 2, 3, 9.9, 10, null];
    const h = histogram(values, 5);
    expect(binOf(h, 10)).toBe(4);
    expect(binOf(h, 11)).toBe(-1);
    expect(binOf(h, null)).toBe(-1);
    expect(rowsInBin(h, values, 0)).toEqual([1, 2]);
    expect(rowsInBin(h, values, 4)).toEqual([5, 6]);
    expect(binLabel(h, 1)).toBe("2 – 4 tCO₂e");
  });
});
