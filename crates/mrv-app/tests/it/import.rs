//! Import against real workspace files: the bad-file corpus (each with its exact first problem,
//! and proof that nothing was written), good files in every supported shape, and re-import refusal.

use mrv_app::{
    AppError, ColumnMapping, ErrorCode, ImportRequest, Mrv, NewProject, NewUser, Progress, Session,
};
use std::path::{Path, PathBuf};

const HEADER: &str = "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat";
const PERIOD: &str = "2025-01-01..2025-12-31";
const PASSWORD: &str = "analyst-password";

struct Fixture {
    dir: tempfile::TempDir,
    mrv: Mrv,
    /// `ana`, the workspace's first user: tenant admin and analyst.
    session: Session,
    project: i64,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let boundary = dir.path().join("boundary.geojson");
    std::fs::write(&boundary, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[-48,-25],[-47,-25],[-47,-24],[-48,-24],[-48,-25]]]}}]}"#).unwrap();
    let mut mrv = Mrv::init(&dir.path().join("ws"), false).unwrap();
    mrv.add_user(
        None,
        &NewUser {
            name: "ana".into(),
            roles: vec!["tenant_admin".into(), "analyst".into()],
            password: PASSWORD.into(),
        },
    )
    .unwrap();
    let session = mrv.sign_in("ana", PASSWORD).unwrap();
    let project = mrv
        .add_project(
            &session,
            &NewProject {
                name: "Test".into(),
                country: None,
                methodology: "arr-tree-plots".into(),
                boundary,
                baseline: Some("2020-12-31".into()),
                developer: None,
            },
        )
        .unwrap()
        .id;
    Fixture {
        dir,
        mrv,
        session,
        project,
    }
}

impl Fixture {
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn import(
        &mut self,
        file: &Path,
        crs: Option<&str>,
        mapping: &[(&str, &str)],
    ) -> Result<mrv_app::BatchView, AppError> {
        let request = ImportRequest {
            file: file.to_owned(),
            project_id: self.project,
            period: PERIOD.into(),
            crs: crs.map(str::to_owned),
            mapping: mapping
                .iter()
                .map(|(s, f)| ColumnMapping {
                    source: (*s).into(),
                    field: (*f).into(),
                })
                .collect(),
        };
        self.mrv
            .import(&self.session, &request, &mut |_| Progress::Continue)
    }

    /// Rows in the measurement table, counted directly in the database file (not through the
    /// batch headers the app reports), so stray rows of a failed import would show.
    fn stored_rows(&self) -> i64 {
        let db = rusqlite::Connection::open(self.mrv.root().join("workspace.sqlite")).unwrap();
        db.query_row("SELECT COUNT(*) FROM measurement", [], |r| r.get(0))
            .unwrap()
    }
}

