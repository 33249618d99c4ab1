import { describe, expect, it } from "vitest";
import { saveState } from "./importReportSave";

describe("saveState", () => {
  it("offers to replace only a file that exists", () => {
    expect(saveState.failed("conflict", "x.csv already exists")).toEqual({ kind: "exists", message: "x.csv already exists" });
    expect(saveState.failed("invalid_input", "x.csv is a symbolic link")).toEqual({ kind: "failed", message: "x.csv is a symbolic link" });
    expect(saveState.failed("io", "no space")).toEqual({ kind: "failed", message: "no space" });
  });
  it("says where the file went", () => {
    expect(saveState.saved("/tmp/a-problems.csv")).toEqual({ kind: "saved", path: "/tmp/a-problems.csv" });
  });
});
