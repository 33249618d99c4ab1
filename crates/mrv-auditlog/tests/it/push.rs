//! Pushing registry exports and the inventory (issue 11), against the real audit-log process
//! and the real stand-in registry (`mrv-registry`) on 127.0.0.1:0: a confirmed push issues the
//! export and enters exactly its blocks in the inventory with the registry's ids; a push
//! without sign-off, a second push, an unconnected or unreachable registry are refused with
//! nothing sent or changed; a rejection returns the export with the registry's reason; an
//! `mrv export push` killed with SIGKILL while waiting for confirmation is resumed by running
//! it again, ending with one inventory record per block and each block once on the registry;
//! reconciliation is clean, then finds an injected overlap and a unit missing on either side.

use crate::common;

use common::*;
use mrv_app::registry::{CadtClient, Finding};
use mrv_app::{ErrorCode, Mrv, NewExport, Session, DEMO_PASSWORD};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "push-test-key";
const PERIOD: &str = "2025-01-01..2025-12-31";
const BODY: &str = "Aster Global Environmental Solutions, Inc.";

/// The stand-in registry served in this process on 127.0.0.1:0 until stopped or dropped.
struct Registry {
    url: String,
    store: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Registry {
    fn start(dir: &Path, move_ms: u64) -> Registry {
        let store = dir.join("registry.sqlite");
        let mut config = mrv_registry::Config::new(store.clone(), KEY.to_owned());
        config.move_interval = Duration::from_millis(move_ms);
        config.hang = Duration::from_secs(3);
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
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
            store,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn client(&self) -> CadtClient {
        CadtClient::with_timeouts(
            &self.url,
            KEY,
            Duration::from_secs(2),
            Duration::from_secs(5),
        )
        .unwrap()
    }

    /// A POST a third party (or the test's operator) makes, outside the adapter.
    fn post(&self, path: &str, body: Value) -> Value {
        drop(self.client()); // installs the crypto provider reqwest needs
        let text = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.url))
            .header("x-api-key", KEY)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .unwrap()
            .text()
            .unwrap();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn faults(&self, faults: Value) {
        self.post("/_standin/faults", faults);
    }

    fn move_now(&self) {
        self.post("/_standin/move", json!({}));
    }

    /// Published unit blocks by their start, and rows waiting in staging.
    fn holdings(&self) -> (Vec<String>, usize) {
        let c = self.client();
        let mut starts: Vec<String> = c
            .units()
            .unwrap()
            .into_iter()
            .map(|u| u.unit_block_start)
            .collect();
        starts.sort();
        (starts, c.staging().unwrap().len())
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    _server: Server,
    mrv: Mrv,
}

impl Fixture {
    fn session(&mut self, name: &str) -> Session {
        self.mrv.sign_in(name, DEMO_PASSWORD).unwrap()
    }

    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    /// Connects the workspace to `registry` as the ops admin.
    fn connect(&mut self, registry: &Registry) {
        let key_file = self.dir.path().join("registry.key");
        std::fs::write(&key_file, format!("{KEY}\n")).unwrap();
        let oscar = self.session("oscar");
        self.mrv
            .connect_registry(&oscar, &registry.url, &key_file)
            .unwrap();
    }

    fn state(&mut self, export: i64) -> String {
        let mo = self.session("mo");
        self.mrv.export_view(&mo, export).unwrap().summary.state
    }
}

/// The demo workspace on a fresh log, batch 1 approved and anchored, export 1 created and —
/// with `sign_off` — signed off by `mo`.
fn exported_demo(sign_off: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    mrv_app::review_and_approve(&mut mrv, &vera, 1, "checked in the field").unwrap();
    mrv.connect_auditlog(&oscar, &server.url, &log.vkey, &log.token)
        .unwrap();
    assert_eq!(mrv.anchor_batch(&vera, 1).unwrap().state, "anchored");
    let mo = mrv.sign_in("mo", DEMO_PASSWORD).unwrap();
    mrv.create_export(
        &mo,
        &NewExport {
            project_id: 1,
            period: PERIOD.into(),
            vintage: None,
            verification_body: Some(BODY.into()),
            report_date: Some("2026-02-15".into()),
        },
    )
    .unwrap();
    if sign_off {
        mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap();
    }
    Fixture {
        dir,
        _server: server,
        mrv,
    }
}

fn push(f: &mut Fixture, export: i64) -> Result<mrv_app::PushView, mrv_app::AppError> {
    let mo = f.session("mo");
    f.mrv.push_export(&mo, export, &mut |_| {})
}

const HELD: &str = "MRV-000000001";
const BUFFER: &str = "MRV-000000324";

#[test]
fn a_confirmed_push_issues_the_export_and_enters_its_blocks_with_the_registrys_ids() {
    let mut f = exported_demo(true);
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path(), 100);
    f.connect(&registry);

    let mut steps = Vec::new();
    let mo = f.session("mo");
    let pushed = f.mrv.push_export(&mo, 1, &mut |p| steps.push(p)).unwrap();
    assert_eq!(pushed.state, "issued");
    assert_eq!(pushed.attempts, 1);
    assert!(pushed.posted_project);
    assert_eq!(pushed.posted_units, 2);
    assert!(pushed
        .idempotency_key
        .starts_with("mrv-export-1:MRV-P1:2025-01-01..2025-12-31:"));
    assert!(steps.contains(&mrv_app::registry::PushProgress::Confirmed));

    // What the registry holds is what the inventory records: 323 tradable + 81 buffer.
    let registry_units = registry.client().units().unwrap();
    let inventory = f.mrv.inventory(&mo).unwrap();
    assert_eq!(inventory.len(), 2);
    let shape: Vec<(&str, &str, i64, i32, &str)> = inventory
        .iter()
        .map(|b| {
            (
                b.unit_block_start.as_str(),
                b.unit_block_end.as_str(),
                b.unit_count,
                b.vintage,
                b.unit_status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (HELD, "MRV-000000323", 323, 2025, "Held"),
            (BUFFER, "MRV-000000404", 81, 2025, "Buffer"),
        ]
    );
    for b in &inventory {
        let theirs = registry_units
            .iter()
            .find(|u| u.unit_block_start == b.unit_block_start)
            .unwrap();
        assert_eq!(b.warehouse_unit_id, theirs.warehouse_unit_id);
        assert_eq!(b.warehouse_project_id, pushed.warehouse_project_id);
        assert_eq!(b.issuance_id, pushed.issuance_id);
        assert_eq!(b.export_id, 1);
        assert_eq!(b.recorded_by, "mo");
    }
    assert_eq!(f.state(1), "issued");
    let view = f.mrv.export_view(&mo, 1).unwrap();
    let actions: Vec<&str> = view.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "submit", "sign_off", "push", "confirm", "issue"]
    );

