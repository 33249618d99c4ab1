/**
 * Words for one row's evidence panel: the title, each layer's reading (or why there is none),
 * and zonal statistics over a plot polygon.
 */
import type { LayerStyleDto_Serialize, RowSampleDto_Serialize } from "../../lib/bindings";
import { formatCount, formatValue, plainCount } from "../../lib/format";

/** "Row 200 · SDM-0200" (the row number without separators, as the flags list prints it). */
export function rowTitle(row: number, recordId: string): string {
  const id = recordId.trim();
  return id ? `Row ${plainCount(row)} · ${id}` : `Row ${plainCount(row)}`;
}

/** Why a layer has no value at a row, in plain words. */
export function missingText(missing: string | null | undefined): string {
  switch (missing) {
    case "nodata":
      return "no data at this pixel";
    case "outside":
      return "outside the raster";
    case "not_enriched":
      return "not enriched yet";
    default:
      return "no value";
  }
}

/**
 * A layer's value at a row in words: a land-cover class gets its name ("10 · Tree cover"), a
 * forest-loss year its calendar year (Hansen's 1 = 2001; 0 = no loss), a ramp layer its unit.
 */
export function sampleValueText(value: number, kind: string | null, style: Pick<LayerStyleDto_Serialize, "kind" | "stops" | "unit"> | null): string {
  const text = formatValue(value);
  if (kind === "forest_loss_year" && Number.isInteger(value)) {
    if (value === 0) return `${text} (no loss)`;
    if (value >= 1 && value <= 99) return `${text} (loss in ${2000 + value})`;
  }
  if (style?.kind === "classes") {
    const cls = style.stops.find((s) => s.value === value);
    return cls ? `${text} · ${cls.label}` : `${text} · unclassified`;
  }
  const unit = style?.unit?.trim();
  return unit ? `${text} ${unit}` : text;
}

/** The reading of one layer: its value in words, or why there is none. */
export function sampleText(sample: Pick<RowSampleDto_Serialize, "value" | "missing">, kind: string | null, style: Pick<LayerStyleDto_Serialize, "kind" | "stops" | "unit"> | null): string {
  if (sample.value !== null && sample.value !== undefined && Number.isFinite(sample.value)) return sampleValueText(sample.value, kind, style);
  return missingText(sample.missing);
}

/** "mean 0.71 · min 0.52 · max 0.83 · 14 pixels"; null when the row has no zonal statistics. */
export function zonalText(sample: Pick<RowSampleDto_Serialize, "zonal_mean" | "zonal_min" | "zonal_max" | "zonal_pixels">): string | null {
  const parts: string[] = [];
  if (sample.zonal_mean !== null && sample.zonal_mean !== undefined) parts.push(`mean ${formatValue(sample.zonal_mean)}`);
  if (sample.zonal_min !== null && sample.zonal_min !== undefined) parts.push(`min ${formatValue(sample.zonal_min)}`);
  if (sample.zonal_max !== null && sample.zonal_max !== undefined) parts.push(`max ${formatValue(sample.zonal_max)}`);
  const px = sample.zonal_pixels;
  if (px !== null && px !== undefined) parts.push(px === 1 ? "1 pixel" : `${formatCount(px)} pixels`);
  return parts.length > 0 ? parts.join(" · ") : null;
}
