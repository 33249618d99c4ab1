//! Rasters that must be refused before anything samples them: damaged tiles, georeferencing
//! that lives only in side files, pixels that live in other files (a VRT named `.tif`),
//! broken geotransforms, and headers declaring blocks far larger than the file holds. Every
//! file is made here with GDAL's own tools or written byte by byte.

use gdal::raster::Buffer;
use gdal::spatial_ref::SpatialRef;
use gdal::{Dataset, DriverManager, Metadata};
use mrv_geo::{check_raster, inspect_raster, sample_points, GeoError};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tiled (16×16), DEFLATE-compressed Float32 GeoTIFF in WGS84 filled with noise (so every
/// tile is as long as its data), written by `gdal_translate` (directory first, tiles after).
fn noisy_geotiff(dir: &Path, name: &str) -> PathBuf {
    let source = dir.join(format!("{name}.source.tif"));
    let driver = DriverManager::get_driver_by_name("GTiff").unwrap();
    let mut ds = driver
        .create_with_band_type::<f32, _>(&source, 64, 64, 1)
        .unwrap();
    ds.set_geo_transform(&[-48.0, 0.001, 0.0, -24.0, 0.0, -0.001])
        .unwrap();
    ds.set_spatial_ref(&SpatialRef::from_epsg(4326).unwrap())
        .unwrap();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let data: Vec<f32> = (0..64 * 64)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / 7.0
        })
        .collect();
    let mut buffer = Buffer::new((64, 64), data);
    ds.rasterband(1)
        .unwrap()
        .write((0, 0), (64, 64), &mut buffer)
        .unwrap();
    drop(ds);
    let path = dir.join(name);
    gdal_translate(
        &[
            "-co",
            "TILED=YES",
            "-co",
            "BLOCKXSIZE=16",
            "-co",
            "BLOCKYSIZE=16",
            "-co",
            "COMPRESS=DEFLATE",
        ],
        &source,
        &path,
    );
    path
}

fn gdal_translate(args: &[&str], from: &Path, to: &Path) {
    let status = Command::new("gdal_translate")
        .arg("-q")
        .args(args)
        .arg(from)
        .arg(to)
        .status()
        .expect("gdal_translate (gdal-bin) is installed");
    assert!(status.success());
}

/// Where a block's compressed bytes are in the file: (offset, length), from GDAL's TIFF domain.
fn block_bytes(path: &Path, bx: usize, by: usize) -> (u64, u64) {
    let ds = Dataset::open(path).unwrap();
    let band = ds.rasterband(1).unwrap();
    let item = |what: &str| -> u64 {
        band.metadata_item(&format!("BLOCK_{what}_{bx}_{by}"), "TIFF")
            .unwrap_or_else(|| panic!("no BLOCK_{what}_{bx}_{by}"))
            .parse()
            .unwrap()
    };
    (item("OFFSET"), item("SIZE"))
}

fn problem(result: Result<mrv_geo::RasterInfo, GeoError>) -> String {
    result.expect_err("the raster must be refused").to_string()
}

#[test]
fn a_geotiff_with_a_corrupt_tile_passes_the_header_but_not_the_full_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = noisy_geotiff(dir.path(), "corrupt.tif");
    check_raster(&path, 1).expect("the intact file reads whole");
    let (offset, size) = block_bytes(&path, 2, 1);
    let mut bytes = std::fs::read(&path).unwrap();
    for b in &mut bytes[offset as usize..(offset + size) as usize] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    inspect_raster(&path, 1).expect("the header is intact");
    let err = problem(check_raster(&path, 1));
    assert!(
        err.contains(
            "corrupt.tif: is damaged: the block at pixel (32, 16) of band 1 does not decode"
        ),
        "{err}"
    );
}

#[test]
fn a_truncated_geotiff_is_refused_naming_its_first_missing_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = noisy_geotiff(dir.path(), "truncated.tif");
    let (offset, size) = block_bytes(&path, 3, 3);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        (offset + size) as usize,
        bytes.len(),
        "the last block ends the file"
    );
    std::fs::write(&path, &bytes[..(offset + size / 2) as usize]).unwrap();
    inspect_raster(&path, 1).expect("the header is intact");
    let err = problem(check_raster(&path, 1));
    assert!(
        err.contains(
            "truncated.tif: is damaged: the block at pixel (48, 48) of band 1 does not decode"
        ),
        "{err}"
    );
}

