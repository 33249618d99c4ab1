//! The stand-in registry over real HTTP on 127.0.0.1: CADT's own rules and quirks, staging and
//! the move, and the fault switches.

use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

const KEY: &str = "test-key-123";

struct Registry {
    url: String,
    http: Client,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts a registry whose mover runs every `move_ms`.
    fn start(move_ms: u64) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let mut config =
            mrv_registry::Config::new(dir.path().join("registry.sqlite"), KEY.to_owned());
        config.move_interval = Duration::from_millis(move_ms);
        config.hang = Duration::from_secs(5);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                mrv_registry::serve(listener, config).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        Registry {
            url: format!("http://{addr}"),
            http: {
                // With the workspace's reqwest features (`rustls-no-provider`) a client needs a
                // crypto provider installed first, as the app does.
                let _ = rustls::crypto::ring::default_provider().install_default();
                Client::builder()
                    .timeout(Duration::from_secs(3))
                    .build()
                    .unwrap()
            },
            _dir: dir,
        }
    }

    fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.url))
            .header("x-api-key", KEY)
            .send()
            .unwrap()
    }

    fn post(&self, path: &str, body: &Value) -> Response {
        self.http
            .post(format!("{}{path}", self.url))
            .header("x-api-key", KEY)
            .json(body)
            .send()
            .unwrap()
    }

    fn move_now(&self) {
        assert!(self
            .post("/_standin/move", &json!({}))
            .status()
            .is_success());
    }
}

fn project() -> Value {
    json!({
        "projectId": "mrv-desk:demo:1",
        "originProjectId": "1",
        "registryOfOrigin": "Verra",
        "projectName": "Demo forest",
        "projectLink": "https://example.org/p/1",
        "projectDeveloper": "Demo developer",
        "sector": "Agriculture; forestry and fishing",
        "projectType": "Reforestation",
        "coveredByNDC": "Unknown",
        "projectStatus": "Registered",
        "projectStatusDate": "2025-01-01",
        "unitMetric": "tCO2e",
        "methodology": "Demo",
        "issuances": [{
            "startDate": "2025-01-01",
            "endDate": "2025-12-31",
            "verificationApproach": "Full",
            "verificationBody": "Verra",
            "verificationReportDate": "2026-01-15"
        }]
    })
}

fn unit(start: &str, end: &str, count: u64) -> Value {
    json!({
        "countryJurisdictionOfOwner": "Kenya",
        "unitBlockStart": start,
        "unitBlockEnd": end,
        "unitCount": count,
        "vintageYear": 2025,
        "unitType": "Removal - nature",
        "unitStatus": "Held",
        "unitRegistryLink": "https://example.org/u",
        "correspondingAdjustmentDeclaration": "Unknown",
        "correspondingAdjustmentStatus": "Not Started"
    })
}

fn body(r: Response) -> (StatusCode, String) {
    let status = r.status();
    (status, r.text().unwrap())
}

fn expect_refused(r: Response, needle: &str) {
    let (status, text) = body(r);
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains(needle), "{needle:?} not in {text}");
}

