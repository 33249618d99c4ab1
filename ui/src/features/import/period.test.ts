import { describe, expect, it } from "vitest";
import { parsePeriod } from "./period";

describe("periods", () => {
  it("splits a batch's period", () => {
    expect(parsePeriod("2025-01-01..2025-12-31")).toEqual({ start: "2025-01-01", end: "2025-12-31" });
    expect(parsePeriod(" 2025-01-01 .. 2025-06-30 ")).toEqual({ start: "2025-01-01", end: "2025-06-30" });
    expect(parsePeriod("2025")).toBeNull();
    expect(parsePeriod("")).toBeNull();
  });
});
