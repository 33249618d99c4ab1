import { describe, expect, it } from "vitest";
import { estimateTextWidth, overlaps, placeGraticuleLabels, type Rect } from "./graticule";

const w = () => 60;

describe("placeGraticuleLabels", () => {
  it("keeps labels whole inside the map", () => {
    const placed = placeGraticuleLabels([{ text: "48° W", at: 2 }, { text: "47° W", at: 398 }], [{ text: "15° S", at: 299 }], 400, 300, [], w);
    expect(placed).toHaveLength(3);
    for (const p of placed) {
      expect(p.left).toBeGreaterThanOrEqual(0);
      expect(p.left + 60).toBeLessThanOrEqual(400);
      expect(p.top + 16).toBeLessThanOrEqual(300);
    }
  });
  it("moves a label off the status pill, below it", () => {
    const pill: Rect = { left: 150, top: 10, right: 250, bottom: 32 };
    const [p] = placeGraticuleLabels([{ text: "47.5° W", at: 200 }], [], 400, 300, [pill], w);
    expect(p!.top).toBeGreaterThanOrEqual(32);
    expect(overlaps({ left: p!.left, top: p!.top, right: p!.left + 60, bottom: p!.top + 16 }, pill)).toBe(false);
  });
  it("moves latitude labels right of the zoom buttons", () => {
    const zoom: Rect = { left: 10, top: 10, right: 36, bottom: 92 };
    const [p] = placeGraticuleLabels([], [{ text: "15° S", at: 50 }], 400, 300, [zoom], w);
    expect(p!.left).toBeGreaterThanOrEqual(36);
  });
  it("drops labels that would overlap each other", () => {
    const placed = placeGraticuleLabels([{ text: "a", at: 100 }, { text: "b", at: 120 }, { text: "c", at: 200 }], [], 400, 300, [], w);
    expect(placed.map((p) => p.text)).toEqual(["a", "c"]);
  });
  it("skips lines off the map", () => {
    expect(placeGraticuleLabels([{ text: "x", at: -5 }], [{ text: "y", at: 400 }], 400, 300, [], w)).toEqual([]);
  });
  it("estimates widths", () => expect(estimateTextWidth("47.5° W")).toBeGreaterThan(40));
});
