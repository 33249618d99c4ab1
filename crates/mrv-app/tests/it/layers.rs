//! Raster layers and enrichment against real GeoTIFFs made with GDAL's own tools: values stored
//! per row equal what `gdallocationinfo` reads, bad rasters register nothing, and batches are
//! enriched when a layer is added and when they are imported.

use mrv_app::{ErrorCode, ImportRequest, Mrv, NewLayer, NewProject, NewUser, Progress, Session};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PERIOD: &str = "2025-01-01..2025-12-31";

/// A workspace with one project and its first user, `ana` (tenant admin and analyst: she may add
/// layers, import and enrich), signed in.
fn fixture(dir: &Path) -> (Mrv, Session, i64) {
    let boundary = dir.join("boundary.geojson");
    std::fs::write(&boundary, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48,-25],[-47,-25],[-47,-24],[-48,-24],[-48,-25]]]}}]}"#).unwrap();
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
    let project = mrv
        .add_project(
            &s,
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
    (mrv, s, project)
}

/// `gdal_create` a one-band raster of constant `value` (UTM 23S, 100 m pixels).
fn constant_raster(dir: &Path, name: &str, value: &str, nodata: Option<&str>) -> PathBuf {
    let path = dir.join(name);
    let mut cmd = Command::new("gdal_create");
    cmd.args([
        "-q", "-of", "GTiff", "-outsize", "200", "200", "-bands", "1", "-ot", "Float32",
    ]);
    cmd.args([
        "-a_srs",
        "EPSG:32723",
        "-a_ullr",
        "170000",
        "7330000",
        "230000",
        "7310000",
        "-burn",
        value,
    ]);
    if let Some(nd) = nodata {
        cmd.args(["-a_nodata", nd]);
    }
    assert!(cmd
        .arg(&path)
        .status()
        .expect("gdal_create (gdal-bin) is installed")
        .success());
    path
}

fn import(
    mrv: &mut Mrv,
    s: &Session,
    dir: &Path,
    project: i64,
    name: &str,
    rows: &[(&str, f64, f64)],
) -> i64 {
    let mut text = String::from("plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n");
    for (id, lon, lat) in rows {
        text += &format!("{id},2025-03-01,Inga edulis,12.5,8.0,1.25,{lon},{lat}\n");
    }
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    import_file(mrv, s, project, file)
}

/// Imports (and so enriches) `file` for the test period; returns the batch id.
fn import_file(mrv: &mut Mrv, s: &Session, project: i64, file: PathBuf) -> i64 {
    let request = ImportRequest {
        file,
        project_id: project,
        period: PERIOD.into(),
        crs: None,
        mapping: vec![],
    };
    mrv.import(s, &request, &mut |_| Progress::Continue)
        .unwrap()
        .id
}

fn layer(project: i64, file: PathBuf, name: &str) -> NewLayer {
    NewLayer {
        project_id: project,
        file,
        kind: "ndvi".into(),
        name: name.into(),
        band: 1,
        acquired_on: Some("2025-06-01".into()),
    }
}

// Two points on the raster (UTM 23S x 170–230 km, y 7310–7330 km) and one far off it.
const POINTS: [(&str, f64, f64); 3] = [
    ("A", -47.85, -24.18),
    ("B", -47.9, -24.2),
    ("C", -47.2, -24.9),
];

#[test]
fn adding_a_layer_enriches_existing_batches_with_gdal_values() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    let batch = import(&mut mrv, &s, dir.path(), project, "plots.csv", &POINTS);
    // Imported batches are enriched at once (boundary and batch checks run without layers).
    assert_eq!(mrv.batch(&s, batch).unwrap().state, "enriched");
    assert!(mrv.samples(&s, batch, 0, 10).unwrap()[0].samples.is_empty());
    let raster = constant_raster(dir.path(), "ndvi.tif", "0.625", None);
    mrv.add_layer(&s, &layer(project, raster.clone(), "ndvi-s2"))
        .unwrap();
    assert_eq!(mrv.batch(&s, batch).unwrap().state, "enriched");
    let rows = mrv.samples(&s, batch, 0, 10).unwrap();
    let got: Vec<Option<f64>> = rows.iter().map(|r| r.samples["ndvi-s2"]).collect();
    // The independent reading of the same file at the same points.
    let input: String = POINTS
        .iter()
        .map(|(_, x, y)| format!("{x} {y}\n"))
        .collect();
    let mut child = Command::new("gdallocationinfo")
        .args(["-valonly", "-wgs84"])
        .arg(&raster)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let gdal: Vec<Option<f64>> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().ok())
        .collect();
    assert_eq!(got, gdal);
    assert_eq!(got, [Some(0.625), Some(0.625), None]);
    assert_eq!(rows[2].missing["ndvi-s2"], "outside");
}

