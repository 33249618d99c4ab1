import { describe, expect, it } from "vitest";
import {
  acquiredDate,
  acquiredLabel,
  capList,
  cappedNote,
  checkLabel,
  checksPresent,
  countBySeverity,
  filterFlags,
  flagRowToIndex,
  guessLayerKind,
  LAYER_KINDS,
  layerKindLabel,
  normalizeSeverity,
  severityCountLabel,
  sortFlags,
  worstColour,
  WORST_COLOURS,
  worstSeverity,
} from "./flags";

const f = (row: number, check: string, severity: string) => ({ row, check, severity });

const sample = [
  f(7, "nodata", "medium"),
  f(2, "outside_boundary", "high"),
  f(9, "robust_outlier", "low"),
  f(3, "robust_outlier", "low"),
  f(5, "outside_boundary", "high"),
  f(1, "duplicate_plot", "medium"),
];

describe("severity counts", () => {
  it("counts flags by severity, treating unknown severities as low", () => {
    expect(countBySeverity(sample)).toEqual({ high: 2, medium: 2, low: 2, total: 6 });
    expect(countBySeverity([f(1, "x", "HIGH"), f(2, "x", "weird")])).toEqual({ high: 1, medium: 0, low: 1, total: 2 });
    expect(countBySeverity([])).toEqual({ high: 0, medium: 0, low: 0, total: 0 });
    expect(normalizeSeverity(" Medium ")).toBe("medium");
  });

  it("labels counts for chips", () => {
    expect(severityCountLabel(3, "high")).toBe("3 high");
    expect(severityCountLabel(1200, "low")).toBe("1,200 low");
  });
});

describe("plain words", () => {
  it("names every known check and spells out unknown ones", () => {
    expect(checkLabel("outside_boundary")).toBe("Outside boundary");
    expect(checkLabel("nodata")).toBe("No data");
    expect(checkLabel("land_cover_mismatch")).toBe("Land cover mismatch");
    expect(checkLabel("loss_after_baseline")).toBe("Forest loss after baseline");
    expect(checkLabel("implausible_value")).toBe("Implausible value");
    expect(checkLabel("robust_outlier")).toBe("Outlier");
    expect(checkLabel("duplicate_plot")).toBe("Duplicate plot");
    expect(checkLabel("slope_TOO_steep")).toBe("Slope too steep");
    expect(checkLabel("")).toBe("Other check");
  });

  it("names layer kinds and acquisition dates", () => {
    expect(layerKindLabel("land_cover")).toBe("Land cover");
    expect(layerKindLabel("forest_loss_year")).toBe("Forest loss year");
    expect(layerKindLabel("canopy_height")).toBe("Canopy height");
    expect(layerKindLabel("soil_carbon")).toBe("Soil carbon");
    expect(acquiredLabel("2024-06-01")).toBe("Acquired Jun 1, 2024");
    expect(acquiredLabel("2024-06-01T10:00:00Z")).toBe("Acquired Jun 1, 2024");
    expect(acquiredLabel(null)).toBe("Acquisition date unknown");
    expect(acquiredLabel("  ")).toBe("Acquisition date unknown");
    // The date as written, whatever the zone: never shifted to the next day.
    expect(acquiredDate("2023-12-31T23:00:00Z")).toBe("Dec 31, 2023");
    expect(acquiredDate(undefined)).toBeNull();
  });
});

