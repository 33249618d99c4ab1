//! Project boundaries: any polygon layer OGR reads, reprojected to WGS84 and dissolved into one
//! (multi)polygon.

use crate::transform::wgs84;
use crate::GeoError;
use gdal::vector::{Geometry, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use std::path::Path;

/// A boundary in WGS84.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// GeoJSON geometry (Polygon or MultiPolygon), lon/lat order.
    pub geojson: String,
    /// (min lon, min lat, max lon, max lat).
    pub bbox: [f64; 4],
    /// Number of features dissolved into it.
    pub feature_count: usize,
}

/// Reads every polygon feature of the first layer of `path`, reprojects to WGS84 and unions them.
pub fn read_boundary(path: &Path) -> Result<Boundary, GeoError> {
    crate::quiet_gdal();
    let file = path.display().to_string();
    let invalid = |problem: String| GeoError::InvalidBoundary {
        file: file.clone(),
        problem,
    };
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        ..Default::default()
    };
    let dataset = Dataset::open_ex(path, options).map_err(|e| GeoError::Unreadable {
        file: file.clone(),
        what: "vector data",
        reason: crate::error::gdal_reason(&e),
    })?;
    if dataset.layer_count() == 0 {
        return Err(invalid("has no vector layer".into()));
    }
    let mut layer = dataset.layer(0).map_err(|e| invalid(e.to_string()))?;
    let source_srs = layer.spatial_ref().ok_or_else(|| {
        invalid("has no coordinate reference system (a shapefile needs its .prj)".into())
    })?;
    let target = wgs84();
    let mut source = source_srs;
    source.set_axis_mapping_strategy(gdal::spatial_ref::AxisMappingStrategy::TraditionalGisOrder);
    let transform = gdal::spatial_ref::CoordTransform::new(&source, &target)
        .map_err(|e| invalid(format!("cannot transform its CRS to WGS84: {e}")))?;

    let mut union: Option<Geometry> = None;
    let mut feature_count = 0;
    for (i, feature) in layer.features().enumerate() {
        let Some(geometry) = feature.geometry() else {
            continue;
        };
        let name = geometry.geometry_name();
        if name != "POLYGON" && name != "MULTIPOLYGON" {
            return Err(invalid(format!(
                "feature {} is a {name}; a boundary must be polygons",
                i + 1
            )));
        }
        if !geometry.is_valid() {
            return Err(invalid(format!(
                "feature {} is not a valid polygon (self-intersection or bad ring)",
                i + 1
            )));
        }
        let geometry = geometry
            .transform(&transform)
            .map_err(|e| invalid(format!("feature {}: {e}", i + 1)))?;
        feature_count += 1;
        union = Some(match union {
            None => geometry,
            Some(u) => u
                .union(&geometry)
                .ok_or_else(|| invalid(format!("feature {} cannot be merged", i + 1)))?,
        });
    }
    let geometry = union.ok_or_else(|| invalid("has no polygon features".into()))?;
    let envelope = geometry.envelope();
    let bbox = [envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY];
    if bbox[0] < -180.0 || bbox[2] > 180.0 || bbox[1] < -90.0 || bbox[3] > 90.0 {
        return Err(invalid(
            "lies outside -180..180 / -90..90 after reprojection; is its CRS right?".into(),
        ));
    }
    let geojson = geometry.json().map_err(|e| invalid(e.to_string()))?;
    Ok(Boundary {
        geojson,
        bbox,
        feature_count,
    })
}

