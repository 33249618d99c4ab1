//! MRV Desk's audit log (DESIGN.md §6): an append-only transparency log that anchors stamps,
//! sign-offs and journal heads so that registries and auditors can check, with tools we did not
//! write, that every anchored record is in the log and that the log was never rewritten.
//!
//! - `POST /add` (bearer token): body = one `mrv-anchor/v1` entry; answers with a C2SP
//!   `tlog-proof` receipt once the entry is in a durable, signed checkpoint. An identical entry
//!   gets its existing index.
//! - `GET /checkpoint`: the latest C2SP `tlog-checkpoint`, signed as a C2SP `signed-note`.
//! - `GET /tile/<L>/<N>[.p/<W>]`, `GET /tile/entries/<N>[.p/<W>]`: C2SP `tlog-tiles`.
//!
//! One sequencer thread owns the write connection: it takes every add waiting, gives the new
//! ones the next indices, signs the checkpoint of the grown tree and commits entries and
//! checkpoint in one fsync'd SQLite transaction, then answers each add. Checkpoints only ever
//! come from the append-only tree, so each is consistent with every earlier one, and the store
//! is checked against the latest checkpoint at start.

pub mod config;
mod conn;
pub mod store;

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use mrv_core::AnchorEntry;
use mrv_tlog::tiles::{self, TilePath};
use mrv_tlog::{leaf_hash, Checkpoint, Levels, Receipt, SignerKey};
use std::collections::{HashMap, HashSet};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::oneshot;

pub use config::Config;

/// The most adds sequenced into one checkpoint.
pub const MAX_BATCH: usize = 4096;
/// The largest body `POST /add` accepts.
pub const MAX_ENTRY_BYTES: usize = 4096;

/// The latest published checkpoint.
#[derive(Clone)]
struct Published {
    size: u64,
    note: Arc<str>,
}

struct Shared {
    /// Every sequenced leaf; may run ahead of `published` while a batch commits.
    tree: RwLock<Levels>,
    published: RwLock<Published>,
    reads: Mutex<rusqlite::Connection>,
    tokens: HashSet<[u8; 32]>,
    adds: mpsc::Sender<Pending>,
}

struct Pending {
    entry: Vec<u8>,
    reply: oneshot::Sender<String>,
}

/// Opens the store (refusing a wrong key or origin), starts the sequencer, prints
/// `mrv-auditlog: serving <origin> at http://<address>` on stdout once it is ready, and serves
/// HTTP on `listener` until the process ends, with the config's timeouts and connection cap.
pub async fn serve(listener: tokio::net::TcpListener, config: Config) -> Result<()> {
    config.limits.check()?;
    let app = app(&config)?;
    println!(
        "mrv-auditlog: serving {} at http://{}",
        config.origin,
        listener.local_addr()?
    );
    std::io::Write::flush(&mut std::io::stdout())?;
    conn::serve_connections(listener, app, config.limits.clone()).await;
    Ok(())
}

/// The router with its sequencer started (for [`serve`] and tests).
pub fn app(config: &Config) -> Result<Router> {
    let key_text = std::fs::read_to_string(&config.key)
        .with_context(|| format!("cannot read the key file {}", config.key.display()))?;
    let key = SignerKey::parse(&key_text)
        .with_context(|| format!("{}: not a log private key", config.key.display()))?;
    if key.name != config.origin {
        anyhow::bail!(
            "the key {} is for the origin {:?}, not {:?}: refusing to start",
            config.key.display(),
            key.name,
            config.origin
        );
    }
    let tokens = config::load_tokens(&config.tokens)?;
    let loaded = store::open(&config.store, &key)?;
    let reads = store::connect(&config.store)?;
    let (tx, rx) = mpsc::channel();
    let store::Loaded {
        conn,
        tree,
        index,
        size,
        note,
    } = loaded;
    let shared = Arc::new(Shared {
        tree: RwLock::new(tree),
        published: RwLock::new(Published {
            size,
            note: note.into(),
        }),
        reads: Mutex::new(reads),
        tokens,
        adds: tx,
    });
    let seq = shared.clone();
    std::thread::Builder::new()
        .name("sequencer".into())
        .spawn(move || sequence(conn, index, key, seq, rx))?;
    let body_timeout = config.limits.body_timeout();
    Ok(Router::new()
        .route(
            "/add",
            post(add).route_layer(middleware::from_fn_with_state(
                (shared.clone(), body_timeout),
                writer_body,
            )),
        )
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
        .layer(DefaultBodyLimit::max(MAX_ENTRY_BYTES))
        .with_state(shared))
}

/// In front of `POST /add`: a writer's token is checked before any of the body is read, and
/// the body must arrive within the body timeout (else 408 and the connection is closed).
async fn writer_body(
    State((shared, body_timeout)): State<(Arc<Shared>, std::time::Duration)>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !token.is_some_and(|t| shared.tokens.contains(&config::token_hash(t))) {
        return closing(text(
            StatusCode::UNAUTHORIZED,
            "a writer's bearer token is needed\n",
        ));
    }
    let (parts, body) = request.into_parts();
    let read =
        tokio::time::timeout(body_timeout, axum::body::to_bytes(body, MAX_ENTRY_BYTES)).await;
    match read {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Ok(Err(_)) => closing(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("an entry is at most {MAX_ENTRY_BYTES} bytes\n"),
        )),
        Err(_) => closing(text(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s\n",
                body_timeout.as_secs()
            ),
        )),
    }
}