/// Imports `bytes` as `name`; expects rejection whose problems, with the path shortened to the
/// file name, are exactly `expected`; and checks nothing was written.
fn check_rejected(name: &str, bytes: &[u8], crs: Option<&str>, expected: &[&str]) {
    let mut fx = fixture();
    let path = fx.write(name, bytes);
    let err = fx
        .import(&path, crs, &[])
        .err()
        .unwrap_or_else(|| panic!("{name} was accepted"));
    assert_eq!(err.code(), ErrorCode::ImportRejected, "{name}: {err}");
    let full = path.display().to_string();
    let got: Vec<String> = err
        .report()
        .unwrap()
        .problems
        .iter()
        .map(|p| p.to_string().replace(&full, name))
        .collect();
    assert_eq!(got, expected, "{name}");
    assert_eq!(fx.stored_rows(), 0, "{name}: rows were written");
    assert!(
        fx.mrv.list_batches(&fx.session, None).unwrap().is_empty(),
        "{name}: a batch was written"
    );
    fx.mrv.check_integrity().unwrap();
    let leftovers = std::fs::read_dir(fx.mrv.root().join("tmp"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 0, "{name}: temporary files left behind");
}

fn csv(rows: &[&str]) -> Vec<u8> {
    let mut text = String::from(HEADER);
    for r in rows {
        text.push('\n');
        text.push_str(r);
    }
    text.push('\n');
    text.into_bytes()
}

const GOOD: &str = "P1,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.5";

#[test]
fn wrong_delimiter() {
    check_rejected("semi.csv", &csv(&["P1;2025-03-01;Inga edulis;12.5;8.0;1.25;-47.5;-24.5"]), None, &[
        "semi.csv, row 1: has 1 field(s) but the header has 8 (is the file cut short, or the delimiter not comma throughout?)",
    ]);
}

#[test]
fn missing_column() {
    let text = "plot_id,date,species,height_m,claimed_tco2e,lon,lat\nP1,2025-03-01,Inga edulis,8.0,1.25,-47.5,-24.5\n";
    check_rejected("missing.csv", text.as_bytes(), None, &[
        "missing.csv: required column `dbh_cm` is missing (map a column to it with --map SOURCE=dbh_cm)",
    ]);
}

#[test]
fn non_utf8() {
    let mut bytes = csv(&[]);
    bytes.extend_from_slice(b"P1,2025-03-01,Ip\xea roxo,12.5,8.0,1.25,-47.5,-24.5\n");
    check_rejected("latin1.csv", &bytes, None, &[
        "latin1.csv, row 1, column `species`, value `Ip\u{fffd} roxo`: not valid UTF-8 text (bad byte at offset 2); save the file as UTF-8",
    ]);
}

#[test]
fn nan_and_infinity() {
    check_rejected("nan.csv", &csv(&["P1,2025-03-01,Inga edulis,NaN,8.0,1.25,-47.5,-24.5", "P2,2025-03-01,Inga edulis,12,inf,1.25,-47.5,-24.5"]), None, &[
        "nan.csv, row 1, column `dbh_cm`, value `NaN`: must be a finite number (NaN and infinity are not measurements)",
        "nan.csv, row 2, column `height_m`, value `inf`: must be a finite number (NaN and infinity are not measurements)",
    ]);
}

#[test]
fn out_of_range_and_bad_types() {
    check_rejected("range.csv", &csv(&[GOOD, "P2,2025-03-01,Inga edulis,12.5,120,1.25,-47.5,-24.5", "P3,03/01/2025,Inga edulis,12,5,x,-47.5,-24.5"]), None, &[
        "range.csv, row 2, column `height_m`, value `120`: above the plausible maximum of 90 m",
        "range.csv, row 3, column `date`, value `03/01/2025`: must be a date written YYYY-MM-DD",
        "range.csv, row 3, column `claimed_tco2e`, value `x`: must be a number (use `.` as decimal separator)",
    ]);
}

#[test]
fn date_outside_the_monitoring_period() {
    check_rejected("period.csv", &csv(&["P1,2024-12-31,Inga edulis,12.5,8.0,1.25,-47.5,-24.5"]), None, &[
        "period.csv, row 1, column `date`, value `2024-12-31`: date is outside the monitoring period 2025-01-01..2025-12-31",
    ]);
}

#[test]
fn wrong_crs() {
    // UTM metres in lon/lat columns (the user forgot --crs).
    check_rejected("utm.csv", &csv(&["P1,2025-03-01,Inga edulis,12.5,8.0,1.25,500000,7400000"]), None, &[
        "utm.csv, row 1, column `lon`, value `500000`: longitude must be within -180..180 degrees (are the coordinates in another CRS? pass --crs)",
        "utm.csv, row 1, column `lat`, value `7400000`: latitude must be within -90..90 degrees (are the coordinates in another CRS? pass --crs)",
    ]);
    // x/y without a CRS.
    let text = "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,x,y\nP1,2025-03-01,Inga edulis,12.5,8.0,1.25,500000,7400000\n";
    check_rejected(
        "xy.csv",
        text.as_bytes(),
        None,
        &["xy.csv: columns x/y hold projected coordinates: give their CRS (--crs EPSG:NNNN)"],
    );
    // x/y declared in a geographic CRS although they are metres.
    check_rejected("xy4326.csv", text.as_bytes(), Some("EPSG:4326"), &[
        "xy4326.csv, row 1, column `x`, value `500000`: longitude must be within -180..180 degrees (are the coordinates in another CRS? pass --crs)",
    ]);
}

#[test]
fn truncated_file() {
    let mut bytes = csv(&[GOOD]);
    bytes.extend_from_slice(b"P2,2025-03-01,Inga ed");
    check_rejected("cut.csv", &bytes, None, &[
        "cut.csv, row 2: has 3 field(s) but the header has 8 (is the file cut short, or the delimiter not comma throughout?)",
    ]);
}

#[test]
fn zero_rows_and_empty_file() {
    check_rejected(
        "header-only.csv",
        &csv(&[]),
        None,
        &["header-only.csv: the file has no measurement rows"],
    );
    check_rejected(
        "empty.csv",
        b"",
        None,
        &["empty.csv: the file is empty (no header row)"],
    );
}

#[test]
fn duplicate_ids() {
    check_rejected("dup.csv", &csv(&[GOOD, "P2,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.5", "P1,2025-04-01,Inga edulis,13,8.0,1.25,-47.6,-24.5"]), None, &[
        "dup.csv, row 3, column `plot_id`, value `P1`: duplicate plot_id: the same id is already used in row 1",
    ]);
}

#[test]
fn malformed_geojson() {
    check_rejected("bad.geojson", b"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\n\"properties\":{\"plot_id\":\"P1\"}", None, &[
        "bad.geojson: not a valid GeoJSON FeatureCollection: EOF while parsing an object at line 2 column 29",
    ]);
}

#[test]
fn every_problem_is_counted_but_the_list_is_capped() {
    let rows: Vec<String> = (0..500)
        .map(|i| format!("P{i},2025-03-01,Inga edulis,NaN,8.0,1.25,-47.5,-24.5"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let mut fx = fixture();
    let path = fx.write("many.csv", &csv(&rows));
    let err = fx.import(&path, None, &[]).unwrap_err();
    let report = err.report().unwrap();
    assert_eq!(report.total, 500);
    assert_eq!(report.problems.len(), 200);
}

#[test]
fn bad_arguments_are_invalid_input() {
    let mut fx = fixture();
    let path = fx.write("ok.csv", &csv(&[GOOD]));
    let err = fx.import(&path, Some("EPSG:999999"), &[]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let err = fx.import(&path, None, &[("DBH", "diameter")]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ImportRejected);
    assert!(
        err.report().unwrap().problems.iter().any(|p| p
            .rule
            .contains("`diameter` is not a field of methodology arr-tree-plots")),
        "{:?}",
        err.report()
    );
    let err = fx
        .import(&fx.write("x.xlsx", b"PK"), None, &[])
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown file type `.xlsx`"),
        "{err}"
    );
    assert_eq!(fx.stored_rows(), 0);
}

#[test]
fn csv_with_bom_semicolons_quotes_mapping_and_extras() {
    let mut fx = fixture();
    let text = "\u{feff}Plot;Date;Species;DBH;height_m;claimed_tco2e;lon;lat;notes\n\
                \"P1\";2025-03-01;\"Inga edulis\";12.5;8;1.5;-47.5;-24.5;\"fenced; grazing nearby\"\n\
                P2;2025-03-02;\"Cedrela \"\"fissilis\"\"\";20;11;2.5;-47.4;-24.4;\n";
    let path = fx.write("field.csv", text.as_bytes());
    let batch = fx
        .import(&path, None, &[("Plot", "plot_id"), ("DBH", "dbh_cm")])
        .unwrap();
    assert_eq!(batch.row_count, 2);
    assert_eq!(batch.claimed_tco2e_total, 4.0);
    assert_eq!(
        batch.columns,
        [
            "plot_id",
            "date",
            "species",
            "dbh_cm",
            "height_m",
            "claimed_tco2e",
            "notes"
        ]
    );
    let page = fx.mrv.batch_rows(&fx.session, batch.id, 0, 10).unwrap();
    assert_eq!(
        page.rows[0].values,
        [
            "P1",
            "2025-03-01",
            "Inga edulis",
            "12.5",
            "8",
            "1.5",
            "fenced; grazing nearby"
        ]
    );
    assert_eq!(page.rows[1].values[2], "Cedrela \"fissilis\"");
    assert_eq!((page.rows[1].lon, page.rows[1].lat), (-47.4, -24.4));
    // The source is stored content-addressed and byte-identical.
    let stored = fx
        .mrv
        .root()
        .join("files/sha256")
        .join(&batch.source_sha256[..2])
        .join(&batch.source_sha256);
    assert_eq!(std::fs::read(stored).unwrap(), text.as_bytes());
}

#[test]
fn projected_xy_are_transformed_with_gdal() {
    let mut fx = fixture();
    let text = "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,x,y\nP1,2025-03-01,Inga edulis,12.5,8.0,1.25,500000,7400000\n";
    let batch = fx
        .import(
            &fx.write("utm.csv", text.as_bytes()),
            Some("EPSG:32723"),
            &[],
        )
        .unwrap();
    assert_eq!(batch.source_crs, "EPSG:32723");
    let row = &fx.mrv.batch_rows(&fx.session, batch.id, 0, 1).unwrap().rows[0];
    assert!(
        (row.lon - -45.0).abs() < 1e-9 && (row.lat - -23.510195).abs() < 1e-6,
        "{} {}",
        row.lon,
        row.lat
    );
}

#[test]
fn geojson_points_and_plot_polygons() {
    let mut fx = fixture();
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"plot_id":"P1","date":"2025-03-01","species":"Inga edulis","dbh_cm":12.5,"height_m":8,"claimed_tco2e":1.5,"crew":"A"},"geometry":{"type":"Point","coordinates":[-47.5,-24.5]}},
      {"type":"Feature","properties":{"plot_id":"P2","date":"2025-03-02","species":"Inga edulis","dbh_cm":20,"height_m":11,"claimed_tco2e":2.5},"geometry":{"type":"Polygon","coordinates":[[[-47.6,-24.6],[-47.4,-24.6],[-47.4,-24.4],[-47.6,-24.4],[-47.6,-24.6]]]}}]}"#;
    let batch = fx
        .import(&fx.write("plots.geojson", text.as_bytes()), None, &[])
        .unwrap();
    assert_eq!(batch.row_count, 2);
    assert_eq!(batch.columns.last().unwrap(), "crew");
    let page = fx.mrv.batch_rows(&fx.session, batch.id, 0, 10).unwrap();
    assert_eq!(
        page.rows[0].values,
        ["P1", "2025-03-01", "Inga edulis", "12.5", "8", "1.5", "A"]
    );
    assert!(page.rows[1].has_geometry);
    // The area centroid on a projected (UTM) copy: for this 22 km square, drawn in lon/lat,
    // within a metre of its lon/lat mid-point (docs/stamp-spec.md §2.1).
    assert!((page.rows[1].lon - -47.5).abs() < 1e-5 && (page.rows[1].lat - -24.5).abs() < 1e-5);
}

