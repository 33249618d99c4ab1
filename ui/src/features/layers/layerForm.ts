/** The "Add layer" form's rules: defaults from the file name and checks before sending. */

/** "/data/ndvi-2025-06.tif" → "ndvi-2025-06"; also for Windows paths. */
export function fileStem(path: string): string {
  const name = path.trim().split(/[\\/]/).pop() ?? "";
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) : name;
}

/** The file name of a path ("C:\\data\\a.tif" → "a.tif"). */
export function fileName(path: string): string {
  return path.trim().split(/[\\/]/).pop() ?? "";
}

export interface LayerForm {
  projectId: number | null;
  path: string;
  kind: string;
  name: string;
  /** As typed: the field is a text box for numbers. */
  band: string | number;
  /** YYYY-MM-DD or empty. */
  date: string;
}

/** A real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The band as a whole number of at least 1; null when it is not one. */
export function parseBand(band: string | number): number | null {
  const s = String(band).trim();
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && Number.isSafeInteger(n) ? n : null;
}

/** What is wrong with the form in plain words, or null when it can be sent. */
export function layerFormProblem(form: LayerForm): string | null {
  if (form.projectId === null) return "Choose the project the layer belongs to.";
  if (!form.path.trim()) return "Enter the path of the raster file (GeoTIFF), or use Browse….";
  if (!form.kind) return "Choose what the layer shows.";
  if (!form.name.trim()) return "Give the layer a name, e.g. “Sentinel-2 NDVI June 2025”.";
  if (parseBand(form.band) === null) return "The band is a whole number, 1 for the first band.";
  const date = form.date.trim();
  if (date && !isIsoDate(date)) return `The acquisition date “${date}” is not a date written YYYY-MM-DD.`;
  return null;
}
