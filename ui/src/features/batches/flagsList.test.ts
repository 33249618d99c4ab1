import { describe, expect, it } from "vitest";
import type { KeyValueStore } from "../../lib/layout";
import { chooseFlagsList, choiceKind, FLAGS_LIST_STORAGE_KEY, flagsListOpen, foldedLabel, NO_CHOICES, readFlagsListChoices, writeFlagsListChoices } from "./flagsList";

function memoryStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe("flagsListOpen", () => {
  it("keeps the list open on the table when there are flags, folded on the map and the plot", () => {
    expect(flagsListOpen("table", NO_CHOICES, 33)).toBe(true);
    expect(flagsListOpen("table", NO_CHOICES, 0)).toBe(false);
    expect(flagsListOpen("map", NO_CHOICES, 33)).toBe(false);
    expect(flagsListOpen("plot", NO_CHOICES, 33)).toBe(false);
  });

  it("never shows the list on the review or before the flags are known", () => {
    expect(flagsListOpen("review", { table: true, spatial: true }, 33)).toBe(false);
    expect(flagsListOpen("table", { table: true, spatial: true }, null)).toBe(false);
  });

  it("follows the user's choice, one for the table and one for the map and plot together", () => {
    let c = chooseFlagsList(NO_CHOICES, "map", true);
    expect(flagsListOpen("map", c, 33)).toBe(true);
    expect(flagsListOpen("plot", c, 33)).toBe(true);
    expect(flagsListOpen("table", c, 33)).toBe(true);
    c = chooseFlagsList(c, "table", false);
    expect(flagsListOpen("table", c, 33)).toBe(false);
    expect(flagsListOpen("map", c, 33)).toBe(true);
    c = chooseFlagsList(c, "plot", false);
    expect(flagsListOpen("map", c, 33)).toBe(false);
    // An explicit choice to open holds for a batch without flags too (it says so).
    expect(flagsListOpen("table", chooseFlagsList(NO_CHOICES, "table", true), 0)).toBe(true);
  });

  it("counts a choice made on the review as the table's", () => {
    expect(chooseFlagsList(NO_CHOICES, "review", true)).toEqual({ table: true, spatial: null });
    expect(choiceKind("review")).toBeNull();
  });
});

describe("the folded toggle", () => {
  it("says how many flags there are", () => {
    expect(foldedLabel(33)).toBe("Flags (33)");
    expect(foldedLabel(12345)).toBe("Flags (12,345)");
  });
});

describe("kept for the session", () => {
  it("reads back what was written", () => {
    const store = memoryStore();
    expect(readFlagsListChoices(store)).toEqual(NO_CHOICES);
    writeFlagsListChoices(store, { table: false, spatial: true });
    expect(JSON.parse(store.map.get(FLAGS_LIST_STORAGE_KEY)!)).toEqual({ table: false, spatial: true });
    expect(readFlagsListChoices(store)).toEqual({ table: false, spatial: true });
  });

  it("reads anything else as no choice", () => {
    const store = memoryStore();
    for (const bad of ["{", "null", "3", '{"table":"yes","spatial":1}', "[]"]) {
      store.map.set(FLAGS_LIST_STORAGE_KEY, bad);
      expect(readFlagsListChoices(store)).toEqual(NO_CHOICES);
    }
    store.map.set(FLAGS_LIST_STORAGE_KEY, '{"spatial":false}');
    expect(readFlagsListChoices(store)).toEqual({ table: null, spatial: false });
  });

  it("survives a storage that is missing or refuses", () => {
    const refusing: KeyValueStore = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("quota");
      },
    };
    expect(readFlagsListChoices(refusing)).toEqual(NO_CHOICES);
    expect(readFlagsListChoices(null)).toEqual(NO_CHOICES);
    expect(() => writeFlagsListChoices(refusing, { table: true, spatial: null })).not.toThrow();
    expect(() => writeFlagsListChoices(undefined, { table: true, spatial: null })).not.toThrow();
  });
});
