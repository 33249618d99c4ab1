//! A CADT-compatible registry for MRV Desk's tests and demo.
//!
//! It implements the part of CADT v1.7.24's HTTP API the registry adapter uses, with CADT's own
//! validation rules ([`joi`]) and the quirks observed on a real CADT in simulator mode:
//! - every route needs the `x-api-key` header (403 otherwise);
//! - `POST /v1/projects` (issuance nested) and `POST /v1/units` (one block, `issuance: {id, …}`)
//!   only *stage* rows; `POST /v1/staging/commit` publishes them, and a mover task moves committed
//!   rows into the tables every `move_interval` (~10 s in CADT). Until then every write answers
//!   400 "changes pending", as CADT does;
//! - a unit row can be lost in that move ([`Faults::drop_units`]);
//! - `serialNumberBlock` is computed here and refused in a POST; a `null` verificationBody is
//!   refused; `GET /v1/units` and `/v1/projects` require `page` and `limit` (≤ 1000).
//!
//! Fault switches, settable at start and through `POST /_standin/faults` (a path our adapter
//! never uses), make it confirm, reject with a reason, time out, answer 5xx or report a unit
//! twice. `docs/registry.md` describes them.

pub mod joi;
pub mod store;

use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use mrv_core::cadt::Picklists;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{Store, Table};
use thiserror::Error;

/// How the registry answers `/v1` requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Behave like CADT.
    #[default]
    Confirm,
    /// Refuse every write with `reject_reason` (400, CADT's error shape).
    Reject,
    /// Hold every request for `hang` before answering.
    Timeout,
    /// Answer every request with 503.
    ServerError,
    /// Report every unit twice in `GET /v1/units`.
    Duplicate,
}

/// The switches, readable and settable at `/_standin/faults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Faults {
    pub mode: FaultMode,
    pub reject_reason: String,
    /// Unit rows the next moves lose (the simulator's quirk), counted down as they are lost.
    pub drop_units: usize,
}

/// Everything the server needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite file (created when absent).
    pub store: PathBuf,
    /// The `x-api-key` every request must carry.
    pub api_key: String,
    /// How often committed staging rows move into the tables (CADT: ~10 s).
    pub move_interval: Duration,
    /// How long a request is held in [`FaultMode::Timeout`].
    pub hang: Duration,
    pub faults: Faults,
    pub picklists: Picklists,
}

impl Config {
    /// A configuration with CADT's timing and no faults.
    pub fn new(store: PathBuf, api_key: String) -> Config {
        Config {
            store,
            api_key,
            move_interval: Duration::from_secs(10),
            hang: Duration::from_secs(120),
            faults: Faults::default(),
            picklists: Picklists::builtin(),
        }
    }
}

#[derive(Debug, Error)]
pub enum ServeError {
    #[error("registry store {path}: {source}")]
    Store {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the API key is empty")]
    EmptyApiKey,
    #[error("random source: {0}")]
    Random(getrandom::Error),
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
}

struct Shared {
    store: Mutex<Store>,
    faults: Mutex<Faults>,
    api_key: String,
    hang: Duration,
    picklists: Picklists,
    org_uid: String,
}

/// Serves the registry on `listener` until the task is dropped; prints its address first.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> Result<(), ServeError> {
    let (router, shared) = build(&config)?;
    let interval = config.move_interval;
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            move_once(&shared);
        }
    });
    println!("mrv-registry: serving at http://{}", listener.local_addr()?);
    std::io::Write::flush(&mut std::io::stdout())?;
    axum::serve(listener, router).await?;
    Ok(())
}