#[test]
fn georeferencing_only_in_side_files_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let good = noisy_geotiff(dir.path(), "good.tif");
    let side = dir.path().join("side.tif");
    // A baseline TIFF: the geotransform goes to side.tfw, the CRS to side.tif.aux.xml.
    gdal_translate(&["-co", "PROFILE=BASELINE", "-co", "TFW=YES"], &good, &side);
    assert!(dir.path().join("side.tfw").is_file());
    assert!(dir.path().join("side.tif.aux.xml").is_file());
    // GDAL itself reads the side files: the file looks georeferenced to gdalinfo.
    let gdalinfo = Command::new("gdalinfo").arg(&side).output().unwrap();
    let text = String::from_utf8_lossy(&gdalinfo.stdout);
    assert!(text.contains("Origin = (-48.0"), "{text}");
    let err = problem(inspect_raster(&side, 1));
    assert!(err.contains("side.tif: has no georeferencing"), "{err}");
    assert!(sample_points(&side, 1, &[(-47.99, -24.01)]).is_err());
}

#[test]
fn a_vrt_named_tif_is_refused_because_its_pixels_live_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let good = noisy_geotiff(dir.path(), "pixels.tif");
    let vrt = dir.path().join("layer.tif");
    gdal_translate(&["-of", "VRT"], &good, &vrt);
    assert!(std::fs::read_to_string(&vrt)
        .unwrap()
        .starts_with("<VRTDataset"));
    for err in [
        problem(inspect_raster(&vrt, 1)),
        problem(check_raster(&vrt, 1)),
    ] {
        assert!(
            err.contains("layer.tif: is a VRT raster, not a GeoTIFF"),
            "{err}"
        );
    }
    assert!(sample_points(&vrt, 1, &[(-47.99, -24.01)]).is_err());
}

/// A one-strip 8-bit GeoTIFF in WGS84 whose georeferencing is the ModelTransformation tag
/// holding `gt` (the tag GDAL reads any affine geotransform from, unchecked).
fn with_geo_transform(dir: &Path, name: &str, gt: [f64; 6]) -> PathBuf {
    let path = dir.join(name);
    let matrix = [
        gt[1], gt[2], 0.0, gt[0], gt[4], gt[5], 0.0, gt[3], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
    ];
    std::fs::write(&path, tiff(4, Georef::Transformation(matrix))).unwrap();
    let stored = Dataset::open(&path).unwrap().geo_transform().unwrap();
    assert_eq!(
        format!("{stored:?}"),
        format!("{gt:?}"),
        "GDAL reads the geotransform as written"
    );
    path
}

#[test]
fn broken_geotransforms_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, [f64; 6], &str); 5] = [
        (
            "zero-width.tif",
            [-48.0, 0.0, 0.0, -24.0, 0.0, -0.001],
            "(a pixel size of zero)",
        ),
        (
            "zero-height.tif",
            [-48.0, 0.001, 0.0, -24.0, 0.0, 0.0],
            "(a pixel size of zero)",
        ),
        (
            "nan-origin.tif",
            [f64::NAN, 0.001, 0.0, -24.0, 0.0, -0.001],
            "(NaN is not a finite number)",
        ),
        (
            "inf-origin.tif",
            [-48.0, 0.001, 0.0, f64::INFINITY, 0.0, -0.001],
            "(inf is not a finite number)",
        ),
        (
            "huge-pixels.tif",
            [-48.0, 1e308, 0.0, -24.0, 0.0, -0.001],
            "(its extent is not finite)",
        ),
    ];
    for (name, gt, expected) in cases {
        let path = with_geo_transform(dir.path(), name, gt);
        let err = problem(inspect_raster(&path, 1));
        assert!(
            err.contains(&format!("{name}: has a broken geotransform")) && err.contains(expected),
            "{name}: {err}"
        );
        assert!(sample_points(&path, 1, &[(-47.99, -24.01)]).is_err());
    }
}

/// Where a hand-written TIFF's georeferencing comes from.
enum Georef {
    /// ModelPixelScale (1e-7°) and ModelTiepoint at (-48, -24).
    ScaleAndTiepoint,
    /// ModelTransformation: a 4×4 matrix, row by row.
    Transformation([f64; 16]),
}

