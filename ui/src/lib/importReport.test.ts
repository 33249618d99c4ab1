import { describe, expect, it } from "vitest";
import { csvField, hasRecordIds, neutralizeFormula, recordIdOf, reportCsv, reportFileName, reportText, type ReportProblem } from "./importReport";

const problem = (over: Partial<ReportProblem> = {}): ReportProblem => ({ file: "plots.csv", row: 7, column: "dbh_cm", value: "abc", rule: "must be a number (use `.` as decimal separator)", ...over });

describe("import report", () => {
  it("writes CSV with a header, plain rules and quoting", () => {
    const csv = reportCsv({ problems: [problem(), problem({ row: null, column: null, value: 'say "hi", then', rule: "missing column `plot_id`" })], total: 2 });
    expect(csv).toBe(
      "File,Row,Record,Column,Value,Problem\r\n" +
        "plots.csv,7,,dbh_cm,abc,must be a number (use . as decimal separator)\r\n" +
        'plots.csv,,,,"say ""hi"", then",missing column plot_id\r\n',
    );
  });

  it("says how many problems the report leaves out", () => {
    const csv = reportCsv({ problems: [problem()], total: 120 });
    expect(csv.trimEnd().split("\r\n").pop()).toBe(",,,,,and 119 more problems not listed in the report");
  });

  it("names each row's record id when the report has it", () => {
    const withId = problem({ record_id: "P-0042" });
    expect(recordIdOf(withId)).toBe("P-0042");
    expect(recordIdOf(problem())).toBeNull();
    expect(recordIdOf(problem({ record_id: " " }))).toBeNull();
    expect(hasRecordIds([problem(), withId])).toBe(true);
    expect(hasRecordIds([problem()])).toBe(false);
    expect(reportCsv({ problems: [withId], total: 1 }).split("\r\n")[1]).toBe("plots.csv,7,P-0042,dbh_cm,abc,must be a number (use . as decimal separator)");
  });

  it("keeps values a spreadsheet would run as text", () => {
    expect(neutralizeFormula('=HYPERLINK("x")')).toBe("'=HYPERLINK(\"x\")");
    expect(neutralizeFormula("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(neutralizeFormula("-47.5")).toBe("-47.5");
    expect(neutralizeFormula("+1")).toBe("+1");
    expect(neutralizeFormula("-cmd|' /C calc'!A0")).toBe("'-cmd|' /C calc'!A0");
    expect(csvField("=1+1,2")).toBe("\"'=1+1,2\"");
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

  it("names the saved file after the imported one", () => {
    expect(reportFileName("/data/plots 2025.csv")).toBe("plots-2025-problems.csv");
    expect(reportFileName("C:\\data\\trees.geojson")).toBe("trees-problems.csv");
    expect(reportFileName("")).toBe("import-problems.csv");
    expect(reportFileName(null)).toBe("import-problems.csv");
  });
});
