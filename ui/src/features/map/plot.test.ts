import { describe, expect, it } from "vitest";
import { axisTitle, formatTick, linearScale, missingClaimNote, missingValueNote, niceAxis, niceStep, plotPoints, stepDecimals } from "./plot";

describe("plotPoints", () => {
  it("keeps rows with a value and a claim, flagged rows last", () => {
    const p = plotPoints([0.5, null, 0.7, 0.2, 0.9], [1, 2, null, 4, 5], [3, 0, 0, 0, 1]);
    expect(p.missingValue).toBe(1);
    expect(p.missingClaim).toBe(1);
    expect([...p.rows]).toEqual([3, 4, 0]);
    expect([...p.x]).toEqual([0.2, 0.9, 0.5]);
    expect([...p.y]).toEqual([4, 5, 1]);
    expect([...p.worst]).toEqual([0, 1, 3]);
    expect(p.xRange).toEqual([0.2, 0.9]);
    expect(p.yRange).toEqual([1, 5]);
  });

  it("has no ranges when nothing can be plotted", () => {
    const p = plotPoints([null, NaN], [1, 2], [0, 0]);
    expect(p.rows.length).toBe(0);
    expect(p.missingValue).toBe(2);
    expect(p.xRange).toBeNull();
  });

  it("handles a million rows", () => {
    const n = 1_000_000;
    const values = new Array<number | null>(n);
    const claimed = new Array<number | null>(n);
    const worst = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      values[i] = i % 10 === 0 ? null : (i % 1000) / 1000;
      claimed[i] = i % 7;
      worst[i] = i % 1000 === 1 ? 3 : 0;
    }
    const p = plotPoints(values, claimed, worst);
    expect(p.missingValue).toBe(100_000);
    expect(p.rows.length).toBe(900_000);
    expect(p.worst[p.worst.length - 1]).toBe(3);
  });
});

describe("ticks", () => {
  it("chooses 1, 2, 2.5 and 5 steps", () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(1, 4)).toBe(0.25);
    expect(niceStep(1.2, 6)).toBe(0.2);
    expect(niceStep(0.05, 5)).toBeCloseTo(0.01, 12);
    expect(niceStep(4500, 6)).toBe(1000);
    expect(niceStep(0, 5)).toBe(1);
  });

  it("counts the decimals of a step", () => {
    expect(stepDecimals(0.25)).toBe(2);
    expect(stepDecimals(0.2)).toBe(1);
    expect(stepDecimals(5)).toBe(0);
    expect(stepDecimals(0.01)).toBe(2);
  });

  it("widens the domain to whole steps", () => {
    expect(niceAxis(-0.13, 0.87, 5)).toEqual({ min: -0.2, max: 1, step: 0.2, ticks: [-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(niceAxis(0.3, 3.7, 6)).toEqual({ min: 0, max: 4, step: 1, ticks: [0, 1, 2, 3, 4] });
    expect(niceAxis(0.3, 3.7, 8)).toEqual({ min: 0, max: 4, step: 0.5, ticks: [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4] });
    expect(niceAxis(2, 8, 6).ticks).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  it("gives a single value or none a usable axis", () => {
    const one = niceAxis(5, 5);
    expect(one.min).toBeLessThan(5);
    expect(one.max).toBeGreaterThan(5);
    const zero = niceAxis(0, 0);
    expect(zero.min).toBeLessThan(0);
    expect(zero.max).toBeGreaterThan(0);
    expect(niceAxis(NaN, NaN).ticks.length).toBeGreaterThan(1);
  });

  it("formats ticks with the step's decimals", () => {
    expect(formatTick(0.5, 0.25)).toBe("0.50");
    expect(formatTick(1200, 100)).toBe("1,200");
    expect(formatTick(-0, 0.2)).toBe("0.0");
    expect(formatTick(-0.2, 0.2)).toBe("-0.2");
  });
});

describe("linearScale", () => {
  it("maps and inverts, including a flipped range", () => {
    const s = linearScale(0, 10, 400, 0);
    expect(s(0)).toBe(400);
    expect(s(10)).toBe(0);
    expect(s(2.5)).toBe(300);
    expect(s.invert(300)).toBe(2.5);
    const flat = linearScale(3, 3, 0, 100);
    expect(flat(3)).toBe(0);
    expect(flat.invert(50)).toBe(3);
  });
});

describe("notes", () => {
  it("states how many rows are not plotted", () => {
    expect(missingValueNote(12, "NDVI")).toBe("12 rows have no NDVI value and are not plotted");
    expect(missingValueNote(1, "NDVI")).toBe("1 row has no NDVI value and is not plotted");
    expect(missingValueNote(1234, "NDVI")).toBe("1,234 rows have no NDVI value and are not plotted");
    expect(missingValueNote(0, "NDVI")).toBeNull();
    expect(missingClaimNote(2)).toBe("2 rows have no claimed tCO₂e and are not plotted");
    expect(missingClaimNote(0)).toBeNull();
  });

  it("titles axes with their unit", () => {
    expect(axisTitle("Canopy height", "m")).toBe("Canopy height (m)");
    expect(axisTitle("Sentinel-2 NDVI", null)).toBe("Sentinel-2 NDVI");
  });
});