    // A second push is refused and sends nothing.
    let before = registry.holdings();
    let err = push(&mut f, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("already issued"), "{err}");
    assert_eq!(registry.holdings(), before);
    assert_eq!(f.mrv.inventory(&mo).unwrap().len(), 2);

    // The journal agrees with all of it; a hand-made inventory row is found.
    let check = f.mrv.verify_journal(&mo).unwrap();
    assert!(check.ok, "{:?}", check.problems);
    let db = rusqlite::Connection::open(f.ws().join(mrv_app_db())).unwrap();
    db.execute(
        "INSERT INTO inventory_block (export_id, serial_prefix, serial_first, serial_last, unit_block_start, unit_block_end, unit_count, vintage, unit_status, warehouse_project_id, issuance_id, warehouse_unit_id, recorded_by, recorded_at)
         VALUES (1, 'MRV', 900, 909, 'MRV-000000900', 'MRV-000000909', 10, 2025, 'Held', 'p', 'i', 'forged', 1, 'now')",
        [],
    )
    .unwrap();
    let check = f.mrv.verify_journal(&mo).unwrap();
    assert!(
        check
            .problems
            .iter()
            .any(|p| p.kind == "inventory_unjournaled" && p.object.contains("MRV-000000900")),
        "{:?}",
        check.problems
    );
    // The schema refuses a block overlapping one issued.
    let overlap = db.execute(
        "INSERT INTO inventory_block (export_id, serial_prefix, serial_first, serial_last, unit_block_start, unit_block_end, unit_count, vintage, unit_status, warehouse_project_id, issuance_id, warehouse_unit_id, recorded_by, recorded_at)
         VALUES (1, 'MRV', 300, 309, 'MRV-000000300', 'MRV-000000309', 10, 2025, 'Held', 'p', 'i', 'twice', 1, 'now')",
        [],
    );
    assert!(overlap
        .unwrap_err()
        .to_string()
        .contains("overlaps a block already issued"),);
}

