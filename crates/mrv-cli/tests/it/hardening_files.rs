//! Files and text at the edges of the `mrv` binary: output files never written through a
//! planted link nor over an existing file unless asked, input paths named for what they really
//! are, CSV files that are cut short or far too long refused with their place, very wide files,
//! names that only look alike, text output that data cannot forge, the README's own `samples`
//! command, and a workspace opened (`mrv status`) while another process imports into it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const HEADER: &str = "plot_id,date,species,dbh_cm,height_m,claimed_tco2e,lon,lat";
const PERIOD: &str = "2025-01-01..2025-12-31";

fn mrv_command(ws: &Path, user: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mrv"));
    cmd.arg("--workspace")
        .arg(ws)
        .env_remove("MRV_USER")
        .env("MRV_PASSWORD", "demo-password")
        .env("MRV_NEW_PASSWORD", "a-new-users-password")
        .args(["--as", user]);
    cmd
}

fn mrv_as(ws: &Path, user: &str, args: &[&str]) -> Output {
    mrv_command(ws, user).args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        stderr(&out)
    );
    out
}

fn json(out: Output) -> serde_json::Value {
    let out = ok(out);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn demo(dir: &Path) -> PathBuf {
    let ws = dir.join("ws");
    ok(Command::new(env!("CARGO_BIN_EXE_mrv"))
        .arg("--workspace")
        .arg(&ws)
        .args(["init", "--demo"])
        .output()
        .unwrap());
    ws
}

fn import(ws: &Path, file: &Path) -> Output {
    mrv_as(
        ws,
        "ana",
        &[
            "import",
            file.to_str().unwrap(),
            "--project",
            "1",
            "--period",
            PERIOD,
            "--no-enrich",
        ],
    )
}

/// Approves the demo batch as `vera`, justifying every high flag.
fn approve_demo(ws: &Path) {
    ok(mrv_as(ws, "vera", &["review", "start", "1"]));
    let flags = json(mrv_as(ws, "vera", &["--json", "flags", "1"]));
    let mut args: Vec<String> = vec!["review".into(), "approve".into(), "1".into()];
    for f in flags.as_array().unwrap() {
        if f["severity"] == "high" || f["material"] == true {
            args.push("--justify".into());
            args.push(format!("{}=checked on site", f["flag_id"]));
        }
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(mrv_as(ws, "vera", &refs));
}

#[test]
fn the_readmes_samples_command_lists_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    // README: `mrv -w ws --as vera --json samples 1`, with the default --limit.
    let rows = json(mrv_as(&ws, "vera", &["--json", "samples", "1"]));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 240);
    assert_eq!(rows[0]["id"], "SDM-0001");
    assert_eq!(rows[239]["row"], 240);
    assert_eq!(rows[0]["samples"].as_object().unwrap().len(), 3);
    // Extreme pages stay inside the batch; negative ones are usage errors.
    let page = |offset: &str, limit: &str| {
        let out = mrv_as(
            &ws,
            "vera",
            &[
                "--json", "samples", "1", "--offset", offset, "--limit", limit,
            ],
        );
        json(out).as_array().unwrap().len()
    };
    assert_eq!(page("239", &i64::MAX.to_string()), 1);
    assert_eq!(page(&i64::MAX.to_string(), &i64::MAX.to_string()), 0);
    let out = mrv_as(&ws, "vera", &["samples", "1", "--limit=-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let shown = json(mrv_as(
        &ws,
        "vera",
        &[
            "--json",
            "batch",
            "show",
            "1",
            "--rows",
            "--offset",
            "238",
            "--limit",
            &i64::MAX.to_string(),
        ],
    ));
    assert_eq!(shown["rows"]["rows"].as_array().unwrap().len(), 2);
}

