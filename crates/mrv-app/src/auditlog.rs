//! The audit-log client (DESIGN.md §6, client duties): the workspace pins one log's origin and
//! verifier key, queues an anchor for every stamp (in the approval's own transaction) and for the
//! journal head, and sends them when the log is reachable, with backoff. It trusts nothing the
//! log says without checking it:
//!
//! - every checkpoint's signature against the pinned key, and its origin;
//! - each receipt's inclusion proof against a leaf it recomputes from its own entry bytes;
//! - every newer checkpoint's consistency with the last one it stored, by a consistency proof it
//!   computes from the log's tiles (whose root must match the signed one); same size ⇒ same root;
//!   never backwards.
//!
//! A checkpoint that conflicts with a stored one raises an alarm that keeps both signed
//! checkpoints as evidence, and anchoring stops until an ops admin connects to a log again.

use crate::session::Session;
use crate::{clock, AppError, Mrv};
use mrv_core::{Action, AnchorEntry, AnchorKind, Granted};
use mrv_store::{AlarmRecord, AnchorRecord, AuditLogRecord, CheckpointRecord, HealthRecord};
use mrv_tlog::{verify_consistency, Checkpoint, Receipt, ReceiptError, TiledTree, VerifierKey};
use serde::Serialize;
use std::time::Duration;

/// The first retry waits this long; each failure doubles it, up to [`MAX_BACKOFF_SECONDS`].
pub const FIRST_BACKOFF_SECONDS: i64 = 5;
pub const MAX_BACKOFF_SECONDS: i64 = 3600;

/// The log connection as front ends show it (never the token).
#[derive(Debug, Clone, Serialize)]
pub struct AuditLogView {
    pub url: String,
    pub origin: String,
    pub vkey: String,
    pub connected_by: String,
    pub connected_at: String,
}

/// A stored, verified checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct CheckpointView {
    pub size: u64,
    pub root_base64: String,
    pub seen_at: String,
}

/// A conflict the log signed: both checkpoints are kept.
#[derive(Debug, Clone, Serialize)]
pub struct AlarmView {
    pub id: i64,
    /// `fork` (same or larger size, not an extension of ours) or `rollback` (smaller tree).
    pub kind: String,
    pub detail: String,
    pub detected_at: String,
    pub stored_checkpoint: String,
    pub presented_checkpoint: String,
}

/// The log-health panel.
#[derive(Debug, Clone, Serialize)]
pub struct LogHealth {
    pub log: Option<AuditLogView>,
    pub latest: Option<CheckpointView>,
    pub last_checked_at: Option<String>,
    pub last_consistent_at: Option<String>,
    pub last_error: Option<String>,
    pub alarms: Vec<AlarmView>,
    pub queued: usize,
    pub failed: usize,
    pub anchored: usize,
    /// The last journal head anchored to the log, compared with the journal now.
    pub journal_head: Option<crate::AnchoredHead>,
    /// Anchored journal heads the journal no longer matches, receipts that no longer verify.
    pub journal_problems: Vec<crate::JournalProblem>,
}

/// One anchor as front ends show it.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorView {
    pub kind: String,
    pub record_id: String,
    pub batch_id: Option<i64>,
    /// `queued`, `failed` (will retry) or `anchored`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub log_index: Option<i64>,
    pub checkpoint_size: Option<i64>,
    pub origin: Option<String>,
    pub anchored_at: Option<String>,
    /// The entry text (what the leaf is hashed from).
    pub entry: String,
    /// The C2SP tlog-proof receipt, once anchored.
    pub receipt: Option<String>,
}

