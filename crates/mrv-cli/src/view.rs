//! A map view on the command line (`--bbox`, `--lonlat`, `--size`) and the PNG written for it:
//! shared by `mrv overlay` and `mrv basemap render`.

use crate::{overwrite, print};
use anyhow::Result;
use clap::Args;
use mrv_app::{AppError, Overlay, OverlayView};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Args)]
pub(crate) struct ViewArgs {
    /// The view's extent MIN_X,MIN_Y,MAX_X,MAX_Y in EPSG:3857 metres (with --lonlat: in
    /// WGS84 degrees, MIN_LON,MIN_LAT,MAX_LON,MAX_LAT).
    #[arg(long, allow_hyphen_values = true)]
    bbox: String,
    #[arg(long)]
    lonlat: bool,
    /// WIDTHxHEIGHT in pixels, each 1..4096.
    #[arg(long, default_value = "1024x1024")]
    size: String,
    /// Where to write the PNG.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    force: bool,
}

impl ViewArgs {
    /// The view the arguments describe (checked by the use case that draws it).
    pub(crate) fn view(&self) -> Result<OverlayView, AppError> {
        let (bbox, size) = (self.bbox.as_str(), self.size.as_str());
        let invalid = |m: String| AppError::InvalidInput(m);
        let not_four = || {
            invalid(format!(
                "--bbox `{bbox}` is not four numbers separated by commas"
            ))
        };
        let numbers: Vec<f64> = bbox
            .split(',')
            .map(|v| v.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| not_four())?;
        let mut bbox: [f64; 4] = numbers.try_into().map_err(|_| not_four())?;
        if self.lonlat {
            // EPSG:3857 is the spherical Mercator of WGS84 degrees on a 6,378,137 m sphere.
            const R: f64 = 6_378_137.0;
            for pair in bbox.chunks_exact_mut(2) {
                let (lon, lat) = (pair[0], pair[1]);
                if !(-180.0..=180.0).contains(&lon) || !(-85.06..=85.06).contains(&lat) {
                    return Err(invalid(format!(
                        "--bbox corner ({lon}, {lat}) is not a longitude, latitude inside Web Mercator's range"
                    )));
                }
                pair[0] = lon.to_radians() * R;
                pair[1] = (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
                    .tan()
                    .ln()
                    * R;
            }
        }
        let (width, height) = size
            .split_once(['x', 'X'])
            .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)))
            .ok_or_else(|| {
                invalid(format!(
                    "--size `{size}` is not WIDTHxHEIGHT, e.g. 1024x1024"
                ))
            })?;
        Ok(OverlayView {
            bbox,
            width,
            height,
        })
    }

    /// Writes the drawn view atomically (never over a file unless `--force`, never through a
    /// link) and says what was written.
    pub(crate) fn write(&self, json: bool, view: &OverlayView, image: &Overlay) -> Result<()> {
        mrv_app::write_atomic(&self.output, &image.png, overwrite(self.force))?;
        #[derive(Serialize)]
        struct Written<'a> {
            path: &'a std::path::Path,
            width: u32,
            height: u32,
            bytes: usize,
            cached: bool,
        }
        let written = Written {
            path: &self.output,
            width: view.width,
            height: view.height,
            bytes: image.png.len(),
            cached: image.cached,
        };
        print(json, &written, |w| {
            format!(
                "{} written: {}x{} PNG, {} bytes{}\n",
                w.path.display(),
                w.width,
                w.height,
                w.bytes,
                if w.cached { " (from the cache)" } else { "" }
            )
        })
    }
}
