import { describe, expect, it } from "vitest";
import { latestPeriod, parsePeriod, proposedPeriod } from "./periods";

describe("periods", () => {
  it("splits a period", () => {
    expect(parsePeriod("2025-01-01..2025-12-31")).toEqual({ start: "2025-01-01", end: "2025-12-31" });
    expect(parsePeriod("2025")).toBeNull();
  });

  it("finds the project's latest period whatever the order", () => {
    expect(latestPeriod(["2023-01-01..2023-12-31", "2026-01-01..2026-06-30", "2024-01-01..2024-12-31"])).toBe("2026-01-01..2026-06-30");
    expect(latestPeriod(["2026-01-01..2026-12-31", "2026-07-01..2026-12-31"])).toBe("2026-07-01..2026-12-31");
    expect(latestPeriod(["junk", "2022-01-01..2022-12-31"])).toBe("2022-01-01..2022-12-31");
    expect(latestPeriod([])).toBeNull();
    expect(latestPeriod(["junk"])).toBeNull();
  });

  it("proposes the latest period, or the current year for a project without one", () => {
    const today = new Date(2031, 4, 17);
    expect(proposedPeriod(["2027-04-01..2028-03-31", "2026-04-01..2027-03-31"], today)).toEqual({ start: "2027-04-01", end: "2028-03-31" });
    expect(proposedPeriod([], today)).toEqual({ start: "2031-01-01", end: "2031-12-31" });
  });
});
