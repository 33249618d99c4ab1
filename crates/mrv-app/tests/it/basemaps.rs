//! Basemaps a user registers: a GeoTIFF of RGB bands made by `gdal_create` and the MBTiles file
//! `gdal_translate` makes of it, stored for the whole workspace, drawn over a view (and cached),
//! journaled, refused when they cannot be drawn, and registered only by who may add layers.

use mrv_app::{BasemapKind, ErrorCode, Mrv, NewUser, OverlayView, Session};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(dir: &Path) -> (Mrv, Session) {
    let mut mrv = Mrv::init(&dir.join("ws"), false).unwrap();
    mrv.add_user(
        None,
        &NewUser {
            name: "ana".into(),
            roles: vec!["tenant_admin".into(), "analyst".into()],
            password: "analyst-password".into(),
        },
    )
    .unwrap();
    let s = mrv.sign_in("ana", "analyst-password").unwrap();
    (mrv, s)
}

/// A 3-band Byte GeoTIFF of one colour (UTM 23S, 30 m pixels, 9 × 6 km).
fn rgb_tif(dir: &Path, name: &str, rgb: [u8; 3]) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("gdal_create");
    cmd.args([
        "-q", "-of", "GTiff", "-outsize", "300", "200", "-bands", "3", "-ot", "Byte",
    ]);
    cmd.args([
        "-a_srs",
        "EPSG:32723",
        "-a_ullr",
        "250000",
        "7400000",
        "259000",
        "7394000",
    ]);
    for v in rgb {
        cmd.args(["-burn", &v.to_string()]);
    }
    assert!(cmd
        .arg(&path)
        .status()
        .expect("gdal_create (gdal-bin) is installed")
        .success());
    path
}

fn mbtiles_of(tif: &Path, out: &Path) -> PathBuf {
    let status = Command::new("gdal_translate")
        .args(["-q", "-of", "MBTiles", "-co", "TILE_FORMAT=PNG"])
        .arg(tif)
        .arg(out)
        .status()
        .expect("gdal_translate (gdal-bin) is installed");
    assert!(status.success());
    out.to_owned()
}

/// The view's centre pixel as RGBA.
fn centre_pixel(png: &[u8]) -> [u8; 4] {
    let image = image::load_from_memory(png).unwrap().to_rgba8();
    image.get_pixel(image.width() / 2, image.height() / 2).0
}

const VIEW: OverlayView = OverlayView {
    // Inside the raster (about 47.43° W, 23.51° S), 2 × 1.5 km.
    bbox: [-5_278_000.0, -2_695_500.0, -5_276_000.0, -2_694_000.0],
    width: 200,
    height: 150,
};

#[test]
fn a_geotiff_and_an_mbtiles_basemap_are_registered_drawn_cached_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s) = fixture(dir.path());
    let tif = rgb_tif(dir.path(), "imagery.tif", [30, 120, 200]);
    let tiles = mbtiles_of(
        &rgb_tif(dir.path(), "other.tif", [200, 60, 10]),
        &dir.path().join("tiles.mbtiles"),
    );

    let geotiff = mrv.add_basemap(&s, &tif, "Drone mosaic 2025").unwrap();
    assert_eq!(geotiff.kind, BasemapKind::Geotiff);
    assert_eq!(geotiff.source_name, "imagery.tif");
    assert_eq!(geotiff.registered_by, "ana");
    assert!(
        geotiff
            .description
            .starts_with("GeoTIFF, 3 bands (RGB), 300 × 200 pixels"),
        "{}",
        geotiff.description
    );
    let [w, s_, e, n] = geotiff.bounds;
    assert!(
        w < -47.4 && e > -47.4 && s_ < -23.5 && n > -23.5,
        "{:?}",
        geotiff.bounds
    );
    let mb = mrv.add_basemap(&s, &tiles, "Tiles").unwrap();
    assert_eq!(mb.kind, BasemapKind::Mbtiles);
    assert!(
        mb.description
            .starts_with("MBTiles, PNG tiles of 256 pixels, zoom "),
        "{}",
        mb.description
    );

    let names: Vec<String> = mrv
        .list_basemaps(&s)
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["Drone mosaic 2025", "Tiles"]);

    let first = mrv.basemap_image(&s, geotiff.id, &VIEW).unwrap();
    assert!(!first.cached);
    assert_eq!(centre_pixel(&first.png), [30, 120, 200, 255]);
    let again = mrv.basemap_image(&s, geotiff.id, &VIEW).unwrap();
    assert!(again.cached);
    assert_eq!(again.png, first.png);
    assert_eq!(
        centre_pixel(&mrv.basemap_image(&s, mb.id, &VIEW).unwrap().png),
        [200, 60, 10, 255]
    );

    // Journaled, and the journal still verifies after a removal.
    mrv.remove_basemap(&s, mb.id).unwrap();
    let err = mrv.basemap_image(&s, mb.id, &VIEW).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let check = mrv.verify_journal(&s).unwrap();
    assert!(check.ok, "{}", check.message);
    let db = rusqlite::Connection::open(dir.path().join("ws").join("workspace.sqlite")).unwrap();
    let mut stmt = db
        .prepare("SELECT action FROM journal WHERE action LIKE 'basemap.%' ORDER BY seq")
        .unwrap();
    let events: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events, ["basemap.add", "basemap.add", "basemap.remove"]);
}

