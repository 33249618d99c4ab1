//! Raster layers: what a GeoTIFF/COG is (size, band, data type, nodata, CRS, georeferencing),
//! and exact pixel sampling at WGS84 points.
//!
//! Sampling matches `gdallocationinfo -valonly -wgs84`: each point is transformed to the
//! raster's CRS, the pixel is `floor` of the inverse geotransform, and its value is returned as
//! stored (no resampling). Points are grouped by raster block and each needed block is read
//! once, so cost follows the number of blocks touched, not the number of points, and rasters
//! larger than memory are fine.
//!
//! Many points are not transformed one by one: PROJ transforms a grid of nodes over them and a
//! point's position is interpolated within a proven error bound ([`crate::grid`]); the point
//! takes that pixel only when every position within the bound falls in the same pixel, and is
//! transformed exactly otherwise (near pixel edges), so every pixel is the one PROJ's own
//! answer gives.

use crate::grid::TransformGrid;
use crate::transform::{transform_points, wgs84};
use crate::GeoError;
use gdal::raster::{GdalDataType, GdalType, RasterBand};
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
pub use mrv_core::Sample;
use std::path::Path;

/// What a raster file is, as far as MRV Desk cares.
#[derive(Debug, Clone, PartialEq)]
pub struct RasterInfo {
    pub width: usize,
    pub height: usize,
    pub band_count: usize,
    /// The band described (1-based).
    pub band: usize,
    pub data_type: String,
    pub nodata: Option<f64>,
    /// The CRS as WKT.
    pub crs_wkt: String,
    /// The CRS's name, e.g. `WGS 84 / UTM zone 23S`.
    pub crs_name: String,
    pub geo_transform: [f64; 6],
    pub block_size: (usize, usize),
}

/// The largest block (tile or strip) MRV Desk reads, in pixels: a block is the unit GDAL
/// decodes, so this bounds the memory one read takes (64 MiB as f64, what zonal statistics
/// widen to) whatever size the file's header declares.
pub const MAX_BLOCK_PIXELS: usize = 8 * 1024 * 1024;

/// The sibling list raster files are opened with: one name no file in a folder can have (it
/// holds a `/`). GDAL then finds no side file at all; an empty list would not do, GDAL reads
/// it as "unknown" and probes the folder.
const NO_SIBLINGS: &[&str] = &["mrv/no-side-files"];

/// The raster drivers whose files hold their own pixels. A stored layer must be
/// self-contained: its SHA-256 pins what is sampled.
const SELF_CONTAINED_DRIVERS: &[&str] = &["GTiff"];

/// Opens `path` as a self-contained GeoTIFF/COG: only the GTiff driver, and no sibling files
/// ([`NO_SIBLINGS`]) so that nothing next to it (`.aux.xml`, `.tfw`, `.prj`, `.ovr`, `.msk`) is
/// read. What is sampled is then exactly what is stored content-addressed, which has no
/// siblings.
pub(crate) fn open(path: &Path) -> Result<Dataset, GeoError> {
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_RASTER | GdalOpenFlags::GDAL_OF_READONLY,
        allowed_drivers: Some(SELF_CONTAINED_DRIVERS),
        sibling_files: Some(NO_SIBLINGS),
        ..Default::default()
    };
    Dataset::open_ex(path, options).map_err(|e| {
        let file = path.display().to_string();
        match other_driver(path) {
            Some(driver) => GeoError::InvalidRaster {
                file,
                problem: format!(
                    "is a {driver} raster, not a GeoTIFF; MRV Desk stores only self-contained GeoTIFF/COG files (a VRT or a format with side files would let pixels change while the stored file stays the same); convert it first, e.g. `gdal_translate -of COG`"
                ),
            },
            None => GeoError::Unreadable {
                file,
                what: "a GeoTIFF",
                reason: crate::error::gdal_reason(&e),
            },
        }
    })
}

/// The driver of a raster GDAL can read but not as a GeoTIFF (only to explain a refusal).
fn other_driver(path: &Path) -> Option<String> {
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_RASTER | GdalOpenFlags::GDAL_OF_READONLY,
        sibling_files: Some(NO_SIBLINGS),
        ..Default::default()
    };
    let dataset = Dataset::open_ex(path, options).ok()?;
    let name = dataset.driver().short_name();
    (!SELF_CONTAINED_DRIVERS.contains(&name.as_str())).then_some(name)
}

/// Refuses geotransforms that do not map pixels to places: non-finite terms, a zero pixel
/// size, a rotated grid, an extent that overflows.
fn check_geo_transform(gt: &[f64; 6], width: usize, height: usize) -> Result<(), String> {
    if *gt == [0.0, 1.0, 0.0, 0.0, 0.0, 1.0] {
        return Err("has no georeferencing (identity geotransform)".into());
    }
    if let Some(bad) = gt.iter().find(|v| !v.is_finite()) {
        return Err(format!(
            "has a broken geotransform {gt:?} ({bad} is not a finite number)"
        ));
    }
    if gt[2] != 0.0 || gt[4] != 0.0 {
        return Err("is a rotated grid; warp it to a north-up grid first".into());
    }
    if gt[1] == 0.0 || gt[5] == 0.0 {
        return Err(format!(
            "has a broken geotransform {gt:?} (a pixel size of zero)"
        ));
    }
    let far_x = gt[0] + width as f64 * gt[1];
    let far_y = gt[3] + height as f64 * gt[5];
    if !far_x.is_finite() || !far_y.is_finite() || 1.0 / gt[1] == 0.0 || 1.0 / gt[5] == 0.0 {
        return Err(format!(
            "has a broken geotransform {gt:?} (its extent is not finite)"
        ));
    }
    Ok(())
}

/// Refuses blocks larger than [`MAX_BLOCK_PIXELS`] and more blocks than the file has bytes
/// (each block needs at least its offset in the file), so that reading never allocates more
/// than the file can really hold.
fn check_blocks(info: &RasterInfo, type_bytes: usize, file_bytes: u64) -> Result<(), String> {
    let (bw, bh) = info.block_size;
    let (w, h) = (info.width, info.height);
    if bw == 0 || bh == 0 {
        return Err("declares an empty block size".into());
    }
    let pixels = (bw as u128) * (bh as u128);
    if pixels > MAX_BLOCK_PIXELS as u128 {
        return Err(format!(
            "stores its pixels in blocks of {bw} x {bh} ({} MiB of {} each, {} bytes a pixel), more than the {} pixels MRV Desk decodes at once; re-tile it, e.g. `gdal_translate -co TILED=YES -co BLOCKXSIZE=512 -co BLOCKYSIZE=512`",
            pixels * type_bytes as u128 / (1024 * 1024),
            info.data_type,
            type_bytes,
            MAX_BLOCK_PIXELS
        ));
    }
    let blocks = (w.div_ceil(bw) as u128) * (h.div_ceil(bh) as u128);
    if blocks > u32::MAX as u128 || blocks > file_bytes as u128 {
        return Err(format!(
            "declares {w} x {h} pixels in {blocks} blocks of {bw} x {bh}, more blocks than its {file_bytes} bytes can hold; the header is damaged or forged"
        ));
    }
    Ok(())
}