/// Checks that a GeoJSON geometry text is a valid Polygon or MultiPolygon.
pub fn validate_polygon_geojson(geojson: &str) -> Result<(), GeoError> {
    crate::quiet_gdal();
    let geometry =
        Geometry::from_geojson(geojson).map_err(|e| GeoError::InvalidGeometry(e.to_string()))?;
    let name = geometry.geometry_name();
    if name != "POLYGON" && name != "MULTIPOLYGON" {
        return Err(GeoError::InvalidGeometry(format!(
            "a {name} is not a plot polygon"
        )));
    }
    if !geometry.is_valid() {
        return Err(GeoError::InvalidGeometry(
            "polygon is not valid (self-intersection or bad ring)".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn geojson_boundary_is_read_and_dissolved() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "b.geojson",
            r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-47,-23],[-46,-23],[-46,-22],[-47,-22],[-47,-23]]]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-46,-23],[-45,-23],[-45,-22],[-46,-22],[-46,-23]]]}}]}"#,
        );
        let b = read_boundary(&path).unwrap();
        assert_eq!(b.feature_count, 2);
        assert_eq!(b.bbox, [-47.0, -23.0, -45.0, -22.0]);
        assert!(b.geojson.contains("Polygon"), "{}", b.geojson);
    }

    #[test]
    fn projected_boundary_is_reprojected_to_wgs84() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "utm.geojson",
            r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32723"}},"features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[490000,7390000],[510000,7390000],[510000,7410000],[490000,7410000],[490000,7390000]]]}}]}"#,
        );
        let b = read_boundary(&path).unwrap();
        assert!(
            (b.bbox[0] - -45.1).abs() < 0.05 && (b.bbox[3] - -23.4).abs() < 0.05,
            "{:?}",
            b.bbox
        );
    }

    #[test]
    fn bad_boundaries_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let points = write(
            dir.path(),
            "p.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#,
        );
        assert!(read_boundary(&points)
            .unwrap_err()
            .to_string()
            .contains("feature 1 is a POINT"));
        let bowtie = write(
            dir.path(),
            "bow.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}"#,
        );
        assert!(read_boundary(&bowtie)
            .unwrap_err()
            .to_string()
            .contains("not a valid polygon"));
        let garbage = write(dir.path(), "g.geojson", "this is not json");
        assert!(matches!(
            read_boundary(&garbage).unwrap_err(),
            GeoError::Unreadable { .. }
        ));
    }
}

/// A boundary prepared for many point-in-polygon tests (even-odd ray casting over every ring,
/// so holes are outside), in WGS84.
#[derive(Debug, Clone)]
pub struct BoundaryIndex {
    polygons: Vec<Vec<Vec<(f64, f64)>>>,
    bbox: [f64; 4],
}

impl BoundaryIndex {
    /// From a Polygon/MultiPolygon GeoJSON geometry (as stored with a project).
    pub fn from_geojson(geojson: &str) -> Result<BoundaryIndex, GeoError> {
        crate::quiet_gdal();
        let geometry = Geometry::from_geojson(geojson)
            .map_err(|e| GeoError::InvalidGeometry(e.to_string()))?;
        let polygons: Vec<Geometry> = match geometry.geometry_name().as_str() {
            "POLYGON" => vec![geometry.clone()],
            "MULTIPOLYGON" => (0..geometry.geometry_count())
                .map(|i| geometry.get_geometry(i).clone())
                .collect(),
            other => {
                return Err(GeoError::InvalidGeometry(format!(
                    "a {other} is not a boundary"
                )))
            }
        };
        let mut out = Vec::with_capacity(polygons.len());
        for polygon in &polygons {
            let rings = (0..polygon.geometry_count())
                .map(|r| {
                    let mut points = Vec::new();
                    polygon.get_geometry(r).get_points(&mut points);
                    points.into_iter().map(|(x, y, _)| (x, y)).collect()
                })
                .collect();
            out.push(rings);
        }
        let e = geometry.envelope();
        Ok(BoundaryIndex {
            polygons: out,
            bbox: [e.MinX, e.MinY, e.MaxX, e.MaxY],
        })
    }

    /// The same rings in another CRS (every vertex transformed).
    pub(crate) fn transformed(
        &self,
        transform: &gdal::spatial_ref::CoordTransform,
    ) -> Result<BoundaryIndex, GeoError> {
        let mut polygons = Vec::with_capacity(self.polygons.len());
        let (mut x0, mut y0, mut x1, mut y1) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        );
        for rings in &self.polygons {
            let mut out_rings = Vec::with_capacity(rings.len());
            for ring in rings {
                let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = ring.iter().copied().unzip();
                if crate::transform::transform_points(transform, &mut xs, &mut ys).contains(&false)
                {
                    return Err(GeoError::InvalidGeometry(
                        "a polygon vertex cannot be transformed to the raster's CRS".into(),
                    ));
                }
                for (&x, &y) in xs.iter().zip(&ys) {
                    (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
                }
                out_rings.push(xs.into_iter().zip(ys).collect());
            }
            polygons.push(out_rings);
        }
        Ok(BoundaryIndex {
            polygons,
            bbox: [x0, y0, x1, y1],
        })
    }

    /// (min x, min y, max x, max y).
    pub(crate) fn bbox(&self) -> [f64; 4] {
        self.bbox
    }

