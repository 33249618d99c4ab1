//! Benchmark helper: samples a raster at the WGS84 points of a file ("lon lat" per line) with
//! `mrv_geo::sample_points` and prints one value per line, as `gdallocationinfo -valonly
//! -wgs84` does (an empty line off the raster, the nodata value on nodata). The time of the
//! sampling alone goes to stderr.
//!
//! cargo run --release -p mrv-geo --example sample_file -- RASTER POINTS

use mrv_geo::Sample;
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, raster, points] = args.as_slice() else {
        eprintln!("usage: sample_file RASTER POINTS");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(points).expect("points file");
    let points: Vec<(f64, f64)> = text
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace().map(|v| v.parse::<f64>());
            Some((it.next()?.ok()?, it.next()?.ok()?))
        })
        .collect();
    let path = std::path::Path::new(raster);
    let nodata = mrv_geo::inspect_raster(path, 1).expect("raster").nodata;
    let start = std::time::Instant::now();
    let samples = mrv_geo::sample_points(path, 1, &points).expect("sampling");
    eprintln!("sample_points: {:.3} s", start.elapsed().as_secs_f64());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for s in samples {
        match s {
            Sample::Value(v) => writeln!(out, "{v}"),
            Sample::NoData => writeln!(out, "{}", nodata.unwrap_or(f64::NAN)),
            Sample::Outside => writeln!(out),
        }
        .expect("stdout");
    }
}