/// Reads a raster's description and refuses what cannot be sampled reliably: no
/// georeferencing, no or unknown CRS, a rotated grid, complex or unknown data types, a band
/// that does not exist.
pub fn inspect_raster(path: &Path, band: usize) -> Result<RasterInfo, GeoError> {
    crate::quiet_gdal();
    let file = path.display().to_string();
    let invalid = |problem: String| GeoError::InvalidRaster {
        file: file.clone(),
        problem,
    };
    let dataset = open(path)?;
    let band_count = dataset.raster_count();
    if band_count == 0 {
        return Err(invalid("has no raster bands".into()));
    }
    if band == 0 || band > band_count {
        return Err(invalid(format!("has no band {band} (it has {band_count})")));
    }
    let geo_transform = dataset
        .geo_transform()
        .map_err(|_| invalid("has no georeferencing (no geotransform)".into()))?;
    let (width, height) = dataset.raster_size();
    check_geo_transform(&geo_transform, width, height).map_err(invalid)?;
    let srs = dataset
        .spatial_ref()
        .map_err(|_| invalid("has no coordinate reference system".into()))?;
    let crs_wkt = srs
        .to_wkt()
        .map_err(|e| invalid(format!("has an unreadable CRS: {e}")))?;
    if crs_wkt.trim().is_empty() {
        return Err(invalid("has no coordinate reference system".into()));
    }
    let mut source = srs.clone();
    source.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    CoordTransform::new(&wgs84(), &source)
        .map_err(|e| invalid(format!("has a CRS GDAL cannot transform WGS84 to: {e}")))?;
    let raster_band = dataset
        .rasterband(band)
        .map_err(|e| invalid(e.to_string()))?;
    let data_type = raster_band.band_type();
    // The gdal crate knows the real-valued types only; complex ones come back as Unknown. The
    // sampler reads the nine types below (a newer GDAL's Int8 among the refused).
    if !matches!(
        data_type,
        GdalDataType::UInt8
            | GdalDataType::UInt16
            | GdalDataType::Int16
            | GdalDataType::UInt32
            | GdalDataType::Int32
            | GdalDataType::UInt64
            | GdalDataType::Int64
            | GdalDataType::Float32
            | GdalDataType::Float64
    ) {
        return Err(invalid(
            "has a data type MRV Desk cannot sample (complex or unknown); convert it to a real type first, e.g. `gdal_translate -ot Float32`".into(),
        ));
    }
    let type_bytes = data_type.bytes() as usize;
    let info = RasterInfo {
        width,
        height,
        band_count,
        band,
        data_type: data_type.name(),
        nodata: raster_band.no_data_value(),
        crs_name: srs.name().unwrap_or_else(|| "unnamed CRS".into()),
        crs_wkt,
        geo_transform,
        block_size: raster_band.block_size(),
    };
    let file_bytes = std::fs::metadata(path)
        .map_err(|e| invalid(format!("cannot be read: {e}")))?
        .len();
    check_blocks(&info, type_bytes, file_bytes).map_err(invalid)?;
    Ok(info)
}

/// [`inspect_raster`], then every block of `band` decoded once: a file whose header is fine
/// but whose tiles or strips are truncated or corrupt is refused here, naming the first block
/// that does not decode, instead of failing later at every sampling. Memory: one block per
/// thread.
pub fn check_raster(path: &Path, band: usize) -> Result<RasterInfo, GeoError> {
    let info = inspect_raster(path, band)?;
    let (bw, bh) = info.block_size;
    let per_row = info.width.div_ceil(bw);
    let blocks = per_row * info.height.div_ceil(bh);
    let threads = worker_threads().min(blocks).max(1);
    let info_ref = &info;
    let results: Vec<Result<(), GeoError>> = std::thread::scope(|scope| {
        let jobs: Vec<_> = (0..threads)
            .map(|k| {
                scope.spawn(move || {
                    let dataset = open(path)?;
                    let band = dataset.rasterband(info_ref.band).map_err(|e| {
                        GeoError::InvalidRaster {
                            file: path.display().to_string(),
                            problem: e.to_string(),
                        }
                    })?;
                    for block in (k..blocks).step_by(threads) {
                        let (bx, by) = (block % per_row, block / per_row);
                        decode_block(&band, (bx, by)).map_err(|e| GeoError::InvalidRaster {
                            file: path.display().to_string(),
                            problem: format!(
                                "is damaged: the block at pixel ({}, {}) of band {} does not decode ({})",
                                bx * bw,
                                by * bh,
                                info_ref.band,
                                crate::error::gdal_reason(&e)
                            ),
                        })?;
                    }
                    Ok(())
                })
            })
            .collect();
        jobs.into_iter()
            .map(|j| j.join().expect("checking thread panicked"))
            .collect()
    });
    // The first damaged block in block order is the one named.
    for result in results {
        result?;
    }
    Ok(info)
}

/// Decodes one block in the band's own type and drops it.
fn decode_block(band: &RasterBand, at: (usize, usize)) -> Result<(), gdal::errors::GdalError> {
    match band.band_type() {
        GdalDataType::UInt8 => band.read_block::<u8>(at).map(drop),
        GdalDataType::UInt16 => band.read_block::<u16>(at).map(drop),
        GdalDataType::Int16 => band.read_block::<i16>(at).map(drop),
        GdalDataType::UInt32 => band.read_block::<u32>(at).map(drop),
        GdalDataType::Int32 => band.read_block::<i32>(at).map(drop),
        GdalDataType::UInt64 => band.read_block::<u64>(at).map(drop),
        GdalDataType::Int64 => band.read_block::<i64>(at).map(drop),
        GdalDataType::Float32 => band.read_block::<f32>(at).map(drop),
        // Float64: inspect_raster refused every other type.
        _ => band.read_block::<f64>(at).map(drop),
    }
}

/// Samples `band` at every WGS84 (lon, lat) point; the result is in the order of `points`.
///
/// The work is split over the machine's cores: each thread locates a share of the points (by
/// a transformation grid where one applies, see the module's notes), then each gathers the
/// points of a run of blocks and reads those blocks through its own GDAL handle, and each
/// writes a share of the answers back in the points' order.
pub fn sample_points(
    path: &Path,
    band: usize,
    points: &[(f64, f64)],
) -> Result<Vec<Sample>, GeoError> {
    let info = inspect_raster(path, band)?;
    sample_in(path, &info, 4326, points)
}

/// [`sample_points`] for points in any EPSG CRS (x, y in traditional GIS order), against an
/// already inspected raster.
pub(crate) fn sample_in(
    path: &Path,
    info: &RasterInfo,
    source_epsg: u32,
    points: &[(f64, f64)],
) -> Result<Vec<Sample>, GeoError> {
    if points.len() >= u32::MAX as usize {
        return Err(GeoError::InvalidRaster {
            file: path.display().to_string(),
            problem: format!("cannot sample {} points in one call", points.len()),
        });
    }
    let threads = worker_threads().min(points.len().div_ceil(50_000).max(1));

    // 1. Where each point falls: its block and its offset in the block, or nowhere.
    let (located, _) = locate_points(info, source_epsg, points, threads, true);

    // 2. Block by block, each block read once.
    let parts = read_by_block(path, info, &located, threads)?;

    // 3. Back in the points' order.
    let samples = in_point_order(points.len(), &parts, threads);
    Ok(samples)
}

/// One reading thread's points, ordered by block, and their samples.
type BlockRun = (Vec<Located>, Vec<Sample>);

