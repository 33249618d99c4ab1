//! The geo crate's error type.

use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum GeoError {
    #[error("{file}: GDAL cannot read it as {what} ({reason})")]
    Unreadable {
        file: String,
        what: &'static str,
        reason: String,
    },
    #[error("{file}: {problem}")]
    InvalidBoundary { file: String, problem: String },
    #[error("`{crs}` is not a coordinate reference system GDAL knows; write it as EPSG:NNNN with a valid code")]
    UnknownCrs { crs: String, reason: String },
    #[error("cannot transform from {crs} to WGS84: {reason}")]
    Transform { crs: String, reason: String },
    #[error("{file}: {problem}")]
    InvalidRaster { file: String, problem: String },
    #[error("invalid geometry: {0}")]
    InvalidGeometry(String),
    #[error("invalid map view: {0}")]
    InvalidView(String),
}

/// GDAL's own message out of the gdal crate's wrapper text ("GDAL method '…' returned a NULL
/// pointer. Error msg: '…'"), for people.
pub(crate) fn gdal_reason(error: &gdal::errors::GdalError) -> String {
    let text = error.to_string();
    let msg = match text.split_once("Error msg: '") {
        Some((_, msg)) => msg.trim_end_matches('\'').trim().to_owned(),
        None => text,
    };
    if msg.is_empty() {
        "not a format GDAL recognises, or the file is damaged".into()
    } else {
        msg
    }
}

impl GeoError {
    /// The same error naming `file` instead: a check run on a stored copy reports the file
    /// the user gave.
    pub fn naming(self, file: &str) -> GeoError {
        match self {
            GeoError::Unreadable { what, reason, .. } => GeoError::Unreadable {
                file: file.to_owned(),
                what,
                reason,
            },
            GeoError::InvalidRaster { problem, .. } => GeoError::InvalidRaster {
                file: file.to_owned(),
                problem,
            },
            GeoError::InvalidBoundary { problem, .. } => GeoError::InvalidBoundary {
                file: file.to_owned(),
                problem,
            },
            other => other,
        }
    }
}
