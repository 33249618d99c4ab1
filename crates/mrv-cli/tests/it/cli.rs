//! The `mrv` binary as a user runs it: JSON output, exit codes, data commands only for a
//! signed-in user with the role for them, and a process killed with SIGKILL in the middle of an
//! import leaving nothing half-written.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

const PERIOD: &str = "2025-01-01..2025-12-31";

/// `mrv --workspace WS --as USER` with the demo password (no user: without `--as`).
fn mrv_command(ws: &Path, user: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrv"));
    cmd.arg("--workspace")
        .arg(ws)
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", "demo-password");
    if let Some(user) = user {
        cmd.args(["--as", user]);
    }
    cmd
}

/// `mrv` run by the demo analyst, `ana`.
fn mrv(ws: &Path, args: &[&str]) -> std::process::Output {
    mrv_command(ws, Some("ana")).args(args).output().unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
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
            "P{i:07},2025-0{}-1{},Inga edulis,{}.5,8.0,0.75,-47.{:06},-24.2",
            1 + i % 9,
            i % 10,
            5 + i % 50,
            i % 999_999
        )
        .unwrap();
    }
}

#[test]
fn demo_workspace_lists_its_batch_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let out = mrv(&ws, &["--json", "init", "--demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let batches = json(&mrv(&ws, &["--json", "batch", "list"]));
    assert_eq!(batches[0]["id"], 1);
    assert_eq!(batches[0]["row_count"], 240);
    let shown = json(&mrv(
        &ws,
        &["--json", "batch", "show", "1", "--rows", "--limit", "2"],
    ));
    assert_eq!(shown["rows"]["rows"][0]["values"][0], "SDM-0001");
    assert_eq!(shown["rows"]["rows"].as_array().unwrap().len(), 2);
    let projects = json(&mrv(&ws, &["--json", "project", "list"]));
    assert_eq!(projects[0]["methodology_id"], "arr-tree-plots");
}

#[test]
fn errors_go_to_stderr_with_a_code_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\nP1,2025-01-01,x,NaN,1,1,-47.8,-24.2\n").unwrap();
    let out = import(&ws, &bad, PERIOD, &["--json"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "import_rejected");
    assert_eq!(err["error"]["report"]["problems"][0]["column"], "dbh_cm");
    assert_eq!(err["error"]["report"]["problems"][0]["row"], 1);
    let out = mrv(&ws, &["batch", "show", "99"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: batch 99 does not exist\n"
    );
    let demo = ws.join("demo/tree-plots-2025.csv");
    let out = import(&ws, &demo, PERIOD, &[]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("as batch 1"));
    let out = import(&ws, &demo, "2025", &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = mrv(&dir.path().join("nowhere"), &["batch", "list"]);
    assert_eq!(out.status.code(), Some(6));
}

#[test]
fn killed_import_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let big = dir.path().join("big.csv");
    write_plots(&big, 300_000);
    for round in 0..3 {
        let mut child = mrv_command(&ws, Some("ana"))
            .args([
                "import",
                big.to_str().unwrap(),
                "--project",
                "1",
                "--period",
                PERIOD,
                "--progress",
            ])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until rows are being written (progress lines appear), then SIGKILL at a
        // different depth each round.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for _ in 0..(1 + round * 4) {
            let line = lines.next().expect("progress line").unwrap();
            assert!(line.starts_with("progress rows="), "{line}");
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let status = json(&mrv(&ws, &["--json", "status"]));
        assert_eq!(
            status["batches"], 1,
            "round {round}: a half-written batch is visible"
        );
        assert_eq!(status["measurements"], 240, "round {round}: stray rows");
        assert_eq!(
            sqlite3(&ws, "SELECT COUNT(*) FROM measurement;"),
            "240",
            "round {round}: stray rows in the table"
        );
    }
    // The workspace is intact and the same file imports cleanly afterwards.
    let out = import(&ws, &big, PERIOD, &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["row_count"], 300_000);
    assert_eq!(sqlite3(&ws, "PRAGMA integrity_check;"), "ok");
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

/// `mrv import FILE --project 1 --period PERIOD` plus `extra` arguments.
fn import(ws: &Path, file: &Path, period: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "import",
        file.to_str().unwrap(),
        "--project",
        "1",
        "--period",
        period,
    ];
    args.extend_from_slice(extra);
    mrv(ws, &args)
}

#[test]
fn layers_are_registered_and_samples_listed_by_layer_name() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let raster = dir.path().join("canopy.tif");
    let status = Command::new("gdal_create")
        .args([
            "-q",
            "-of",
            "GTiff",
            "-outsize",
            "200",
            "200",
            "-bands",
            "1",
            "-ot",
            "Float32",
            "-a_srs",
            "EPSG:32723",
        ])
        .args([
            "-a_ullr", "170000", "7330000", "230000", "7310000", "-burn", "14.5",
        ])
        .arg(&raster)
        .status()
        .expect("gdal_create (gdal-bin) is installed");
    assert!(status.success());
    let out = mrv(
        &ws,
        &[
            "--json",
            "layer",
            "add",
            raster.to_str().unwrap(),
            "--project",
            "1",
            "--kind",
            "canopy_height",
            "--name",
            "canopy",
            "--date",
            "2024-07-01",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["crs_name"], "WGS 84 / UTM zone 23S");
    let samples = json(&mrv(&ws, &["--json", "samples", "1", "--limit", "2"]));
    assert_eq!(samples[0]["id"], "SDM-0001");
    assert_eq!(samples[0]["samples"]["canopy"], 14.5);
    assert_eq!(samples.as_array().unwrap().len(), 2);
    let out = mrv(
        &ws,
        &[
            "layer",
            "add",
            raster.to_str().unwrap(),
            "--project",
            "1",
            "--kind",
            "lidar",
            "--name",
            "x",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    // The demo's three layers, then ours; the refused one is not there.
    let listed = json(&mrv(&ws, &["--json", "layer", "list"]));
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Sentinel-2 NDVI",
            "ESA WorldCover",
            "Hansen forest loss",
            "canopy"
        ]
    );
}

#[test]
fn no_enrich_leaves_the_batch_imported_until_mrv_enrich() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let file = dir.path().join("plots.csv");
    write_plots(&file, 100);
    let out = import(&ws, &file, PERIOD, &["--json", "--no-enrich"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let batch = json(&out)["id"].as_i64().unwrap().to_string();
    assert_eq!(json(&out)["state"], "imported");
    assert_eq!(
        json(&mrv(&ws, &["--json", "flags", &batch]))
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let enriched = json(&mrv(&ws, &["--json", "enrich", &batch]));
    assert_eq!(enriched["state"], "enriched");
    let samples = json(&mrv(&ws, &["--json", "samples", &batch, "--limit", "1"]));
    assert_eq!(
        samples[0]["samples"].as_object().unwrap().len(),
        3,
        "the demo's three layers"
    );
}

#[test]
fn overlay_writes_the_demo_layer_as_png_and_refuses_bad_views() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let png = dir.path().join("ndvi.png");
    let png_arg = png.to_str().unwrap();
    // The demo rasters cover lon -48.1..-47.65, lat -24.4..-24.04.
    let args = [
        "--json",
        "overlay",
        "1",
        "--lonlat",
        "--bbox=-48.2,-24.5,-47.6,-24.0",
        "--size",
        "400x300",
        "-o",
        png_arg,
    ];
    let out = mrv(&ws, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = json(&out);
    assert_eq!(written["width"], 400);
    assert_eq!(written["cached"], false);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(written["bytes"], bytes.len());
    // The same file again: replaced only when asked (--force), then from the cache.
    assert_eq!(mrv(&ws, &args).status.code(), Some(5));
    let again: Vec<&str> = args.iter().copied().chain(["--force"]).collect();
    assert_eq!(json(&mrv(&ws, &again))["cached"], true);

    for (bad, message) in [
        (
            "--bbox=1,2,3",
            "--bbox `1,2,3` is not four numbers separated by commas",
        ),
        (
            "--bbox=3,2,1,4",
            "the extent 3,2,1,4 is not MIN_X,MIN_Y,MAX_X,MAX_Y",
        ),
    ] {
        let other = dir.path().join("bad.png");
        let out = mrv(&ws, &["overlay", "1", bad, "-o", other.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
        assert!(!other.exists(), "nothing is written for a refused view");
    }
    let out = mrv(
        &ws,
        &[
            "overlay",
            "1",
            "--bbox=0,0,1,1",
            "--size",
            "10",
            "-o",
            png_arg,
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--size `10` is not WIDTHxHEIGHT"));
    let out = mrv(&ws, &["overlay", "42", "--bbox=0,0,1,1", "-o", png_arg]);
    assert_eq!(out.status.code(), Some(4), "unknown layer is not found");
}

#[test]
fn enrich_reports_progress_over_its_passes() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let out = mrv(&ws, &["enrich", "1", "--progress"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 240 rows: the positions pass and one pass per demo layer (3).
    let lines: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines,
        [
            "progress rows=240/960",
            "progress rows=480/960",
            "progress rows=720/960",
            "progress rows=960/960"
        ]
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "batch 1 enriched (240 rows)\n"
    );
}

#[test]
fn killed_enrichment_leaves_the_batch_un_enriched() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let big = dir.path().join("big.csv");
    write_plots(&big, 300_000);
    let out = import(&ws, &big, PERIOD, &["--json", "--no-enrich"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let batch = json(&out)["id"].as_i64().unwrap().to_string();
    let counts = |ws: &Path| {
        sqlite3(
            ws,
            &format!(
                "SELECT state, (SELECT COUNT(*) FROM sample_set WHERE batch_id = {batch}), (SELECT COUNT(*) FROM flag WHERE batch_id = {batch}) FROM batch WHERE id = {batch};"
            ),
        )
    };
    assert_eq!(counts(&ws), "imported|0|0");
    for round in 0..2 {
        let mut child = mrv_command(&ws, Some("ana"))
            .args(["enrich", &batch, "--progress"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // Killed after the positions pass, then after the first layer's samples are stored.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for _ in 0..=round {
            let line = lines.next().expect("progress line").unwrap();
            assert!(line.starts_with("progress rows="), "{line}");
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(counts(&ws), "imported|0|0", "round {round}: half-enriched");
    }
    let out = mrv(&ws, &["enrich", &batch]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(counts(&ws).starts_with("enriched|3|"), "{}", counts(&ws));
    assert_eq!(sqlite3(&ws, "PRAGMA integrity_check;"), "ok");
}

#[test]
fn data_commands_need_a_signed_in_user_with_the_role_for_them() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let counts = || {
        sqlite3(&ws, "SELECT (SELECT COUNT(*) FROM project), (SELECT COUNT(*) FROM batch), (SELECT COUNT(*) FROM measurement), (SELECT COUNT(*) FROM journal);")
    };
    let before = counts();
    let plots = dir.path().join("plots.csv");
    write_plots(&plots, 10);
    let boundary = ws.join("demo/boundary.geojson");
    let project_add = [
        "project",
        "add",
        "--name",
        "Second",
        "--methodology",
        "arr-tree-plots",
        "--boundary",
        boundary.to_str().unwrap(),
    ];

    // Without --as: exit 7, and nothing changes (import, project add) or is shown (reads).
    let anonymous = |args: &[&str]| mrv_command(&ws, None).args(args).output().unwrap();
    let import_args = [
        "import",
        plots.to_str().unwrap(),
        "--project",
        "1",
        "--period",
        PERIOD,
    ];
    for args in [
        &import_args[..],
        &project_add[..],
        &["batch", "list"][..],
        &["flags", "1"][..],
        &["enrich", "1"][..],
    ] {
        let out = anonymous(args);
        assert_eq!(out.status.code(), Some(7), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: this command needs a signed-in user: add --as USER (password from MRV_PASSWORD)\n",
            "{args:?}"
        );
    }
    let out = mrv_command(&ws, None)
        .arg("--json")
        .args(import_args)
        .output()
        .unwrap();
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "unauthenticated");
    assert_eq!(counts(), before, "nothing changed");

    // A verifier may not add projects: exit 8 with the reason; nothing added.
    let out = mrv_command(&ws, Some("vera"))
        .args(project_add)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: vera (verifier) may not add projects; that needs the role analyst or methodology_owner\n"
    );
    assert_eq!(counts(), before, "nothing changed");
    // Nor may a methodology owner import.
    let out = mrv_command(&ws, Some("mo"))
        .args(import_args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert_eq!(counts(), before, "nothing changed");

    // What needs no user still works without one.
    for args in [&["status"][..], &["methodology", "list"][..]] {
        assert!(anonymous(args).status.success(), "{args:?}");
    }
    // The methodology owner adds the project.
    let added = mrv_command(&ws, Some("mo"))
        .arg("--json")
        .args(project_add)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert_eq!(json(&added)["name"], "Second");
}

#[test]
fn batch_show_sorts_and_filters_rows_by_flag_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let shown = json(&mrv(
        &ws,
        &[
            "--json",
            "batch",
            "show",
            "1",
            "--rows",
            "--sort",
            "claimed_tco2e:desc",
            "--filter",
            "flag=high",
            "--limit",
            "1000",
        ],
    ));
    let columns = shown["rows"]["columns"].as_array().unwrap();
    let claimed = columns.iter().position(|c| c == "claimed_tco2e").unwrap();
    let rows = shown["rows"]["rows"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.len() < 240, "{}", rows.len());
    assert_eq!(shown["rows"]["total"], rows.len());
    assert_eq!(shown["rows"]["batch_row_count"], 240);
    let claims: Vec<f64> = rows
        .iter()
        .map(|r| {
            assert_eq!(r["worst_flag"], "high");
            r["values"][claimed].as_str().unwrap().parse().unwrap()
        })
        .collect();
    assert!(claims.windows(2).all(|w| w[0] >= w[1]), "{claims:?}");
    // Every high-flagged row of the batch, as the flags list has them.
    let flags = json(&mrv(&ws, &["--json", "flags", "1"]));
    let mut high: Vec<i64> = flags
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "high")
        .map(|f| f["row"].as_i64().unwrap())
        .collect();
    high.dedup();
    let mut got: Vec<i64> = rows.iter().map(|r| r["index"].as_i64().unwrap()).collect();
    got.sort();
    assert_eq!(got, high);
    let text = mrv(
        &ws,
        &[
            "batch",
            "show",
            "1",
            "--rows",
            "--filter",
            "check=outside_boundary",
        ],
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("rows match"), "{text}");
    assert!(text.lines().nth(1).unwrap().ends_with("\thigh"), "{text}");
    let bad = mrv(&ws, &["batch", "show", "1", "--rows", "--filter", "depth"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--filter `depth` has no operator"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn a_rejected_imports_problems_are_written_as_csv_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    let bad = dir.path().join("bad plots.csv");
    std::fs::write(
        &bad,
        "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat\n\
         P1,2025-01-01,x,NaN,1,1,-47.8,-24.2\n\
         =cmd,2025-01-01,x,12,1,abc,-47.8,-24.2\n",
    )
    .unwrap();
    let csv = dir.path().join("bad-problems.csv");
    let csv_arg = csv.to_str().unwrap();
    let out = import(&ws, &bad, PERIOD, &["--problems-csv", csv_arg]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the problem report is in"), "{stderr}");
    let written = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = written.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "File,Row,Record,Column,Value,Problem");
    assert_eq!(lines.len(), 3, "{written}");
    assert!(lines[1].contains(",1,P1,dbh_cm,NaN,"), "{written}");
    // The second row's id would run as a formula in a spreadsheet: it stays text.
    assert!(
        lines[2].contains(",2,'=cmd,claimed_tco2e,abc,"),
        "{written}"
    );
    // An existing report is not overwritten; the import's own error still comes first.
    let again = import(&ws, &bad, PERIOD, &["--problems-csv", csv_arg]);
    assert_eq!(again.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("the problem report was not written") && stderr.contains("already exists"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), written);
}

#[test]
fn basemaps_are_listed_drawn_added_and_removed_and_only_by_who_may() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    assert!(mrv(&ws, &["init", "--demo"]).status.success());
    // The demo's synthetic imagery, as MBTiles.
    let list = json(&mrv(&ws, &["--json", "basemap", "list"]));
    assert_eq!(list[0]["name"], "Demo imagery (synthetic)");
    assert_eq!(list[0]["kind"], "mbtiles");
    let png = dir.path().join("basemap.png");
    let out = mrv_command(&ws, Some("vera"))
        .args([
            "--json",
            "basemap",
            "render",
            "1",
            "--lonlat",
            "--bbox=-47.95,-24.30,-47.80,-24.15",
        ])
        .args(["--size", "300x300", "-o", png.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["width"], 300);
    let image = image::open(&png).unwrap().to_rgba8();
    assert!(
        image.pixels().all(|p| p.0[3] == 255),
        "the view lies inside the imagery"
    );

    // A verifier may look but not add: exit 8, nothing added.
    let tif = dir.path().join("drone.tif");
    assert!(Command::new("gdal_create")
        .args([
            "-q",
            "-outsize",
            "50",
            "40",
            "-bands",
            "3",
            "-ot",
            "Byte",
            "-a_srs",
            "EPSG:4326"
        ])
        .args([
            "-a_ullr", "-47.9", "-24.2", "-47.8", "-24.3", "-burn", "10", "-burn", "20", "-burn",
            "30"
        ])
        .arg(&tif)
        .status()
        .unwrap()
        .success());
    let tif_arg = tif.to_str().unwrap();
    let out = mrv_command(&ws, Some("vera"))
        .args(["basemap", "add", tif_arg, "--name", "Drone"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = mrv(&ws, &["basemap", "add", tif_arg, "--name", "Drone"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "basemap 2 added: Drone (GeoTIFF, 3 bands (RGB), 50 × 40 pixels, WGS 84)\n"
    );
    let text = String::from_utf8_lossy(&mrv(&ws, &["basemap", "list"]).stdout).into_owned();
    assert!(
        text.contains("Drone") && text.contains("-47.90000,-24.30000,-47.80000,-24.20000"),
        "{text}"
    );
    // The same name again is a conflict; a float raster is refused with the reason (exit 2).
    assert_eq!(
        mrv(&ws, &["basemap", "add", tif_arg, "--name", "Drone"])
            .status
            .code(),
        Some(5)
    );
    assert!(mrv(&ws, &["basemap", "remove", "2"]).status.success());
    assert_eq!(
        json(&mrv(&ws, &["--json", "basemap", "list"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let out = mrv(
        &ws,
        &[
            "basemap",
            "render",
            "2",
            "--bbox=0,0,1,1",
            "-o",
            png.to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "a removed basemap is not found");
}
