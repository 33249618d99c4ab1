import { describe, expect, it } from "vitest";
import { actionItemProblem, activeIncidents, countdownWords, declareProblem, dueText, durationWords, isStrictDate, liveClock, localText, mayDeclare, mayManage, secondsUntil, utcText } from "./incidents";

/** ICU versions differ in the space before AM/PM (U+202F or U+0020): compare with plain spaces. */
const spaced = (s: string) => s.replace(/[\u202f\u00a0]/g, " ");

const due = "2026-12-02T10:05:00Z";
const at = (iso: string) => Date.parse(iso);
const clock = (met_at: string | null = null, met_late = false) => ({ due_at: due, met_at, met_late });

describe("incident clocks", () => {
  it("words countdowns", () => {
    expect(countdownWords(252)).toBe("4:12 left");
    expect(countdownWords(0)).toBe("0:00 left");
    expect(countdownWords(-65)).toBe("overdue by 1:05");
    expect(countdownWords(3725)).toBe("1:02:05 left");
    expect(durationWords(-3600)).toBe("1:00:00");
  });

  it("runs through the due second and is overdue one second later", () => {
    expect(secondsUntil(due, at("2026-12-02T10:04:59Z"))).toBe(1);
    expect(liveClock(clock(), at("2026-12-02T10:04:59Z"))).toEqual({ state: "running", words: "0:01 left" });
    // Milliseconds within the due second still count as the due second.
    expect(liveClock(clock(), at("2026-12-02T10:05:00Z") + 999)).toEqual({ state: "running", words: "0:00 left" });
    expect(liveClock(clock(), at("2026-12-02T10:05:01Z"))).toEqual({ state: "overdue", words: "overdue by 0:01" });
    expect(liveClock(clock("2026-12-02T10:06:00Z", true), at("2026-12-03T00:00:00Z"))).toEqual({ state: "met", words: "met late" });
    expect(liveClock(clock("2026-12-02T10:01:00Z"), at("2026-12-03T00:00:00Z")).state).toBe("met");
  });

  it("shows due times in UTC and in a local zone", () => {
    // Tests run without a navigator: the locale is en-US.
    expect(spaced(utcText(due))).toBe("Dec 2, 2026, 10:05:00 AM UTC");
    expect(spaced(localText(due, "Europe/Berlin"))).toBe("Dec 2, 2026, 11:05:00 AM GMT+1");
    expect(spaced(localText(due, "America/New_York"))).toBe("Dec 2, 2026, 5:05:00 AM EST");
    expect(spaced(dueText(due, "UTC"))).toBe("due Dec 2, 2026, 10:05:00 AM UTC · Dec 2, 2026, 10:05:00 AM UTC");
    expect(spaced(utcText("not a time"))).toBe("not a time");
  });
});

describe("incident rules in the desk", () => {
  it("offers only what the backend allows", () => {
    expect(mayDeclare(["view_evidence", "declare_incident"])).toBe(true);
    expect(mayManage(["view_evidence", "declare_incident"])).toBe(false);
    expect(mayManage(["manage_incidents"])).toBe(true);
    expect(mayDeclare([])).toBe(false);
  });

  it("lists active incidents most severe first, newest first", () => {
    const list = [
      { id: 1, severity: "sev2", state: "open" },
      { id: 2, severity: "sev1", state: "closed" },
      { id: 3, severity: "sev3", state: "resolved" },
      { id: 4, severity: "sev2", state: "open" },
      { id: 5, severity: "sev1", state: "open" },
    ];
    expect(activeIncidents(list).map((i) => i.id)).toEqual([5, 4, 1, 3]);
  });

  it("checks forms before sending", () => {
    expect(declareProblem("", "x")).toMatch(/severity/);
    expect(declareProblem("sev1", "  ")).toMatch(/title/);
    expect(declareProblem("sev1", "Down")).toBeNull();
    expect(isStrictDate("2026-12-24")).toBe(true);
    for (const bad of ["2026-2-3", "2026-02-30", "24.12.2026", "2026-12-24T00:00", ""]) expect(isStrictDate(bad)).toBe(false);
    expect(actionItemProblem("", "2026-12-24", "x")).toMatch(/owner/);
    expect(actionItemProblem("ana", "2026-13-01", "x")).toMatch(/YYYY-MM-DD/);
    expect(actionItemProblem("ana", "2026-12-24", " ")).toMatch(/to be done/);
    expect(actionItemProblem("ana", "2026-12-24", "Alert")).toBeNull();
  });
});