#[test]
fn identical_file_is_refused_with_a_pointer_to_the_batch() {
    let mut fx = fixture();
    let path = fx.write("ok.csv", &csv(&[GOOD]));
    let first = fx.import(&path, None, &[]).unwrap();
    let copy = fx.write("renamed-copy.csv", &csv(&[GOOD]));
    match fx.import(&copy, None, &[]) {
        Err(AppError::DuplicateImport { existing_batch, .. }) => {
            assert_eq!(existing_batch, first.id)
        }
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
    assert_eq!(fx.stored_rows(), 1);
}

/// An import is two commits, the batch then its enrichment. Killed between them (or bulk-loaded
/// with `import_only`), the batch stays `imported`; importing the same file again enriches that
/// batch and returns it instead of refusing it as a duplicate — the interrupted command run
/// again finishes it. Once enriched, the file is a duplicate again. (Found by the crash
/// programme, crates/mrv-auditlog/tests/crash_programme.rs.)
#[test]
fn importing_a_file_whose_batch_was_never_enriched_enriches_that_batch() {
    let mut fx = fixture();
    let path = fx.write("ok.csv", &csv(&[GOOD]));
    let request = ImportRequest {
        file: path.clone(),
        project_id: fx.project,
        period: PERIOD.into(),
        crs: None,
        mapping: vec![],
    };
    let first = fx
        .mrv
        .import_only(&fx.session, &request, &mut |_| Progress::Continue)
        .unwrap();
    assert_eq!(first.state, "imported");
    let again = fx.import(&path, None, &[]).unwrap();
    assert_eq!((again.id, again.state.as_str()), (first.id, "enriched"));
    assert_eq!(fx.stored_rows(), 1);
    match fx.import(&path, None, &[]) {
        Err(AppError::DuplicateImport { existing_batch, .. }) => {
            assert_eq!(existing_batch, first.id)
        }
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
}

#[test]
fn cancelling_writes_nothing() {
    let mut fx = fixture();
    let rows: Vec<String> = (0..40_000)
        .map(|i| format!("P{i},2025-03-01,Inga edulis,12.5,8.0,0.5,-47.5,-24.5"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let path = fx.write("big.csv", &csv(&rows));
    let request = ImportRequest {
        file: path,
        project_id: fx.project,
        period: PERIOD.into(),
        crs: None,
        mapping: vec![],
    };
    let mut calls = 0;
    let err = fx.mrv.import(&fx.session, &request, &mut |p| {
        calls += 1;
        if p.rows >= 16_384 {
            Progress::Cancel
        } else {
            Progress::Continue
        }
    });
    assert_eq!(err.unwrap_err().code(), ErrorCode::Cancelled);
    assert!(calls >= 1);
    assert_eq!(fx.stored_rows(), 0);
    assert!(fx.mrv.list_batches(&fx.session, None).unwrap().is_empty());
}

#[test]
fn problems_found_while_reading_and_while_writing_are_reported_in_row_order() {
    // Rows travel in chunks of 4096 from the reader thread to the writer: a duplicate found by
    // the writer in one chunk and a bad value found by the reader in a later one still come out
    // in row order, with both counted.
    let rows: Vec<String> = (0..9000)
        .map(|i| match i {
            4499 => "P0,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.5".to_owned(),
            8999 => "P8999,2025-03-01,Inga edulis,NaN,8.0,1.25,-47.5,-24.5".to_owned(),
            _ => format!("P{i},2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.5"),
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    check_rejected(
        "late.csv",
        &csv(&rows),
        None,
        &[
            "late.csv, row 4500, column `plot_id`, value `P0`: duplicate plot_id: the same id is already used in row 1",
            "late.csv, row 9000, column `dbh_cm`, value `NaN`: must be a finite number (NaN and infinity are not measurements)",
        ],
    );
}

#[test]
fn cancelling_while_the_reader_is_far_ahead_does_not_hang() {
    // The writer cancels at its first progress call while the reader has filled the channel
    // and is blocked sending: the import must still end, promptly, with nothing written.
    let fx = fixture();
    let rows: Vec<String> = (0..200_000)
        .map(|i| format!("P{i},2025-03-01,Inga edulis,12.5,8.0,0.5,-47.5,-24.5"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let path = fx.write("big.csv", &csv(&rows));
    let request = ImportRequest {
        file: path,
        project_id: fx.project,
        period: PERIOD.into(),
        crs: None,
        mapping: vec![],
    };
    // Run on another thread so that a deadlock fails the test instead of hanging it.
    let root = fx.mrv.root().to_owned();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut mrv = Mrv::open(&root).unwrap();
        let session = mrv.sign_in("ana", PASSWORD).unwrap();
        for _ in 0..5 {
            let err = mrv.import(&session, &request, &mut |_| {
                // Let the reader run ahead and fill the channel before answering.
                std::thread::sleep(std::time::Duration::from_millis(200));
                Progress::Cancel
            });
            done_tx.send(err.unwrap_err().code()).unwrap();
        }
    });
    for _ in 0..5 {
        let code = done_rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("a cancelled import hung");
        assert_eq!(code, ErrorCode::Cancelled);
    }
    assert_eq!(fx.stored_rows(), 0);
}

#[test]
fn row_problems_name_the_rows_record_id() {
    let mut fx = fixture();
    let path = fx.write(
        "ids.csv",
        &csv(&[
            GOOD,
            "P2,2025-03-01,Inga edulis,12.5,120,1.25,-47.5,-24.5",
            ",2025-03-01,Inga edulis,12,5,x,-47.5,-24.5",
        ]),
    );
    let err = fx.import(&path, None, &[]).err().unwrap();
    let problems = &err.report().unwrap().problems;
    let ids: Vec<(Option<u64>, Option<&str>)> = problems
        .iter()
        .map(|p| (p.row, p.record_id.as_deref()))
        .collect();
    assert_eq!(ids[0], (Some(2), Some("P2")));
    // Row 3 has no id: its problems (the id and the claim) name none.
    assert!(ids.len() >= 3, "{ids:?}");
    assert!(
        ids[1..]
            .iter()
            .all(|&(row, id)| row == Some(3) && id.is_none()),
        "{ids:?}"
    );
}