/// Posts the project, commits and moves it; returns the issuance id CADT gave it.
fn published_issuance(reg: &Registry) -> String {
    assert!(reg.post("/v1/projects", &project()).status().is_success());
    assert!(reg
        .post("/v1/staging/commit", &json!({}))
        .status()
        .is_success());
    reg.move_now();
    let page: Value = reg.get("/v1/projects?page=1&limit=10").json().unwrap();
    page["data"][0]["issuances"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn every_route_needs_the_api_key() {
    let reg = Registry::start(60_000);
    for path in ["/v1/units?page=1&limit=1", "/v1/governance/meta/pickList"] {
        let missing = reg.http.get(format!("{}{path}", reg.url)).send().unwrap();
        assert_eq!(missing.status(), StatusCode::FORBIDDEN);
        let wrong = reg
            .http
            .get(format!("{}{path}", reg.url))
            .header("x-api-key", "nope")
            .send()
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    }
    let posted = reg
        .http
        .post(format!("{}/v1/projects", reg.url))
        .json(&project())
        .send()
        .unwrap();
    assert_eq!(posted.status(), StatusCode::FORBIDDEN);
    assert_eq!(reg.get("/v1/units?page=1&limit=1").status(), StatusCode::OK);
}

#[test]
fn serial_number_block_is_refused_in_a_post_and_computed_by_the_registry() {
    let reg = Registry::start(60_000);
    let issuance = published_issuance(&reg);
    let mut u = unit("A-000000001", "A-000000010", 10);
    u["issuance"] = project()["issuances"][0].clone();
    u["issuance"]["id"] = json!(issuance);
    let mut with_serial = u.clone();
    with_serial["serialNumberBlock"] = json!("A-000000001-A-000000010");
    expect_refused(
        reg.post("/v1/units", &with_serial),
        "\"serialNumberBlock\" is not allowed",
    );
    assert!(reg.post("/v1/units", &u).status().is_success());
    assert!(reg
        .post("/v1/staging/commit", &json!({}))
        .status()
        .is_success());
    reg.move_now();
    let page: Value = reg.get("/v1/units?page=1&limit=10").json().unwrap();
    let read = &page["data"][0];
    assert_eq!(read["serialNumberBlock"], "A-000000001-A-000000010");
    assert_eq!(read["issuanceId"], json!(issuance));
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
}

#[test]
fn a_null_verification_body_is_refused() {
    let reg = Registry::start(60_000);
    let mut p = project();
    p["issuances"][0]["verificationBody"] = Value::Null;
    expect_refused(reg.post("/v1/projects", &p), "verificationBody");
    p["issuances"][0]["verificationBody"] = json!("");
    assert!(reg.post("/v1/projects", &p).status().is_success());
}

#[test]
fn cadts_field_rules() {
    let reg = Registry::start(60_000);
    let mut p = project();
    p["issuances"][0]["endDate"] = json!("2024-12-31");
    expect_refused(reg.post("/v1/projects", &p), "endDate");
    let mut p = project();
    p["unitMetric"] = json!("tonnes");
    expect_refused(reg.post("/v1/projects", &p), "unitMetric does not include");
    let mut p = project();
    p.as_object_mut().unwrap().remove("projectName");
    expect_refused(reg.post("/v1/projects", &p), "\"projectName\" is required");
    let mut u = unit("A-000000001", "A-000000001", 1);
    u["unitType"] = json!("Removal");
    expect_refused(reg.post("/v1/units", &u), "unitType does not include");
    let mut u = unit("A-000000001", "A-000000001", 1);
    u["countryJurisdictionOfOwner"] = json!("Atlantis");
    expect_refused(reg.post("/v1/units", &u), "countryJurisdictionOfOwner");
    let mut u = unit("A-000000001", "A-000000001", 1);
    u["vintageYear"] = json!(1800);
    expect_refused(reg.post("/v1/units", &u), "vintageYear");
}

#[test]
fn page_and_limit_are_required_and_limit_is_at_most_1000() {
    let reg = Registry::start(60_000);
    for path in ["/v1/units", "/v1/projects"] {
        expect_refused(reg.get(path), "\"page\" is required");
        expect_refused(reg.get(&format!("{path}?page=1")), "\"limit\" is required");
        expect_refused(
            reg.get(&format!("{path}?page=1&limit=1001")),
            "less than or equal to 1000",
        );
        expect_refused(reg.get(&format!("{path}?page=0&limit=10")), "\"page\"");
        assert_eq!(
            reg.get(&format!("{path}?page=1&limit=1000")).status(),
            StatusCode::OK
        );
    }
}

#[test]
fn cadts_gaps_are_kept_overlaps_counts_and_retired_without_reason_pass() {
    let reg = Registry::start(60_000);
    let issuance = published_issuance(&reg);
    let link = |mut u: Value| {
        u["issuance"] = project()["issuances"][0].clone();
        u["issuance"]["id"] = json!(issuance);
        u
    };
    let overlapping = [
        link(unit("A-000000001", "A-000000010", 10)),
        link(unit("A-000000005", "A-000000020", 3)),
        {
            let mut u = link(unit("A-000000100", "A-000000100", 1));
            u["unitStatus"] = json!("Retired");
            u
        },
    ];
    for u in &overlapping {
        let (status, text) = body(reg.post("/v1/units", u));
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    assert!(reg
        .post("/v1/staging/commit", &json!({}))
        .status()
        .is_success());
    reg.move_now();
    let page: Value = reg.get("/v1/units?page=1&limit=10").json().unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 3);
}

#[test]
fn staged_rows_move_on_the_interval_and_writes_wait_for_pending_commits() {
    let reg = Registry::start(300);
    assert!(reg.post("/v1/projects", &project()).status().is_success());
    let staging: Value = reg.get("/v1/staging").json().unwrap();
    assert_eq!(staging[0]["table"], "Projects");
    assert_eq!(staging[0]["commited"], false);
    assert_eq!(
        staging[0]["diff"]["change"][0]["projectId"],
        "mrv-desk:demo:1"
    );
    let pending: Value = reg
        .get("/v1/staging/hasPendingTransactions")
        .json()
        .unwrap();
    assert_eq!(pending["confirmed"], true);
    assert!(reg
        .post("/v1/staging/commit", &json!({}))
        .status()
        .is_success());
    let pending: Value = reg
        .get("/v1/staging/hasPendingTransactions")
        .json()
        .unwrap();
    assert_eq!(pending["confirmed"], false);
    // Committed: until the move, CADT refuses further writes and shows nothing.
    let p: Value = reg.get("/v1/projects?page=1&limit=10").json().unwrap();
    assert_eq!(p["data"].as_array().unwrap().len(), 0);
    expect_refused(
        reg.post("/v1/projects", &project()),
        "changes pending on the blockchain",
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let p: Value = reg.get("/v1/projects?page=1&limit=10").json().unwrap();
        if p["data"].as_array().unwrap().len() == 1 {
            assert_eq!(p["pageCount"], 1);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never moved");
        std::thread::sleep(Duration::from_millis(50));
    }
    expect_refused(
        reg.post("/v1/staging/commit", &json!({})),
        "Cant commit empty staging table",
    );
    let issuances: Value = reg.get("/v1/issuances").json().unwrap();
    assert_eq!(issuances.as_array().unwrap().len(), 1);
}

#[test]
fn fault_switches() {
    let reg = Registry::start(60_000);
    let set = |faults: Value| assert!(reg.post("/_standin/faults", &faults).status().is_success());

    set(json!({ "mode": "reject", "rejectReason": "unit block already issued" }));
    expect_refused(
        reg.post("/v1/projects", &project()),
        "unit block already issued",
    );

    set(json!({ "mode": "server_error" }));
    assert_eq!(
        reg.get("/v1/units?page=1&limit=1").status(),
        StatusCode::SERVICE_UNAVAILABLE
    );

    set(json!({ "mode": "timeout" }));
    let err = reg
        .http
        .get(format!("{}/v1/units?page=1&limit=1", reg.url))
        .header("x-api-key", KEY)
        .timeout(Duration::from_millis(300))
        .send()
        .unwrap_err();
    assert!(err.is_timeout());

    set(json!({ "mode": "confirm", "dropUnits": 1 }));
    let issuance = published_issuance(&reg);
    for (s, e) in [
        ("A-000000001", "A-000000001"),
        ("A-000000002", "A-000000002"),
    ] {
        let mut u = unit(s, e, 1);
        u["issuance"] = project()["issuances"][0].clone();
        u["issuance"]["id"] = json!(issuance);
        assert!(reg.post("/v1/units", &u).status().is_success());
    }
    assert!(reg
        .post("/v1/staging/commit", &json!({}))
        .status()
        .is_success());
    reg.move_now();
    let page: Value = reg.get("/v1/units?page=1&limit=10").json().unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1, "one row dropped");
    assert_eq!(page["data"][0]["unitBlockStart"], "A-000000002");

    set(json!({ "mode": "duplicate" }));
    let page: Value = reg.get("/v1/units?page=1&limit=10").json().unwrap();
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0], data[1]);
}

