import { describe, expect, it } from "vitest";
import { changeStateWords, changeTone, countRows, countWords, diffSummary, mayOpenChanges, maySeeChanges, orderedOffers, rowsByTable, stepLabel, valueText } from "./changes";

describe("data-change wording", () => {
  it("words every state and gives refusals a bad tone", () => {
    expect(changeStateWords("dry_run_ok")).toContain("awaiting review");
    expect(changeStateWords("something")).toBe("something");
    expect(changeTone("dry_run_refused")).toBe("bad");
    expect(changeTone("applied")).toBe("ok");
    expect(changeTone("rolled_back")).toBe("warn");
  });

  it("orders the offers as the procedure goes", () => {
    const offers = [
      { step: "reject", enabled: true, reason: null },
      { step: "zzz", enabled: true, reason: null },
      { step: "approve", enabled: false, reason: "segregation of duties" },
    ];
    expect(orderedOffers(offers).map((o) => o.step)).toEqual(["approve", "reject", "zzz"]);
    expect(stepLabel("dry_run")).toBe("Dry run on a copy");
  });

  it("reads who may open or see tickets from the backend's actions", () => {
    expect(mayOpenChanges(["manage_data_changes"])).toBe(true);
    expect(mayOpenChanges(["review_data_changes"])).toBe(false);
    expect(maySeeChanges(["review_data_changes"])).toBe(true);
    expect(maySeeChanges(["view_evidence"])).toBe(false);
  });

  it("shows changed counts first and words them", () => {
    const counts = [
      { table: "a", before: 1, after: 1 },
      { table: "b", before: 3, after: 2 },
    ];
    expect(countRows(counts, false).map((c) => c.table)).toEqual(["b"]);
    expect(countRows(counts, true).map((c) => c.table)).toEqual(["b", "a"]);
    expect(countWords({ before: 3, after: 2 })).toBe("3 → 2 (−1)");
    expect(countWords({ before: 3, after: 5 })).toBe("3 → 5 (+2)");
    expect(countWords({ before: 2, after: 2 })).toBe("2 → 2");
  });

  it("groups rows by table and summarises the diff", () => {
    const row = (table: string, key: string) => ({ table, change: "updated", key, columns: [] });
    expect(rowsByTable([row("p", "id=1"), row("p", "id=2"), row("l", "id=1")]).map((g) => [g.table, g.rows.length])).toEqual([
      ["p", 2],
      ["l", 1],
    ]);
    expect(diffSummary({ tables: [{ table: "project", inserted: 0, deleted: 0, updated: 1 }] })).toBe("1 row changed in project");
    expect(diffSummary({ tables: [] })).toBe("no rows changed");
    expect(valueText(null)).toBe("NULL");
    expect(valueText("")).toBe("");
  });
});
