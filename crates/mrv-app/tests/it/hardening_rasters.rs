//! Raster layers that must not block a project: a damaged GeoTIFF, one georeferenced only by
//! side files and a VRT named `.tif` are refused by `add_layer` before anything is registered
//! (and the project's enrichment and review go on), and `remove_layer` takes a layer and its
//! evidence out again — refused while a batch in review or a stamp depends on it. Real
//! workspaces, rasters made with GDAL's own tools.

use mrv_app::{ErrorCode, ImportRequest, Mrv, NewLayer, NewProject, NewUser, Progress, Session};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A workspace with one project, its first user `ana` (tenant admin, analyst) and a verifier
/// `vera`, and one enriched batch of three rows; returns (mrv, ana, vera, project, batch).
fn fixture(dir: &Path) -> (Mrv, Session, Session, i64, i64) {
    let boundary = dir.join("boundary.geojson");
    std::fs::write(&boundary, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48,-25],[-47,-25],[-47,-24],[-48,-24],[-48,-25]]]}}]}"#).unwrap();
    let mut mrv = Mrv::init(&dir.join("ws"), false).unwrap();
    let user = |name: &str, role: &str| NewUser {
        name: name.into(),
        roles: vec![role.into()],
        password: format!("{name}-password-long"),
    };
    mrv.add_user(
        None,
        &NewUser {
            roles: vec!["tenant_admin".into(), "analyst".into()],
            ..user("ana", "")
        },
    )
    .unwrap();
    let ana = mrv.sign_in("ana", "ana-password-long").unwrap();
    mrv.add_user(Some(&ana), &user("vera", "verifier")).unwrap();
    let vera = mrv.sign_in("vera", "vera-password-long").unwrap();
    let project = mrv
        .add_project(
            &ana,
            &NewProject {
                name: "P".into(),
                country: None,
                methodology: "arr-tree-plots".into(),
                boundary,
                baseline: Some("2020-12-31".into()),
                developer: None,
            },
        )
        .unwrap()
        .id;
    let csv = dir.join("plots.csv");
    std::fs::write(
        &csv,
        "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n\
         A,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.85,-24.18\n\
         B,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.9,-24.2\n\
         C,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.2,-24.9\n",
    )
    .unwrap();
    let request = ImportRequest {
        file: csv,
        project_id: project,
        period: "2025-01-01..2025-12-31".into(),
        crs: None,
        mapping: vec![],
    };
    let batch = mrv
        .import(&ana, &request, &mut |_| Progress::Continue)
        .unwrap()
        .id;
    (mrv, ana, vera, project, batch)
}

fn run(cmd: &mut Command) {
    let status = cmd.status().expect("GDAL's tools (gdal-bin) are installed");
    assert!(status.success(), "{cmd:?}");
}

/// A constant raster over the batch's points (UTM 23S, 100 m pixels), tiled and compressed.
fn raster(dir: &Path, name: &str, value: &str) -> PathBuf {
    let plain = dir.join(format!("{name}.plain.tif"));
    run(Command::new("gdal_create")
        .args([
            "-q", "-of", "GTiff", "-outsize", "200", "200", "-bands", "1",
        ])
        .args(["-ot", "Float32", "-a_srs", "EPSG:32723"])
        .args(["-a_ullr", "170000", "7330000", "230000", "7310000"])
        .args(["-burn", value])
        .arg(&plain));
    let path = dir.join(name);
    run(Command::new("gdal_translate")
        .args(["-q", "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE"])
        .arg(&plain)
        .arg(&path));
    path
}

fn layer(project: i64, file: PathBuf, name: &str) -> NewLayer {
    NewLayer {
        project_id: project,
        file,
        kind: "ndvi".into(),
        name: name.into(),
        band: 1,
        acquired_on: None,
    }
}

/// The batch's samples as (layer name, value) of its first row, and its flag count.
fn evidence(mrv: &Mrv, s: &Session, batch: i64) -> (BTreeMap<String, Option<f64>>, usize) {
    let row = mrv.samples(s, batch, 0, 1).unwrap().remove(0);
    (row.samples, mrv.flags(s, batch).unwrap().len())
}

