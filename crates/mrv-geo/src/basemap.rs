//! Basemaps a user registers, drawn under the evidence: a GeoTIFF/COG of 8-bit bands, or an
//! MBTiles file of raster tiles. Both are drawn over a Web Mercator view as a PNG, like an
//! overlay ([`crate::render_overlay`]), so the map shows either with the same image layer.
//!
//! - A GeoTIFF is read as an overlay is: every output pixel takes the source pixel under its
//!   centre (nearest neighbour), each band through the same block-wise sampler. 1 band is grey
//!   (or its palette), 3 are RGB; a 2nd or 4th band is alpha when the file marks it so; a pixel
//!   is transparent where every band is nodata.
//! - An MBTiles file (the MBTiles 1.3 specification: a SQLite database with a `tiles` table in
//!   the TMS row order and a `metadata` table) is opened read-only and immutable (the stored
//!   copy never changes). A view is drawn from the coarsest zoom level whose pixels are at
//!   least as fine as the view's (the finest level when the view is finer still), each output
//!   pixel taking the tile pixel under its centre. Missing tiles are transparent. A view that
//!   would need more than [`MAX_TILES_PER_VIEW`] tiles, or tiles of more than
//!   [`MAX_TILE_PIXELS_PER_VIEW`] pixels, is refused (zoom in); tiles over [`MAX_TILE_BYTES`]
//!   and reads over [`MAX_QUERY_TIME`] stop with an error: memory and time stay bounded
//!   whatever the file holds.

use crate::raster::{inspect_raster, open, sample_in, RasterInfo};
use crate::transform::ToWgs84;
use crate::{GeoError, OverlayView};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, ImageFormat, RgbaImage};
use mrv_core::{BasemapKind, Sample};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::collections::HashMap;
use std::path::Path;

/// Half the Web Mercator world's width, in metres.
const HALF_WORLD: f64 = 20_037_508.342_789_244;

/// The most tiles one MBTiles view may read.
pub const MAX_TILES_PER_VIEW: usize = 2048;

/// The largest tile side accepted, in pixels (tiles are usually 256 or 512).
const MAX_TILE_SIDE: u32 = 4096;

/// The most decoded tile pixels one MBTiles view may need (384 MiB as RGBA, decoded one tile
/// row at a time): 1,536 tiles of 256 pixels (a 4096 × 4096 view needs up to 1,156), six of
/// 4096.
const MAX_TILE_PIXELS_PER_VIEW: u64 = 96 << 20;

/// The largest tile (or any text) read from an MBTiles file, in bytes.
const MAX_TILE_BYTES: usize = 64 << 20;

/// How long reading an MBTiles file may take before it is given up.
const MAX_QUERY_TIME: std::time::Duration = std::time::Duration::from_secs(20);

/// The deepest zoom level accepted (about 2 cm a pixel at the equator).
const MAX_ZOOM: u8 = 24;

/// What a basemap file is.
#[derive(Debug, Clone, PartialEq)]
pub struct BasemapInfo {
    pub kind: BasemapKind,
    /// `[west, south, east, north]` in WGS84 degrees.
    pub bounds: [f64; 4],
    /// What it holds, in words: bands, size and CRS, or the tiles' format, size and zoom levels.
    pub description: String,
}

/// Recognises a basemap file by its content (an SQLite header is MBTiles, anything else must
/// be a GeoTIFF) and describes it, refusing what cannot be drawn. For a GeoTIFF every block of
/// every band is decoded once; for MBTiles the schema, the zoom levels, the tile grid and one
/// tile are checked (each tile is decoded when a view needs it).
pub fn check_basemap(path: &Path) -> Result<BasemapInfo, GeoError> {
    match sniff(path)? {
        BasemapKind::Mbtiles => MbTiles::open(path, None).map(|m| m.info),
        BasemapKind::Geotiff => {
            let raster = GeoTiffBasemap::inspect(path)?;
            for band in 1..=raster.bands.len() {
                crate::raster::check_raster(path, band)?;
            }
            raster.info(path)
        }
    }
}

/// [`check_basemap`] without decoding the GeoTIFF's blocks (for a copy already checked).
pub fn inspect_basemap(path: &Path) -> Result<BasemapInfo, GeoError> {
    match sniff(path)? {
        BasemapKind::Mbtiles => MbTiles::open(path, None).map(|m| m.info),
        BasemapKind::Geotiff => GeoTiffBasemap::inspect(path)?.info(path),
    }
}

/// Draws the basemap over `view` as an RGBA PNG (transparent where it has nothing).
/// `known_bounds` are the bounds [`check_basemap`] found for it (an MBTiles file's are not
/// computed again: that reads every level's grid).
pub fn render_basemap(
    path: &Path,
    known_bounds: Option<[f64; 4]>,
    view: &OverlayView,
) -> Result<Vec<u8>, GeoError> {
    view.check()?;
    let rgba = match sniff(path)? {
        BasemapKind::Mbtiles => MbTiles::open(path, known_bounds)?.draw(view)?,
        BasemapKind::Geotiff => GeoTiffBasemap::inspect(path)?.draw(path, view)?,
    };
    encode_png(&rgba, view)
}

fn encode_png(rgba: &[u8], view: &OverlayView) -> Result<Vec<u8>, GeoError> {
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Sub)
        .write_image(rgba, view.width, view.height, ExtendedColorType::Rgba8)
        .map_err(|e| GeoError::InvalidView(format!("cannot encode the basemap as PNG: {e}")))?;
    Ok(png)
}

fn invalid(path: &Path, problem: impl Into<String>) -> GeoError {
    GeoError::InvalidRaster {
        file: path.display().to_string(),
        problem: problem.into(),
    }
}

/// MBTiles by the SQLite header, GeoTIFF otherwise (the GeoTIFF reader explains what else it is).
fn sniff(path: &Path) -> Result<BasemapKind, GeoError> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut file =
        std::fs::File::open(path).map_err(|e| invalid(path, format!("cannot be read: {e}")))?;
    let n = file
        .read(&mut head)
        .map_err(|e| invalid(path, format!("cannot be read: {e}")))?;
    Ok(if n == 16 && &head == b"SQLite format 3\0" {
        BasemapKind::Mbtiles
    } else {
        BasemapKind::Geotiff
    })
}

// --- GeoTIFF ---------------------------------------------------------------------------------

/// How the bands of a GeoTIFF basemap become colours.
#[derive(Debug, Clone, PartialEq)]
enum Bands {
    Grey,
    /// One band through its colour table (256 RGBA entries).
    Palette(Vec<[u8; 4]>),
    GreyAlpha,
    Rgb,
    Rgba,
}

impl Bands {
    /// How many of the file's bands are drawn (from the first).
    fn drawn(&self) -> usize {
        match self {
            Bands::Grey | Bands::Palette(_) => 1,
            Bands::GreyAlpha => 2,
            Bands::Rgb => 3,
            Bands::Rgba => 4,
        }
    }
}