/// Reads the blocks `located` needs, each once, shared out between `threads` threads in runs
/// of whole blocks holding about as many points each. Each thread gathers the points of its
/// blocks, orders them by block (a counting sort, linear in the number of points), and reads
/// its blocks through its own GDAL handle. Returns, per thread, its points in that order and
/// their samples.
fn read_by_block(
    path: &Path,
    info: &RasterInfo,
    located: &[Located],
    threads: usize,
) -> Result<Vec<BlockRun>, GeoError> {
    let (bw, bh) = info.block_size;
    let blocks = info.width.div_ceil(bw) * info.height.div_ceil(bh);
    let mut count = vec![0usize; blocks];
    for l in located {
        count[l.block as usize] += 1;
    }
    let threads = threads.max(1);
    let mut cuts = vec![0];
    let mut so_far = 0;
    for (block, &n) in count.iter().enumerate() {
        so_far += n;
        while cuts.len() < threads && so_far * threads >= located.len() * cuts.len() {
            cuts.push(block + 1);
        }
    }
    cuts.resize(threads, blocks);
    cuts.push(blocks);
    let count = &count;
    let read = |run: std::ops::Range<usize>| -> Result<BlockRun, GeoError> {
        // Where each block of the run starts among the run's points.
        let mut start = Vec::with_capacity(run.len());
        let mut total = 0;
        for &n in &count[run.clone()] {
            start.push(total);
            total += n;
        }
        let mut mine = vec![
            Located {
                block: 0,
                point: 0,
                offset: 0
            };
            total
        ];
        for l in located {
            let block = l.block as usize;
            if run.contains(&block) {
                let at = &mut start[block - run.start];
                mine[*at] = *l;
                *at += 1;
            }
        }
        let samples = read_blocks(path, info, &mine)?;
        Ok((mine, samples))
    };
    if threads == 1 {
        return Ok(vec![read(0..blocks)?]);
    }
    std::thread::scope(|scope| {
        let jobs: Vec<_> = cuts
            .windows(2)
            .map(|w| {
                let run = w[0]..w[1];
                scope.spawn(move || read(run))
            })
            .collect();
        jobs.into_iter()
            .map(|j| j.join().expect("sampling thread panicked"))
            .collect()
    })
}

/// The samples of `parts` ([`read_by_block`]) in the order of the points, `Outside` for the
/// points no part has; on `threads` threads, each writing one share of the points.
fn in_point_order(points: usize, parts: &[BlockRun], threads: usize) -> Vec<Sample> {
    let mut samples = vec![Sample::Outside; points];
    let share = points.div_ceil(threads.max(1)).max(1);
    let fill = |first: usize, out: &mut [Sample]| {
        for (located, read) in parts {
            for (l, &sample) in located.iter().zip(read) {
                if let Some(slot) = (l.point as usize)
                    .checked_sub(first)
                    .and_then(|k| out.get_mut(k))
                {
                    *slot = sample;
                }
            }
        }
    };
    if share >= points {
        fill(0, &mut samples);
        return samples;
    }
    std::thread::scope(|scope| {
        for (k, out) in samples.chunks_mut(share).enumerate() {
            scope.spawn(move || fill(k * share, out));
        }
    });
    samples
}

fn worker_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// Reads every block of `band` once, as sampling does, and returns the pixel count: the bare
/// read that bounds how fast points spread over the whole raster can be sampled (benchmarks).
pub fn read_every_block(path: &Path, band: usize) -> Result<usize, GeoError> {
    let info = inspect_raster(path, band)?;
    let (bw, bh) = info.block_size;
    let blocks: Vec<usize> = (0..info.width.div_ceil(bw) * info.height.div_ceil(bh)).collect();
    read_blocks_once(path, band, &blocks)?;
    Ok(info.width * info.height)
}

/// The blocks (row-major indices, ascending) that sampling `band` at the WGS84 `points` reads
/// (benchmarks: what [`read_blocks_once`] then reads bare).
pub fn blocks_needed(
    path: &Path,
    band: usize,
    points: &[(f64, f64)],
) -> Result<Vec<usize>, GeoError> {
    let info = inspect_raster(path, band)?;
    let (mut blocks, _) = locate_points(&info, 4326, points, worker_threads(), false);
    blocks.sort_unstable_by_key(|l| l.block);
    blocks.dedup_by_key(|l| l.block);
    Ok(blocks.into_iter().map(|l| l.block as usize).collect())
}

/// Reads the given blocks of `band` once each, as sampling does (on as many threads, straight
/// from the driver), and returns the pixel count: the bare read of what sampling needs, its
/// physical limit (benchmarks).
pub fn read_blocks_once(path: &Path, band: usize, blocks: &[usize]) -> Result<usize, GeoError> {
    let info = inspect_raster(path, band)?;
    let located: Vec<Located> = blocks
        .iter()
        .map(|&block| Located {
            block: block as u32,
            point: block as u32,
            offset: 0,
        })
        .collect();
    read_by_block(path, &info, &located, worker_threads())?;
    let (bw, bh) = info.block_size;
    Ok(blocks.len() * bw * bh)
}

/// A point inside the raster: its block (row-major index), its index among the points and its
/// pixel's offset inside the block.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Located {
    block: u32,
    point: u32,
    offset: u32,
}

/// Where each point falls (those inside the raster; in no particular order), on `threads`
/// threads, and how many points PROJ transformed one by one. With `use_grid`, a grid
/// ([`transform_grid`]) gives most points their pixel and only the others go to PROJ.
fn locate_points(
    info: &RasterInfo,
    source_epsg: u32,
    points: &[(f64, f64)],
    threads: usize,
    use_grid: bool,
) -> (Vec<Located>, usize) {
    let pixels = &Pixels::new(info);
    let grid = if use_grid {
        transform_grid(info, source_epsg, points)
    } else {
        None
    };
    let Some((grid, forward)) = grid else {
        let all: Vec<u32> = (0..points.len() as u32).collect();
        return (
            locate_exact(info, source_epsg, None, pixels, points, &all, threads),
            points.len(),
        );
    };
    let grid = &grid;
    let share = points.len().div_ceil(threads).max(1);
    let (mut located, exact): (Vec<Located>, Vec<u32>) = std::thread::scope(|scope| {
        let jobs: Vec<_> = points
            .chunks(share)
            .enumerate()
            .map(|(k, chunk)| {
                scope.spawn(move || locate_on_grid(pixels, grid, chunk, (k * share) as u32))
            })
            .collect();
        let (mut located, mut exact) = (Vec::with_capacity(points.len()), Vec::new());
        for job in jobs {
            let (l, e) = job.join().expect("locating thread panicked");
            located.extend(l);
            exact.extend(e);
        }
        (located, exact)
    });
    // The few points near pixel edges go through the transformation already made, here; a
    // multitude (a grid too coarse for the pixels) through one per thread.
    let on_caller = exact.len() <= EXACT_ON_CALLER;
    located.extend(locate_exact(
        info,
        source_epsg,
        on_caller.then_some(&forward),
        pixels,
        points,
        &exact,
        threads,
    ));
    (located, exact.len())
}

/// Up to this many points needing PROJ despite a grid are transformed on the calling thread
/// (its transformation is ready; a thread's own costs milliseconds to make).
const EXACT_ON_CALLER: usize = 100_000;

/// gdallocationinfo's arithmetic from a position in the raster's CRS to a pixel:
/// GDALInvGeoTransform's no-rotation case, then floor, so points on pixel edges land in the
/// same pixel as with GDAL. It never decreases (or, for a negative pixel size, never increases)
/// as the position grows: floating-point multiplication and addition round monotonically.
struct Pixels {
    inv: [f64; 4],
    size: (f64, f64),
    block: (u32, u32),
    blocks_per_row: u32,
}

