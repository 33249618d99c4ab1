import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

import { classText, crsText, identifyAt, identifyValueText } from "./identify";

describe("identifyAt", () => {
  beforeEach(() => {
    invoke.mockReset();
  });
  it("calls map_identify with the batch and position", async () => {
    const answer = { lon: 1, lat: 2, crs: null, x: null, y: null, layers: [] };
    invoke.mockResolvedValue(answer);
    await expect(identifyAt(4, 1, 2)).resolves.toEqual(answer);
    expect(invoke).toHaveBeenCalledWith("map_identify", { batchId: 4, lon: 1, lat: 2 });
  });
  it("rejects when the command fails", async () => {
    invoke.mockImplementation(async () => {
      throw { code: "not_found", message: "No such batch" };
    });
    const error = await identifyAt(4, 1, 2).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toEqual({ code: "not_found", message: "No such batch" });
  });
});

describe("words", () => {
  it("reads each status", () => {
    expect(identifyValueText({ status: "value", value: 40, class_label: "Cropland" })).toBe("40 · Cropland");
    expect(identifyValueText({ status: "value", value: 0.71, class_label: null })).toBe("0.71");
    expect(identifyValueText({ status: "nodata", value: null, class_label: null })).toBe("no data here");
    expect(identifyValueText({ status: "outside", value: null, class_label: null })).toBe("outside the raster");
  });
  it("names classes code · name", () => {
    expect(classText(40, "Cropland")).toBe("40 · Cropland");
    expect(classText(40, " ")).toBe("40");
    expect(classText(40, "40")).toBe("40");
  });
  it("prints the CRS position", () => {
    expect(crsText({ crs: "EPSG:32722", x: 512345.123, y: 8345678.9 })).toBe("EPSG:32722 · 512,345.12, 8,345,678.90");
    expect(crsText({ crs: null, x: null, y: null })).toBeNull();
  });
});
