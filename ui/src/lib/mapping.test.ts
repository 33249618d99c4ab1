import { describe, expect, it } from "vitest";
import { fieldOptions, initialChoices, KEEP_EXTRA, mappingDiff, missingRequired, unmappableChoices } from "./mapping";

const columns = ["plot", "DBH_cm", "height", "lon", "lat", "notes"];
const matched = ["plot_id", null, "height_m", "lon", "lat", null];

describe("mappingDiff", () => {
  it("is empty when nothing changed", () => {
    expect(mappingDiff(columns, matched, initialChoices(columns, matched))).toEqual([]);
  });

  it("includes only the columns whose choice differs from the auto match", () => {
    const chosen = initialChoices(columns, matched);
    chosen[1] = "dbh_cm";
    chosen[2] = "crown_m";
    expect(mappingDiff(columns, matched, chosen)).toEqual([
      { source: "DBH_cm", field: "dbh_cm" },
      { source: "height", field: "crown_m" },
    ]);
  });

  it("leaves out columns moved to keep-as-extra (not expressible) and those picked back to the auto match", () => {
    const chosen = initialChoices(columns, matched);
    chosen[0] = KEEP_EXTRA;
    chosen[3] = "lon";
    expect(mappingDiff(columns, matched, chosen)).toEqual([]);
    expect(unmappableChoices(columns, matched, chosen)).toEqual(["plot"]);
  });

  it("treats missing choices as unchanged", () => {
    expect(mappingDiff(columns, matched, [])).toEqual([]);
  });
});

describe("fieldOptions", () => {
  it("lists profile fields then coordinates without duplicates", () => {
    expect(fieldOptions(["plot_id", "lon", "dbh_cm"])).toEqual(["plot_id", "lon", "dbh_cm", "lat", "x", "y"]);
  });
});

describe("missingRequired", () => {
  it("lists required fields until a column is chosen for each", () => {
    const required = ["plot_id", "date", "dbh_cm"];
    expect(missingRequired(required, ["", "date", ""])).toEqual(["plot_id", "dbh_cm"]);
    expect(missingRequired(required, ["plot_id", "date", "dbh_cm"])).toEqual([]);
  });
});