impl Pixels {
    fn new(info: &RasterInfo) -> Pixels {
        let gt = info.geo_transform;
        Pixels {
            inv: [-gt[0] / gt[1], 1.0 / gt[1], -gt[3] / gt[5], 1.0 / gt[5]],
            size: (info.width as f64, info.height as f64),
            // inspect_raster caps blocks at MAX_BLOCK_PIXELS and their count at u32::MAX.
            block: (info.block_size.0 as u32, info.block_size.1 as u32),
            blocks_per_row: info.width.div_ceil(info.block_size.0) as u32,
        }
    }

    /// The (column, row) of a position, as floats (possibly off the raster, or NaN).
    fn pixel(&self, x: f64, y: f64) -> (f64, f64) {
        (
            floor(self.inv[0] + self.inv[1] * x),
            floor(self.inv[2] + self.inv[3] * y),
        )
    }

    /// Point `point` at pixel (col, row): its block and offset, or `None` off the raster.
    fn located(&self, (col, row): (f64, f64), point: u32) -> Option<Located> {
        // Written so that NaN is off the raster too.
        if !(col >= 0.0 && row >= 0.0 && col < self.size.0 && row < self.size.1) {
            return None;
        }
        // GDAL sizes rasters in C ints, so a column and a row fit u32.
        let (col, row) = (col as u32, row as u32);
        let (bw, bh) = self.block;
        let (bx, by) = (col / bw, row / bh);
        Some(Located {
            block: by * self.blocks_per_row + bx,
            point,
            offset: (row - by * bh) * bw + (col - bx * bw),
        })
    }
}

/// `v.floor()` without a call into libm (x86-64's baseline has no rounding instruction): the
/// same value for every v of magnitude below 2^52 (where truncating to an integer and back is
/// exact), `floor` itself for the rest and NaN. A zero may come back as +0 for -0, which
/// compares equal.
fn floor(v: f64) -> f64 {
    if v.abs() < 4_503_599_627_370_496.0 {
        let t = v as i64 as f64;
        if t > v {
            t - 1.0
        } else {
            t
        }
    } else {
        v.floor()
    }
}

/// Locates `points` (the `first`-th of all onwards) by the grid: a point whose interpolated
/// position and bound lie inside one pixel takes that pixel — as the pixel arithmetic is
/// monotonic, when both ends of `position ± bound` give one pixel, every position between
/// them does, PROJ's own answer among them. Returns the located points and the indices (among
/// all) of those that need PROJ.
fn locate_on_grid(
    pixels: &Pixels,
    grid: &TransformGrid,
    points: &[(f64, f64)],
    first: u32,
) -> (Vec<Located>, Vec<u32>) {
    let mut out = Vec::with_capacity(points.len());
    let mut exact = Vec::new();
    for (i, &(px, py)) in points.iter().enumerate() {
        let point = first + i as u32;
        if let Some(p) = grid.interpolate(px, py) {
            let low = pixels.pixel(p.x - p.ex, p.y - p.ey);
            if low == pixels.pixel(p.x + p.ex, p.y + p.ey) {
                out.extend(pixels.located(low, point));
                continue;
            }
        }
        exact.push(point);
    }
    (out, exact)
}

/// Locates `points[i]` for every i of `which` with PROJ: with `transform` on this thread, or
/// else on `threads` threads, each making its own.
fn locate_exact(
    info: &RasterInfo,
    source_epsg: u32,
    transform: Option<&CoordTransform>,
    pixels: &Pixels,
    points: &[(f64, f64)],
    which: &[u32],
    threads: usize,
) -> Vec<Located> {
    let run = |transform: &CoordTransform, which: &[u32]| {
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) =
            which.iter().map(|&i| points[i as usize]).unzip();
        let ok = transform_points(transform, &mut xs, &mut ys);
        which
            .iter()
            .enumerate()
            .filter(|&(k, _)| ok[k])
            .filter_map(|(k, &i)| pixels.located(pixels.pixel(xs[k], ys[k]), i))
            .collect::<Vec<Located>>()
    };
    if which.is_empty() {
        return Vec::new();
    }
    if let Some(transform) = transform {
        return run(transform, which);
    }
    let share = which.len().div_ceil(threads.max(1));
    std::thread::scope(|scope| {
        let jobs: Vec<_> = which
            .chunks(share)
            .map(|chunk| {
                scope.spawn(move || {
                    let (source, target) = crs_pair(info, source_epsg);
                    let transform =
                        CoordTransform::new(&source, &target).expect("checked by inspect_raster");
                    run(&transform, chunk)
                })
            })
            .collect();
        jobs.into_iter()
            .flat_map(|j| j.join().expect("locating thread panicked"))
            .collect()
    })
}

/// Fewer points than this are all transformed exactly: a grid would cost more than it saves.
const GRID_MIN_POINTS: usize = 1000;

/// The raster's CRS and the points' (EPSG `source_epsg`), both in traditional GIS axis order.
fn crs_pair(info: &RasterInfo, source_epsg: u32) -> (SpatialRef, SpatialRef) {
    let mut target = SpatialRef::from_wkt(&info.crs_wkt).expect("checked by inspect_raster");
    target.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let source = if source_epsg == 4326 {
        wgs84()
    } else {
        let mut srs = SpatialRef::from_epsg(source_epsg).expect("a CRS GDAL ships");
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        srs
    };
    (source, target)
}

/// A grid to interpolate the points' positions in the raster's CRS, with the transformation it
/// was made with, when there are enough points and the transformation is a map projection only
/// (both CRSs on the same geographic CRS: no datum transformation, which PROJ may switch
/// between by area of use). `None`: transform every point exactly.
///
/// The grid covers the points' extent, clipped to the raster's footprint. It starts at about
/// one node per 128 points and is refined (four times the nodes) while the points expected to
/// need PROJ anyway — those whose bound reaches a pixel edge, estimated on every 16th point —
/// outnumber twice its nodes, as long as that leaves it at most one node per 16 points.
fn transform_grid(
    info: &RasterInfo,
    source_epsg: u32,
    points: &[(f64, f64)],
) -> Option<(TransformGrid, CoordTransform)> {
    if points.len() < GRID_MIN_POINTS {
        return None;
    }
    let (source, target) = crs_pair(info, source_epsg);
    if source.geog_cs().ok()? != target.geog_cs().ok()? {
        return None;
    }
    let forward = CoordTransform::new(&source, &target).ok()?;
    let bbox = grid_extent(info, &source, &target, points)?;
    let nodes = (points.len() / 128).max(256) as f64;
    let aspect = (bbox[2] - bbox[0]) / (bbox[3] - bbox[1]);
    let mut nx = ((nodes * aspect).sqrt().round() as usize).clamp(8, 4096);
    let mut ny = ((nodes / nx as f64).round() as usize).clamp(8, 4096);
    let gt = info.geo_transform;
    let per_unit = (1.0 / gt[1].abs(), 1.0 / gt[5].abs());
    const EVERY: usize = 16;
    loop {
        let grid = TransformGrid::new(&forward, bbox, (nx, ny));
        let mut per_cell = vec![0u32; nx * ny];
        let mut off_grid = 0usize;
        for &(x, y) in points.iter().step_by(EVERY) {
            match grid.cell_of(x, y) {
                Some(c) => per_cell[c] += 1,
                None => off_grid += 1,
            }
        }
        // A point is within e (in pixels) of an edge along one axis with probability 2e.
        let expected_exact = EVERY as f64
            * (off_grid as f64
                + per_cell
                    .iter()
                    .enumerate()
                    .map(|(c, &n)| {
                        let (ex, ey) = grid.bound(c);
                        n as f64 * (2.0 * (ex * per_unit.0 + ey * per_unit.1)).min(1.0)
                    })
                    .sum::<f64>());
        let cost = ((nx + 1) * (ny + 1)) as f64;
        if expected_exact <= 2.0 * cost
            || 4.0 * 16.0 * cost > points.len() as f64
            || nx.max(ny) >= 4096
        {
            return Some((grid, forward));
        }
        (nx, ny) = ((nx * 2).min(4096), (ny * 2).min(4096));
    }
}

