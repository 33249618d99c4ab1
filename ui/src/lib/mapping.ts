import type { MappingDto } from "./bindings";

/** Coordinate targets a column can map to besides the methodology's fields. */
export const COORDINATE_FIELDS = ["lon", "lat", "x", "y"] as const;

/** Value of the "(keep as extra column)" choice. */
export const KEEP_EXTRA = "";

/**
 * The mapping to send: one entry per source column whose chosen field differs from the
 * automatic match. A column set back to "(keep as extra column)" cannot be expressed to the
 * importer (a mapping must name a field), so it is left out.
 */
export function mappingDiff(columns: readonly string[], matched: readonly (string | null)[], chosen: readonly string[]): MappingDto[] {
  const out: MappingDto[] = [];
  columns.forEach((source, i) => {
    const auto = matched[i] ?? KEEP_EXTRA;
    const pick = chosen[i] ?? auto;
    if (pick !== auto && pick !== KEEP_EXTRA) out.push({ source, field: pick });
  });
  return out;
}

/** Initial choices for the mapping selects, from the preview's automatic match. */
export function initialChoices(columns: readonly string[], matched: readonly (string | null)[]): string[] {
  return columns.map((_, i) => matched[i] ?? KEEP_EXTRA);
}

/** Options for a mapping select: profile fields then coordinates, without duplicates. */
export function fieldOptions(profileFields: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of [...profileFields, ...COORDINATE_FIELDS]) {
    if (!seen.has(f)) {
      seen.add(f);
      out.push(f);
    }
  }
  return out;
}

/** Columns the user moved to "(keep as extra column)" although they match a field by name. */
export function unmappableChoices(columns: readonly string[], matched: readonly (string | null)[], chosen: readonly string[]): string[] {
  return columns.filter((_, i) => (matched[i] ?? KEEP_EXTRA) !== KEEP_EXTRA && chosen[i] === KEEP_EXTRA);
}

/** Required fields that no column is currently chosen for (updates as the user maps columns). */
export function missingRequired(required: readonly string[], chosen: readonly string[]): string[] {
  const covered = new Set(chosen);
  return required.filter((f) => !covered.has(f));
}
