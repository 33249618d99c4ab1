import { describe, expect, it } from "vitest";
import { choiceAfterBatchPick, isCompactViewport, readSidebarChoice, SIDEBAR_STORAGE_KEY, sidebarCollapsed, writeSidebarChoice, type KeyValueStore } from "./layout";

function memoryStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe("compact layout", () => {
  it("calls 1024 × 700 compact and a large screen not", () => {
    expect(isCompactViewport(1024, 700)).toBe(true);
    expect(isCompactViewport(1440, 700)).toBe(true);
    expect(isCompactViewport(1100, 900)).toBe(true);
    expect(isCompactViewport(1440, 900)).toBe(false);
  });

  it("folds the sidebar in a small window until the user chooses", () => {
    expect(sidebarCollapsed(null, true)).toBe(true);
    expect(sidebarCollapsed(null, false)).toBe(false);
    expect(sidebarCollapsed(false, true)).toBe(false);
    expect(sidebarCollapsed(true, false)).toBe(true);
  });

  it("keeps the toggle's choice in storage", () => {
    const store = memoryStore();
    expect(readSidebarChoice(store)).toBeNull();
    writeSidebarChoice(store, true);
    expect(store.map.get(SIDEBAR_STORAGE_KEY)).toBe("collapsed");
    expect(readSidebarChoice(store)).toBe(true);
    writeSidebarChoice(store, false);
    expect(readSidebarChoice(store)).toBe(false);
    store.map.set(SIDEBAR_STORAGE_KEY, "garbage");
    expect(readSidebarChoice(store)).toBeNull();
  });

  it("survives a storage that throws or is absent", () => {
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("quota");
      },
    };
    expect(readSidebarChoice(broken)).toBeNull();
    expect(() => writeSidebarChoice(broken, true)).not.toThrow();
    expect(readSidebarChoice(null)).toBeNull();
  });
});

describe("opening a batch after the rail unfolded the sidebar", () => {
  it("folds it again in a small window unless the user stored a choice", () => {
    // Unfolded from the rail (in memory: false), nothing stored: the window size decides again.
    expect(sidebarCollapsed(choiceAfterBatchPick(false, true, null), true)).toBe(true);
    expect(sidebarCollapsed(choiceAfterBatchPick(false, true, null), false)).toBe(false);
    // The user stored "expanded": it stays unfolded.
    expect(sidebarCollapsed(choiceAfterBatchPick(false, true, false), true)).toBe(false);
  });

  it("keeps an unfold the user asked for with the toggle", () => {
    expect(choiceAfterBatchPick(false, false, false)).toBe(false);
    expect(choiceAfterBatchPick(null, false, null)).toBeNull();
    expect(choiceAfterBatchPick(true, false, true)).toBe(true);
  });
});
