import { describe, expect, it } from "vitest";
import { classesInPixels, classLabel, nameClassesInExplanation, classSwatches, defaultOverlayLayer, degreesLabel, isClasses, rampLegend, swatchesByPresence } from "./legend";

const stop = (value: number | null, label: string, colour: string) => ({ value, label, colour });

describe("rampLegend", () => {
  it("places stops along the bar in proportion to their values", () => {
    const legend = rampLegend([stop(-0.2, "-0.2", "#8c510a"), stop(0.2, "0.2", "#dfc27d"), stop(1, "1", "#00441b")]);
    expect(legend).not.toBeNull();
    expect(legend!.gradient).toBe("linear-gradient(to right, #8c510a 0%, #dfc27d 33.333%, #00441b 100%)");
    expect(legend!.ticks).toEqual([
      { label: "-0.2", percent: 0 },
      { label: "0.2", percent: 33.333 },
      { label: "1", percent: 100 },
    ]);
  });

  it("sorts stops and drops those without a value", () => {
    const legend = rampLegend([stop(23, "2023", "#bd0026"), stop(null, "?", "#000000"), stop(1, "2001", "#ffffb2")]);
    expect(legend!.ticks.map((t) => t.label)).toEqual(["2001", "2023"]);
    expect(legend!.gradient.startsWith("linear-gradient(to right, #ffffb2 0%")).toBe(true);
  });

  it("draws a single stop as a solid bar, and nothing without stops", () => {
    expect(rampLegend([stop(5, "5", "#123456")])!.gradient).toBe("linear-gradient(to right, #123456 0%, #123456 100%)");
    expect(rampLegend([])).toBeNull();
  });
});

describe("classSwatches", () => {
  it("keeps the order and falls back to the value for a missing label", () => {
    expect(classSwatches([stop(10, "Tree cover", "#006400"), stop(40, " ", "#f096ff")])).toEqual([
      { value: 10, label: "10 · Tree cover", colour: "#006400" },
      { value: 40, label: "40", colour: "#f096ff" },
    ]);
    expect(isClasses("classes")).toBe(true);
    expect(isClasses("ramp")).toBe(false);
  });
});

describe("defaultOverlayLayer", () => {
  it("prefers the first NDVI layer", () => {
    const layers = [
      { id: 4, kind: "land_cover" },
      { id: 7, kind: "ndvi" },
      { id: 9, kind: "ndvi" },
    ];
    expect(defaultOverlayLayer(layers)).toBe(7);
    expect(defaultOverlayLayer([{ id: 4, kind: "land_cover" }])).toBe(4);
    expect(defaultOverlayLayer([])).toBeNull();
    expect(defaultOverlayLayer(null)).toBeNull();
  });
});

describe("degreesLabel", () => {
  it("labels graticule lines with hemispheres", () => {
    expect(degreesLabel(-47.85, "lon")).toBe("47.85° W");
    expect(degreesLabel(12.5, "lon")).toBe("12.5° E");
    expect(degreesLabel(-24.1666666, "lat")).toBe("24.1667° S");
    expect(degreesLabel(0, "lat")).toBe("0°");
  });
});

describe("class labels and presence", () => {
  it("labels classes code · name", () => {
    expect(classLabel(40, "Cropland")).toBe("40 · Cropland");
    expect(classLabel(40, "")).toBe("40");
    expect(classLabel(null, "Other")).toBe("Other");
  });
  const swatches = [
    { value: 10, label: "10 · Tree cover", colour: "#006400" },
    { value: 40, label: "40 · Cropland", colour: "#f096ff" },
    { value: 80, label: "80 · Water", colour: "#0064c8" },
  ];
  it("puts classes in view first, keeping the style's order", () => {
    const ordered = swatchesByPresence(swatches, new Set([80, 10]));
    expect(ordered.map((s) => [s.value, s.inView])).toEqual([
      [10, true],
      [80, true],
      [40, false],
    ]);
    expect(swatchesByPresence(swatches, null).every((s) => s.inView)).toBe(true);
  });
  it("finds class colours in pixels, ignoring transparent ones", () => {
    const px = [0, 100, 200, 255, 240, 150, 255, 0, 1, 99, 1, 255];
    expect([...classesInPixels(px, swatches)].sort()).toEqual([10, 80]);
    expect([...classesInPixels([0, 100, 0, 255], swatches)]).toEqual([10]);
  });
});

describe("nameClassesInExplanation", () => {
  const stops = [stop(10, "Tree cover", "#006400"), stop(20, "Shrubland", "#ffbb22"), stop(40, "Cropland", "#f096ff")];
  it("names the class found and the classes allowed", () => {
    expect(nameClassesInExplanation("layer `WC` shows land-cover class 40, not one the methodology allows (10, 20, 95)", stops)).toBe(
      "layer `WC` shows land-cover class 40 · Cropland, not one the methodology allows (10 · Tree cover, 20 · Shrubland, 95)",
    );
  });
  it("leaves other text and unnamed styles alone", () => {
    expect(nameClassesInExplanation("same position as row 3", stops)).toBe("same position as row 3");
    expect(nameClassesInExplanation("shows land-cover class 40", [])).toBe("shows land-cover class 40");
  });
});