/// The rectangle (source CRS) a grid covers: the points' bounding box, clipped to the raster's
/// footprint with a margin (points outside it are transformed exactly); `None` when no point is
/// near the raster.
fn grid_extent(
    info: &RasterInfo,
    source: &SpatialRef,
    target: &SpatialRef,
    points: &[(f64, f64)],
) -> Option<[f64; 4]> {
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let extend = |bbox: &mut [f64; 4], x: f64, y: f64| {
        if x.is_finite() && y.is_finite() {
            *bbox = [
                bbox[0].min(x),
                bbox[1].min(y),
                bbox[2].max(x),
                bbox[3].max(y),
            ];
        }
    };
    for &(x, y) in points {
        extend(&mut bbox, x, y);
    }
    // The raster's outline, 64 points a side, in the source CRS.
    let gt = info.geo_transform;
    let (w, h) = (info.width as f64, info.height as f64);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for k in 0..=64 {
        let f = k as f64 / 64.0;
        for (col, row) in [(f * w, 0.0), (f * w, h), (0.0, f * h), (w, f * h)] {
            xs.push(gt[0] + col * gt[1]);
            ys.push(gt[3] + row * gt[5]);
        }
    }
    let mut footprint = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    if let Ok(inverse) = CoordTransform::new(target, source) {
        transform_points(&inverse, &mut xs, &mut ys);
        for (&x, &y) in xs.iter().zip(&ys) {
            extend(&mut footprint, x, y);
        }
    }
    if footprint[0] <= footprint[2] && footprint[1] <= footprint[3] {
        let margin = (
            0.02 * (footprint[2] - footprint[0]),
            0.02 * (footprint[3] - footprint[1]),
        );
        bbox = [
            bbox[0].max(footprint[0] - margin.0),
            bbox[1].max(footprint[1] - margin.1),
            bbox[2].min(footprint[2] + margin.0),
            bbox[3].min(footprint[3] + margin.1),
        ];
    }
    if !(bbox[0] <= bbox[2] && bbox[1] <= bbox[3]) {
        return None;
    }
    // A grid needs a width and a height, however the points line up.
    for (lo, hi) in [(0, 2), (1, 3)] {
        if bbox[hi] - bbox[lo] < 1e-9 * bbox[lo].abs().max(1.0) {
            let pad = 1e-6 * bbox[lo].abs().max(1.0);
            (bbox[lo], bbox[hi]) = (bbox[lo] - pad, bbox[hi] + pad);
        }
    }
    Some(bbox)
}

/// Reads the blocks `part` needs (sorted by block) and returns its samples in `part`'s order.
fn read_blocks(path: &Path, info: &RasterInfo, part: &[Located]) -> Result<Vec<Sample>, GeoError> {
    if part.is_empty() {
        return Ok(Vec::new());
    }
    let dataset = open(path)?;
    let band = dataset
        .rasterband(info.band)
        .map_err(|e| GeoError::InvalidRaster {
            file: path.display().to_string(),
            problem: e.to_string(),
        })?;
    match band.band_type() {
        GdalDataType::UInt8 => read_typed::<u8>(path, &band, info, part),
        GdalDataType::UInt16 => read_typed::<u16>(path, &band, info, part),
        GdalDataType::Int16 => read_typed::<i16>(path, &band, info, part),
        GdalDataType::UInt32 => read_typed::<u32>(path, &band, info, part),
        GdalDataType::Int32 => read_typed::<i32>(path, &band, info, part),
        GdalDataType::UInt64 => read_typed::<u64>(path, &band, info, part),
        GdalDataType::Int64 => read_typed::<i64>(path, &band, info, part),
        GdalDataType::Float32 => read_typed::<f32>(path, &band, info, part),
        GdalDataType::Float64 => read_typed::<f64>(path, &band, info, part),
        other => Err(GeoError::InvalidRaster {
            file: path.display().to_string(),
            problem: format!("has data type {other:?}, which MRV Desk cannot sample"),
        }),
    }
}

/// A pixel type GDAL stores, widened to f64 as gdallocationinfo prints it.
trait Pixel: Copy + GdalType {
    fn widen(self) -> f64;
}

macro_rules! pixel {
    ($($t:ty),*) => {$(
        impl Pixel for $t {
            fn widen(self) -> f64 {
                self as f64
            }
        }
    )*};
}
pixel!(u8, u16, i16, u32, i32, u64, i64, f32, f64);

/// Reads whole blocks in the band's own type straight from the driver (GDAL's block cache is
/// bypassed: each block is needed once) and picks the points' pixels out of them.
fn read_typed<T: Pixel>(
    path: &Path,
    band: &RasterBand,
    info: &RasterInfo,
    part: &[Located],
) -> Result<Vec<Sample>, GeoError> {
    let (bw, bh) = info.block_size;
    let blocks_per_row = info.width.div_ceil(bw);
    let mut out = Vec::with_capacity(part.len());
    let mut start = 0;
    while start < part.len() {
        let block = part[start].block as usize;
        let end = start
            + part[start..]
                .iter()
                .take_while(|l| l.block as usize == block)
                .count();
        let (bx, by) = (block % blocks_per_row, block / blocks_per_row);
        // A block comes back whole (bw x bh, edge blocks padded), so offsets index it directly.
        let data = band
            .read_block::<T>((bx, by))
            .map_err(|e| GeoError::InvalidRaster {
                file: path.display().to_string(),
                problem: format!("cannot read block at pixel ({}, {}): {e}", bx * bw, by * bh),
            })?;
        let data = data.data();
        for l in &part[start..end] {
            let value = data[l.offset as usize].widen();
            out.push(match info.nodata {
                Some(nd) if value == nd || (nd.is_nan() && value.is_nan()) => Sample::NoData,
                _ => Sample::Value(value),
            });
        }
        start = end;
    }
    Ok(out)
}

/// Zonal statistics of one band over a polygon: pixels whose centre lies inside it (GDAL's
/// rasterisation rule, as `gdalwarp -cutline` applies it), nodata excluded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZonalStats {
    pub count: u64,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Zonal statistics of `band` over a WGS84 Polygon/MultiPolygon (GeoJSON geometry).