#[test]
fn nodata_pixels_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    mrv.add_layer(
        &s,
        &layer(
            project,
            constant_raster(dir.path(), "nd.tif", "-9999", Some("-9999")),
            "cloudy",
        ),
    )
    .unwrap();
    // Imported after the layer: enriched straight away.
    let batch = import(&mut mrv, &s, dir.path(), project, "plots.csv", &POINTS[..1]);
    assert_eq!(mrv.batch(&s, batch).unwrap().state, "enriched");
    let rows = mrv.samples(&s, batch, 0, 10).unwrap();
    assert_eq!(rows[0].samples["cloudy"], None);
    assert_eq!(rows[0].missing["cloudy"], "nodata");
}

#[test]
fn bad_rasters_register_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    let corrupt = dir.path().join("corrupt.tif");
    std::fs::write(&corrupt, b"II*\0 not really a tiff").unwrap();
    let plain = dir.path().join("plain.tif");
    let status = Command::new("gdal_create")
        .args(["-q", "-of", "GTiff", "-outsize", "10", "10", "-bands", "1"])
        .arg(&plain)
        .status()
        .unwrap();
    assert!(status.success());
    let ok = constant_raster(dir.path(), "ok.tif", "1", None);
    let cases: [(NewLayer, &str); 5] = [
        (layer(project, corrupt.clone(), "x"), "GDAL cannot read it"),
        (layer(project, plain.clone(), "x"), "has no georeferencing"),
        (
            NewLayer {
                band: 2,
                ..layer(project, ok.clone(), "x")
            },
            "has no band 2 (it has 1)",
        ),
        (
            NewLayer {
                kind: "landcover".into(),
                ..layer(project, ok.clone(), "x")
            },
            "layer kind `landcover` is not one of",
        ),
        (
            NewLayer {
                acquired_on: Some("June".into()),
                ..layer(project, ok.clone(), "x")
            },
            "acquisition date `June`",
        ),
    ];
    for (input, expected) in cases {
        let err = mrv.add_layer(&s, &input).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
        assert!(
            err.to_string().contains(expected),
            "`{err}` should say `{expected}`"
        );
    }
    assert!(mrv.list_layers(&s, Some(project)).unwrap().is_empty());
    let stored = std::fs::read_dir(mrv.root().join("files/sha256"))
        .unwrap()
        .count();
    assert_eq!(stored, 1, "only the boundary file is stored");
    mrv.add_layer(&s, &layer(project, ok.clone(), "ok"))
        .unwrap();
    let err = mrv.add_layer(&s, &layer(project, ok, "ok")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
}

