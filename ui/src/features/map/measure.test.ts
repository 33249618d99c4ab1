import { describe, expect, it } from "vitest";
import { AUTHALIC_RADIUS, formatArea, formatDistance, geodesicDistance, pathLength, polygonArea } from "./measure";

const dms = (d: number, m: number, s: number) => Math.sign(d) * (Math.abs(d) + m / 60 + s / 3600);

describe("geodesicDistance", () => {
  it("matches Vincenty's published Flinders Peak – Buninyong example (54 972.271 m)", () => {
    const flinders = [dms(144, 25, 29.5244), dms(-37, 57, 3.7203)] as const;
    const buninyong = [dms(143, 55, 35.3839), dms(-37, 39, 10.1561)] as const;
    expect(geodesicDistance(flinders, buninyong)).toBeCloseTo(54972.271, 2);
  });
  it("gives the WGS84 quarter meridian (10 001 965.729 m)", () => {
    expect(geodesicDistance([0, 0], [0, 90])).toBeCloseTo(10001965.729, 2);
  });
  it("gives one degree of longitude on the equator (111 319.49 m)", () => {
    expect(geodesicDistance([0, 0], [1, 0])).toBeCloseTo(111319.491, 2);
  });
  it("is zero for the same point and symmetric", () => {
    expect(geodesicDistance([10, 10], [10, 10])).toBe(0);
    expect(geodesicDistance([10, 10], [11, 12])).toBeCloseTo(geodesicDistance([11, 12], [10, 10]), 6);
  });
  it("falls back to a great circle for antipodal points", () => {
    const d = geodesicDistance([0, 0], [180, 0]);
    expect(d).toBeGreaterThan(19_900_000);
    expect(d).toBeLessThan(20_040_000);
  });
});

describe("pathLength", () => {
  it("adds the legs of a polyline", () => {
    expect(pathLength([[0, 0], [1, 0], [2, 0]])).toBeCloseTo(2 * 111319.491, 1);
    expect(pathLength([[0, 0]])).toBe(0);
    expect(pathLength([])).toBe(0);
  });
});

describe("polygonArea", () => {
  it("gives a one-degree cell on the equator (≈ 12 308.8 km²)", () => {
    const area = polygonArea([[0, 0], [1, 0], [1, 1], [0, 1]]);
    expect(Math.abs(area - 12_308_778_361) / 12_308_778_361).toBeLessThan(5e-4);
  });
  it("gives about one hectare for a 100 m square at the equator, either winding, closed or not", () => {
    const d = 100 / 111319.491;
    const dLat = 100 / 110574.3;
    const ring = [[0, 0], [d, 0], [d, dLat], [0, dLat]] as [number, number][];
    expect(polygonArea(ring)).toBeCloseTo(10_000, -1);
    expect(polygonArea([...ring].reverse())).toBeCloseTo(polygonArea(ring), 6);
    expect(polygonArea([...ring, ring[0]!])).toBeCloseTo(polygonArea(ring), 6);
  });
  it("gives the northern hemisphere as half the ellipsoid's area", () => {
    const half = 2 * Math.PI * AUTHALIC_RADIUS * AUTHALIC_RADIUS;
    expect(half).toBeCloseTo(255_052_000_000_000, -12);
  });
  it("is zero for fewer than three points", () => {
    expect(polygonArea([[0, 0], [1, 1]])).toBe(0);
  });
});

describe("formatting", () => {
  it("words distances", () => {
    expect(formatDistance(5.25)).toBe("5.3 m");
    expect(formatDistance(850)).toBe("850 m");
    expect(formatDistance(12_400)).toBe("12.40 km");
    expect(formatDistance(1_234_000)).toBe("1,234 km");
  });
  it("words areas", () => {
    expect(formatArea(950)).toBe("950 m²");
    expect(formatArea(23_500)).toBe("2.35 ha");
    expect(formatArea(123_000_000)).toBe("12,300 ha");
    expect(formatArea(NaN)).toBe("—");
  });
});