pub fn zonal_stats(
    path: &Path,
    band: usize,
    polygon_geojson: &str,
) -> Result<ZonalStats, GeoError> {
    let info = inspect_raster(path, band)?;
    let dataset = open(path)?;
    let raster_band = dataset
        .rasterband(band)
        .map_err(|e| GeoError::InvalidRaster {
            file: path.display().to_string(),
            problem: e.to_string(),
        })?;
    let mut target = dataset.spatial_ref().expect("checked by inspect_raster");
    target.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let to_raster = CoordTransform::new(&wgs84(), &target).expect("checked by inspect_raster");
    let polygon = crate::BoundaryIndex::from_geojson(polygon_geojson)?.transformed(&to_raster)?;
    let gt = info.geo_transform;
    let [x0, y0, x1, y1] = polygon.bbox();
    // The pixel window covering the polygon's envelope, clipped to the raster.
    let col_a = ((x0 - gt[0]) / gt[1]).floor().max(0.0) as usize;
    let col_b = (((x1 - gt[0]) / gt[1]).ceil().max(0.0) as usize).min(info.width);
    let (ra, rb) = ((y1 - gt[3]) / gt[5], (y0 - gt[3]) / gt[5]);
    let row_a = ra.min(rb).floor().max(0.0) as usize;
    let row_b = (ra.max(rb).ceil().max(0.0) as usize).min(info.height);
    let empty = ZonalStats {
        count: 0,
        mean: None,
        min: None,
        max: None,
    };
    if col_a >= col_b || row_a >= row_b {
        return Ok(empty);
    }
    // Block by block over the window, so memory stays one block whatever the plot's size.
    let (bw, bh) = info.block_size;
    let (mut count, mut sum, mut min, mut max) = (0u64, 0.0, f64::INFINITY, f64::NEG_INFINITY);
    for block_row in row_a / bh..row_b.div_ceil(bh) {
        let (r0, r1) = (
            (block_row * bh).max(row_a),
            ((block_row + 1) * bh).min(row_b),
        );
        for block_col in col_a / bw..col_b.div_ceil(bw) {
            let (c0, c1) = (
                (block_col * bw).max(col_a),
                ((block_col + 1) * bw).min(col_b),
            );
            let (w, h) = (c1 - c0, r1 - r0);
            let window = raster_band
                .read_as::<f64>((c0 as isize, r0 as isize), (w, h), (w, h), None)
                .map_err(|e| GeoError::InvalidRaster {
                    file: path.display().to_string(),
                    problem: e.to_string(),
                })?;
            let data = window.data();
            for r in 0..h {
                let y = gt[3] + (r0 + r) as f64 * gt[5] + 0.5 * gt[5];
                for c in 0..w {
                    let x = gt[0] + (c0 + c) as f64 * gt[1] + 0.5 * gt[1];
                    if !polygon.contains(x, y) {
                        continue;
                    }
                    let v = data[r * w + c];
                    if info
                        .nodata
                        .is_some_and(|nd| v == nd || (nd.is_nan() && v.is_nan()))
                    {
                        continue;
                    }
                    count += 1;
                    sum += v;
                    min = min.min(v);
                    max = max.max(v);
                }
            }
        }
    }
    if count == 0 {
        return Ok(empty);
    }
    Ok(ZonalStats {
        count,
        mean: Some(sum / count as f64),
        min: Some(min),
        max: Some(max),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use gdal::raster::{Buffer, RasterCreationOptions};
    use gdal::spatial_ref::SpatialRef;
    use gdal::DriverManager;
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    pub(crate) const NODATA: f32 = -9999.0;

    /// Writes a tiled (16×16 blocks) Float32 GeoTIFF whose pixel (col, row) holds
    /// `row * width + col + 0.25`, with a few nodata pixels.
    pub(crate) fn make_raster(
        dir: &Path,
        name: &str,
        epsg: u32,
        gt: [f64; 6],
        size: (usize, usize),
    ) -> PathBuf {
        let path = dir.join(name);
        let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
        let options =
            RasterCreationOptions::from_iter(["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"]);
        let mut ds = driver
            .create_with_band_type_with_options::<f32, _>(&path, size.0, size.1, 1, &options)
            .unwrap();
        ds.set_geo_transform(&gt).unwrap();
        ds.set_spatial_ref(&SpatialRef::from_epsg(epsg).unwrap())
            .unwrap();
        let mut band = ds.rasterband(1).unwrap();
        band.set_no_data_value(Some(NODATA as f64)).unwrap();
        let mut data: Vec<f32> = (0..size.0 * size.1).map(|i| i as f32 + 0.25).collect();
        for i in (0..data.len()).step_by(97) {
            data[i] = NODATA;
        }
        let mut buffer = Buffer::new(size, data);
        band.write((0, 0), size, &mut buffer).unwrap();
        path
    }

    /// `gdallocationinfo -valonly -wgs84` over the same points, one answer per point
    /// (`None` where it prints nothing: off the raster).
    fn gdallocationinfo(path: &Path, points: &[(f64, f64)]) -> Vec<Option<f64>> {
        let input: String = points
            .iter()
            .map(|(x, y)| format!("{x:.12} {y:.12}\n"))
            .collect();
        let mut child = Command::new("gdallocationinfo")
            .args(["-valonly", "-wgs84"])
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("gdallocationinfo (gdal-bin) is installed");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), points.len(), "gdallocationinfo printed {text}");
        lines.iter().map(|l| l.trim().parse().ok()).collect()
    }

    /// A grid of points over the raster's extent and a margin around it, plus every pixel
    /// corner along the first row and column (the edges where rounding matters).
    fn probe_points(path: &Path) -> Vec<(f64, f64)> {
        let info = inspect_raster(path, 1).unwrap();
        let ds = Dataset::open(path).unwrap();
        let mut srs = ds.spatial_ref().unwrap();
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let to_wgs84 = CoordTransform::new(&srs, &wgs84()).unwrap();
        let gt = info.geo_transform;
        let mut native: Vec<(f64, f64)> = Vec::new();
        let (w, h) = (info.width as f64, info.height as f64);
        for i in 0..=40 {
            for j in 0..=40 {
                let col = -0.1 * w + 1.2 * w * i as f64 / 40.0;
                let row = -0.1 * h + 1.2 * h * j as f64 / 40.0;
                native.push((gt[0] + col * gt[1], gt[3] + row * gt[5]));
            }
        }
        for k in 0..=info.width {
            native.push((gt[0] + k as f64 * gt[1], gt[3]));
        }
        for k in 0..=info.height {
            native.push((gt[0], gt[3] + k as f64 * gt[5]));
        }
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = native.into_iter().unzip();
        to_wgs84
            .transform_coords(&mut xs, &mut ys, &mut [])
            .unwrap();
        xs.into_iter().zip(ys).collect()
    }

    fn check_against_gdal(path: &Path) {
        let points = probe_points(path);
        // Round-trip through the text both tools read, so both see the same numbers.
        let points: Vec<(f64, f64)> = points
            .iter()
            .map(|(x, y)| {
                (
                    format!("{x:.12}").parse().unwrap(),
                    format!("{y:.12}").parse().unwrap(),
                )
            })
            .collect();
        let ours = sample_points(path, 1, &points).unwrap();
        let theirs = gdallocationinfo(path, &points);
        let (mut inside, mut nodata, mut outside) = (0, 0, 0);
        for (i, (ours, theirs)) in ours.iter().zip(&theirs).enumerate() {
            let ours_as_gdal = match ours {
                Sample::Value(v) => {
                    inside += 1;
                    Some(*v)
                }
                Sample::NoData => {
                    nodata += 1;
                    Some(NODATA as f64)
                }
                Sample::Outside => {
                    outside += 1;
                    None
                }
            };
            assert_eq!(
                ours_as_gdal,
                *theirs,
                "{}: point {i} {:?}",
                path.display(),
                points[i]
            );
        }
        assert!(
            inside > 100 && nodata > 0 && outside > 100,
            "{inside} inside, {nodata} nodata, {outside} outside"
        );
    }

    /// A raster as `locate` sees it (no file): `epsg`, the geotransform, the size, 256 × 256
    /// blocks.
    fn described(epsg: u32, gt: [f64; 6], size: (usize, usize)) -> RasterInfo {
        let srs = SpatialRef::from_epsg(epsg).unwrap();
        RasterInfo {
            width: size.0,
            height: size.1,
            band_count: 1,
            band: 1,
            data_type: "Float32".into(),
            nodata: None,
            crs_wkt: srs.to_wkt().unwrap(),
            crs_name: srs.name().unwrap(),
            geo_transform: gt,
            block_size: (256, 256),
        }
    }

    /// WGS84 points over a raster: `random` ones spread uniformly over it, a quarter as many
    /// in a band of a tenth of its size around it, then points on pixel edges — the corner and the middle of the top and left
    /// edge of pixels on a 61 × 61 lattice, taken from the raster's CRS back to WGS84 (so that
    /// forward they land within rounding of the edge), each also moved by one ulp and by 1e-9
    /// degrees (0.1 mm) either way in longitude and latitude.
    fn points_over(info: &RasterInfo, random: usize, seed: u64) -> Vec<(f64, f64)> {
        let gt = info.geo_transform;
        let (w, h) = (info.width as f64, info.height as f64);
        let mut rnd = crate::grid::tests::Uniform::new(seed);
        let mut native = Vec::new();
        while native.len() < random + random / 4 {
            let (col, row) = (
                -0.1 * w + 1.2 * w * rnd.next(),
                -0.1 * h + 1.2 * h * rnd.next(),
            );
            let inside = (0.0..w).contains(&col) && (0.0..h).contains(&row);
            if inside == (native.len() < random) {
                native.push((gt[0] + col * gt[1], gt[3] + row * gt[5]));
            }
        }
        for a in 0..=60 {
            for b in 0..=60 {
                let col = (a * info.width / 60) as f64;
                let row = (b * info.height / 60) as f64;
                for (c, r) in [(col, row), (col + 0.5, row), (col, row + 0.5)] {
                    native.push((gt[0] + c * gt[1], gt[3] + r * gt[5]));
                }
            }
        }
        let mut srs = SpatialRef::from_wkt(&info.crs_wkt).unwrap();
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let to_wgs84 = CoordTransform::new(&srs, &wgs84()).unwrap();
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = native.into_iter().unzip();
        let ok = transform_points(&to_wgs84, &mut xs, &mut ys);
        let mut points = Vec::new();
        for (k, (&x, &y)) in xs.iter().zip(&ys).enumerate() {
            if !ok[k] {
                continue;
            }
            points.push((x, y));
            if k >= random + random / 4 {
                for (dx, dy) in [
                    (x.next_up() - x, 0.0),
                    (x.next_down() - x, 0.0),
                    (0.0, y.next_up() - y),
                    (0.0, y.next_down() - y),
                    (1e-9, 0.0),
                    (-1e-9, 0.0),
                    (0.0, 1e-9),
                    (0.0, -1e-9),
                ] {
                    points.push((x + dx, y + dy));
                }
            }
        }
        points
    }

    /// Where each point falls (`None`: off the raster), in the points' order.
    type ByPoint = Vec<Option<Located>>;

    /// `locate` with the grid and without, point by point, and how many points PROJ
    /// transformed one by one with the grid.
    fn fast_and_exact(info: &RasterInfo, points: &[(f64, f64)]) -> (ByPoint, ByPoint, usize) {
        let by_point = |located: Vec<Located>| {
            let mut out = vec![None; points.len()];
            for l in located {
                out[l.point as usize] = Some(l);
            }
            out
        };
        assert!(transform_grid(info, 4326, points).is_some());
        let (fast, exact_count) = locate_points(info, 4326, points, 2, true);
        let (exact, all) = locate_points(info, 4326, points, 2, false);
        assert_eq!(all, points.len());
        (by_point(fast), by_point(exact), exact_count)
    }

    /// The grid path picks exactly the pixel (or "outside") that transforming every point with
    /// PROJ picks, for random points and points placed on pixel edges, in rasters in UTM north
    /// and south, a south-up UTM grid, geographic coordinates, polar stereographic, polar
    /// LAEA (around the pole itself) and Web Mercator; and it spares PROJ at least 95 % of the
    /// points spread over the raster (not around the pole, where the grid's cells in degrees are
    /// too coarse for 50 m pixels).
    #[test]
    fn the_grid_picks_the_same_pixel_as_exact_transforms() {
        // (name, EPSG, geotransform, size, whether the grid spares PROJ most points)
        let cases = [
            (
                "UTM 33N",
                32633,
                [399_960.0, 10.0, 0.0, 5_400_000.0, 0.0, -10.0],
                (10_980, 10_980),
                true,
            ),
            (
                "UTM 23S",
                32723,
                [193_000.0, 10.0, 0.0, 7_345_000.0, 0.0, -10.0],
                (10_980, 10_980),
                true,
            ),
            (
                "UTM 23S south-up",
                32723,
                [193_000.0, 30.0, 0.0, 7_235_200.0, 0.0, 30.0],
                (3_660, 3_660),
                true,
            ),
            (
                "WGS84",
                4326,
                [-48.0, 0.0001, 0.0, -24.0, 0.0, -0.0001],
                (10_000, 10_000),
                true,
            ),
            (
                "polar stereographic",
                3413,
                [-500_000.0, 100.0, 0.0, -1_000_000.0, 0.0, -100.0],
                (5_000, 5_000),
                true,
            ),
            (
                "polar LAEA",
                3574,
                [-200_000.0, 50.0, 0.0, 200_000.0, 0.0, -50.0],
                (8_000, 8_000),
                false,
            ),
            (
                "Web Mercator",
                3857,
                [-5_345_000.0, 20.0, 0.0, -2_750_000.0, 0.0, -20.0],
                (6_000, 6_000),
                true,
            ),
        ];
        for (k, (name, epsg, gt, size, mostly_fast)) in cases.into_iter().enumerate() {
            let (epsg, size): (u32, (usize, usize)) = (epsg, size);
            let info = described(epsg, gt, size);
            let random = 150_000;
            let points = points_over(&info, random, k as u64 + 1);
            let (fast, exact, exact_count) = fast_and_exact(&info, &points);
            let around = points.len() - random;
            let mut inside = 0;
            for (i, (f, e)) in fast.iter().zip(&exact).enumerate() {
                assert_eq!(f, e, "{name}: point {i} {:?}", points[i]);
                inside += e.is_some() as usize;
            }
            assert!(inside > points.len() / 2, "{name}: {inside} inside");
            if mostly_fast {
                assert!(
                    exact_count < around + random / 20,
                    "{name}: {exact_count} of {} points transformed exactly ({around} on edges or off the raster)",
                    points.len()
                );
            }
        }
    }

    /// No grid where the transformation changes datum (PROJ may pick a different operation by
    /// area of use), nor for a handful of points: every point goes to PROJ, as before.
    #[test]
    fn no_grid_across_datums_or_for_few_points() {
        let laea_europe = described(
            3035,
            [4_000_000.0, 100.0, 0.0, 3_000_000.0, 0.0, -100.0],
            (2_000, 2_000),
        );
        let points = points_over(&laea_europe, 5_000, 3);
        assert!(transform_grid(&laea_europe, 4326, &points).is_none());
        let utm = described(
            32723,
            [193_000.0, 10.0, 0.0, 7_345_000.0, 0.0, -10.0],
            (10_980, 10_980),
        );
        let points = points_over(&utm, 5_000, 4);
        assert!(transform_grid(&utm, 4326, &points).is_some());
        assert!(transform_grid(&utm, 4326, &points[..GRID_MIN_POINTS - 1]).is_none());
    }

    #[test]
    fn samples_equal_gdallocationinfo_in_geographic_utm_and_web_mercator_rasters() {
        let dir = tempfile::tempdir().unwrap();
        check_against_gdal(&make_raster(
            dir.path(),
            "wgs84.tif",
            4326,
            [-48.0, 0.001, 0.0, -24.0, 0.0, -0.001],
            (100, 70),
        ));
        check_against_gdal(&make_raster(
            dir.path(),
            "utm23s.tif",
            32723,
            [500_000.0, 30.0, 0.0, 7_400_000.0, 0.0, -30.0],
            (90, 75),
        ));
        check_against_gdal(&make_raster(
            dir.path(),
            "mercator.tif",
            3857,
            [-5_340_000.0, 25.0, 0.0, -2_750_000.0, 0.0, -25.0],
            (64, 50),
        ));
    }

    #[test]
    fn inspect_describes_the_raster() {
        let dir = tempfile::tempdir().unwrap();
        let path = make_raster(
            dir.path(),
            "utm.tif",
            32723,
            [500_000.0, 30.0, 0.0, 7_400_000.0, 0.0, -30.0],
            (90, 75),
        );
        let info = inspect_raster(&path, 1).unwrap();
        assert_eq!((info.width, info.height, info.band_count), (90, 75, 1));
        assert_eq!(info.data_type, "Float32");
        assert_eq!(info.nodata, Some(-9999.0));
        assert_eq!(info.block_size, (16, 16));
        assert_eq!(info.crs_name, "WGS 84 / UTM zone 23S");
    }

    #[test]
    fn bad_rasters_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let corrupt = dir.path().join("corrupt.tif");
        std::fs::write(&corrupt, b"II*\0garbage that is not a TIFF").unwrap();
        assert!(matches!(
            inspect_raster(&corrupt, 1),
            Err(GeoError::Unreadable { .. })
        ));

        let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
        let bare = dir.path().join("bare.tif");
        drop(
            driver
                .create_with_band_type::<u8, _>(&bare, 4, 4, 1)
                .unwrap(),
        );
        let err = inspect_raster(&bare, 1).unwrap_err().to_string();
        assert!(err.contains("has no georeferencing"), "{err}");

        let no_crs = dir.path().join("nocrs.tif");
        let mut ds = driver
            .create_with_band_type::<u8, _>(&no_crs, 4, 4, 1)
            .unwrap();
        ds.set_geo_transform(&[0.0, 1.0, 0.0, 10.0, 0.0, -1.0])
            .unwrap();
        drop(ds);
        let err = inspect_raster(&no_crs, 1).unwrap_err().to_string();
        assert!(err.contains("has no coordinate reference system"), "{err}");

        let ok = make_raster(
            dir.path(),
            "ok.tif",
            4326,
            [-48.0, 0.001, 0.0, -24.0, 0.0, -0.001],
            (20, 20),
        );
        let complex = dir.path().join("complex.tif");
        let status = Command::new("gdal_translate")
            .args(["-q", "-ot", "CFloat32"])
            .arg(&ok)
            .arg(&complex)
            .status()
            .unwrap();
        assert!(status.success());
        let err = inspect_raster(&complex, 1).unwrap_err().to_string();
        assert!(
            err.contains("has a data type MRV Desk cannot sample (complex or unknown)"),
            "{err}"
        );

        let err = inspect_raster(&ok, 2).unwrap_err().to_string();
        assert!(err.contains("has no band 2 (it has 1)"), "{err}");
    }

    /// `gdalwarp -cutline` + `gdalinfo -stats` over the same polygon: (count, mean, min, max).
    fn gdal_zonal(dir: &Path, raster: &Path, polygon: &str) -> (u64, f64, f64, f64) {
        let cutline = dir.join("cutline.geojson");
        std::fs::write(&cutline, format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{}},"geometry":{polygon}}}]}}"#)).unwrap();
        let masked = dir.join("masked.tif");
        let _ = std::fs::remove_file(&masked);
        let status = Command::new("gdalwarp")
            .args(["-q", "-cutline"])
            .arg(&cutline)
            .args(["-dstnodata", "-9999"])
            .arg(raster)
            .arg(&masked)
            .status()
            .unwrap();
        assert!(status.success());
        let out = Command::new("gdalinfo")
            .args(["-stats", "-json"])
            .arg(&masked)
            .output()
            .unwrap();
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let band = &info["bands"][0];
        let percent: f64 = band["metadata"][""]["STATISTICS_VALID_PERCENT"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let size = info["size"].as_array().unwrap();
        let total = size[0].as_f64().unwrap() * size[1].as_f64().unwrap();
        let count = (percent / 100.0 * total).round() as u64;
        (
            count,
            band["mean"].as_f64().unwrap(),
            band["minimum"].as_f64().unwrap(),
            band["maximum"].as_f64().unwrap(),
        )
    }

    #[test]
    fn zonal_stats_equal_gdalwarp_cutline_and_gdalinfo_stats() {
        let dir = tempfile::tempdir().unwrap();
        let gt = [500_000.0, 30.0, 0.0, 7_400_000.0, 0.0, -30.0];
        let raster = make_raster(dir.path(), "utm.tif", 32723, gt, (90, 75));
        // An irregular plot, given in UTM pixel terms and written in WGS84 as users would.
        let mut srs = SpatialRef::from_epsg(32723).unwrap();
        srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
        let to_wgs84 = CoordTransform::new(&srs, &wgs84()).unwrap();
        let pixels = [
            (10.3, 8.7),
            (61.2, 5.4),
            (80.6, 40.1),
            (45.5, 66.8),
            (12.9, 50.2),
            (10.3, 8.7),
        ];
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = pixels
            .iter()
            .map(|(c, r)| (gt[0] + c * gt[1], gt[3] + r * gt[5]))
            .unzip();
        to_wgs84
            .transform_coords(&mut xs, &mut ys, &mut [])
            .unwrap();
        let ring: Vec<String> = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| format!("[{x:.10},{y:.10}]"))
            .collect();
        let polygon = format!(
            r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
            ring.join(",")
        );
        let ours = zonal_stats(&raster, 1, &polygon).unwrap();
        let (count, mean, min, max) = gdal_zonal(dir.path(), &raster, &polygon);
        assert!(count > 1000, "{count}");
        assert_eq!(ours.count, count);
        assert_eq!(ours.min, Some(min));
        assert_eq!(ours.max, Some(max));
        let m = ours.mean.unwrap();
        // gdalinfo prints the mean to three decimals.
        assert!((m - mean).abs() <= 5e-4, "{m} vs {mean}");
        // A polygon off the raster has no pixels.
        let away = r#"{"type":"Polygon","coordinates":[[[10,10],[11,10],[11,11],[10,10]]]}"#;
        assert_eq!(zonal_stats(&raster, 1, away).unwrap().count, 0);
    }
}
