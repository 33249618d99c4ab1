/**
 * Monitoring periods as projects and batches carry them: "2025-01-01..2025-12-31". Forms that
 * propose a period take the project's own periods (`ProjectDto.periods`, from the backend),
 * never a year written into the UI.
 */

export interface PeriodRange {
  start: string;
  end: string;
}

/** "2025-01-01..2025-12-31" → its start and end dates; null when it is not written so. */
export function parsePeriod(period: string): PeriodRange | null {
  const m = /^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$/.exec(period);
  return m ? { start: m[1]!, end: m[2]! } : null;
}

/**
 * The latest of a project's periods: the one ending last (of two ending together, the one
 * starting last), as written; null when none of them is a period. ISO dates compare as text.
 */
export function latestPeriod(periods: readonly string[]): string | null {
  let best: { text: string; range: PeriodRange } | null = null;
  for (const text of periods) {
    const range = parsePeriod(text);
    if (!range) continue;
    if (!best || range.end > best.range.end || (range.end === best.range.end && range.start > best.range.start)) best = { text, range };
  }
  return best ? best.text : null;
}

/**
 * The period a form proposes for a project: its latest period; for a project without any yet,
 * the calendar year of `today` (the user's own clock, so it moves with time).
 */
export function proposedPeriod(periods: readonly string[], today: Date): PeriodRange {
  const latest = latestPeriod(periods);
  const range = latest ? parsePeriod(latest) : null;
  if (range) return range;
  const year = String(today.getFullYear()).padStart(4, "0");
  return { start: `${year}-01-01`, end: `${year}-12-31` };
}
