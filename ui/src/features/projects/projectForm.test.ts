import { describe, expect, it } from "vitest";
import { projectFormProblem } from "./projectForm";

const ok = { name: "Mata Atlântica ARR", methodology: "arr-tree-plots", boundary: "/data/boundary.shp", baseline: "" };

describe("add-project form", () => {
  it("accepts a complete form, with or without a baseline", () => {
    expect(projectFormProblem(ok)).toBeNull();
    expect(projectFormProblem({ ...ok, baseline: "2020-12-31" })).toBeNull();
  });

  it("names the first missing or malformed field", () => {
    expect(projectFormProblem({ ...ok, name: "  " })).toMatch(/Name the project/);
    expect(projectFormProblem({ ...ok, methodology: "" })).toMatch(/methodology/);
    expect(projectFormProblem({ ...ok, boundary: "" })).toMatch(/boundary/);
    expect(projectFormProblem({ ...ok, baseline: "31/12/2020" })).toMatch(/not a YYYY-MM-DD date/);
  });
});
