//! The registry adapter: the workspace's registry connection, a client for CADT v1's HTTP API
//! ([`CadtClient`]), and the stateless engines the export's push calls: [`push`] and
//! [`reconcile`]. `docs/registry.md` describes the idempotency design.
//!
//! Everything here speaks to CADT as observed on v1.7.24 and relies on nothing the stand-in
//! registry (`crates/mrv-registry`) does that CADT does not.

use crate::{clock, files, AppError, Mrv, Session};
use mrv_core::cadt::{
    check_push, IssuancePost, IssuanceRecord, Page, Picklists, ProjectPost, ProjectRecord,
    RuleViolation, SerialBlock, UnitPost, UnitRecord,
};
use mrv_core::Action;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};
use thiserror::Error;

/// The largest `limit` CADT accepts on `GET /v1/units` and `/v1/projects`.
pub const PAGE_LIMIT: u64 = 1000;
/// The largest answer the client reads.
const MAX_ANSWER_BYTES: u64 = 64 << 20;
/// CADT's refusal while committed rows wait to be published.
const PENDING_TEXT: &str = "pending on the blockchain";

/// Why talking to the registry failed. Every variant says what was asked and what happened.
#[derive(Debug, Error)]
pub enum RegistryError {
    #[error("nothing was sent: {} rule(s) broken: {}", .0.len(), join_violations(.0))]
    Rules(Vec<RuleViolation>),
    #[error("the registry at {url} cannot be reached ({what}): {detail}")]
    Unreachable {
        url: String,
        what: String,
        detail: String,
    },
    #[error("the registry did not answer {what} within {seconds} s")]
    Timeout { what: String, seconds: u64 },
    #[error("the registry answered {status} to {what}: {body}")]
    Server {
        status: u16,
        what: String,
        body: String,
    },
    #[error("the registry refused the API key (403) for {what}")]
    Forbidden { what: String },
    #[error("the registry rejected {what}: {reason}")]
    Rejected { what: String, reason: String },
    #[error("the registry reports data we did not send: {0}")]
    Foreign(String),
    #[error("the registry reports {what} {times} times")]
    Duplicate { what: String, times: usize },
    #[error("the registry's answer to {what} is not CADT's: {detail}")]
    BadAnswer { what: String, detail: String },
    #[error("the registry did not confirm within {seconds} s: {missing}")]
    NotConfirmed { seconds: u64, missing: String },
}

fn join_violations(v: &[RuleViolation]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl RegistryError {
    /// A stable name for front ends and the journal.
    pub fn kind(&self) -> &'static str {
        match self {
            RegistryError::Rules(_) => "rules",
            RegistryError::Unreachable { .. } => "unreachable",
            RegistryError::Timeout { .. } => "timeout",
            RegistryError::Server { .. } => "server_error",
            RegistryError::Forbidden { .. } => "forbidden",
            RegistryError::Rejected { .. } => "rejected",
            RegistryError::Foreign(_) => "foreign_data",
            RegistryError::Duplicate { .. } => "duplicate",
            RegistryError::BadAnswer { .. } => "bad_answer",
            RegistryError::NotConfirmed { .. } => "not_confirmed",
        }
    }
}

impl From<RegistryError> for AppError {
    fn from(e: RegistryError) -> AppError {
        match e {
            RegistryError::Rules(_) => AppError::InvalidInput(e.to_string()),
            RegistryError::Unreachable { .. }
            | RegistryError::Timeout { .. }
            | RegistryError::Server { .. }
            | RegistryError::Forbidden { .. } => AppError::Io(e.to_string()),
            RegistryError::Rejected { .. }
            | RegistryError::Foreign(_)
            | RegistryError::Duplicate { .. }
            | RegistryError::BadAnswer { .. }
            | RegistryError::NotConfirmed { .. } => AppError::Conflict(e.to_string()),
        }
    }
}

/// A blocking client for CADT's `/v1` API, sending `x-api-key` on every request.
pub struct CadtClient {
    base: String,
    api_key: String,
    http: reqwest::blocking::Client,
    request_timeout: Duration,
    /// How long to wait between read-backs while a push waits for the registry.
    pub poll_interval: Duration,
    /// How long a push waits for staged rows to be published (CADT's simulator: ~10 s a move).
    pub confirm_timeout: Duration,
}

impl std::fmt::Debug for CadtClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CadtClient")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// One row of `GET /v1/staging`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StagingRecord {
    pub uuid: String,
    pub table: String,
    #[serde(default)]
    pub commited: bool,
    #[serde(default)]
    pub failed_commit: bool,
    #[serde(default)]
    pub diff: Option<StagingDiff>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StagingDiff {
    #[serde(default)]
    pub change: Vec<Value>,
}

impl CadtClient {
    /// A client for the registry at `url` (its base; routes are `<url>/v1/…`): 5 s to connect,
    /// 30 s for one exchange, read-back every second for up to 120 s.
    pub fn new(url: &str, api_key: &str) -> Result<CadtClient, RegistryError> {
        CadtClient::with_timeouts(
            url,
            api_key,
            Duration::from_secs(5),
            Duration::from_secs(30),
        )
    }

