import { describe, expect, it } from "vitest";
import type { AnchorDto_Serialize } from "../../lib/bindings";
import { anchorText, offersStatement } from "./statement";

const anchor = (over: Partial<AnchorDto_Serialize>): AnchorDto_Serialize => ({
  kind: "statement",
  record_id: "statement-1",
  batch_id: 1,
  state: "queued",
  attempts: 0,
  next_attempt_at: null,
  last_error: null,
  log_index: null,
  checkpoint_size: null,
  origin: null,
  anchored_at: null,
  entry: "",
  receipt: null,
  ...over,
});

describe("statement", () => {
  it("is offered only when the backend allows it", () => {
    expect(offersStatement(["view_evidence", "produce_statement"])).toBe(true);
    expect(offersStatement(["view_evidence", "import_batch"])).toBe(false);
  });

  it("words the anchor's state", () => {
    expect(anchorText(null)).toBe("Not queued for the audit log.");
    expect(anchorText(anchor({}))).toContain("Queued as statement-1");
    expect(anchorText(anchor({ state: "failed", last_error: "connection refused" }))).toContain("failed: connection refused");
    expect(anchorText(anchor({ state: "anchored", origin: "log.example/mrv", log_index: 7, checkpoint_size: 8 }))).toBe(
      "Anchored as statement-1 in log.example/mrv at index 7 (checkpoint size 8).",
    );
  });
});
