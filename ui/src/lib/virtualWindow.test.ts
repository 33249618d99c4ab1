import { describe, expect, it } from "vitest";
import { computeWindow, MAX_SPACER_PX, pageOf, pagesForRange, scrollTopForRow, scrollTopToReveal } from "./virtualWindow";

const base = { viewportHeight: 560, rowHeight: 28, overscan: 10 };

describe("computeWindow", () => {
  it("starts at row 0 with no offset when scrolled to the top", () => {
    const w = computeWindow({ ...base, scrollTop: 0, total: 240 });
    expect(w.firstVisible).toBe(0);
    expect(w.endVisible).toBe(20); // 560 / 28
    expect(w.start).toBe(0);
    expect(w.end).toBe(30); // 20 visible + 10 overscan
    expect(w.offsetY).toBe(0);
    expect(w.spacerHeight).toBe(240 * 28);
    expect(w.scale).toBe(1);
  });

  it("renders only a window of rows in the middle of a small table", () => {
    const w = computeWindow({ ...base, scrollTop: 100 * 28 + 5, total: 240 });
    expect(w.firstVisible).toBe(100);
    expect(w.start).toBe(90);
    expect(w.end).toBe(131);
    expect(w.offsetY).toBe(90 * 28);
  });

  it("does not scale when the table fits under the cap", () => {
    const total = Math.floor(MAX_SPACER_PX / 28);
    const w = computeWindow({ ...base, scrollTop: 0, total });
    expect(w.scale).toBe(1);
    expect(w.spacerHeight).toBe(total * 28);
  });

  it("caps the spacer and reaches the last row of 1,000,000 at the end", () => {
    const total = 1_000_000;
    const top = computeWindow({ ...base, scrollTop: 0, total });
    expect(top.spacerHeight).toBe(MAX_SPACER_PX);
    expect(top.contentHeight).toBe(28_000_000);
    expect(top.scale).toBeGreaterThan(1);
    expect(top.start).toBe(0);
    expect(top.offsetY).toBe(0);

    const maxScroll = MAX_SPACER_PX - base.viewportHeight;
    const end = computeWindow({ ...base, scrollTop: maxScroll, total });
    expect(end.endVisible).toBe(total);
    expect(end.end).toBe(total);
    expect(end.firstVisible).toBe(total - 20);
    // The last row's bottom edge lands exactly on the viewport's bottom edge.
    const lastBottom = end.offsetY + (end.end - end.start) * 28;
    expect(lastBottom).toBeCloseTo(maxScroll + base.viewportHeight, 6);
    // Rendered rows stay within the spacer.
    expect(end.offsetY).toBeGreaterThanOrEqual(0);
    expect(lastBottom).toBeLessThanOrEqual(end.spacerHeight + 1e-6);
  });

  it("maps scroll proportionally when scaled", () => {
    const total = 1_000_000;
    const maxScroll = MAX_SPACER_PX - base.viewportHeight;
    const mid = computeWindow({ ...base, scrollTop: maxScroll / 2, total });
    const expectedFirst = Math.floor(((total * 28 - base.viewportHeight) / 2) / 28);
    expect(mid.firstVisible).toBe(expectedFirst);
    // Row firstVisible is drawn at or just above the viewport top.
    const firstTop = mid.offsetY + (mid.firstVisible - mid.start) * 28;
    expect(firstTop).toBeLessThanOrEqual(maxScroll / 2 + 1e-6);
    expect(firstTop).toBeGreaterThan(maxScroll / 2 - 28);
  });

  it("clamps scrollTop beyond the end and handles an empty table", () => {
    const w = computeWindow({ ...base, scrollTop: 1e12, total: 50 });
    expect(w.end).toBe(50);
    expect(w.endVisible).toBe(50);
    const empty = computeWindow({ ...base, scrollTop: 300, total: 0 });
    expect(empty).toMatchObject({ start: 0, end: 0, spacerHeight: 0, offsetY: 0 });
  });

  it("honours a custom cap", () => {
    const w = computeWindow({ ...base, scrollTop: 0, total: 10_000, maxSpacer: 100_000 });
    expect(w.spacerHeight).toBe(100_000);
    expect(w.scale).toBeCloseTo((280_000 - 560) / (100_000 - 560), 9);
  });
});

