import { describe, expect, it } from "vitest";
import { clampScale, defaultSettings, loadSettings, parseSettings, saveSettings, STORAGE_KEY } from "./mapSettings";

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe("map settings", () => {
  it("defaults to everything shown at normal size", () => {
    expect(parseSettings(null)).toEqual(defaultSettings());
    expect(parseSettings("not json")).toEqual(defaultSettings());
    expect(parseSettings("42")).toEqual(defaultSettings());
  });
  it("round-trips through storage", () => {
    const store = memory();
    const s = defaultSettings();
    s.layers.basemap = false;
    s.markerScale = 1.5;
    s.panelOpen = false;
    saveSettings(s, store);
    expect(store.m.has(STORAGE_KEY)).toBe(true);
    expect(loadSettings(store)).toEqual(s);
  });
  it("keeps good fields of a damaged record", () => {
    const s = parseSettings(JSON.stringify({ layers: { points: false, overlay: "no" }, markerScale: 99 }));
    expect(s.layers).toEqual({ basemap: true, overlay: true, boundary: true, points: false });
    expect(s.markerScale).toBe(2.5);
  });
  it("clamps marker scale", () => {
    expect(clampScale(0.1)).toBe(0.5);
    expect(clampScale("1.234")).toBe(1.23);
    expect(clampScale(NaN)).toBe(1);
  });
  it("survives storage that throws", () => {
    const bad = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("full"); } };
    expect(loadSettings(bad)).toEqual(defaultSettings());
    expect(() => saveSettings(defaultSettings(), bad)).not.toThrow();
  });
});
