import { lonLatToMercator, type Extent } from "./points";

/**
 * The project boundary for the map. A project carries its boundary as WGS84 GeoJSON
 * (`boundary_geojson`, a geometry); it is read defensively, so a project without one (or a
 * transport that does not send it) simply shows no boundary.
 */
export function boundaryOf(project: unknown): string | null {
  if (typeof project !== "object" || project === null) return null;
  const value = (project as { boundary_geojson?: unknown }).boundary_geojson;
  return typeof value === "string" && value.trim() !== "" ? value : null;
}


/** Every ring or line of a GeoJSON geometry, feature or collection, as [lon, lat] lists. */
export function boundaryLines(geojson: unknown): [number, number][][] {
  const out: [number, number][][] = [];
  const visit = (g: unknown) => {
    if (typeof g !== "object" || g === null) return;
    const o = g as { type?: string; coordinates?: unknown; geometry?: unknown; features?: unknown; geometries?: unknown };
    switch (o.type) {
      case "FeatureCollection":
        if (Array.isArray(o.features)) o.features.forEach(visit);
        return;
      case "Feature":
        visit(o.geometry);
        return;
      case "GeometryCollection":
        if (Array.isArray(o.geometries)) o.geometries.forEach(visit);
        return;
      case "LineString":
        pushLine(o.coordinates);
        return;
      case "Polygon":
      case "MultiLineString":
        if (Array.isArray(o.coordinates)) o.coordinates.forEach(pushLine);
        return;
      case "MultiPolygon":
        if (Array.isArray(o.coordinates)) for (const p of o.coordinates) if (Array.isArray(p)) p.forEach(pushLine);
        return;
    }
  };
  const pushLine = (line: unknown) => {
    if (!Array.isArray(line)) return;
    const pts: [number, number][] = [];
    for (const c of line) if (Array.isArray(c) && typeof c[0] === "number" && typeof c[1] === "number") pts.push([c[0], c[1]]);
    if (pts.length > 0) out.push(pts);
  };
  visit(geojson);
  return out;
}

/** The boundary's lines projected to Web Mercator (flat [x0, y0, x1, y1, …] per line). */
export function projectLines(lines: readonly (readonly [number, number])[][]): Float64Array[] {
  return lines.map((line) => {
    const flat = new Float64Array(line.length * 2);
    line.forEach(([lon, lat], i) => {
      const [x, y] = lonLatToMercator(lon, lat);
      flat[2 * i] = x;
      flat[2 * i + 1] = y;
    });
    return flat;
  });
}

/** The closest point to (px, py) on any segment of `lines` (planar), with its distance; null without segments. */
export function nearestOnLines(lines: readonly Float64Array[], px: number, py: number): { x: number; y: number; distance: number } | null {
  let best: { x: number; y: number; distance: number } | null = null;
  for (const l of lines) {
    const n = l.length / 2;
    for (let i = 0; i < n; i++) {
      const ax = l[2 * i]!;
      const ay = l[2 * i + 1]!;
      const [bx, by] = i + 1 < n ? [l[2 * i + 2]!, l[2 * i + 3]!] : [ax, ay];
      if (!Number.isFinite(ax + ay + bx + by)) continue;
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
      const x = ax + t * dx;
      const y = ay + t * dy;
      const d = Math.hypot(px - x, py - y);
      if (!best || d < best.distance) best = { x, y, distance: d };
    }
  }
  return best;
}

/**
 * What a jump to a point shows: a frame centred on the point (so the point lands exactly in the
 * middle of the map) that reaches the nearest boundary edge, with at least `minHalf` map units
 * on each side (so a point on the boundary is not zoomed into the ground). Without a boundary,
 * just the point's neighbourhood.
 */
export function jumpFrame(px: number, py: number, nearest: { x: number; y: number } | null, minHalf: number): Extent {
  const hx = Math.max(minHalf, nearest ? Math.abs(nearest.x - px) : 0);
  const hy = Math.max(minHalf, nearest ? Math.abs(nearest.y - py) : 0);
  return [px - hx, py - hy, px + hx, py + hy];
}