impl From<AnchorRecord> for AnchorView {
    fn from(a: AnchorRecord) -> AnchorView {
        AnchorView {
            next_attempt_at: (a.state != "anchored").then_some(a.next_attempt_at),
            kind: a.kind,
            record_id: a.record_id,
            batch_id: a.batch_id,
            state: a.state,
            attempts: a.attempts,
            last_error: a.last_error,
            log_index: a.log_index,
            checkpoint_size: a.checkpoint_size,
            origin: a.origin,
            anchored_at: a.anchored_at,
            entry: String::from_utf8_lossy(&a.entry).into_owned(),
            receipt: a.receipt,
        }
    }
}

/// What one anchoring pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AnchorRun {
    pub attempted: usize,
    pub anchored: usize,
    pub failed: usize,
    pub anchors: Vec<AnchorView>,
}

/// The record id of a batch version's stamp anchor.
pub(crate) fn stamp_record_id(batch_id: i64, version: i64) -> String {
    format!("batch-{batch_id}-v{version}")
}

/// Queues the anchor of a stamp, inside the approval's transaction.
pub(crate) fn queue_stamp(
    tx: &mrv_store::Connection,
    batch_id: i64,
    version: i64,
    stamp_hash_hex: &str,
    now: &str,
) -> Result<(), AppError> {
    let id = stamp_record_id(batch_id, version);
    let entry = entry(AnchorKind::Stamp, &id, stamp_hash_hex)?;
    mrv_store::queue_anchor(tx, "stamp", &id, Some(batch_id), &entry.to_bytes(), now)?;
    Ok(())
}

fn entry(kind: AnchorKind, id: &str, hash_hex: &str) -> Result<AnchorEntry, AppError> {
    let mut sha = [0u8; 32];
    hex::decode_to_slice(hash_hex, &mut sha)
        .map_err(|_| AppError::Internal(format!("{id}: {hash_hex:?} is not a SHA-256")))?;
    AnchorEntry::new(kind, id, sha).map_err(|e| AppError::Internal(e.to_string()))
}

/// The wire: a blocking HTTP client (reqwest, rustls with the ring provider) with short
/// timeouts. Tiles are immutable once served (a path names its width), so one client — one
/// check or one anchoring run — reads each once.
pub(crate) struct LogClient {
    url: String,
    /// The client, or why it could not be made (reported by the first request).
    http: Result<reqwest::blocking::Client, String>,
    tiles: std::cell::RefCell<std::collections::HashMap<String, Vec<u8>>>,
}

/// The largest answer the client reads.
const MAX_ANSWER_BYTES: u64 = 1 << 20;

/// A blocking client: 5 s to connect, 30 s for a whole exchange.
fn http_client() -> Result<reqwest::blocking::Client, String> {
    // reqwest is built without a default crypto provider: use ring, unless the process
    // already chose one.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot make an HTTP client: {}", describe(&e)))
}

/// An HTTP error with its causes (reqwest's own message names only the request).
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

impl LogClient {
    pub(crate) fn new(url: &str) -> LogClient {
        LogClient {
            url: url.trim_end_matches('/').to_owned(),
            http: http_client(),
            tiles: Default::default(),
        }
    }

    fn http(&self, what: &str) -> Result<&reqwest::blocking::Client, String> {
        self.http.as_ref().map_err(|e| format!("{what}: {e}"))
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if let Some(tile) = self.tiles.borrow().get(path) {
            return Ok(tile.clone());
        }
        let what = format!("GET /{path}");
        let answer = self.http(&what)?.get(format!("{}/{path}", self.url)).send();
        let body = ok_body(&what, answer)?;
        if path.starts_with("tile/") {
            self.tiles
                .borrow_mut()
                .insert(path.to_owned(), body.clone());
        }
        Ok(body)
    }

    fn add(&self, token: &str, entry: &[u8]) -> Result<String, String> {
        let answer = self
            .http("POST /add")?
            .post(format!("{}/add", self.url))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "text/plain")
            .body(entry.to_vec())
            .send();
        let body = ok_body("POST /add", answer)?;
        String::from_utf8(body).map_err(|_| "POST /add: the answer is not UTF-8".into())
    }
}

