/**
 * The linked selection of a batch's rows, shared by the map, the plot and (later) the rows
 * table: a Svelte-compatible store (`subscribe`) of 1-based row numbers. Selecting on the map or
 * brushing the plot replaces or extends it; every view highlights what it holds.
 *
 * The store is a plain module singleton, so any component can import `rowSelection` and
 * subscribe (`$rowSelection` in a component) or emit (`rowSelection.select(...)`).
 */
import { writable, type Readable } from "svelte/store";

/** Who made the current selection: views skip echoes of their own emits if they wish. */
export type SelectionSource = "map" | "map-box" | "plot" | "histogram" | "table" | "flags" | "other";

export interface RowSelection {
  /** The batch the rows belong to; null when nothing is selected. */
  batchId: number | null;
  /** 1-based row numbers, ascending. */
  rows: readonly number[];
  source: SelectionSource | null;
}

export interface RowSelectionStore extends Readable<RowSelection> {
  /** Replaces the selection with `rows` of `batchId`. */
  select(batchId: number, rows: Iterable<number>, source: SelectionSource): void;
  /** Adds rows (or removes them when all are already selected: a shift-click toggles). */
  toggle(batchId: number, rows: Iterable<number>, source: SelectionSource): void;
  /** Empties the selection. */
  clear(source?: SelectionSource): void;
  /** The current value, for code outside components. */
  get(): RowSelection;
}

export const EMPTY_SELECTION: RowSelection = Object.freeze({ batchId: null, rows: Object.freeze([]) as readonly number[], source: null });

/** Sorted, deduplicated, positive whole row numbers. */
export function normaliseRows(rows: Iterable<number>): number[] {
  // A box on the map or a brush over a million points hands over rows already in order: copy
  // them instead of hashing and sorting.
  if (Array.isArray(rows) && strictlyAscendingRows(rows)) return rows.slice();
  const set = new Set<number>();
  for (const r of rows) if (Number.isInteger(r) && r >= 1) set.add(r);
  return [...set].sort((a, b) => a - b);
}

/** Whether every entry is a positive whole number greater than the one before it. */
function strictlyAscendingRows(rows: readonly number[]): boolean {
  let last = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!Number.isInteger(r) || r <= last) return false;
    last = r;
  }
  return true;
}

/** The selection after toggling `rows`: all already in → removed; otherwise added. */
export function toggled(current: RowSelection, batchId: number, rows: Iterable<number>, source: SelectionSource): RowSelection {
  const add = normaliseRows(rows);
  const base = current.batchId === batchId ? current.rows : [];
  const have = new Set(base);
  const allIn = add.length > 0 && add.every((r) => have.has(r));
  if (allIn) for (const r of add) have.delete(r);
  else for (const r of add) have.add(r);
  const next = normaliseRows(have);
  return next.length === 0 ? { ...EMPTY_SELECTION, source } : { batchId, rows: next, source };
}

/** A membership mask over `n` rows (index 0 is row 1), for drawing a million points. */
export function selectionMask(selection: RowSelection, batchId: number, n: number): Uint8Array | null {
  if (selection.batchId !== batchId || selection.rows.length === 0) return null;
  const mask = new Uint8Array(n);
  for (const r of selection.rows) if (r <= n) mask[r - 1] = 1;
  return mask;
}

/** "3 rows selected" / "1 row selected" / "". */
export function selectionText(selection: RowSelection): string {
  const n = selection.rows.length;
  if (n === 0) return "";
  return n === 1 ? "1 row selected" : `${n.toLocaleString("en-US")} rows selected`;
}

export function createRowSelection(): RowSelectionStore {
  let value: RowSelection = EMPTY_SELECTION;
  const store = writable<RowSelection>(value);
  const set = (next: RowSelection) => {
    value = next;
    store.set(next);
  };
  return {
    subscribe: store.subscribe,
    select(batchId, rows, source) {
      const list = normaliseRows(rows);
      set(list.length === 0 ? { ...EMPTY_SELECTION, source } : { batchId, rows: list, source });
    },
    toggle(batchId, rows, source) {
      set(toggled(value, batchId, rows, source));
    },
    clear(source) {
      if (value.rows.length === 0) return;
      set({ ...EMPTY_SELECTION, source: source ?? null });
    },
    get: () => value,
  };
}

/** The app-wide selection. */
export const rowSelection: RowSelectionStore = createRowSelection();
