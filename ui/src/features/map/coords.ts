/** The coordinate readout under the cursor: WGS84 longitude and latitude in words. */

/** "-47.85213° · -15.79342°" style pair, fixed decimals (default 5: about a metre). */
export function formatLonLat(lon: number, lat: number, decimals = 5): string {
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return "—";
  return `${hemi(lat, decimals, "N", "S")}, ${hemi(lon, decimals, "E", "W")}`;
}

function hemi(v: number, decimals: number, pos: string, neg: string): string {
  const text = Math.abs(v).toFixed(decimals);
  if (Number(text) === 0) return `${text}°`;
  return `${text}° ${v < 0 ? neg : pos}`;
}

/** Wraps a longitude into [-180, 180) (a view panned past the antimeridian). */
export function wrapLongitude(lon: number): number {
  if (!Number.isFinite(lon)) return lon;
  const w = ((((lon + 180) % 360) + 360) % 360) - 180;
  return w === -180 && lon > 0 ? 180 : w;
}
