import { describe, expect, it } from "vitest";
import { decodePackedPoints } from "./packedPoints";

/** Packs columns the way src-tauri/src/map.rs does (its own tests pin the same offsets). */
function pack(batchId: number, lon: number[], lat: number[], claimed: number[], worst: number[]): ArrayBuffer {
  const n = lon.length;
  const buffer = new ArrayBuffer(24 + 25 * n);
  const v = new DataView(buffer);
  "MRVP".split("").forEach((c, i) => v.setUint8(i, c.charCodeAt(0)));
  v.setUint32(4, 1, true);
  v.setUint32(8, n, true);
  v.setBigInt64(16, BigInt(batchId), true);
  [lon, lat, claimed].forEach((col, k) => col.forEach((x, i) => v.setFloat64(24 + 8 * n * k + 8 * i, x, true)));
  worst.forEach((w, i) => v.setUint8(24 + 24 * n + i, w));
  return buffer;
}

describe("decodePackedPoints", () => {
  it("reads every column at its offset, NaN for what is missing", () => {
    const p = decodePackedPoints(pack(42, [11.25, -0.5, NaN], [47.125, 51, NaN], [1.5, NaN, 1e300], [0, 3, 2]));
    expect(p.batchId).toBe(42);
    expect([...p.lon.slice(0, 2)]).toEqual([11.25, -0.5]);
    expect(Number.isNaN(p.lon[2]!)).toBe(true);
    expect([...p.lat.slice(0, 2)]).toEqual([47.125, 51]);
    expect(p.claimed_tco2e[0]).toBe(1.5);
    expect(Number.isNaN(p.claimed_tco2e[1]!)).toBe(true);
    expect(p.claimed_tco2e[2]).toBe(1e300);
    expect([...p.worst]).toEqual([0, 3, 2]);
  });

  it("wraps the received buffer without copying it", () => {
    const buffer = pack(1, [1, 2], [3, 4], [5, 6], [1, 0]);
    const p = decodePackedPoints(buffer);
    expect(p.lon.buffer).toBe(buffer);
    expect(p.worst.buffer).toBe(buffer);
  });

  it("reads an empty batch", () => {
    const p = decodePackedPoints(pack(7, [], [], [], []));
    expect(p.lon.length).toBe(0);
    expect(p.worst.length).toBe(0);
  });

  it("refuses a message that is not packed points, of another version, or cut short", () => {
    expect(() => decodePackedPoints(new ArrayBuffer(3))).toThrow(/shorter than the 24-byte header/);
    const wrongMagic = pack(1, [1], [2], [3], [0]);
    new DataView(wrongMagic).setUint8(0, 0x58);
    expect(() => decodePackedPoints(wrongMagic)).toThrow(/does not start with MRVP/);
    const v2 = pack(1, [1], [2], [3], [0]);
    new DataView(v2).setUint32(4, 2, true);
    expect(() => decodePackedPoints(v2)).toThrow(/layout version 2/);
    const cut = pack(1, [1, 2], [3, 4], [5, 6], [0, 0]).slice(0, 60);
    expect(() => decodePackedPoints(cut)).toThrow(/2 rows need 74 bytes, the message has 60/);
  });
});
