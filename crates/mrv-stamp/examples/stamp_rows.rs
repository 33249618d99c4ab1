//! Benchmark helper for stamping: reads a tree-plot CSV (bench/gen_plots.py) into memory
//! (untimed), then times what stamping a batch costs — normalising and canonicalising every
//! row, hashing each leaf and building the RFC 6962 root — and writes the concatenated
//! canonical leaf bytes to OUT so `openssl dgst -sha256` can hash the same bytes.
//!
//! cargo run --release -p mrv-stamp --example stamp_rows -- PLOTS.csv OUT

use mrv_stamp::rows::{RowInput, RowSchema, RowsTree, ValueKind};
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, csv, out] = args.as_slice() else {
        eprintln!("usage: stamp_rows PLOTS.csv OUT");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(csv).expect("csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let kinds = |name: &str| match name {
        "dbh_cm" | "height_m" | "claimed_tco2e" => ValueKind::Number,
        "date" => ValueKind::Date,
        _ => ValueKind::Text,
    };
    // The stored columns: the profile's fields (lon/lat are the position, not columns).
    let columns: Vec<(String, ValueKind)> = header[..6]
        .iter()
        .map(|n| (n.to_string(), kinds(n)))
        .collect();
    let positions: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r[6].parse().unwrap(), r[7].parse().unwrap()))
        .collect();
    let schema = RowSchema::new(columns);

    let inputs: Vec<RowInput> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| RowInput {
            index: i as u64 + 1,
            id: r[0],
            lon: positions[i].0,
            lat: positions[i].1,
            values: &r[..6],
        })
        .collect();
    let start = std::time::Instant::now();
    let mut tree = RowsTree::new(schema.clone());
    // In pages, as approval reads them from the workspace.
    for page in inputs.chunks(50_000) {
        tree.push_rows(page).expect("row");
    }
    let root = tree.root();
    let elapsed = start.elapsed().as_secs_f64();
    eprintln!("stamp: {elapsed:.3} s for {} rows", tree.count());
    println!("{}", hex_root(&root));

    // The same canonical bytes, for the peer (untimed).
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).expect("out"));
    let mut buffer = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let (lon, lat) = positions[i];
        mrv_stamp::rows::write_leaf(
            &schema,
            &RowInput {
                index: i as u64 + 1,
                id: r[0],
                lon,
                lat,
                values: &r[..6],
            },
            &mut buffer,
        )
        .expect("row");
        file.write_all(&buffer).expect("write");
    }
}

fn hex_root(root: &[u8; 32]) -> String {
    root.iter().map(|b| format!("{b:02x}")).collect()
}
