//! The statement's figures as PNGs drawn with the `image` crate: the map (the chosen overlay
//! under the project boundary and every point coloured by its worst flag, with a scale bar) and
//! two plots (a histogram of claimed tCO2e; one layer's value against claimed with flagged
//! points marked). Text — tick labels, axis titles, the scale bar's distance, legends — is not
//! drawn into the pixels: each figure carries [`Label`]s at pixel positions that the PDF sets as
//! real, selectable text over the image.

use crate::AppError;
use image::{Rgba, RgbaImage};
use mrv_core::overlay::{MARKER_EDGE, WORST_FLAG_COLOURS};

/// Web Mercator's sphere radius (EPSG:3857).
const EARTH_RADIUS: f64 = 6_378_137.0;

const BACKGROUND: [u8; 3] = [0xf4, 0xf6, 0xf4];
const INK: [u8; 3] = [0x1d, 0x26, 0x21];
const GRID: [u8; 3] = [0xe3, 0xe8, 0xe4];
const BAR: [u8; 3] = [0x5b, 0x8a, 0x72];

/// Where a label's position is on the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Centre,
    Right,
}

/// Text to set over a figure: `x`, `y` in the figure's pixels (y is the baseline).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Label {
    pub x: f32,
    pub y: f32,
    pub text: String,
    pub align: Align,
    /// In the figure's pixels.
    pub size: f32,
    /// Rotated a quarter turn counter-clockwise (a y-axis title).
    pub vertical: bool,
}

/// One figure: its PNG and the text to set over it.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub labels: Vec<Label>,
}

pub(crate) fn lon_to_x(lon: f64) -> f64 {
    EARTH_RADIUS * lon.to_radians()
}

pub(crate) fn lat_to_y(lat: f64) -> f64 {
    let lat = lat.clamp(-85.05112878, 85.05112878).to_radians();
    EARTH_RADIUS * (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln()
}

/// A drawing surface with the few primitives the figures need.
struct Canvas {
    img: RgbaImage,
}

impl Canvas {
    fn new(width: u32, height: u32, bg: [u8; 3]) -> Canvas {
        Canvas {
            img: RgbaImage::from_pixel(width, height, Rgba([bg[0], bg[1], bg[2], 255])),
        }
    }

    fn blend(&mut self, x: i64, y: i64, rgb: [u8; 3], alpha: f32) {
        if x < 0 || y < 0 || x >= self.img.width() as i64 || y >= self.img.height() as i64 {
            return;
        }
        let p = self.img.get_pixel_mut(x as u32, y as u32);
        for (c, v) in p.0.iter_mut().take(3).zip(rgb) {
            *c = (*c as f32 * (1.0 - alpha) + v as f32 * alpha).round() as u8;
        }
    }

    fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, rgb: [u8; 3]) {
        let (xa, xb) = (x0.min(x1).round() as i64, x0.max(x1).round() as i64);
        let (ya, yb) = (y0.min(y1).round() as i64, y0.max(y1).round() as i64);
        for y in ya..yb {
            for x in xa..xb {
                self.blend(x, y, rgb, 1.0);
            }
        }
    }

    /// A filled disc with an anti-aliased rim.
    fn disc(&mut self, cx: f64, cy: f64, r: f64, rgb: [u8; 3]) {
        let (x0, x1) = ((cx - r - 1.0).floor() as i64, (cx + r + 1.0).ceil() as i64);
        let (y0, y1) = ((cy - r - 1.0).floor() as i64, (cy + r + 1.0).ceil() as i64);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
                let cover = (r + 0.5 - d).clamp(0.0, 1.0) as f32;
                if cover > 0.0 {
                    self.blend(x, y, rgb, cover);
                }
            }
        }
    }

    /// A marker: a disc of `rgb` inside an edge.
    fn marker(&mut self, cx: f64, cy: f64, r: f64, rgb: [u8; 3]) {
        self.disc(cx, cy, r + 1.5, MARKER_EDGE);
        self.disc(cx, cy, r, rgb);
    }

    /// A line `width` pixels wide (discs along it).
    fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, width: f64, rgb: [u8; 3]) {
        let steps = ((x1 - x0).abs().max((y1 - y0).abs()) * 2.0).ceil().max(1.0) as usize;
        for i in 0..=steps {
            let t = i as f64 / steps as f64;
            self.disc(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width / 2.0, rgb);
        }
    }

    fn png(self) -> Result<Vec<u8>, AppError> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.img
            .write_to(&mut out, image::ImageFormat::Png)
            .map_err(|e| AppError::Internal(format!("encoding a figure: {e}")))?;
        Ok(out.into_inner())
    }
}

