import { describe, expect, it } from "vitest";
import { ageWords, backupTone, checkLabel, durationWords, keptWords, managesBackups, sizeWords } from "./backups";

describe("ageWords", () => {
  it("says never without a backup", () => {
    expect(ageWords(null)).toBe("never");
    expect(ageWords(undefined)).toBe("never");
  });
  it("counts minutes, hours and days at their boundaries", () => {
    expect(ageWords(0)).toBe("just now");
    expect(ageWords(59)).toBe("just now");
    expect(ageWords(60)).toBe("1 minute ago");
    expect(ageWords(3599)).toBe("59 minutes ago");
    expect(ageWords(3600)).toBe("1 hour ago");
    expect(ageWords(86399)).toBe("23 hours ago");
    expect(ageWords(86400)).toBe("1 day ago");
    expect(ageWords(3 * 86400 + 5)).toBe("3 days ago");
  });
  it("never says a negative age", () => {
    expect(ageWords(-30)).toBe("just now");
  });
});

describe("sizeWords", () => {
  it("uses decimal units", () => {
    expect(sizeWords(512)).toBe("512 B");
    expect(sizeWords(12_345_678)).toBe("12.3 MB");
    expect(sizeWords(null)).toBe("—");
  });
  it("adds the file count", () => {
    expect(sizeWords(2_000, 1)).toBe("2.0 KB in 1 file");
    expect(sizeWords(2_000, 5)).toBe("2.0 KB in 5 files");
  });
});

describe("durationWords", () => {
  it("goes from ms to minutes", () => {
    expect(durationWords(850)).toBe("850 ms");
    expect(durationWords(2300)).toBe("2.3 s");
    expect(durationWords(65_000)).toBe("1 min 5 s");
  });
});

describe("backupTone", () => {
  const target = { path: "/b", set_by: "oscar", set_at: "2026-01-01T00:00:00Z" };
  it("is bad for a failed run before stale", () => {
    expect(backupTone({ target, last_run_failed: true, backup_stale: true })).toBe("bad");
    expect(backupTone({ target, last_run_failed: false, backup_stale: true })).toBe("warn");
    expect(backupTone({ target, last_run_failed: false, backup_stale: false })).toBe("ok");
    expect(backupTone({ target: null, last_run_failed: false, backup_stale: true })).toBe("info");
  });
});

describe("keptWords and labels", () => {
  const s = { snapshot: "x", created_at: "", kind: "nightly", bytes: 1, file_count: 0, kept_until: "2026-03-19" };
  it("says until when and the newest's exception", () => {
    expect(keptWords(s, false)).toBe("until 2026-03-19");
    expect(keptWords(s, true)).toContain("newest");
  });
  it("names the checks", () => {
    expect(checkLabel({ check: "stamp_evidence" })).toContain("anchor receipts");
    expect(checkLabel({ check: "new_check" })).toBe("new check");
  });
  it("shows the desk only to those allowed manage_backups", () => {
    expect(managesBackups(["manage_backups"])).toBe(true);
    expect(managesBackups(["view_evidence"])).toBe(false);
  });
});
