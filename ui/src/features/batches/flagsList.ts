/**
 * Whether the batch view shows its flags list beside the table, map or plot. The table keeps the
 * list open (when the batch has flags); the Map and Plot tabs fold it into a narrow "Flags (N)"
 * toggle by default, so the map and the plot keep most of the window. Whatever the user chooses
 * with the toggles holds for the rest of the session: one choice for the table, one for the map
 * and the plot together, kept in sessionStorage.
 */
import { formatCount } from "../../lib/format";
import type { KeyValueStore } from "../../lib/layout";

/** Where the choices are kept (sessionStorage: they last as long as the window). */
export const FLAGS_LIST_STORAGE_KEY = "mrv-desk.flags-list";

/** The batch view's tabs (BatchView's `BatchTab`). */
export type FlagsListTab = "table" | "map" | "plot" | "review";

/** The user's choice per kind of tab: true open, false folded, null never chosen. */
export interface FlagsListChoices {
  table: boolean | null;
  spatial: boolean | null;
}

export const NO_CHOICES: FlagsListChoices = Object.freeze({ table: null, spatial: null });

/** Which choice a tab follows; null for the review, which never shows the list. */
export function choiceKind(tab: FlagsListTab): keyof FlagsListChoices | null {
  if (tab === "table") return "table";
  if (tab === "map" || tab === "plot") return "spatial";
  return null;
}

/**
 * Whether the list is open on `tab`: the user's choice for that kind of tab, else open on the
 * table when there are flags and folded on the map and the plot. Never on the review, and
 * never before the flags are known (`flagCount` null).
 */
export function flagsListOpen(tab: FlagsListTab, choices: FlagsListChoices, flagCount: number | null): boolean {
  const kind = choiceKind(tab);
  if (kind === null || flagCount === null) return false;
  return choices[kind] ?? (kind === "table" ? flagCount > 0 : false);
}

/** The choices after the user opened (true) or folded (false) the list on `tab`. */
export function chooseFlagsList(choices: FlagsListChoices, tab: FlagsListTab, open: boolean): FlagsListChoices {
  const kind = choiceKind(tab) ?? "table";
  return { ...choices, [kind]: open };
}

/** The folded toggle's label: "Flags (33)". */
export function foldedLabel(flagCount: number): string {
  return `Flags (${formatCount(flagCount)})`;
}

/** The choices kept this session; none when storage is missing, refuses or holds something else. */
export function readFlagsListChoices(store: KeyValueStore | null | undefined): FlagsListChoices {
  try {
    const raw = store?.getItem(FLAGS_LIST_STORAGE_KEY);
    if (!raw) return { ...NO_CHOICES };
    const v: unknown = JSON.parse(raw);
    if (typeof v !== "object" || v === null) return { ...NO_CHOICES };
    const r = v as Record<string, unknown>;
    const pick = (x: unknown) => (typeof x === "boolean" ? x : null);
    return { table: pick(r.table), spatial: pick(r.spatial) };
  } catch {
    return { ...NO_CHOICES };
  }
}

/** Keeps the choices; a storage that refuses is ignored (they then last while the view is open). */
export function writeFlagsListChoices(store: KeyValueStore | null | undefined, choices: FlagsListChoices): void {
  try {
    store?.setItem(FLAGS_LIST_STORAGE_KEY, JSON.stringify({ table: choices.table, spatial: choices.spatial }));
  } catch {
    // Nothing to do.
  }
}