struct GeoTiffBasemap {
    /// The bands drawn, as inspected (1-based order).
    bands: Vec<RasterInfo>,
    mode: Bands,
    /// All the file's bands, drawn or not.
    count: usize,
}

impl GeoTiffBasemap {
    fn inspect(path: &Path) -> Result<GeoTiffBasemap, GeoError> {
        let first = inspect_raster(path, 1)?;
        let count = first.band_count;
        // A second or fourth band is alpha only when the file says so (a 4-band B, G, R, NIR
        // scene is drawn from its first three bands).
        let dataset = open(path)?;
        let band = |b: usize| {
            dataset
                .rasterband(b)
                .map_err(|e| invalid(path, e.to_string()))
        };
        let alpha = |b: usize| -> Result<bool, GeoError> {
            Ok(band(b)?.color_interpretation() == gdal::raster::ColorInterpretation::AlphaBand)
        };
        let mode = match count {
            1 => match palette(&band(1)?) {
                Some(p) => Bands::Palette(p),
                None => Bands::Grey,
            },
            2 if alpha(2)? => Bands::GreyAlpha,
            2 => Bands::Grey,
            3 => Bands::Rgb,
            4 if alpha(4)? => Bands::Rgba,
            4 => Bands::Rgb,
            n => {
                return Err(invalid(path, format!(
                    "has {n} bands; a basemap has 1 (grey or a palette), 2 (grey and alpha), 3 (RGB) or 4 (RGBA) bands — pick them first, e.g. `gdal_translate -b 3 -b 2 -b 1`"
                )))
            }
        };
        let mut bands = Vec::with_capacity(count);
        for band in 1..=count {
            let info = if band == 1 {
                first.clone()
            } else {
                inspect_raster(path, band)?
            };
            if info.data_type != "Byte" {
                return Err(invalid(path, format!(
                    "band {band} holds {} values; a basemap's bands are 8-bit (Byte) colours — add it as a layer to see its values, or convert it, e.g. `gdal_translate -ot Byte -scale`",
                    info.data_type
                )));
            }
            bands.push(info);
        }
        // A band that is neither colour nor alpha is not read.
        bands.truncate(mode.drawn());
        Ok(GeoTiffBasemap { bands, mode, count })
    }

    /// What the file is: its extent in WGS84 and its description (registration only: a
    /// drawing needs neither).
    fn info(&self, path: &Path) -> Result<BasemapInfo, GeoError> {
        let first = &self.bands[0];
        let what = match (&self.mode, self.count) {
            (Bands::Grey, 2) => "2 bands (grey; the second, not alpha, unused)",
            (Bands::Rgb, 4) => "4 bands (RGB; the fourth, not alpha, unused)",
            (Bands::Grey, _) => "1 band (grey)",
            (Bands::Palette(_), _) => "1 band (palette)",
            (Bands::GreyAlpha, _) => "2 bands (grey, alpha)",
            (Bands::Rgb, _) => "3 bands (RGB)",
            (Bands::Rgba, _) => "4 bands (RGBA)",
        };
        Ok(BasemapInfo {
            kind: BasemapKind::Geotiff,
            bounds: wgs84_bounds(path, first)?,
            description: format!(
                "GeoTIFF, {what}, {} × {} pixels, {}",
                first.width, first.height, first.crs_name
            ),
        })
    }

    /// Drawn a strip of rows at a time ([`crate::overlay::STRIP_ROWS`]): memory follows the
    /// strip, not the view.
    fn draw(&self, path: &Path, view: &OverlayView) -> Result<Vec<u8>, GeoError> {
        let mut rgba = Vec::with_capacity(view.width as usize * view.height as usize * 4);
        for rows in view.strips() {
            let centres = view.row_centres(rows);
            let mut channels = Vec::with_capacity(self.bands.len());
            for band in &self.bands {
                channels.push(sample_in(path, band, 3857, &centres)?);
            }
            let mut v = [0u8; 4];
            for k in 0..centres.len() {
                // As GDAL masks a dataset whose bands share a nodata value: a pixel is empty
                // when every band is nodata (or it lies off the raster); a band that alone is
                // nodata keeps its nodata value as its colour.
                let mut any = false;
                for (b, (channel, band)) in channels.iter().zip(&self.bands).enumerate() {
                    v[b] = match channel[k] {
                        Sample::Value(x) => {
                            any = true;
                            x.clamp(0.0, 255.0) as u8
                        }
                        Sample::NoData | Sample::Outside => {
                            band.nodata.unwrap_or(0.0).clamp(0.0, 255.0) as u8
                        }
                    };
                }
                let colour = match (any, &self.mode) {
                    (false, _) => [0, 0, 0, 0],
                    (true, Bands::Grey) => [v[0], v[0], v[0], 255],
                    (true, Bands::Palette(p)) => p[v[0] as usize],
                    (true, Bands::GreyAlpha) => [v[0], v[0], v[0], v[1]],
                    (true, Bands::Rgb) => [v[0], v[1], v[2], 255],
                    (true, Bands::Rgba) => [v[0], v[1], v[2], v[3]],
                };
                rgba.extend_from_slice(&colour);
            }
        }
        Ok(rgba)
    }
}

/// The band's colour table as 256 RGBA entries (missing entries transparent), if it has one.
fn palette(band: &gdal::raster::RasterBand<'_>) -> Option<Vec<[u8; 4]>> {
    let table = band.color_table()?;
    let channel = |v: i16| v.clamp(0, 255) as u8;
    Some(
        (0..256)
            .map(|i| match table.entry_as_rgb(i) {
                Some(e) if i < table.entry_count() => {
                    [channel(e.r), channel(e.g), channel(e.b), channel(e.a)]
                }
                _ => [0, 0, 0, 0],
            })
            .collect(),
    )
}

/// The raster's extent in WGS84: its edges sampled every 1/32 and transformed, so a projected
/// raster's curved edges are inside.
fn wgs84_bounds(path: &Path, info: &RasterInfo) -> Result<[f64; 4], GeoError> {
    let gt = info.geo_transform;
    let (w, h) = (info.width as f64, info.height as f64);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for k in 0..=32 {
        let t = k as f64 / 32.0;
        for (px, py) in [(t * w, 0.0), (t * w, h), (0.0, t * h), (w, t * h)] {
            xs.push(gt[0] + px * gt[1] + py * gt[2]);
            ys.push(gt[3] + px * gt[4] + py * gt[5]);
        }
    }
    let to = ToWgs84::new(&info.crs_wkt)?;
    let ok = to.transform(&mut xs, &mut ys);
    let mut bounds = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for ((x, y), ok) in xs.iter().zip(&ys).zip(ok) {
        if ok && x.is_finite() && y.is_finite() {
            bounds = [
                bounds[0].min(*x),
                bounds[1].min(*y),
                bounds[2].max(*x),
                bounds[3].max(*y),
            ];
        }
    }
    // Half a pixel past the antimeridian or a pole is still the world's edge.
    let bounds = [
        bounds[0].max(-180.0),
        bounds[1].max(-90.0),
        bounds[2].min(180.0),
        bounds[3].min(90.0),
    ];
    if !(bounds[0] < bounds[2] && bounds[1] < bounds[3]) {
        return Err(invalid(
            path,
            "has no extent that transforms to longitude and latitude",
        ));
    }
    Ok(bounds)
}