fn mrv_app_db() -> &'static str {
    "workspace.sqlite"
}

#[test]
fn a_push_without_sign_off_or_registry_is_refused_and_sends_nothing() {
    let mut f = exported_demo(false);
    let dir = tempfile::tempdir().unwrap();
    let mut registry = Registry::start(dir.path(), 100);

    // Not connected.
    let err = push(&mut f, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("must be signed off"), "{err}");
    f.connect(&registry);
    // Not signed off: nothing reaches the registry.
    let err = push(&mut f, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string().contains("it must be signed off first")
            && err.to_string().contains("nothing was sent"),
        "{err}"
    );
    assert_eq!(registry.holdings(), (vec![], 0));
    assert_eq!(f.state(1), "draft");

    // Signed off, the registry unreachable: a clear error, the export still signed off.
    let mo = f.session("mo");
    f.mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap();
    registry.stop();
    let err = push(&mut f, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io);
    assert!(err.to_string().contains("cannot be reached"), "{err}");
    assert_eq!(f.state(1), "signed_off");
    assert!(f.mrv.inventory(&mo).unwrap().is_empty());
    let events = f.mrv.export_view(&mo, 1).unwrap().events;
    assert_eq!(events.last().unwrap().action, "sign_off");
    assert!(f.mrv.verify_journal(&mo).unwrap().ok);
}

#[test]
fn a_push_with_no_registry_connected_names_the_connect_command() {
    let mut f = exported_demo(true);
    let err = push(&mut f, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("mrv registry connect"), "{err}");
    assert_eq!(f.state(1), "signed_off");
}

#[test]
fn a_rejected_push_returns_the_export_with_the_registrys_reason_and_no_inventory() {
    let mut f = exported_demo(true);
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path(), 100);
    f.connect(&registry);
    registry.faults(
        json!({ "mode": "reject", "rejectReason": "issuance overlaps a registered period" }),
    );

    let err = push(&mut f, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string()
            .contains("issuance overlaps a registered period"),
        "{err}"
    );
    assert_eq!(f.state(1), "registry_rejected");
    let mo = f.session("mo");
    assert!(f.mrv.inventory(&mo).unwrap().is_empty());
    let view = f.mrv.export_view(&mo, 1).unwrap();
    let last = view.events.last().unwrap();
    assert_eq!(last.action, "registry_reject");
    assert!(last
        .reason_text
        .as_deref()
        .unwrap()
        .contains("issuance overlaps a registered period"));
    // Final: pushing it again is refused with the reason, and a new export may be created.
    registry.faults(json!({ "mode": "confirm" }));
    let err = push(&mut f, 1).unwrap_err();
    assert!(
        err.to_string().contains("rejected by the registry"),
        "{err}"
    );
    assert!(f.mrv.verify_journal(&mo).unwrap().ok);
}

#[test]
fn a_registry_answering_5xx_or_with_units_we_did_not_send_changes_nothing_and_a_retry_resumes() {
    let mut f = exported_demo(true);
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path(), 100);
    f.connect(&registry);

    // 5xx before anything is sent: refused, still signed off.
    registry.faults(json!({ "mode": "server_error" }));
    let err = push(&mut f, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io);
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(f.state(1), "signed_off");

    // The registry reports every unit twice: data we did not send. Nothing enters the
    // inventory, the export stays pushed and says how to resume.
    registry.faults(json!({ "mode": "duplicate" }));
    let err = push(&mut f, 1).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let text = err.to_string();
    assert!(
        text.contains("2 times") && text.contains("stays pushed"),
        "{text}"
    );
    assert_eq!(f.state(1), "pushed");
    let mo = f.session("mo");
    assert!(f.mrv.inventory(&mo).unwrap().is_empty());
    assert!(f.mrv.verify_journal(&mo).unwrap().ok);

    // Back to normal: the retry finds what the first attempt sent and posts nothing again.
    registry.faults(json!({ "mode": "confirm" }));
    let resumed = push(&mut f, 1).unwrap();
    assert_eq!((resumed.state.as_str(), resumed.attempts), ("issued", 2));
    assert_eq!((resumed.posted_project, resumed.posted_units), (false, 0));
    assert_eq!(f.mrv.inventory(&mo).unwrap().len(), 2);
    assert_eq!(
        registry.holdings(),
        (vec![HELD.to_owned(), BUFFER.to_owned()], 0)
    );
    assert!(f.mrv.verify_journal(&mo).unwrap().ok);
}

