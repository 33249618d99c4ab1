//! The geo crate's error type.

use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum GeoError {
    #[error("{file}: GDAL cannot read it as vector data ({reason})")]
    Unreadable { file: String, reason: String },
    #[error("{file}: {problem}")]
    InvalidBoundary { file: String, problem: String },
    #[error("`{crs}` is not a coordinate reference system GDAL knows ({reason})")]
    UnknownCrs { crs: String, reason: String },
    #[error("cannot transform from {crs} to WGS84: {reason}")]
    Transform { crs: String, reason: String },
    #[error("{file}: {problem}")]
    InvalidRaster { file: String, problem: String },
    #[error("invalid geometry: {0}")]
    InvalidGeometry(String),
}
