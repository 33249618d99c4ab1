import { describe, expect, it } from "vitest";
import { errorTitle, invalidInput, moreProblems, toShownError } from "./errors";

describe("errorTitle", () => {
  it("gives plain words per code", () => {
    expect(errorTitle("import_rejected")).toBe("The file was not imported — nothing was written");
    expect(errorTitle("duplicate_import")).toBe("This file is already imported");
    expect(errorTitle("cancelled")).toMatch(/cancelled/);
    expect(errorTitle("something_new")).toBe("Something went wrong");
  });
});

describe("invalidInput", () => {
  it("is a form's own problem, in the invalid-input title", () => {
    expect(invalidInput("Enter a name.")).toEqual({
      code: "invalid_input",
      title: "Some of the details entered are not valid",
      message: "Enter a name.",
      problems: [],
      total: 0,
    });
  });
});

describe("toShownError", () => {
  it("keeps message and problems of a rejected import", () => {
    const shown = toShownError({
      code: "import_rejected",
      message: "3 rows failed validation",
      report: {
        problems: [{ file: "a.csv", row: 4, column: "dbh_cm", value: "-1", rule: "must be ≥ 0" }],
        total: 3,
      },
    });
    expect(shown.title).toBe("The file was not imported — nothing was written");
    expect(shown.message).toBe("3 rows failed validation");
    expect(shown.problems).toHaveLength(1);
    expect(moreProblems(shown)).toBe(2);
  });

  it("never shows a stack for thrown errors", () => {
    const err = new Error("network down\n    at foo (bar.js:1:1)");
    const shown = toShownError(err);
    expect(shown.code).toBe("unexpected");
    expect(shown.message).toBe("network down");
  });

  it("handles a null report", () => {
    const shown = toShownError({ code: "io", message: "no such file", report: null });
    expect(shown.problems).toEqual([]);
    expect(moreProblems(shown)).toBe(0);
  });
});
