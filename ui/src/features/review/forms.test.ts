import { describe, expect, it } from "vitest";
import { highFlags, isRefusal, justificationProblem, justificationTargets, justificationsToSend, parseProofRow, unjustified } from "./forms";

const flags = [
  { flag_id: 11, row: 17, severity: "high" },
  { flag_id: 12, row: 33, severity: "HIGH" },
  { flag_id: 13, row: 5, severity: "medium" },
  { flag_id: 14, row: 200, severity: "high" },
];

describe("approval justifications", () => {
  it("ask for one per open high-severity flag, in order", () => {
    const high = highFlags(flags);
    expect(high.map((f) => f.flag_id)).toEqual([11, 12, 14]);
    expect(unjustified(high, { 11: "ok", 12: "  " }).map((f) => f.row)).toEqual([33, 200]);
    expect(justificationProblem(high, { 11: "ok", 12: "  " })).toBe("Write a justification for each high-severity flag and material row: rows 33 and 200 have none yet.");
    expect(justificationProblem(high, { 11: "a", 12: "b" })).toBe("Write a justification for each high-severity flag and material row: row 200 has none yet.");
    expect(justificationProblem(high, { 11: "a", 12: "b", 14: "c" })).toBeNull();
    expect(justificationProblem([], {})).toBeNull();
  });

  it("ask for one per material row too, on its first flag unless a high flag covers it", () => {
    const withLow = [...flags, { flag_id: 15, row: 9, severity: "low" }, { flag_id: 16, row: 9, severity: "medium" }];
    const material = [
      { row: 9, flag_ids: [15, 16] },
      { row: 17, flag_ids: [11] },
    ];
    const targets = justificationTargets(withLow, material);
    expect(targets.map((t) => [t.flag.flag_id, t.material])).toEqual([
      [11, true],
      [12, false],
      [14, false],
      [15, true],
    ]);
    // A 22 % outlier flagged low: its row needs a text before the approval is sent.
    const flagsOnly = targets.map((t) => t.flag);
    expect(justificationProblem(flagsOnly, { 11: "a", 12: "b", 14: "c" })).toBe("Write a justification for each high-severity flag and material row: row 9 has none yet.");
    expect(justificationsToSend(flagsOnly, { 11: "a", 12: "b", 14: "c", 15: " re-measured " })).toContainEqual({ flag_id: 15, text: "re-measured" });
    expect(justificationTargets(withLow, []).map((t) => t.flag.flag_id)).toEqual([11, 12, 14]);
  });

  it("shorten a long list", () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ flag_id: i, row: i + 1, severity: "high" }));
    expect(justificationProblem(many, {})).toBe("Write a justification for each high-severity flag and material row: rows 1, 2, 3, 4, 5, 6, 7 and 8 and 4 more have none yet.");
  });

  it("send trimmed texts by flag id", () => {
    expect(justificationsToSend(highFlags(flags), { 11: " replanted 2024 ", 12: "x", 14: "y" })).toEqual([
      { flag_id: 11, text: "replanted 2024" },
      { flag_id: 12, text: "x" },
      { flag_id: 14, text: "y" },
    ]);
  });
});

describe("row proof", () => {
  it("takes an optional row within the batch", () => {
    expect(parseProofRow("", 240)).toEqual({ ok: true, row: null });
    expect(parseProofRow(" 17 ", 240)).toEqual({ ok: true, row: 17 });
    expect(parseProofRow(240, 240)).toEqual({ ok: true, row: 240 });
    for (const bad of ["0", "241", "1.5", "-3", "x"]) expect(parseProofRow(bad, 240)).toMatchObject({ ok: false, problem: expect.stringMatching(/1 to 240/) });
  });
});

describe("refusals", () => {
  it("are what no form can fix", () => {
    expect(["forbidden", "conflict", "not_found"].every(isRefusal)).toBe(true);
    expect(["invalid_input", "io", "internal", "unexpected"].some(isRefusal)).toBe(false);
  });
});