fn label(x: f64, y: f64, text: impl Into<String>, align: Align, size: f32) -> Label {
    Label {
        x: x as f32,
        y: y as f32,
        text: text.into(),
        align,
        size,
        vertical: false,
    }
}

/// About `n` round tick values covering `[lo, hi]` (steps of 1, 2 or 5 × 10^k).
pub(crate) fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    };
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).floor();
    let mut ticks = Vec::new();
    for i in 0..50 {
        // Whole multiples of the step, so 0.6 is 0.6 and not 0.6000000000000001.
        let v = ((first + i as f64) * step / mag).round() * mag;
        ticks.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        if v >= hi - step * 1e-9 {
            break;
        }
    }
    ticks
}

/// A tick value as text with as many decimals as the step needs.
pub(crate) fn tick_text(v: f64, ticks: &[f64]) -> String {
    let step = match ticks {
        [a, b, ..] => (b - a).abs(),
        _ => 1.0,
    };
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    format!("{v:.decimals$}")
}

/// A round distance (1, 2 or 5 × 10^k metres) near `metres`, and its text.
pub(crate) fn scale_distance(metres: f64) -> (f64, String) {
    let mag = 10f64.powf(metres.log10().floor());
    let d = [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|d| *d <= metres)
        .unwrap_or(mag);
    let text = if d >= 1000.0 {
        format!("{} km", d / 1000.0)
    } else {
        format!("{d} m")
    };
    (d, text)
}

/// The map's view: a Web Mercator extent fitted around the boundary and the points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct MapFrame {
    pub bbox: [f64; 4],
    pub width: u32,
    pub height: u32,
}

impl MapFrame {
    /// The extent of `lonlat` points (boundary vertices and measurement points) padded by 8 %
    /// and widened to the figure's aspect ratio.
    pub(crate) fn fit(lonlat: &[(f64, f64)], width: u32, height: u32) -> Option<MapFrame> {
        let pts: Vec<(f64, f64)> = lonlat
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|&(lon, lat)| (lon_to_x(lon), lat_to_y(lat)))
            .collect();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in &pts {
            x0 = x0.min(*x);
            y0 = y0.min(*y);
            x1 = x1.max(*x);
            y1 = y1.max(*y);
        }
        if pts.is_empty() {
            return None;
        }
        let (mut w, mut h) = ((x1 - x0).max(100.0), (y1 - y0).max(100.0));
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        w *= 1.16;
        h *= 1.16;
        let aspect = width as f64 / height as f64;
        if w / h > aspect {
            h = w / aspect;
        } else {
            w = h * aspect;
        }
        Some(MapFrame {
            bbox: [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0],
            width,
            height,
        })
    }

    fn px(&self, lon: f64, lat: f64) -> (f64, f64) {
        let [x0, y0, x1, y1] = self.bbox;
        (
            (lon_to_x(lon) - x0) / (x1 - x0) * self.width as f64,
            (y1 - lat_to_y(lat)) / (y1 - y0) * self.height as f64,
        )
    }

    /// Ground metres per pixel at the frame's centre (Web Mercator's scale factor 1/cos φ).
    fn metres_per_pixel(&self) -> f64 {
        let [x0, y0, x1, y1] = self.bbox;
        let cy = (y0 + y1) / 2.0;
        let lat = 2.0 * (cy / EARTH_RADIUS).exp().atan() - std::f64::consts::FRAC_PI_2;
        (x1 - x0) / self.width as f64 * lat.cos()
    }
}