#[test]
fn a_geotiff_with_a_corrupt_tile_is_refused_registers_nothing_and_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, ana, vera, project, batch) = fixture(dir.path());
    mrv.add_layer(
        &ana,
        &layer(project, raster(dir.path(), "ok.tif", "0.7"), "ok"),
    )
    .unwrap();
    let before = evidence(&mrv, &ana, batch);
    // Noise compresses to nothing useful, so the tiles fill the file: damage its middle.
    let raw = dir.path().join("noise.bil");
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let noise: Vec<u8> = (0..200 * 200)
        .flat_map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / 1e7).to_le_bytes()
        })
        .collect();
    std::fs::write(&raw, noise).unwrap();
    std::fs::write(
        dir.path().join("noise.hdr"),
        "NROWS 200\nNCOLS 200\nNBANDS 1\nNBITS 32\nPIXELTYPE FLOAT\nBYTEORDER I\nLAYOUT BIL\n",
    )
    .unwrap();
    let damaged = dir.path().join("damaged.tif");
    run(Command::new("gdal_translate")
        .args(["-q", "-a_srs", "EPSG:32723"])
        .args(["-a_ullr", "170000", "7330000", "230000", "7310000"])
        .args([
            "-co",
            "TILED=YES",
            "-co",
            "BLOCKXSIZE=32",
            "-co",
            "BLOCKYSIZE=32",
        ])
        .args(["-co", "COMPRESS=DEFLATE"])
        .arg(&raw)
        .arg(&damaged));
    let mut bytes = std::fs::read(&damaged).unwrap();
    let len = bytes.len();
    bytes[len / 3..2 * len / 3].fill(0xA5);
    std::fs::write(&damaged, bytes).unwrap();

    let err = mrv
        .add_layer(&ana, &layer(project, damaged.clone(), "damaged"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "{}: is damaged: the block at pixel",
            damaged.display()
        )),
        "{text}"
    );
    let names: Vec<String> = mrv
        .list_layers(&ana, Some(project))
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names, ["ok"]);
    assert_eq!(evidence(&mrv, &ana, batch), before);
    assert_eq!(mrv.batch(&ana, batch).unwrap().state, "enriched");
    // Enrichment and review go on.
    mrv.enrich(&ana, batch, &mut |_| Progress::Continue)
        .unwrap();
    assert_eq!(mrv.start_review(&vera, batch).unwrap().state, "in_review");
}

#[test]
fn georeferencing_only_in_side_files_is_refused_by_add_layer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, ana, _, project, batch) = fixture(dir.path());
    let good = raster(dir.path(), "good.tif", "0.7");
    let side = dir.path().join("side.tif");
    run(Command::new("gdal_translate")
        .args(["-q", "-co", "PROFILE=BASELINE", "-co", "TFW=YES"])
        .arg(&good)
        .arg(&side));
    assert!(dir.path().join("side.tfw").is_file());
    let err = mrv
        .add_layer(&ana, &layer(project, side.clone(), "side"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(
        err.to_string()
            .contains(&format!("{}: has no georeferencing", side.display())),
        "{err}"
    );
    assert!(mrv.list_layers(&ana, Some(project)).unwrap().is_empty());
    mrv.enrich(&ana, batch, &mut |_| Progress::Continue)
        .unwrap();
}

#[test]
fn a_vrt_named_tif_is_refused_by_add_layer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, ana, _, project, _) = fixture(dir.path());
    let pixels = raster(dir.path(), "pixels.tif", "0.7");
    let vrt = dir.path().join("ndvi.tif");
    run(Command::new("gdal_translate")
        .args(["-q", "-of", "VRT"])
        .arg(&pixels)
        .arg(&vrt));
    let err = mrv
        .add_layer(&ana, &layer(project, vrt.clone(), "vrt"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(
        err.to_string().contains(&format!(
            "{}: is a VRT raster, not a GeoTIFF",
            vrt.display()
        )),
        "{err}"
    );
    assert!(mrv.list_layers(&ana, Some(project)).unwrap().is_empty());
}

#[test]
fn remove_layer_takes_its_evidence_out_and_is_refused_while_a_batch_depends_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, ana, vera, project, batch) = fixture(dir.path());
    // A land-cover class the profile flags (water) next to an NDVI layer.
    let ndvi = mrv
        .add_layer(
            &ana,
            &layer(project, raster(dir.path(), "ndvi.tif", "0.7"), "ndvi"),
        )
        .unwrap();
    let cover = mrv
        .add_layer(
            &ana,
            &NewLayer {
                kind: "land_cover".into(),
                ..layer(project, raster(dir.path(), "cover.tif", "80"), "cover")
            },
        )
        .unwrap();
    let flagged_by = |mrv: &Mrv, name: &str| {
        mrv.flags(&ana, batch)
            .unwrap()
            .iter()
            .filter(|f| f.layer.as_deref() == Some(name))
            .count()
    };
    assert!(flagged_by(&mrv, "cover") > 0);
    let flags_before = mrv.flags(&ana, batch).unwrap().len();

    let removed = mrv.remove_layer(&ana, cover.id).unwrap();
    assert_eq!(removed.name, "cover");
    assert_eq!(flagged_by(&mrv, "cover"), 0);
    assert!(mrv.flags(&ana, batch).unwrap().len() < flags_before);
    let (samples, _) = evidence(&mrv, &ana, batch);
    assert_eq!(samples.keys().collect::<Vec<_>>(), ["ndvi"]);
    assert_eq!(mrv.batch(&ana, batch).unwrap().state, "enriched");
    let err = mrv.remove_layer(&ana, cover.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    // Only a layer manager may remove layers.
    assert_eq!(
        mrv.remove_layer(&vera, ndvi.id).unwrap_err().code(),
        ErrorCode::Forbidden
    );

    // In review, then approved and stamped: the layer stays.
    mrv.start_review(&vera, batch).unwrap();
    let err = mrv.remove_layer(&ana, ndvi.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(err.to_string().contains("batch 1 is in review"), "{err}");
    let justifications: BTreeMap<i64, String> =
        mrv_app::justify_everything(&mrv, &vera, batch, "checked in the field").unwrap();
    mrv.approve(&vera, batch, &justifications).unwrap();
    let err = mrv.remove_layer(&ana, ndvi.id).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(
        err.to_string()
            .contains("batch 1 has a stamp that lists it"),
        "{err}"
    );
    assert_eq!(mrv.list_layers(&ana, Some(project)).unwrap().len(), 1);
}