/// The body of a 200 answer (at most 1 MiB), or why there is none.
fn ok_body(
    what: &str,
    answer: reqwest::Result<reqwest::blocking::Response>,
) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let r = answer.map_err(|e| format!("{what}: {}", describe(&e)))?;
    let status = r.status().as_u16();
    let mut body = Vec::new();
    r.take(MAX_ANSWER_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("{what}: {e}"))?;
    if body.len() as u64 > MAX_ANSWER_BYTES {
        return Err(format!("{what}: the answer is larger than 1 MiB"));
    }
    if status != 200 {
        return Err(format!(
            "{what}: HTTP {status} {}",
            String::from_utf8_lossy(&body).trim()
        ));
    }
    Ok(body)
}

/// Opens a signed checkpoint with the pinned key and origin.
fn open_checkpoint(
    (log, key): &(AuditLogRecord, VerifierKey),
    note: &str,
    what: &str,
) -> Result<Checkpoint, Refusal> {
    Checkpoint::open(note.as_bytes(), &log.origin, key)
        .map_err(|e| Refusal::Error(format!("{what}: {e}")))
}

/// Why a checkpoint was not accepted.
enum Refusal {
    /// Not trustworthy (bad signature, bad tiles, network): retry later.
    Error(String),
    /// The log signed something inconsistent with what we stored: alarm raised.
    Alarm(String),
}

impl Refusal {
    /// As the caller's error: a failed exchange is `Io` (retried later), an alarm a conflict.
    fn into_error(self, origin: &str) -> AppError {
        match self {
            Refusal::Error(e) => AppError::Io(e),
            Refusal::Alarm(e) => AppError::Conflict(format!("the audit log {origin}: {e}")),
        }
    }
}

impl Mrv {
    /// Connects the workspace to the log at `url`, pinning `vkey` (whose name is the log's
    /// origin). The log must answer with a checkpoint that key signed; it becomes the first one
    /// stored for that origin.
    pub fn connect_auditlog(
        &mut self,
        session: &Session,
        url: &str,
        vkey: &str,
        token: &str,
    ) -> Result<LogHealth, AppError> {
        let granted = self.authorize(session, Action::ConfigureAuditLog)?;
        let key =
            VerifierKey::parse(vkey).map_err(|e| AppError::InvalidInput(format!("--vkey: {e}")))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(AppError::InvalidInput(format!(
                "{url:?} is not an http:// or https:// URL"
            )));
        }
        if token.trim().is_empty() {
            return Err(AppError::InvalidInput("a writer token is needed".into()));
        }
        let client = LogClient::new(url);
        let note = client
            .read("checkpoint")
            .map_err(|e| AppError::Io(format!("the audit log at {url} did not answer: {e}")))?;
        let cp = Checkpoint::open(&note, &key.name, &key)
            .map_err(|e| AppError::InvalidInput(format!("{url}/checkpoint: {e}")))?;
        let now = clock::now().to_string();
        let log = (
            AuditLogRecord {
                url: client.url.clone(),
                origin: key.name.clone(),
                vkey: key.to_text(),
                // Never stored in clear: sealed per anchoring user below.
                token: String::new(),
                connected_by: granted.user().to_owned(),
                connected_at: now.clone(),
            },
            key,
        );
        // Checked against what we hold for that key before the workspace switches to it.
        let note = String::from_utf8_lossy(&note);
        self.accept(&log, &client, &cp, &note, true)
            .map_err(|r| r.into_error(&log.0.origin))?;
        let key = &log.1;
        let tx = self.transaction(&granted)?;
        mrv_store::set_auditlog(&tx, &log.0)?;
        let sealed_for = crate::writer_token::seal_token(&tx, token.trim(), true)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "auditlog.connect",
            &format!("auditlog:{}", key.name),
            serde_json::json!({"url": client.url, "vkey": key.to_text(), "token_sealed_for": sealed_for}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.health_of(Some(&log))
    }

