/**
 * The compact layout: in a small window (a 1024 × 700 laptop screen) the sidebar folds to a
 * narrow rail and the batch header gets compact, so the map, table or plot keep most of the
 * window. The sidebar toggle's choice is kept in localStorage; until the user chooses, the
 * window's size decides.
 */

/** Where the user's choice is kept ("collapsed" or "expanded"). */
export const SIDEBAR_STORAGE_KEY = "mrv-desk.sidebar";

/** The media query of a small window: where the sidebar folds unless the user chose otherwise. */
export const COMPACT_MEDIA = "(max-width: 1180px), (max-height: 760px)";

/** Whether a window of this size is small (the same bounds as COMPACT_MEDIA). */
export function isCompactViewport(width: number, height: number): boolean {
  return width <= 1180 || height <= 760;
}

/** The part of Storage used here (tests pass a Map-backed stand-in). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The user's choice: true collapsed, false expanded, null when they never chose (or storage fails). */
export function readSidebarChoice(store: KeyValueStore | null | undefined): boolean | null {
  try {
    const v = store?.getItem(SIDEBAR_STORAGE_KEY) ?? null;
    return v === "collapsed" ? true : v === "expanded" ? false : null;
  } catch {
    return null;
  }
}

/** Keeps the user's choice; a storage that refuses (private mode, quota) is ignored. */
export function writeSidebarChoice(store: KeyValueStore | null | undefined, collapsed: boolean): void {
  try {
    store?.setItem(SIDEBAR_STORAGE_KEY, collapsed ? "collapsed" : "expanded");
  } catch {
    // The choice then lasts until the window closes.
  }
}

/** Whether the sidebar is folded: the user's choice, else folded in a small window. */
export function sidebarCollapsed(choice: boolean | null, compactViewport: boolean): boolean {
  return choice ?? compactViewport;
}

/**
 * The in-memory sidebar choice once a batch is opened from the sidebar. A project picked on the
 * rail unfolds the sidebar only to list its batches: when one of them is opened, the stored
 * choice (or, without one, the window's size) decides again, so a small window gives the table,
 * map or plot its width back. An unfold the user asked for with the toggle stays.
 */
export function choiceAfterBatchPick(current: boolean | null, unfoldedFromRail: boolean, stored: boolean | null): boolean | null {
  return unfoldedFromRail ? stored : current;
}