describe("scrollTopForRow", () => {
  it("inverts the window for plain and scaled tables", () => {
    const plain = scrollTopForRow(100, 28, 240, 560);
    expect(computeWindow({ ...base, scrollTop: plain, total: 240 }).firstVisible).toBe(100);
    const scaled = scrollTopForRow(500_000, 28, 1_000_000, 560);
    expect(computeWindow({ ...base, scrollTop: scaled, total: 1_000_000 }).firstVisible).toBe(500_000);
  });
});

describe("scrollTopToReveal", () => {
  const vp = 560;
  const rh = 28;
  /** The row's top and bottom in viewport pixels after scrolling to `scrollTop`, via computeWindow. */
  function placement(index: number, scrollTop: number, total: number, maxSpacer?: number) {
    const w = computeWindow({ scrollTop, viewportHeight: vp, rowHeight: rh, total, overscan: 12, maxSpacer });
    const clamped = Math.min(Math.max(0, scrollTop), Math.max(0, w.spacerHeight - vp));
    const top = w.offsetY + (index - w.start) * rh - clamped;
    return { w, top, bottom: top + rh };
  }

  it("keeps the position when the row is already fully visible", () => {
    expect(scrollTopToReveal({ index: 105, scrollTop: 100 * rh, viewportHeight: vp, rowHeight: rh, total: 240 })).toBe(100 * rh);
  });

  it("centres a row that is out of view and renders it inside the viewport", () => {
    const s = scrollTopToReveal({ index: 150, scrollTop: 0, viewportHeight: vp, rowHeight: rh, total: 240 });
    expect(s).toBe(150 * rh - (vp - rh) / 2);
    const p = placement(150, s, 240);
    expect(p.w.start).toBeLessThanOrEqual(150);
    expect(p.w.end).toBeGreaterThan(150);
    expect(p.top).toBeCloseTo((vp - rh) / 2, 6);
  });

  it("clamps at the first and last rows", () => {
    expect(scrollTopToReveal({ index: 0, scrollTop: 5000, viewportHeight: vp, rowHeight: rh, total: 240 })).toBe(0);
    const last = scrollTopToReveal({ index: 239, scrollTop: 0, viewportHeight: vp, rowHeight: rh, total: 240 });
    expect(last).toBe(240 * rh - vp);
    const p = placement(239, last, 240);
    expect(p.bottom).toBeCloseTo(vp, 6);
    expect(scrollTopToReveal({ index: 5, scrollTop: 0, viewportHeight: vp, rowHeight: rh, total: 0 })).toBe(0);
  });

  it("respects the spacer scaling of very tall tables", () => {
    const total = 1_000_000;
    for (const index of [0, 1, 123_456, 500_000, 999_998, 999_999]) {
      const s = scrollTopToReveal({ index, scrollTop: 0, viewportHeight: vp, rowHeight: rh, total });
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(MAX_SPACER_PX - vp);
      const p = placement(index, s, total);
      expect(p.w.scale).toBeGreaterThan(1);
      expect(p.w.start).toBeLessThanOrEqual(index);
      expect(p.w.end).toBeGreaterThan(index);
      expect(p.top).toBeGreaterThanOrEqual(-1e-6);
      expect(p.bottom).toBeLessThanOrEqual(vp + 1e-6);
    }
    // A whole-pixel scrollTop (browsers round it) still shows the row.
    const s = Math.round(scrollTopToReveal({ index: 777_777, scrollTop: 0, viewportHeight: vp, rowHeight: rh, total }));
    const p = placement(777_777, s, total);
    expect(p.top).toBeGreaterThan(0);
    expect(p.bottom).toBeLessThan(vp);
  });

  it("honours a custom cap", () => {
    const s = scrollTopToReveal({ index: 9_000, scrollTop: 0, viewportHeight: vp, rowHeight: rh, total: 10_000, maxSpacer: 100_000 });
    const p = placement(9_000, s, 10_000, 100_000);
    expect(p.top).toBeCloseTo((vp - rh) / 2, 4);
  });
});

describe("page math", () => {
  it("finds pages for a row range", () => {
    expect(pageOf(0, 200)).toBe(0);
    expect(pageOf(199, 200)).toBe(0);
    expect(pageOf(200, 200)).toBe(1);
    expect(pagesForRange(190, 230, 200)).toEqual([0, 1]);
    expect(pagesForRange(0, 200, 200)).toEqual([0]);
    expect(pagesForRange(999_970, 1_000_000, 200)).toEqual([4999]);
    expect(pagesForRange(5, 5, 200)).toEqual([]);
  });
});
