import { describe, expect, it } from "vitest";
import { formatLonLat, wrapLongitude } from "./coords";

describe("formatLonLat", () => {
  it("prints latitude then longitude with hemispheres and fixed decimals", () => {
    expect(formatLonLat(-47.852134, -15.793421)).toBe("15.79342° S, 47.85213° W");
    expect(formatLonLat(2.35, 48.8566, 6)).toBe("48.856600° N, 2.350000° E");
    expect(formatLonLat(0, 0)).toBe("0.00000°, 0.00000°");
    expect(formatLonLat(NaN, 1)).toBe("—");
  });
});

describe("wrapLongitude", () => {
  it("wraps into the world", () => {
    expect(wrapLongitude(190)).toBe(-170);
    expect(wrapLongitude(-190)).toBe(170);
    expect(wrapLongitude(45)).toBe(45);
    expect(wrapLongitude(180)).toBe(180);
  });
});
