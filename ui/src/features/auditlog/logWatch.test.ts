import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AnchorRunDto, LogHealthDto_Serialize } from "../../lib/bindings";
import type { ShownError } from "../../lib/errors";
import type { Answer } from "../../lib/result";
import { LogWatch, POLL_INTERVAL_MS, type LogCommands } from "./logWatch.svelte";

function health(size: number): LogHealthDto_Serialize {
  return {
    connected: true,
    url: "https://auditlog.example.org",
    origin: "auditlog.example.org/mrv",
    vkey: "auditlog.example.org/mrv+abcd1234+AQID",
    checkpoint_size: size,
    checkpoint_root: "AAAA",
    checkpoint_seen_at: null,
    last_checked_at: null,
    last_consistent_at: null,
    last_error: null,
    alarms: [],
    queued: 0,
    failed: 0,
    anchored: size,
  };
}

function refusal(code: ShownError["code"]): { ok: false; error: ShownError } {
  return { ok: false, error: { code, title: code, message: code, problems: [], total: 0 } };
}

/** A promise settled by the test: commands that answer when told to. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Fake commands: records the calls; each answers immediately unless a gate is set. */
function fakeCommands() {
  const calls: string[] = [];
  let size = 0;
  let checkGate: Promise<void> | null = null;
  let healthGate: Promise<void> | null = null;
  let pendingAnswer: Answer<AnchorRunDto> = { ok: true, data: { attempted: 0, anchored: 0, failed: 0 } };
  let checkAnswer: (() => Answer<LogHealthDto_Serialize>) | null = null;
  let active = 0;
  let maxActive = 0;
  const track = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    calls.push(name);
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      return await body();
    } finally {
      active--;
    }
  };
  const commands: LogCommands = {
    anchorPending: () => track("anchorPending", async () => pendingAnswer),
    checkAuditlog: () =>
      track("checkAuditlog", async () => {
        if (checkGate) await checkGate;
        return checkAnswer ? checkAnswer() : { ok: true as const, data: health(++size) };
      }),
    logHealth: () =>
      track("logHealth", async () => {
        const stored = health(size);
        if (healthGate) await healthGate;
        return { ok: true as const, data: stored };
      }),
  };
  return {
    commands,
    calls,
    maxActive: () => maxActive,
    gateChecks(gate: Promise<void> | null) {
      checkGate = gate;
    },
    gateHealth(gate: Promise<void> | null) {
      healthGate = gate;
    },
    answerPending(a: Answer<AnchorRunDto>) {
      pendingAnswer = a;
    },
    answerChecks(a: (() => Answer<LogHealthDto_Serialize>) | null) {
      checkAnswer = a;
    },
  };
}