/// A little-endian TIFF of one DEFLATE strip declaring `width` × 1 bytes, in WGS84
/// (GeoKeyDirectory), whose strip is a dozen bytes.
fn tiff(width: u32, georef: Georef) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const DOUBLE: u16 = 12;
    let doubles: Vec<f64> = match &georef {
        Georef::ScaleAndTiepoint => vec![1e-7, 1e-7, 0.0, 0.0, 0.0, 0.0, -48.0, -24.0, 0.0],
        Georef::Transformation(m) => m.to_vec(),
    };
    let entries: u32 = if matches!(georef, Georef::ScaleAndTiepoint) {
        14
    } else {
        13
    };
    let ifd_len = 2 + 12 * entries + 4;
    let doubles_at = 8 + ifd_len;
    let keys_at = doubles_at + 8 * doubles.len() as u32;
    let strip_at = keys_at + 32;
    // zlib of four zero bytes: one row of a four-pixel-wide image.
    let strip = [
        0x78u8, 0x9c, 0x63, 0x60, 0x60, 0x60, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01,
    ];
    let mut out = Vec::new();
    out.extend_from_slice(b"II");
    out.extend_from_slice(&42u16.to_le_bytes());
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries as u16).to_le_bytes());
    let mut entry = |tag: u16, kind: u16, count: u32, value: u32| {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&value.to_le_bytes());
    };
    entry(256, LONG, 1, width); // ImageWidth
    entry(257, LONG, 1, 1); // ImageLength
    entry(258, SHORT, 1, 8); // BitsPerSample
    entry(259, SHORT, 1, 8); // Compression: DEFLATE
    entry(262, SHORT, 1, 1); // PhotometricInterpretation: BlackIsZero
    entry(273, LONG, 1, strip_at); // StripOffsets
    entry(277, SHORT, 1, 1); // SamplesPerPixel
    entry(278, LONG, 1, 1); // RowsPerStrip
    entry(279, LONG, 1, strip.len() as u32); // StripByteCounts
    entry(284, SHORT, 1, 1); // PlanarConfiguration
    entry(339, SHORT, 1, 1); // SampleFormat: unsigned
    match georef {
        Georef::ScaleAndTiepoint => {
            entry(33550, DOUBLE, 3, doubles_at); // ModelPixelScale
            entry(33922, DOUBLE, 6, doubles_at + 24); // ModelTiepoint
        }
        Georef::Transformation(_) => entry(34264, DOUBLE, 16, doubles_at), // ModelTransformation
    }
    entry(34735, SHORT, 16, keys_at); // GeoKeyDirectory
    out.extend_from_slice(&0u32.to_le_bytes());
    for v in doubles {
        out.extend_from_slice(&v.to_le_bytes());
    }
    // Version 1.1.0, 3 keys: model type geographic, raster type area, GCS WGS 84.
    for v in [
        1u16, 1, 0, 3, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, 4326,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&strip);
    out
}

#[test]
fn a_tiny_tiff_declaring_a_two_billion_pixel_strip_is_refused_before_any_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("strip.tif");
    std::fs::write(&path, tiff(2_000_000_000, Georef::ScaleAndTiepoint)).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 600);
    // GDAL opens it: the header is valid.
    let ds = Dataset::open(&path).unwrap();
    assert_eq!(ds.raster_size(), (2_000_000_000, 1));
    assert_eq!(ds.rasterband(1).unwrap().block_size(), (2_000_000_000, 1));
    drop(ds);
    for err in [
        problem(inspect_raster(&path, 1)),
        problem(check_raster(&path, 1)),
    ] {
        assert!(
            err.contains("strip.tif: stores its pixels in blocks of 2000000000 x 1")
                && err.contains("more than the 8388608 pixels MRV Desk decodes at once"),
            "{err}"
        );
    }
    let view = mrv_geo::OverlayView {
        bbox: [-5_343_000.0, -2_757_000.0, -5_342_000.0, -2_756_000.0],
        width: 16,
        height: 16,
    };
    assert!(mrv_geo::overlay_values(&path, 1, &view).is_err());
    // The same header at a sane width is read whole.
    std::fs::write(&path, tiff(4, Georef::ScaleAndTiepoint)).unwrap();
    assert!(check_raster(&path, 1).is_ok());
}
