//! Numbers and positions as a stamp records them: GeoJSON property numbers keep their decimal
//! text (the same measurements give the same rows root from GeoJSON and from CSV), and a plot
//! polygon becomes a point within centimetres of its centre (computed on a projected copy).
//! Real workspaces; positions checked with GDAL's own `gdaltransform`.

use mrv_app::{ImportRequest, Mrv, NewProject, NewUser, Progress, Session};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A workspace with a project, its analyst `ana` (first user, tenant admin) and a verifier
/// `vera`: (mrv, ana, vera, project).
fn fixture(dir: &Path) -> (Mrv, Session, Session, i64) {
    let boundary = dir.join("boundary.geojson");
    std::fs::write(&boundary, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48,-25],[-47,-25],[-47,-24],[-48,-24],[-48,-25]]]}}]}"#).unwrap();
    let mut mrv = Mrv::init(&dir.join("ws"), false).unwrap();
    let user = |name: &str, roles: &[&str]| NewUser {
        name: name.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        password: format!("{name}-password-long"),
    };
    mrv.add_user(None, &user("ana", &["tenant_admin", "analyst"]))
        .unwrap();
    let ana = mrv.sign_in("ana", "ana-password-long").unwrap();
    mrv.add_user(Some(&ana), &user("vera", &["verifier"]))
        .unwrap();
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
    (mrv, ana, vera, project)
}

fn import(mrv: &mut Mrv, s: &Session, project: i64, file: PathBuf) -> i64 {
    let request = ImportRequest {
        file,
        project_id: project,
        period: "2025-01-01..2025-12-31".into(),
        crs: None,
        mapping: vec![],
    };
    mrv.import(s, &request, &mut |_| Progress::Continue)
        .unwrap()
        .id
}

/// Reviews and approves a batch (justifying every high flag); returns its rows root.
fn approve(mrv: &mut Mrv, vera: &Session, batch: i64) -> String {
    mrv.start_review(vera, batch).unwrap();
    let justifications: BTreeMap<i64, String> =
        mrv_app::justify_everything(mrv, vera, batch, "checked").unwrap();
    mrv.approve(vera, batch, &justifications).unwrap().rows_root
}

// Numbers with more digits than a double holds, and one that rounds to 50 as a double.
const ROWS: [(&str, &str, &str, f64, f64); 2] = [
    (
        "P-1",
        "12.3456789012345678901",
        "49.99999999999999999999",
        -47.9,
        -24.2,
    ),
    (
        "P-2",
        "8.000000000000000000001",
        "0.1000000000000000055511151231257827",
        -47.8912345678,
        -24.21,
    ),
];

#[test]
fn geojson_and_csv_of_the_same_measurements_give_the_same_rows_root() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, ana, vera, project) = fixture(dir.path());
    let csv = dir.path().join("plots.csv");
    let mut text = String::from("plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n");
    for (id, dbh, claimed, lon, lat) in ROWS {
        text += &format!("{id},2025-03-01,Inga edulis,{dbh},8.0,{claimed},{lon},{lat}\n");
    }
    std::fs::write(&csv, text).unwrap();
    let geojson = dir.path().join("plots.geojson");
    let features: Vec<String> = ROWS
        .iter()
        .map(|(id, dbh, claimed, lon, lat)| {
            format!(
                r#"{{"type":"Feature","properties":{{"plot_id":"{id}","date":"2025-03-01","species":"Inga edulis","dbh_cm":{dbh},"height_m":8.0,"claimed_tco2e":{claimed}}},"geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}"#
            )
        })
        .collect();
    std::fs::write(
        &geojson,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",\n")
        ),
    )
    .unwrap();
    let from_csv = import(&mut mrv, &ana, project, csv);
    let from_geojson = import(&mut mrv, &ana, project, geojson);
    // The stored values are the file's decimal text, not a double's.
    let rows = mrv.batch_rows(&ana, from_geojson, 0, 10).unwrap();
    let dbh = rows.columns.iter().position(|c| c == "dbh_cm").unwrap();
    let claimed = rows
        .columns
        .iter()
        .position(|c| c == "claimed_tco2e")
        .unwrap();
    assert_eq!(rows.rows[0].values[dbh], "12.3456789012345678901");
    assert_eq!(rows.rows[0].values[claimed], "49.99999999999999999999");
    let root_csv = approve(&mut mrv, &vera, from_csv);
    let root_geojson = approve(&mut mrv, &vera, from_geojson);
    assert_eq!(root_geojson, root_csv);
}

