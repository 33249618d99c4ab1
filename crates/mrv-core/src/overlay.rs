//! How a raster layer is drawn on the map: a colour ramp for continuous layers (NDVI, canopy
//! height, elevation, loss year), a class palette for land cover, and the legend explaining it.
//! Pure: the renderer in `mrv-geo` asks [`OverlayStyle::colour`] for every pixel.

use crate::LayerKind;
use serde::Serialize;

/// One entry of a style: for a ramp a stop (colours between stops are interpolated), for a
/// palette one class (exact value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StyleStop {
    pub value: f64,
    /// What the legend prints, e.g. `0.8`, `2012` or `Tree cover`.
    pub label: String,
    pub rgb: [u8; 3],
}

/// Ramp or palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StyleKind {
    /// Continuous: linear interpolation between stops, clamped at both ends.
    Ramp,
    /// Categorical: each stop is a class; values of no class are drawn grey.
    Classes,
}

/// A layer's drawing style and legend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverlayStyle {
    pub kind: StyleKind,
    pub stops: Vec<StyleStop>,
    /// Values drawn fully transparent (e.g. "no loss" in a loss-year layer).
    pub clear: Vec<f64>,
    /// Unit of the values, for the legend.
    pub unit: Option<String>,
    /// Opacity of drawn pixels, 0–255.
    pub alpha: u8,
}

/// ESA WorldCover 2021 classes and their official colours.
const WORLDCOVER: [(f64, &str, [u8; 3]); 11] = [
    (10.0, "Tree cover", [0x00, 0x64, 0x00]),
    (20.0, "Shrubland", [0xff, 0xbb, 0x22]),
    (30.0, "Grassland", [0xff, 0xff, 0x4c]),
    (40.0, "Cropland", [0xf0, 0x96, 0xff]),
    (50.0, "Built-up", [0xfa, 0x00, 0x00]),
    (60.0, "Bare / sparse vegetation", [0xb4, 0xb4, 0xb4]),
    (70.0, "Snow and ice", [0xf0, 0xf0, 0xf0]),
    (80.0, "Permanent water bodies", [0x00, 0x64, 0xc8]),
    (90.0, "Herbaceous wetland", [0x00, 0x96, 0xa0]),
    (95.0, "Mangroves", [0x00, 0xcf, 0x75]),
    (100.0, "Moss and lichen", [0xfa, 0xe6, 0xa0]),
];

/// The ESA WorldCover name of a land-cover class code, if it is one.
pub fn land_cover_name(code: i64) -> Option<&'static str> {
    WORLDCOVER
        .iter()
        .find(|(v, _, _)| *v == code as f64)
        .map(|(_, name, _)| *name)
}

/// A land-cover class as people read it: "40 · Cropland", or the bare code when it is not a
/// WorldCover class.
pub fn land_cover_label(code: i64) -> String {
    match land_cover_name(code) {
        Some(name) => format!("{code} · {name}"),
        None => code.to_string(),
    }
}

/// Marker colours of measurement points by their worst flag (index 0 none, 1 low, 2 medium,
/// 3 high), as the desktop map and plot draw them (`ui/src/lib/flags.ts` `WORST_COLOURS` holds
/// the same four), and the edge drawn around each marker (`MARKER_EDGE`).
pub const WORST_FLAG_COLOURS: [[u8; 3]; 4] = [
    [0x2b, 0x83, 0xba],
    [0xf2, 0xcf, 0x1d],
    [0xf0, 0x8c, 0x1a],
    [0xd7, 0x30, 0x1f],
];
/// The edge around every marker.
pub const MARKER_EDGE: [u8; 3] = [0x1d, 0x26, 0x21];
/// What each worst-flag index means, for legends.
pub const WORST_FLAG_LABELS: [&str; 4] = ["no flag", "low", "medium", "high"];

/// Grey for a value outside every class of a palette.
pub const UNCLASSIFIED: [u8; 3] = [0x80, 0x80, 0x80];

fn stop(value: f64, label: impl Into<String>, rgb: [u8; 3]) -> StyleStop {
    StyleStop {
        value,
        label: label.into(),
        rgb,
    }
}

fn ramp(stops: &[(f64, [u8; 3])], unit: Option<&str>) -> OverlayStyle {
    OverlayStyle {
        kind: StyleKind::Ramp,
        stops: stops
            .iter()
            .map(|&(v, rgb)| stop(v, format_value(v), rgb))
            .collect(),
        clear: Vec::new(),
        unit: unit.map(str::to_owned),
        alpha: 255,
    }
}

/// A legend number: at most three decimals, no trailing zeros.
fn format_value(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.to_owned()
    }
}

