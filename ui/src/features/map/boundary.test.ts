import { describe, expect, it } from "vitest";
import { boundaryLines, boundaryOf, jumpFrame, nearestOnLines, projectLines } from "./boundary";

describe("boundaryOf", () => {
  it("reads the boundary when the project has one", () => {
    expect(boundaryOf({ id: 1, boundary_geojson: '{"type":"Polygon","coordinates":[]}' })).toBe('{"type":"Polygon","coordinates":[]}');
  });

  it("is null without one", () => {
    expect(boundaryOf({ id: 1 })).toBeNull();
    expect(boundaryOf({ id: 1, boundary_geojson: "" })).toBeNull();
    expect(boundaryOf({ id: 1, boundary_geojson: 5 })).toBeNull();
    expect(boundaryOf(null)).toBeNull();
    expect(boundaryOf(undefined)).toBeNull();
  });
});


describe("boundary geometry", () => {
  const square = { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] };
  it("reads lines from geometries, features and collections", () => {
    expect(boundaryLines(square)).toHaveLength(1);
    expect(boundaryLines({ type: "Feature", geometry: { type: "MultiPolygon", coordinates: [square.coordinates, square.coordinates] } })).toHaveLength(2);
    expect(boundaryLines({ type: "FeatureCollection", features: [{ type: "Feature", geometry: square }, { type: "Feature", geometry: null }] })).toHaveLength(1);
    expect(boundaryLines("nonsense")).toEqual([]);
  });
  it("finds the nearest point on the edges", () => {
    const lines = [Float64Array.from([0, 0, 10, 0, 10, 10, 0, 10, 0, 0])];
    expect(nearestOnLines(lines, 3, 2)).toEqual({ x: 3, y: 0, distance: 2 });
    expect(nearestOnLines(lines, 12, 13)).toEqual({ x: 10, y: 10, distance: Math.hypot(2, 3) });
    expect(nearestOnLines(lines, 9, 5)).toEqual({ x: 10, y: 5, distance: 1 });
    expect(nearestOnLines([], 1, 1)).toBeNull();
  });
  it("projects to Web Mercator", () => {
    const [l] = projectLines(boundaryLines(square));
    expect(l![0]).toBe(0);
    expect(l![2]).toBeCloseTo(111319.49, 1);
  });
  it("frames the point, centred, with the nearest edge", () => {
    expect(jumpFrame(100, 100, { x: 100, y: 1000 }, 50)).toEqual([50, -800, 150, 1000]);
    expect(jumpFrame(100, 100, { x: 0, y: 90 }, 50)).toEqual([0, 50, 200, 150]);
    expect(jumpFrame(100, 100, null, 50)).toEqual([50, 50, 150, 150]);
  });
});
