import { describe, expect, it } from "vitest";
import type { LogAlarmDto, LogHealthDto_Serialize } from "../../lib/bindings";
import { formatTimestamp } from "../../lib/format";
import { alarmTitle, anchorCounts, healthSummary, whenText } from "./health";

const ok: LogHealthDto_Serialize = {
  connected: true,
  url: "https://auditlog.example.org",
  origin: "auditlog.example.org/mrv",
  vkey: "auditlog.example.org/mrv+abcd1234+AQID",
  checkpoint_size: 1234,
  checkpoint_root: "AAAA",
  checkpoint_seen_at: "2026-03-04T12:00:00Z",
  last_checked_at: "2026-03-04T12:00:00Z",
  last_consistent_at: "2026-03-04T12:00:00Z",
  last_error: null,
  alarms: [],
  queued: 0,
  failed: 0,
  anchored: 7,
};

const notConnected: LogHealthDto_Serialize = {
  ...ok,
  connected: false,
  url: null,
  origin: null,
  vkey: null,
  checkpoint_size: null,
  checkpoint_root: null,
  checkpoint_seen_at: null,
  last_checked_at: null,
  last_consistent_at: null,
  queued: 2,
  anchored: 0,
};

const fork: LogAlarmDto = {
  id: 1,
  kind: "fork",
  detail: "the log signed two different trees of size 12: a fork",
  detected_at: "2026-03-04T12:00:00Z",
  stored_checkpoint: "auditlog.example.org/mrv\n12\nAAAA\n",
  presented_checkpoint: "auditlog.example.org/mrv\n12\nBBBB\n",
};

function pill(h: LogHealthDto_Serialize | null, checkFailed = false): [string, string] {
  const s = healthSummary(h, checkFailed);
  return [s.label, s.tone];
}

describe("healthSummary", () => {
  it("is green with the checkpoint's size when all is well", () => {
    expect(pill(ok)).toEqual(["Audit log OK · size 1,234", "ok"]);
    // Anchors just queued, nothing failed: still fine.
    expect(pill({ ...ok, queued: 3 })).toEqual(["Audit log OK · size 1,234", "ok"]);
  });

  it("is grey when not connected, or before the first answer", () => {
    expect(pill(notConnected)).toEqual(["Audit log: not connected", "neutral"]);
    expect(pill(null)).toEqual(["Audit log: checking…", "neutral"]);
    expect(pill(null, true)).toEqual(["Audit log: status unknown", "neutral"]);
    expect(pill({ ...ok, checkpoint_size: null, checkpoint_root: null })).toEqual(["Audit log: not checked yet", "neutral"]);
  });

  it("is amber when the log cannot be reached", () => {
    const [label, tone] = pill({ ...ok, last_error: "connection refused" });
    expect([label, tone]).toEqual(["Audit log: unreachable", "warn"]);
    expect(healthSummary({ ...ok, last_error: "connection refused" }).detail).toMatch(/connection refused/);
    // The last error outranks failed anchors.
    expect(pill({ ...ok, last_error: "timed out", failed: 2 })).toEqual(["Audit log: unreachable", "warn"]);
  });

  it("is amber with the waiting anchors when some failed", () => {
    expect(pill({ ...ok, failed: 1 })).toEqual(["Audit log: 1 queued", "warn"]);
    expect(pill({ ...ok, queued: 2, failed: 1 })).toEqual(["Audit log: 3 queued", "warn"]);
    expect(pill({ ...ok, queued: null, failed: 1200 })).toEqual(["Audit log: 1,200 queued", "warn"]);
  });

  it("is red on any alarm, whatever else is true", () => {
    expect(pill({ ...ok, alarms: [fork] })).toEqual(["AUDIT LOG ALARM", "bad"]);
    expect(pill({ ...ok, alarms: [fork], last_error: "timed out", failed: 3 })).toEqual(["AUDIT LOG ALARM", "bad"]);
    expect(pill({ ...notConnected, alarms: [{ ...fork, kind: "rollback" }] })).toEqual(["AUDIT LOG ALARM", "bad"]);
  });
});

describe("log-health panel lines", () => {
  it("counts the anchors", () => {
    expect(anchorCounts(ok)).toBe("7 anchored · 0 queued · 0 failed");
    expect(anchorCounts({ anchored: null, queued: 1500, failed: null })).toBe("0 anchored · 1,500 queued · 0 failed");
  });

  it("titles alarms", () => {
    expect(alarmTitle("fork")).toBe("Fork detected");
    expect(alarmTitle("rollback")).toBe("Rollback detected");
    expect(alarmTitle("bad_signature")).toBe("Alarm: bad signature");
  });

  it("says when, relative and absolute", () => {
    const now = Date.parse("2026-03-04T12:05:00Z");
    expect(whenText("2026-03-04T12:00:00Z", now)).toBe(`5 minutes ago (${formatTimestamp("2026-03-04T12:00:00Z")})`);
    expect(whenText(null, now)).toBe("Never");
    expect(whenText(null, now, "Not yet")).toBe("Not yet");
    expect(whenText("garbled", now)).toBe("garbled");
  });
});
