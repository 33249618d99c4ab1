import { describe, expect, it } from "vitest";
import type { HistoryEntryDto_Serialize as HistoryEntry } from "../../lib/bindings";
import type { FindingDto_Serialize as FindingDto } from "../../lib/bindings";
import { correctionOf, historyActionLabel, historyItems, importedFile, importerOf, justificationText } from "./history";

function entry(over: Partial<HistoryEntry>): HistoryEntry {
  return {
    batch_id: 1,
    version: 1,
    action: "import",
    from_state: null,
    to_state: "imported",
    user: "ana",
    at: "2025-06-01T10:00:00Z",
    reason_code: null,
    reason_text: null,
    justifications: [],
    findings: [],
    ...over,
  };
}

const vocabulary = {
  kinds: [{ code: "CAR", label: "Corrective action", description: "the data is wrong" }],
  sub_codes: ["outside_boundary"],
};

function finding(over: Partial<FindingDto>): FindingDto {
  return {
    id: 1,
    label: "CAR 1",
    kind: "CAR",
    number: 1,
    code: "CAR/outside_boundary",
    sub_code: "outside_boundary",
    text: "Row 200 lies outside.",
    record_ids: ["SDM-0200"],
    state: "open",
    batch_id: 1,
    version: 1,
    raised_by: "vera",
    raised_at: "2025-06-02T10:00:00Z",
    closed_by: null,
    closed_at: null,
    closed_in_batch_id: null,
    close_note: null,
    carried: false,
    ...over,
  };
}

const chain: HistoryEntry[] = [
  entry({ reason_text: "from tree-plots-2025.csv" }),
  entry({ action: "start_review", from_state: "enriched", to_state: "in_review", user: "vera" }),
  entry({ action: "reject", from_state: "in_review", to_state: "rejected", user: "vera", reason_code: "CAR/outside_boundary", reason_text: "Row 200 lies outside.", findings: [finding({ state: "closed", closed_by: "vera", closed_in_batch_id: 2, close_note: "moved inside" }), finding({ id: 2, label: "CL 1", code: "CL", kind: "CL", record_ids: [], text: "photos?" })] }),
  entry({ batch_id: 2, version: 2, reason_text: "version 2 of batch 1, from tree-plots-2025-fixed.csv" }),
  entry({ batch_id: 2, version: 2, action: "start_review", user: "vera" }),
  entry({ batch_id: 2, version: 2, action: "approve", user: "vera", justifications: ["row 17 loss_after_baseline: replanted in 2024"] }),
  entry({ batch_id: 2, version: 2, action: "stamp", user: "vera" }),
];

describe("history", () => {
  it("words every action", () => {
    expect(["import", "start_review", "reject", "approve", "stamp", "anchor"].map(historyActionLabel)).toEqual([
      "Imported",
      "Review started",
      "Rejected",
      "Approved",
      "Stamped and signed",
      "Anchored in the audit log",
    ]);
    expect(historyActionLabel("archive")).toBe("Archive");
  });

  it("reads who imported and what corrects a batch", () => {
    expect(importerOf(chain, 1)).toBe("ana");
    expect(importerOf(chain, 9)).toBeNull();
    expect(correctionOf(chain, 1)).toEqual({ batchId: 2, version: 2 });
    expect(correctionOf(chain, 2)).toBeNull();
    expect(importedFile(chain[3]!)).toBe("tree-plots-2025-fixed.csv");
    expect(importedFile(chain[1]!)).toBeNull();
  });

  it("turns entries into timeline items", () => {
    const items = historyItems(chain, 2, vocabulary);
    expect(items.map((i) => i.label)).toEqual(["Imported", "Review started", "Rejected", "Imported", "Review started", "Approved", "Stamped and signed"]);
    expect(items[0]).toMatchObject({ version: 1, current: false, text: "From tree-plots-2025.csv", who: "ana", tone: "info" });
    expect(items[2]).toMatchObject({ reasonCode: "CAR/outside_boundary", reasonWords: "Corrective action · Outside the project boundary", text: "Row 200 lies outside.", tone: "bad" });
    expect(items[3]).toMatchObject({ version: 2, current: true, text: "Corrected version, from tree-plots-2025-fixed.csv" });
    expect(items[2]!.findings).toEqual([
      { label: "CAR 1", code: "CAR/outside_boundary", text: "Row 200 lies outside.", rows: ["SDM-0200"], open: false, closed: "Closed by vera in version 2: moved inside" },
      { label: "CL 1", code: "CL", text: "photos?", rows: [], open: true, closed: null },
    ]);
    expect(historyItems(chain, 2)[2]!.reasonWords).toBe("CAR · Outside the project boundary");
    expect(items[5]!.justifications).toEqual(["Row 17, forest loss after baseline: replanted in 2024"]);
    expect(historyItems([entry({ user: null, reason_text: "something else" })], 1)[0]).toMatchObject({ who: "—", text: "something else" });
  });
});

describe("justifications", () => {
  it("name the flag in words", () => {
    expect(justificationText("row 200 outside_boundary: GPS drift;\nsee report")).toBe("Row 200, outside boundary: GPS drift;\nsee report");
    expect(justificationText("a note of another shape")).toBe("a note of another shape");
  });
});
