//! Benchmark helper: the bare read of a band — every block read once straight from the driver
//! (as the sampler does), on as many threads as the sampler uses — the physical limit of
//! sampling points spread over the whole raster. Prints the time.
//!
//! cargo run --release -p mrv-geo --example read_band -- RASTER

fn main() {
    let raster = std::env::args().nth(1).expect("usage: read_band RASTER");
    let start = std::time::Instant::now();
    let pixels = mrv_geo::read_every_block(std::path::Path::new(&raster), 1).expect("read");
    println!(
        "bare read of {pixels} pixels: {:.3} s",
        start.elapsed().as_secs_f64()
    );
}
