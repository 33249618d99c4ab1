//! The standing crash programme (issue 13, SOP-007 data safety): the real `mrv` binary is killed
//! with SIGKILL at random points during import, enrichment, layer add, approve/stamp, anchor,
//! export push and backup, on copies of prepared workspaces, against the real audit-log process
//! and the real stand-in registry on 127.0.0.1. After each kill it checks that the database is
//! intact, that the journal verifies, that nothing is half-written, that what the killed process
//! acknowledged is there, and that the command run again succeeds (or says it is already done)
//! and ends in the state of an un-killed run.
//!
//! `MRV_CRASH_POINTS=N` sets the total number of kill points (default 112, 14 per operation),
//! `MRV_CRASH_SEED=S` replays a run's kill delays, `MRV_CRASH_ONLY=push,backup` limits the
//! operations. See docs/crash-programme.md.

use crate::common;

use common::*;
use mrv_app::{Mrv, NewExport, DEMO_PASSWORD};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PERIOD: &str = "2025-01-01..2025-12-31";
const REGISTRY_KEY: &str = "crash-programme-key";
const DEFAULT_POINTS: usize = 112;
/// No child may run longer than this; one that does is a failure (and is killed).
const CHILD_TIMEOUT: Duration = Duration::from_secs(60);
/// Rows of the generated import.
const IMPORT_ROWS: usize = 10_000;

// ---------------------------------------------------------------------------------------------
// Seeded randomness (SplitMix64): the same seed gives the same kill delays.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The `mrv` binary and its children

/// The `mrv` binary, built beside this package's binary (`cargo build -p mrv-cli` first).
fn mrv_bin() -> PathBuf {
    let bin = Path::new(bin()).with_file_name("mrv");
    assert!(
        bin.exists(),
        "{} is missing: build the CLI first (cargo build -p mrv-cli --bins)",
        bin.display()
    );
    bin
}

fn mrv_cmd(ws: &Path, user: &str, args: &[String]) -> Command {
    let mut c = Command::new(mrv_bin());
    c.arg("-w")
        .arg(ws)
        .arg("--json")
        .env("MRV_PASSWORD", DEMO_PASSWORD)
        .env_remove("MRV_USER")
        .env_remove("MRV_WORKSPACE")
        .env_remove("MRV_AUDITLOG_TOKEN")
        .args(["--as", user])
        .args(args)
        .stdin(Stdio::null());
    c
}

/// Waits for `child` until `deadline`; kills it (SIGKILL) when it is still running then.
fn wait_until(child: &mut Child, deadline: Instant) -> Option<std::process::ExitStatus> {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Runs `mrv` to completion (bounded by [`CHILD_TIMEOUT`]).
fn run(ws: &Path, user: &str, args: &[String]) -> Result<Output, String> {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = mrv_cmd(ws, user, args)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let status = wait_until(&mut child, Instant::now() + CHILD_TIMEOUT)
        .ok_or_else(|| format!("mrv {} timed out", args.join(" ")))?;
    Ok(Output {
        status,
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read(&err_path).unwrap(),
    })
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}: {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `mrv` and returns its JSON, or why not.
fn run_ok(ws: &Path, user: &str, args: &[&str]) -> Result<Value, String> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = run(ws, user, &args)?;
    if !out.status.success() {
        return Err(format!("mrv {}: {}", args.join(" "), text(&out)));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("mrv {}: {e}", args.join(" ")))
}

fn must(ws: &Path, user: &str, args: &[&str]) -> Value {
    run_ok(ws, user, args).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Workspaces

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn db(ws: &Path) -> Result<rusqlite::Connection, String> {
    rusqlite::Connection::open(ws.join("workspace.sqlite")).map_err(|e| e.to_string())
}

fn query_text(ws: &Path, sql: &str) -> Result<String, String> {
    let c = db(ws)?;
    let mut stmt = c.prepare(sql).map_err(|e| format!("{sql}: {e}"))?;
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            let mut line = Vec::new();
            for i in 0..n {
                let v: rusqlite::types::Value = r.get(i)?;
                line.push(match v {
                    rusqlite::types::Value::Null => "null".to_owned(),
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Real(f) => f.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    rusqlite::types::Value::Blob(b) => format!("blob:{}", b.len()),
                });
            }
            Ok(line.join(","))
        })
        .map_err(|e| format!("{sql}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{sql}: {e}"))?;
    Ok(rows.join(";"))
}