/// Moves committed rows now (what the mover task does every interval).
fn move_once(shared: &Shared) {
    let drop = lock(&shared.faults).drop_units;
    let moved = lock(&shared.store).move_committed(drop);
    match moved {
        Ok(moved) => {
            if moved.dropped > 0 {
                let mut faults = lock(&shared.faults);
                faults.drop_units = faults.drop_units.saturating_sub(moved.dropped);
            }
        }
        Err(e) => eprintln!("mrv-registry: moving staged rows failed: {e}"),
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn build(config: &Config) -> Result<(Router, Arc<Shared>), ServeError> {
    if config.api_key.is_empty() {
        return Err(ServeError::EmptyApiKey);
    }
    let mut store = Store::open(&config.store).map_err(|source| ServeError::Store {
        path: config.store.clone(),
        source,
    })?;
    let fresh = new_uuid().map_err(ServeError::Random)?;
    let org_uid = store
        .org_uid(|| fresh.replace('-', ""))
        .map_err(|source| ServeError::Store {
            path: config.store.clone(),
            source,
        })?;
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        faults: Mutex::new(config.faults.clone()),
        api_key: config.api_key.clone(),
        hang: config.hang,
        picklists: config.picklists.clone(),
        org_uid,
    });
    let v1 = Router::new()
        .route(
            "/v1/projects",
            post(post_project).get(get_projects).put(put_project),
        )
        .route("/v1/units", post(post_unit).get(get_units))
        .route("/v1/issuances", get(get_issuances))
        .route("/v1/staging", get(get_staging))
        .route("/v1/staging/hasPendingTransactions", get(has_pending))
        .route("/v1/staging/commit", post(commit))
        .route("/v1/governance/meta/pickList", get(get_picklist))
        .layer(middleware::from_fn_with_state(shared.clone(), faults_layer));
    let router = Router::new()
        .merge(v1)
        .route("/_standin/faults", get(get_faults).post(set_faults))
        .route("/_standin/move", post(move_now))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            api_key_layer,
        ))
        .with_state(shared.clone());
    Ok((router, shared))
}

fn new_uuid() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 16];
    getrandom::getrandom(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

async fn api_key_layer(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let given = req.headers().get("x-api-key").and_then(|v| v.to_str().ok());
    if given != Some(shared.api_key.as_str()) {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({ "message": "CADT API key not found" })),
        )
            .into_response();
    }
    next.run(req).await
}

async fn faults_layer(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let mode = lock(&shared.faults).mode;
    match mode {
        FaultMode::Timeout => {
            tokio::time::sleep(shared.hang).await;
            next.run(req).await
        }
        FaultMode::ServerError => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "message": "Service unavailable (stand-in fault switch)" })),
        )
            .into_response(),
        FaultMode::Confirm | FaultMode::Reject | FaultMode::Duplicate => next.run(req).await,
    }
}

/// CADT's error answer: 400 with `{message, error, success: false}`.
fn refused(message: &str, error: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "message": message, "error": error.into(), "success": false })),
    )
        .into_response()
}

/// The validation middleware's answer: 400 with a text body.
fn invalid(problem: joi::Invalid) -> Response {
    (StatusCode::BAD_REQUEST, problem.0).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({ "message": "Internal error", "error": e.to_string(), "success": false })),
    )
        .into_response()
}

const PENDING: &str = "You currently have changes pending on the blockchain. Please wait for them to propagate before making more changes";

fn parse_body(body: &Bytes) -> Result<Value, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(invalid(joi::Invalid(format!(
            "Error validating request body. Unexpected body: {e}"
        ))))
    })
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Refuses a write as the current fault switches say, or when commits are pending.
fn write_gate(shared: &Shared, store: &Store, what: &str) -> Result<(), Box<Response>> {
    let faults = lock(&shared.faults).clone();
    if faults.mode == FaultMode::Reject {
        return Err(Box::new(refused(what, faults.reject_reason)));
    }
    match store.pending_commits() {
        Ok(true) => Err(Box::new(refused(what, PENDING))),
        Ok(false) => Ok(()),
        Err(e) => Err(Box::new(internal(e))),
    }
}