    pub fn with_timeouts(
        url: &str,
        api_key: &str,
        connect: Duration,
        request: Duration,
    ) -> Result<CadtClient, RegistryError> {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let http = reqwest::blocking::Client::builder()
            .connect_timeout(connect)
            .timeout(request)
            .build()
            .map_err(|e| RegistryError::Unreachable {
                url: url.to_owned(),
                what: "making an HTTP client".into(),
                detail: describe(&e),
            })?;
        Ok(CadtClient {
            base: url.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
            http,
            request_timeout: request,
            poll_interval: Duration::from_secs(1),
            confirm_timeout: Duration::from_secs(120),
        })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    fn send(
        &self,
        what: &str,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<Vec<u8>, RegistryError> {
        let response = request
            .header("x-api-key", &self.api_key)
            .send()
            .map_err(|e| self.transport(what, &e))?;
        let status = response.status();
        let mut body = Vec::new();
        response
            .take(MAX_ANSWER_BYTES)
            .read_to_end(&mut body)
            .map_err(|e| RegistryError::Unreachable {
                url: self.base.clone(),
                what: what.to_owned(),
                detail: e.to_string(),
            })?;
        if status.is_success() {
            return Ok(body);
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        Err(match status.as_u16() {
            403 => RegistryError::Forbidden {
                what: what.to_owned(),
            },
            400..=499 => RegistryError::Rejected {
                what: what.to_owned(),
                reason: cadt_reason(&text),
            },
            code => RegistryError::Server {
                status: code,
                what: what.to_owned(),
                body: text.chars().take(500).collect(),
            },
        })
    }

    fn transport(&self, what: &str, e: &reqwest::Error) -> RegistryError {
        if e.is_timeout() {
            RegistryError::Timeout {
                what: what.to_owned(),
                seconds: self.request_timeout.as_secs().max(1),
            }
        } else {
            RegistryError::Unreachable {
                url: self.base.clone(),
                what: what.to_owned(),
                detail: describe(e),
            }
        }
    }

    fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, RegistryError> {
        let what = format!("GET {path}");
        let body = self.send(&what, self.http.get(format!("{}{path}", self.base)))?;
        serde_json::from_slice(&body).map_err(|e| RegistryError::BadAnswer {
            what,
            detail: e.to_string(),
        })
    }

    fn write_json(
        &self,
        method: reqwest::Method,
        path: &str,
        payload: &impl Serialize,
    ) -> Result<Value, RegistryError> {
        let what = format!("{method} {path}");
        let bytes = serde_json::to_vec(payload).map_err(|e| RegistryError::BadAnswer {
            what: what.clone(),
            detail: e.to_string(),
        })?;
        let body = self.send(
            &what,
            self.http
                .request(method, format!("{}{path}", self.base))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes),
        )?;
        serde_json::from_slice(&body).map_err(|e| RegistryError::BadAnswer {
            what,
            detail: e.to_string(),
        })
    }

    /// Posts, waiting while the registry refuses writes because commits are pending.
    fn post_when_ready(
        &self,
        path: &str,
        payload: &impl Serialize,
    ) -> Result<Value, RegistryError> {
        self.write_when_ready(reqwest::Method::POST, path, payload)
    }

    fn write_when_ready(
        &self,
        method: reqwest::Method,
        path: &str,
        payload: &impl Serialize,
    ) -> Result<Value, RegistryError> {
        let deadline = Instant::now() + self.confirm_timeout;
        loop {
            match self.write_json(method.clone(), path, payload) {
                Err(RegistryError::Rejected { reason, .. })
                    if reason.contains(PENDING_TEXT) && Instant::now() < deadline =>
                {
                    std::thread::sleep(self.poll_interval);
                }
                other => return other,
            }
        }
    }

    /// The live picklists (`GET /v1/governance/meta/pickList`).
    pub fn picklists(&self) -> Result<Picklists, RegistryError> {
        let what = "GET /v1/governance/meta/pickList";
        let body = self.send(
            what,
            self.http
                .get(format!("{}/v1/governance/meta/pickList", self.base)),
        )?;
        Picklists::from_json(&String::from_utf8_lossy(&body)).map_err(|e| {
            RegistryError::BadAnswer {
                what: what.into(),
                detail: e.to_string(),
            }
        })
    }

    fn all_pages<T: DeserializeOwned>(&self, route: &str) -> Result<Vec<T>, RegistryError> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let got: Page<T> = self.get_json(&format!("{route}?page={page}&limit={PAGE_LIMIT}"))?;
            out.extend(got.data);
            if page >= got.page_count {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// Every published project (all pages).
    pub fn projects(&self) -> Result<Vec<ProjectRecord>, RegistryError> {
        self.all_pages("/v1/projects")
    }

    /// Every published unit (all pages).
    pub fn units(&self) -> Result<Vec<UnitRecord>, RegistryError> {
        self.all_pages("/v1/units")
    }

    /// How many units the registry publishes: one unit per page, so the page count.
    pub fn unit_count(&self) -> Result<u64, RegistryError> {
        let page: Page<Value> = self.get_json("/v1/units?page=1&limit=1")?;
        Ok(page.page_count)
    }

    /// Every issuance (`GET /v1/issuances`).
    pub fn issuances(&self) -> Result<Vec<IssuanceRecord>, RegistryError> {
        self.get_json("/v1/issuances")
    }

    /// The staging table (`GET /v1/staging`): staged and pending rows.
    pub fn staging(&self) -> Result<Vec<StagingRecord>, RegistryError> {
        self.get_json("/v1/staging")
    }

    /// Whether committed rows still wait to be published.
    pub fn has_pending_commits(&self) -> Result<bool, RegistryError> {
        let v: Value = self.get_json("/v1/staging/hasPendingTransactions")?;
        match v.get("confirmed").and_then(Value::as_bool) {
            Some(confirmed) => Ok(!confirmed),
            None => Err(RegistryError::BadAnswer {
                what: "GET /v1/staging/hasPendingTransactions".into(),
                detail: format!("no `confirmed` in {v}"),
            }),
        }
    }

    /// Stages a project (with its issuance nested); the staging row's uuid.
    pub fn post_project(&self, project: &ProjectPost) -> Result<String, RegistryError> {
        let answer = self.post_when_ready("/v1/projects", project)?;
        staging_uuid("POST /v1/projects", &answer)
    }

    /// Stages an update of a published project (`PUT /v1/projects`, `warehouseProjectId` in
    /// the body): how an issuance is added to a project an earlier export created.
    /// The staging row's uuid is the project's `warehouseProjectId`.
    pub fn put_project(&self, body: &Value) -> Result<String, RegistryError> {
        self.write_when_ready(reqwest::Method::PUT, "/v1/projects", body)?;
        Ok(body
            .get("warehouseProjectId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    /// Stages one unit block; the staging row's uuid.
    pub fn post_unit(&self, unit: &UnitPost) -> Result<String, RegistryError> {
        let answer = self.post_when_ready("/v1/units", unit)?;
        staging_uuid("POST /v1/units", &answer)
    }

    /// Publishes everything staged on the registry (anyone's). An empty staging table is not
    /// an error here (someone, or an earlier run, committed it already).
    pub fn commit(&self) -> Result<(), RegistryError> {
        self.commit_body(&serde_json::json!({}))
    }

    /// Publishes only the staging rows `ids` (CADT's `ids` in the commit body), leaving other
    /// users' staged edits alone. Nothing to do for no ids.
    pub fn commit_ids(&self, ids: &[String]) -> Result<(), RegistryError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.commit_body(&serde_json::json!({ "ids": ids }))
    }

    fn commit_body(&self, body: &Value) -> Result<(), RegistryError> {
        match self.post_when_ready("/v1/staging/commit", body) {
            Ok(_) => Ok(()),
            Err(RegistryError::Rejected { reason, .. })
                if reason.contains("Cant commit empty staging table") =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

fn staging_uuid(what: &str, answer: &Value) -> Result<String, RegistryError> {
    answer
        .get("uuid")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| RegistryError::BadAnswer {
            what: what.to_owned(),
            detail: format!("no staging `uuid` in {answer}"),
        })
}

/// CADT answers errors as `{message, error}` or as the validation middleware's text.
fn cadt_reason(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => {
            let message = v.get("message").and_then(Value::as_str);
            let error = v.get("error").and_then(Value::as_str);
            match (message, error) {
                (Some(m), Some(e)) => format!("{m}: {e}"),
                (Some(m), None) => m.to_owned(),
                (None, Some(e)) => e.to_owned(),
                (None, None) => text.chars().take(500).collect(),
            }
        }
        Err(_) => text.chars().take(500).collect(),
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

// ---------------------------------------------------------------------------------------------
// Push

/// What a push is doing, for progress displays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PushProgress {
    /// Our rules passed against the live picklists.
    Validated,
    /// What the registry already holds of this push.
    ReadBack {
        project_published: bool,
        units_present: usize,
        units_total: usize,
    },
    ProjectPosted,
    ProjectPublished {
        warehouse_project_id: String,
        issuance_id: String,
    },
    UnitPosted {
        unit_block_start: String,
        posted: usize,
        to_post: usize,
    },
    Committed,
    /// Waiting for the registry to publish: how many units are confirmed so far.
    Waiting {
        units_present: usize,
        units_total: usize,
    },
    /// A unit lost by the registry was posted again.
    Reposted {
        unit_block_start: String,
    },
    Confirmed,
}

impl PushProgress {
    /// The step in words, for progress displays (the CLI's `--progress`, the desktop's push
    /// dialog).
    pub fn describe(&self) -> String {
        match self {
            PushProgress::Validated => {
                "validated against the registry's picklists and the inventory".into()
            }
            PushProgress::ReadBack {
                project_published,
                units_present,
                units_total,
            } => format!(
                "read back: project {}, {units_present}/{units_total} unit block(s) already published",
                if *project_published { "published" } else { "absent" }
            ),
            PushProgress::ProjectPosted => "project and issuance posted".into(),
            PushProgress::ProjectPublished {
                warehouse_project_id,
                issuance_id,
            } => format!("project published: {warehouse_project_id} issuance {issuance_id}"),
            PushProgress::UnitPosted {
                unit_block_start,
                posted,
                to_post,
            } => format!("unit block {unit_block_start} posted ({posted}/{to_post})"),
            PushProgress::Committed => "committed; waiting for the registry to publish".into(),
            PushProgress::Waiting {
                units_present,
                units_total,
            } => format!("waiting: {units_present}/{units_total} unit block(s) published"),
            PushProgress::Reposted { unit_block_start } => format!(
                "unit block {unit_block_start} was lost by the registry and posted again"
            ),
            PushProgress::Confirmed => "confirmed: read back and matching".into(),
        }
    }

    /// Unit blocks done and to do, when the step knows them.
    pub fn units(&self) -> Option<(usize, usize)> {
        match self {
            PushProgress::ReadBack {
                units_present,
                units_total,
                ..
            }
            | PushProgress::Waiting {
                units_present,
                units_total,
            } => Some((*units_present, *units_total)),
            PushProgress::UnitPosted {
                posted, to_post, ..
            } => Some((*posted, *to_post)),
            _ => None,
        }
    }
}

/// A unit block the registry confirmed: read back, matching what we sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfirmedUnit {
    pub unit_block_start: String,
    pub unit_block_end: String,
    pub unit_count: u64,
    pub vintage_year: i32,
    pub unit_status: String,
    pub warehouse_unit_id: String,
    pub serial_number_block: Option<String>,
}

/// A confirmed push: the registry's ids for everything we sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushOutcome {
    pub warehouse_project_id: String,
    pub issuance_id: String,
    pub units: Vec<ConfirmedUnit>,
    /// Whether this run posted the project (false: it was already there).
    pub posted_project: bool,
    /// Unit blocks this run posted (first time), and re-posted after the registry lost them.
    pub posted_units: usize,
    pub reposted_units: usize,
}

/// Pushes one issuance: `project` (its one issuance nested) and its `units`.
///
/// 1. Our rules against the live picklists and `issued` (the inventory's blocks): on any
///    violation nothing is sent.
/// 2. Read back first: the project is found by its `projectId`, the issuance by its dates, each
///    unit by its `unitBlockStart` — natural keys we choose, so a retried or restarted push
///    finds what an earlier run sent (published or still staged) and never posts it twice.
/// 3. Post what is missing, commit, and read back until every unit is published and matches
///    what we sent. Rows the registry lost while publishing are posted again — only once the
///    registry has nothing pending, so a row merely not yet published is never sent twice.
///
/// Errors: [`RegistryError::Rules`] (nothing sent), `Rejected` (with the registry's reason),
/// `Foreign` (the registry holds a block overlapping ours that we did not send, or different
/// data under our key), `Duplicate` (a unit reported twice), `Unreachable`, `Timeout`,
/// `Server`, `NotConfirmed`.
pub fn push(
    client: &CadtClient,
    project: &ProjectPost,
    units: &[UnitPost],
    issued: &[SerialBlock],
    progress: &mut dyn FnMut(PushProgress),
) -> Result<PushOutcome, RegistryError> {
    let picklists = client.picklists()?;
    let violations = check_push(project, units, &picklists, issued);
    if !violations.is_empty() {
        return Err(RegistryError::Rules(violations));
    }
    progress(PushProgress::Validated);
    let issuance = &project.issuances[0];

    // The project and its issuance.
    let mut posted_project = false;
    let (warehouse_project_id, issuance_id) = match find_project(client, project)? {
        ProjectState::Published {
            warehouse_project_id,
            issuance_id,
        } => (warehouse_project_id, issuance_id),
        state => {
            let staged = staged_issuance(&client.staging()?, project);
            let row = match (state, staged) {
                (_, Some(row)) => row,
                (ProjectState::WithoutIssuance(record), None) => {
                    posted_project = true;
                    client.put_project(&project_update(project, &record))?
                }
                (_, None) => {
                    posted_project = true;
                    client.post_project(project)?
                }
            };
            if posted_project {
                progress(PushProgress::ProjectPosted);
            }
            client.commit_ids(&[row])?;
            wait_for(client, |c| {
                Ok(match find_project(c, project)? {
                    ProjectState::Published {
                        warehouse_project_id,
                        issuance_id,
                    } => Some((warehouse_project_id, issuance_id)),
                    _ => None,
                })
            })?
        }
    };
    progress(PushProgress::ProjectPublished {
        warehouse_project_id: warehouse_project_id.clone(),
        issuance_id: issuance_id.clone(),
    });

    // The units, each carrying `issuance: {id, …}`.
    let to_send: Vec<UnitPost> = units
        .iter()
        .map(|u| UnitPost {
            issuance: Some(IssuancePost {
                id: Some(issuance_id.clone()),
                ..issuance.clone()
            }),
            ..u.clone()
        })
        .collect();
    let published = ours_on_registry(&client.units()?, &to_send, &issuance_id)?;
    let staged = staged_units(&client.staging()?);
    progress(PushProgress::ReadBack {
        project_published: true,
        units_present: published.len(),
        units_total: to_send.len(),
    });
    let missing: Vec<&UnitPost> = to_send
        .iter()
        .filter(|u| {
            !published.contains_key(&u.unit_block_start)
                && !staged.contains_key(&u.unit_block_start)
        })
        .collect();
    // Ours waiting in staging (an earlier run's) and what we post now: what we commit.
    let mut to_commit: Vec<String> = to_send
        .iter()
        .filter_map(|u| staged.get(&u.unit_block_start).cloned())
        .collect();
    let mut posted_units = 0;
    for unit in &missing {
        to_commit.push(client.post_unit(unit)?);
        posted_units += 1;
        progress(PushProgress::UnitPosted {
            unit_block_start: unit.unit_block_start.clone(),
            posted: posted_units,
            to_post: missing.len(),
        });
    }
    if !to_commit.is_empty() {
        client.commit_ids(&to_commit)?;
        progress(PushProgress::Committed);
    }

    // Confirmation.
    let deadline = Instant::now() + client.confirm_timeout;
    let mut reposted_units = 0;
    loop {
        let pending = client.has_pending_commits()?;
        let published = ours_on_registry(&client.units()?, &to_send, &issuance_id)?;
        progress(PushProgress::Waiting {
            units_present: published.len(),
            units_total: to_send.len(),
        });
        if published.len() == to_send.len() {
            progress(PushProgress::Confirmed);
            let units = to_send
                .iter()
                .map(|u| {
                    let r = &published[&u.unit_block_start];
                    ConfirmedUnit {
                        unit_block_start: r.unit_block_start.clone(),
                        unit_block_end: r.unit_block_end.clone(),
                        unit_count: r.unit_count,
                        vintage_year: r.vintage_year,
                        unit_status: r.unit_status.clone(),
                        warehouse_unit_id: r.warehouse_unit_id.clone(),
                        serial_number_block: r.serial_number_block.clone(),
                    }
                })
                .collect();
            return Ok(PushOutcome {
                warehouse_project_id,
                issuance_id,
                units,
                posted_project,
                posted_units,
                reposted_units,
            });
        }
        if Instant::now() >= deadline {
            let missing: Vec<&str> = to_send
                .iter()
                .filter(|u| !published.contains_key(&u.unit_block_start))
                .map(|u| u.unit_block_start.as_str())
                .collect();
            return Err(RegistryError::NotConfirmed {
                seconds: client.confirm_timeout.as_secs(),
                missing: format!("units not published: {}", missing.join(", ")),
            });
        }
        if !pending {
            // Nothing waits to be published (read before the units), so a unit neither
            // published nor staged was lost: post it again.
            let staged = staged_units(&client.staging()?);
            let mut to_commit: Vec<String> = to_send
                .iter()
                .filter_map(|u| staged.get(&u.unit_block_start).cloned())
                .collect();
            let lost: Vec<&UnitPost> = to_send
                .iter()
                .filter(|u| {
                    !published.contains_key(&u.unit_block_start)
                        && !staged.contains_key(&u.unit_block_start)
                })
                .collect();
            for unit in &lost {
                to_commit.push(client.post_unit(unit)?);
                reposted_units += 1;
                progress(PushProgress::Reposted {
                    unit_block_start: unit.unit_block_start.clone(),
                });
            }
            client.commit_ids(&to_commit)?;
        }
        std::thread::sleep(client.poll_interval);
    }
}

/// Waits until `probe` finds something, polling every `poll_interval`.
fn wait_for<T>(
    client: &CadtClient,
    probe: impl Fn(&CadtClient) -> Result<Option<T>, RegistryError>,
) -> Result<T, RegistryError> {
    let deadline = Instant::now() + client.confirm_timeout;
    loop {
        if let Some(found) = probe(client)? {
            return Ok(found);
        }
        if Instant::now() >= deadline {
            return Err(RegistryError::NotConfirmed {
                seconds: client.confirm_timeout.as_secs(),
                missing: "the project and its issuance were not published".into(),
            });
        }
        std::thread::sleep(client.poll_interval);
    }
}

fn same_date(a: &str, b: &str) -> bool {
    match (
        mrv_core::cadt::parse_cadt_date(a),
        mrv_core::cadt::parse_cadt_date(b),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => a == b,
    }
}

/// Where our project and issuance stand among published projects.
enum ProjectState {
    /// No project with our `projectId`.
    Absent,
    /// The project, without our issuance (an earlier export's project).
    WithoutIssuance(ProjectRecord),
    Published {
        warehouse_project_id: String,
        issuance_id: String,
    },
}

/// Our project (by `projectId`) and our issuance in it (by its dates).
fn find_project(client: &CadtClient, project: &ProjectPost) -> Result<ProjectState, RegistryError> {
    let mut ours: Vec<ProjectRecord> = client
        .projects()?
        .into_iter()
        .filter(|p| p.project_id == project.project_id)
        .collect();
    let record = match ours.len() {
        0 => return Ok(ProjectState::Absent),
        1 => ours.remove(0),
        n => {
            return Err(RegistryError::Duplicate {
                what: format!("project {:?}", project.project_id),
                times: n,
            })
        }
    };
    let wanted = &project.issuances[0];
    let matching: Vec<&IssuanceRecord> = record
        .issuances
        .iter()
        .filter(|i| same_period(i.start_date.as_str(), i.end_date.as_str(), wanted))
        .collect();
    match matching.as_slice() {
        [] => Ok(ProjectState::WithoutIssuance(record)),
        [one] => {
            let same = one.verification_body == wanted.verification_body
                && one.verification_approach == wanted.verification_approach
                && same_date(
                    &one.verification_report_date,
                    &wanted.verification_report_date,
                );
            if same {
                Ok(ProjectState::Published {
                    warehouse_project_id: record.warehouse_project_id.clone(),
                    issuance_id: one.id.clone(),
                })
            } else {
                Err(RegistryError::Foreign(format!(
                    "issuance {} of project {:?} differs from ours (verification body, \
                     approach or report date)",
                    one.id, project.project_id
                )))
            }
        }
        more => Err(RegistryError::Duplicate {
            what: format!(
                "the issuance {}..{} of project {:?}",
                wanted.start_date, wanted.end_date, project.project_id
            ),
            times: more.len(),
        }),
    }
}

fn same_period(start: &str, end: &str, wanted: &IssuancePost) -> bool {
    same_date(start, &wanted.start_date) && same_date(end, &wanted.end_date)
}

/// `PUT /v1/projects`'s body: our project with the registry's `warehouseProjectId` and its
/// published issuances (by id, in the issuance schema's fields) followed by ours.
fn project_update(project: &ProjectPost, record: &ProjectRecord) -> Value {
    let mut issuances: Vec<IssuancePost> = record
        .issuances
        .iter()
        .map(|i| IssuancePost {
            id: Some(i.id.clone()),
            start_date: i.start_date.clone(),
            end_date: i.end_date.clone(),
            verification_approach: i.verification_approach.clone(),
            verification_body: i.verification_body.clone(),
            verification_report_date: i.verification_report_date.clone(),
        })
        .collect();
    issuances.extend(project.issuances.iter().cloned());
    let mut body = serde_json::to_value(ProjectPost {
        issuances,
        ..project.clone()
    })
    .unwrap_or(Value::Null);
    if let Some(map) = body.as_object_mut() {
        map.insert(
            "warehouseProjectId".into(),
            Value::String(record.warehouse_project_id.clone()),
        );
    }
    body
}

/// The staging row (created or updated project, staged or committed and not yet published)
/// already carrying our project with our issuance, if any: its uuid.
fn staged_issuance(staging: &[StagingRecord], project: &ProjectPost) -> Option<String> {
    let wanted = &project.issuances[0];
    staging
        .iter()
        .filter(|s| s.table == "Projects" && !s.failed_commit)
        .find(|s| {
            s.diff.iter().flat_map(|d| d.change.iter()).any(|c| {
                // We always send projectId as a string.
                c.get("projectId").and_then(Value::as_str) == Some(project.project_id.as_str())
                    && c.get("issuances")
                        .and_then(Value::as_array)
                        .is_some_and(|list| {
                            list.iter().any(|i| {
                                let text =
                                    |k: &str| i.get(k).and_then(Value::as_str).unwrap_or_default();
                                same_period(text("startDate"), text("endDate"), wanted)
                            })
                        })
            })
        })
        .map(|s| s.uuid.clone())
}

/// Units waiting in staging (staged or committed): `unitBlockStart` → staging uuid.
fn staged_units(staging: &[StagingRecord]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for row in staging
        .iter()
        .filter(|s| s.table == "Units" && !s.failed_commit)
    {
        for change in row.diff.iter().flat_map(|d| d.change.iter()) {
            if let Some(start) = change.get("unitBlockStart").and_then(Value::as_str) {
                out.insert(start.to_owned(), row.uuid.clone());
            }
        }
    }
    out
}

/// The registry's units that are ours, by `unitBlockStart`, each checked: reported once, and
/// saying what we sent. A registry unit overlapping one of our blocks under another key, or
/// differing from what we sent, is data we did not send.
fn ours_on_registry(
    registry: &[UnitRecord],
    ours: &[UnitPost],
    issuance_id: &str,
) -> Result<HashMap<String, UnitRecord>, RegistryError> {
    let mut blocks = Vec::new();
    for u in ours {
        if let Ok(block) = SerialBlock::parse(&u.unit_block_start, &u.unit_block_end) {
            blocks.push((u, block));
        }
    }
    let mut found: HashMap<String, UnitRecord> = HashMap::new();
    let mut times: HashMap<&str, usize> = HashMap::new();
    for record in registry {
        let theirs = SerialBlock::parse(&record.unit_block_start, &record.unit_block_end).ok();
        for (sent, block) in &blocks {
            let same_key = record.unit_block_start == sent.unit_block_start;
            let overlaps = theirs.as_ref().is_some_and(|t| t.overlaps(block));
            if !same_key && !overlaps {
                continue;
            }
            if !same_key || !record.matches(sent, Some(issuance_id)) {
                return Err(RegistryError::Foreign(format!(
                    "unit {} ({}..{}, {} units, {}, issuance {}) where we sent {}..{} ({} units, {})",
                    record.warehouse_unit_id,
                    record.unit_block_start,
                    record.unit_block_end,
                    record.unit_count,
                    record.unit_status,
                    record.issuance_id.as_deref().unwrap_or("none"),
                    sent.unit_block_start,
                    sent.unit_block_end,
                    sent.unit_count,
                    sent.unit_status
                )));
            }
            *times.entry(sent.unit_block_start.as_str()).or_default() += 1;
            found.insert(sent.unit_block_start.clone(), record.clone());
        }
    }
    if let Some((start, n)) = times.into_iter().find(|(_, n)| *n > 1) {
        return Err(RegistryError::Duplicate {
            what: format!("unit block {start}"),
            times: n,
        });
    }
    Ok(found)
}

// ---------------------------------------------------------------------------------------------
// Reconcile

/// One unit block as our inventory records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryBlock {
    pub unit_block_start: String,
    pub unit_block_end: String,
    pub unit_count: u64,
    /// The registry's id when the push was confirmed.
    pub warehouse_unit_id: Option<String>,
}

/// What reconciliation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// Two blocks overlap (on the registry, or between the registry and us).
    Overlap {
        first: String,
        second: String,
        detail: String,
    },
    /// The same block with different unit counts, or total units under a prefix that differ.
    TotalsDiffer {
        what: String,
        ours: u64,
        registry: u64,
    },
    /// A block in our inventory the registry does not have.
    UnknownToRegistry { unit_block_start: String },
    /// A block on the registry in our numbering that our inventory does not have.
    UnknownToUs {
        unit_block_start: String,
        warehouse_unit_id: String,
    },
}

impl Finding {
    /// The finding in words.
    pub fn describe(&self) -> String {
        match self {
            Finding::Overlap { detail, .. } => format!("overlap: {detail}"),
            Finding::TotalsDiffer {
                what,
                ours,
                registry,
            } => format!("totals differ: {what}: ours {ours}, registry {registry}"),
            Finding::UnknownToRegistry { unit_block_start } => {
                format!("unknown to the registry: our block {unit_block_start}")
            }
            Finding::UnknownToUs {
                unit_block_start,
                warehouse_unit_id,
            } => format!(
                "unknown to us: registry unit {warehouse_unit_id} (block {unit_block_start})"
            ),
        }
    }
}

/// Compares our inventory with the registry's units. Only registry units whose serials are in
/// our numbering and share a prefix with our inventory are ours to account for; other
/// organisations' units are left alone unless they overlap ours.
pub fn reconcile(
    client: &CadtClient,
    ours: &[InventoryBlock],
) -> Result<Vec<Finding>, RegistryError> {
    Ok(compare(&client.units()?, ours))
}

/// The pure half of [`reconcile`].
pub fn compare(registry: &[UnitRecord], ours: &[InventoryBlock]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let parse = |s: &str, e: &str| SerialBlock::parse(s, e).ok();
    let our_blocks: Vec<(&InventoryBlock, Option<SerialBlock>)> = ours
        .iter()
        .map(|b| (b, parse(&b.unit_block_start, &b.unit_block_end)))
        .collect();
    let prefixes: std::collections::HashSet<String> = our_blocks
        .iter()
        .filter_map(|(_, b)| b.as_ref().map(|b| b.prefix().to_owned()))
        .collect();
    let their_blocks: Vec<(&UnitRecord, Option<SerialBlock>)> = registry
        .iter()
        .map(|u| (u, parse(&u.unit_block_start, &u.unit_block_end)))
        .collect();

    // Overlaps among the registry's own blocks (distinct records).
    for (i, (a, ab)) in their_blocks.iter().enumerate() {
        for (b, bb) in &their_blocks[i + 1..] {
            if let (Some(ab), Some(bb)) = (ab, bb) {
                if ab.overlaps(bb) {
                    findings.push(Finding::Overlap {
                        first: a.unit_block_start.clone(),
                        second: b.unit_block_start.clone(),
                        detail: format!(
                            "registry units {} ({ab}) and {} ({bb}) overlap",
                            a.warehouse_unit_id, b.warehouse_unit_id
                        ),
                    });
                }
            }
        }
    }
    // Overlaps between registry blocks and ours that are not the same block.
    for (theirs, tb) in &their_blocks {
        for (our, ob) in &our_blocks {
            if let (Some(tb), Some(ob)) = (tb, ob) {
                if tb.overlaps(ob) && theirs.unit_block_start != our.unit_block_start {
                    findings.push(Finding::Overlap {
                        first: our.unit_block_start.clone(),
                        second: theirs.unit_block_start.clone(),
                        detail: format!(
                            "our block {ob} overlaps registry unit {} ({tb})",
                            theirs.warehouse_unit_id
                        ),
                    });
                }
            }
        }
    }
    // Block by block.
    for (our, _) in &our_blocks {
        match registry
            .iter()
            .find(|u| u.unit_block_start == our.unit_block_start)
        {
            None => findings.push(Finding::UnknownToRegistry {
                unit_block_start: our.unit_block_start.clone(),
            }),
            Some(theirs) if theirs.unit_count != our.unit_count => {
                findings.push(Finding::TotalsDiffer {
                    what: format!("block {}", our.unit_block_start),
                    ours: our.unit_count,
                    registry: theirs.unit_count,
                })
            }
            Some(_) => {}
        }
    }
    for (theirs, tb) in &their_blocks {
        let in_our_numbering = tb.as_ref().is_some_and(|b| prefixes.contains(b.prefix()));
        if in_our_numbering
            && !ours
                .iter()
                .any(|o| o.unit_block_start == theirs.unit_block_start)
        {
            findings.push(Finding::UnknownToUs {
                unit_block_start: theirs.unit_block_start.clone(),
                warehouse_unit_id: theirs.warehouse_unit_id.clone(),
            });
        }
    }
    // Totals per prefix.
    let mut prefixes: Vec<&String> = prefixes.iter().collect();
    prefixes.sort();
    for prefix in prefixes {
        let ours_total: u64 = our_blocks
            .iter()
            .filter(|(_, b)| b.as_ref().is_some_and(|b| b.prefix() == prefix))
            .map(|(o, _)| o.unit_count)
            .sum();
        let theirs_total: u64 = their_blocks
            .iter()
            .filter(|(_, b)| b.as_ref().is_some_and(|b| b.prefix() == prefix))
            .map(|(t, _)| t.unit_count)
            .sum();
        if ours_total != theirs_total {
            findings.push(Finding::TotalsDiffer {
                what: format!("units under {prefix}"),
                ours: ours_total,
                registry: theirs_total,
            });
        }
    }
    findings
}

// ---------------------------------------------------------------------------------------------
// The workspace's connection

/// The registry connection as shown to users (never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryStatus {
    pub connected: bool,
    pub url: Option<String>,
    pub connected_by: Option<String>,
    pub connected_at: Option<String>,
    /// Whether the registry answered (with our key) just now.
    pub reachable: Option<bool>,
    pub problem: Option<String>,
    /// Published unit blocks the registry reports.
    pub units_on_registry: Option<u64>,
}

/// The largest API key file read.
const MAX_KEY_BYTES: u64 = 4096;

/// Reads an API key from a file the user names: a regular file (not a link, FIFO or device),
/// its first line, trimmed, not empty.
pub fn read_api_key_file(path: &Path) -> Result<String, AppError> {
    let shown = path.display();
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| AppError::InvalidInput(format!("API key file {shown} cannot be read: {e}")))?;
    if meta.file_type().is_symlink() {
        return Err(AppError::InvalidInput(format!(
            "API key file {shown} is a symbolic link; name the file itself"
        )));
    }
    let file = files::open_input(path, "API key file")?;
    let mut text = String::new();
    file.take(MAX_KEY_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| AppError::InvalidInput(format!("API key file {shown}: {e}")))?;
    if text.len() as u64 > MAX_KEY_BYTES {
        return Err(AppError::InvalidInput(format!(
            "API key file {shown} is larger than {MAX_KEY_BYTES} bytes; it should hold only the key"
        )));
    }
    let key = text.lines().next().unwrap_or_default().trim().to_owned();
    if key.is_empty() {
        return Err(AppError::InvalidInput(format!(
            "API key file {shown} is empty: its first line must be the key"
        )));
    }
    if key.chars().any(|c| c.is_control() || c == ' ') {
        return Err(AppError::InvalidInput(format!(
            "API key file {shown}: the key's first line holds spaces or control characters"
        )));
    }
    Ok(key)
}

impl Mrv {
    /// Connects the workspace to a CADT registry: checks the registry answers with the key
    /// (its picklists), then stores URL and key and journals `registry.connect` (the URL only)
    /// in one transaction.
    pub fn connect_registry(
        &mut self,
        session: &Session,
        url: &str,
        api_key_file: &Path,
    ) -> Result<RegistryStatus, AppError> {
        let granted = self.authorize(session, Action::ConnectRegistry)?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(AppError::InvalidInput(format!(
                "{url:?} is not an http:// or https:// URL"
            )));
        }
        let key = read_api_key_file(api_key_file)?;
        let client = CadtClient::new(url, &key)?;
        client.picklists()?;
        let now = clock::now().to_string();
        let record = mrv_store::RegistryRecord {
            url: client.url().to_owned(),
            // Never stored in clear: sealed below for each user who may use it.
            api_key: String::new(),
            connected_by: granted.user().to_owned(),
            connected_at: now.clone(),
        };
        let tx = self.transaction(&granted)?;
        mrv_store::set_registry(&tx, &record)?;
        let sealed_for = crate::registry_key::seal_registry_key(&tx, &key, true)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "registry.connect",
            &format!("registry:{}", record.url),
            serde_json::json!({ "url": record.url, "key_sealed_for": sealed_for }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.registry_status(session)
    }

