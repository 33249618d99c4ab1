import { describe, expect, it } from "vitest";
import { boxSelectionMode, indicesToRows, mergeRows, pointsInBox } from "./boxSelect";
import { projectPoints } from "./points";

const xs = Float64Array.from([0, 10, 10, 5, NaN, 20, -1, 5]);
const ys = Float64Array.from([0, 10, 0, 5, 5, 5, 5, NaN]);
const list = (a: Uint32Array) => Array.from(a);

describe("pointsInBox", () => {
  it("keeps the points inside, in index order", () => {
    expect(list(pointsInBox(xs, ys, { x0: 1, y0: 1, x1: 9, y1: 9 }))).toEqual([3]);
    expect(list(pointsInBox(xs, ys, { x0: -5, y0: -5, x1: 25, y1: 25 }))).toEqual([0, 1, 2, 3, 5, 6]);
  });

  it("counts points exactly on an edge or a corner as inside", () => {
    expect(list(pointsInBox(xs, ys, { x0: 0, y0: 0, x1: 10, y1: 10 }))).toEqual([0, 1, 2, 3]);
    // The edge x = 20 and the corner (10, 0).
    expect(list(pointsInBox(xs, ys, { x0: 10, y0: 0, x1: 20, y1: 5 }))).toEqual([2, 5]);
  });

  it("skips points without a position (NaN x or y)", () => {
    // Row 5 has NaN x, row 8 NaN y, both "at" 5: neither is found.
    const found = list(pointsInBox(xs, ys, { x0: -100, y0: -100, x1: 100, y1: 100 }));
    expect(found).not.toContain(4);
    expect(found).not.toContain(7);
  });

  it("takes the corners in any order", () => {
    const a = { x0: -0.5, y0: -0.5, x1: 10.5, y1: 6 };
    const expected = [0, 2, 3];
    expect(list(pointsInBox(xs, ys, a))).toEqual(expected);
    expect(list(pointsInBox(xs, ys, { x0: a.x1, y0: a.y1, x1: a.x0, y1: a.y0 }))).toEqual(expected);
    expect(list(pointsInBox(xs, ys, { x0: a.x1, y0: a.y0, x1: a.x0, y1: a.y1 }))).toEqual(expected);
    expect(list(pointsInBox(xs, ys, { x0: a.x0, y0: a.y1, x1: a.x1, y1: a.y0 }))).toEqual(expected);
  });

  it("finds nothing in an empty box, a box with no points, or a box with a NaN corner", () => {
    expect(list(pointsInBox(xs, ys, { x0: 100, y0: 100, x1: 200, y1: 200 }))).toEqual([]);
    expect(list(pointsInBox(new Float64Array(0), new Float64Array(0), { x0: 0, y0: 0, x1: 1, y1: 1 }))).toEqual([]);
    expect(list(pointsInBox(xs, ys, { x0: NaN, y0: 0, x1: 10, y1: 10 }))).toEqual([]);
    expect(list(pointsInBox(xs, ys, { x0: 0, y0: 0, x1: Infinity, y1: 10 }))).toEqual([]);
  });

  it("a box of zero width or height holds only the points exactly on it", () => {
    expect(list(pointsInBox(xs, ys, { x0: 5, y0: 5, x1: 5, y1: 5 }))).toEqual([3]);
    expect(list(pointsInBox(xs, ys, { x0: 10, y0: -1, x1: 10, y1: 11 }))).toEqual([1, 2]);
    expect(list(pointsInBox(xs, ys, { x0: 4.9, y0: 4.9, x1: 4.9, y1: 4.9 }))).toEqual([]);
  });

  it("reads only as far as the shorter array", () => {
    expect(list(pointsInBox(Float64Array.from([1, 2, 3]), Float64Array.from([1, 2]), { x0: 0, y0: 0, x1: 9, y1: 9 }))).toEqual([0, 1]);
  });

  it("reuses the buffer it is given", () => {
    const out = new Uint32Array(16);
    const found = pointsInBox(xs, ys, { x0: 0, y0: 0, x1: 10, y1: 10 }, out);
    expect(found.buffer).toBe(out.buffer);
    expect(list(found)).toEqual([0, 1, 2, 3]);
    // Too small a buffer is replaced, not overrun.
    const small = new Uint32Array(2);
    expect(list(pointsInBox(xs, ys, { x0: 0, y0: 0, x1: 10, y1: 10 }, small))).toEqual([0, 1, 2, 3]);
  });

  it("works on projected points, a million of them in one pass", () => {
    const n = 1_000_000;
    const lon = new Float64Array(n);
    const lat = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      lon[i] = -50 + (i % 1000) / 1000; // -50 .. -49.001
      lat[i] = -25 + Math.floor(i / 1000) / 1000;
    }
    const p = projectPoints(lon, lat, new Uint8Array(n));
    const [x0, y0] = [p.x[0]!, p.y[0]!];
    const [x1, y1] = [p.x[1000 * 9 + 9]!, p.y[1000 * 9 + 9]!];
    const t = performance.now();
    const found = pointsInBox(p.x, p.y, { x0: x1, y0: y1, x1: x0, y1: y0 });
    const ms = performance.now() - t;
    // A 10 × 10 block of the grid, corners included.
    expect(found.length).toBe(100);
    expect(found[0]).toBe(0);
    expect(found[99]).toBe(9009);
    expect(ms).toBeLessThan(500);
  });
});

describe("helpers", () => {
  it("turns indices into 1-based rows", () => expect(indicesToRows(Uint32Array.from([0, 4, 9]))).toEqual([1, 5, 10]));
  it("merges two ascending row lists", () => {
    expect(mergeRows([1, 3, 5], [2, 3, 6])).toEqual([1, 2, 3, 5, 6]);
    expect(mergeRows([], [4])).toEqual([4]);
    expect(mergeRows([4], [])).toEqual([4]);
    expect(mergeRows([], [])).toEqual([]);
  });
  it("adds with Ctrl or Cmd, replaces otherwise", () => {
    expect(boxSelectionMode({ ctrlKey: false, metaKey: false })).toBe("replace");
    expect(boxSelectionMode({ ctrlKey: true, metaKey: false })).toBe("add");
    expect(boxSelectionMode({ ctrlKey: false, metaKey: true })).toBe("add");
  });
});