    fn log_config(&self) -> Result<Option<(AuditLogRecord, VerifierKey)>, AppError> {
        Ok(match mrv_store::auditlog(self.ws.conn())? {
            None => None,
            Some(rec) => {
                let key = VerifierKey::parse(&rec.vkey)
                    .map_err(|e| AppError::Internal(format!("stored vkey: {e}")))?;
                Some((rec, key))
            }
        })
    }

    pub(crate) fn needs_log(&self) -> Result<(AuditLogRecord, VerifierKey), AppError> {
        self.log_config()?.ok_or_else(|| {
            AppError::Conflict(
                "this workspace is not connected to an audit log: an ops admin runs `mrv auditlog connect URL --vkey VKEY --token TOKEN`".into(),
            )
        })
    }

    /// The log-health panel.
    pub fn log_health(&self, session: &Session) -> Result<LogHealth, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.health_of(self.log_config()?.as_ref())
    }

    fn health_of(
        &self,
        log: Option<&(AuditLogRecord, VerifierKey)>,
    ) -> Result<LogHealth, AppError> {
        use base64::Engine;
        let conn = self.ws.conn();
        let counts = mrv_store::anchor_counts(conn)?;
        let mut health = LogHealth {
            log: None,
            latest: None,
            last_checked_at: None,
            last_consistent_at: None,
            last_error: None,
            alarms: vec![],
            queued: counts.queued,
            failed: counts.failed,
            anchored: counts.anchored,
            journal_head: None,
            journal_problems: vec![],
        };
        let mut events = Vec::new();
        mrv_store::each_journal_event(conn, &mut |r| {
            events.push(r);
            true
        })?;
        let mut problems = crate::consistency::Problems(Vec::new());
        health.journal_head =
            crate::consistency::anchored_heads(conn, &events, false, &mut problems)?;
        health.journal_problems = problems.0;
        let Some((log, _)) = log else {
            return Ok(health);
        };
        let h = mrv_store::health(conn, &log.vkey)?;
        health.log = Some(AuditLogView {
            url: log.url.clone(),
            origin: log.origin.clone(),
            vkey: log.vkey.clone(),
            connected_by: log.connected_by.clone(),
            connected_at: log.connected_at.clone(),
        });
        health.latest = mrv_store::latest_checkpoint(conn, &log.vkey)?.map(|c| CheckpointView {
            size: c.size,
            root_base64: base64::engine::general_purpose::STANDARD.encode(c.root),
            seen_at: c.seen_at,
        });
        health.last_checked_at = h.last_checked_at;
        health.last_consistent_at = h.last_consistent_at;
        health.last_error = h.last_error;
        health.alarms = mrv_store::alarms(conn, &log.vkey)?
            .into_iter()
            .map(|a| AlarmView {
                id: a.id,
                kind: a.kind,
                detail: a.detail,
                detected_at: a.detected_at,
                stored_checkpoint: a.stored_note,
                presented_checkpoint: a.presented_note,
            })
            .collect();
        Ok(health)
    }

    /// Fetches the log's latest checkpoint and checks it against the stored one.
    pub fn check_auditlog(&mut self, session: &Session) -> Result<LogHealth, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let log = self.needs_log()?;
        // Failures and alarms are in the health it returns.
        let _outcome = self.probe_auditlog(&log)?;
        self.health_of(Some(&log))
    }

    /// The check of [`Mrv::check_auditlog`], which a release's synthetic monitor runs too:
    /// fetches the log's latest checkpoint, opens it with the pinned key and origin, and proves
    /// it consistent with the last one stored (storing it, or raising a fork or rollback
    /// alarm). `Ok(Ok(size))`: the checkpoint's size; `Ok(Err(what))`: what failed.
    pub(crate) fn probe_auditlog(
        &self,
        log: &(AuditLogRecord, VerifierKey),
    ) -> Result<Result<u64, String>, AppError> {
        let client = LogClient::new(&log.0.url);
        let outcome = client
            .read("checkpoint")
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(Refusal::Error)
            .and_then(|note| {
                let cp = open_checkpoint(log, &note, "the log's checkpoint was refused")?;
                self.accept(log, &client, &cp, &note, true)?;
                Ok(cp.size)
            });
        match outcome {
            Ok(size) => Ok(Ok(size)),
            Err(Refusal::Error(e)) => {
                self.note_health(&log.0.vkey, |h| h.last_error = Some(e.clone()))?;
                Ok(Err(e))
            }
            Err(Refusal::Alarm(e)) => Ok(Err(format!("alarm: {e}"))),
        }
    }

    fn note_health(
        &self,
        log_vkey: &str,
        change: impl FnOnce(&mut HealthRecord),
    ) -> Result<(), AppError> {
        let conn = self.ws.conn();
        let mut h = mrv_store::health(conn, log_vkey)?;
        h.last_checked_at = Some(clock::now().to_string());
        change(&mut h);
        mrv_store::set_health(conn, log_vkey, &h)?;
        Ok(())
    }

    /// Checks a checkpoint (`cp`, opened from the signed `note` with the pinned key) against the
    /// stored one and stores it when it extends it. `latest_claim`: the log presents it as its
    /// latest (so a smaller tree is a rollback).
    fn accept(
        &self,
        (log, _): &(AuditLogRecord, VerifierKey),
        client: &LogClient,
        cp: &Checkpoint,
        note: &str,
        latest_claim: bool,
    ) -> Result<(), Refusal> {
        let store = |e: mrv_store::StoreError| Refusal::Error(e.to_string());
        let conn = self.ws.conn();
        let now = clock::now().to_string();
        let stored = mrv_store::latest_checkpoint(conn, &log.vkey).map_err(store)?;
        let alarm = |kind: &str, stored: &CheckpointRecord, detail: String| {
            let record = AlarmRecord {
                id: 0,
                log_vkey: log.vkey.clone(),
                kind: kind.to_owned(),
                stored_note: stored.note.clone(),
                presented_note: note.to_owned(),
                detail: detail.clone(),
                detected_at: now.clone(),
            };
            match mrv_store::insert_alarm(conn, &record) {
                Ok(()) => Refusal::Alarm(detail),
                Err(e) => Refusal::Error(format!("{detail}; recording the alarm failed: {e}")),
            }
        };
        if let Some(old) = &stored {
            if cp.size == old.size && cp.root != old.root {
                return Err(alarm(
                    "fork",
                    old,
                    format!(
                        "the log signed two different trees of size {}: a fork",
                        cp.size
                    ),
                ));
            }
            if cp.size < old.size {
                // Is the smaller tree at least a prefix of ours? Prove it from our size's tiles.
                let proven = self.consistent(client, cp.size, &cp.root, old.size, &old.root);
                if let Err(e) = proven {
                    return Err(match e {
                        Refusal::Alarm(d) => alarm("fork", old, d),
                        other => other,
                    });
                }
                if latest_claim {
                    return Err(alarm(
                        "rollback",
                        old,
                        format!(
                            "the log presented size {} as its latest, after it had signed size {}: a rollback",
                            cp.size, old.size
                        ),
                    ));
                }
                return Ok(());
            }
            if cp.size > old.size {
                if let Err(e) = self.consistent(client, old.size, &old.root, cp.size, &cp.root) {
                    return Err(match e {
                        Refusal::Alarm(d) => alarm("fork", old, d),
                        other => other,
                    });
                }
            }
        }
        mrv_store::insert_checkpoint(
            conn,
            &CheckpointRecord {
                log_vkey: log.vkey.clone(),
                size: cp.size,
                root: cp.root,
                note: note.to_owned(),
                seen_at: now.clone(),
            },
        )
        .map_err(store)?;
        self.note_health(&log.vkey, |h| {
            h.last_consistent_at = Some(now.clone());
            h.last_error = None;
        })
        .map_err(|e| Refusal::Error(e.to_string()))
    }

    /// Proves, from the log's tiles for the larger tree, that the tree of `old` leaves with
    /// `old_root` is a prefix of the tree of `new` leaves with `new_root`.
    fn consistent(
        &self,
        client: &LogClient,
        old: u64,
        old_root: &[u8; 32],
        new: u64,
        new_root: &[u8; 32],
    ) -> Result<(), Refusal> {
        if old == 0 {
            return Ok(());
        }
        let mut tiles = TiledTree::new(new, |p: &mrv_tlog::TilePath| client.read(&p.to_path()));
        let root = tiles
            .root()
            .map_err(|e| Refusal::Error(format!("reading the log's tiles: {e}")))?;
        if &root != new_root {
            return Err(Refusal::Error(format!(
                "the log's tiles do not hash to its signed root for size {new}"
            )));
        }
        let proof = tiles
            .consistency_proof(old)
            .map_err(|e| Refusal::Error(format!("reading the log's tiles: {e}")))?;
        verify_consistency(old, new, old_root, new_root, &proof).map_err(|e| {
            Refusal::Alarm(format!(
                "the log's tree of size {new} does not extend the tree of size {old} it signed before ({e}): a fork"
            ))
        })
    }

    /// Sends one batch's stamp anchor now (whatever its backoff).
    pub fn anchor_batch(
        &mut self,
        session: &Session,
        batch_id: i64,
    ) -> Result<AnchorView, AppError> {
        let granted = self.authorize(session, Action::Anchor)?;
        let a = mrv_store::batch_anchor(self.ws.conn(), batch_id)?.ok_or_else(|| {
            AppError::Conflict(format!(
                "batch {batch_id} has no stamp to anchor: only an approved batch is anchored"
            ))
        })?;
        let log = self.needs_log()?;
        self.halt_on_alarm(&log)?;
        let token = self.writer_token(session)?;
        let client = LogClient::new(&log.0.url);
        self.send(&granted, &log, &token, &client, &a)?;
        Ok(mrv_store::anchor(self.ws.conn(), a.id)?
            .expect("anchor exists")
            .into())
    }

    /// Sends one queued anchor now (whatever its backoff): what a sign-off does right after it
    /// commits. The caller was authorized for its own action; sending needs `anchor` too.
    pub(crate) fn anchor_queued(
        &mut self,
        session: &Session,
        anchor_id: i64,
    ) -> Result<AnchorView, AppError> {
        let granted = self.authorize(session, Action::Anchor)?;
        let a = mrv_store::anchor(self.ws.conn(), anchor_id)?.ok_or(AppError::NotFound {
            what: "anchor",
            id: anchor_id.to_string(),
        })?;
        let log = self.needs_log()?;
        self.halt_on_alarm(&log)?;
        let token = self.writer_token(session)?;
        let client = LogClient::new(&log.0.url);
        self.send(&granted, &log, &token, &client, &a)?;
        Ok(mrv_store::anchor(self.ws.conn(), a.id)?
            .expect("anchor exists")
            .into())
    }

    /// Queues the journal head (when it moved since the last one anchored) and sends every
    /// anchor that is due, or all unanchored ones with `all`.
    pub fn anchor_pending(&mut self, session: &Session, all: bool) -> Result<AnchorRun, AppError> {
        let granted = self.authorize(session, Action::Anchor)?;
        let log = self.needs_log()?;
        self.halt_on_alarm(&log)?;
        let token = self.writer_token(session)?;
        let now = clock::now().to_string();
        if let Some((seq, hash)) = mrv_store::journal_head(self.ws.conn())? {
            let id = format!("journal-{seq}");
            if mrv_store::last_journal_anchor(self.ws.conn())?.as_deref() != Some(id.as_str()) {
                let e = entry(AnchorKind::Journal, &id, &hash)?;
                mrv_store::queue_anchor(self.ws.conn(), "journal", &id, None, &e.to_bytes(), &now)?;
            }
        }
        let client = LogClient::new(&log.0.url);
        let due = mrv_store::due_anchors(self.ws.conn(), (!all).then_some(now.as_str()))?;
        let mut run = AnchorRun::default();
        for a in due {
            run.attempted += 1;
            match self.send(&granted, &log, &token, &client, &a) {
                Ok(()) => run.anchored += 1,
                Err(AppError::Conflict(e)) => return Err(AppError::Conflict(e)),
                // Only a failed exchange with the log is retried later; anything else (our own
                // database) stops the run before an entry the log took could be sent again.
                Err(AppError::Io(_)) => run.failed += 1,
                Err(e) => return Err(e),
            }
            run.anchors.push(
                mrv_store::anchor(self.ws.conn(), a.id)?
                    .expect("anchor exists")
                    .into(),
            );
        }
        Ok(run)
    }

    fn halt_on_alarm(&self, (log, _): &(AuditLogRecord, VerifierKey)) -> Result<(), AppError> {
        let alarms = mrv_store::alarms(self.ws.conn(), &log.vkey)?;
        match alarms.last() {
            None => Ok(()),
            Some(a) => Err(AppError::Conflict(format!(
                "anchoring is halted: the audit log {} {} ({}); both signed checkpoints are kept as evidence in the log-health panel",
                log.origin, a.detail, a.detected_at
            ))),
        }
    }

    /// Sends one anchor and verifies the receipt; records the outcome (a stamp's batch moves to
    /// `anchored` in the same transaction). A receipt that does not verify, or an unreachable
    /// log, leaves it `failed` with the reason and a later retry; an alarm is returned as a
    /// conflict.
    fn send(
        &mut self,
        granted: &Granted,
        log: &(AuditLogRecord, VerifierKey),
        token: &str,
        client: &LogClient,
        a: &AnchorRecord,
    ) -> Result<(), AppError> {
        let now = clock::now();
        let outcome = client
            .add(token, &a.entry)
            .map_err(Refusal::Error)
            .and_then(|text| {
                let receipt = Receipt::parse(&text)
                    .map_err(|e| Refusal::Error(format!("the log's receipt: {e}")))?;
                // Our own leaf, from our own entry bytes, against the pinned key.
                let cp = receipt
                    .verify(&a.entry, &log.0.origin, &log.1)
                    .map_err(|e| {
                        Refusal::Error(match e {
                            ReceiptError::Checkpoint(e) => format!("the receipt's checkpoint: {e}"),
                            e => format!("the receipt's inclusion proof: {e}"),
                        })
                    })?;
                self.accept(log, client, &cp, &receipt.checkpoint, false)?;
                Ok((receipt, cp, text))
            });
        match outcome {
            Ok((receipt, cp, text)) => {
                let now = now.to_string();
                let tx = self.transaction(granted)?;
                mrv_store::anchor_done(
                    &tx,
                    a.id,
                    &log.0.origin,
                    receipt.index,
                    cp.size,
                    &text,
                    &now,
                )?;
                if let (Some(batch_id), "stamp") = (a.batch_id, a.kind.as_str()) {
                    let batch = mrv_store::get_batch(&tx, batch_id)?.ok_or(AppError::NotFound {
                        what: "batch",
                        id: batch_id.to_string(),
                    })?;
                    if batch.state == mrv_core::BatchState::Stamped.as_str() {
                        Mrv::transition(
                            &tx,
                            &batch,
                            mrv_core::ReviewEvent::Anchor,
                            granted,
                            &now,
                            None,
                        )?;
                    }
                }
                tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
                Ok(())
            }
            Err(Refusal::Error(e)) => {
                let delay = (FIRST_BACKOFF_SECONDS << a.attempts.min(20)).min(MAX_BACKOFF_SECONDS);
                let next = mrv_core::Timestamp::from_unix_seconds(now.unix_seconds() + delay);
                mrv_store::anchor_failed(self.ws.conn(), a.id, &e, &next.to_string())?;
                Err(AppError::Io(e))
            }
            Err(Refusal::Alarm(e)) => {
                mrv_store::anchor_failed(self.ws.conn(), a.id, &e, &now.to_string())?;
                Err(Refusal::Alarm(e).into_error(&log.0.origin))
            }
        }
    }

    /// A batch's anchor, if it was approved.
    pub fn batch_anchor(
        &self,
        session: &Session,
        batch_id: i64,
    ) -> Result<Option<AnchorView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        Ok(mrv_store::batch_anchor(self.ws.conn(), batch_id)?.map(AnchorView::from))
    }

    /// Every anchor, oldest first.
    pub fn anchors(&self, session: &Session) -> Result<Vec<AnchorView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        Ok(mrv_store::list_anchors(self.ws.conn())?
            .into_iter()
            .map(AnchorView::from)
            .collect())
    }
}

