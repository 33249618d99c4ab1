//! Batch coordinate transformation to WGS84 longitude/latitude.

use crate::GeoError;
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};

/// Transforms (x, y) in a source CRS to WGS84 (lon, lat), always in traditional GIS axis order
/// (x = easting/longitude) whatever the CRS definition says.
pub struct ToWgs84 {
    crs: String,
    transform: CoordTransform,
}

pub(crate) fn wgs84() -> SpatialRef {
    let mut srs = SpatialRef::from_epsg(4326).expect("GDAL ships EPSG:4326");
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    srs
}

impl ToWgs84 {
    /// `crs` is anything OSR's SetFromUserInput accepts, typically `EPSG:32723`.
    pub fn new(crs: &str) -> Result<ToWgs84, GeoError> {
        crate::quiet_gdal();
        let mut source = SpatialRef::from_definition(crs).map_err(|e| GeoError::UnknownCrs {
            crs: crs.to_owned(),
            reason: e.to_string(),
        })?;
        source.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        ToWgs84::from_spatial_ref(&source, crs)
    }

    pub(crate) fn from_spatial_ref(source: &SpatialRef, name: &str) -> Result<ToWgs84, GeoError> {
        let transform = CoordTransform::new(source, &wgs84()).map_err(|e| GeoError::Transform {
            crs: name.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(ToWgs84 {
            crs: name.to_owned(),
            transform,
        })
    }

    pub fn crs(&self) -> &str {
        &self.crs
    }

    /// Transforms in place. Returns, per point, whether it transformed; a failed point is left
    /// as NaN so it cannot be mistaken for a position.
    pub fn transform(&self, xs: &mut [f64], ys: &mut [f64]) -> Vec<bool> {
        transform_points(&self.transform, xs, ys)
    }
}

/// Transforms WGS84 (lon, lat) to a target CRS (x, y in traditional GIS order): the map's
/// coordinate readout in the batch's own CRS.
pub struct FromWgs84 {
    transform: CoordTransform,
}

impl FromWgs84 {
    /// `crs` is anything OSR's SetFromUserInput accepts, typically `EPSG:32723`.
    pub fn new(crs: &str) -> Result<FromWgs84, GeoError> {
        crate::quiet_gdal();
        let mut target = SpatialRef::from_definition(crs).map_err(|e| GeoError::UnknownCrs {
            crs: crs.to_owned(),
            reason: e.to_string(),
        })?;
        target.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let transform =
            CoordTransform::new(&wgs84(), &target).map_err(|e| GeoError::Transform {
                crs: crs.to_owned(),
                reason: e.to_string(),
            })?;
        Ok(FromWgs84 { transform })
    }

    /// The point in the target CRS, or `None` where the CRS does not reach it.
    pub fn point(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let (mut x, mut y) = ([lon], [lat]);
        transform_points(&self.transform, &mut x, &mut y)[0].then_some((x[0], y[0]))
    }
}

/// Transforms in place with one GDAL call, falling back to one call per point only when some
/// point fails, to tell which. A failed point is left as NaN.
pub(crate) fn transform_points(
    transform: &CoordTransform,
    xs: &mut [f64],
    ys: &mut [f64],
) -> Vec<bool> {
    let (orig_x, orig_y) = (xs.to_vec(), ys.to_vec());
    if transform.transform_coords(xs, ys, &mut []).is_ok()
        && xs.iter().chain(ys.iter()).all(|v| v.is_finite())
    {
        return vec![true; xs.len()];
    }
    (0..xs.len())
        .map(|i| {
            let (mut x, mut y) = ([orig_x[i]], [orig_y[i]]);
            let ok = transform.transform_coords(&mut x, &mut y, &mut []).is_ok()
                && x[0].is_finite()
                && y[0].is_finite();
            (xs[i], ys[i]) = if ok {
                (x[0], y[0])
            } else {
                (f64::NAN, f64::NAN)
            };
            ok
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_wgs84_inverts_to_wgs84() {
        let to = ToWgs84::new("EPSG:32723").unwrap();
        let from = FromWgs84::new("EPSG:32723").unwrap();
        let (x, y) = from.point(-45.5, -23.25).unwrap();
        let (mut xs, mut ys) = ([x], [y]);
        assert_eq!(to.transform(&mut xs, &mut ys), vec![true]);
        assert!((xs[0] + 45.5).abs() < 1e-9 && (ys[0] + 23.25).abs() < 1e-9);
        assert!(FromWgs84::new("EPSG:999999").is_err());
    }

    #[test]
    fn utm_23s_to_wgs84_matches_known_point() {
        // EPSG:32723 (UTM 23S) easting 500000 on the central meridian -45°.
        let t = ToWgs84::new("EPSG:32723").unwrap();
        let (mut xs, mut ys) = (vec![500_000.0, 250_000.0], vec![7_400_000.0, 7_500_000.0]);
        assert_eq!(t.transform(&mut xs, &mut ys), vec![true, true]);
        assert!((xs[0] - -45.0).abs() < 1e-9, "{}", xs[0]);
        assert!((ys[0] - -23.510195).abs() < 1e-6, "{}", ys[0]);
        assert!(xs[1] < -47.0 && ys[1] > -22.7, "{} {}", xs[1], ys[1]);
    }

    #[test]
    fn wgs84_axis_order_is_lon_lat() {
        let t = ToWgs84::new("EPSG:4326").unwrap();
        let (mut xs, mut ys) = (vec![-47.5], vec![-23.25]);
        t.transform(&mut xs, &mut ys);
        assert_eq!((xs[0], ys[0]), (-47.5, -23.25));
    }

    #[test]
    fn unknown_crs_is_an_error() {
        let err = ToWgs84::new("EPSG:999999").err().unwrap();
        assert!(matches!(err, GeoError::UnknownCrs { .. }), "{err}");
    }
}