// --- MBTiles ---------------------------------------------------------------------------------

struct MbTiles {
    conn: Connection,
    path: std::path::PathBuf,
    info: BasemapInfo,
    format: ImageFormat,
    tile_side: u32,
    min_zoom: u8,
    max_zoom: u8,
}

/// An SQLite failure reading an MBTiles file, in words: the limits that stop a hostile file
/// named as such.
fn sqlite_problem(path: &Path, e: rusqlite::Error) -> GeoError {
    invalid(
        path,
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::OperationInterrupted) => format!(
                "took more than {} s to read; is `tiles` a view that never ends?",
                MAX_QUERY_TIME.as_secs()
            ),
            Some(rusqlite::ErrorCode::TooBig) => {
                format!("holds a tile or text over {} MiB", MAX_TILE_BYTES >> 20)
            }
            _ => format!("is not a readable MBTiles file ({e})"),
        },
    )
}

/// `file:` URI of a path for SQLite, every byte outside the unreserved set percent-encoded.
fn file_uri(path: &Path) -> Result<String, GeoError> {
    let absolute = std::path::absolute(path).map_err(|e| invalid(path, e.to_string()))?;
    let bytes = absolute.as_os_str().as_encoded_bytes();
    let mut uri = String::from("file:");
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    // The stored copy never changes: no locks, no journal, no side files.
    uri.push_str("?immutable=1");
    Ok(uri)
}

impl MbTiles {
    /// Opens and checks an MBTiles file. `known_bounds` (what registration found) spares the
    /// scan of every level's tile grid that computing them takes.
    fn open(path: &Path, known_bounds: Option<[f64; 4]>) -> Result<MbTiles, GeoError> {
        let bad = |problem: String| invalid(path, problem);
        let sql = |e: rusqlite::Error| sqlite_problem(path, e);
        let conn = Connection::open_with_flags(
            file_uri(path)?,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        conn.execute_batch("PRAGMA query_only = ON; PRAGMA trusted_schema = OFF;")
            .map_err(sql)?;
        // A hostile file (a `tiles` view over an endless recursive query, a view returning
        // huge blobs) is stopped, not waited for or held in memory.
        conn.set_limit(
            rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH,
            MAX_TILE_BYTES as i32,
        )
        .map_err(sql)?;
        let deadline = std::time::Instant::now() + MAX_QUERY_TIME;
        conn.progress_handler(10_000, Some(move || std::time::Instant::now() > deadline));
        for (table, columns) in [
            ("tiles", "zoom_level, tile_column, tile_row, tile_data"),
            ("metadata", "name, value"),
        ] {
            conn.prepare(&format!("SELECT {columns} FROM {table} LIMIT 0"))
                .map_err(|e| match e.sqlite_error_code() {
                    // A damaged file (only its header is SQLite's) is not "not MBTiles".
                    Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                        sql(e)
                    }
                    _ => bad(format!(
                        "is an SQLite database but not MBTiles: it has no `{table}` table with the columns {columns} ({e})"
                    )),
                })?;
        }
        let meta = |name: &str| -> Result<Option<String>, GeoError> {
            conn.query_row("SELECT value FROM metadata WHERE name = ?1", [name], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(sql)
        };
        let declared = meta("format")?.map(|f| f.trim().to_ascii_lowercase());
        if let Some(f) = declared.as_deref() {
            if f == "pbf" || f == "mvt" {
                return Err(bad(
                    "holds vector tiles (pbf); MRV Desk draws raster tiles (PNG, JPEG, WebP) only — render it to raster tiles first".into(),
                ));
            }
        }
        // Two queries: SQLite answers each from the index alone, not a scan.
        let zoom = |q: &str| {
            conn.query_row(q, [], |r| r.get::<_, Option<i64>>(0))
                .map_err(sql)
        };
        let zooms = (
            zoom("SELECT MIN(zoom_level) FROM tiles")?,
            zoom("SELECT MAX(zoom_level) FROM tiles")?,
        );
        let (Some(min_zoom), Some(max_zoom)) = zooms else {
            return Err(bad("holds no tiles".into()));
        };
        if min_zoom < 0 || max_zoom > MAX_ZOOM as i64 {
            return Err(bad(format!(
                "has zoom levels {min_zoom} to {max_zoom}; MBTiles zoom levels run from 0 to {MAX_ZOOM}"
            )));
        }
        let (min_zoom, max_zoom) = (min_zoom as u8, max_zoom as u8);
        let [west, south, east, north] = match known_bounds {
            Some(bounds) => bounds,
            None => {
                // The tiles of every level give the extent; a tile outside its level's grid is refused.
                let mut levels = conn
                    .prepare(
                        "SELECT zoom_level, MIN(tile_column), MAX(tile_column), MIN(tile_row), MAX(tile_row) FROM tiles GROUP BY zoom_level",
                    )
                    .map_err(sql)?;
                let mut rows = levels.query([]).map_err(sql)?;
                let [mut west, mut south, mut east, mut north] = [
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                ];
                while let Some(row) = rows.next().map_err(sql)? {
                    let z: i64 = row.get(0).map_err(sql)?;
                    let [c0, c1, r0, r1]: [i64; 4] = [
                        row.get(1).map_err(sql)?,
                        row.get(2).map_err(sql)?,
                        row.get(3).map_err(sql)?,
                        row.get(4).map_err(sql)?,
                    ];
                    let n = 1i64 << z;
                    if c0 < 0 || r0 < 0 || c1 >= n || r1 >= n {
                        return Err(bad(format!(
                            "has a tile outside the grid of zoom {z} (columns {c0}–{c1}, rows {r0}–{r1}; the grid is 0–{})",
                            n - 1
                        )));
                    }
                    // TMS rows count from the south.
                    let z = z as u8;
                    west = west.min(tile_edge_lon(c0, z));
                    east = east.max(tile_edge_lon(c1 + 1, z));
                    north = north.max(tile_edge_lat(n - 1 - r1, z));
                    south = south.min(tile_edge_lat(n - r0, z));
                }
                drop(rows);
                drop(levels);
                // The metadata's `bounds` (MBTiles 1.3: the extent of the rendered area) clips the
                // tiles' own: edge tiles of a JPEG file are black where the imagery ends.
                if let Some([w, s, e, n]) = meta("bounds")?.as_deref().and_then(parse_bounds) {
                    let clipped = [west.max(w), south.max(s), east.min(e), north.min(n)];
                    if clipped[0] < clipped[2] && clipped[1] < clipped[3] {
                        [west, south, east, north] = clipped;
                    }
                }
                [west, south, east, north]
            }
        };
        // One tile, the first of the coarsest level, tells the format and the side.
        let (z, x, y, data): (i64, i64, i64, Vec<u8>) = conn
            .query_row(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ?1 LIMIT 1",
                [min_zoom],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(sql)?;
        let format = image::guess_format(&data)
            .ok()
            .filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP))
            .ok_or_else(|| {
                bad(format!(
                    "tile {z}/{x}/{y} is not a PNG, JPEG or WebP image{}",
                    declared
                        .as_deref()
                        .map(|f| format!(" (the metadata says `{f}`)"))
                        .unwrap_or_default()
                ))
            })?;
        let tile =
            decode_tile(&data, format, None).map_err(|p| bad(format!("tile {z}/{x}/{y} {p}")))?;
        let tile_side = tile.width();
        let name = |f: ImageFormat| match f {
            ImageFormat::Png => "PNG",
            ImageFormat::Jpeg => "JPEG",
            _ => "WebP",
        };
        let info = BasemapInfo {
            kind: BasemapKind::Mbtiles,
            bounds: [west, south, east, north],
            description: format!(
                "MBTiles, {} tiles of {tile_side} pixels, zoom {min_zoom}–{max_zoom}",
                name(format)
            ),
        };
        Ok(MbTiles {
            conn,
            path: path.to_owned(),
            info,
            format,
            tile_side,
            min_zoom,
            max_zoom,
        })
    }

