//! Map overlays: a raster band drawn over a Web Mercator view as a PNG.
//!
//! Every output pixel takes the value of the source pixel under its centre (nearest neighbour,
//! as `gdalwarp -r near` does for the same `-te`/`-ts`): the view's pixel centres are sampled
//! with the same block-wise reader as enrichment, so a view costs the blocks it touches once.
//! Values are coloured by an [`OverlayStyle`]; nodata and the area outside the raster are
//! transparent.

use crate::raster::{inspect_raster, sample_in};
use crate::GeoError;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use mrv_core::{OverlayStyle, Sample};
use std::path::Path;

/// The largest overlay side, in pixels.
pub const MAX_OVERLAY_SIDE: u32 = 4096;

/// A map view: its extent in EPSG:3857 metres and its size in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverlayView {
    /// `[min_x, min_y, max_x, max_y]` in EPSG:3857.
    pub bbox: [f64; 4],
    pub width: u32,
    pub height: u32,
}

impl OverlayView {
    /// Refuses empty, inverted or non-finite extents and sizes outside 1..=4096.
    pub fn check(&self) -> Result<(), GeoError> {
        let [x0, y0, x1, y1] = self.bbox;
        if !self.bbox.iter().all(|v| v.is_finite()) || x0 >= x1 || y0 >= y1 {
            return Err(GeoError::InvalidView(format!(
                "the extent {x0},{y0},{x1},{y1} is not MIN_X,MIN_Y,MAX_X,MAX_Y with MIN < MAX"
            )));
        }
        let sides = 1..=MAX_OVERLAY_SIDE;
        if !sides.contains(&self.width) || !sides.contains(&self.height) {
            return Err(GeoError::InvalidView(format!(
                "the size {}x{} is not between 1x1 and {MAX_OVERLAY_SIDE}x{MAX_OVERLAY_SIDE}",
                self.width, self.height
            )));
        }
        Ok(())
    }

    /// The centre of every pixel of output rows `rows` (counted from the top), row by row, in
    /// EPSG:3857.
    pub(crate) fn row_centres(&self, rows: std::ops::Range<usize>) -> Vec<(f64, f64)> {
        let [x0, y0, x1, y1] = self.bbox;
        let (w, h) = (self.width as usize, self.height as usize);
        let (dx, dy) = ((x1 - x0) / w as f64, (y1 - y0) / h as f64);
        let mut out = Vec::with_capacity(w * rows.len());
        for j in rows {
            let y = y1 - (j as f64 + 0.5) * dy;
            out.extend((0..w).map(|i| (x0 + (i as f64 + 0.5) * dx, y)));
        }
        out
    }

    /// The view's rows in strips of [`STRIP_ROWS`]: what one sampling pass covers.
    pub(crate) fn strips(&self) -> impl Iterator<Item = std::ops::Range<usize>> {
        let h = self.height as usize;
        (0..h)
            .step_by(STRIP_ROWS)
            .map(move |start| start..(start + STRIP_ROWS).min(h))
    }
}

/// Output rows sampled in one pass when drawing a view: a 4096-pixel-wide strip's centres and
/// samples take about 50 MB, whatever the view's height (a whole 4096 × 4096 view at once
/// would take over 500 MB per band).
pub(crate) const STRIP_ROWS: usize = 128;

/// The band's values under each pixel centre of `view`, row by row from the top.
pub fn overlay_values(
    path: &Path,
    band: usize,
    view: &OverlayView,
) -> Result<Vec<Sample>, GeoError> {
    view.check()?;
    let info = inspect_raster(path, band)?;
    sample_in(
        path,
        &info,
        3857,
        &view.row_centres(0..view.height as usize),
    )
}

/// Renders `band` over `view` in `style` and encodes it as an RGBA PNG.
pub fn render_overlay(
    path: &Path,
    band: usize,
    view: &OverlayView,
    style: &OverlayStyle,
) -> Result<Vec<u8>, GeoError> {
    view.check()?;
    let info = inspect_raster(path, band)?;
    let mut rgba = Vec::with_capacity(view.width as usize * view.height as usize * 4);
    for rows in view.strips() {
        for sample in sample_in(path, &info, 3857, &view.row_centres(rows))? {
            let colour = match sample {
                Sample::Value(v) => style.colour(v),
                Sample::NoData | Sample::Outside => [0, 0, 0, 0],
            };
            rgba.extend_from_slice(&colour);
        }
    }
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Sub)
        .write_image(&rgba, view.width, view.height, ExtendedColorType::Rgba8)
        .map_err(|e| GeoError::InvalidView(format!("cannot encode the overlay as PNG: {e}")))?;
    Ok(png)
}