/// The database file itself, before anything opens the workspace: SQLite's own checks.
fn check_database(ws: &Path) -> Result<(), String> {
    let integrity = query_text(ws, "PRAGMA integrity_check")?;
    if integrity != "ok" {
        return Err(format!("integrity_check: {integrity}"));
    }
    let fk = query_text(ws, "PRAGMA foreign_key_check")?;
    if !fk.is_empty() {
        return Err(format!("foreign_key_check: {fk}"));
    }
    Ok(())
}

/// Nothing half-written: every stored file recorded is on disk whole, every batch has its rows,
/// every layer and stamp its batch's and file's records; no partial file is left in `tmp/` once
/// the workspace has been opened again.
fn check_complete(ws: &Path) -> Result<(), String> {
    let c = db(ws)?;
    let files: Vec<(String, i64)> = c
        .prepare("SELECT sha256, size_bytes FROM stored_file")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (sha, size) in files {
        let path = ws.join("files/sha256").join(&sha[..2]).join(&sha);
        match std::fs::metadata(&path) {
            Ok(m) if m.len() as i64 == size => {}
            Ok(m) => {
                return Err(format!(
                    "stored file {sha} has {} bytes, not {size}",
                    m.len()
                ))
            }
            Err(e) => return Err(format!("stored file {sha} missing: {e}")),
        }
    }
    let short = query_text(
        ws,
        "SELECT b.id, b.row_count, (SELECT count(*) FROM measurement m WHERE m.batch_id = b.id)
         FROM batch b WHERE b.row_count <> (SELECT count(*) FROM measurement m WHERE m.batch_id = b.id)",
    )?;
    if !short.is_empty() {
        return Err(format!(
            "batch without its rows (id, row_count, rows): {short}"
        ));
    }
    let stamps = query_text(
        ws,
        "SELECT s.batch_id, b.state FROM stamp s JOIN batch b ON b.id = s.batch_id WHERE b.state NOT IN ('approved', 'stamped', 'anchored')",
    )?;
    if !stamps.is_empty() {
        return Err(format!("stamp of a batch not approved: {stamps}"));
    }
    let approved = query_text(
        ws,
        "SELECT id FROM batch WHERE state IN ('approved', 'stamped', 'anchored') AND id NOT IN (SELECT batch_id FROM stamp)",
    )?;
    if !approved.is_empty() {
        return Err(format!("approved batch without its stamp: {approved}"));
    }
    let blocks = query_text(
        ws,
        "SELECT DISTINCT i.export_id, e.state FROM inventory_block i JOIN export e ON e.id = i.export_id WHERE e.state <> 'issued'",
    )?;
    if !blocks.is_empty() {
        return Err(format!("inventory block of an export not issued: {blocks}"));
    }
    let issued = query_text(
        ws,
        "SELECT id FROM export WHERE state = 'issued' AND id NOT IN (SELECT export_id FROM inventory_block)",
    )?;
    if !issued.is_empty() {
        return Err(format!("issued export without inventory: {issued}"));
    }
    Ok(())
}

fn check_no_part_files(ws: &Path) -> Result<(), String> {
    let left: Vec<String> = std::fs::read_dir(ws.join("tmp"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".part"))
                .collect()
        })
        .unwrap_or_default();
    if left.is_empty() {
        Ok(())
    } else {
        Err(format!("left in tmp/ after the next open: {left:?}"))
    }
}