async fn post_project(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let mut record = match parse_body(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if let Err(problem) = joi::project_post(&record, &shared.picklists) {
        return invalid(problem);
    }
    let mut store = lock(&shared.store);
    const WHAT: &str = "Error creating new project";
    if let Err(r) = write_gate(&shared, &store, WHAT) {
        return *r;
    }
    let uuid = match new_uuid() {
        Ok(u) => u,
        Err(e) => return internal(e),
    };
    let map = record.as_object_mut().expect("validated as an object");
    map.insert("warehouseProjectId".into(), json!(uuid));
    map.insert("timeStaged".into(), json!(now_seconds()));
    map.insert("orgUid".into(), json!(shared.org_uid));
    if let Some(Value::Array(issuances)) = map.get_mut("issuances") {
        for issuance in issuances {
            let child = issuance.as_object_mut().expect("validated as an object");
            match child.get("id").and_then(Value::as_str) {
                Some(id) => match store.issuance_exists(id) {
                    Ok(true) => {}
                    Ok(false) => {
                        return refused(WHAT, format!("Issuance does not have a record for {id}"))
                    }
                    Err(e) => return internal(e),
                },
                None => match new_uuid() {
                    Ok(id) => {
                        child.insert("id".into(), json!(id));
                    }
                    Err(e) => return internal(e),
                },
            }
            child.insert("orgUid".into(), json!(shared.org_uid));
            child.insert("warehouseProjectId".into(), json!(uuid));
        }
    }
    if let Err(e) = store.stage(Table::Projects, &uuid, &record) {
        return internal(e);
    }
    Json(json!({ "message": "Project staged successfully", "uuid": uuid, "success": true }))
        .into_response()
}

/// `PUT /v1/projects`: stages an update of a published project (the whole record, child
/// records by id; new issuances get ids), keyed by its `warehouseProjectId`.
async fn put_project(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let mut record = match parse_body(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if let Err(problem) = joi::project_update(&record, &shared.picklists) {
        return invalid(problem);
    }
    let mut store = lock(&shared.store);
    const WHAT: &str = "Error adding update to stage";
    if let Err(r) = write_gate(&shared, &store, WHAT) {
        return *r;
    }
    let map = record.as_object_mut().expect("validated as an object");
    let id = map["warehouseProjectId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    match store.project_exists(&id) {
        Ok(true) => {}
        Ok(false) => {
            return refused(
                WHAT,
                format!("The project record for the warehouseProjectId: {id} does not exist"),
            )
        }
        Err(e) => return internal(e),
    }
    map.insert("orgUid".into(), json!(shared.org_uid));
    map.insert("timeStaged".into(), json!(now_seconds()));
    if let Some(Value::Array(issuances)) = map.get_mut("issuances") {
        for issuance in issuances {
            let child = issuance.as_object_mut().expect("validated as an object");
            match child.get("id").and_then(Value::as_str) {
                Some(existing) => match store.issuance_exists(existing) {
                    Ok(true) => {}
                    Ok(false) => {
                        return refused(
                            WHAT,
                            format!("Issuance does not have a record for {existing}"),
                        )
                    }
                    Err(e) => return internal(e),
                },
                None => match new_uuid() {
                    Ok(fresh) => {
                        child.insert("id".into(), json!(fresh));
                    }
                    Err(e) => return internal(e),
                },
            }
            child.entry("orgUid").or_insert(json!(shared.org_uid));
            child.entry("warehouseProjectId").or_insert(json!(id));
        }
    }
    if let Err(e) = store.stage_project_update(&id, &record) {
        return internal(e);
    }
    Json(json!({ "message": "Project update added to staging", "success": true })).into_response()
}

async fn post_unit(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let mut record = match parse_body(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if let Err(problem) = joi::unit_post(&record, &shared.picklists) {
        return invalid(problem);
    }
    let mut store = lock(&shared.store);
    const WHAT: &str = "Error creating new unit";
    if let Err(r) = write_gate(&shared, &store, WHAT) {
        return *r;
    }
    let uuid = match new_uuid() {
        Ok(u) => u,
        Err(e) => return internal(e),
    };
    let map = record.as_object_mut().expect("validated as an object");
    let start = map["unitBlockStart"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let end = map["unitBlockEnd"].as_str().unwrap_or_default().to_owned();
    map.insert("warehouseUnitId".into(), json!(uuid));
    map.insert("timeStaged".into(), json!(now_seconds()));
    map.insert("serialNumberBlock".into(), json!(format!("{start}-{end}")));
    map.insert("orgUid".into(), json!(shared.org_uid));
    if let Some(issuance) = map.get("issuance").cloned() {
        match issuance.get("id").and_then(Value::as_str) {
            Some(id) => {
                match store.issuance_exists(id) {
                    Ok(true) => {}
                    Ok(false) => {
                        return refused(WHAT, format!("Issuance does not have a record for {id}"))
                    }
                    Err(e) => return internal(e),
                }
                map.insert("issuanceId".into(), json!(id));
                map.remove("issuance");
            }
            None => {
                let id = match new_uuid() {
                    Ok(id) => id,
                    Err(e) => return internal(e),
                };
                let mut child = issuance;
                child["id"] = json!(id);
                child["orgUid"] = json!(shared.org_uid);
                map.insert("issuanceId".into(), json!(id));
                map.insert("issuance".into(), child);
            }
        }
    }
    if let Err(e) = store.stage(Table::Units, &uuid, &record) {
        return internal(e);
    }
    Json(json!({ "message": "Unit staged successfully", "uuid": uuid, "success": true }))
        .into_response()
}

/// `POST /v1/staging/commit` with `commitStagingSchema`'s body: every staged row, or only
/// `ids`.
async fn commit(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request = if body.is_empty() {
        json!({})
    } else {
        match parse_body(&body) {
            Ok(v) => v,
            Err(r) => return *r,
        }
    };
    if let Err(problem) = joi::commit_body(&request) {
        return invalid(problem);
    }
    let ids: Vec<String> = request
        .get("ids")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut store = lock(&shared.store);
    const WHAT: &str = "Error commiting staging table";
    if let Err(r) = write_gate(&shared, &store, WHAT) {
        return *r;
    }
    match store.staging_is_empty() {
        Ok(true) => return refused(WHAT, "Cant commit empty staging table"),
        Ok(false) => {}
        Err(e) => return internal(e),
    }
    let done = if ids.is_empty() {
        store.commit_staging()
    } else {
        store.commit_staging_ids(&ids)
    };
    match done {
        Ok(_) => Json(json!({
            "message": "Staging Table committed to full node",
            "success": true
        }))
        .into_response(),
        Err(e) => internal(e),
    }
}

fn paginated(
    query: &HashMap<String, String>,
    single: &[&str],
    read: impl FnOnce(Option<(u64, u64)>) -> rusqlite::Result<(u64, Vec<Value>)>,
) -> Response {
    let range = match joi::page_query(query, single) {
        Ok(range) => range,
        Err(problem) => return invalid(problem),
    };
    match read(range) {
        Ok((total, rows)) => match range {
            Some((page, limit)) => Json(json!({
                "page": page,
                "pageCount": total.div_ceil(limit),
                "data": rows,
            }))
            .into_response(),
            None => Json(Value::Array(rows)).into_response(),
        },
        Err(e) => internal(e),
    }
}

async fn get_projects(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let store = lock(&shared.store);
    paginated(&query, &["warehouseProjectId", "projectIds", "xls"], |r| {
        store.projects(r)
    })
}

async fn get_units(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let duplicate = lock(&shared.faults).mode == FaultMode::Duplicate;
    let store = lock(&shared.store);
    paginated(
        &query,
        &["warehouseUnitId", "onlyTokenizedUnits", "xls"],
        |r| {
            let (total, rows) = store.units(r)?;
            if duplicate {
                let doubled = rows.iter().flat_map(|u| [u.clone(), u.clone()]).collect();
                Ok((total, doubled))
            } else {
                Ok((total, rows))
            }
        },
    )
}

/// `GET /v1/staging[?type=staged|pending]`: CADT's staging rows, each with `diff.change`
/// holding the staged records.
async fn get_staging(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let rows = match lock(&shared.store).staging_rows() {
        Ok(rows) => rows,
        Err(e) => return internal(e),
    };
    let wanted = query.get("type").map(String::as_str);
    let out: Vec<Value> = rows
        .into_iter()
        .filter(|row| match wanted {
            Some("staged") => !row.committed,
            Some("pending") => row.committed,
            _ => true,
        })
        .map(|row| {
            json!({
                "uuid": row.uuid,
                "table": row.table,
                "action": row.action,
                "commited": row.committed,
                "failedCommit": false,
                "diff": { "original": {}, "change": [row.data] },
            })
        })
        .collect();
    Json(Value::Array(out)).into_response()
}

/// `GET /v1/staging/hasPendingTransactions`: `confirmed` is true when nothing waits.
async fn has_pending(State(shared): State<Arc<Shared>>) -> Response {
    match lock(&shared.store).pending_commits() {
        Ok(pending) => Json(json!({
            "confirmed": !pending,
            "message": if pending { "There are currently pending commits" } else { "There are no pending commits" },
            "success": true,
        }))
        .into_response(),
        Err(e) => internal(e),
    }
}

async fn get_issuances(State(shared): State<Arc<Shared>>) -> Response {
    match lock(&shared.store).issuances() {
        Ok(rows) => Json(Value::Array(rows)).into_response(),
        Err(e) => internal(e),
    }
}

async fn get_picklist(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.picklists.clone()).into_response()
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(lock(&shared.faults).clone()).into_response()
}

async fn set_faults(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(faults) => {
            *lock(&shared.faults) = faults.clone();
            Json(faults).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("faults: {e}")).into_response(),
    }
}

/// Runs the mover now (tests that do not want to wait for the interval).
async fn move_now(State(shared): State<Arc<Shared>>) -> Response {
    move_once(&shared);
    Json(json!({ "success": true })).into_response()
}