#[test]
fn checks_become_flags_with_severity_and_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    // Boundary is lon -48..-47, lat -25..-24; the rasters cover A and B but not C or D.
    let mut text = String::from("plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n");
    for (id, claimed, lon, lat) in [
        ("A", "1.0", -47.85, -24.18),
        ("B", "1.1", -47.9, -24.2),
        ("C", "0.9", -47.2, -24.9),
        ("D", "1.05", -46.5, -24.5), // outside the boundary
        ("E", "1.0", -47.3, -24.7),
        ("F", "40", -47.31, -24.71), // robust outlier
        ("G", "1.2", -47.3, -24.7),  // same place as E
    ] {
        text += &format!("{id},2025-03-01,Inga edulis,12.5,8.0,{claimed},{lon},{lat}\n");
    }
    let file = dir.path().join("plots.csv");
    std::fs::write(&file, text).unwrap();
    let batch = import_file(&mut mrv, &s, project, file);
    let summary = |mrv: &Mrv| -> Vec<String> {
        mrv.flags(&s, batch)
            .unwrap()
            .iter()
            .map(|f| format!("{} {} {}", f.id, f.severity, f.check))
            .collect()
    };
    assert_eq!(
        summary(&mrv),
        [
            "D high outside_boundary",
            "F low robust_outlier",
            "G high duplicate_plot"
        ]
    );
    let dup = mrv
        .flags(&s, batch)
        .unwrap()
        .into_iter()
        .find(|f| f.check == "duplicate_plot")
        .unwrap();
    assert!(
        dup.explanation.contains("same position as row 5 (`E`)"),
        "{}",
        dup.explanation
    );

    // ESA WorldCover 40 (cropland) is not allowed for ARR; loss in 2022 is after the baseline.
    let cropland = constant_raster(dir.path(), "lc.tif", "40", None);
    mrv.add_layer(
        &s,
        &NewLayer {
            kind: "land_cover".into(),
            ..layer(project, cropland, "worldcover")
        },
    )
    .unwrap();
    let loss = constant_raster(dir.path(), "loss.tif", "22", None);
    mrv.add_layer(
        &s,
        &NewLayer {
            kind: "forest_loss_year".into(),
            ..layer(project, loss, "hansen")
        },
    )
    .unwrap();
    let flags = summary(&mrv);
    for expected in [
        "A high land_cover_mismatch",
        "A high loss_after_baseline",
        "B high land_cover_mismatch",
        "B high loss_after_baseline",
    ] {
        assert!(
            flags.contains(&expected.to_owned()),
            "{expected} missing from {flags:?}"
        );
    }
    assert!(
        !flags
            .iter()
            .any(|f| f.starts_with("C ") && !f.contains("robust")),
        "C is off the rasters: {flags:?}"
    );
    let lc = mrv
        .flags(&s, batch)
        .unwrap()
        .into_iter()
        .find(|f| f.check == "land_cover_mismatch")
        .unwrap();
    assert_eq!(lc.layer.as_deref(), Some("worldcover"));
    assert_eq!(lc.explanation, "layer `worldcover` shows land-cover class 40 · Cropland, not one the methodology allows (10 · Tree cover, 20 · Shrubland, 30 · Grassland, 95 · Mangroves)");

    // Tree cover (10) and loss before the baseline raise nothing.
    let dir2 = tempfile::tempdir().unwrap();
    let (mut mrv2, s2, project2) = fixture(dir2.path());
    mrv2.add_layer(
        &s2,
        &NewLayer {
            kind: "land_cover".into(),
            ..layer(
                project2,
                constant_raster(dir2.path(), "lc.tif", "10", None),
                "worldcover",
            )
        },
    )
    .unwrap();
    mrv2.add_layer(
        &s2,
        &NewLayer {
            kind: "forest_loss_year".into(),
            ..layer(
                project2,
                constant_raster(dir2.path(), "loss.tif", "12", None),
                "hansen",
            )
        },
    )
    .unwrap();
    let clean = import(
        &mut mrv2,
        &s2,
        dir2.path(),
        project2,
        "plots.csv",
        &POINTS[..2],
    );
    assert!(
        mrv2.flags(&s2, clean).unwrap().is_empty(),
        "{:?}",
        mrv2.flags(&s2, clean).unwrap()
    );
}

/// Seven plots raising a flag of each batch-level kind (D outside the boundary, F a robust
/// outlier, G at E's place) and the rows A and B on the rasters.
fn plots_with_flags(dir: &Path) -> PathBuf {
    let mut text = String::from("plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n");
    for (id, claimed, lon, lat) in [
        ("A", "1.0", -47.85, -24.18),
        ("B", "1.1", -47.9, -24.2),
        ("C", "0.9", -47.2, -24.9),
        ("D", "1.05", -46.5, -24.5),
        ("E", "1.0", -47.3, -24.7),
        ("F", "40", -47.31, -24.71),
        ("G", "1.2", -47.3, -24.7),
    ] {
        text += &format!("{id},2025-03-01,Inga edulis,12.5,8.0,{claimed},{lon},{lat}\n");
    }
    let file = dir.join("flagged.csv");
    std::fs::write(&file, text).unwrap();
    file
}

/// A batch's flags in their order, each with its id and what it says.
fn flags_with_ids(mrv: &Mrv, s: &Session, batch: i64) -> Vec<(i64, String)> {
    mrv.flags(s, batch)
        .unwrap()
        .into_iter()
        .map(|f| {
            let said = format!(
                "{} {} {} {:?} {}",
                f.row, f.check, f.severity, f.layer, f.explanation
            );
            (f.flag_id, said)
        })
        .collect()
}

