/** Monitoring periods as batches carry them: "2025-01-01..2025-12-31". */

/** "2025-01-01..2025-12-31" → its start and end dates; null when it is not written so. */
export function parsePeriod(period: string): { start: string; end: string } | null {
  const m = /^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$/.exec(period);
  return m ? { start: m[1]!, end: m[2]! } : null;
}