impl OverlayStyle {
    /// The style of a layer kind. `range` (min, max of the band) scales the ramps of kinds
    /// without a natural range (elevation, other).
    pub fn for_layer(kind: LayerKind, range: Option<(f64, f64)>) -> OverlayStyle {
        match kind {
            LayerKind::Ndvi => ramp(
                &[
                    (-0.2, [0x8c, 0x51, 0x0a]),
                    (0.2, [0xdf, 0xc2, 0x7d]),
                    (0.5, [0xa6, 0xd9, 0x6a]),
                    (0.8, [0x1a, 0x96, 0x41]),
                    (1.0, [0x00, 0x44, 0x1b]),
                ],
                None,
            ),
            LayerKind::CanopyHeight => ramp(
                &[
                    (0.0, [0xf7, 0xfc, 0xf5]),
                    (10.0, [0xa1, 0xd9, 0x9b]),
                    (25.0, [0x31, 0xa3, 0x54]),
                    (40.0, [0x00, 0x44, 0x1b]),
                ],
                Some("m"),
            ),
            LayerKind::ForestLossYear => {
                // Hansen Global Forest Change: 0 = no loss, 1..=23 = loss in 2001..=2023.
                let mut style = ramp(&[], None);
                style.stops = vec![
                    stop(1.0, "2001", [0xff, 0xff, 0xb2]),
                    stop(12.0, "2012", [0xfd, 0x8d, 0x3c]),
                    stop(23.0, "2023", [0xbd, 0x00, 0x26]),
                ];
                style.clear = vec![0.0];
                style
            }
            LayerKind::LandCover => OverlayStyle {
                kind: StyleKind::Classes,
                stops: WORLDCOVER
                    .iter()
                    .map(|&(v, label, rgb)| stop(v, label, rgb))
                    .collect(),
                clear: vec![0.0],
                unit: None,
                alpha: 255,
            },
            LayerKind::Elevation | LayerKind::Other => {
                let (lo, hi) = match range {
                    Some((lo, hi)) if lo.is_finite() && hi.is_finite() && lo < hi => (lo, hi),
                    Some((lo, _)) if lo.is_finite() => (lo, lo + 1.0),
                    _ => (0.0, 1.0),
                };
                let unit = (kind == LayerKind::Elevation).then_some("m");
                ramp(
                    &[
                        (lo, [0x44, 0x01, 0x54]),
                        ((lo + hi) / 2.0, [0x21, 0x91, 0x8c]),
                        (hi, [0xfd, 0xe7, 0x25]),
                    ],
                    unit,
                )
            }
        }
    }

    /// The RGBA of a pixel value; transparent for NaN and for `clear` values.
    pub fn colour(&self, v: f64) -> [u8; 4] {
        const CLEAR: [u8; 4] = [0, 0, 0, 0];
        if v.is_nan() || self.clear.contains(&v) || self.stops.is_empty() {
            return CLEAR;
        }
        let [r, g, b] = match self.kind {
            StyleKind::Classes => self
                .stops
                .iter()
                .find(|s| s.value == v)
                .map_or(UNCLASSIFIED, |s| s.rgb),
            StyleKind::Ramp => {
                let first = &self.stops[0];
                let last = &self.stops[self.stops.len() - 1];
                if v <= first.value {
                    first.rgb
                } else if v >= last.value {
                    last.rgb
                } else {
                    let i = self.stops.iter().position(|s| s.value > v).unwrap_or(1);
                    let (a, b) = (&self.stops[i - 1], &self.stops[i]);
                    let t = (v - a.value) / (b.value - a.value);
                    let mix = |k: usize| {
                        (a.rgb[k] as f64 + t * (b.rgb[k] as f64 - a.rgb[k] as f64)).round() as u8
                    };
                    [mix(0), mix(1), mix(2)]
                }
            }
        };
        [r, g, b, self.alpha]
    }

    /// A stable text identifying the style, for cache keys.
    pub fn key(&self) -> String {
        serde_json::to_string(self).expect("a style serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_interpolates_between_stops_and_clamps_at_the_ends() {
        let s = OverlayStyle::for_layer(LayerKind::Ndvi, None);
        assert_eq!(s.colour(-1.0), [0x8c, 0x51, 0x0a, 255]);
        assert_eq!(s.colour(0.2), [0xdf, 0xc2, 0x7d, 255]);
        assert_eq!(s.colour(5.0), [0x00, 0x44, 0x1b, 255]);
        // Half-way between 0.8 (1a9641) and 1.0 (00441b).
        assert_eq!(s.colour(0.9), [0x0d, 0x6d, 0x2e, 255]);
        assert_eq!(s.colour(f64::NAN), [0, 0, 0, 0]);
        let labels: Vec<&str> = s.stops.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["-0.2", "0.2", "0.5", "0.8", "1"]);
    }

    #[test]
    fn land_cover_uses_worldcover_colours_and_greys_unknown_classes() {
        let s = OverlayStyle::for_layer(LayerKind::LandCover, None);
        assert_eq!(s.kind, StyleKind::Classes);
        assert_eq!(s.colour(10.0), [0x00, 0x64, 0x00, 255]);
        assert_eq!(s.colour(80.0), [0x00, 0x64, 0xc8, 255]);
        assert_eq!(s.colour(11.0), [0x80, 0x80, 0x80, 255]);
        assert_eq!(s.colour(0.0), [0, 0, 0, 0]);
        assert_eq!(s.stops[0].label, "Tree cover");
    }

    #[test]
    fn loss_year_hides_no_loss_and_labels_years() {
        let s = OverlayStyle::for_layer(LayerKind::ForestLossYear, None);
        assert_eq!(s.colour(0.0)[3], 0);
        assert_eq!(s.colour(23.0), [0xbd, 0x00, 0x26, 255]);
        assert_eq!(s.stops[1].label, "2012");
    }

    #[test]
    fn elevation_ramp_follows_the_band_range_and_survives_a_flat_band() {
        let s = OverlayStyle::for_layer(LayerKind::Elevation, Some((100.0, 900.0)));
        let values: Vec<f64> = s.stops.iter().map(|s| s.value).collect();
        assert_eq!(values, [100.0, 500.0, 900.0]);
        assert_eq!(s.unit.as_deref(), Some("m"));
        let flat = OverlayStyle::for_layer(LayerKind::Other, Some((5.0, 5.0)));
        assert_eq!(flat.stops[0].value, 5.0);
        assert!(flat.stops[2].value > 5.0);
        assert_ne!(s.key(), flat.key());
    }
}