    /// The zoom level a view is drawn from: the coarsest level the file has whose pixels are
    /// at least as fine as the view's; the finest it has when none is.
    fn zoom_for(&self, metres_per_pixel: f64) -> Result<u8, GeoError> {
        let ideal = (self.min_zoom..=self.max_zoom)
            .find(|&z| level_resolution(z, self.tile_side) <= metres_per_pixel * (1.0 + 1e-9))
            .unwrap_or(self.max_zoom);
        // Levels may be missing between the coarsest and the finest (one indexed probe each).
        let mut probe = self
            .conn
            .prepare_cached("SELECT 1 FROM tiles WHERE zoom_level = ?1 LIMIT 1")
            .map_err(|e| self.failed(e))?;
        for z in (ideal..=self.max_zoom).chain((self.min_zoom..ideal).rev()) {
            if probe.exists([z]).map_err(|e| self.failed(e))? {
                return Ok(z);
            }
        }
        Ok(self.max_zoom)
    }

    fn failed(&self, e: rusqlite::Error) -> GeoError {
        sqlite_problem(&self.path, e)
    }

    fn draw(&self, view: &OverlayView) -> Result<Vec<u8>, GeoError> {
        let [x0, y0, x1, y1] = view.bbox;
        let (w, h) = (view.width as usize, view.height as usize);
        let (dx, dy) = ((x1 - x0) / w as f64, (y1 - y0) / h as f64);
        let z = self.zoom_for(dx.min(dy))?;
        let res = level_resolution(z, self.tile_side);
        let side = self.tile_side as f64;
        let n = 1i64 << z;
        // Tiles the view can touch, inside the file's extent: bounded before anything is read.
        let tile_of = |mx: f64, my: f64| {
            (
                ((mx + HALF_WORLD) / res / side).floor() as i64,
                ((HALF_WORLD - my) / res / side).floor() as i64,
            )
        };
        let [west, south, east, north] = self.info.bounds;
        let (bx0, by0) = (lon_to_x(west).max(x0), lat_to_y(south).max(y0));
        let (bx1, by1) = (lon_to_x(east).min(x1), lat_to_y(north).min(y1));
        let mut rgba = vec![0u8; w * h * 4];
        if bx0 >= bx1 || by0 >= by1 {
            return Ok(rgba);
        }
        // A thousandth of a pixel inside: an edge shared with the next tile is not in it.
        let inset = res * 1e-3;
        let (tc0, tr0) = tile_of(bx0 + inset, by1 - inset);
        let (tc1, tr1) = tile_of(bx1 - inset, by0 + inset);
        let needed = ((tc1 - tc0 + 1) * (tr1 - tr0 + 1)) as usize;
        let side_pixels = u64::from(self.tile_side) * u64::from(self.tile_side);
        if needed > MAX_TILES_PER_VIEW || needed as u64 * side_pixels > MAX_TILE_PIXELS_PER_VIEW {
            return Err(GeoError::InvalidView(format!(
                "the basemap's coarsest zoom level ({}) is too fine for this view: it would need {needed} tiles of {} pixels; zoom in",
                self.min_zoom, self.tile_side
            )));
        }
        let mut query = self
            .conn
            .prepare("SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3")
            .map_err(|e| self.failed(e))?;
        // Output rows go from north to south; the tiles of one tile row are kept until the
        // rows move past them.
        let mut row_tiles: HashMap<i64, Option<RgbaImage>> = HashMap::new();
        let mut current_row = i64::MIN;
        for j in 0..h {
            let my = y1 - (j as f64 + 0.5) * dy;
            let py = (HALF_WORLD - my) / res;
            let tr = (py / side).floor() as i64;
            if tr < 0 || tr >= n {
                continue;
            }
            if tr != current_row {
                row_tiles.clear();
                current_row = tr;
            }
            if my < by0 || my > by1 {
                continue;
            }
            let in_y = ((py - tr as f64 * side).floor() as u32).min(self.tile_side - 1);
            for i in 0..w {
                let mx = x0 + (i as f64 + 0.5) * dx;
                if mx < bx0 || mx > bx1 {
                    continue;
                }
                let px = (mx + HALF_WORLD) / res;
                let tc = (px / side).floor() as i64;
                if tc < 0 || tc >= n {
                    continue;
                }
                let tile = match row_tiles.get(&tc) {
                    Some(t) => t,
                    None => {
                        let data: Option<Vec<u8>> = query
                            .query_row(rusqlite::params![z, tc, n - 1 - tr], |r| r.get(0))
                            .optional()
                            .map_err(|e| self.failed(e))?;
                        let image = match data {
                            None => None,
                            Some(data) => Some(
                                decode_tile(&data, self.format, Some(self.tile_side)).map_err(
                                    |p| {
                                        invalid(
                                            &self.path,
                                            format!("tile {z}/{tc}/{} {p}", n - 1 - tr),
                                        )
                                    },
                                )?,
                            ),
                        };
                        row_tiles.entry(tc).or_insert(image)
                    }
                };
                if let Some(tile) = tile {
                    let in_x = ((px - tc as f64 * side).floor() as u32).min(self.tile_side - 1);
                    let at = (j * w + i) * 4;
                    rgba[at..at + 4].copy_from_slice(&tile.get_pixel(in_x, in_y).0);
                }
            }
        }
        Ok(rgba)
    }
}