/// The answer, with the connection closed after it (the rest of the body is not read).
fn closing(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// The sequencer loop: batch, commit durably, publish, answer.
fn sequence(
    mut conn: rusqlite::Connection,
    mut index: HashMap<[u8; 32], u64>,
    key: SignerKey,
    shared: Arc<Shared>,
    rx: mpsc::Receiver<Pending>,
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let mut next = shared.tree.read().expect("tree lock").size();
        let mut new: Vec<(u64, [u8; 32], &[u8])> = Vec::new();
        let indices: Vec<u64> = batch
            .iter()
            .map(|p| {
                let d = store::digest(&p.entry);
                *index.entry(d).or_insert_with(|| {
                    new.push((next, d, &p.entry));
                    next += 1;
                    next - 1
                })
            })
            .collect();
        if !new.is_empty() {
            let root = {
                let mut tree = shared.tree.write().expect("tree lock");
                for (_, _, data) in &new {
                    tree.push(leaf_hash(data));
                }
                tree.root(next)
                    .expect("the tree holds every sequenced entry")
            };
            let cp = Checkpoint {
                origin: key.name.clone(),
                size: next,
                root,
                extensions: vec![],
            };
            let committed = cp
                .sign(&key)
                .map_err(anyhow::Error::from)
                .and_then(|note| store::commit(&mut conn, &new, next, &note).map(|()| note));
            match committed {
                Ok(note) => {
                    *shared.published.write().expect("published lock") = Published {
                        size: next,
                        note: note.into(),
                    }
                }
                Err(e) => {
                    // The tree in memory is now ahead of the store: stop, and let the restart
                    // rebuild from what is durable. Nothing of this batch was acknowledged.
                    eprintln!("mrv-auditlog: cannot commit a batch, stopping: {e:#}");
                    std::process::exit(70);
                }
            }
        }
        let published = shared.published.read().expect("published lock").clone();
        let tree = shared.tree.read().expect("tree lock");
        for (p, idx) in batch.into_iter().zip(indices) {
            let receipt = Receipt {
                extra: None,
                index: idx,
                proof: tree
                    .inclusion_proof(idx, published.size)
                    .expect("a sequenced entry is in the published tree"),
                checkpoint: published.note.to_string(),
            };
            let _ = p.reply.send(receipt.to_text());
        }
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// `POST /add`, behind [`writer_body`] (the token is checked and the body read there).
async fn add(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    if let Err(e) = AnchorEntry::parse(&body) {
        return text(
            StatusCode::BAD_REQUEST,
            format!("not an mrv-anchor/v1 entry: {e}\n"),
        );
    }
    let (reply, answer) = oneshot::channel();
    let sent = shared.adds.send(Pending {
        entry: body.to_vec(),
        reply,
    });
    if sent.is_err() {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the sequencer has stopped\n",
        );
    }
    match answer.await {
        Ok(receipt) => text(StatusCode::OK, receipt),
        Err(_) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "the entry was not committed\n",
        ),
    }
}

async fn checkpoint(State(shared): State<Arc<Shared>>) -> Response {
    let note = shared
        .published
        .read()
        .expect("published lock")
        .note
        .clone();
    let mut r = text(StatusCode::OK, note.to_string());
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn tile(State(shared): State<Arc<Shared>>, UrlPath(path): UrlPath<String>) -> Response {
    let Ok(tile) = TilePath::parse(&format!("tile/{path}")) else {
        return text(StatusCode::NOT_FOUND, "not a tile path\n");
    };
    let size = shared.published.read().expect("published lock").size;
    let bytes = match tile {
        TilePath::Hashes {
            level,
            index,
            width,
        } => {
            let tree = shared.tree.read().expect("tree lock");
            tiles::hash_tile(&tree, size, level, index, width)
        }
        TilePath::Entries { index, width } => {
            if u64::from(width) > tiles::filled(0, index, size) {
                None
            } else {
                let shared = shared.clone();
                let start = index * tiles::TILE_WIDTH;
                let read = tokio::task::spawn_blocking(move || {
                    let conn = shared.reads.lock().expect("reads lock");
                    store::entries(&conn, start, u64::from(width))
                })
                .await;
                match read {
                    Ok(Ok(entries)) => tiles::encode_bundle(entries.iter().map(Vec::as_slice)).ok(),
                    _ => return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot read entries\n"),
                }
            }
        }
    };
    match bytes {
        Some(b) => {
            let cache = if tile.width() as u64 == tiles::TILE_WIDTH {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "application/octet-stream"),
                    (header::CACHE_CONTROL, cache),
                ],
                b,
            )
                .into_response()
        }
        None => text(
            StatusCode::NOT_FOUND,
            "the log does not have that tile (yet)\n",
        ),
    }
}
