//! Benchmark helper: the bare read of a band — the blocks sampling needs, each read once
//! straight from the driver (as the sampler does), on as many threads as the sampler uses —
//! the physical limit of sampling. Without POINTS every block is read; with POINTS ("lon lat"
//! per line, WGS84) the blocks those points fall in, found before the clock starts. Prints the
//! time of the read alone.
//!
//! cargo run --release -p mrv-geo --example read_band -- RASTER [POINTS]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (raster, points) = match args.as_slice() {
        [_, raster] => (raster, None),
        [_, raster, points] => (raster, Some(points)),
        _ => {
            eprintln!("usage: read_band RASTER [POINTS]");
            std::process::exit(2);
        }
    };
    let path = std::path::Path::new(raster);
    let blocks = match points {
        None => None,
        Some(points) => {
            let text = std::fs::read_to_string(points).expect("points file");
            let points: Vec<(f64, f64)> = text
                .lines()
                .filter_map(|l| {
                    let mut it = l.split_whitespace().map(|v| v.parse::<f64>());
                    Some((it.next()?.ok()?, it.next()?.ok()?))
                })
                .collect();
            Some(mrv_geo::blocks_needed(path, 1, &points).expect("locating the points"))
        }
    };
    let start = std::time::Instant::now();
    let pixels = match &blocks {
        None => mrv_geo::read_every_block(path, 1),
        Some(blocks) => mrv_geo::read_blocks_once(path, 1, blocks),
    }
    .expect("read");
    let what = match &blocks {
        None => "every block".to_owned(),
        Some(blocks) => format!("{} blocks the points need", blocks.len()),
    };
    println!(
        "bare read of {what} ({pixels} pixels): {:.3} s",
        start.elapsed().as_secs_f64()
    );
}
