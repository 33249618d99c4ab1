import { describe, expect, it } from "vitest";
import { boundaryOf } from "./boundary";

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
