import { get } from "svelte/store";
import { describe, expect, it } from "vitest";
import { createRowSelection, normaliseRows, selectionMask, selectionText, toggled, EMPTY_SELECTION } from "./selection";

describe("row selection store", () => {
  it("selects, toggles and clears, notifying subscribers", () => {
    const s = createRowSelection();
    const seen: number[][] = [];
    const stop = s.subscribe((v) => seen.push([...v.rows]));
    s.select(7, [3, 1, 3, 0, -2, 2.5], "plot");
    expect(get(s)).toEqual({ batchId: 7, rows: [1, 3], source: "plot" });
    s.toggle(7, [5], "map");
    expect(s.get().rows).toEqual([1, 3, 5]);
    s.toggle(7, [5], "map");
    expect(s.get().rows).toEqual([1, 3]);
    s.clear("map");
    expect(s.get().rows).toEqual([]);
    stop();
    expect(seen).toEqual([[], [1, 3], [1, 3, 5], [1, 3], []]);
  });
  it("starts afresh when another batch's rows are toggled", () => {
    const s = createRowSelection();
    s.select(1, [1, 2], "map");
    s.toggle(2, [9], "map");
    expect(s.get()).toEqual({ batchId: 2, rows: [9], source: "map" });
  });
  it("an empty selection has no batch", () => {
    expect(toggled({ batchId: 1, rows: [4], source: "map" }, 1, [4], "map").batchId).toBeNull();
  });
});

describe("helpers", () => {
  it("normalises rows", () => expect(normaliseRows([4, 2, 2, NaN, 0])).toEqual([2, 4]));
  it("copies rows that are already in order, and sorts those that are not", () => {
    const sorted = [1, 2, 5, 9];
    const out = normaliseRows(sorted);
    expect(out).toEqual(sorted);
    expect(out).not.toBe(sorted);
    expect(normaliseRows([1, 2, 2, 3])).toEqual([1, 2, 3]);
    expect(normaliseRows([0, 1, 2])).toEqual([1, 2]);
    expect(normaliseRows([1, 2.5, 3])).toEqual([1, 3]);
    expect(normaliseRows(new Set([3, 1]))).toEqual([1, 3]);
  });
  it("builds a mask for the same batch only", () => {
    const sel = { batchId: 3, rows: [1, 4, 99], source: "plot" as const };
    expect(Array.from(selectionMask(sel, 3, 5)!)).toEqual([1, 0, 0, 1, 0]);
    expect(selectionMask(sel, 2, 5)).toBeNull();
    expect(selectionMask(EMPTY_SELECTION, 3, 5)).toBeNull();
  });
  it("words the count", () => {
    expect(selectionText(EMPTY_SELECTION)).toBe("");
    expect(selectionText({ batchId: 1, rows: [1], source: null })).toBe("1 row selected");
    expect(selectionText({ batchId: 1, rows: [1, 2, 3], source: null })).toBe("3 rows selected");
  });
});
