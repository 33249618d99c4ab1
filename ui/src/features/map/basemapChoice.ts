/**
 * Which basemap the map draws under the evidence: the bundled world outline alone, or a basemap
 * registered in the workspace (a GeoTIFF/COG or MBTiles, drawn by the backend over the view) on
 * top of it. The choice is kept in localStorage by the basemap's id; a choice whose basemap is
 * gone (removed, another workspace) falls back to the world outline.
 */
import type { BasemapDto } from "../../lib/bindings";
import { storage, type Store } from "./mapSettings";
import { lonLatToMercator, type Extent } from "./points";

export const BASEMAP_STORAGE_KEY = "mrv.map.basemap.v1";

/** A registered basemap's id, or null for the world outline only. */
export type BasemapChoice = number | null;

/** The stored choice; null when none, unreadable or not an id. */
export function loadBasemapChoice(store: Store | null = storage()): BasemapChoice {
  try {
    const text = store?.getItem(BASEMAP_STORAGE_KEY);
    const id = text ? Number(text) : NaN;
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  } catch {
    return null;
  }
}

export function saveBasemapChoice(choice: BasemapChoice, store: Store | null = storage()): void {
  try {
    store?.setItem(BASEMAP_STORAGE_KEY, choice === null ? "" : String(choice));
  } catch {
    // Storage full or refused: the choice still holds for this session.
  }
}

/** The basemap drawn for a choice: null when the world outline only, or when it is not registered (any more). */
export function chosenBasemap(choice: BasemapChoice, basemaps: readonly BasemapDto[] | null): BasemapDto | null {
  if (choice === null || !basemaps) return null;
  return basemaps.find((b) => b.id === choice) ?? null;
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
