import { fromLonLat, toLonLat } from "ol/proj";
import { describe, expect, it } from "vitest";
import { clampToWorld, drawOrder, HALF_WORLD, lonLatToMercator, mercatorToLonLat, nearestPoint, pixelToCoordinate, projectPoints, unionExtent } from "./points";

describe("lonLatToMercator", () => {
  it("matches OpenLayers' fromLonLat", () => {
    for (const [lon, lat] of [
      [0, 0],
      [-47.852872, -24.183123],
      [179.9, 85],
      [-180, -85],
      [12.5, 55.7],
    ] as const) {
      const [x, y] = lonLatToMercator(lon, lat);
      const [ox, oy] = fromLonLat([lon, lat]);
      expect(x).toBeCloseTo(ox!, 6);
      expect(y).toBeCloseTo(oy!, 6);
    }
  });

  it("gives NaN for missing or impossible coordinates", () => {
    expect(lonLatToMercator(null, 1)).toEqual([NaN, NaN]);
    expect(lonLatToMercator(1, undefined)).toEqual([NaN, NaN]);
    expect(lonLatToMercator(NaN, 1)).toEqual([NaN, NaN]);
    expect(lonLatToMercator(200, 1)).toEqual([NaN, NaN]);
    expect(lonLatToMercator(1, 91)).toEqual([NaN, NaN]);
  });

  it("clamps the poles to the edge of the square world (OpenLayers does not)", () => {
    expect(lonLatToMercator(0, 90)[1]).toBe(HALF_WORLD);
    expect(lonLatToMercator(0, -90)[1]).toBe(-HALF_WORLD);
  });

  it("round-trips through mercatorToLonLat", () => {
    const [x, y] = lonLatToMercator(-47.85, -24.18);
    const [lon, lat] = mercatorToLonLat(x, y);
    expect(lon).toBeCloseTo(-47.85, 9);
    expect(lat).toBeCloseTo(-24.18, 9);
    const [olon, olat] = toLonLat([x, y]);
    expect(lon).toBeCloseTo(olon!, 9);
    expect(lat).toBeCloseTo(olat!, 9);
  });
});

describe("projectPoints", () => {
  it("projects rows, counts the positioned ones and takes their extent", () => {
    const p = projectPoints([0, null, 10], [0, 5, -10], [0, 3, 1]);
    expect(p.positioned).toBe(2);
    expect(Number.isNaN(p.x[1])).toBe(true);
    const [x2, y2] = lonLatToMercator(10, -10);
    expect(p.extent![0]).toBe(0);
    expect(p.extent![1]).toBe(y2);
    expect(p.extent![2]).toBe(x2);
    expect(p.extent![3]).toBeCloseTo(0, 6);
    expect([...p.worst]).toEqual([0, 3, 1]);
  });

  it("has no extent without positions", () => {
    expect(projectPoints([null], [null], [0]).extent).toBeNull();
    expect(projectPoints([], [], []).positioned).toBe(0);
  });

  it("reads unknown worst codes safely", () => {
    expect([...projectPoints([0, 0, 0], [0, 0, 0], [7, -1, 2]).worst]).toEqual([3, 0, 2]);
  });
});

describe("drawOrder", () => {
  it("groups rows least serious first and keeps row order within a group", () => {
    const { order, groupStart } = drawOrder(Uint8Array.from([3, 0, 1, 0, 3, 2]));
    expect([...order]).toEqual([1, 3, 2, 5, 0, 4]);
    expect([...groupStart]).toEqual([0, 2, 3, 4, 6]);
  });
});

describe("extents", () => {
  it("unions extents that may be missing", () => {
    expect(unionExtent(null, null)).toBeNull();
    expect(unionExtent([0, 0, 1, 1], null)).toEqual([0, 0, 1, 1]);
    expect(unionExtent([0, 0, 1, 1], [-1, 0.5, 0.5, 2])).toEqual([-1, 0, 1, 2]);
  });

  it("clamps to the world", () => {
    expect(clampToWorld([-3e7, -1, 3e7, 1])).toEqual([-HALF_WORLD, -1, HALF_WORLD, 1]);
    expect(clampToWorld([3e7, 0, 4e7, 1])).toBeNull();
  });
});

describe("nearestPoint", () => {
  const xs = Float64Array.from([0, 10, 10, 30, NaN]);
  const ys = Float64Array.from([0, 0, 0, 0, 0]);

  it("finds the nearest point within the radius", () => {
    expect(nearestPoint(xs, ys, 1, 1, 8)).toBe(0);
    expect(nearestPoint(xs, ys, 28, 0, 8)).toBe(3);
  });

  it("returns null when nothing is close enough", () => {
    expect(nearestPoint(xs, ys, 20, 0, 8)).toBeNull();
    expect(nearestPoint(xs, ys, 0, 9, 8)).toBeNull(); // inside the box test, outside the circle
    expect(nearestPoint(xs, ys, 0, 0, 0)).toBeNull();
    expect(nearestPoint(xs, ys, NaN, 0, 8)).toBeNull();
  });

  it("breaks ties by preference, then severity, then drawing order", () => {
    expect(nearestPoint(xs, ys, 10, 0, 8)).toBe(2);
    expect(nearestPoint(xs, ys, 10, 0, 8, { worst: [0, 3, 1, 0, 0] })).toBe(1);
    expect(nearestPoint(xs, ys, 10, 0, 8, { worst: [0, 1, 3, 0, 0], prefer: 1 })).toBe(1);
    // A preferred point that is farther away does not win.
    expect(nearestPoint(xs, ys, 9, 0, 8, { prefer: 0 })).toBe(2);
  });

  it("measures to marker edges, so the disc drawn on top wins where discs overlap", () => {
    // An unflagged point right under the click, a high flag 4 units away with a radius of 6.
    const px = Float64Array.from([0, 4]);
    const py = Float64Array.from([0, 0]);
    const worst = Uint8Array.from([0, 3]);
    const radii = [3, 5, 5.5, 6];
    expect(nearestPoint(px, py, 0, 0, 8, { worst })).toBe(0);
    expect(nearestPoint(px, py, 0, 0, 8, { worst, markerRadius: radii })).toBe(1);
    // ...unless the unflagged one is the row last jumped to.
    expect(nearestPoint(px, py, 0, 0, 8, { worst, markerRadius: radii, prefer: 0 })).toBe(0);
    // A click 8 units beyond a disc's edge still reaches it; 9 does not.
    expect(nearestPoint(px, py, 4 + 6 + 8, 0, 8, { worst, markerRadius: radii })).toBe(1);
    expect(nearestPoint(px, py, 4 + 6 + 9, 0, 8, { worst, markerRadius: radii })).toBeNull();
  });

  it("scans a million points", () => {
    const n = 1_000_000;
    const bx = new Float64Array(n);
    const by = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      bx[i] = (i % 1000) * 10;
      by[i] = Math.floor(i / 1000) * 10;
    }
    expect(nearestPoint(bx, by, 5002, 7001, 4)).toBe(700 * 1000 + 500);
  });
});

describe("pixelToCoordinate", () => {
  it("maps the centre pixel to the view centre", () => {
    expect(pixelToCoordinate([300, 200], [1000, -2000], 5, [600, 400])).toEqual([1000, -2000]);
    expect(pixelToCoordinate([0, 0], [1000, -2000], 5, [600, 400])).toEqual([-500, -1000]);
  });
});