    /// The connection and whether the registry answers now.
    pub fn registry_status(&self, session: &Session) -> Result<RegistryStatus, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let Some(record) = mrv_store::registry(self.ws.conn())? else {
            return Ok(RegistryStatus {
                connected: false,
                url: None,
                connected_by: None,
                connected_at: None,
                reachable: None,
                problem: None,
                units_on_registry: None,
            });
        };
        let (reachable, problem, units) = match self.open_registry_key(session)? {
            None => (
                None,
                Some(format!(
                    "not checked: the registry's API key is sealed for those who push exports or connect the registry, not for {}",
                    session.user.name
                )),
                None,
            ),
            Some(key) => {
                match CadtClient::new(&record.url, &key).and_then(|c| c.unit_count()) {
                    Ok(count) => (Some(true), None, Some(count)),
                    Err(e) => (Some(false), Some(e.to_string()), None),
                }
            }
        };
        Ok(RegistryStatus {
            connected: true,
            url: Some(record.url),
            connected_by: Some(record.connected_by),
            connected_at: Some(record.connected_at),
            reachable,
            problem,
            units_on_registry: units,
        })
    }

    /// A client for the connected registry with the API key opened for `session`, for a use
    /// case already authorized (the export's push and reconcile).
    pub(crate) fn registry_client(&mut self, session: &Session) -> Result<CadtClient, AppError> {
        let record = mrv_store::registry(self.ws.conn())?.ok_or_else(|| {
            AppError::Conflict(
                "this workspace is not connected to a registry: an ops admin runs `mrv registry connect URL --api-key-file FILE`".into(),
            )
        })?;
        let key = self.registry_key(session)?;
        Ok(CadtClient::new(&record.url, &key)?)
    }
}
