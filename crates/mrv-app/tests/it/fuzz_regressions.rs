//! The fuzz targets `csv_import` and `geojson_import` on stable: every input kept in
//! `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/` is read by
//! `mrv_app::read_measurements` (the importer's reader) and goes through the target's own
//! checks (`fuzz/src/import.rs`, included below) — including, for a file without problems,
//! writing its rows back out and reading them again — and the inputs that pin a behaviour are
//! checked for it. A crash the fuzzer finds is kept in `fuzz/regressions/<target>/`
//! (docs/fuzzing.md).

#[allow(dead_code)]
#[path = "../../../../fuzz/src/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../../../../fuzz/src/import.rs"]
mod import;

use mrv_app::SourceFormat;
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn csv(name: &str) -> import::Read {
    import::check(&corpus::input(&fuzz_dir(), name), SourceFormat::Csv)
}

fn geojson(name: &str) -> import::Read {
    import::check(&corpus::input(&fuzz_dir(), name), SourceFormat::GeoJson)
}

/// The report as `row column: rule` lines.
fn problems(read: &import::Read) -> Vec<String> {
    read.report
        .problems
        .iter()
        .map(|p| {
            format!(
                "{} {}: {}",
                p.row.map_or("-".into(), |r| r.to_string()),
                p.column.as_deref().unwrap_or("-"),
                p.rule
            )
        })
        .collect()
}

#[test]
fn every_kept_csv_import_input_keeps_the_targets_properties() {
    for (name, bytes) in corpus::inputs(&fuzz_dir(), "csv_import") {
        eprintln!("{name}");
        import::check_csv(&bytes);
    }
}

#[test]
fn every_kept_geojson_import_input_keeps_the_targets_properties() {
    for (name, bytes) in corpus::inputs(&fuzz_dir(), "geojson_import") {
        eprintln!("{name}");
        import::check_geojson(&bytes);
    }
}