/// `gdaltransform` between UTM 23S and WGS84 longitude/latitude.
fn gdaltransform(points: &[(f64, f64)], to_wgs84: bool) -> Vec<(f64, f64)> {
    let (utm, wgs84) = ("EPSG:32723", "+proj=longlat +datum=WGS84 +no_defs");
    let (from, to) = if to_wgs84 { (utm, wgs84) } else { (wgs84, utm) };
    let mut child = Command::new("gdaltransform")
        .args(["-s_srs", from, "-t_srs", to, "-output_xy"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gdaltransform (gdal-bin) is installed");
    let input: String = points
        .iter()
        .map(|(x, y)| format!("{x:.12} {y:.12}\n"))
        .collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v = l.split_whitespace().map(|t| t.parse::<f64>().unwrap());
            (v.next().unwrap(), v.next().unwrap())
        })
        .collect()
}

#[test]
fn plot_polygons_land_within_centimetres_of_their_centre() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, ana, _, project) = fixture(dir.path());
    // Squares of 22 m and 5.5 m around known UTM 23S centres inside the project.
    let plots = [
        ("big", 22.0, (205_000.3, 7_320_000.7)),
        ("small", 5.5, (206_000.9, 7_321_000.2)),
    ];
    let mut features = Vec::new();
    for (id, side, (cx, cy)) in plots {
        let h = side / 2.0;
        let corners =
            [(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)].map(|(dx, dy)| (cx + dx, cy + dy));
        let ring: Vec<String> = gdaltransform(&corners, true)
            .iter()
            .map(|(lon, lat)| format!("[{lon},{lat}]"))
            .collect();
        features.push(format!(
            r#"{{"type":"Feature","properties":{{"plot_id":"{id}","date":"2025-03-01","species":"Inga edulis","dbh_cm":12.5,"height_m":8,"claimed_tco2e":1.25}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
            ring.join(",")
        ));
    }
    let file = dir.path().join("plots.geojson");
    std::fs::write(
        &file,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let batch = import(&mut mrv, &ana, project, file);
    let rows = mrv.batch_rows(&ana, batch, 0, 10).unwrap().rows;
    let stored: Vec<(f64, f64)> = rows.iter().map(|r| (r.lon, r.lat)).collect();
    let in_utm = gdaltransform(&stored, false);
    for ((id, side, (cx, cy)), (x, y)) in plots.iter().zip(in_utm) {
        let off = (x - cx).hypot(y - cy);
        assert!(
            off < 0.02,
            "the {side} m plot {id} lands {off} m from its centre"
        );
    }
    // Its position is inside the plot: no outside-boundary or off-plot surprises.
    assert!(mrv
        .flags(&ana, batch)
        .unwrap()
        .iter()
        .all(|f| f.check != "outside_boundary"));
}

#[test]
fn an_empty_or_flat_plot_polygon_is_refused_not_placed_at_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (mut mrv, ana, _, project) = fixture(dir.path());
    let properties = r#"{"plot_id":"E","date":"2025-03-01","species":"Inga edulis","dbh_cm":12.5,"height_m":8,"claimed_tco2e":1.25}"#;
    for (name, coordinates) in [
        ("empty.geojson", "[[]]"),
        (
            "flat.geojson",
            "[[[-47.5,-24.5],[-47.4,-24.5],[-47.5,-24.5]]]",
        ),
    ] {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{properties},"geometry":{{"type":"Polygon","coordinates":{coordinates}}}}}]}}"#
            ),
        )
        .unwrap();
        let request = ImportRequest {
            file,
            project_id: project,
            period: "2025-01-01..2025-12-31".into(),
            crs: None,
            mapping: vec![],
        };
        let err = mrv
            .import(&ana, &request, &mut |_| Progress::Continue)
            .unwrap_err();
        let report = err.report().unwrap_or_else(|| panic!("{name}: {err}"));
        assert_eq!(
            report.problems[0].column.as_deref(),
            Some("geometry"),
            "{name}"
        );
    }
    assert!(mrv.list_batches(&ana, Some(project)).unwrap().is_empty());
}
