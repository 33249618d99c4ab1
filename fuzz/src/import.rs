//! The importer (`csv_import`, `geojson_import`): file bytes read by `mrv_app::read_measurements`
//! — the reader every import, and the re-reading of a stamped source, runs — under the built-in
//! `arr-tree-plots` profile, the period 2025-01-01..2025-12-31, no column mapping and WGS84
//! coordinates.
//!
//! Checked for every input: reading never fails outside the report and never panics; the report
//! counts at least what it lists and lists at most 200; every valid row keeps the profile's
//! fields first in its values, which are exactly what its id, date and claimed number say
//! (trimmed, the date inside the period), its position is a finite WGS84 point, rows come in
//! source order and none is also named by a problem. For a file without problems (at most
//! [`ROUND_TRIP_MAX`] bytes): its rows are numbered 1..n, and the rows written back out as a plain
//! file of the same format (RFC 4180 CSV with every field quoted; a FeatureCollection of Points
//! and the stored plot polygons, every value a string) read back without problems as the same
//! rows — ids, dates, positions, claimed numbers, geometries and every column's value.
//!
//! Used by the fuzz targets and, through `#[path]`, by `crates/mrv-app/tests/fuzz_regressions.rs`.

use mrv_app::{
    read_measurements, ImportReport, MeasurementSource, MethodologyProfile, MonitoringPeriod,
    SourceFormat,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The profile the files are read under.
pub const PROFILE: &str = "arr-tree-plots";
/// The monitoring period the files are read for.
pub const PERIOD: &str = "2025-01-01..2025-12-31";
/// Files up to this size are written back out and read again when they have no problems (the
/// rewritten CSV quotes every field and doubles its quotes, which must stay under the 64 KiB
/// field limit).
pub const ROUND_TRIP_MAX: usize = 30_000;

fn profile() -> &'static MethodologyProfile {
    static PROFILE_CELL: OnceLock<MethodologyProfile> = OnceLock::new();
    PROFILE_CELL.get_or_init(|| {
        mrv_app::builtin_profiles()
            .into_iter()
            .find(|p| p.id == PROFILE)
            .expect("the built-in profile")
    })
}

/// A valid row as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub row: u64,
    pub record_id: String,
    pub date: String,
    pub lon: f64,
    pub lat: f64,
    pub claimed: f64,
    pub geometry: Option<String>,
    /// The stored values, aligned with the columns (a GeoJSON row stops at its last extra).
    pub values: Vec<String>,
}

/// What a read gave.
#[derive(Debug)]
pub struct Read {
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    pub report: ImportReport,
}

/// Reads `bytes` as an import of the `format` would.
pub fn read(bytes: &[u8], format: SourceFormat) -> Read {
    let name = match format {
        SourceFormat::Csv => "fuzz.csv",
        SourceFormat::GeoJson => "fuzz.geojson",
    };
    let what = MeasurementSource {
        name,
        format,
        mapping: &[],
        crs: None,
    };
    let period = MonitoringPeriod::parse(PERIOD).expect("the period");
    let mut rows = Vec::new();
    let (columns, report) = read_measurements(bytes, &what, profile(), period, &mut |r| {
        let (lon, lat) = r.lon_lat();
        let values: Vec<String> = serde_json::from_str(r.values_json()).unwrap_or_else(|e| {
            panic!(
                "values_json {:?} is not a JSON array of strings: {e}",
                r.values_json()
            )
        });
        rows.push(Row {
            row: r.row(),
            record_id: r.record_id().to_owned(),
            date: r.date().to_owned(),
            lon,
            lat,
            claimed: r.claimed(),
            geometry: r.geometry().map(str::to_owned),
            values,
        });
        Ok(())
    })
    .unwrap_or_else(|e| panic!("reading bytes fails only through the report, not with: {e}"));
    Read {
        columns,
        rows,
        report,
    }
}

/// The `csv_import` target.
pub fn check_csv(bytes: &[u8]) {
    check(bytes, SourceFormat::Csv);
}

/// The `geojson_import` target.
pub fn check_geojson(bytes: &[u8]) {
    check(bytes, SourceFormat::GeoJson);
}

/// Reads `bytes` and checks every property in the module comment; returns the read.
pub fn check(bytes: &[u8], format: SourceFormat) -> Read {
    let read = read(bytes, format);
    check_read(&read, format);
    if read.report.is_empty() {
        assert!(
            !read.rows.is_empty(),
            "no problem reported, so rows were read"
        );
        let numbers: Vec<u64> = read.rows.iter().map(|r| r.row).collect();
        let expected: Vec<u64> = (1..=read.rows.len() as u64).collect();
        assert_eq!(
            numbers, expected,
            "a file without problems has every row valid"
        );
        if bytes.len() <= ROUND_TRIP_MAX {
            round_trip(&read, format);
        }
    }
    read
}