/// Enriching again replaces a batch's flags as a first enrichment would write them — same
/// flags, same order — while flags that came out the same keep their ids: nothing changes when
/// nothing did, a layer added later appends its flags, and a removed layer's go.
#[test]
fn enriching_again_keeps_the_flags_that_stay_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    let batch = import_file(&mut mrv, &s, project, plots_with_flags(dir.path()));
    let low = mrv
        .add_layer(
            &s,
            &layer(
                project,
                constant_raster(dir.path(), "low.tif", "0.05", None),
                "low",
            ),
        )
        .unwrap();
    let first = flags_with_ids(&mrv, &s, batch);
    assert_eq!(first.len(), 5, "{first:?}");
    let samples = mrv.samples(&s, batch, 0, 10).unwrap();

    mrv.enrich(&s, batch, &mut |_| Progress::Continue).unwrap();
    assert_eq!(flags_with_ids(&mrv, &s, batch), first);
    assert_eq!(
        format!("{:?}", mrv.samples(&s, batch, 0, 10).unwrap()),
        format!("{samples:?}")
    );

    let cloudy = constant_raster(dir.path(), "cloudy.tif", "-9999", Some("-9999"));
    mrv.add_layer(&s, &layer(project, cloudy.clone(), "cloudy"))
        .unwrap();
    let both = flags_with_ids(&mrv, &s, batch);
    assert_eq!(both.len(), 7, "{both:?}");
    for flag in &first {
        assert!(both.contains(flag), "{flag:?} changed: {both:?}");
    }

    // The same batch imported where both layers were there first: the same flags, in order.
    let said = |flags: &[(i64, String)]| flags.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
    let dir2 = tempfile::tempdir().unwrap();
    let (mut mrv2, s2, project2) = fixture(dir2.path());
    for (file, name) in [
        (constant_raster(dir2.path(), "low.tif", "0.05", None), "low"),
        (
            constant_raster(dir2.path(), "cloudy.tif", "-9999", Some("-9999")),
            "cloudy",
        ),
    ] {
        mrv2.add_layer(&s2, &layer(project2, file, name)).unwrap();
    }
    let fresh = import_file(&mut mrv2, &s2, project2, plots_with_flags(dir2.path()));
    assert_eq!(said(&both), said(&flags_with_ids(&mrv2, &s2, fresh)));

    // Without the first layer: as a batch enriched with the second alone.
    mrv.remove_layer(&s, low.id).unwrap();
    let dir3 = tempfile::tempdir().unwrap();
    let (mut mrv3, s3, project3) = fixture(dir3.path());
    mrv3.add_layer(
        &s3,
        &layer(
            project3,
            constant_raster(dir3.path(), "cloudy.tif", "-9999", Some("-9999")),
            "cloudy",
        ),
    )
    .unwrap();
    let fresh = import_file(&mut mrv3, &s3, project3, plots_with_flags(dir3.path()));
    let after = flags_with_ids(&mrv, &s, batch);
    assert_eq!(said(&after), said(&flags_with_ids(&mrv3, &s3, fresh)));
    let batch_level = |flags: &[(i64, String)]| {
        flags
            .iter()
            .filter(|(_, f)| !f.contains("layer `"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(batch_level(&after).len(), 3, "{after:?}");
    assert_eq!(batch_level(&after), batch_level(&first), "ids kept");
}

#[test]
fn plot_polygons_get_zonal_statistics_per_layer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    mrv.add_layer(
        &s,
        &layer(
            project,
            constant_raster(dir.path(), "ndvi.tif", "0.625", None),
            "ndvi-s2",
        ),
    )
    .unwrap();
    let plots = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"plot_id":"P1","date":"2025-03-01","species":"Inga edulis","dbh_cm":12.5,"height_m":8,"claimed_tco2e":1.5},
       "geometry":{"type":"Polygon","coordinates":[[[-47.86,-24.19],[-47.84,-24.19],[-47.84,-24.17],[-47.86,-24.17],[-47.86,-24.19]]]}},
      {"type":"Feature","properties":{"plot_id":"P2","date":"2025-03-01","species":"Inga edulis","dbh_cm":12.5,"height_m":8,"claimed_tco2e":1.5},
       "geometry":{"type":"Point","coordinates":[-47.9,-24.2]}}]}"#;
    let file = dir.path().join("plots.geojson");
    std::fs::write(&file, plots).unwrap();
    let batch = import_file(&mut mrv, &s, project, file);
    let rows = mrv.samples(&s, batch, 0, 10).unwrap();
    let z = rows[0].zonal["ndvi-s2"];
    // ~2 km × 2.2 km over 300 m × 100 m pixels.
    assert!(z.pixel_count > 100, "{z:?}");
    assert_eq!(
        (z.mean, z.min, z.max),
        (Some(0.625), Some(0.625), Some(0.625))
    );
    assert!(rows[1].zonal.is_empty(), "a point has no zonal statistics");
}

