/**
 * The map's view settings — which layers show, how big the markers are, whether the side panel
 * is open — kept in localStorage so they survive switching batches and restarting. Read
 * defensively: anything unreadable falls back to the defaults.
 */

export type LayerKey = "basemap" | "overlay" | "boundary" | "points";
export const LAYER_KEYS: readonly LayerKey[] = ["basemap", "overlay", "boundary", "points"];
export const LAYER_LABELS: Readonly<Record<LayerKey, string>> = {
  basemap: "Basemap",
  overlay: "Satellite overlay",
  boundary: "Project boundary",
  points: "Measurement points",
};

export interface MapSettings {
  layers: Record<LayerKey, boolean>;
  /** Marker size as a multiple of the default (MARKER_SCALE_MIN..MARKER_SCALE_MAX). */
  markerScale: number;
  panelOpen: boolean;
}

export const MARKER_SCALE_MIN = 0.5;
export const MARKER_SCALE_MAX = 2.5;
export const STORAGE_KEY = "mrv.map.settings.v1";

export function defaultSettings(): MapSettings {
  return { layers: { basemap: true, overlay: true, boundary: true, points: true }, markerScale: 1, panelOpen: true };
}

export function clampScale(v: unknown): number {
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n)) return 1;
  return Math.min(MARKER_SCALE_MAX, Math.max(MARKER_SCALE_MIN, Math.round(n * 100) / 100));
}

/** Settings from stored text; defaults for whatever is missing or malformed. */
export function parseSettings(text: string | null | undefined): MapSettings {
  const out = defaultSettings();
  if (!text) return out;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof raw !== "object" || raw === null) return out;
  const r = raw as Record<string, unknown>;
  if (typeof r.layers === "object" && r.layers !== null) {
    const l = r.layers as Record<string, unknown>;
    for (const k of LAYER_KEYS) if (typeof l[k] === "boolean") out.layers[k] = l[k];
  }
  if (r.markerScale !== undefined) out.markerScale = clampScale(r.markerScale);
  if (typeof r.panelOpen === "boolean") out.panelOpen = r.panelOpen;
  return out;
}

export type Store = Pick<Storage, "getItem" | "setItem">;

/** The webview's localStorage, or null where it is unavailable or refused. */
export function storage(): Store | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadSettings(store: Store | null = storage()): MapSettings {
  try {
    return parseSettings(store?.getItem(STORAGE_KEY));
  } catch {
    return defaultSettings();
  }
}

export function saveSettings(settings: MapSettings, store: Store | null = storage()): void {
  try {
    store?.setItem(STORAGE_KEY, JSON.stringify(settings));
  } catch {
    // Storage full or refused: the settings still hold for this session.
  }
}
