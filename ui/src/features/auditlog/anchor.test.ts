import { describe, expect, it } from "vitest";
import type { AnchorDto_Serialize, LogHealthDto_Serialize } from "../../lib/bindings";
import type { ShownError } from "../../lib/errors";
import { formatTimestamp } from "../../lib/format";
import { anchorBlocker, anchorRefusal, anchorStatus, mayAnchor, receiptKey, verifyReceiptCommand } from "./anchor";

const queued: AnchorDto_Serialize = {
  kind: "stamp",
  record_id: "batch-3-v1",
  batch_id: 3,
  state: "queued",
  attempts: 0,
  next_attempt_at: "2026-03-04T12:00:00Z",
  last_error: null,
  log_index: null,
  checkpoint_size: null,
  origin: null,
  anchored_at: null,
  entry: "mrv-anchor/v1\nstamp batch-3-v1\n",
  receipt: null,
};

const anchored: AnchorDto_Serialize = {
  ...queued,
  state: "anchored",
  attempts: 1,
  next_attempt_at: null,
  log_index: 41,
  checkpoint_size: 42,
  origin: "auditlog.example.org/mrv",
  anchored_at: "2026-03-04T12:01:00Z",
  receipt: "tlog-proof/v1\n...",
};

const health: LogHealthDto_Serialize = {
  connected: true,
  url: "https://auditlog.example.org",
  origin: "auditlog.example.org/mrv",
  vkey: "auditlog.example.org/mrv+abcd1234+AQID",
  checkpoint_size: 42,
  checkpoint_root: "AAAA",
  checkpoint_seen_at: "2026-03-04T12:01:00Z",
  last_checked_at: "2026-03-04T12:01:00Z",
  last_consistent_at: "2026-03-04T12:01:00Z",
  last_error: null,
  alarms: [],
  queued: 0,
  failed: 0,
  anchored: 1,
};

function chipText(a: AnchorDto_Serialize | null): string {
  return anchorStatus(a).label;
}

describe("anchorStatus", () => {
  it("says a queued anchor is waiting, in grey", () => {
    expect(anchorStatus(queued)).toEqual({ state: "queued", label: "Queued", tone: "neutral", sentence: "Waiting to be sent to the audit log." });
  });

  it("gives a failed anchor's reason and next attempt, in amber", () => {
    const s = anchorStatus({ ...queued, state: "failed", attempts: 2, last_error: "connection refused." });
    expect(s.state).toBe("failed");
    expect(s.label).toBe("Failed — retrying");
    expect(s.tone).toBe("warn");
    expect(s.sentence).toBe(`The last attempt failed: connection refused. Next attempt ${formatTimestamp("2026-03-04T12:00:00Z")}.`);
    // Without a reason or a time it still reads as a sentence.
    expect(anchorStatus({ ...queued, state: "failed", next_attempt_at: null }).sentence).toBe("The last attempt failed. It is retried automatically.");
  });

  it("places an anchored stamp in the log, in green", () => {
    const s = anchorStatus(anchored);
    expect(s.label).toBe("Anchored");
    expect(s.tone).toBe("ok");
    expect(s.sentence).toBe(`At index 41 in checkpoint of size 42 of auditlog.example.org/mrv, ${formatTimestamp("2026-03-04T12:01:00Z")}.`);
    expect(anchorStatus({ ...anchored, log_index: 1_000_000 }).sentence).toMatch(/^At index 1000000 /);
    expect(anchorStatus({ ...anchored, log_index: null, checkpoint_size: null, origin: null, anchored_at: null }).sentence).toBe("In the audit log.");
  });

  it("shows no chip for a stamp without an anchor, or one in an unknown state", () => {
    expect(anchorStatus(null)).toEqual({ state: "none", label: "", tone: "neutral", sentence: "No audit-log anchor is recorded for this stamp." });
    expect(anchorStatus({ ...queued, state: "sent" }).state).toBe("none");
  });

  it("labels every chip with exactly one of Queued, Failed, Anchored", () => {
    for (const [a, first] of [
      [queued, "Queued"],
      [{ ...queued, state: "failed" }, "Failed"],
      [anchored, "Anchored"],
    ] as const) {
      const label = chipText(a);
      expect(label.startsWith(first)).toBe(true);
      expect(["Queued", "Failed", "Anchored"].filter((w) => label.startsWith(w))).toEqual([first]);
    }
  });
});

describe("who anchors and what stops them", () => {
  it("lets those the backend allows to anchor do so", () => {
    expect(mayAnchor(["view_evidence", "anchor"])).toBe(true);
    expect(mayAnchor(["view_evidence", "import_batch", "manage_layers"])).toBe(false);
    expect(mayAnchor([])).toBe(false);
  });

  it("names what keeps anchors from being sent", () => {
    expect(anchorBlocker(null)).toBeNull();
    expect(anchorBlocker(health)).toBeNull();
    expect(anchorBlocker({ ...health, connected: false })).toMatch(/not connected/);
    const alarm = { id: 1, kind: "fork", detail: "two trees", detected_at: "2026-03-04T12:00:00Z", stored_checkpoint: "a", presented_checkpoint: "b" };
    expect(anchorBlocker({ ...health, alarms: [alarm] })).toMatch(/halted/);
  });

  it("titles a refused Anchor now for what it means, keeping the backend's reason", () => {
    const base: ShownError = { code: "conflict", title: "x", message: "this workspace is not connected to an audit log", problems: [], total: 0 };
    expect(anchorRefusal(base)).toEqual({ ...base, title: "Not sent to the audit log", message: "This workspace is not connected to an audit log." });
    expect(anchorRefusal({ ...base, code: "forbidden" }).title).toBe("Your role does not send anchors");
    const other = { ...base, code: "internal" as const, title: "Something went wrong inside MRV Desk" };
    expect(anchorRefusal(other)).toBe(other);
  });

  it("spells out the offline check with the log's key", () => {
    expect(verifyReceiptCommand(health.vkey)).toBe("mrv verify-receipt FILE --vkey auditlog.example.org/mrv+abcd1234+AQID --entry FILE");
    expect(verifyReceiptCommand(null)).toBe("mrv verify-receipt FILE --vkey <the log's key> --entry FILE");
  });

  it("takes the receipt's key from the log the anchor went to, only", () => {
    expect(receiptKey(anchored, health)).toBe(health.vkey);
    expect(receiptKey(anchored, { ...health, origin: "another.example.org/log" })).toBeNull();
    expect(receiptKey(anchored, null)).toBeNull();
    expect(receiptKey({ origin: null }, health)).toBeNull();
  });
});
