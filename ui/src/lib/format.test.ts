import { describe, expect, it } from "vitest";
import { asSentence, batchLabel, codeToWords, formatCoord, formatCount, formatDate, formatDay, formatPeriod, formatRelative, formatTime, formatTimestamp, formatTonnes, formatValue, parsePlainDate, plainCount, progressFraction, rowsStatus, shortHash, stateLabel, stateTone, userLocale } from "./format";

/** ICU versions differ in the space before AM/PM (U+202F or U+0020): compare with plain spaces. */
const spaced = (s: string) => s.replace(/[\u202f\u00a0]/g, " ");

describe("format", () => {
  it("formats counts, tonnes and coordinates", () => {
    expect(formatCount(1_000_000)).toBe("1,000,000");
    expect(plainCount(240)).toBe("240");
    expect(plainCount(1_000_000)).toBe("1000000");
    expect(formatTonnes(1234.5)).toBe("1,234.50");
    expect(formatTonnes(null)).toBe("—");
    expect(formatCoord(-47.123456789)).toBe("-47.123457");
    expect(formatCoord(null)).toBe("—");
  });

  it("shortens hashes and labels batches", () => {
    const sha = "0123456789abcdef".repeat(4);
    expect(shortHash(sha)).toBe("01234567…cdef");
    expect(shortHash("abc")).toBe("abc");
    expect(batchLabel({ version: 1, source_name: "tree-plots-2025.csv" })).toBe("Batch v1 · tree-plots-2025.csv");
  });

  it("describes the visible rows", () => {
    expect(rowsStatus(0, 20, 240)).toBe("Rows 1–20 of 240");
    expect(rowsStatus(999_980, 1_000_000, 1_000_000)).toBe("Rows 999,981–1,000,000 of 1,000,000");
    expect(rowsStatus(0, 0, 0)).toBe("No rows");
  });

  it("computes progress and state badges", () => {
    expect(progressFraction(50, 200)).toBe(0.25);
    expect(progressFraction(null, 200)).toBeNull();
    expect(progressFraction(10, 0)).toBeNull();
    expect(stateTone("approved")).toBe("ok");
    expect(stateTone("in_review")).toBe("warn");
    expect(stateTone("rejected")).toBe("bad");
    expect(stateLabel("in_review")).toBe("In review");
    expect(stateLabel("")).toBe("Unknown");
  });

  it("formats values with decimals that fit their size", () => {
    expect(formatValue(0.7234)).toBe("0.723");
    expect(formatValue(12.5)).toBe("12.5");
    expect(formatValue(12.345)).toBe("12.35");
    expect(formatValue(1234.56)).toBe("1,234.6");
    expect(formatValue(2012)).toBe("2,012");
    expect(formatValue(-0.0001)).toBe("0");
    expect(formatValue(null)).toBe("—");
    expect(formatValue(NaN)).toBe("—");
  });

  it("says how long ago a time was, in words", () => {
    const now = Date.parse("2026-03-04T12:00:00Z");
    expect(formatRelative("2026-03-04T11:59:30Z", now)).toBe("just now");
    expect(formatRelative("2026-03-04T11:59:00Z", now)).toBe("1 minute ago");
    expect(formatRelative("2026-03-04T11:55:00Z", now)).toBe("5 minutes ago");
    expect(formatRelative("2026-03-04T09:00:00Z", now)).toBe("3 hours ago");
    expect(formatRelative("2026-03-02T12:00:00Z", now)).toBe("2 days ago");
    expect(formatRelative("2026-03-04T12:10:00Z", now)).toBe("in 10 minutes");
    expect(formatRelative("not a time", now)).toBe("");
  });

  it("spells out a code it has no words for", () => {
    expect(codeToWords("data_steward")).toBe("Data steward");
    expect(codeToWords("slope_TOO-steep")).toBe("Slope too steep");
    expect(codeToWords(" _ ", "Other")).toBe("Other");
    expect(codeToWords("")).toBe("");
  });

  it("turns a backend phrase into a sentence", () => {
    expect(asSentence("the log signed two different trees of size 12: a fork")).toBe("The log signed two different trees of size 12: a fork.");
    expect(asSentence("connection refused.")).toBe("Connection refused.");
    expect(asSentence("  ")).toBe("");
    expect(asSentence("Done!")).toBe("Done!");
    expect(asSentence("still checking…")).toBe("Still checking…");
  });
});

describe("dates", () => {
  it("shows an instant as a local date and time with the zone", () => {
    expect(spaced(formatTimestamp("2025-03-04T14:05:00Z", { locale: "en-US", timeZone: "UTC" }))).toBe("Mar 4, 2025, 2:05 PM UTC");
    expect(spaced(formatTimestamp("2025-03-04T14:05:00Z", { locale: "en-GB", timeZone: "Europe/London" }))).toBe("4 Mar 2025, 14:05 GMT");
    expect(spaced(formatTimestamp("2025-03-04T14:05:09Z", { locale: "en-US", timeZone: "UTC", seconds: true }))).toBe("Mar 4, 2025, 2:05:09 PM UTC");
    // The zone moves the wall-clock time (and the day) of an instant.
    expect(spaced(formatTimestamp("2025-03-04T23:30:00Z", { locale: "en-US", timeZone: "Asia/Tokyo" }))).toBe("Mar 5, 2025, 8:30 AM GMT+9");
    expect(spaced(formatTimestamp("not a time"))).toBe("not a time");
  });

  it("follows the locale's order and month names", () => {
    const de = formatTimestamp("2025-03-04T14:05:00Z", { locale: "de-DE", timeZone: "Europe/Berlin" });
    expect(de).toContain("2025");
    expect(de).toContain("15:05");
    expect(de.indexOf("4")).toBeLessThan(de.indexOf("2025"));
    expect(formatDate("2025-03-04", { locale: "de-DE" })).toMatch(/^4\. März 2025$|^04\.03\.2025$/);
  });

  it("shows plain dates without shifting the day in any zone", () => {
    expect(formatDate("2025-01-01", { locale: "en-US" })).toBe("Jan 1, 2025");
    expect(formatDate("2025-12-31", { locale: "en-US" })).toBe("Dec 31, 2025");
    expect(formatDate("2024-06-01T00:00:00Z", { locale: "en-US" })).toBe("Jun 1, 2024");
    expect(formatDate("2025-02-30")).toBe("2025-02-30");
    expect(formatDate("soon")).toBe("soon");
  });

  it("parses only real calendar dates", () => {
    expect(parsePlainDate("2024-02-29")).toEqual([2024, 2, 29]);
    expect(parsePlainDate("2025-02-29")).toBeNull();
    expect(parsePlainDate("2025-1-5")).toBeNull();
  });

  it("shows periods, times and days", () => {
    expect(formatPeriod("2025-01-01..2025-12-31", { locale: "en-US" })).toBe("Jan 1, 2025 – Dec 31, 2025");
    expect(formatPeriod("whenever")).toBe("whenever");
    expect(spaced(formatTime("2026-12-07T14:00:00Z", { locale: "en-US", timeZone: "UTC" }))).toBe("2:00 PM UTC");
    expect(formatDay("2026-12-07T14:00:00Z", { locale: "en-US", timeZone: "UTC" })).toBe("Mon, Dec 7");
  });

  it("defaults to en-US where there is no navigator", () => {
    expect(userLocale()).toBe(typeof navigator !== "undefined" && navigator.language ? navigator.language : "en-US");
  });
});