/// MBTiles `bounds` metadata, `west,south,east,north` in degrees; None unless four finite
/// numbers in range with west < east and south < north.
fn parse_bounds(text: &str) -> Option<[f64; 4]> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|v| v.trim().parse().ok())
        .collect::<Option<_>>()?;
    let [w, s, e, n]: [f64; 4] = numbers.try_into().ok()?;
    let lon = -180.0..=180.0;
    let lat = -90.0..=90.0;
    (lon.contains(&w) && lon.contains(&e) && lat.contains(&s) && lat.contains(&n) && w < e && s < n)
        .then_some([w, s, e, n])
}

/// Decodes a tile as RGBA, refusing sides beyond [`MAX_TILE_SIDE`] before decoding, non-square
/// tiles and (when `side` is given) tiles of another size than the file's.
fn decode_tile(data: &[u8], format: ImageFormat, side: Option<u32>) -> Result<RgbaImage, String> {
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(data), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_TILE_SIDE);
    limits.max_image_height = Some(MAX_TILE_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| format!("does not decode as {format:?}: {e}"))?
        .to_rgba8();
    let (tw, th) = image.dimensions();
    if tw != th {
        return Err(format!("is {tw} × {th} pixels; MBTiles tiles are square"));
    }
    if let Some(side) = side {
        if tw != side {
            return Err(format!(
                "is {tw} pixels wide where the file's tiles are {side}"
            ));
        }
    }
    Ok(image)
}

/// Metres a pixel at zoom `z` for tiles of `side` pixels.
fn level_resolution(z: u8, side: u32) -> f64 {
    2.0 * HALF_WORLD / (side as f64 * (1u64 << z) as f64)
}

fn tile_edge_lon(column: i64, z: u8) -> f64 {
    column as f64 / (1u64 << z) as f64 * 360.0 - 180.0
}

fn tile_edge_lat(xyz_row: i64, z: u8) -> f64 {
    let n = std::f64::consts::PI * (1.0 - 2.0 * xyz_row as f64 / (1u64 << z) as f64);
    n.sinh().atan().to_degrees()
}

fn lon_to_x(lon: f64) -> f64 {
    lon.to_radians() * (HALF_WORLD / std::f64::consts::PI)
}

