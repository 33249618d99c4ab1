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
