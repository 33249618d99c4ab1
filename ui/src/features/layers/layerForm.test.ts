import { describe, expect, it } from "vitest";
import { fileName, fileStem, isIsoDate, layerFormProblem, parseBand } from "./layerForm";

const ok = { projectId: 1, path: "/data/ndvi.tif", kind: "ndvi", name: "NDVI", band: "1", date: "" };

describe("layer form", () => {
  it("takes names from paths", () => {
    expect(fileStem("/data/ndvi-2025-06.tif")).toBe("ndvi-2025-06");
    expect(fileStem("C:\\data\\worldcover.v2.tif")).toBe("worldcover.v2");
    expect(fileStem(".hidden")).toBe(".hidden");
    expect(fileStem("")).toBe("");
    expect(fileName(" /a/b/c.tif ")).toBe("c.tif");
  });

  it("checks dates and bands", () => {
    expect(isIsoDate("2025-06-15")).toBe(true);
    expect(isIsoDate("2025-02-30")).toBe(false);
    expect(isIsoDate("15/06/2025")).toBe(false);
    expect(parseBand("2")).toBe(2);
    expect(parseBand(3)).toBe(3);
    expect(parseBand("0")).toBeNull();
    expect(parseBand("1.5")).toBeNull();
    expect(parseBand("")).toBeNull();
  });

  it("explains what is missing", () => {
    expect(layerFormProblem(ok)).toBeNull();
    expect(layerFormProblem({ ...ok, date: "2025-06-15" })).toBeNull();
    expect(layerFormProblem({ ...ok, projectId: null })).toMatch(/project/);
    expect(layerFormProblem({ ...ok, path: " " })).toMatch(/path/);
    expect(layerFormProblem({ ...ok, name: "" })).toMatch(/name/);
    expect(layerFormProblem({ ...ok, band: "x" })).toMatch(/band/);
    expect(layerFormProblem({ ...ok, date: "June" })).toMatch(/YYYY-MM-DD/);
  });
});