/// The map: background, the overlay (an RGBA PNG of exactly the frame, if any), the boundary's
/// rings, the points by worst flag (least severe first, so high flags stay on top) and a scale
/// bar at the bottom left.
pub(crate) fn map_figure(
    frame: &MapFrame,
    overlay_png: Option<&[u8]>,
    rings: &[Vec<(f64, f64)>],
    lon: &[f64],
    lat: &[f64],
    worst: &[u8],
) -> Result<Figure, AppError> {
    let mut c = Canvas::new(frame.width, frame.height, BACKGROUND);
    if let Some(png) = overlay_png {
        let overlay = image::load_from_memory(png)
            .map_err(|e| AppError::Internal(format!("reading the overlay: {e}")))?
            .to_rgba8();
        for (x, y, p) in overlay.enumerate_pixels() {
            if p.0[3] > 0 {
                c.blend(
                    x as i64,
                    y as i64,
                    [p.0[0], p.0[1], p.0[2]],
                    p.0[3] as f32 / 255.0,
                );
            }
        }
    }
    for ring in rings {
        for pair in ring.windows(2) {
            let (a, b) = (
                frame.px(pair[0].0, pair[0].1),
                frame.px(pair[1].0, pair[1].1),
            );
            c.line(a.0, a.1, b.0, b.1, 3.0, INK);
        }
    }
    for level in 0..4u8 {
        let r = if level == 0 { 4.0 } else { 5.5 };
        for ((&x, &y), _) in lon
            .iter()
            .zip(lat)
            .zip(worst)
            .filter(|(_, &w)| w.min(3) == level)
        {
            let (px, py) = frame.px(x, y);
            c.marker(px, py, r, WORST_FLAG_COLOURS[level as usize]);
        }
    }
    // Scale bar: a round distance near a fifth of the width, on a white plate.
    let mpp = frame.metres_per_pixel();
    let (metres, text) = scale_distance(frame.width as f64 / 5.0 * mpp);
    let len = metres / mpp;
    let (x0, y0) = (24.0, frame.height as f64 - 24.0);
    c.rect(
        x0 - 10.0,
        y0 - 44.0,
        x0 + len + 10.0,
        y0 + 12.0,
        [255, 255, 255],
    );
    c.rect(x0, y0 - 6.0, x0 + len / 2.0, y0, INK);
    c.rect(x0 + len / 2.0, y0 - 6.0, x0 + len, y0, [255, 255, 255]);
    c.line(x0, y0 - 6.0, x0 + len, y0 - 6.0, 1.5, INK);
    c.line(x0, y0, x0 + len, y0, 1.5, INK);
    c.line(x0 + len, y0 - 6.0, x0 + len, y0, 1.5, INK);
    c.line(x0, y0 - 6.0, x0, y0, 1.5, INK);
    let labels = vec![label(x0 + len / 2.0, y0 - 14.0, text, Align::Centre, 20.0)];
    Ok(Figure {
        png: c.png()?,
        width: frame.width,
        height: frame.height,
        labels,
    })
}

/// The plot area inside a figure, and its axes' value ranges.
struct Axes {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
    x: (f64, f64),
    y: (f64, f64),
}

impl Axes {
    fn px(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.left + (x - self.x.0) / (self.x.1 - self.x.0) * (self.right - self.left),
            self.bottom - (y - self.y.0) / (self.y.1 - self.y.0) * (self.bottom - self.top),
        )
    }

    /// Grid, axes, ticks and their labels, and the axis titles.
    fn draw(
        &self,
        c: &mut Canvas,
        xt: &[f64],
        yt: &[f64],
        x_title: &str,
        y_title: &str,
        labels: &mut Vec<Label>,
    ) {
        for &v in yt {
            let (_, y) = self.px(self.x.0, v);
            c.line(self.left, y, self.right, y, 1.0, GRID);
            c.line(self.left - 8.0, y, self.left, y, 2.0, INK);
            labels.push(label(
                self.left - 12.0,
                y + 7.0,
                tick_text(v, yt),
                Align::Right,
                20.0,
            ));
        }
        for &v in xt {
            let (x, _) = self.px(v, self.y.0);
            c.line(x, self.bottom, x, self.bottom + 8.0, 2.0, INK);
            labels.push(label(
                x,
                self.bottom + 30.0,
                tick_text(v, xt),
                Align::Centre,
                20.0,
            ));
        }
        c.line(self.left, self.top, self.left, self.bottom, 2.0, INK);
        c.line(self.left, self.bottom, self.right, self.bottom, 2.0, INK);
        labels.push(label(
            (self.left + self.right) / 2.0,
            self.bottom + 62.0,
            x_title,
            Align::Centre,
            22.0,
        ));
        labels.push(Label {
            vertical: true,
            ..label(
                26.0,
                (self.top + self.bottom) / 2.0,
                y_title,
                Align::Centre,
                22.0,
            )
        });
    }
}