    /// The distance in metres from (lon, lat) to the nearest boundary edge and the bearing
    /// (degrees clockwise from north) from that nearest edge point to (lon, lat).
    ///
    /// Each edge is measured in a local east/north frame in metres around the point (spherical
    /// Earth of mean radius): within a few parts per thousand of the geodesic for gaps of tens
    /// of kilometres, which is what a reviewer needs to judge GPS drift. Edges crossing the
    /// antimeridian are not special-cased.
    pub fn gap_to_edge(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        const R: f64 = 6_371_008.8;
        let k_lat = R * std::f64::consts::PI / 180.0;
        let k_lon = k_lat * lat.to_radians().cos();
        let local = |(x, y): (f64, f64)| ((x - lon) * k_lon, (y - lat) * k_lat);
        let mut best: Option<(f64, (f64, f64))> = None;
        for ring in self.polygons.iter().flatten() {
            for w in ring.windows(2) {
                let (a, b) = (local(w[0]), local(w[1]));
                let (dx, dy) = (b.0 - a.0, b.1 - a.1);
                let len2 = dx * dx + dy * dy;
                let t = if len2 > 0.0 {
                    ((-a.0 * dx - a.1 * dy) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let p = (a.0 + t * dx, a.1 + t * dy);
                let d2 = p.0 * p.0 + p.1 * p.1;
                if best.is_none_or(|(bd, _)| d2 < bd) {
                    best = Some((d2, p));
                }
            }
        }
        let (d2, p) = best?;
        // From the edge point p to the measurement point at the origin: the vector -p.
        let bearing = (-p.0).atan2(-p.1).to_degrees().rem_euclid(360.0);
        Some((d2.sqrt(), bearing))
    }

    /// Whether (lon, lat) lies inside (points exactly on an edge may go either way).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        if !(x0..=x1).contains(&lon) || !(y0..=y1).contains(&lat) {
            return false;
        }
        self.polygons.iter().any(|rings| {
            let mut inside = false;
            for ring in rings {
                for w in ring.windows(2) {
                    let ((xa, ya), (xb, yb)) = (w[0], w[1]);
                    if (ya > lat) != (yb > lat) && lon < (xb - xa) * (lat - ya) / (yb - ya) + xa {
                        inside = !inside;
                    }
                }
            }
            inside
        })
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn gaps_to_the_edge_are_metres_and_compass_bearings() {
        // A 0.01° square at the equator: one hundredth of a degree is about 1112 m.
        let index = BoundaryIndex::from_geojson(
            r#"{"type":"Polygon","coordinates":[[[0,0],[0.01,0],[0.01,0.01],[0,0.01],[0,0]]]}"#,
        )
        .unwrap();
        let (d, b) = index.gap_to_edge(0.005, 0.012).unwrap();
        assert!((d - 222.4).abs() < 1.0, "{d}");
        assert!(b.abs() < 1e-6 || (b - 360.0).abs() < 1e-6, "{b}");
        let (d, b) = index.gap_to_edge(0.011, -0.001).unwrap();
        assert!((d - 157.3).abs() < 1.0, "{d}");
        assert!((b - 135.0).abs() < 0.5, "{b}");
        let (_, b) = index.gap_to_edge(-0.002, 0.005).unwrap();
        assert!((b - 270.0).abs() < 1e-6, "{b}");
    }

    #[test]
    fn points_in_a_polygon_with_a_hole_and_a_second_part() {
        let index = BoundaryIndex::from_geojson(
            r#"{"type":"MultiPolygon","coordinates":[
                [[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]],
                [[[20,0],[22,0],[22,2],[20,2],[20,0]]]]}"#,
        )
        .unwrap();
        let check = |x: f64, y: f64| index.contains(x, y);
        assert!(check(1.0, 1.0));
        assert!(!check(5.0, 5.0), "inside the hole");
        assert!(check(21.0, 1.0), "second part");
        assert!(!check(15.0, 1.0), "between the parts");
        assert!(!check(-1.0, 5.0));
        assert!(!check(5.0, 10.5));
    }

    #[test]
    fn agrees_with_gdal_contains_on_the_demo_like_polygon() {
        let json = r#"{"type":"Polygon","coordinates":[[[-48.02,-24.32],[-47.86,-24.35],[-47.74,-24.28],[-47.71,-24.17],[-47.80,-24.09],[-47.95,-24.10],[-48.05,-24.20],[-48.02,-24.32]]]}"#;
        let index = BoundaryIndex::from_geojson(json).unwrap();
        let polygon = Geometry::from_geojson(json).unwrap();
        for i in 0..60 {
            for j in 0..60 {
                // The offsets keep grid points off the polygon's edges, where either answer is
                // right.
                let (x, y) = (
                    -48.1 + 0.45 * i as f64 / 59.0 + 1.3e-6,
                    -24.4 + 0.35 * j as f64 / 59.0 + 0.7e-6,
                );
                let point = Geometry::from_wkt(&format!("POINT ({x} {y})")).unwrap();
                assert_eq!(index.contains(x, y), polygon.contains(&point), "({x}, {y})");
            }
        }
    }
}
