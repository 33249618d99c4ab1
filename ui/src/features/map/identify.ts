/**
 * "Identify at any pixel": what every layer of a batch's project holds under a map position,
 * and the position in the batch's CRS. The backend answers through the `map_identify` Tauri
 * command (not in the generated bindings yet, hence this small typed wrapper); the words for
 * the side panel are here too.
 */
import { invoke } from "@tauri-apps/api/core";
import { formatValue } from "../../lib/format";

export type IdentifyStatus = "value" | "nodata" | "outside";

export interface IdentifyLayer {
  layer_id: number;
  name: string;
  kind: string;
  status: IdentifyStatus;
  value: number | null;
  class_label: string | null;
}

export interface IdentifyResult {
  lon: number;
  lat: number;
  /** The batch's CRS ("EPSG:32722"); null when the batch has none. */
  crs: string | null;
  /** The position in that CRS; null without one. */
  x: number | null;
  y: number | null;
  layers: IdentifyLayer[];
}

/** Asks the backend what lies under (lon, lat) for a batch. Rejects when the command fails. */
export function identifyAt(batchId: number, lon: number, lat: number): Promise<IdentifyResult> {
  return invoke<IdentifyResult>("map_identify", { batchId, lon, lat });
}

/** One layer's reading in words: "40 · Cropland", "0.71", "no data here", "outside the raster". */
export function identifyValueText(layer: Pick<IdentifyLayer, "status" | "value" | "class_label">): string {
  switch (layer.status) {
    case "nodata":
      return "no data here";
    case "outside":
      return "outside the raster";
    default:
      if (layer.value === null || !Number.isFinite(layer.value)) return "no value";
      return classText(layer.value, layer.class_label);
  }
}

/** A class as "code · name" ("40 · Cropland"); the code alone when the class has no name. */
export function classText(code: number, name: string | null | undefined): string {
  const n = (name ?? "").trim();
  const c = formatValue(code);
  return n && n !== c ? `${c} · ${n}` : c;
}

/** "EPSG:32722 · 512,345.12, 8,345,678.90"; null when the batch has no CRS. */
export function crsText(result: Pick<IdentifyResult, "crs" | "x" | "y">): string | null {
  if (!result.crs) return null;
  if (result.x === null || result.y === null) return result.crs;
  const f = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${result.crs} · ${f.format(result.x)}, ${f.format(result.y)}`;
}