const PLOT_W: u32 = 1000;
const PLOT_H: u32 = 520;

fn plot_axes(x: (f64, f64), y: (f64, f64)) -> Axes {
    Axes {
        left: 110.0,
        top: 20.0,
        right: PLOT_W as f64 - 30.0,
        bottom: PLOT_H as f64 - 90.0,
        x,
        y,
    }
}

fn span(ticks: &[f64]) -> (f64, f64) {
    match (ticks.first(), ticks.last()) {
        (Some(a), Some(b)) if b > a => (*a, *b),
        (Some(a), _) => (*a - 0.5, *a + 0.5),
        _ => (0.0, 1.0),
    }
}

/// A histogram of the claimed tCO2e per row (20 bins over the rounded range).
pub(crate) fn histogram_figure(claimed: &[f64]) -> Result<Figure, AppError> {
    let values: Vec<f64> = claimed.iter().copied().filter(|v| v.is_finite()).collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let xt = if values.is_empty() {
        vec![0.0, 1.0]
    } else {
        nice_ticks(lo, hi, 6)
    };
    let xr = span(&xt);
    const BINS: usize = 20;
    let mut counts = [0u64; BINS];
    for v in &values {
        let i = ((v - xr.0) / (xr.1 - xr.0) * BINS as f64).floor() as isize;
        counts[i.clamp(0, BINS as isize - 1) as usize] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let yt: Vec<f64> = nice_ticks(0.0, max as f64, 5)
        .into_iter()
        .filter(|t| t.fract() == 0.0 && *t >= 0.0)
        .collect();
    let axes = plot_axes(xr, span(&yt));
    let mut c = Canvas::new(PLOT_W, PLOT_H, [255, 255, 255]);
    let mut labels = Vec::new();
    axes.draw(
        &mut c,
        &xt,
        &yt,
        "claimed tCO2e per row",
        "rows",
        &mut labels,
    );
    let width = (xr.1 - xr.0) / BINS as f64;
    for (i, &n) in counts.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let (x0, y0) = axes.px(xr.0 + width * i as f64, n as f64);
        let (x1, y1) = axes.px(xr.0 + width * (i + 1) as f64, 0.0);
        // A bin of one row among hundreds still shows.
        c.rect(x0 + 1.0, y0.min(y1 - 4.0), x1 - 1.0, y1 - 1.0, BAR);
    }
    Ok(Figure {
        png: c.png()?,
        width: PLOT_W,
        height: PLOT_H,
        labels,
    })
}

