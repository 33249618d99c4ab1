//! Basemaps a user registers: the imagery drawn under the evidence (a GeoTIFF/COG of 8-bit
//! bands, or an MBTiles file of raster tiles).

use serde::{Deserialize, Serialize};

/// The format of a registered basemap, stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BasemapKind {
    /// A GeoTIFF or COG of 1 (grey or palette), 2 (grey, alpha), 3 (RGB) or 4 (RGBA) 8-bit bands.
    Geotiff,
    /// An MBTiles file (SQLite) of PNG, JPEG or WebP tiles in the XYZ/TMS grid of Web Mercator.
    Mbtiles,
}

impl BasemapKind {
    pub const ALL: [BasemapKind; 2] = [BasemapKind::Geotiff, BasemapKind::Mbtiles];

    /// The stored, stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            BasemapKind::Geotiff => "geotiff",
            BasemapKind::Mbtiles => "mbtiles",
        }
    }

    /// The format in words.
    pub fn describe(self) -> &'static str {
        match self {
            BasemapKind::Geotiff => "GeoTIFF",
            BasemapKind::Mbtiles => "MBTiles",
        }
    }

    pub fn parse(name: &str) -> Result<BasemapKind, String> {
        BasemapKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| format!("basemap kind `{name}` is not one of geotiff, mbtiles"))
    }
}

#[cfg(test)]
mod tests {
    use super::BasemapKind;

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in BasemapKind::ALL {
            assert_eq!(BasemapKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(
            BasemapKind::parse("GeoTIFF").unwrap_err(),
            "basemap kind `GeoTIFF` is not one of geotiff, mbtiles"
        );
    }
}