#[test]
fn what_cannot_be_a_basemap_registers_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s) = fixture(dir.path());
    let tif = rgb_tif(dir.path(), "imagery.tif", [1, 2, 3]);
    mrv.add_basemap(&s, &tif, "Imagery").unwrap();
    let err = mrv.add_basemap(&s, &tif, " Imagery ").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(err.to_string(), "a basemap named `Imagery` already exists");

    // A Float32 layer is not colours.
    let ndvi = dir.path().join("ndvi.tif");
    assert!(Command::new("gdal_create")
        .args([
            "-q",
            "-outsize",
            "20",
            "20",
            "-bands",
            "1",
            "-ot",
            "Float32",
            "-a_srs",
            "EPSG:4326"
        ])
        .args(["-a_ullr", "-48", "-24", "-47", "-25", "-burn", "0.5"])
        .arg(&ndvi)
        .status()
        .unwrap()
        .success());
    let err = mrv.add_basemap(&s, &ndvi, "NDVI").unwrap_err().to_string();
    assert!(
        err.contains("ndvi.tif: band 1 holds Float32 values"),
        "{err}"
    );
    // A directory is not a file; a missing file is named.
    let err = mrv
        .add_basemap(&s, dir.path(), "Folder")
        .unwrap_err()
        .to_string();
    assert!(err.contains("is a directory, not a regular file"), "{err}");
    let err = mrv
        .add_basemap(&s, &dir.path().join("none.mbtiles"), "None")
        .unwrap_err()
        .to_string();
    assert!(err.contains("none.mbtiles"), "{err}");
    assert_eq!(mrv.list_basemaps(&s).unwrap().len(), 1);
}

#[test]
fn only_who_may_add_layers_registers_basemaps_and_everyone_sees_them() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, ana) = fixture(dir.path());
    mrv.add_user(
        Some(&ana),
        &NewUser {
            name: "vera".into(),
            roles: vec!["verifier".into()],
            password: "verifier-password".into(),
        },
    )
    .unwrap();
    let vera = mrv.sign_in("vera", "verifier-password").unwrap();
    let tif = rgb_tif(dir.path(), "imagery.tif", [9, 9, 9]);
    let err = mrv.add_basemap(&vera, &tif, "Imagery").unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    let id = mrv.add_basemap(&ana, &tif, "Imagery").unwrap().id;
    assert_eq!(mrv.list_basemaps(&vera).unwrap().len(), 1);
    assert_eq!(
        centre_pixel(&mrv.basemap_image(&vera, id, &VIEW).unwrap().png),
        [9, 9, 9, 255]
    );
    assert_eq!(
        mrv.remove_basemap(&vera, id).unwrap_err().code(),
        ErrorCode::Forbidden
    );
}

#[test]
fn racing_adds_of_one_name_register_it_once_and_refuse_the_rest_as_a_conflict() {
    const RACERS: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    drop(fixture(dir.path()));
    let ws = dir.path().join("ws");
    let tif = rgb_tif(dir.path(), "imagery.tif", [5, 6, 7]);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(RACERS));
    let results: Vec<Result<i64, (ErrorCode, String)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..RACERS)
            .map(|_| {
                let (ws, tif, barrier) = (&ws, &tif, std::sync::Arc::clone(&barrier));
                s.spawn(move || {
                    let mut mrv = Mrv::open(ws).unwrap();
                    let session = mrv.sign_in("ana", "analyst-password").unwrap();
                    barrier.wait();
                    mrv.add_basemap(&session, tif, "Imagery")
                        .map(|b| b.id)
                        .map_err(|e| (e.code(), e.to_string()))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(
            refused,
            &(
                ErrorCode::Conflict,
                "a basemap named `Imagery` already exists".to_owned()
            )
        );
    }
    let mut mrv = Mrv::open(&ws).unwrap();
    let s = mrv.sign_in("ana", "analyst-password").unwrap();
    assert_eq!(mrv.list_basemaps(&s).unwrap().len(), 1);
}