/// What `verify-receipt` found.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptCheck {
    pub origin: String,
    pub index: u64,
    pub checkpoint_size: u64,
    /// Whether an entry was given and proven included.
    pub entry_checked: bool,
    pub entry: Option<String>,
}

/// Checks a receipt offline against a pinned verifier key (whose name is the log's origin):
/// the checkpoint's signature, and with `entry` the inclusion of that entry. `name` names the
/// receipt in errors.
pub fn verify_receipt(
    name: &str,
    receipt: &str,
    vkey: &str,
    entry: Option<&[u8]>,
) -> Result<ReceiptCheck, AppError> {
    let key =
        VerifierKey::parse(vkey).map_err(|e| AppError::InvalidInput(format!("--vkey: {e}")))?;
    let bad = |e: String| AppError::InvalidInput(format!("{name}: {e}"));
    let r = Receipt::parse(receipt).map_err(|e| bad(e.to_string()))?;
    let cp = match entry {
        Some(e) => r.verify(e, &key.name, &key).map_err(|e| e.to_string()),
        None => {
            Checkpoint::open(r.checkpoint.as_bytes(), &key.name, &key).map_err(|e| e.to_string())
        }
    }
    .map_err(|e| bad(format!("the receipt does not verify: {e}")))?;
    if r.index >= cp.size {
        return Err(bad(format!(
            "the receipt's index {} is outside its checkpoint of size {}",
            r.index, cp.size
        )));
    }
    Ok(ReceiptCheck {
        origin: cp.origin,
        index: r.index,
        checkpoint_size: cp.size,
        entry_checked: entry.is_some(),
        entry: entry.map(|e| String::from_utf8_lossy(e).into_owned()),
    })
}

/// [`verify_receipt`] of a receipt file, and an entry file when given; each file that cannot
/// be read is named.
pub fn verify_receipt_file(
    receipt: &std::path::Path,
    vkey: &str,
    entry: Option<&std::path::Path>,
) -> Result<ReceiptCheck, AppError> {
    let read = |what: &str, path: &std::path::Path| {
        std::fs::read(path).map_err(|e| {
            AppError::InvalidInput(format!("cannot read the {what} {}: {e}", path.display()))
        })
    };
    let text = read("receipt", receipt)?;
    let text = String::from_utf8(text).map_err(|_| {
        AppError::InvalidInput(format!("{}: a receipt is UTF-8 text", receipt.display()))
    })?;
    let entry = entry.map(|p| read("entry", p)).transpose()?;
    verify_receipt(
        &receipt.display().to_string(),
        &text,
        vkey,
        entry.as_deref(),
    )
}
