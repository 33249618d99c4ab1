/**
 * Which basemap the map draws under the evidence: the bundled world outline alone, or a basemap
 * registered in the workspace (a GeoTIFF/COG or MBTiles, drawn by the backend over the view) on
 * top of it. The choice is kept in localStorage by the basemap's id and name (ids restart in
 * each workspace); a choice whose basemap is gone (removed, another workspace) falls back to
 * the world outline.
 */
import type { BasemapDto } from "../../lib/bindings";
import { storage, type Store } from "./mapSettings";
import { lonLatToMercator, type Extent } from "./points";

export const BASEMAP_STORAGE_KEY = "mrv.map.basemap.v1";

/** A registered basemap (its id and name), or null for the world outline only. */
export type BasemapChoice = { id: number; name: string } | null;

/** The stored choice; null when none or unreadable. */
export function loadBasemapChoice(store: Store | null = storage()): BasemapChoice {
  try {
    const raw: unknown = JSON.parse(store?.getItem(BASEMAP_STORAGE_KEY) ?? "null");
    if (typeof raw !== "object" || raw === null) return null;
    const { id, name } = raw as Record<string, unknown>;
    return typeof id === "number" && Number.isSafeInteger(id) && id > 0 && typeof name === "string" ? { id, name } : null;
  } catch {
    return null;
  }
}

export function saveBasemapChoice(choice: BasemapChoice, store: Store | null = storage()): void {
  try {
    store?.setItem(BASEMAP_STORAGE_KEY, JSON.stringify(choice));
  } catch {
    // Storage full or refused: the choice still holds for this session.
  }
}

/** The basemap drawn for a choice: null when the world outline only, or when it is not registered (any more, or in this workspace). */
export function chosenBasemap(choice: BasemapChoice, basemaps: readonly BasemapDto[] | null): BasemapDto | null {
  if (choice === null || !basemaps) return null;
  return basemaps.find((b) => b.id === choice.id && b.name === choice.name) ?? null;
}

/** A basemap's WGS84 bounds `[west, south, east, north]` as an EPSG:3857 extent (NaN where a bound is missing: it then overlaps nothing). */
export function boundsExtent(bounds: readonly (number | null)[]): Extent {
  const [w, s, e, n] = bounds;
  return [...lonLatToMercator(w, s), ...lonLatToMercator(e, n)];
}

/** Whether two extents overlap (touching edges do not). */
export function overlaps(a: Extent, b: Extent): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}
