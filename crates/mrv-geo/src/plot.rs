//! Where a plot polygon is, as one point: the point that drives sampling and the boundary
//! check of a plot row, and that its stamp row records.
//!
//! The polygon (WGS84) is projected to the UTM zone of its first vertex (UPS beyond 84°), and
//! there, relative to that first vertex so that no large coordinate cancels, the area-weighted
//! centroid of its outer rings minus its holes is computed. A conformal projection is locally
//! affine and affine maps keep centroids, so for plot-sized polygons this is the geodesic
//! centroid to well under a millimetre. If that centroid is not inside the polygon (a crescent,
//! an L, two parts), the point used is the middle of the widest interior stretch of the
//! horizontal line through it (the line through the middle of the polygon's extent if that
//! one misses), which is always inside — the rule GEOS's interior point for areas follows.
//! The point is projected back to WGS84.

use crate::transform::wgs84;
use crate::GeoError;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use std::collections::HashMap;

/// A polygon: its outer ring then its holes, each a closed list of (lon, lat) in WGS84.
pub type PolygonRings = Vec<Vec<(f64, f64)>>;

/// The UTM (or UPS) EPSG code for a WGS84 position.
fn projected_epsg(lon: f64, lat: f64) -> u32 {
    if lat > 84.0 {
        return 32661;
    }
    if lat < -80.0 {
        return 32761;
    }
    let zone = (((lon + 180.0) / 6.0).floor() as i64).rem_euclid(60) as u32 + 1;
    if lat >= 0.0 {
        32600 + zone
    } else {
        32700 + zone
    }
}

thread_local! {
    /// Per thread (GDAL transformations are not `Send`): WGS84 → projected and back, by EPSG.
    static TRANSFORMS: std::cell::RefCell<HashMap<u32, (CoordTransform, CoordTransform)>> =
        std::cell::RefCell::new(HashMap::new());
}

fn with_transforms<T>(
    epsg: u32,
    f: impl FnOnce(&CoordTransform, &CoordTransform) -> T,
) -> Result<T, GeoError> {
    TRANSFORMS.with(|cell| {
        let mut cache = cell.borrow_mut();
        if let std::collections::hash_map::Entry::Vacant(slot) = cache.entry(epsg) {
            let failed = |e: gdal::errors::GdalError| GeoError::Transform {
                crs: format!("EPSG:{epsg}"),
                reason: e.to_string(),
            };
            let mut projected = SpatialRef::from_epsg(epsg).map_err(failed)?;
            projected.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            let forward = CoordTransform::new(&wgs84(), &projected).map_err(failed)?;
            let back = CoordTransform::new(&projected, &wgs84()).map_err(failed)?;
            slot.insert((forward, back));
        }
        let (forward, back) = cache.get(&epsg).expect("inserted above");
        Ok(f(forward, back))
    })
}

