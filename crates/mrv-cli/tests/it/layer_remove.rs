//! `mrv layer add` refusing damaged rasters without leaving anything behind, a `layer add`
//! killed mid-enrichment leaving the batches as they were, and `mrv layer remove` — through
//! the real binary on the demo workspace.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn mrv_command(ws: &Path, user: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrv"));
    cmd.arg("--workspace")
        .arg(ws)
        .args(["--as", user])
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", "demo-password");
    cmd
}

fn mrv_as(ws: &Path, user: &str, args: &[&str]) -> std::process::Output {
    mrv_command(ws, user).args(args).output().unwrap()
}

fn ok(out: std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

fn demo(dir: &Path) -> PathBuf {
    let ws = dir.join("ws");
    let out = Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .args(["init", "--demo"])
        .output()
        .unwrap();
    ok(out);
    ws
}

/// Runs one SQL statement through the sqlite3 shell, independent of our code.
fn sqlite3(ws: &Path, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(ws.join("workspace.sqlite"))
        .arg(sql)
        .output()
        .expect("sqlite3 installed");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn layer_names(ws: &Path) -> Vec<String> {
    ok(mrv_as(ws, "ana", &["--json", "layer", "list"]))
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A tiled, DEFLATE-compressed GeoTIFF over the demo area (UTM 23S) of noise (so its tiles
/// are nearly all of the file) whose middle third is overwritten with garbage: its header
/// reads, some of its tiles do not decode.
fn corrupt_geotiff(dir: &Path) -> PathBuf {
    let raw = dir.join("noise.bil");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut bytes = Vec::new();
    for _ in 0..64 * 64 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&((state >> 40) as f32 / 7.0).to_le_bytes());
    }
    std::fs::write(&raw, bytes).unwrap();
    std::fs::write(
        dir.join("noise.hdr"),
        "NROWS 64\nNCOLS 64\nNBANDS 1\nNBITS 32\nPIXELTYPE FLOAT\nBYTEORDER I\nLAYOUT BIL\n",
    )
    .unwrap();
    let tiled = dir.join("damaged.tif");
    assert!(Command::new("gdal_translate")
        .args(["-q", "-a_srs", "EPSG:32723"])
        .args(["-a_ullr", "170000", "7330000", "230000", "7310000"])
        .args(["-co", "TILED=YES", "-co", "BLOCKXSIZE=16"])
        .args(["-co", "BLOCKYSIZE=16", "-co", "COMPRESS=DEFLATE"])
        .arg(&raw)
        .arg(&tiled)
        .status()
        .expect("gdal_translate (gdal-bin) is installed")
        .success());
    let mut bytes = std::fs::read(&tiled).unwrap();
    let len = bytes.len();
    assert!(len > 15_000, "{len}");
    for b in &mut bytes[len / 3..2 * len / 3] {
        *b = 0xA5;
    }
    std::fs::write(&tiled, bytes).unwrap();
    tiled
}

#[test]
fn a_damaged_raster_is_refused_with_its_reason_and_the_project_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let before = layer_names(&ws);
    let damaged = corrupt_geotiff(dir.path());
    let out = mrv_as(
        &ws,
        "ana",
        &[
            "layer",
            "add",
            damaged.to_str().unwrap(),
            "--project",
            "1",
            "--kind",
            "ndvi",
            "--name",
            "damaged",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("damaged.tif: is damaged: the block at pixel")
            && !stderr.contains("internal error"),
        "{stderr}"
    );
    assert_eq!(layer_names(&ws), before, "nothing registered");
    // The project is not blocked: enrichment and review go on.
    ok(mrv_as(&ws, "ana", &["--json", "enrich", "1"]));
    let batch = ok(mrv_as(&ws, "vera", &["--json", "review", "start", "1"]));
    assert_eq!(batch["state"], "in_review");
}

#[test]
fn layer_remove_drops_its_evidence_and_is_refused_once_a_stamp_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let layers = ok(mrv_as(&ws, "ana", &["--json", "layer", "list"]));
    let id = |name: &str| -> String {
        layers
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap()["id"]
            .to_string()
    };
    let (ndvi, cover) = (id("Sentinel-2 NDVI"), id("ESA WorldCover"));
    let evidence = |layer: &str| {
        sqlite3(
            &ws,
            &format!(
                "SELECT (SELECT COUNT(*) FROM sample_set WHERE layer_id = {layer}) || '/' || (SELECT COUNT(*) FROM flag WHERE layer_id = {layer});"
            ),
        )
    };
    assert!(evidence(&ndvi).starts_with("1/"), "{}", evidence(&ndvi));

    let removed = ok(mrv_as(&ws, "ana", &["--json", "layer", "remove", &ndvi]));
    assert_eq!(removed["name"], "Sentinel-2 NDVI");
    assert!(!layer_names(&ws).contains(&"Sentinel-2 NDVI".to_owned()));
    assert_eq!(evidence(&ndvi), "0/0");
    // The batch is enriched again, without the layer.
    let batch = ok(mrv_as(&ws, "ana", &["--json", "batch", "show", "1"]));
    assert_eq!(batch["state"], "enriched");
    let samples = ok(mrv_as(
        &ws,
        "ana",
        &["--json", "samples", "1", "--limit", "1"],
    ));
    assert!(samples[0]["samples"].get("Sentinel-2 NDVI").is_none());
    assert!(samples[0]["samples"].get("ESA WorldCover").is_some());

    // Approved and stamped: the stamp lists the remaining layers, so none can go.
    ok(mrv_as(&ws, "vera", &["--json", "review", "start", "1"]));
    let flags = ok(mrv_as(&ws, "vera", &["--json", "flags", "1"]));
    let mut args: Vec<String> = ["--json", "review", "approve", "1"]
        .map(String::from)
        .to_vec();
    for f in flags
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "high" || f["material"] == true)
    {
        args.push("--justify".into());
        args.push(format!("{}=checked in the field", f["flag_id"]));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(mrv_as(&ws, "vera", &refs));
    let out = mrv_as(&ws, "ana", &["layer", "remove", &cover]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("cannot be removed: batch 1 has a stamp that lists it"),
        "{stderr}"
    );
    assert!(layer_names(&ws).contains(&"ESA WorldCover".to_owned()));
    let out = mrv_as(&ws, "ana", &["layer", "remove", "999"]);
    assert_eq!(out.status.code(), Some(4));
    // The removal is journaled and the journal still verifies.
    assert_eq!(
        sqlite3(
            &ws,
            "SELECT COUNT(*) FROM journal WHERE action = 'layer.remove';"
        ),
        "1"
    );
    let check = ok(mrv_as(&ws, "vera", &["--json", "journal", "verify"]));
    assert_eq!(check["ok"], true);
}

fn write_plots(path: &Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        f,
        "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat"
    )
    .unwrap();
    for i in 0..rows {
        writeln!(
            f,
            "B-{i:07},2025-03-01,Inga edulis,12.5,8.0,1.25,{:.6},{:.6}",
            -47.95 + (i % 500) as f64 * 0.0008,
            -24.25 + (i / 500 % 400) as f64 * 0.0005
        )
        .unwrap();
    }
}

