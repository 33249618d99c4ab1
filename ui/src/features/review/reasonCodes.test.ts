import { describe, expect, it } from "vitest";
import { composeReasonCode, describeReasonCode, emptyFinding, findingPayload, findingsProblem, parseRows, subCodeLabel, type Vocabulary } from "./reasonCodes";

/** What the backend's `review_vocabulary` answers (in the tests only). */
const vocabulary: Vocabulary = {
  kinds: [
    { code: "CAR", label: "Corrective action", description: "the data is wrong" },
    { code: "CL", label: "Clarification", description: "evidence is missing or unclear" },
    { code: "FAR", label: "Forward action", description: "fix it in the next period" },
  ],
  sub_codes: ["outside_boundary", "loss_after_baseline", "missing_evidence", "nodata"],
};

describe("reason codes", () => {
  it("composes codes the backend parses", () => {
    expect(composeReasonCode("CAR", "outside_boundary")).toBe("CAR/outside_boundary");
    expect(composeReasonCode("CL", "")).toBe("CL");
  });

  it("describes codes in words from the backend's vocabulary", () => {
    expect(describeReasonCode("CAR/outside_boundary", vocabulary)).toBe("Corrective action · Outside the project boundary");
    expect(describeReasonCode("CL", vocabulary)).toBe("Clarification");
    expect(describeReasonCode("FAR/loss_after_baseline", vocabulary)).toBe("Forward action · Forest loss after baseline");
    expect(describeReasonCode("XYZ/new_thing", vocabulary)).toBe("XYZ · New thing");
    expect(describeReasonCode("CL", null)).toBe("CL");
    expect(subCodeLabel("nodata")).toBe("No data");
  });

  it("reads record ids", () => {
    expect(parseRows(" SDM-0001, SDM-0002 SDM-0001;SDM-0003 ")).toEqual(["SDM-0001", "SDM-0002", "SDM-0003"]);
    expect(parseRows("  ")).toEqual([]);
  });

  it("checks the findings of a rejection", () => {
    const ok = { kind: "CAR", sub: "outside_boundary", text: "Rows 200–204 lie outside the boundary.", rows: "SDM-0200" };
    expect(findingsProblem([ok], vocabulary)).toBeNull();
    expect(findingsProblem([ok, { ...ok, sub: "" }], vocabulary)).toBeNull();
    expect(findingsProblem([], vocabulary)).toMatch(/at least one/);
    expect(findingsProblem([ok, emptyFinding()], vocabulary)).toMatch(/^Finding 2: choose its kind \(CAR, CL, FAR\)/);
    expect(findingsProblem([{ ...ok, kind: "car" }], vocabulary)).toMatch(/kind/);
    expect(findingsProblem([{ ...ok, sub: "bogus" }], vocabulary)).toMatch(/bogus/);
    expect(findingsProblem([{ ...ok, text: "   " }], vocabulary)).toMatch(/what is wrong/);
    expect(findingsProblem([ok], null)).toMatch(/loading/);
    expect(findingPayload({ ...ok, rows: "SDM-0200, SDM-0201" })).toEqual({
      code: "CAR/outside_boundary",
      text: "Rows 200–204 lie outside the boundary.",
      record_ids: ["SDM-0200", "SDM-0201"],
    });
  });
});