fn lat_to_y(lat: f64) -> f64 {
    let lat = lat.clamp(-85.051_128_779_806_6, 85.051_128_779_806_6);
    (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
        .tan()
        .ln()
        * (HALF_WORLD / std::f64::consts::PI)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gdal::raster::{Buffer, RasterCreationOptions};
    use gdal::spatial_ref::SpatialRef;
    use gdal::DriverManager;
    use image::Rgba;
    use std::path::PathBuf;
    use std::process::Command;

    /// A tiled 8-bit GeoTIFF of `bands` bands on UTM 23S whose band b holds, at (col, row),
    /// `(col * 7 + row * 3 + b * 50) % 256`; value 0 of band 1 is nodata when `nodata` is set.
    fn byte_raster(dir: &Path, name: &str, bands: usize, nodata: bool) -> PathBuf {
        let path = dir.join(name);
        let size = (300usize, 200usize);
        let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
        let options =
            RasterCreationOptions::from_iter(["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"]);
        let mut ds = driver
            .create_with_band_type_with_options::<u8, _>(&path, size.0, size.1, bands, &options)
            .unwrap();
        ds.set_geo_transform(&[250_000.0, 30.0, 0.0, 7_400_000.0, 0.0, -30.0])
            .unwrap();
        ds.set_spatial_ref(&SpatialRef::from_epsg(32723).unwrap())
            .unwrap();
        for b in 1..=bands {
            let mut band = ds.rasterband(b).unwrap();
            if nodata {
                band.set_no_data_value(Some(0.0)).unwrap();
            }
            let data: Vec<u8> = (0..size.0 * size.1)
                .map(|i| ((i % size.0) * 7 + (i / size.0) * 3 + b * 50) as u8)
                .collect();
            band.write((0, 0), size, &mut Buffer::new(size, data))
                .unwrap();
        }
        path
    }

    /// Sets band `band`'s colour interpretation.
    fn set_interpretation(path: &Path, band: usize, interp: gdal::raster::ColorInterpretation) {
        let ds = gdal::Dataset::open_ex(
            path,
            gdal::DatasetOptions {
                open_flags: gdal::GdalOpenFlags::GDAL_OF_UPDATE,
                ..Default::default()
            },
        )
        .unwrap();
        ds.rasterband(band)
            .unwrap()
            .set_color_interpretation(interp)
            .unwrap();
    }

    /// `gdalwarp -r near` of the same view, every band, as bytes pixel-interleaved.
    fn gdalwarp_bytes(path: &Path, view: &OverlayView, out: &Path) -> (usize, Vec<u8>) {
        let [x0, y0, x1, y1] = view.bbox;
        let status = Command::new("gdalwarp")
            .args([
                "-q",
                "-overwrite",
                "-t_srs",
                "EPSG:3857",
                "-r",
                "near",
                "-et",
                "0",
                "-dstnodata",
                "None",
            ])
            .args([
                "-te",
                &x0.to_string(),
                &y0.to_string(),
                &x1.to_string(),
                &y1.to_string(),
            ])
            .args(["-ts", &view.width.to_string(), &view.height.to_string()])
            .arg(path)
            .arg(out)
            .status()
            .expect("gdalwarp (gdal-bin) is installed");
        assert!(status.success());
        let ds = gdal::Dataset::open(out).unwrap();
        let size = (view.width as usize, view.height as usize);
        let bands: Vec<Vec<u8>> = (1..=ds.raster_count())
            .map(|b| {
                ds.rasterband(b)
                    .unwrap()
                    .read_as::<u8>((0, 0), size, size, None)
                    .unwrap()
                    .data()
                    .to_vec()
            })
            .collect();
        let mut out = Vec::new();
        for k in 0..size.0 * size.1 {
            out.extend(bands.iter().map(|b| b[k]));
        }
        (bands.len(), out)
    }

    fn decode(png: &[u8]) -> RgbaImage {
        image::load_from_memory(png).unwrap().to_rgba8()
    }

    #[test]
    fn an_rgb_geotiff_draws_the_pixels_gdalwarp_picks_and_is_transparent_off_the_raster() {
        let dir = tempfile::tempdir().unwrap();
        let path = byte_raster(dir.path(), "rgb.tif", 3, false);
        let info = check_basemap(&path).unwrap();
        assert_eq!(info.kind, BasemapKind::Geotiff);
        assert!(
            info.description
                .starts_with("GeoTIFF, 3 bands (RGB), 300 × 200 pixels, WGS 84 / UTM zone 23S"),
            "{}",
            info.description
        );
        // UTM 23S at 250–259 km E, 7,394–7,400 km N: about 47.4° W, 23.5° S.
        let [w, s, e, n] = info.bounds;
        assert!(
            (-47.5..-47.3).contains(&w) && w < e && (-47.5..-47.3).contains(&e),
            "{:?}",
            info.bounds
        );
        assert!(
            (-23.6..-23.4).contains(&s) && s < n && (-23.6..-23.4).contains(&n),
            "{:?}",
            info.bounds
        );
        let view = OverlayView {
            bbox: [-5_283_000.0, -2_699_500.0, -5_271_000.0, -2_690_500.0],
            width: 256,
            height: 192,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        let (bands, theirs) = gdalwarp_bytes(&path, &view, &dir.path().join("warp.tif"));
        assert_eq!(bands, 3);
        let values = crate::overlay_values(&path, 1, &view).unwrap();
        let mut drawn = 0;
        for (k, pixel) in image.pixels().enumerate() {
            if values[k] == Sample::Outside {
                assert_eq!(pixel.0, [0, 0, 0, 0], "pixel {k} is off the raster");
            } else {
                drawn += 1;
                assert_eq!(&pixel.0[..3], &theirs[k * 3..k * 3 + 3], "pixel {k}");
                assert_eq!(pixel.0[3], 255);
            }
        }
        assert!(drawn > 5_000 && drawn < 256 * 192, "{drawn} pixels drawn");
    }

    #[test]
    fn grey_with_nodata_is_transparent_where_nodata_and_four_bands_keep_their_alpha() {
        let dir = tempfile::tempdir().unwrap();
        let view = OverlayView {
            bbox: [-5_283_000.0, -2_699_500.0, -5_271_000.0, -2_690_500.0],
            width: 200,
            height: 150,
        };
        let grey = byte_raster(dir.path(), "grey.tif", 1, true);
        let image = decode(&render_basemap(&grey, None, &view).unwrap());
        let values = crate::overlay_values(&grey, 1, &view).unwrap();
        let mut transparent = 0;
        for (k, pixel) in image.pixels().enumerate() {
            match values[k] {
                Sample::Value(v) => {
                    assert_eq!(pixel.0, [v as u8, v as u8, v as u8, 255], "pixel {k}")
                }
                _ => {
                    transparent += 1;
                    assert_eq!(pixel.0, [0, 0, 0, 0], "pixel {k}")
                }
            }
        }
        assert!(values.contains(&Sample::NoData) && transparent > 0);
        // Four bands without an alpha band are drawn as RGB; with one, as RGBA.
        let rgbn = byte_raster(dir.path(), "rgbn.tif", 4, false);
        set_interpretation(&rgbn, 4, gdal::raster::ColorInterpretation::Undefined);
        let info = check_basemap(&rgbn).unwrap();
        assert!(
            info.description
                .contains("4 bands (RGB; the fourth, not alpha, unused)"),
            "{}",
            info.description
        );
        let opaque = decode(&render_basemap(&rgbn, None, &view).unwrap());
        let red = crate::overlay_values(&rgbn, 1, &view).unwrap();
        for (k, pixel) in opaque.pixels().enumerate() {
            if let Sample::Value(r) = red[k] {
                assert_eq!((pixel.0[0], pixel.0[3]), (r as u8, 255), "pixel {k}");
            }
        }
        let rgba = byte_raster(dir.path(), "rgba.tif", 4, false);
        set_interpretation(&rgba, 4, gdal::raster::ColorInterpretation::AlphaBand);
        assert!(check_basemap(&rgba)
            .unwrap()
            .description
            .contains("4 bands (RGBA)"));
        let image = decode(&render_basemap(&rgba, None, &view).unwrap());
        let alpha = crate::overlay_values(&rgba, 4, &view).unwrap();
        for (k, pixel) in image.pixels().enumerate() {
            if let Sample::Value(a) = alpha[k] {
                assert_eq!(pixel.0[3], a as u8, "pixel {k}");
            }
        }
    }

    #[test]
    fn rasters_that_are_not_colours_are_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let gt = [250_000.0, 30.0, 0.0, 7_400_000.0, 0.0, -30.0];
        let float = crate::raster::tests::make_raster(dir.path(), "ndvi.tif", 32723, gt, (40, 30));
        let err = check_basemap(&float).unwrap_err().to_string();
        assert!(
            err.contains("ndvi.tif: band 1 holds Float32 values")
                && err.contains("add it as a layer"),
            "{err}"
        );
        let five = byte_raster(dir.path(), "five.tif", 5, false);
        let err = check_basemap(&five).unwrap_err().to_string();
        assert!(
            err.contains("five.tif: has 5 bands; a basemap has 1"),
            "{err}"
        );
        let text = dir.path().join("notes.tif");
        std::fs::write(&text, "not a raster").unwrap();
        assert!(check_basemap(&text)
            .unwrap_err()
            .to_string()
            .contains("notes.tif"));
    }

    // --- MBTiles ---

    fn png_tile(side: u32, colour: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
        let image = RgbaImage::from_fn(side, side, |x, y| Rgba(colour(x, y)));
        let mut out = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    /// An MBTiles file (TMS rows) with the given tiles `(z, x, xyz_row, data)`.
    fn mbtiles(dir: &Path, name: &str, format: &str, tiles: &[(u8, i64, i64, Vec<u8>)]) -> PathBuf {
        let path = dir.join(name);
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
        )
        .unwrap();
        conn.execute("INSERT INTO metadata VALUES ('format', ?1)", [format])
            .unwrap();
        for (z, x, row, data) in tiles {
            let tms = (1i64 << z) - 1 - row;
            conn.execute(
                "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![z, x, tms, data],
            )
            .unwrap();
        }
        path
    }

    /// The Web Mercator extent of XYZ tile (z, x, row).
    fn tile_bbox(z: u8, x: i64, row: i64) -> [f64; 4] {
        let size = 2.0 * HALF_WORLD / (1u64 << z) as f64;
        let x0 = -HALF_WORLD + x as f64 * size;
        let y1 = HALF_WORLD - row as f64 * size;
        [x0, y1 - size, x0 + size, y1]
    }

    fn pattern(seed: u32) -> impl Fn(u32, u32) -> [u8; 4] {
        move |x, y| {
            [
                (x * 3 + seed) as u8,
                (y * 5 + seed * 7) as u8,
                ((x ^ y) + seed) as u8,
                255,
            ]
        }
    }

    #[test]
    fn an_mbtiles_view_on_a_tile_is_that_tile_pixel_for_pixel_from_the_right_level() {
        let dir = tempfile::tempdir().unwrap();
        let tiles = vec![
            (2, 1, 1, png_tile(64, pattern(1))),
            (2, 2, 1, png_tile(64, pattern(2))),
            // (2, 1, 2) is missing.
            (2, 2, 2, png_tile(64, pattern(4))),
            (3, 2, 2, png_tile(64, pattern(5))),
            (3, 3, 2, png_tile(64, pattern(6))),
        ];
        let path = mbtiles(dir.path(), "tiles.mbtiles", "png", &tiles);
        let info = check_basemap(&path).unwrap();
        assert_eq!(info.kind, BasemapKind::Mbtiles);
        assert_eq!(
            info.description,
            "MBTiles, PNG tiles of 64 pixels, zoom 2–3"
        );
        // Every level's tiles: zoom 2's columns 1–2 (90° W to 90° E), rows 1–2 (66.51° N to 66.51° S).
        let [w, s, e, n] = info.bounds;
        assert!(
            (w + 90.0).abs() < 1e-9 && (e - 90.0).abs() < 1e-9,
            "{:?}",
            info.bounds
        );
        assert!(
            (s + 66.513_260_443).abs() < 1e-6 && (n - 66.513_260_443).abs() < 1e-6,
            "{:?}",
            info.bounds
        );

        // A view of exactly tile (2, 1, 1) at its own resolution is that tile.
        let view = OverlayView {
            bbox: tile_bbox(2, 1, 1),
            width: 64,
            height: 64,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        assert_eq!(
            image,
            RgbaImage::from_fn(64, 64, |x, y| Rgba(pattern(1)(x, y)))
        );

        // Two tiles side by side, and a missing tile transparent.
        let [x0, _, _, y1] = tile_bbox(2, 1, 1);
        let [_, y0, x1, _] = tile_bbox(2, 2, 2);
        let view = OverlayView {
            bbox: [x0, y0, x1, y1],
            width: 128,
            height: 128,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        for (x, y, pixel) in image.enumerate_pixels() {
            let expected = match (x / 64, y / 64) {
                (0, 0) => pattern(1)(x, y),
                (1, 0) => pattern(2)(x - 64, y),
                (0, 1) => [0, 0, 0, 0],
                _ => pattern(4)(x - 64, y - 64),
            };
            assert_eq!(pixel.0, expected, "({x}, {y})");
        }

        // Twice as fine: drawn from zoom 3, where tile (3, 2, 2) is the NW quarter of (2, 1, 1).
        let view = OverlayView {
            bbox: tile_bbox(3, 2, 2),
            width: 64,
            height: 64,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        assert_eq!(
            image,
            RgbaImage::from_fn(64, 64, |x, y| Rgba(pattern(5)(x, y)))
        );

        // Finer than the finest level: zoom 3's pixels, each twice as wide.
        let [x0, y0, x1, y1] = tile_bbox(3, 3, 2);
        let view = OverlayView {
            bbox: [x0, (y0 + y1) / 2.0, (x0 + x1) / 2.0, y1],
            width: 64,
            height: 64,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        assert_eq!(
            image,
            RgbaImage::from_fn(64, 64, |x, y| Rgba(pattern(6)(x / 2, y / 2)))
        );

        // Far from the tiles: transparent, and nothing read.
        let view = OverlayView {
            bbox: tile_bbox(3, 7, 7),
            width: 16,
            height: 16,
        };
        assert!(decode(&render_basemap(&path, None, &view).unwrap())
            .pixels()
            .all(|p| p.0 == [0, 0, 0, 0]));
    }

    #[test]
    fn an_mbtiles_written_by_gdal_draws_what_gdal_reads_from_it() {
        let dir = tempfile::tempdir().unwrap();
        let tif = byte_raster(dir.path(), "rgb.tif", 3, false);
        let path = dir.path().join("gdal.mbtiles");
        let status = Command::new("gdal_translate")
            .args(["-q", "-of", "MBTiles", "-co", "TILE_FORMAT=PNG"])
            .arg(&tif)
            .arg(&path)
            .status()
            .expect("gdal_translate (gdal-bin) is installed");
        assert!(status.success());
        let info = check_basemap(&path).unwrap();
        assert!(
            info.description
                .starts_with("MBTiles, PNG tiles of 256 pixels"),
            "{}",
            info.description
        );
        let max_zoom: u8 = info
            .description
            .rsplit(['–', ' '])
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // A view on the finest level's pixel grid: GDAL reads the full resolution, no overview.
        let res = level_resolution(max_zoom, 256);
        let (cx, cy) = (-5_277_000.0, -2_695_000.0);
        let x0 = ((cx + HALF_WORLD) / res).floor() * res - HALF_WORLD;
        let y1 = HALF_WORLD - ((HALF_WORLD - cy) / res).floor() * res;
        let view = OverlayView {
            bbox: [x0, y1 - 150.0 * res, x0 + 200.0 * res, y1],
            width: 200,
            height: 150,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        let (bands, theirs) = gdalwarp_bytes(&path, &view, &dir.path().join("warp.tif"));
        assert_eq!(bands, 4, "GDAL reads MBTiles as RGBA");
        let mut opaque = 0;
        for (k, pixel) in image.pixels().enumerate() {
            assert_eq!(pixel.0[..], theirs[k * 4..k * 4 + 4], "pixel {k}");
            opaque += usize::from(pixel.0[3] == 255);
        }
        assert!(opaque > 10_000, "{opaque} opaque pixels");
    }

    #[test]
    fn the_metadata_bounds_clip_the_tiles_so_black_jpeg_edges_are_not_drawn() {
        let dir = tempfile::tempdir().unwrap();
        let path = mbtiles(
            dir.path(),
            "clipped.mbtiles",
            "png",
            &[(2, 1, 1, png_tile(64, pattern(1)))],
        );
        // Tile (2, 1, 1) spans 90° W to 0°; the imagery covers its western half only.
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO metadata VALUES ('bounds', '-90,0,-45,66.51326044311186')",
            [],
        )
        .unwrap();
        drop(conn);
        let info = check_basemap(&path).unwrap();
        assert_eq!(info.bounds[2], -45.0);
        let view = OverlayView {
            bbox: tile_bbox(2, 1, 1),
            width: 64,
            height: 64,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        assert_eq!(
            image,
            RgbaImage::from_fn(64, 64, |x, y| Rgba(if x < 32 {
                pattern(1)(x, y)
            } else {
                [0, 0, 0, 0]
            }))
        );
        // Bounds that are not four numbers in range are ignored.
        for bad in ["-90,0,-45", "a,b,c,d", "-45,0,-90,60", "-200,0,0,60"] {
            assert_eq!(parse_bounds(bad), None, "{bad}");
        }
    }

    #[test]
    fn mbtiles_that_cannot_be_drawn_are_refused_naming_the_file_and_the_tile() {
        let dir = tempfile::tempdir().unwrap();
        let err = |path: &Path| check_basemap(path).unwrap_err().to_string();
        let vector = mbtiles(
            dir.path(),
            "vector.mbtiles",
            "pbf",
            &[(0, 0, 0, vec![0x1a, 0x00])],
        );
        assert!(
            err(&vector).contains("vector.mbtiles: holds vector tiles (pbf)"),
            "{}",
            err(&vector)
        );
        let empty = mbtiles(dir.path(), "empty.mbtiles", "png", &[]);
        assert_eq!(err(&empty), format!("{}: holds no tiles", empty.display()));
        let junk = mbtiles(
            dir.path(),
            "junk.mbtiles",
            "png",
            &[(1, 0, 0, b"GIF89a-not-a-tile".to_vec())],
        );
        assert!(err(&junk).contains("junk.mbtiles: tile 1/0/1 is not a PNG, JPEG or WebP image (the metadata says `png`)"), "{}", err(&junk));
        let outside = mbtiles(
            dir.path(),
            "outside.mbtiles",
            "png",
            &[(1, 5, 0, png_tile(8, pattern(0)))],
        );
        assert!(
            err(&outside).contains("has a tile outside the grid of zoom 1"),
            "{}",
            err(&outside)
        );
        // A PNG header declaring a 100,000-pixel side is refused before any pixel is allocated.
        let mut huge = png_tile(8, pattern(0));
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let huge = mbtiles(dir.path(), "huge.mbtiles", "png", &[(0, 0, 0, huge)]);
        assert!(
            err(&huge).contains("huge.mbtiles: tile 0/0/0 does not decode"),
            "{}",
            err(&huge)
        );
        let damaged = dir.path().join("damaged.mbtiles");
        std::fs::write(&damaged, b"SQLite format 3\0garbage").unwrap();
        assert!(
            err(&damaged).contains("damaged.mbtiles: is not a readable MBTiles file"),
            "{}",
            err(&damaged)
        );
        let db = dir.path().join("other.sqlite");
        Connection::open(&db)
            .unwrap()
            .execute_batch("CREATE TABLE t (a);")
            .unwrap();
        assert!(
            err(&db).contains("is an SQLite database but not MBTiles: it has no `tiles` table"),
            "{}",
            err(&db)
        );
        // A tile of another size than the first is refused when a view reaches it.
        let mixed = mbtiles(
            dir.path(),
            "mixed.mbtiles",
            "png",
            &[
                (1, 0, 0, png_tile(16, pattern(0))),
                (1, 1, 0, png_tile(32, pattern(0))),
            ],
        );
        check_basemap(&mixed).unwrap();
        let view = OverlayView {
            bbox: tile_bbox(1, 1, 0),
            width: 32,
            height: 32,
        };
        let e = render_basemap(&mixed, None, &view).unwrap_err().to_string();
        assert!(
            e.contains("mixed.mbtiles: tile 1/1/1 is 32 pixels wide where the file's tiles are 16"),
            "{e}"
        );
    }

    #[test]
    fn a_view_needing_too_many_tiles_of_the_coarsest_level_is_refused_not_read() {
        let dir = tempfile::tempdir().unwrap();
        // Zoom 12 only, a 64 × 40 block of tiles: the whole world's view would need all 2,560.
        let mut tiles = Vec::new();
        let tile = png_tile(8, pattern(3));
        for x in 2000..2064 {
            for y in 1000..1040 {
                tiles.push((12, x, y, tile.clone()));
            }
        }
        let path = mbtiles(dir.path(), "city.mbtiles", "png", &tiles);
        let world = OverlayView {
            bbox: [-HALF_WORLD, -HALF_WORLD, HALF_WORLD, HALF_WORLD],
            width: 512,
            height: 512,
        };
        let e = render_basemap(&path, None, &world).unwrap_err().to_string();
        assert!(
            e.contains(
                "zoom level (12) is too fine for this view: it would need 2560 tiles of 8 pixels; zoom in"
            ),
            "{e}"
        );
        // Zoomed in on a corner of the block it draws.
        let [x0, y0, _, _] = tile_bbox(12, 2000, 1039);
        let [_, _, x1, y1] = tile_bbox(12, 2009, 1030);
        let view = OverlayView {
            bbox: [x0, y0, x1, y1],
            width: 80,
            height: 80,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        assert!(image.pixels().all(|p| p.0[3] == 255));
    }

    #[test]
    fn a_missing_level_between_the_files_levels_is_drawn_from_the_next_finer_one() {
        let dir = tempfile::tempdir().unwrap();
        // Levels 2 and 4 only; a view at level 3's resolution is drawn from level 4.
        let tiles = vec![
            (2, 1, 1, png_tile(16, pattern(1))),
            (4, 4, 4, png_tile(16, pattern(2))),
        ];
        let path = mbtiles(dir.path(), "gaps.mbtiles", "png", &tiles);
        let view = OverlayView {
            bbox: tile_bbox(3, 2, 2),
            width: 16,
            height: 16,
        };
        let image = decode(&render_basemap(&path, None, &view).unwrap());
        // Level 4's tile (4, 4, 4) is the north-west quarter of level 3's (3, 2, 2).
        for (x, y, p) in image.enumerate_pixels() {
            let expected = if x < 8 && y < 8 {
                pattern(2)(2 * x + 1, 2 * y + 1)
            } else {
                [0, 0, 0, 0]
            };
            assert_eq!(p.0, expected, "({x}, {y})");
        }
    }

    #[test]
    fn big_tiles_count_by_their_pixels_against_what_a_view_may_decode() {
        let dir = tempfile::tempdir().unwrap();
        // 100 tiles of 1024 pixels at zoom 7 (100 Mi pixels in all): a view over all of them
        // is refused before any is decoded, one over a single tile is drawn.
        let tile = png_tile(1024, |_, _| [10, 20, 30, 255]);
        let tiles: Vec<_> = (0..10)
            .flat_map(|x| (0..10).map(move |y| (x, y)))
            .map(|(x, y)| (7, 60 + x, 40 + y, tile.clone()))
            .collect();
        let path = mbtiles(dir.path(), "big.mbtiles", "png", &tiles);
        let info = check_basemap(&path).unwrap();
        let [x0, _, _, y1] = tile_bbox(7, 60, 40);
        let [_, y0, x1, _] = tile_bbox(7, 69, 49);
        let all = OverlayView {
            bbox: [x0, y0, x1, y1],
            width: 64,
            height: 64,
        };
        let e = render_basemap(&path, Some(info.bounds), &all)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("would need 100 tiles of 1024 pixels; zoom in"),
            "{e}"
        );
        let one = OverlayView {
            bbox: tile_bbox(7, 61, 41),
            width: 32,
            height: 32,
        };
        let image = decode(&render_basemap(&path, Some(info.bounds), &one).unwrap());
        assert!(image.pixels().all(|p| p.0 == [10, 20, 30, 255]));
    }

    #[test]
    fn a_tiles_view_returning_a_huge_blob_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hostile.mbtiles");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE VIEW tiles AS SELECT 0 AS zoom_level, 0 AS tile_column, 0 AS tile_row,
                 zeroblob(500000000) AS tile_data;",
        )
        .unwrap();
        drop(conn);
        let e = check_basemap(&path).unwrap_err().to_string();
        assert!(
            e.contains("hostile.mbtiles: holds a tile or text over 64 MiB"),
            "{e}"
        );
    }

    #[test]
    fn file_uris_escape_what_sqlite_would_read_as_uri_syntax() {
        let uri = file_uri(Path::new("/tmp/a b?c#d%e.mbtiles")).unwrap();
        assert_eq!(uri, "file:/tmp/a%20b%3Fc%23d%25e.mbtiles?immutable=1");
    }
}