#[test]
fn a_project_update_needs_its_published_project() {
    let reg = Registry::start(60_000);
    let put = |body: &Value| {
        reg.http
            .put(format!("{}/v1/projects", reg.url))
            .header("x-api-key", KEY)
            .json(body)
            .send()
            .unwrap()
    };
    expect_refused(put(&project()), "\"warehouseProjectId\" is required");
    let mut unknown = project();
    unknown["warehouseProjectId"] = json!("no-such-project");
    expect_refused(put(&unknown), "does not exist");
    let issuance = published_issuance(&reg);
    let page: Value = reg.get("/v1/projects?page=1&limit=10").json().unwrap();
    let mut update = project();
    update["warehouseProjectId"] = page["data"][0]["warehouseProjectId"].clone();
    let mut kept = project()["issuances"][0].clone();
    kept["id"] = json!(issuance);
    let mut added = project()["issuances"][0].clone();
    added["startDate"] = json!("2026-01-01");
    added["endDate"] = json!("2026-12-31");
    update["issuances"] = json!([kept, added]);
    let (status, text) = body(put(&update));
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(reg
        .post("/v1/staging/commit", &json!({}))
        .status()
        .is_success());
    reg.move_now();
    let page: Value = reg.get("/v1/projects?page=1&limit=10").json().unwrap();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    assert_eq!(page["data"][0]["issuances"].as_array().unwrap().len(), 2);
}