/// The batch of `checks_become_flags…` in short: A, B on the raster, D outside the boundary,
/// F an outlier, G at E's place.
fn flagged_batch(mrv: &mut Mrv, s: &Session, dir: &Path, project: i64) -> i64 {
    let mut text = String::from("plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n");
    for (id, claimed, lon, lat) in [
        ("A", "1.0", -47.85, -24.18),
        ("B", "1.1", -47.9, -24.2),
        ("D", "1.05", -46.5, -24.5),
        ("E", "1.0", -47.3, -24.7),
        ("F", "40", -47.31, -24.71),
        ("G", "1.2", -47.3, -24.7),
    ] {
        text += &format!("{id},2025-03-01,Inga edulis,12.5,8.0,{claimed},{lon},{lat}\n");
    }
    let file = dir.join("flagged.csv");
    std::fs::write(&file, text).unwrap();
    import_file(mrv, s, project, file)
}

#[test]
fn map_points_row_evidence_and_layer_values_agree_with_flags_and_samples() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    let batch = flagged_batch(&mut mrv, &s, dir.path(), project);
    // 0.1 is below the profile's plausible NDVI (0.2..1.0): A and B get a medium flag.
    let raster = constant_raster(dir.path(), "ndvi.tif", "0.1", None);
    let ndvi = mrv
        .add_layer(&s, &layer(project, raster, "ndvi-s2"))
        .unwrap()
        .id;

    let points = mrv.map_points(&s, batch).unwrap();
    assert_eq!(points.lon, [-47.85, -47.9, -46.5, -47.3, -47.31, -47.3]);
    assert_eq!(points.claimed_tco2e[4], 40.0);
    // A, B implausible (medium = 2), D outside (high = 3), E none, F outlier (low = 1), G dup (high).
    assert_eq!(points.worst, [2, 2, 3, 0, 1, 3]);

    let values = mrv.layer_values(&s, batch, ndvi).unwrap();
    assert_eq!(values.len(), 6);
    assert_eq!(values[0], Some(0.1f32 as f64));
    assert_eq!(values[2], None, "D is off the raster");

    let evidence = mrv.row_evidence(&s, batch, 2).unwrap();
    assert_eq!(evidence.row.record_id, "B");
    assert_eq!(evidence.samples.samples["ndvi-s2"], Some(0.1f32 as f64));
    let flags: Vec<(String, String)> = evidence
        .flags
        .iter()
        .map(|f| (f.check.clone(), f.severity.clone()))
        .collect();
    assert_eq!(flags, [("implausible_value".into(), "medium".into())]);
    assert!(mrv.row_evidence(&s, batch, 4).unwrap().flags.is_empty());
    let err = mrv.row_evidence(&s, batch, 7).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    assert!(err.to_string().contains("7 of batch"), "{err}");
}

#[test]
fn batches_without_stored_columns_are_read_from_their_rows() {
    // Batches imported before migration 0006 have no batch_columns record.
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    let batch = flagged_batch(&mut mrv, &s, dir.path(), project);
    let before = mrv.map_points(&s, batch).unwrap();
    let db = rusqlite::Connection::open(dir.path().join("ws").join("workspace.sqlite")).unwrap();
    assert_eq!(db.execute("DELETE FROM batch_columns", []).unwrap(), 1);
    let after = mrv.map_points(&s, batch).unwrap();
    assert_eq!(
        (after.lon, after.lat, after.claimed_tco2e, after.worst),
        (before.lon, before.lat, before.claimed_tco2e, before.worst)
    );
    let enriched = mrv.enrich(&s, batch, &mut |_| Progress::Continue).unwrap();
    assert_eq!(enriched.state, "enriched");
    assert_eq!(mrv.flags(&s, batch).unwrap().len(), 3);
}