#[test]
fn reconciliation_is_clean_then_finds_an_overlap_and_units_missing_on_either_side() {
    let mut f = exported_demo(true);
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path(), 100);
    f.connect(&registry);
    let pushed = push(&mut f, 1).unwrap();
    let mo = f.session("mo");
    let clean = f.mrv.reconcile_inventory(&mo).unwrap();
    assert!(clean.clean, "{:?}", clean.findings);
    assert_eq!((clean.blocks_ours, clean.units_registry), (2, 2));

    // A third party posts a block in our numbering overlapping ours, through CADT's API.
    let client = registry.client();
    let cadt = f.mrv.export_cadt(&mo, 1).unwrap();
    let mut unit = cadt.units[0].clone();
    unit.unit_block_start = "MRV-000000300".into();
    unit.unit_block_end = "MRV-000000309".into();
    unit.unit_count = 10;
    unit.issuance = Some(mrv_core::cadt::IssuancePost {
        id: Some(pushed.issuance_id.clone()),
        ..cadt.project.issuances[0].clone()
    });
    let row = client.post_unit(&unit).unwrap();
    client.commit_ids(&[row]).unwrap();
    registry.move_now();
    // The registry loses our buffer block.
    let buffer_id = f
        .mrv
        .inventory(&mo)
        .unwrap()
        .into_iter()
        .find(|b| b.unit_status == "Buffer")
        .unwrap()
        .warehouse_unit_id;
    let db = rusqlite::Connection::open(&registry.store).unwrap();
    assert_eq!(
        db.execute(
            "DELETE FROM unit WHERE warehouse_unit_id = ?1",
            [&buffer_id]
        )
        .unwrap(),
        1
    );

    let run = f.mrv.reconcile_inventory(&mo).unwrap();
    assert!(!run.clean);
    let f_ = &run.findings;
    assert!(
        f_.iter()
            .any(|x| matches!(x, Finding::Overlap { first, second, .. }
            if first == HELD && second == "MRV-000000300")),
        "{f_:?}"
    );
    assert!(
        f_.iter().any(
            |x| matches!(x, Finding::UnknownToUs { unit_block_start, .. }
            if unit_block_start == "MRV-000000300")
        ),
        "{f_:?}"
    );
    assert!(
        f_.iter().any(
            |x| matches!(x, Finding::UnknownToRegistry { unit_block_start }
            if unit_block_start == BUFFER)
        ),
        "{f_:?}"
    );
    assert!(
        f_.iter().any(|x| matches!(
            x,
            Finding::TotalsDiffer {
                ours: 404,
                registry: 333,
                ..
            }
        )),
        "{f_:?}"
    );
    // Each run is recorded and journaled.
    let check = f.mrv.verify_journal(&mo).unwrap();
    assert!(check.ok, "{:?}", check.problems);
    let ws = rusqlite::Connection::open(f.ws().join(mrv_app_db())).unwrap();
    let runs: Vec<(i64, String)> = ws
        .prepare("SELECT finding_count, findings_json FROM reconciliation_run ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].0, 0);
    assert_eq!(runs[1].0, run.findings.len() as i64);
    assert!(runs[1].1.contains("unknown_to_registry"));
}

// ---------------------------------------------------------------------------------------------
// From the shell

/// The `mrv` binary, built beside this package's binary (`cargo build -p mrv-cli` first).
fn mrv_bin() -> PathBuf {
    let bin = Path::new(bin()).with_file_name("mrv");
    assert!(
        bin.exists(),
        "{} is missing: build the CLI first (cargo test --workspace does)",
        bin.display()
    );
    bin
}

fn mrv_cmd(ws: &Path, user: &str, args: &[&str]) -> Command {
    let mut c = Command::new(mrv_bin());
    c.arg("-w")
        .arg(ws)
        .env("MRV_PASSWORD", DEMO_PASSWORD)
        .env_remove("MRV_USER")
        .args(["--as", user])
        .args(args);
    c
}

