import { describe, expect, it } from "vitest";
import { buildQuery, describeFilter, isPlain, NO_FILTERS, nextSort, queryKey, rowTint, sortMark, valueFilter } from "./rowQuery";

describe("row query", () => {
  it("cycles a header's sort: first direction, the other, then none", () => {
    let s = nextSort(null, "site");
    expect(s).toEqual({ field: "site", descending: false });
    s = nextSort(s, "site");
    expect(s).toEqual({ field: "site", descending: true });
    expect(nextSort(s, "site")).toBeNull();
    // Claims start largest first.
    const c = nextSort(s, "claimed_tco2e");
    expect(c).toEqual({ field: "claimed_tco2e", descending: true });
    expect(nextSort(c, "claimed_tco2e")).toEqual({ field: "claimed_tco2e", descending: false });
    expect(sortMark(c, "claimed_tco2e")).toBe("▼");
    expect(sortMark(c, "site")).toBe("");
  });

  it("builds the backend query from the table's filters", () => {
    expect(isPlain(buildQuery(null, NO_FILTERS))).toBe(true);
    const q = buildQuery(
      { field: "claimed_tco2e", descending: true },
      { flag: "medium+", check: "outside_boundary", values: [{ field: "depth_cm", op: "le", value: "30" }] },
    );
    expect(q).toEqual({
      sort: { field: "claimed_tco2e", descending: true },
      filters: [
        { field: "flag", op: "ge", value: "medium" },
        { field: "check", op: "eq", value: "outside_boundary" },
        { field: "depth_cm", op: "le", value: "30" },
      ],
    });
    expect(isPlain(q)).toBe(false);
    expect(queryKey(q)).not.toBe(queryKey(buildQuery({ field: "claimed_tco2e", descending: false }, NO_FILTERS)));
    expect(describeFilter(q.filters[2]!)).toBe("depth_cm ≤ 30");
  });

  it("refuses an incomplete value condition with a reason", () => {
    expect(valueFilter("", "eq", "3")).toBe("Choose a column.");
    expect(valueFilter("site", "contains", "  ")).toBe("Enter a value.");
    expect(valueFilter("site", "contains", " north ")).toEqual({ field: "site", op: "contains", value: "north" });
  });

  it("tints flagged rows by their worst flag only", () => {
    expect(rowTint(null)).toBeNull();
    expect(rowTint("high")).toContain("215");
    expect(rowTint("low")).not.toBe(rowTint("medium"));
  });
});