#[test]
fn a_cancelled_layer_addition_registers_nothing_and_leaves_batches_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    let batch = import(&mut mrv, &s, dir.path(), project, "plots.csv", &POINTS);
    assert_eq!(mrv.batch(&s, batch).unwrap().state, "enriched");
    let flags_before = mrv.flags(&s, batch).unwrap().len();
    let raster = constant_raster(dir.path(), "ndvi.tif", "0.625", None);
    let mut calls = 0;
    let err = mrv
        .add_layer_with_progress(&s, &layer(project, raster.clone(), "ndvi-s2"), &mut |_| {
            calls += 1;
            Progress::Cancel
        })
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled, "{err}");
    assert_eq!(calls, 1);
    // Registration and re-enrichment are one transaction: nothing of it is left.
    assert!(mrv.list_layers(&s, Some(project)).unwrap().is_empty());
    assert_eq!(mrv.batch(&s, batch).unwrap().state, "enriched");
    assert!(mrv.samples(&s, batch, 0, 1).unwrap()[0].samples.is_empty());
    assert_eq!(mrv.flags(&s, batch).unwrap().len(), flags_before);

    let mut seen = Vec::new();
    mrv.add_layer_with_progress(&s, &layer(project, raster, "ndvi-s2"), &mut |p| {
        seen.push((p.rows, p.bytes_total));
        Progress::Continue
    })
    .unwrap();
    // Two passes (positions, one layer) over the batch's 3 rows, scaled to its rows.
    assert_eq!(seen, [(1, 3), (3, 3)]);
    assert_eq!(mrv.batch(&s, batch).unwrap().state, "enriched");
    assert_eq!(
        mrv.samples(&s, batch, 0, 1).unwrap()[0].samples["ndvi-s2"],
        Some(0.625)
    );
}

#[test]
fn overlays_render_as_png_and_are_cached_by_view() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    let raster = constant_raster(dir.path(), "ndvi.tif", "0.625", None);
    let ndvi = mrv
        .add_layer(&s, &layer(project, raster, "ndvi-s2"))
        .unwrap()
        .id;
    // Around the raster (UTM 23S 170–230 km E, 7310–7330 km N) in EPSG:3857.
    let view = mrv_app::OverlayView {
        bbox: [-5_340_000.0, -2_790_000.0, -5_270_000.0, -2_760_000.0],
        width: 300,
        height: 120,
    };
    let first = mrv.overlay(&s, ndvi, &view).unwrap();
    assert!(!first.cached);
    assert_eq!(&first.png[..8], b"\x89PNG\r\n\x1a\n");
    let size = |png: &[u8]| {
        let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        (be(16), be(20))
    };
    assert_eq!(size(&first.png), (300, 120));
    let again = mrv.overlay(&s, ndvi, &view).unwrap();
    assert!(again.cached);
    assert_eq!(again.png, first.png);
    let smaller = mrv_app::OverlayView { width: 150, ..view };
    let other = mrv.overlay(&s, ndvi, &smaller).unwrap();
    assert!(!other.cached);
    assert_eq!(size(&other.png), (150, 120));

    let style = mrv.overlay_style(&s, ndvi).unwrap();
    assert_eq!(style.kind, mrv_app::StyleKind::Ramp);
    let bad = mrv_app::OverlayView { width: 0, ..view };
    let err = mrv.overlay(&s, ndvi, &bad).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert_eq!(
        mrv.overlay(&s, 999, &view).unwrap_err().code(),
        ErrorCode::NotFound
    );
}

