//! Kinds of raster evidence a project can register (DESIGN.md §4).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    Ndvi,
    LandCover,
    ForestLossYear,
    CanopyHeight,
    Elevation,
    Other,
}

impl LayerKind {
    pub const ALL: [LayerKind; 6] = [
        LayerKind::Ndvi,
        LayerKind::LandCover,
        LayerKind::ForestLossYear,
        LayerKind::CanopyHeight,
        LayerKind::Elevation,
        LayerKind::Other,
    ];

    /// The stored, stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            LayerKind::Ndvi => "ndvi",
            LayerKind::LandCover => "land_cover",
            LayerKind::ForestLossYear => "forest_loss_year",
            LayerKind::CanopyHeight => "canopy_height",
            LayerKind::Elevation => "elevation",
            LayerKind::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Result<LayerKind, String> {
        LayerKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = LayerKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("layer kind `{name}` is not one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_kinds_list_the_valid_ones() {
        for kind in LayerKind::ALL {
            assert_eq!(LayerKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(
            LayerKind::parse("landcover").unwrap_err(),
            "layer kind `landcover` is not one of ndvi, land_cover, forest_loss_year, canopy_height, elevation, other"
        );
    }
}