#[test]
fn a_killed_layer_add_leaves_no_layer_and_the_batches_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let big = dir.path().join("big.csv");
    write_plots(&big, 200_000);
    let batch = ok(mrv_as(
        &ws,
        "ana",
        &[
            "--json",
            "import",
            big.to_str().unwrap(),
            "--project",
            "1",
            "--period",
            "2025-01-01..2025-12-31",
        ],
    ))["id"]
        .to_string();
    let evidence = || {
        sqlite3(
            &ws,
            &format!(
                "SELECT state, (SELECT COUNT(*) FROM sample_set WHERE batch_id = {batch}), (SELECT COUNT(*) FROM flag WHERE batch_id = {batch}), (SELECT COUNT(*) FROM layer) FROM batch WHERE id = {batch};"
            ),
        )
    };
    let before = evidence();
    assert!(before.starts_with("enriched|3|"), "{before}");
    let raster = dir.path().join("canopy.tif");
    assert!(Command::new("gdal_create")
        .args(["-q", "-of", "GTiff", "-outsize", "200", "200", "-bands", "1"])
        .args(["-ot", "Float32", "-a_srs", "EPSG:32723"])
        .args(["-a_ullr", "170000", "7330000", "230000", "7310000"])
        .args(["-burn", "14.5"])
        .arg(&raster)
        .status()
        .unwrap()
        .success());
    for round in 0..2 {
        let mut child = mrv_command(&ws, "ana")
            .args(["layer", "add", raster.to_str().unwrap(), "--project", "1"])
            .args(["--kind", "canopy_height", "--name", "canopy", "--progress"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // Killed while the project's batches are being enriched with the new layer.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for _ in 0..=round {
            let line = lines.next().expect("progress line").unwrap();
            assert!(line.starts_with("progress rows="), "{line}");
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(evidence(), before, "round {round}");
    }
    assert_eq!(sqlite3(&ws, "PRAGMA integrity_check;"), "ok");
}