/// The point that stands for a plot polygon (see the module documentation), in WGS84.
pub fn plot_position(polygons: &[PolygonRings]) -> Result<(f64, f64), GeoError> {
    crate::quiet_gdal();
    let invalid = |what: &str| GeoError::InvalidGeometry(what.to_owned());
    let &(lon0, lat0) = polygons
        .iter()
        .flat_map(|p| p.first())
        .flat_map(|ring| ring.first())
        .next()
        .ok_or_else(|| invalid("the polygon has no vertices"))?;
    if !lon0.is_finite() || !lat0.is_finite() {
        return Err(invalid("the polygon has a vertex that is not a number"));
    }
    let epsg = projected_epsg(lon0, lat0);
    with_transforms(epsg, |forward, back| {
        let project = |ring: &[(f64, f64)]| -> Result<(Vec<f64>, Vec<f64>), GeoError> {
            let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = ring.iter().copied().unzip();
            if crate::transform::transform_points(forward, &mut xs, &mut ys).contains(&false) {
                return Err(invalid("a polygon vertex cannot be projected"));
            }
            Ok((xs, ys))
        };
        let (ox, oy) = project(&[(lon0, lat0)])?;
        let (ox, oy) = (ox[0], oy[0]);
        // Every vertex, projected, relative to the first one.
        let projected = polygons
            .iter()
            .map(|polygon| {
                polygon
                    .iter()
                    .map(|ring| {
                        let (xs, ys) = project(ring)?;
                        Ok(xs.iter().zip(&ys).map(|(x, y)| (x - ox, y - oy)).collect())
                    })
                    .collect::<Result<Vec<_>, GeoError>>()
            })
            .collect::<Result<Vec<_>, GeoError>>()?;
        let (x, y) =
            interior_centroid(&projected).ok_or_else(|| invalid("the polygon has no area"))?;
        let (mut xs, mut ys) = (vec![ox + x], vec![oy + y]);
        if !crate::transform::transform_points(back, &mut xs, &mut ys)[0] {
            return Err(invalid(
                "the plot's centre cannot be projected back to WGS84",
            ));
        }
        Ok((xs[0], ys[0]))
    })?
}

/// Signed area and area-weighted centroid sums of a ring (shoelace).
fn ring_moments(ring: &[(f64, f64)]) -> (f64, f64, f64) {
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for w in ring.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let cross = x0 * y1 - x1 * y0;
        a += cross;
        cx += (x0 + x1) * cross;
        cy += (y0 + y1) * cross;
    }
    (a / 2.0, cx / 6.0, cy / 6.0)
}

/// Even-odd: is (x, y) inside the polygon (outer ring and holes)?
fn inside(polygon: &[Vec<(f64, f64)>], x: f64, y: f64) -> bool {
    let mut odd = false;
    for ring in polygon {
        for w in ring.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if (y0 > y) != (y1 > y) && x < x0 + (y - y0) * (x1 - x0) / (y1 - y0) {
                odd = !odd;
            }
        }
    }
    odd
}

/// The centroid of the polygons (outer rings count positive, holes negative, whatever their
/// winding), or an interior point when the centroid is outside them.
fn interior_centroid(polygons: &[Vec<Vec<(f64, f64)>>]) -> Option<(f64, f64)> {
    let (mut area, mut sx, mut sy) = (0.0, 0.0, 0.0);
    let mut largest: Option<(f64, usize)> = None;
    for (k, polygon) in polygons.iter().enumerate() {
        let mut polygon_area = 0.0;
        for (r, ring) in polygon.iter().enumerate() {
            let (a, cx, cy) = ring_moments(ring);
            // Orient every outer ring positive and every hole negative.
            let sign = if (a >= 0.0) == (r == 0) { 1.0 } else { -1.0 };
            area += sign * a;
            sx += sign * cx;
            sy += sign * cy;
            polygon_area += sign * a;
        }
        let polygon_area = polygon_area.abs();
        if largest.is_none_or(|(a, _)| polygon_area > a) {
            largest = Some((polygon_area, k));
        }
    }
    if area == 0.0 || !area.is_finite() {
        return None;
    }
    let (cx, cy) = (sx / area, sy / area);
    if polygons.iter().any(|p| inside(p, cx, cy)) {
        return Some((cx, cy));
    }
    let polygon = &polygons[largest?.1];
    let (min_y, max_y) = polygon[0]
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    [cy, (min_y + max_y) / 2.0]
        .into_iter()
        .find_map(|y| widest_stretch(polygon, y))
}