fn check_journal(ws: &Path) -> Result<(), String> {
    let v = run_ok(ws, "vera", &["journal", "verify"])?;
    if v["ok"] != true {
        return Err(format!("journal verify: {v}"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The stand-in registry (in this process, on 127.0.0.1:0)

struct Registry {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Registry {
    fn start(dir: &Path) -> Registry {
        let mut config =
            mrv_registry::Config::new(dir.join("registry.sqlite"), REGISTRY_KEY.to_owned());
        config.move_interval = Duration::from_millis(50);
        config.hang = Duration::from_secs(3);
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                tokio::select! {
                    served = mrv_registry::serve(listener, config) => served.unwrap(),
                    _ = stopped => {}
                }
            });
        });
        Registry {
            url: format!("http://{}", rx.recv().unwrap()),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Published unit blocks by their start, and rows waiting in staging.
    fn holdings(&self) -> Result<String, String> {
        let c = mrv_app::registry::CadtClient::with_timeouts(
            &self.url,
            REGISTRY_KEY,
            Duration::from_secs(2),
            Duration::from_secs(5),
        )
        .map_err(|e| e.to_string())?;
        let mut starts: Vec<String> = c
            .units()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|u| u.unit_block_start)
            .collect();
        starts.sort();
        let staged = c.staging().map_err(|e| e.to_string())?.len();
        Ok(format!("units {starts:?} staged {staged}"))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The operations

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Import,
    /// `mrv import` as people run it: the import, then the enrichment.
    ImportEnrich,
    Enrich,
    LayerAdd,
    Approve,
    Anchor,
    Push,
    Backup,
}

const OPS: [Op; 8] = [
    Op::Import,
    Op::ImportEnrich,
    Op::Enrich,
    Op::LayerAdd,
    Op::Approve,
    Op::Anchor,
    Op::Push,
    Op::Backup,
];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Import => "import",
            Op::ImportEnrich => "import+enr",
            Op::Enrich => "enrich",
            Op::LayerAdd => "layer-add",
            Op::Approve => "approve",
            Op::Anchor => "anchor",
            Op::Push => "push",
            Op::Backup => "backup",
        }
    }
}

/// What the harness shares: the log server, the inputs and the prepared base workspaces.
struct Bench {
    dir: tempfile::TempDir,
    log_server: Server,
    csv: PathBuf,
    raster: PathBuf,
    /// Justifications for approving batch 1 (`--justify ID=TEXT`).
    justify: Vec<String>,
    bases: BTreeMap<&'static str, PathBuf>,
}

/// Per kill point: the folder, and for a push the registry it pushes to.
struct Point {
    ws: PathBuf,
    registry: Option<Registry>,
}

impl Bench {
    fn new() -> Bench {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("log")).unwrap();
        let log = LogDir::new(&root.join("log"));
        let server = log.start();