#[test]
#[cfg(unix)]
fn output_files_are_never_written_through_links_nor_over_files_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    approve_demo(&ws);
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();

    // stamp export: a link at one of its names refuses the whole export, forced or not.
    let export = dir.path().join("export");
    std::fs::create_dir(&export).unwrap();
    std::os::unix::fs::symlink(&victim, export.join("stamp.sig")).unwrap();
    for force in [false, true] {
        let mut args = vec!["stamp", "export", "1", "-o", export.to_str().unwrap()];
        if force {
            args.push("--force");
        }
        let out = mrv_as(&ws, "vera", &args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("is a symbolic link"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(!export.join("stamp.json").exists(), "nothing half-written");
    std::fs::remove_file(export.join("stamp.sig")).unwrap();

    // An existing export is kept unless --force.
    ok(mrv_as(
        &ws,
        "vera",
        &["stamp", "export", "1", "-o", export.to_str().unwrap()],
    ));
    std::fs::write(export.join("stamp.sig"), "edited").unwrap();
    let out = mrv_as(
        &ws,
        "vera",
        &["stamp", "export", "1", "-o", export.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(export.join("stamp.sig")).unwrap(),
        "edited"
    );
    ok(mrv_as(
        &ws,
        "vera",
        &[
            "stamp",
            "export",
            "1",
            "-o",
            export.to_str().unwrap(),
            "--force",
        ],
    ));
    assert_ne!(
        std::fs::read_to_string(export.join("stamp.sig")).unwrap(),
        "edited"
    );
    let leftovers: Vec<String> = std::fs::read_dir(&export)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // prove-row and overlay: the same at their output name.
    let proof = dir.path().join("row-9.json");
    std::os::unix::fs::symlink(&victim, &proof).unwrap();
    let out = mrv_as(
        &ws,
        "vera",
        &[
            "prove-row",
            "1",
            "9",
            "-o",
            proof.to_str().unwrap(),
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let png = dir.path().join("ndvi.png");
    std::os::unix::fs::symlink(&victim, &png).unwrap();
    let overlay = [
        "overlay",
        "1",
        "--lonlat",
        "--bbox=-48.2,-24.5,-47.6,-24.0",
        "--size",
        "40x30",
        "-o",
        png.to_str().unwrap(),
    ];
    let out = mrv_as(&ws, "vera", &overlay);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(std::fs::symlink_metadata(&png)
        .unwrap()
        .file_type()
        .is_symlink());
    // A dangling link must not create the file it points at.
    let dangling = dir.path().join("dangling.json");
    let target = dir.path().join("created-through-the-link");
    std::os::unix::fs::symlink(&target, &dangling).unwrap();
    let out = mrv_as(
        &ws,
        "vera",
        &["prove-row", "1", "9", "-o", dangling.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!target.exists());
    // A regular file at the name: refused, then replaced with --force.
    let existing = dir.path().join("existing.json");
    std::fs::write(&existing, "mine").unwrap();
    let out = mrv_as(
        &ws,
        "vera",
        &["prove-row", "1", "9", "-o", existing.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "mine");
    ok(mrv_as(
        &ws,
        "vera",
        &[
            "prove-row",
            "1",
            "9",
            "-o",
            existing.to_str().unwrap(),
            "--force",
        ],
    ));
    assert!(std::fs::read_to_string(&existing)
        .unwrap()
        .contains("\"row\""));
}

#[cfg(unix)]
/// Runs `cmd` to its end (exit code, stderr), failing the test if it takes a minute: what a
/// command blocked on a FIFO would do forever.
fn finishes(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the command blocked");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (status.code(), err)
}

#[test]
#[cfg(unix)]
fn a_directory_or_a_fifo_is_named_for_what_it_is_and_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let folder = dir.path().join("folder.csv");
    std::fs::create_dir(&folder).unwrap();
    let out = import(&ws, &folder);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    let fifo = dir.path().join("pipe.csv");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // Nobody ever writes to the pipe: a command that opened it blocking would never end.
    let mut import = mrv_command(&ws, "ana");
    import.args([
        "import",
        fifo.to_str().unwrap(),
        "--project",
        "1",
        "--period",
        PERIOD,
    ]);
    let (code, err) = finishes(import);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("measurement file") && err.contains("is a FIFO"),
        "{err}"
    );
    let raster = dir.path().join("pipe.tif");
    assert!(Command::new("mkfifo")
        .arg(&raster)
        .status()
        .unwrap()
        .success());
    let mut layer = mrv_command(&ws, "mo");
    layer.args([
        "layer",
        "add",
        raster.to_str().unwrap(),
        "--project",
        "1",
        "--kind",
        "ndvi",
        "--name",
        "piped",
    ]);
    let (code, err) = finishes(layer);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("raster file") && err.contains("is a FIFO"),
        "{err}"
    );
    let boundary = mrv_as(
        &ws,
        "mo",
        &[
            "project",
            "add",
            "--name",
            "Elsewhere",
            "--methodology",
            "arr-tree-plots",
            "--boundary",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(boundary.status.code(), Some(2));
    assert!(
        stderr(&boundary).contains("is a directory"),
        "{}",
        stderr(&boundary)
    );
}

#[test]
fn a_csv_cut_inside_its_last_quoted_field_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let cut = dir.path().join("cut.csv");
    std::fs::write(
        &cut,
        format!("{HEADER}\nP1,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.5\nP2,2025-03-01,\"Inga ed"),
    )
    .unwrap();
    let out = import(&ws, &cut);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("row 2: a quoted value is never closed"),
        "{}",
        stderr(&out)
    );
    // The same file completed is accepted: the refusal is about the cut, not the quotes.
    let whole = dir.path().join("whole.csv");
    std::fs::write(
        &whole,
        format!("{HEADER}\nP1,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.5\nP2,2025-03-01,\"Inga edulis\",12.5,8.0,1.25,-47.5,-24.4"),
    )
    .unwrap();
    ok(import(&ws, &whole));
}

#[test]
fn one_huge_csv_line_is_refused_with_its_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    // A 40 MB value in one line: refused at its field, long before it is all held in memory.
    let huge = dir.path().join("huge.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&huge).unwrap());
    writeln!(f, "{HEADER}").unwrap();
    write!(f, "P1,2025-03-01,").unwrap();
    let chunk = "x".repeat(1 << 20);
    for _ in 0..40 {
        f.write_all(chunk.as_bytes()).unwrap();
    }
    writeln!(f, ",12.5,8.0,1.25,-47.5,-24.5").unwrap();
    drop(f);
    let out = import(&ws, &huge);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("row 1, column `species`: the value is longer than 65536 bytes"),
        "{}",
        stderr(&out)
    );
    // A 40 MB header line of one-byte columns: refused for its width.
    let wide = dir.path().join("wide.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&wide).unwrap());
    for _ in 0..20_000_000 {
        f.write_all(b"a,").unwrap();
    }
    f.write_all(b"a\n").unwrap();
    drop(f);
    let out = import(&ws, &wide);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the header: the record has more than 16384 fields"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn three_thousand_extra_columns_import_with_every_value_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let file = dir.path().join("wide.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
    write!(f, "{HEADER}").unwrap();
    for c in 0..3_000 {
        write!(f, ",extra_{c}").unwrap();
    }
    writeln!(f).unwrap();
    for r in 0..3_000 {
        write!(
            f,
            "W{r},2025-03-01,Inga edulis,12.5,8.0,1.25,-47.{:04},-24.2",
            r
        )
        .unwrap();
        for c in 0..3_000 {
            write!(f, ",{}", r * 10_000 + c).unwrap();
        }
        writeln!(f).unwrap();
    }
    drop(f);
    let batch = json(mrv_as(
        &ws,
        "ana",
        &[
            "--json",
            "import",
            file.to_str().unwrap(),
            "--project",
            "1",
            "--period",
            PERIOD,
            "--no-enrich",
        ],
    ));
    assert_eq!(batch["row_count"], 3_000);
    let id = batch["id"].to_string();
    let shown = json(mrv_as(
        &ws,
        "ana",
        &[
            "--json", "batch", "show", &id, "--rows", "--offset", "2999", "--limit", "1",
        ],
    ));
    let columns = shown["rows"]["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 6 + 3_000);
    assert_eq!(columns.last().unwrap(), "extra_2999");
    let values = shown["rows"]["rows"][0]["values"].as_array().unwrap();
    assert_eq!(values[6], "29990000");
    assert_eq!(values.last().unwrap(), "29992999");
}

#[test]
fn names_that_only_look_alike_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    for name in ["ana\u{200B}", "\u{FEFF}ana", "an\u{202E}a"] {
        let out = mrv_as(&ws, "tess", &["user", "add", name, "--role", "analyst"]);
        assert_eq!(out.status.code(), Some(2), "{name:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("invisible character"),
            "{}",
            stderr(&out)
        );
    }
    let boundary = ws.join("demo/boundary.geojson");
    let out = mrv_as(
        &ws,
        "mo",
        &[
            "project",
            "add",
            "--name",
            "Serra do Mar ARR restoration\u{2060}",
            "--methodology",
            "arr-tree-plots",
            "--boundary",
            boundary.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // Record ids too: `P1` and `P1` + zero-width space would be two rows that look one.
    let ids = dir.path().join("ids.csv");
    std::fs::write(
        &ids,
        format!("{HEADER}\nP1,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.5\nP1\u{200B},2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.4\n"),
    )
    .unwrap();
    let out = import(&ws, &ids);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "row 2, column `plot_id`, value `P1\\u{200b}`: the id contains an invisible character"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn text_output_cannot_be_forged_by_data() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    // A file name that would print a fake approved batch on a line of its own.
    let forged = dir
        .path()
        .join("plots\n   9        1  2025-01-01..2025-12-31 approved         1  x.csv");
    std::fs::write(
        &forged,
        format!("{HEADER},note\nP1,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.5,\"=HYPERLINK(\"\"http://x\"\")\"\nP2,2025-03-01,Inga edulis,12.5,8.0,1.25,-47.5,-24.4,\"\u{1b}[2Jcleared\"\n"),
    )
    .unwrap();
    ok(import(&ws, &forged));
    let out = ok(mrv_as(&ws, "ana", &["batch", "list"]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "header and two batches:\n{text}");
    assert!(text.contains("plots\\n   9"), "{text}");
    let out = ok(mrv_as(&ws, "ana", &["batch", "show", "2", "--rows"]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("\\u{1b}[2Jcleared"), "{text}");
    assert!(text.contains("\t'=HYPERLINK("), "{text}");
    // Error messages and problem reports, too.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("{HEADER}\nP1,2025-03-01,Inga edulis,\"1\nerror: forged\",8.0,1.25,-47.5,-24.5\n"),
    )
    .unwrap();
    let out = import(&ws, &bad);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        !stderr(&out).lines().any(|l| l.starts_with("error: forged")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn opening_the_workspace_during_an_import_does_not_break_it() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let big = dir.path().join("big.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    writeln!(f, "{HEADER}").unwrap();
    for i in 0..200_000 {
        writeln!(
            f,
            "B{i:07},2025-03-01,Inga edulis,12.5,8.0,0.75,-47.{:06},-24.2",
            i % 999_999
        )
        .unwrap();
    }
    drop(f);
    let mut child = mrv_command(&ws, "ana")
        .args([
            "import",
            big.to_str().unwrap(),
            "--project",
            "1",
            "--period",
            PERIOD,
            "--no-enrich",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // What the desktop does on every command: open the workspace, again and again.
    let mut opened_during_import = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let status = Command::new(env!("CARGO_BIN_EXE_mrv"))
            .arg("--workspace")
            .arg(&ws)
            .arg("status")
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", stderr(&status));
        opened_during_import += 1;
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "the import failed: {err}");
    assert!(opened_during_import > 0);
    let batches = json(mrv_as(&ws, "ana", &["--json", "batch", "list"]));
    assert_eq!(batches[1]["row_count"], 200_000);
}

#[test]
fn an_empty_plot_polygon_is_refused_with_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let properties = r#"{"plot_id":"P1","date":"2025-03-01","species":"Inga edulis","dbh_cm":12.5,"height_m":8.0,"claimed_tco2e":1.25}"#;
    for (name, geometry) in [
        ("no-rings.geojson", r#"{"type":"Polygon","coordinates":[]}"#),
        (
            "empty-ring.geojson",
            r#"{"type":"Polygon","coordinates":[[]]}"#,
        ),
        (
            "no-polygons.geojson",
            r#"{"type":"MultiPolygon","coordinates":[]}"#,
        ),
    ] {
        let file = dir.path().join(name);
        std::fs::write(
            &file,
            format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{properties},"geometry":{geometry}}}]}}"#),
        )
        .unwrap();
        let out = import(&ws, &file);
        assert_eq!(out.status.code(), Some(3), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("row 1, column `geometry`: the plot polygon is empty"),
            "{name}: {}",
            stderr(&out)
        );
    }
}

/// The offline verifier opens its inputs (the exported stamp, the source, key files) like the
/// import does: a FIFO is named for what it is and never blocks.
#[test]
#[cfg(unix)]
fn verify_stamp_names_a_fifo_input_and_never_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    approve_demo(&ws);
    let export = dir.path().join("stamp-1");
    ok(mrv_as(
        &ws,
        "vera",
        &["stamp", "export", "1", "-o", export.to_str().unwrap()],
    ));
    let fifo = dir.path().join("source.csv");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let mut verify = Command::new(env!("CARGO_BIN_EXE_mrv"));
    verify.args([
        "verify-stamp",
        export.to_str().unwrap(),
        "--source",
        fifo.to_str().unwrap(),
    ]);
    let (code, err) = finishes(verify);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is a FIFO"), "{err}");
    // A pinned key given as a file that is a FIFO.
    let key = dir.path().join("vera.pub");
    assert!(Command::new("mkfifo").arg(&key).status().unwrap().success());
    let mut verify = Command::new(env!("CARGO_BIN_EXE_mrv"));
    verify.args([
        "verify-stamp",
        export.to_str().unwrap(),
        "--source",
        "nothing.csv",
        "--signer-key",
        key.to_str().unwrap(),
    ]);
    let (code, err) = finishes(verify);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is a FIFO"), "{err}");
}

/// A reader that stops reading (`mrv --json samples 1 2>&1 | head -c 10`) ends the command
/// quietly, as SIGPIPE would, instead of a panic when even the error cannot be written.
#[test]
fn a_closed_output_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let ws = demo(dir.path());
    let mut cmd = mrv_command(&ws, "vera");
    let mut child = cmd
        .args(["--json", "samples", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Both pipes' readers go away before the command (which first signs in) writes anything.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(141), "{status:?}");
}
