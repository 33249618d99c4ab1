import { describe, expect, it } from "vitest";
import { missingText, rowTitle, sampleText, zonalText } from "./evidence";

const classes = { kind: "classes", unit: null, stops: [{ value: 10, label: "Tree cover", colour: "#006400" }] };
const metres = { kind: "ramp", unit: "m", stops: [] };

describe("row evidence words", () => {
  it("titles a row with its number and id", () => {
    expect(rowTitle(200, "SDM-0200")).toBe("Row 200 · SDM-0200");
    expect(rowTitle(1234567, "X")).toBe("Row 1234567 · X");
    expect(rowTitle(3, " ")).toBe("Row 3");
  });

  it("says why a value is missing", () => {
    expect(missingText("nodata")).toBe("no data at this pixel");
    expect(missingText("outside")).toBe("outside the raster");
    expect(missingText("not_enriched")).toBe("not enriched yet");
    expect(missingText(null)).toBe("no value");
  });

  it("reads values by layer kind", () => {
    expect(sampleText({ value: 0.7234, missing: null }, "ndvi", null)).toBe("0.723");
    expect(sampleText({ value: 10, missing: null }, "land_cover", classes)).toBe("10 · Tree cover");
    expect(sampleText({ value: 50, missing: null }, "land_cover", classes)).toBe("50 · unclassified");
    expect(sampleText({ value: 12, missing: null }, "forest_loss_year", null)).toBe("12 (loss in 2012)");
    expect(sampleText({ value: 0, missing: null }, "forest_loss_year", null)).toBe("0 (no loss)");
    expect(sampleText({ value: 23.456, missing: null }, "canopy_height", metres)).toBe("23.46 m");
    expect(sampleText({ value: null, missing: "outside" }, "ndvi", null)).toBe("outside the raster");
  });

  it("summarises zonal statistics", () => {
    expect(zonalText({ zonal_mean: 0.71, zonal_min: 0.5, zonal_max: 0.83, zonal_pixels: 14 })).toBe("mean 0.71 · min 0.5 · max 0.83 · 14 pixels");
    expect(zonalText({ zonal_mean: null, zonal_min: null, zonal_max: null, zonal_pixels: 1 })).toBe("1 pixel");
    expect(zonalText({ zonal_mean: null, zonal_min: null, zonal_max: null, zonal_pixels: null })).toBeNull();
  });
});
