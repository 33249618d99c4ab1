import { describe, expect, it } from "vitest";
import type { BasemapDto } from "../../lib/bindings";
import { BASEMAP_STORAGE_KEY, boundsExtent, chosenBasemap, loadBasemapChoice, overlaps, saveBasemapChoice } from "./basemapChoice";
import { HALF_WORLD } from "./points";

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

const imagery: BasemapDto = {
  id: 3,
  name: "Drone mosaic",
  kind: "geotiff",
  description: "GeoTIFF, 3 bands (RGB), 300 × 200 pixels, WGS 84",
  source_name: "drone.tif",
  bounds: [-48.1, -24.4, -47.65, -24.04],
  registered_by: "ana",
  registered_at: "2026-12-02T10:00:00Z",
};

describe("basemap choice", () => {
  it("round-trips a basemap and the world outline through storage", () => {
    const store = memory();
    expect(loadBasemapChoice(store)).toBeNull();
    saveBasemapChoice({ id: 3, name: "Drone mosaic" }, store);
    expect(loadBasemapChoice(store)).toEqual({ id: 3, name: "Drone mosaic" });
    saveBasemapChoice(null, store);
    expect(loadBasemapChoice(store)).toBeNull();
  });
  it("reads anything but an id and a name as the world outline", () => {
    for (const text of ["abc", "3", '{"id":-2,"name":"x"}', '{"id":1.5,"name":"x"}', '{"id":3}', '{"name":"x"}', "[]"]) {
      const store = memory();
      store.setItem(BASEMAP_STORAGE_KEY, text);
      expect(loadBasemapChoice(store)).toBeNull();
    }
    const throwing = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("full"); } };
    expect(loadBasemapChoice(throwing)).toBeNull();
    expect(() => saveBasemapChoice({ id: 2, name: "x" }, throwing)).not.toThrow();
  });
  it("falls back to the world outline when the chosen basemap is not registered here", () => {
    expect(chosenBasemap({ id: 3, name: "Drone mosaic" }, [imagery])).toBe(imagery);
    expect(chosenBasemap({ id: 4, name: "Drone mosaic" }, [imagery])).toBeNull();
    // Another workspace's basemap 3 is another basemap.
    expect(chosenBasemap({ id: 3, name: "Orthophoto" }, [imagery])).toBeNull();
    expect(chosenBasemap({ id: 3, name: "Drone mosaic" }, null)).toBeNull();
    expect(chosenBasemap(null, [imagery])).toBeNull();
  });
  it("projects bounds to Web Mercator and tells overlapping extents", () => {
    const e = boundsExtent(imagery.bounds);
    expect(e[0]).toBeCloseTo((-48.1 / 180) * HALF_WORLD, 3);
    expect(e[2]).toBeCloseTo((-47.65 / 180) * HALF_WORLD, 3);
    expect(e[1]).toBeLessThan(e[3]);
    // Latitudes beyond Web Mercator's square are clamped to its edge.
    expect(boundsExtent([-180, -90, 180, 90])).toEqual([-HALF_WORLD, -HALF_WORLD, HALF_WORLD, HALF_WORLD]);
    expect(overlaps(e, [e[2] - 1, e[3] - 1, e[2] + 10, e[3] + 10])).toBe(true);
    expect(overlaps(e, [e[2], e[1], e[2] + 10, e[3]])).toBe(false);
    expect(overlaps(e, [e[0] - 20, e[1] - 20, e[0] - 10, e[1] - 10])).toBe(false);
  });
});
