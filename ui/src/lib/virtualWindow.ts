/** Arithmetic for the virtualised measurement table. Pure; no DOM. */

/** Browsers clamp element heights somewhere between ~16.7M px (Chromium) and ~33M px (WebKit); stay under. */
export const MAX_SPACER_PX = 15_000_000;

export interface WindowInput {
  /** scrollTop of the scroll container, in spacer pixels. */
  scrollTop: number;
  /** Visible height of the scroll container's body area, in px. */
  viewportHeight: number;
  rowHeight: number;
  total: number;
  /** Extra rows rendered above and below the visible ones. */
  overscan: number;
  /** Largest spacer height to use; defaults to MAX_SPACER_PX. */
  maxSpacer?: number;
}

export interface WindowResult {
  /** Height to give the inner spacer element (capped). */
  spacerHeight: number;
  /** True height of all rows; spacerHeight === contentHeight unless scaled. */
  contentHeight: number;
  /** Content pixels per spacer pixel of scroll (1 when not scaled). */
  scale: number;
  /** First visible row (not counting overscan). */
  firstVisible: number;
  /** One past the last visible row (not counting overscan). */
  endVisible: number;
  /** First row to render (with overscan), inclusive. */
  start: number;
  /** Row after the last row to render (with overscan), exclusive. */
  end: number;
  /** Top, in spacer pixels, at which the row `start` must be drawn. */
  offsetY: number;
}

/**
 * Which rows to render for a scroll position. When all rows together are taller than the
 * spacer cap, scroll positions are mapped proportionally so that scrollTop at its maximum
 * shows the last row, and rows are drawn relative to the current scroll position so they
 * keep their true 1:1 height.
 */
export function computeWindow(input: WindowInput): WindowResult {
  const rowHeight = Math.max(1, input.rowHeight);
  const total = Math.max(0, Math.floor(input.total));
  const viewport = Math.max(0, input.viewportHeight);
  const overscan = Math.max(0, Math.floor(input.overscan));
  const cap = input.maxSpacer ?? MAX_SPACER_PX;

  const contentHeight = total * rowHeight;
  const spacerHeight = Math.min(contentHeight, cap);

  const maxScrollSpacer = Math.max(0, spacerHeight - viewport);
  const maxScrollContent = Math.max(0, contentHeight - viewport);
  const scrollTop = Math.min(Math.max(0, input.scrollTop), maxScrollSpacer);
  const scale = maxScrollSpacer > 0 && contentHeight > spacerHeight ? maxScrollContent / maxScrollSpacer : 1;

  if (total === 0) {
    return { spacerHeight: 0, contentHeight: 0, scale: 1, firstVisible: 0, endVisible: 0, start: 0, end: 0, offsetY: 0 };
  }

  // Where the viewport's top edge is in content coordinates.
  const contentTop = scrollTop * scale;
  const firstVisible = Math.min(total - 1, Math.floor(contentTop / rowHeight));
  const endVisible = Math.min(total, Math.ceil((contentTop + viewport) / rowHeight));
  const start = Math.max(0, firstVisible - overscan);
  const end = Math.min(total, Math.max(endVisible, firstVisible + 1) + overscan);
  // Row `start` sits (start*rowHeight - contentTop) below the viewport top; the viewport top is scrollTop.
  const offsetY = scrollTop + (start * rowHeight - contentTop);

  return { spacerHeight, contentHeight, scale, firstVisible, endVisible, start, end, offsetY };
}

/** Spacer scrollTop that brings row `index` to the top of the viewport. */
export function scrollTopForRow(index: number, rowHeight: number, total: number, viewportHeight: number, maxSpacer = MAX_SPACER_PX): number {
  const w = computeWindow({ scrollTop: 0, viewportHeight, rowHeight, total, overscan: 0, maxSpacer });
  const maxScrollSpacer = Math.max(0, w.spacerHeight - viewportHeight);
  const target = (Math.max(0, Math.min(index, total - 1)) * rowHeight) / w.scale;
  return Math.min(maxScrollSpacer, Math.max(0, target));
}

export interface RevealInput {
  /** 0-based row to bring into view. */
  index: number;
  /** Current scrollTop of the scroll container, in spacer pixels. */
  scrollTop: number;
  /** Visible height of the body area (below the sticky header), in px. */
  viewportHeight: number;
  rowHeight: number;
  total: number;
  /** Largest spacer height; defaults to MAX_SPACER_PX. */
  maxSpacer?: number;
}

/**
 * Spacer scrollTop that makes row `index` fully visible: the current position when it already
 * is, otherwise the position that centres the row in the viewport (clamped to the scroll range).
 * Works in content coordinates and maps back through the same scale computeWindow uses, so it
 * is exact for tables taller than the spacer cap too.
 */
export function scrollTopToReveal(input: RevealInput): number {
  const rowHeight = Math.max(1, input.rowHeight);
  const total = Math.max(0, Math.floor(input.total));
  const viewport = Math.max(0, input.viewportHeight);
  const cap = input.maxSpacer ?? MAX_SPACER_PX;
  if (total === 0) return 0;

  const w = computeWindow({ scrollTop: input.scrollTop, viewportHeight: viewport, rowHeight, total, overscan: 0, maxSpacer: cap });
  const maxScrollSpacer = Math.max(0, w.spacerHeight - viewport);
  const maxScrollContent = Math.max(0, w.contentHeight - viewport);
  const current = Math.min(Math.max(0, input.scrollTop), maxScrollSpacer);

  const index = Math.min(total - 1, Math.max(0, Math.floor(input.index)));
  const rowTop = index * rowHeight;
  const contentTop = current * w.scale;
  if (rowTop >= contentTop && rowTop + rowHeight <= contentTop + viewport) return current;

  const centred = rowTop - (viewport - rowHeight) / 2;
  const contentTarget = Math.min(maxScrollContent, Math.max(0, centred));
  return Math.min(maxScrollSpacer, Math.max(0, contentTarget / w.scale));
}

/** Index of the page holding row `row`. */
export function pageOf(row: number, pageSize: number): number {
  return Math.floor(row / pageSize);
}

/** Page indices covering rows [start, end). */
export function pagesForRange(start: number, end: number, pageSize: number): number[] {
  if (end <= start) return [];
  const first = pageOf(start, pageSize);
  const last = pageOf(end - 1, pageSize);
  const out: number[] = [];
  for (let p = first; p <= last; p++) out.push(p);
  return out;
}
