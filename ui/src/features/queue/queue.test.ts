import { describe, expect, it } from "vitest";
import type { QueueItemDto } from "../../lib/bindings";
import { actionLabel, queueSummary } from "./queue";

const item = (urgent: boolean): QueueItemDto => ({ kind: "review_batch", title: "t", detail: "d", target: "batch", target_id: 1, urgent });

describe("work queue words", () => {
  it("labels each kind's button", () => {
    expect(actionLabel("review_batch")).toBe("Review");
    expect(actionLabel("log_alarm")).toBe("Audit log");
    expect(actionLabel("connect_registry")).toBe("Connect…");
    expect(actionLabel("incident")).toBe("Incidents");
    expect(actionLabel("grant_access")).toBe("Access");
  });

  it("summarises the queue with its urgent items", () => {
    expect(queueSummary([])).toBe("Nothing waits for you.");
    expect(queueSummary([item(false)])).toBe("1 thing waits for you.");
    expect(queueSummary([item(true), item(false)])).toBe("2 things wait for you, 1 urgent.");
  });
});
