/**
 * The offline world basemap: Natural Earth's 1:50m land and country borders, as packaged by
 * the `world-atlas` npm package (TopoJSON), turned into GeoJSON (WGS84) for the map to project.
 * The JSON is imported, so Vite bundles it with the app: nothing is fetched at run time.
 */
import { feature, mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";

/** Shown on the map whenever the basemap is. */
export const BASEMAP_ATTRIBUTION = "Basemap © Natural Earth (public domain), 1:50m, via world-atlas";

export interface BasemapGeoJson {
  /** Land polygons. */
  land: GeoJSON.FeatureCollection | GeoJSON.Feature;
  /** Borders between two countries (no coastlines). */
  borders: GeoJSON.MultiLineString;
  /** Coastlines: country edges not shared with another country. */
  coast: GeoJSON.MultiLineString;
}

type WorldTopology = Topology<{ countries: GeometryCollection; land?: GeometryCollection }>;

/** Land, borders and coastlines of a world-atlas topology (`countries-*.json`). */
export function basemapGeoJson(topology: WorldTopology): BasemapGeoJson {
  const countries = topology.objects.countries;
  const landObject = topology.objects.land ?? countries;
  return {
    land: feature(topology, landObject) as GeoJSON.FeatureCollection | GeoJSON.Feature,
    borders: mesh(topology, countries, (a, b) => a !== b),
    coast: mesh(topology, countries, (a, b) => a === b),
  };
}

let cached: Promise<BasemapGeoJson> | null = null;

/** The bundled basemap, converted once (a separate chunk of the app, loaded on first use). */
export function loadBasemap(): Promise<BasemapGeoJson> {
  cached ??= import("world-atlas/countries-50m.json").then((m) => basemapGeoJson((m.default ?? m) as unknown as WorldTopology));
  return cached;
}
