/**
 * The measure tool's numbers: geodesic lengths (Vincenty's inverse formula on the WGS84
 * ellipsoid) along a polyline, and geodesic polygon areas (spherical excess on the authalic
 * sphere, with latitudes converted to authalic latitudes, so equal-area on the ellipsoid to well
 * under 0.1 % for project-sized polygons). Coordinates are [lon, lat] in degrees. No DOM.
 */

/** WGS84 semi-major axis (m) and flattening. */
export const WGS84_A = 6378137;
export const WGS84_F = 1 / 298.257223563;
const B = WGS84_A * (1 - WGS84_F);
const E2 = WGS84_F * (2 - WGS84_F);
const E = Math.sqrt(E2);
const RAD = Math.PI / 180;

export type LonLat = readonly [number, number];

/**
 * Geodesic distance in metres between two points on the WGS84 ellipsoid (Vincenty inverse).
 * For nearly antipodal points, where the iteration does not converge, the great-circle distance
 * on the mean sphere is returned instead.
 */
export function geodesicDistance(a: LonLat, b: LonLat): number {
  const [lon1, lat1] = a;
  const [lon2, lat2] = b;
  if (lon1 === lon2 && lat1 === lat2) return 0;
  const L = (lon2 - lon1) * RAD;
  const U1 = Math.atan((1 - WGS84_F) * Math.tan(lat1 * RAD));
  const U2 = Math.atan((1 - WGS84_F) * Math.tan(lat2 * RAD));
  const sinU1 = Math.sin(U1);
  const cosU1 = Math.cos(U1);
  const sinU2 = Math.sin(U2);
  const cosU2 = Math.cos(U2);
  let lambda = L;
  for (let i = 0; i < 200; i++) {
    const sinL = Math.sin(lambda);
    const cosL = Math.cos(lambda);
    const sinSigma = Math.sqrt((cosU2 * sinL) ** 2 + (cosU1 * sinU2 - sinU1 * cosU2 * cosL) ** 2);
    if (sinSigma === 0) return 0;
    const cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
    const sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinL) / sinSigma;
    const cos2Alpha = 1 - sinAlpha * sinAlpha;
    const cos2SigmaM = cos2Alpha === 0 ? 0 : cosSigma - (2 * sinU1 * sinU2) / cos2Alpha;
    const C = (WGS84_F / 16) * cos2Alpha * (4 + WGS84_F * (4 - 3 * cos2Alpha));
    const prev = lambda;
    lambda = L + (1 - C) * WGS84_F * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    if (Math.abs(lambda - prev) < 1e-12) {
      const u2 = (cos2Alpha * (WGS84_A * WGS84_A - B * B)) / (B * B);
      const A = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
      const Bc = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
      const deltaSigma =
        Bc *
        sinSigma *
        (cos2SigmaM + (Bc / 4) * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) - (Bc / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
      return B * A * (sigma - deltaSigma);
    }
  }
  return greatCircle(a, b);
}

/** Haversine distance on the mean Earth sphere (R = 6 371 008.8 m). */
function greatCircle([lon1, lat1]: LonLat, [lon2, lat2]: LonLat): number {
  const R = 6371008.8;
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Length in metres along a polyline (0 for fewer than two points). */
export function pathLength(path: readonly LonLat[]): number {
  let total = 0;
  for (let i = 1; i < path.length; i++) total += geodesicDistance(path[i - 1]!, path[i]!);
  return total;
}

/** q(φ) of the authalic latitude: q = (1 − e²)·[sinφ/(1 − e²sin²φ) − ln((1 − e sinφ)/(1 + e sinφ))/(2e)]. */
function q(sinPhi: number): number {
  const es = E * sinPhi;
  return (1 - E2) * (sinPhi / (1 - E2 * sinPhi * sinPhi) - Math.log((1 - es) / (1 + es)) / (2 * E));
}
const Q_POLE = q(1);
/** Radius of the sphere with the ellipsoid's surface area (m). */
export const AUTHALIC_RADIUS = WGS84_A * Math.sqrt(Q_POLE / 2);

/** Authalic latitude (radians) of a geodetic latitude in degrees. */
export function authalicLatitude(latDeg: number): number {
  const v = q(Math.sin(latDeg * RAD)) / Q_POLE;
  return Math.asin(Math.max(-1, Math.min(1, v)));
}

/**
 * Area in square metres of a polygon (one ring of [lon, lat], closed or not; either winding).
 * Edges are taken as geodesics of the authalic sphere. 0 for fewer than three points.
 */
export function polygonArea(ring: readonly LonLat[]): number {
  const pts = ring.length > 1 && ring[0]![0] === ring[ring.length - 1]![0] && ring[0]![1] === ring[ring.length - 1]![1] ? ring.slice(0, -1) : ring;
  const n = pts.length;
  if (n < 3) return 0;
  // Sum of the signed spherical excesses of the triangles (north pole, p_i, p_{i+1}):
  // tan(E/2) = t1·t2·sin Δλ / (1 + t1·t2·cos Δλ), t = tan(colatitude / 2).
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const [lon1, lat1] = pts[i]!;
    const [lon2, lat2] = pts[(i + 1) % n]!;
    let dLon = (lon2 - lon1) * RAD;
    if (dLon > Math.PI) dLon -= 2 * Math.PI;
    else if (dLon < -Math.PI) dLon += 2 * Math.PI;
    const t = Math.tan(Math.PI / 4 - authalicLatitude(lat1) / 2) * Math.tan(Math.PI / 4 - authalicLatitude(lat2) / 2);
    sum += 2 * Math.atan2(t * Math.sin(dLon), 1 + t * Math.cos(dLon));
  }
  const area = Math.abs(sum) * AUTHALIC_RADIUS * AUTHALIC_RADIUS;
  // A ring around more than half the sphere means the other side was meant.
  const sphere = 4 * Math.PI * AUTHALIC_RADIUS * AUTHALIC_RADIUS;
  return area > sphere / 2 ? sphere - area : area;
}

/** "850 m", "12.4 km", "1,234 km". */
export function formatDistance(m: number): string {
  if (!Number.isFinite(m) || m < 0) return "—";
  if (m < 1000) return `${m < 10 ? m.toFixed(1) : Math.round(m).toLocaleString("en-US")} m`;
  const km = m / 1000;
  return `${km < 100 ? km.toFixed(2) : Math.round(km).toLocaleString("en-US")} km`;
}

/** "950 m²", "2.35 ha", "12,300 ha": square metres below a hectare, hectares above. */
export function formatArea(m2: number): string {
  if (!Number.isFinite(m2) || m2 < 0) return "—";
  if (m2 < 10_000) return `${Math.round(m2).toLocaleString("en-US")} m²`;
  const ha = m2 / 10_000;
  return `${ha < 1000 ? ha.toFixed(2) : Math.round(ha).toLocaleString("en-US")} ha`;
}