#[test]
fn the_clean_csv_seeds_read_whole_and_as_written() {
    let demo = csv("seeds/csv_import/demo-20-rows.csv");
    assert_eq!(demo.rows.len(), 20);
    assert_eq!(demo.columns.last().unwrap(), "crew");
    assert_eq!(demo.rows[0].record_id, "SDM-0001");

    let field = csv("seeds/csv_import/bom-semicolons-quotes-crlf.csv");
    assert!(field.report.is_empty(), "{:?}", problems(&field));
    assert_eq!(
        field.rows[0].values,
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
    assert_eq!(field.rows[1].values[2], "Cedrela \"fissilis\"");

    let edges = csv("seeds/csv_import/tab-edges-quoted-newline.csv");
    assert!(edges.report.is_empty(), "{:?}", problems(&edges));
    assert_eq!(edges.columns.last().unwrap(), "x");
    assert_eq!(
        (
            edges.rows[0].record_id.as_str(),
            edges.rows[0].lon,
            edges.rows[0].lat
        ),
        ("P1", -180.0, -90.0)
    );
    assert_eq!(edges.rows[1].values[2], "multi\nline");
    assert_eq!(edges.rows[1].values.last().unwrap(), "five 5\"3");

    let pipe = csv("seeds/csv_import/pipe-blank-line-exponents.csv");
    assert!(pipe.report.is_empty(), "{:?}", problems(&pipe));
    assert_eq!(pipe.rows[1].values[5], "1.25000000000000000001");
    assert_eq!(pipe.rows[1].claimed, 1.25);
}

#[test]
fn the_csv_seeds_with_problems_name_each_one() {
    let bad = csv("seeds/csv_import/problems-per-row.csv");
    assert!(bad.rows.is_empty());
    assert_eq!(
        problems(&bad),
        [
            "1 dbh_cm: must be a finite number (NaN and infinity are not measurements)",
            "2 height_m: must be a finite number (NaN and infinity are not measurements)",
            "3 date: must be a date written YYYY-MM-DD",
            "3 claimed_tco2e: must be a number (use `.` as decimal separator)",
            "3 lon: longitude must be within -180..180 degrees (are the coordinates in another CRS? pass --crs)",
            "3 lat: latitude must be within -90..90 degrees (are the coordinates in another CRS? pass --crs)",
            "4 date: date is outside the monitoring period 2025-01-01..2025-12-31",
            "4 dbh_cm: above the plausible maximum of 300 cm",
            "5 plot_id: not valid UTF-8 text (bad byte at offset 1); save the file as UTF-8",
            "5 species: not valid UTF-8 text (bad byte at offset 2); save the file as UTF-8",
            "6 -: has 2 field(s) but the header has 8 (is the file cut short, or the delimiter not comma throughout?)",
        ]
    );
    let cut = csv("seeds/csv_import/cut-inside-quote.csv");
    assert_eq!(cut.rows.len(), 1);
    assert_eq!(
        problems(&cut),
        ["2 -: a quoted value is never closed: the file ends inside it (is the file cut short?)"]
    );
    let header = csv("seeds/csv_import/header-problems.csv");
    assert!(header.columns.is_empty());
    assert_eq!(
        problems(&header),
        [
            "- -: required column `dbh_cm` is missing (map a column to it with --map SOURCE=dbh_cm)",
            "- -: columns x/y hold projected coordinates: give their CRS (--crs EPSG:NNNN)",
        ]
    );
    let ids = csv("seeds/csv_import/invisible-and-unnormalised-ids.csv");
    let at: Vec<_> = ids
        .report
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(at, [(Some(1), Some("plot_id")), (Some(2), Some("plot_id"))]);
}

#[test]
fn the_geojson_seeds_read_points_polygons_and_their_problems() {
    let plots = geojson("seeds/geojson_import/points-and-polygon.geojson");
    assert!(plots.report.is_empty(), "{:?}", problems(&plots));
    assert_eq!(plots.rows[0].values.last().unwrap(), "A");
    assert!(plots.rows[0].geometry.is_none() && plots.rows[1].geometry.is_some());

    let shapes = geojson("seeds/geojson_import/multipolygon-hole-crescent.geojson");
    assert!(shapes.report.is_empty(), "{:?}", problems(&shapes));
    assert_eq!(&shapes.columns[6..], ["none", "ok", "tags"]);
    assert_eq!(
        shapes.rows[0].values,
        [
            "M1",
            "2025-06-01",
            "Inga edulis",
            "12.3456789012345678901",
            "1.5e1",
            "0",
            "",
            "true",
            r#"{"k":[1,2]}"#
        ]
    );
    // The crescent's centroid falls in its opening: the plot stands at an inside point.
    let (lon, lat) = (shapes.rows[1].lon, shapes.rows[1].lat);
    assert!(
        (3.0..4.0).contains(&lon) && (1.0..3.0).contains(&lat),
        "{lon} {lat}"
    );

    let bad = geojson("seeds/geojson_import/problems.geojson");
    assert!(bad.rows.is_empty());
    let shown = problems(&bad);
    assert_eq!(shown[0], "1 geometry: the feature has no geometry");
    assert_eq!(shown[1], "2 geometry: the plot polygon is empty: each polygon needs an outer ring of at least 4 positions");
    assert!(shown[2].starts_with("3 geometry: "), "{shown:?}");
    assert_eq!(
        shown[3],
        "4 geometry: a measurement must be a Point or a plot Polygon"
    );
    assert!(
        shown[4].starts_with("5 lon: longitude must be within")
            && shown[5].starts_with("5 lat: latitude must be within")
    );
    assert_eq!(
        shown[6],
        "6 -: each element of `features` must have type `Feature`"
    );
    assert_eq!(shown.len(), 7);

    let cut = geojson("seeds/geojson_import/cut-short.geojson");
    assert_eq!(
        problems(&cut),
        ["- -: not a valid GeoJSON FeatureCollection: EOF while parsing an object at line 2 column 29"]
    );
    let boundary = geojson("seeds/geojson_import/boundary-without-measurements.geojson");
    assert_eq!(boundary.columns.last().unwrap(), "name");
    assert_eq!(boundary.report.total, 6, "{:?}", problems(&boundary));
}

#[test]
fn the_kept_edges_of_the_importer() {
    // 16,385 empty header fields: refused by the CSV guard before the parser buffers them.
    let wide = csv("regressions/csv_import/16384-columns.csv");
    assert!(wide.columns.is_empty());
    assert_eq!(
        problems(&wide),
        ["- -: cannot read the header: the record has more than 16384 fields"]
    );
    // A property nested 200 deep: read without overflowing the stack. Its text is kept only
    // up to serde_json's nesting limit (128); beyond it the extra column holds nothing.
    let deep = geojson("regressions/geojson_import/nested-200-deep.geojson");
    assert!(deep.report.is_empty(), "{:?}", problems(&deep));
    assert_eq!(&deep.columns[6..], ["deep", "shallow"]);
    assert_eq!(deep.rows[0].values[6..], ["", "[[1.0,100.0]]"]);
    // A property spelt twice, and one differing only in case: the exact name, last spelling.
    let twice = geojson("regressions/geojson_import/duplicate-and-cased-properties.geojson");
    assert!(twice.report.is_empty(), "{:?}", problems(&twice));
    assert_eq!(twice.rows[0].values[3..6], ["12.5", "8", "2"]);
    assert_eq!(twice.rows[0].claimed, 2.0);
}