/// The middle of the widest stretch of the line at `y` inside the polygon.
fn widest_stretch(polygon: &[Vec<(f64, f64)>], y: f64) -> Option<(f64, f64)> {
    let mut xs: Vec<f64> = Vec::new();
    for ring in polygon {
        for w in ring.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if (y0 > y) != (y1 > y) {
                xs.push(x0 + (y - y0) * (x1 - x0) / (y1 - y0));
            }
        }
    }
    xs.sort_by(f64::total_cmp);
    xs.chunks_exact(2)
        .filter(|pair| pair[1] > pair[0])
        .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])))
        .map(|pair| ((pair[0] + pair[1]) / 2.0, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A polygon given in metres around a centre in UTM 23S, as WGS84 rings.
    fn from_utm(rings: &[&[(f64, f64)]]) -> PolygonRings {
        let mut srs = SpatialRef::from_epsg(32723).unwrap();
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let to_wgs84 = CoordTransform::new(&srs, &wgs84()).unwrap();
        rings
            .iter()
            .map(|ring| {
                let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = ring
                    .iter()
                    .map(|(dx, dy)| (750_123.4 + dx, 7_321_456.7 + dy))
                    .unzip();
                to_wgs84
                    .transform_coords(&mut xs, &mut ys, &mut [])
                    .unwrap();
                xs.into_iter().zip(ys).collect()
            })
            .collect()
    }

    /// Where a WGS84 point is in UTM 23S, relative to the test's centre, in metres.
    fn to_utm(lon: f64, lat: f64) -> (f64, f64) {
        let mut srs = SpatialRef::from_epsg(32723).unwrap();
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let to_utm = CoordTransform::new(&wgs84(), &srs).unwrap();
        let (mut xs, mut ys) = (vec![lon], vec![lat]);
        to_utm.transform_coords(&mut xs, &mut ys, &mut []).unwrap();
        (xs[0] - 750_123.4, ys[0] - 7_321_456.7)
    }

    fn square(side: f64) -> Vec<(f64, f64)> {
        let h = side / 2.0;
        vec![(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)]
    }

    #[test]
    fn small_square_plots_land_within_a_centimetre_of_their_centre() {
        for side in [22.0, 5.5, 1.0] {
            let (lon, lat) = plot_position(&[from_utm(&[&square(side)])]).unwrap();
            let (dx, dy) = to_utm(lon, lat);
            assert!(dx.hypot(dy) < 0.01, "{side} m plot: off by ({dx}, {dy}) m");
        }
    }

    #[test]
    fn holes_and_several_parts_weigh_by_area() {
        // A 20 m square with a 10 m hole in its east half: the centroid moves west.
        let hole = [
            (0.0, -5.0),
            (10.0, -5.0),
            (10.0, 5.0),
            (0.0, 5.0),
            (0.0, -5.0),
        ];
        let (lon, lat) = plot_position(&[from_utm(&[&square(20.0), &hole])]).unwrap();
        let (dx, dy) = to_utm(lon, lat);
        // (400·0 − 100·5) / 300 = −5/3 m.
        assert!(
            (dx + 5.0 / 3.0).abs() < 0.01 && dy.abs() < 0.01,
            "({dx}, {dy})"
        );
    }

    #[test]
    fn a_crescent_plot_gets_a_point_inside_itself() {
        // A U open to the north: its centroid lies in the gap between the arms.
        let u = [
            (-15.0, -15.0),
            (15.0, -15.0),
            (15.0, 15.0),
            (10.0, 15.0),
            (10.0, -10.0),
            (-10.0, -10.0),
            (-10.0, 15.0),
            (-15.0, 15.0),
            (-15.0, -15.0),
        ];
        let rings = from_utm(&[&u]);
        let (lon, lat) = plot_position(&[rings]).unwrap();
        let (dx, dy) = to_utm(lon, lat);
        assert!(
            inside(&[u.to_vec()], dx, dy),
            "({dx}, {dy}) is outside the U"
        );
    }

    #[test]
    fn empty_and_flat_polygons_are_refused() {
        assert!(plot_position(&[]).is_err());
        assert!(plot_position(&[vec![vec![]]]).is_err());
        let flat = from_utm(&[&[(0.0, 0.0), (10.0, 0.0), (0.0, 0.0)]]);
        assert!(plot_position(&[flat]).is_err());
    }
}