fn run(ws: &Path, user: &str, args: &[&str]) -> Output {
    mrv_cmd(ws, user, args).output().unwrap()
}

fn ok(out: Output) -> Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

#[test]
fn an_export_push_killed_while_waiting_for_confirmation_resumes_to_one_inventory_record() {
    let mut f = exported_demo(true);
    let dir = tempfile::tempdir().unwrap();
    // Committed rows move only when the test says so.
    let registry = Registry::start(dir.path(), 3_600_000);
    f.connect(&registry);
    let ws = f.ws();

    let mut child = mrv_cmd(&ws, "mo", &["export", "push", "1", "--progress"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let mut moved = false;
    // Publish the project once its row is committed — one move, made while the project's row
    // is the only one committed, so the units (posted only after the project is published)
    // stay unpublished until the test moves them.
    loop {
        assert!(
            Instant::now() < deadline,
            "the push did not get on: {seen:?}"
        );
        match lines.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let committed = line.contains("committed; waiting");
                seen.push(line);
                if committed {
                    break;
                }
            }
            Err(_) => {
                if !moved
                    && seen
                        .iter()
                        .any(|l| l.contains("project and issuance posted"))
                {
                    let staging = registry.client().staging().unwrap();
                    if !staging.is_empty()
                        && staging.iter().all(|r| r.table == "Projects" && r.commited)
                    {
                        registry.move_now();
                        moved = true;
                    }
                }
            }
        }
    }
    // Sent and committed, not confirmed: SIGKILL.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(f.state(1), "pushed");
    let listed = ok(run(&ws, "mo", &["--json", "inventory", "list"]));
    assert_eq!(listed.as_array().unwrap().len(), 0);
    let (published, staged) = registry.holdings();
    assert!(
        published.is_empty() && staged == 2,
        "{published:?} {staged}"
    );

    // The registry publishes what was committed; the push run again reads back and resumes.
    registry.move_now();
    let resumed = ok(run(&ws, "mo", &["--json", "export", "push", "1"]));
    assert_eq!(resumed["state"], "issued");
    assert_eq!(resumed["attempts"], 2);
    assert_eq!(resumed["posted_units"], 0);
    let listed = ok(run(&ws, "mo", &["--json", "inventory", "list"]));
    let starts: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["unit_block_start"].as_str().unwrap())
        .collect();
    assert_eq!(starts, [HELD, BUFFER]);
    assert_eq!(
        registry.holdings(),
        (vec![HELD.to_owned(), BUFFER.to_owned()], 0)
    );
    let mo = f.session("mo");
    let events: Vec<String> = f
        .mrv
        .export_view(&mo, 1)
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(events.iter().filter(|a| *a == "push").count(), 1);
    assert!(f.mrv.verify_journal(&mo).unwrap().ok);

    // From the shell: a second push exits 5; reconcile is clean (exit 0), then exits 5 naming
    // what it found.
    let again = run(&ws, "mo", &["export", "push", "1"]);
    assert_eq!(again.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already issued"));
    let clean = ok(run(&ws, "mo", &["--json", "inventory", "reconcile"]));
    assert_eq!(clean["clean"], true);
    let db = rusqlite::Connection::open(&registry.store).unwrap();
    db.execute(
        "DELETE FROM unit WHERE json_extract(data, '$.unitBlockStart') = ?1",
        [BUFFER],
    )
    .unwrap();
    let found = run(&ws, "mo", &["inventory", "reconcile"]);
    assert_eq!(found.status.code(), Some(5));
    let out = String::from_utf8_lossy(&found.stdout);
    let err = String::from_utf8_lossy(&found.stderr);
    assert!(
        out.contains("FINDING unknown to the registry: our block MRV-000000324"),
        "{out}"
    );
    assert!(err.contains("difference(s)"), "{err}");
    // A verifier may list the inventory, not push or reconcile.
    let listed = run(&ws, "vera", &["inventory", "list"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("MRV-000000001..MRV-000000323"));
    assert_eq!(
        run(&ws, "vera", &["inventory", "reconcile"]).status.code(),
        Some(8)
    );
}