        // A CSV of IMPORT_ROWS plots inside the demo boundary, from the demo's rows.
        let demo = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/tree-plots-2025.csv"),
        )
        .unwrap();
        let mut lines = demo.lines();
        let header = lines.next().unwrap();
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        let mut csv = format!("{header}\n");
        for i in 0..IMPORT_ROWS {
            let r = &rows[i % rows.len()];
            let jitter = (i / rows.len()) as f64 * 0.00002;
            let lon: f64 = r[6].parse::<f64>().unwrap() + jitter;
            let lat: f64 = r[7].parse::<f64>().unwrap() - jitter;
            writeln!(
                csv,
                "CR-{i:05},{},{},{},{},{},{lon:.6},{lat:.6},{}",
                r[1], r[2], r[3], r[4], r[5], r[8]
            )
            .unwrap();
        }
        let csv_path = root.join("crash-plots.csv");
        std::fs::write(&csv_path, csv).unwrap();

        // A raster of its own (the demo NDVI with 4 MiB of trailing bytes GDAL ignores), so the
        // layer add stores a new, sizeable file.
        let mut raster = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo/ndvi-2025-06.tif"),
        )
        .unwrap();
        raster.extend((0..4u32 << 20).map(|i| (i % 251) as u8));
        let raster_path = root.join("crash-ndvi.tif");
        std::fs::write(&raster_path, raster).unwrap();

        let mut bench = Bench {
            dir,
            log_server: server,
            csv: csv_path,
            raster: raster_path,
            justify: Vec::new(),
            bases: BTreeMap::new(),
        };
        bench.prepare_bases(&log);
        bench
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn import_args(&self) -> Vec<String> {
        [
            "import",
            self.csv.to_str().unwrap(),
            "--project",
            "1",
            "--period",
            PERIOD,
            "--no-enrich",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    /// Builds each operation's starting workspace once.
    fn prepare_bases(&mut self, log: &LogDir) {
        let bases = self.root().join("bases");
        // demo: the demo workspace (batch 1 enriched).
        let demo = bases.join("demo");
        drop(Mrv::init(&demo, true).unwrap());
        // big: the demo plus a 10,000-row batch 2, imported only.
        let big = bases.join("big");
        copy_dir(&demo, &big);
        let out = run(&big, "ana", &self.import_args()).unwrap();
        assert!(out.status.success(), "{}", text(&out));
        // enriched: big with batch 2 enriched (what a layer add re-enriches).
        let enriched = bases.join("enriched");
        copy_dir(&big, &enriched);
        must(&enriched, "ana", &["enrich", "2"]);
        // review: the demo with batch 1 under review; the justifications approve needs.
        let review = bases.join("review");
        copy_dir(&demo, &review);
        {
            let mut mrv = Mrv::open(&review).unwrap();
            let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
            mrv.start_review(&vera, 1).unwrap();
            self.justify = mrv_app::justify_everything(&mrv, &vera, 1, "checked in the field")
                .unwrap()
                .into_iter()
                .flat_map(|(id, why)| ["--justify".to_owned(), format!("{id}={why}")])
                .collect();
        }
        // approved: batch 1 approved and stamped, the audit log connected.
        let approved = bases.join("approved");
        copy_dir(&review, &approved);
        {
            let mut mrv = Mrv::open(&approved).unwrap();
            let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
            let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
            let justify = mrv_app::justify_everything(&mrv, &vera, 1, "checked").unwrap();
            mrv.approve(&vera, 1, &justify).unwrap();
            mrv.connect_auditlog(&oscar, &self.log_server.url, &log.vkey, &log.token)
                .unwrap();
        }
        // exported: batch 1 anchored, export 1 created and signed off.
        let exported = bases.join("exported");
        copy_dir(&approved, &exported);
        {
            let mut mrv = Mrv::open(&exported).unwrap();
            let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
            assert_eq!(mrv.anchor_batch(&vera, 1).unwrap().state, "anchored");
            let mo = mrv.sign_in("mo", DEMO_PASSWORD).unwrap();
            mrv.create_export(
                &mo,
                &NewExport {
                    project_id: 1,
                    period: PERIOD.into(),
                    vintage: None,
                    verification_body: Some("Aster Global Environmental Solutions, Inc.".into()),
                    report_date: Some("2026-02-15".into()),
                },
            )
            .unwrap();
            mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap();
        }
        std::fs::write(
            self.root().join("registry.key"),
            format!("{REGISTRY_KEY}\n"),
        )
        .unwrap();
        self.bases.insert("demo", demo);
        self.bases.insert("big", big);
        self.bases.insert("enriched", enriched);
        self.bases.insert("review", review);
        self.bases.insert("approved", approved);
        self.bases.insert("exported", exported);
    }

    fn base(&self, op: Op) -> &Path {
        &self.bases[match op {
            Op::Import | Op::ImportEnrich => "demo",
            Op::Enrich => "big",
            Op::LayerAdd => "enriched",
            Op::Approve => "review",
            Op::Anchor => "approved",
            Op::Push => "exported",
            Op::Backup => "big",
        }]
    }

    /// (user, arguments) of the command the programme kills.
    fn command(&self, op: Op) -> (&'static str, Vec<String>) {
        let s = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        match op {
            Op::Import => ("ana", self.import_args()),
            Op::ImportEnrich => {
                let mut a = self.import_args();
                a.retain(|x| x != "--no-enrich");
                ("ana", a)
            }
            Op::Enrich => ("ana", s(&["enrich", "2"])),
            Op::LayerAdd => (
                "mo",
                s(&[
                    "layer",
                    "add",
                    self.raster.to_str().unwrap(),
                    "--project",
                    "1",
                    "--kind",
                    "ndvi",
                    "--name",
                    "crash-ndvi",
                ]),
            ),
            Op::Approve => {
                let mut a = s(&["review", "approve", "1"]);
                a.extend(self.justify.iter().cloned());
                ("vera", a)
            }
            Op::Anchor => ("vera", s(&["anchor", "1"])),
            Op::Push => ("mo", s(&["export", "push", "1"])),
            Op::Backup => ("oscar", s(&["backup", "run"])),
        }
    }

    /// A fresh copy of the operation's base, set up for one run.
    fn point(&self, op: Op, name: &str) -> Point {
        let dir = self.root().join("points").join(name);
        let ws = dir.join("ws");
        copy_dir(self.base(op), &ws);
        let registry = match op {
            Op::Push => {
                let registry = Registry::start(&dir);
                let key = self.root().join("registry.key");
                must(
                    &ws,
                    "oscar",
                    &[
                        "registry",
                        "connect",
                        &registry.url,
                        "--api-key-file",
                        key.to_str().unwrap(),
                    ],
                );
                Some(registry)
            }
            Op::Backup => {
                let target = dir.join("backups");
                must(
                    &ws,
                    "oscar",
                    &["backup", "target", "set", target.to_str().unwrap()],
                );
                None
            }
            _ => None,
        };
        Point { ws, registry }
    }

    /// What an un-killed run ends with, as text to compare.
    fn fingerprint(&self, op: Op, p: &Point) -> Result<String, String> {
        let ws = &p.ws;
        Ok(match op {
            Op::Import => query_text(
                ws,
                "SELECT id, state, row_count, source_name, (SELECT count(*) FROM measurement m WHERE m.batch_id = b.id) FROM batch b ORDER BY id",
            )?,
            Op::ImportEnrich | Op::Enrich | Op::LayerAdd => query_text(
                ws,
                "SELECT b.id, b.state, (SELECT count(*) FROM sample_set s WHERE s.batch_id = b.id),
                        (SELECT count(*) FROM flag f WHERE f.batch_id = b.id),
                        (SELECT group_concat(name) FROM layer)
                 FROM batch b ORDER BY b.id",
            )?,
            Op::Approve => {
                let stamp = run_ok(ws, "vera", &["stamp", "show", "1"])?;
                format!(
                    "{} stamp rows {} justifications {}",
                    query_text(ws, "SELECT state FROM batch WHERE id = 1")?,
                    stamp["row_count"],
                    query_text(ws, "SELECT count(*) FROM justification")?
                )
            }
            Op::Anchor => query_text(
                ws,
                "SELECT kind, record_id, state, log_index IS NOT NULL, receipt IS NOT NULL FROM anchor WHERE kind = 'stamp' ORDER BY id",
            )?,
            Op::Push => format!(
                "{} blocks {} registry {}",
                query_text(ws, "SELECT state FROM export WHERE id = 1")?,
                query_text(
                    ws,
                    "SELECT unit_block_start, unit_block_end, unit_count FROM inventory_block ORDER BY serial_first"
                )?,
                p.registry.as_ref().unwrap().holdings()?
            ),
            Op::Backup => {
                let drill = run_ok(ws, "oscar", &["backup", "drill"])?;
                format!("drill ok {}, {}", drill["ok"], backup_leftovers(ws)?)
            }
        })
    }

    /// Checks more particular to an operation, right after a kill.
    fn check_after_kill(&self, op: Op, p: &Point) -> Result<(), String> {
        if op == Op::Backup {
            // Every snapshot the target lists is whole: its drill passes.
            let list = run_ok(&p.ws, "oscar", &["backup", "list"])?;
            for s in list.as_array().into_iter().flatten() {
                let id = s["snapshot"].as_str().unwrap_or_default();
                let drill = run_ok(&p.ws, "oscar", &["backup", "drill", id])?;
                if drill["ok"] != true {
                    return Err(format!("snapshot {id} listed but its drill fails: {drill}"));
                }
            }
        }
        if op == Op::Approve {
            let stamped = query_text(&p.ws, "SELECT count(*) FROM stamp WHERE batch_id = 1")?;
            if stamped == "1" {
                let stamp = run_ok(&p.ws, "vera", &["stamp", "show", "1"])?;
                if stamp.to_string().contains("invalid") {
                    return Err(format!("stamp after kill: {stamp}"));
                }
            }
        }
        Ok(())
    }
}

/// What a killed backup run may leave on the target besides whole snapshots: folders without a
/// manifest and partial copies of files. A run after the kill must have cleared them away.
fn backup_leftovers(ws: &Path) -> Result<String, String> {
    let target = ws.with_file_name("backups");
    let listed = run_ok(ws, "oscar", &["backup", "list"])?
        .as_array()
        .map_or(0, Vec::len);
    let mut half = Vec::new();
    for e in std::fs::read_dir(target.join("snapshots")).map_err(|e| e.to_string())? {
        let e = e.map_err(|e| e.to_string())?;
        if !e.path().join("manifest.json").is_file() {
            half.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    let mut partial = Vec::new();
    for prefix in std::fs::read_dir(target.join("files/sha256")).map_err(|e| e.to_string())? {
        for f in std::fs::read_dir(prefix.map_err(|e| e.to_string())?.path())
            .map_err(|e| e.to_string())?
        {
            let name = f.map_err(|e| e.to_string())?.file_name();
            if name.to_string_lossy().ends_with(".tmp") {
                partial.push(name.to_string_lossy().into_owned());
            }
        }
    }
    Ok(if half.is_empty() && partial.is_empty() {
        format!(
            "{} snapshot(s) listed, nothing else on the target",
            listed.min(1)
        )
    } else {
        format!(
            "left on the target: half snapshots or dead locks {half:?}, partial files {partial:?}"
        )
    })
}

/// The exit of a retry that counts as success: done now, or refused because already done
/// (duplicate import, already approved, already issued: exit 5).
fn retry_ok(op: Op, out: &Output) -> bool {
    if out.status.success() {
        return true;
    }
    let err = String::from_utf8_lossy(&out.stderr);
    out.status.code() == Some(5)
        && match op {
            Op::Import | Op::ImportEnrich => err.contains("duplicate_import"),
            Op::Push => err.contains("already issued"),
            Op::Approve => err.contains("approved") || err.contains("stamped"),
            Op::LayerAdd => err.contains("crash-ndvi"),
            _ => false,
        }
}

// ---------------------------------------------------------------------------------------------
// The programme

#[derive(Default)]
struct Tally {
    tried: usize,
    killed: usize,
    /// Killed with nothing journaled yet, with some of it written, with all of it done.
    untouched: usize,
    midway: usize,
    done: usize,
    finished: usize,
    acknowledged: usize,
    parts_swept: usize,
    retried_ok: usize,
    failures: Vec<String>,
}

struct Outcome {
    killed: bool,
    /// The journal's head moved (something was written) before the kill.
    wrote: bool,
    /// The state after the kill was already the finished one.
    done: bool,
    acknowledged: bool,
    /// Partial files the kill left in `tmp/`, swept by the next open.
    parts: usize,
}

/// Runs the command un-killed, watching the journal's head: (output, how long it took, when
/// its first and last journaled commits were seen).
fn timed_run(
    ws: &Path,
    user: &str,
    args: &[String],
) -> (Output, Duration, Option<(Duration, Duration)>) {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let watch = db(ws).unwrap();
    let head = || -> i64 {
        watch
            .query_row("SELECT coalesce(max(seq), 0) FROM journal", [], |r| {
                r.get(0)
            })
            .unwrap_or(0)
    };
    let before = head();
    let mut child = mrv_cmd(ws, user, args)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let (mut first, mut last, mut seen) = (None, None, before);
    let status = loop {
        let now = head();
        if now != seen {
            seen = now;
            first.get_or_insert(started.elapsed());
            last = Some(started.elapsed());
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < CHILD_TIMEOUT, "mrv {args:?} timed out");
        std::thread::sleep(Duration::from_micros(500));
    };
    let took = started.elapsed();
    let out = Output {
        status,
        stdout: std::fs::read(&out_path).unwrap(),
        stderr: std::fs::read(&err_path).unwrap(),
    };
    (out, took, first.zip(last))
}

fn journal_head(ws: &Path) -> Result<String, String> {
    query_text(ws, "SELECT coalesce(max(seq), 0) FROM journal")
}

fn part_files(ws: &Path) -> usize {
    std::fs::read_dir(ws.join("tmp")).map_or(0, |d| {
        d.flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
            .count()
    })
}

fn one_point(
    bench: &Bench,
    op: Op,
    reference: &str,
    name: &str,
    delay: Duration,
) -> Result<Outcome, String> {
    let p = bench.point(op, name);
    let (user, args) = bench.command(op);
    let head_before = journal_head(&p.ws)?;
    let out_path = p.ws.with_file_name("killed.out");
    let mut child = mrv_cmd(&p.ws, user, &args)
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let killed = loop {
        if let Some(status) = child.try_wait().unwrap() {
            if !status.success() {
                return Err(format!("the un-killed command failed: {status}"));
            }
            break false;
        }
        if started.elapsed() >= delay {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            break true;
        }
        std::thread::sleep(Duration::from_micros(500));
    };
    let printed = std::fs::read(&out_path).unwrap();
    let acknowledged = serde_json::from_slice::<Value>(&printed).is_ok();
    let parts = part_files(&p.ws);

    // 1. The database file, as the kill left it.
    check_database(&p.ws).map_err(|e| format!("after kill: {e}"))?;
    // 2. The journal and the state it covers (this opens the workspace: tmp/ is swept).
    check_journal(&p.ws).map_err(|e| format!("after kill: {e}"))?;
    // 3. Nothing half-written.
    check_no_part_files(&p.ws)?;
    check_complete(&p.ws).map_err(|e| format!("after kill: {e}"))?;
    bench
        .check_after_kill(op, &p)
        .map_err(|e| format!("after kill: {e}"))?;
    let wrote = journal_head(&p.ws)? != head_before;
    let done = bench.fingerprint(op, &p).is_ok_and(|f| f == reference);
    // 4. What was acknowledged is there: the finished state already.
    if acknowledged {
        let now = bench.fingerprint(op, &p)?;
        if now != reference {
            return Err(format!(
                "acknowledged but not there: {now} (un-killed: {reference})"
            ));
        }
    }
    // 5. The command again succeeds (or says it is done) and ends as an un-killed run.
    let out = run(&p.ws, user, &args)?;
    if !retry_ok(op, &out) {
        return Err(format!("retry failed: {}", text(&out)));
    }
    check_database(&p.ws).map_err(|e| format!("after retry: {e}"))?;
    check_journal(&p.ws).map_err(|e| format!("after retry: {e}"))?;
    check_complete(&p.ws).map_err(|e| format!("after retry: {e}"))?;
    let now = bench.fingerprint(op, &p)?;
    if now != reference {
        return Err(format!("after retry: {now}, an un-killed run: {reference}"));
    }
    drop(p);
    let _ = std::fs::remove_dir_all(bench.root().join("points").join(name));
    Ok(Outcome {
        killed,
        wrote,
        done,
        acknowledged,
        parts,
    })
}

#[test]
fn sigkill_at_random_points_leaves_every_operation_whole_and_retryable() {
    let began = Instant::now();
    let total: usize = std::env::var("MRV_CRASH_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_POINTS);
    let seed: u64 = std::env::var("MRV_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let only: Option<Vec<String>> = std::env::var("MRV_CRASH_ONLY")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect());
    let ops: Vec<Op> = OPS
        .into_iter()
        .filter(|op| {
            only.as_ref()
                .is_none_or(|o| o.iter().any(|n| n == op.name()))
        })
        .collect();
    let per_op = total.div_ceil(ops.len().max(1));
    println!(
        "crash programme: seed {seed} (replay with MRV_CRASH_SEED={seed}), {per_op} kill points per operation"
    );

    let bench = Bench::new();
    println!("bases prepared in {:.1} s", began.elapsed().as_secs_f64());
    let mut tallies: Vec<(Op, Duration, Tally)> = Vec::new();
    for (k, &op) in ops.iter().enumerate() {
        // The un-killed runs: the state to reach (the same each time), and how long the
        // command takes and when it commits — the fastest of three, as a busy machine only
        // ever slows a run down.
        let (user, args) = bench.command(op);
        let mut reference = String::new();
        let (mut took, mut commits) = (Duration::MAX, None);
        for r in 0..3 {
            let p = bench.point(op, &format!("{}-reference-{r}", op.name()));
            let (out, t, c) = timed_run(&p.ws, user, &args);
            assert!(out.status.success(), "{}: {}", op.name(), text(&out));
            let state = bench.fingerprint(op, &p).unwrap();
            assert!(
                r == 0 || state == reference,
                "{}: {state} / {reference}",
                op.name()
            );
            reference = state;
            check_database(&p.ws).unwrap();
            check_journal(&p.ws).unwrap();
            check_complete(&p.ws).unwrap();
            if t < took {
                (took, commits) = (t, c);
            }
        }

        let mut rng = Rng(seed ^ (k as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F));
        let mut tally = Tally::default();
        // Kill points: one in four anywhere across the command's run and a little past its end;
        // three in four around its writes — from a little before its first commit to a little
        // after its last (as the un-killed run showed them), where a kill splits the work — or,
        // for a command that journals nothing, across the last 60 % of its run.
        let d = took.as_micros() as u64;
        let (from, to) = match commits {
            Some((first, last)) => {
                let margin = (d / 5).max(15_000);
                let first = first.as_micros() as u64;
                let last = last.as_micros() as u64;
                (first.saturating_sub(margin), last + margin)
            }
            None => (d * 4 / 10, d * 11 / 10),
        };
        for i in 0..per_op {
            let delay = Duration::from_micros(if i % 4 == 0 {
                rng.below(d * 11 / 10 + 1)
            } else {
                from + rng.below(to - from + 1)
            });
            tally.tried += 1;
            let name = format!("{}-{i}", op.name());
            match one_point(&bench, op, &reference, &name, delay) {
                Ok(o) => {
                    if o.killed {
                        tally.killed += 1;
                        if o.done {
                            tally.done += 1;
                        } else if o.wrote {
                            tally.midway += 1;
                        } else {
                            tally.untouched += 1;
                        }
                    } else {
                        tally.finished += 1;
                    }
                    tally.acknowledged += usize::from(o.killed && o.acknowledged);
                    tally.parts_swept += o.parts;
                    tally.retried_ok += 1;
                }
                Err(e) => {
                    let line = format!(
                        "{} point {i}: seed {seed}, kill after {} µs: {e}",
                        op.name(),
                        delay.as_micros()
                    );
                    println!("FAILURE {line}");
                    tally.failures.push(line);
                }
            }
        }
        println!(
            "{:<10} {} points done (un-killed run {} ms, journaled commits seen at {:?}, kills aimed at {}..{} ms)",
            op.name(),
            tally.tried,
            took.as_millis(),
            commits.map(|(a, b)| (a.as_millis(), b.as_millis())),
            from / 1000,
            to / 1000
        );
        tallies.push((op, took, tally));
    }

    let mut table = String::new();
    let row = |t: &mut String, cells: [String; 12]| {
        let [a, rest @ ..] = cells;
        let mut line = format!("{a:<10}");
        for c in rest {
            line.push_str(&format!(" {c:>8}"));
        }
        writeln!(t, "{line}").unwrap();
    };
    writeln!(
        table,
        "\nkilled = SIGKILL before the command ended: before its first commit (none), between its\n\
         commits (midway), or after its last but before it exited (done); finished = ended\n\
         before the kill; acked = killed after printing its result; .part = partial files the\n\
         kill left in tmp/, swept by the next open.\n"
    )
    .unwrap();
    row(
        &mut table,
        [
            "operation",
            "tried",
            "killed",
            "none",
            "midway",
            "done",
            "finished",
            "acked",
            ".part",
            "retry ok",
            "failures",
            "run ms",
        ]
        .map(str::to_owned),
    );
    let (mut sum, mut failures) = (Tally::default(), Vec::new());
    for (op, took, t) in &tallies {
        row(
            &mut table,
            [
                op.name().to_owned(),
                t.tried.to_string(),
                t.killed.to_string(),
                t.untouched.to_string(),
                t.midway.to_string(),
                t.done.to_string(),
                t.finished.to_string(),
                t.acknowledged.to_string(),
                t.parts_swept.to_string(),
                t.retried_ok.to_string(),
                t.failures.len().to_string(),
                took.as_millis().to_string(),
            ],
        );
        sum.tried += t.tried;
        sum.killed += t.killed;
        sum.untouched += t.untouched;
        sum.midway += t.midway;
        sum.done += t.done;
        sum.finished += t.finished;
        sum.acknowledged += t.acknowledged;
        sum.parts_swept += t.parts_swept;
        sum.retried_ok += t.retried_ok;
        failures.extend(t.failures.iter().cloned());
    }
    row(
        &mut table,
        [
            "total".to_owned(),
            sum.tried.to_string(),
            sum.killed.to_string(),
            sum.untouched.to_string(),
            sum.midway.to_string(),
            sum.done.to_string(),
            sum.finished.to_string(),
            sum.acknowledged.to_string(),
            sum.parts_swept.to_string(),
            sum.retried_ok.to_string(),
            failures.len().to_string(),
            String::new(),
        ],
    );
    writeln!(
        table,
        "\nkill points tried: {}, failures: {}, seed {seed}, {:.0} s",
        sum.tried,
        failures.len(),
        began.elapsed().as_secs_f64()
    )
    .unwrap();
    for f in &failures {
        writeln!(table, "FAILURE {f}").unwrap();
    }
    println!("{table}");
    assert!(failures.is_empty(), "{} failure(s):{table}", failures.len());
}
