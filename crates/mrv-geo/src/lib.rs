//! MRV Desk's access to GDAL/OGR: reading project boundaries from any vector format OGR reads,
//! transforming coordinates between reference systems with OSR, describing and sampling
//! raster layers, and drawing them as map overlays.
//!
//! Architecture invariant: this is the only crate that links GDAL; every other crate sees plain
//! numbers and GeoJSON text.

mod basemap;
mod boundary;
mod error;
mod grid;
mod overlay;
mod plot;
mod raster;
mod transform;

pub use basemap::{
    check_basemap, inspect_basemap, render_basemap, BasemapInfo, MAX_TILES_PER_VIEW,
};
pub use boundary::{read_boundary, validate_polygon_geojson, Boundary, BoundaryIndex};
pub use error::GeoError;
pub use overlay::{overlay_values, render_overlay, value_range, OverlayView, MAX_OVERLAY_SIDE};
pub use plot::{plot_position, PolygonRings};
pub use raster::{
    blocks_needed, check_raster, inspect_raster, read_blocks_once, read_every_block, sample_points,
    zonal_stats, RasterInfo, Sample, ZonalStats, MAX_BLOCK_PIXELS,
};
pub use transform::{FromWgs84, ToWgs84};

/// Stops GDAL printing its own `ERROR 1: …` lines on stderr: every failure reaches the caller
/// as a [`GeoError`] that already carries GDAL's message, so a user sees each problem once,
/// in our words. Fatal errors are still printed. Called by every entry point; runs once.
pub(crate) fn quiet_gdal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        gdal::config::set_error_handler(|class, number, message| {
            if class == gdal::errors::CplErrType::Fatal {
                eprintln!("GDAL fatal error {number}: {message}");
            }
        });
    });
}

/// The GDAL library version, e.g. `3.6.2`.
pub fn gdal_version() -> String {
    gdal::version::version_info("RELEASE_NAME")
}
