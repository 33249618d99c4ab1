import { describe, expect, it } from "vitest";
import { hasRecordIds, neutralizeFormula, recordIdOf, reportText, type ReportProblem } from "./importReport";

const problem = (over: Partial<ReportProblem> = {}): ReportProblem => ({ file: "plots.csv", row: 7, column: "dbh_cm", value: "abc", rule: "must be a number (use `.` as decimal separator)", ...over });

describe("import report", () => {
  it("names each row's record id when the report has it", () => {
    const withId = problem({ record_id: "P-0042" });
    expect(recordIdOf(withId)).toBe("P-0042");
    expect(recordIdOf(problem())).toBeNull();
    expect(recordIdOf(problem({ record_id: " " }))).toBeNull();
    expect(hasRecordIds([problem(), withId])).toBe(true);
    expect(hasRecordIds([problem()])).toBe(false);
  });

  it("keeps values a spreadsheet would run as text", () => {
    expect(neutralizeFormula('=HYPERLINK("x")')).toBe("'=HYPERLINK(\"x\")");
    expect(neutralizeFormula("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(neutralizeFormula("-47.5")).toBe("-47.5");
    expect(neutralizeFormula("+1")).toBe("+1");
    expect(neutralizeFormula("-cmd|' /C calc'!A0")).toBe("'-cmd|' /C calc'!A0");
  });

  it("copies as a heading and a tab-separated table", () => {
    const text = reportText({ problems: [problem({ value: "a\tb\nc" })], total: 3 }, "plots.csv was not imported");
    expect(text.split("\n")).toEqual([
      "plots.csv was not imported",
      "File\tRow\tRecord\tColumn\tValue\tProblem",
      "plots.csv\t7\t\tdbh_cm\ta b c\tmust be a number (use . as decimal separator)",
      "… and 2 more problems not listed in the report",
      "",
    ]);
  });
});