fn check_read(read: &Read, format: SourceFormat) {
    let profile = profile();
    let fields: Vec<&str> = profile.fields.iter().map(|f| f.name.as_str()).collect();
    let report = &read.report;
    assert!(report.problems.len() as u64 <= report.total, "{report:?}");
    assert!(
        report.problems.len() <= 200,
        "the report lists at most 200 problems"
    );
    if !read.columns.is_empty() || format == SourceFormat::GeoJson {
        assert_eq!(
            read.columns.iter().take(fields.len()).collect::<Vec<_>>(),
            fields.iter().collect::<Vec<_>>(),
            "the profile's fields come first"
        );
        let distinct: BTreeSet<&String> = read.columns.iter().collect();
        assert_eq!(
            distinct.len(),
            read.columns.len(),
            "columns {:?}",
            read.columns
        );
    }
    if read.columns.is_empty() {
        assert!(read.rows.is_empty() && !report.is_empty());
    }
    let pos = |name: &str| fields.iter().position(|f| *f == name).unwrap();
    let (id, date, claimed) = (
        pos(&profile.id_field),
        pos(&profile.date_field),
        pos(&profile.claimed_tco2e_field),
    );
    let (start, end) = PERIOD.split_once("..").unwrap();
    let problem_rows: BTreeSet<u64> = report.problems.iter().filter_map(|p| p.row).collect();
    let mut last = 0;
    for r in &read.rows {
        assert!(r.row > last, "rows in source order: {} after {last}", r.row);
        last = r.row;
        assert!(
            !problem_rows.contains(&r.row),
            "row {} is valid and also has a problem: {report:?}",
            r.row
        );
        match format {
            SourceFormat::Csv => assert_eq!(r.values.len(), read.columns.len(), "{r:?}"),
            SourceFormat::GeoJson => assert!(
                (fields.len()..=read.columns.len()).contains(&r.values.len()),
                "{r:?}"
            ),
        }
        for v in &r.values[..fields.len()] {
            assert_eq!(v, v.trim(), "field values are stored trimmed: {r:?}");
        }
        assert!(!r.record_id.is_empty(), "{r:?}");
        assert_eq!(r.values[id], r.record_id);
        assert_eq!(r.values[date], r.date);
        assert!(
            r.date.len() == 10 && start <= r.date.as_str() && r.date.as_str() <= end,
            "date {} inside {PERIOD}",
            r.date
        );
        let claimed_text: f64 = r.values[claimed].parse().expect("a valid claimed number");
        assert_eq!(claimed_text.to_bits(), r.claimed.to_bits(), "{r:?}");
        assert!(
            r.lon.is_finite() && r.lat.is_finite() && r.lon.abs() <= 180.0 && r.lat.abs() <= 90.0,
            "{r:?}"
        );
        match (&r.geometry, format) {
            (None, _) => {}
            (Some(g), SourceFormat::GeoJson) => {
                let g: Value = serde_json::from_str(g).expect("the stored geometry is JSON");
                assert!(
                    matches!(g["type"].as_str(), Some("Polygon" | "MultiPolygon")),
                    "{g}"
                );
            }
            (Some(g), SourceFormat::Csv) => panic!("a CSV row with a geometry: {g}"),
        }
    }
}

/// A row's values by column name, a missing value as empty.
fn by_name(columns: &[String], values: &[String]) -> BTreeMap<String, String> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), values.get(i).cloned().unwrap_or_default()))
        .collect()
}

fn round_trip(read: &Read, format: SourceFormat) {
    let rewritten = match format {
        SourceFormat::Csv => write_csv(read),
        SourceFormat::GeoJson => write_geojson(read),
    };
    let again = self::read(&rewritten, format);
    check_read(&again, format);
    let shown = || String::from_utf8_lossy(&rewritten).into_owned();
    assert!(
        again.report.is_empty(),
        "the rows written back out are refused: {:?}\n{}",
        again.report,
        shown()
    );
    let mut columns = read.columns.clone();
    let mut columns_again = again.columns.clone();
    if format == SourceFormat::GeoJson {
        // Extra properties are numbered in the order they are first seen.
        columns.sort();
        columns_again.sort();
    }
    assert_eq!(columns, columns_again, "{}", shown());
    assert_eq!(read.rows.len(), again.rows.len(), "{}", shown());
    for (a, b) in read.rows.iter().zip(&again.rows) {
        let same = a.record_id == b.record_id
            && a.date == b.date
            && a.lon.to_bits() == b.lon.to_bits()
            && a.lat.to_bits() == b.lat.to_bits()
            && a.claimed.to_bits() == b.claimed.to_bits()
            && a.geometry == b.geometry
            && by_name(&read.columns, &a.values) == by_name(&again.columns, &b.values);
        assert!(
            same,
            "row {} read back differently:\n{a:?}\n{b:?}\n{}",
            a.row,
            shown()
        );
    }
}

/// The rows as a CSV file: the profile's fields, `lon`, `lat`, then the extra columns; every
/// field quoted.
fn write_csv(read: &Read) -> Vec<u8> {
    let n = profile().fields.len();
    let mut out = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let header: Vec<&str> = read.columns[..n]
        .iter()
        .map(String::as_str)
        .chain(["lon", "lat"])
        .chain(read.columns[n..].iter().map(String::as_str))
        .collect();
    out.write_record(&header).unwrap();
    for r in &read.rows {
        let (lon, lat) = (r.lon.to_string(), r.lat.to_string());
        let record: Vec<&str> = r.values[..n]
            .iter()
            .map(String::as_str)
            .chain([lon.as_str(), lat.as_str()])
            .chain(r.values[n..].iter().map(String::as_str))
            .collect();
        out.write_record(&record).unwrap();
    }
    out.into_inner().unwrap()
}

/// The rows as a FeatureCollection: every column a string property, a Point at the row's
/// position or the stored plot polygon.
fn write_geojson(read: &Read) -> Vec<u8> {
    let features: Vec<Value> = read
        .rows
        .iter()
        .map(|r| {
            let properties: Map<String, Value> = by_name(&read.columns, &r.values)
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            let geometry = match &r.geometry {
                Some(g) => serde_json::from_str(g).unwrap(),
                None => json!({"type": "Point", "coordinates": [r.lon, r.lat]}),
            };
            json!({"type": "Feature", "properties": properties, "geometry": geometry})
        })
        .collect();
    serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).unwrap()
}