/// One layer's value (y) against the claimed tCO2e (x) at every row with a reading; flagged
/// rows drawn larger in their worst flag's colour, on top.
pub(crate) fn scatter_figure(
    claimed: &[f64],
    values: &[Option<f64>],
    worst: &[u8],
    layer_title: &str,
) -> Result<Figure, AppError> {
    let pts: Vec<(f64, f64, u8)> = claimed
        .iter()
        .zip(values)
        .zip(worst)
        .filter_map(|((&x, v), &w)| {
            v.filter(|v| v.is_finite() && x.is_finite())
                .map(|v| (x, v, w))
        })
        .collect();
    let range = |f: &dyn Fn(&(f64, f64, u8)) -> f64| {
        pts.iter()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            })
    };
    let (xlo, xhi) = range(&|p| p.0);
    let (ylo, yhi) = range(&|p| p.1);
    let xt = if pts.is_empty() {
        vec![0.0, 1.0]
    } else {
        nice_ticks(xlo, xhi, 6)
    };
    let yt = if pts.is_empty() {
        vec![0.0, 1.0]
    } else {
        nice_ticks(ylo, yhi, 5)
    };
    let axes = plot_axes(span(&xt), span(&yt));
    let mut c = Canvas::new(PLOT_W, PLOT_H, [255, 255, 255]);
    let mut labels = Vec::new();
    axes.draw(
        &mut c,
        &xt,
        &yt,
        "claimed tCO2e per row",
        layer_title,
        &mut labels,
    );
    for level in 0..4u8 {
        for &(x, y, _) in pts.iter().filter(|p| p.2.min(3) == level) {
            let (px, py) = axes.px(x, y);
            if level == 0 {
                c.marker(px, py, 4.0, WORST_FLAG_COLOURS[0]);
            } else {
                c.marker(px, py, 7.0, WORST_FLAG_COLOURS[level as usize]);
            }
        }
    }
    Ok(Figure {
        png: c.png()?,
        width: PLOT_W,
        height: PLOT_H,
        labels,
    })
}

/// The outer rings of a GeoJSON (Feature, FeatureCollection or geometry) of polygons, as
/// (lon, lat) pairs; other geometries are skipped.
pub(crate) fn boundary_rings(geojson: &str) -> Vec<Vec<(f64, f64)>> {
    fn ring(v: &serde_json::Value) -> Option<Vec<(f64, f64)>> {
        v.as_array()?
            .iter()
            .map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?)))
            .collect()
    }
    fn walk(v: &serde_json::Value, out: &mut Vec<Vec<(f64, f64)>>) {
        match v.get("type").and_then(|t| t.as_str()) {
            Some("FeatureCollection") => {
                for f in v
                    .get("features")
                    .and_then(|f| f.as_array())
                    .into_iter()
                    .flatten()
                {
                    walk(f, out);
                }
            }
            Some("Feature") => {
                if let Some(g) = v.get("geometry") {
                    walk(g, out);
                }
            }
            Some("GeometryCollection") => {
                for g in v
                    .get("geometries")
                    .and_then(|f| f.as_array())
                    .into_iter()
                    .flatten()
                {
                    walk(g, out);
                }
            }
            Some("Polygon") => {
                for r in v
                    .get("coordinates")
                    .and_then(|c| c.as_array())
                    .into_iter()
                    .flatten()
                {
                    out.extend(ring(r));
                }
            }
            Some("MultiPolygon") => {
                for poly in v
                    .get("coordinates")
                    .and_then(|c| c.as_array())
                    .into_iter()
                    .flatten()
                {
                    for r in poly.as_array().into_iter().flatten() {
                        out.extend(ring(r));
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(geojson) {
        walk(&v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let t = nice_ticks(0.13, 0.87, 4);
        assert!(t[0] <= 0.13 && *t.last().unwrap() >= 0.87, "{t:?}");
        assert_eq!(tick_text(0.2, &t), "0.2");
        assert_eq!(tick_text(4.0, &[0.0, 2.0]), "4");
    }

    #[test]
    fn scale_bars_use_round_distances() {
        assert_eq!(scale_distance(2700.0), (2000.0, "2 km".to_owned()));
        assert_eq!(scale_distance(640.0), (500.0, "500 m".to_owned()));
        assert_eq!(scale_distance(1.3), (1.0, "1 m".to_owned()));
    }

    #[test]
    fn rings_are_read_from_features_and_multipolygons() {
        let g = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":
            {"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3],[2,2]]]]}}]}"#;
        let rings = boundary_rings(g);
        assert_eq!(rings.len(), 2);
        assert_eq!(rings[1][1], (3.0, 2.0));
    }

    #[test]
    fn the_map_frame_keeps_the_figures_aspect_and_every_point() {
        let f = MapFrame::fit(&[(-48.0, -24.3), (-47.8, -24.1)], 900, 600).unwrap();
        let [x0, y0, x1, y1] = f.bbox;
        assert!(((x1 - x0) / (y1 - y0) - 1.5).abs() < 1e-9);
        let (px, py) = f.px(-48.0, -24.3);
        assert!(px > 0.0 && py < 600.0);
    }
}
