//! What a raster layer gave at one measurement point.

/// The reading of one layer at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sample {
    /// The pixel value, as stored (no resampling).
    Value(f64),
    /// The pixel holds the band's nodata value.
    NoData,
    /// The point falls outside the raster (or cannot be transformed to its CRS).
    Outside,
}

impl Sample {
    pub fn value(self) -> Option<f64> {
        match self {
            Sample::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The stored name of the kind of reading.
    pub fn status(self) -> &'static str {
        match self {
            Sample::Value(_) => "value",
            Sample::NoData => "nodata",
            Sample::Outside => "outside",
        }
    }
}