/// The rows table's sort and filters run in SQLite over the stored rows and flags; the identify
/// tool reads every layer at any position; a point outside the boundary says how far and where.
#[test]
fn rows_sort_and_filter_by_flags_and_values_and_the_map_identifies_any_pixel() {
    use mrv_app::{RowOrderCache, RowQuery};
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, s, project) = fixture(dir.path());
    let raster = constant_raster(dir.path(), "ndvi.tif", "0.625", None);
    mrv.add_layer(&s, &layer(project, raster, "ndvi-s2"))
        .unwrap();
    // E lies 0.1° east of the boundary's east edge (lon -47) at lat -24.5: about 10.1 km.
    let rows = [
        ("A", -47.85, -24.18, 3.5, "Inga edulis", 12.0),
        ("B", -47.9, -24.2, 0.5, "Cedrela fissilis", 30.0),
        ("C", -47.2, -24.9, 9.0, "Inga vera", 8.0),
        ("D", -47.5, -24.5, 1.0, "Cedrela odorata", 22.5),
        ("E", -46.9, -24.5, 6.0, "Inga edulis", 15.0),
    ];
    let mut text = String::from("plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n");
    for (id, lon, lat, claimed, species, dbh) in rows {
        text += &format!("{id},2025-03-01,{species},{dbh},8.0,{claimed},{lon},{lat}\n");
    }
    let file = dir.path().join("varied.csv");
    std::fs::write(&file, text).unwrap();
    let batch = import_file(&mut mrv, &s, project, file);
    let ids = |q: &RowQuery, offset: i64, limit: i64, cache: Option<&mut RowOrderCache>| {
        let page = mrv.query_rows(&s, batch, q, offset, limit, cache).unwrap();
        (
            page.total,
            page.rows
                .iter()
                .map(|r| r.record_id.clone())
                .collect::<Vec<_>>(),
        )
    };
    let q = |sort: Option<&str>, filters: &[&str]| {
        RowQuery::parse(
            sort,
            &filters.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
        )
        .unwrap()
    };
    let mut cache = RowOrderCache::default();
    let by_claim = q(Some("claimed_tco2e:desc"), &[]);
    assert_eq!(
        ids(&by_claim, 0, 10, Some(&mut cache)),
        (
            5,
            vec!["C".into(), "E".into(), "A".into(), "D".into(), "B".into()]
        )
    );
    // A later page of the cached order.
    assert_eq!(
        ids(&by_claim, 3, 10, Some(&mut cache)),
        (5, vec!["D".into(), "B".into()])
    );
    assert_eq!(
        ids(&q(Some("dbh_cm"), &["species~inga"]), 0, 10, None).1,
        ["C", "A", "E"]
    );
    assert_eq!(
        ids(
            &q(Some("plot_id:desc"), &["dbh_cm>=15", "dbh_cm<30"]),
            0,
            10,
            None
        )
        .1,
        ["E", "D"]
    );
    // Only E is flagged (outside the boundary, high); the worst-flag column and filters agree.
    let flagged = q(None, &["flag=high"]);
    assert_eq!(ids(&flagged, 0, 10, None), (1, vec!["E".into()]));
    assert_eq!(
        ids(&q(None, &["check=outside_boundary"]), 0, 10, None).1,
        ["E"]
    );
    assert_eq!(ids(&q(None, &["flag=none"]), 0, 10, None).0, 4);
    assert_eq!(ids(&q(Some("flag:desc"), &[]), 0, 1, None).1, ["E"]);
    let page = mrv.query_rows(&s, batch, &flagged, 0, 10, None).unwrap();
    assert_eq!(page.batch_row_count, 5);
    assert_eq!(page.rows[0].worst_flag, Some(mrv_app::Severity::High));
    assert_eq!(page.rows[0].flag_count, 1);
    let plain = mrv.batch_rows(&s, batch, 0, 10).unwrap();
    assert_eq!(plain.rows[4].worst_flag, Some(mrv_app::Severity::High));
    assert_eq!(plain.rows[0].worst_flag, None);
    let flag = mrv
        .flags(&s, batch)
        .unwrap()
        .into_iter()
        .find(|f| f.check == "outside_boundary")
        .unwrap();
    assert_eq!(
        flag.explanation,
        "the measurement point lies outside the project boundary, 10.1 km east of its nearest edge"
    );
    // Bad filters name themselves.
    for (bad, says) in [
        ("depth>3", "has no column `depth`"),
        ("dbh_cm>thick", "`thick` is not a number"),
        ("flag=severe", "none, any, low, medium or high"),
    ] {
        let err = mrv
            .query_rows(&s, batch, &q(None, &[bad]), 0, 10, None)
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains(says), "{bad}: {err}");
    }
    // Identify: any position, with the batch CRS (here WGS84) and the layer's pixel.
    let at = mrv.identify_at(&s, batch, -47.86, -24.19).unwrap();
    assert_eq!(at.layers.len(), 1);
    assert_eq!(
        (at.layers[0].status, at.layers[0].value),
        ("value", Some(0.625))
    );
    assert!((at.x.unwrap() + 47.86).abs() < 1e-9 && (at.y.unwrap() + 24.19).abs() < 1e-9);
    let off = mrv.identify_at(&s, batch, 10.0, 10.0).unwrap();
    assert_eq!(off.layers[0].status, "outside");
    assert!(mrv.identify_at(&s, batch, 200.0, 0.0).is_err());
}
