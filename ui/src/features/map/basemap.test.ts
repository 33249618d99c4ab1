import { describe, expect, it } from "vitest";
import world from "world-atlas/countries-110m.json";
import { basemapGeoJson } from "./basemap";

describe("basemapGeoJson", () => {
  const map = basemapGeoJson(world as never);
  it("gives land polygons", () => {
    const features = map.land.type === "FeatureCollection" ? map.land.features : [map.land];
    expect(features.length).toBeGreaterThan(0);
    expect(["Polygon", "MultiPolygon"]).toContain(features[0]!.geometry.type);
  });
  it("separates borders between countries from coastlines", () => {
    expect(map.borders.type).toBe("MultiLineString");
    expect(map.borders.coordinates.length).toBeGreaterThan(100);
    expect(map.coast.coordinates.length).toBeGreaterThan(100);
  });
  it("stays in longitude/latitude", () => {
    for (const line of map.borders.coordinates.slice(0, 50))
      for (const [lon, lat] of line) {
        expect(Math.abs(lon!)).toBeLessThanOrEqual(180);
        expect(Math.abs(lat!)).toBeLessThanOrEqual(90);
      }
  });
});