/// The band's minimum and maximum (approximate: from overviews or a subsample when the raster
/// is large), nodata excluded; `None` for a band with no valid pixel.
pub fn value_range(path: &Path, band: usize) -> Result<Option<(f64, f64)>, GeoError> {
    inspect_raster(path, band)?;
    let dataset = crate::raster::open(path)?;
    let band = dataset
        .rasterband(band)
        .map_err(|e| GeoError::InvalidRaster {
            file: path.display().to_string(),
            problem: e.to_string(),
        })?;
    Ok(band
        .compute_raster_min_max(true)
        .ok()
        .filter(|m| m.min.is_finite() && m.max.is_finite())
        .map(|m| (m.min, m.max)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::tests::{make_raster, NODATA};
    use mrv_core::LayerKind;
    use std::process::Command;

    /// `gdalwarp -r near` of the same view (exact transformer), as f64 values row by row.
    fn gdalwarp(path: &Path, view: &OverlayView, out: &Path) -> Vec<f64> {
        let [x0, y0, x1, y1] = view.bbox;
        let status = Command::new("gdalwarp")
            .args([
                "-q",
                "-overwrite",
                "-t_srs",
                "EPSG:3857",
                "-r",
                "near",
                "-et",
                "0",
            ])
            .args(["-te", &x0.to_string(), &y0.to_string(), &x1.to_string()])
            .arg(y1.to_string())
            .args(["-ts", &view.width.to_string(), &view.height.to_string()])
            .arg(path)
            .arg(out)
            .status()
            .expect("gdalwarp (gdal-bin) is installed");
        assert!(status.success());
        let ds = gdal::Dataset::open(out).unwrap();
        let band = ds.rasterband(1).unwrap();
        let size = (view.width as usize, view.height as usize);
        band.read_as::<f64>((0, 0), size, size, None)
            .unwrap()
            .data()
            .to_vec()
    }

    #[test]
    fn overlay_values_equal_gdalwarp_near_on_a_utm_raster() {
        let dir = tempfile::tempdir().unwrap();
        // 300 × 200 pixels of 30 m on UTM 23S; the view covers it and a margin around it.
        let gt = [250_000.0, 30.0, 0.0, 7_400_000.0, 0.0, -30.0];
        let path = make_raster(dir.path(), "utm.tif", 32723, gt, (300, 200));
        for (bbox, (w, h)) in [
            (
                [-5_283_000.0, -2_699_500.0, -5_271_000.0, -2_690_500.0],
                (256, 192),
            ),
            (
                [-5_278_000.0, -2_695_500.0, -5_276_000.0, -2_694_000.0],
                (100, 75),
            ),
        ] {
            let view = OverlayView {
                bbox,
                width: w,
                height: h,
            };
            let ours = overlay_values(&path, 1, &view).unwrap();
            let theirs = gdalwarp(&path, &view, &dir.path().join("warp.tif"));
            let mut valued = 0;
            for (k, (o, t)) in ours.iter().zip(&theirs).enumerate() {
                match o {
                    Sample::Value(v) => {
                        valued += 1;
                        assert_eq!(v, t, "pixel {k} of {bbox:?}");
                    }
                    Sample::NoData | Sample::Outside => {
                        assert_eq!(*t, NODATA as f64, "pixel {k} of {bbox:?}: gdalwarp has {t}")
                    }
                }
            }
            assert!(valued > 1000, "only {valued} pixels on the raster");
            assert!(ours.contains(&Sample::Outside) || bbox[2] - bbox[0] < 3000.0);
        }
    }

    #[test]
    fn png_has_the_style_colours_and_is_transparent_off_the_raster() {
        let dir = tempfile::tempdir().unwrap();
        let gt = [250_000.0, 30.0, 0.0, 7_400_000.0, 0.0, -30.0];
        let path = make_raster(dir.path(), "utm.tif", 32723, gt, (300, 200));
        let view = OverlayView {
            bbox: [-5_283_000.0, -2_699_500.0, -5_271_000.0, -2_690_500.0],
            width: 128,
            height: 96,
        };
        let style = OverlayStyle::for_layer(LayerKind::Other, Some((0.0, 60_000.0)));
        let png = render_overlay(&path, 1, &view, &style).unwrap();
        let image = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(image.dimensions(), (128, 96));
        let values = overlay_values(&path, 1, &view).unwrap();
        for (k, pixel) in image.pixels().enumerate() {
            let expected = match values[k] {
                Sample::Value(v) => style.colour(v),
                _ => [0, 0, 0, 0],
            };
            assert_eq!(pixel.0, expected, "pixel {k}");
        }
        assert_eq!(
            image.get_pixel(0, 0).0[3],
            0,
            "the corner is off the raster"
        );
    }

    #[test]
    fn bad_views_are_refused_with_the_reason() {
        let bad = |bbox: [f64; 4], width, height| {
            OverlayView {
                bbox,
                width,
                height,
            }
            .check()
            .unwrap_err()
            .to_string()
        };
        assert_eq!(
            bad([1.0, 0.0, 0.0, 1.0], 10, 10),
            "invalid map view: the extent 1,0,0,1 is not MIN_X,MIN_Y,MAX_X,MAX_Y with MIN < MAX"
        );
        assert!(bad([0.0, 0.0, f64::NAN, 1.0], 10, 10).contains("extent"));
        assert_eq!(
            bad([0.0, 0.0, 1.0, 1.0], 0, 10),
            "invalid map view: the size 0x10 is not between 1x1 and 4096x4096"
        );
        assert!(bad([0.0, 0.0, 1.0, 1.0], 10, 5000).contains("5000"));
    }
}
