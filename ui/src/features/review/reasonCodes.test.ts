import { describe, expect, it } from "vitest";
import { composeReasonCode, describeReasonCode, REASON_KINDS, rejectProblem, SUB_CODES, subCodeLabel } from "./reasonCodes";

describe("reason codes", () => {
  it("composes codes the backend parses", () => {
    expect(composeReasonCode("CAR", "outside_boundary")).toBe("CAR/outside_boundary");
    expect(composeReasonCode("CL", "")).toBe("CL");
    expect(REASON_KINDS.map((k) => k.code)).toEqual(["CAR", "CL", "FAR"]);
    expect(SUB_CODES).toContain("missing_evidence");
    expect(SUB_CODES).toHaveLength(9);
  });

  it("describes codes in words", () => {
    expect(describeReasonCode("CAR/outside_boundary")).toBe("Corrective action · Outside the project boundary");
    expect(describeReasonCode("CL")).toBe("Clarification");
    expect(describeReasonCode("FAR/loss_after_baseline")).toBe("Forward action · Forest loss after baseline");
    expect(describeReasonCode("XYZ/new_thing")).toBe("XYZ · New thing");
    expect(subCodeLabel("nodata")).toBe("No data");
  });

  it("checks the rejection form", () => {
    const ok = { kind: "CAR", sub: "outside_boundary", reason: "Rows 200–204 lie outside the boundary." };
    expect(rejectProblem(ok)).toBeNull();
    expect(rejectProblem({ ...ok, sub: "" })).toBeNull();
    expect(rejectProblem({ ...ok, kind: "" })).toMatch(/finding/);
    expect(rejectProblem({ ...ok, kind: "car" })).toMatch(/finding/);
    expect(rejectProblem({ ...ok, sub: "bogus" })).toMatch(/bogus/);
    expect(rejectProblem({ ...ok, reason: "   " })).toMatch(/reason/);
  });
});