/** Lets every settled promise run its continuations. */
async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe("LogWatch", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("checks right after sign-in and every 30 s, sending due anchors first for verifiers", async () => {
    const f = fakeCommands();
    const watch = new LogWatch(f.commands);
    watch.start(["view_evidence", "anchor"]);
    await settle();
    expect(f.calls).toEqual(["anchorPending", "checkAuditlog"]);
    expect(watch.health?.checkpoint_size).toBe(1);
    expect(watch.polls).toBe(1);
    expect(watch.checking).toBe(false);

    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS - 1);
    expect(f.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(f.calls).toEqual(["anchorPending", "checkAuditlog", "anchorPending", "checkAuditlog"]);
    expect(watch.health?.checkpoint_size).toBe(2);
    watch.stop();
  });

  it("only checks for roles that do not anchor", async () => {
    const f = fakeCommands();
    const watch = new LogWatch(f.commands);
    watch.start(["view_evidence", "import_batch"]);
    await settle();
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    await settle();
    expect(f.calls).toEqual(["checkAuditlog", "checkAuditlog"]);
    watch.stop();
  });

  it("ignores a refused anchoring pass and still checks", async () => {
    for (const code of ["conflict", "forbidden"] as const) {
      const f = fakeCommands();
      f.answerPending(refusal(code));
      const watch = new LogWatch(f.commands);
      watch.start(["view_evidence", "anchor"]);
      await settle();
      expect(f.calls).toEqual(["anchorPending", "checkAuditlog"]);
      expect(watch.error).toBeNull();
      expect(watch.health).not.toBeNull();
      watch.stop();
    }
  });

  it("keeps the last health when a check fails, and says so", async () => {
    const f = fakeCommands();
    const watch = new LogWatch(f.commands);
    watch.start(["view_evidence", "import_batch"]);
    await settle();
    f.answerChecks(() => refusal("internal"));
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    await settle();
    expect(watch.health?.checkpoint_size).toBe(1);
    expect(watch.error?.code).toBe("internal");
    f.answerChecks(null);
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    await settle();
    expect(watch.error).toBeNull();
    watch.stop();
  });

  it("never overlaps two polls: the next waits for a slow one, and Check now joins it", async () => {
    const f = fakeCommands();
    const gate = deferred<void>();
    f.gateChecks(gate.promise);
    const watch = new LogWatch(f.commands);
    watch.start(["view_evidence", "anchor"]);
    await settle();
    expect(watch.checking).toBe(true);
    // Far longer than the interval: nothing else starts while the check hangs.
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 5);
    const joined = watch.checkNow();
    await settle();
    expect(f.calls).toEqual(["anchorPending", "checkAuditlog"]);
    f.gateChecks(null);
    gate.resolve();
    await joined;
    expect(watch.checking).toBe(false);
    expect(f.calls).toEqual(["anchorPending", "checkAuditlog"]);
    // The next poll comes a full interval after the slow one ended.
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS - 1);
    expect(f.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(f.calls).toHaveLength(4);
    expect(f.maxActive()).toBe(1);
    watch.stop();
  });

  it("Check now checks without sending anchors and restarts the interval", async () => {
    const f = fakeCommands();
    const watch = new LogWatch(f.commands);
    watch.start(["view_evidence", "anchor"]);
    await settle();
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS / 2);
    await watch.checkNow();
    expect(f.calls).toEqual(["anchorPending", "checkAuditlog", "checkAuditlog"]);
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS - 1);
    expect(f.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(f.calls).toEqual(["anchorPending", "checkAuditlog", "checkAuditlog", "anchorPending", "checkAuditlog"]);
    watch.stop();
  });

  it("stops on sign-out: no more polls, and a late answer is dropped", async () => {
    const f = fakeCommands();
    const gate = deferred<void>();
    const watch = new LogWatch(f.commands);
    watch.start(["view_evidence", "import_batch"]);
    await settle();
    expect(watch.health).not.toBeNull();
    f.gateChecks(gate.promise);
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS);
    expect(f.calls).toHaveLength(2);
    watch.stop();
    expect(watch.health).toBeNull();
    expect(watch.checking).toBe(false);
    gate.resolve();
    await settle();
    expect(watch.health).toBeNull();
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 3);
    expect(f.calls).toHaveLength(2);
    await watch.checkNow();
    expect(f.calls).toHaveLength(2);
  });

  it("after a quick sign-out and sign-in, waits for the old poll before the new one", async () => {
    const f = fakeCommands();
    const gate = deferred<void>();
    f.gateChecks(gate.promise);
    const watch = new LogWatch(f.commands);
    watch.start(["view_evidence", "import_batch"]);
    await settle();
    watch.stop();
    watch.start(["view_evidence", "anchor"]);
    await settle();
    expect(f.calls).toEqual(["checkAuditlog"]);
    f.gateChecks(null);
    gate.resolve();
    await settle();
    expect(f.calls).toEqual(["checkAuditlog", "anchorPending", "checkAuditlog"]);
    expect(f.maxActive()).toBe(1);
    // Only the new user's answer is shown.
    expect(watch.health?.checkpoint_size).toBe(2);
    watch.stop();
  });

  it("re-reads the stored health on request, without overriding a newer answer", async () => {
    const f = fakeCommands();
    const watch = new LogWatch(f.commands);
    await watch.refresh();
    expect(f.calls).toEqual([]);
    watch.start(["view_evidence", "import_batch"]);
    await settle();
    await watch.refresh();
    expect(f.calls).toEqual(["checkAuditlog", "logHealth"]);
    expect(watch.health?.checkpoint_size).toBe(1);

    // A re-read (of size 1) that answers after a check asked later (size 2) is dropped.
    const gate = deferred<void>();
    f.gateHealth(gate.promise);
    const reread = watch.refresh();
    await watch.checkNow();
    expect(watch.health?.checkpoint_size).toBe(2);
    gate.resolve();
    await reread;
    expect(watch.health?.checkpoint_size).toBe(2);
    watch.stop();
  });
});