describe("filtering and ordering", () => {
  it("lists the checks present with counts, by name", () => {
    expect(checksPresent(sample)).toEqual([
      { check: "duplicate_plot", label: "Duplicate plot", count: 1 },
      { check: "nodata", label: "No data", count: 1 },
      { check: "robust_outlier", label: "Outlier", count: 2 },
      { check: "outside_boundary", label: "Outside boundary", count: 2 },
    ]);
    expect(checksPresent([])).toEqual([]);
  });

  it("filters by severity and check together", () => {
    expect(filterFlags(sample, { severity: "all", check: "all" })).toHaveLength(6);
    expect(filterFlags(sample, { severity: "high", check: "all" }).map((x) => x.row)).toEqual([2, 5]);
    expect(filterFlags(sample, { severity: "all", check: "robust_outlier" }).map((x) => x.row)).toEqual([9, 3]);
    expect(filterFlags(sample, { severity: "high", check: "robust_outlier" })).toEqual([]);
  });

  it("sorts most serious first, then by row, without touching the input", () => {
    const before = sample.map((x) => x.row);
    expect(sortFlags(sample).map((x) => `${x.severity}:${x.row}`)).toEqual(["high:2", "high:5", "medium:1", "medium:7", "low:3", "low:9"]);
    expect(sample.map((x) => x.row)).toEqual(before);
  });

  it("caps long lists and says so", () => {
    const many = Array.from({ length: 1234 }, (_, i) => i);
    const c = capList(many, 500);
    expect(c.shown).toHaveLength(500);
    expect(c.shown[499]).toBe(499);
    expect(c.total).toBe(1234);
    expect(c.hidden).toBe(734);
    expect(cappedNote(c)).toMatch(/^Showing 500 of 1,234 flags/);
    const few = capList([1, 2, 3], 500);
    expect(few).toEqual({ shown: [1, 2, 3], total: 3, hidden: 0 });
    expect(cappedNote(few)).toBeNull();
  });
});

describe("flagRowToIndex", () => {
  it("turns 1-based batch rows into clamped 0-based table indices", () => {
    expect(flagRowToIndex(1, 240)).toBe(0);
    expect(flagRowToIndex(240, 240)).toBe(239);
    expect(flagRowToIndex(999, 240)).toBe(239);
    expect(flagRowToIndex(0, 240)).toBe(0);
    expect(flagRowToIndex(5, 0)).toBeNull();
  });
});

describe("worst flags and marker colours", () => {
  it("reads map_points' worst codes", () => {
    expect(worstSeverity(0)).toBeNull();
    expect(worstSeverity(1)).toBe("low");
    expect(worstSeverity(2)).toBe("medium");
    expect(worstSeverity(3)).toBe("high");
    expect(worstSeverity(9)).toBe("high");
    expect(worstSeverity(-1)).toBeNull();
    expect(worstSeverity(NaN)).toBeNull();
  });

  it("colours markers by their worst flag", () => {
    expect(worstColour(3)).toBe(WORST_COLOURS[3]);
    expect(worstColour(0)).toBe(WORST_COLOURS[0]);
    expect(new Set(WORST_COLOURS).size).toBe(4);
    for (const c of WORST_COLOURS) expect(c).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe("layer kinds", () => {
  it("offers every kind with a label", () => {
    expect(LAYER_KINDS).toEqual(["ndvi", "land_cover", "forest_loss_year", "canopy_height", "elevation", "other"]);
    for (const k of LAYER_KINDS) expect(layerKindLabel(k)).not.toBe("");
  });

  it("guesses a kind from a file name", () => {
    expect(guessLayerKind("ndvi-2025-06.tif")).toBe("ndvi");
    expect(guessLayerKind("worldcover-2021.tif")).toBe("land_cover");
    expect(guessLayerKind("ESA_WorldCover_10m.tif")).toBe("land_cover");
    expect(guessLayerKind("forest-loss-year.tif")).toBe("forest_loss_year");
    expect(guessLayerKind("Hansen_GFC-2023-v1.11_lossyear_20S_050W.tif")).toBe("forest_loss_year");
    expect(guessLayerKind("canopy_height_2020.tif")).toBe("canopy_height");
    expect(guessLayerKind("srtm_dem-30m.tif")).toBe("elevation");
    expect(guessLayerKind("demo.tif")).toBeNull();
    expect(guessLayerKind("scene.tif")).toBeNull();
  });
});
