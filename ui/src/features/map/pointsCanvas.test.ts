import { describe, expect, it } from "vitest";
import { countInExtent, CROWDED, CROWDED_RADIUS, makeSprite, MARKER_RADIUS, markerRadius, packPixel, parseHex, stamp } from "./pointsCanvas";
import { projectPoints } from "./points";

/** Bytes of a packed pixel as they sit in ImageData (R, G, B, A). */
function bytes(pixel: number): number[] {
  return [...new Uint8Array(Uint32Array.from([pixel]).buffer)];
}

describe("colours", () => {
  it("parses hex colours", () => {
    expect(parseHex("#d7301f")).toEqual([0xd7, 0x30, 0x1f]);
    expect(parseHex(" #FFFFFF ")).toEqual([255, 255, 255]);
    expect(parseHex("red")).toEqual([0, 0, 0]);
  });

  it("packs pixels in ImageData byte order", () => {
    expect(bytes(packPixel([1, 2, 3]))).toEqual([1, 2, 3, 255]);
  });
});

describe("sprites", () => {
  it("makes a symmetric disc with an edge and a filled middle", () => {
    const s = makeSprite(4, "#ff0000", "#000000");
    const at = (x: number, y: number) => {
      for (let k = 0; k < s.pixel.length; k++) if (s.dx[k] === x && s.dy[k] === y) return s.pixel[k];
      return undefined;
    };
    expect(at(0, 0)).toBe(packPixel([255, 0, 0]));
    expect(at(3, 0)).toBe(packPixel([0, 0, 0]));
    expect(at(-3, 0)).toBe(packPixel([0, 0, 0]));
    expect(at(4, 4)).toBeUndefined();
    expect(s.pixel.length).toBeGreaterThan(25);
  });

  it("gives tiny discs no edge, so a crowd keeps its colour", () => {
    const s = makeSprite(2, "#2b83ba", "#000000");
    expect(new Set(s.pixel)).toEqual(new Set([packPixel([0x2b, 0x83, 0xba])]));
  });

  it("stamps with clipping at the buffer's edges", () => {
    const s = makeSprite(2, "#ffffff", "#ffffff");
    const buf = new Uint32Array(4 * 3);
    stamp(buf, 4, 3, 0, 0, s);
    expect(buf[0]).toBe(packPixel([255, 255, 255]));
    expect(buf[1]).toBe(packPixel([255, 255, 255]));
    expect(buf[3]).toBe(0);
    expect(buf[11]).toBe(0);
    // Entirely outside: nothing written, nothing thrown.
    stamp(buf, 4, 3, 50, 50, s);
  });
});

describe("markers", () => {
  it("shrinks unflagged points only when crowded", () => {
    expect(markerRadius(0, 10)).toBe(MARKER_RADIUS[0]);
    expect(markerRadius(0, CROWDED + 1)).toBe(CROWDED_RADIUS);
    expect(markerRadius(3, CROWDED + 1)).toBe(MARKER_RADIUS[3]);
    expect(MARKER_RADIUS[3]).toBeGreaterThan(MARKER_RADIUS[0]!);
  });

  it("counts the points in an extent, skipping rows without a position", () => {
    const p = projectPoints([0, 0.001, 10, null], [0, 0.001, 10, null], [0, 0, 0, 0]);
    expect(countInExtent(p, [-1, -1, 200, 200], 0)).toBe(2);
    expect(countInExtent(p, [-1, -1, 1, 1], 1e7)).toBe(3);
  });
});

describe("marker size", () => {
  it("scales every radius", () => {
    expect(markerRadius(3, 10, 2)).toBe(MARKER_RADIUS[3]! * 2);
    expect(markerRadius(0, CROWDED + 1, 0.5)).toBe(CROWDED_RADIUS * 0.5);
  });
});
