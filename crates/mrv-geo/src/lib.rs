//! MRV Desk's access to GDAL/OGR: reading project boundaries from any vector format OGR reads,
//! transforming coordinates between reference systems with OSR, and describing and sampling
//! raster layers.
//!
//! Architecture invariant: this is the only crate that links GDAL; every other crate sees plain
//! numbers and GeoJSON text.

mod boundary;
mod error;
mod raster;
mod transform;

pub use boundary::{read_boundary, validate_polygon_geojson, Boundary, BoundaryIndex};
pub use error::GeoError;
pub use raster::{inspect_raster, sample_points, RasterInfo, Sample};
pub use transform::ToWgs84;

/// The GDAL library version, e.g. `3.6.2`.
pub fn gdal_version() -> String {
    gdal::version::version_info("RELEASE_NAME")
}
