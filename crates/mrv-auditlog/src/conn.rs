//! Connections: the accept loop, their timeouts and the cap on how many are open, so that
//! slow or idle clients cannot starve the log's readers and writers.
//!
//! - A connection that has started a request must send its whole header within
//!   `header_read_timeout` (counted from its first byte); one that sends nothing between
//!   requests is closed after `idle_timeout`. Request bodies are read within `body_timeout`
//!   (the `/add` route, see `lib.rs`).
//! - At most `max_connections` are open. When a new one arrives at the cap, the connection
//!   that has waited longest without a request in progress (idle, or still sending its header)
//!   is closed to make room; only when every connection is in the middle of a request is the
//!   new one refused. So a flood of idle or slow connections never keeps `GET /checkpoint` or
//!   an authenticated `POST /add` out: each new client displaces the oldest idle one.

use crate::config::Limits;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tower::ServiceExt;

/// "No time": the connection has not received a byte since it last became idle.
const NEVER: u64 = u64::MAX;

/// What the accept loop and the watchdog know about one connection.
struct Conn {
    /// Milliseconds since the server's start (`Clock`) when it last became idle (opened, or
    /// finished a request).
    idle_since: AtomicU64,
    /// When the first byte after `idle_since` arrived (`NEVER`: none yet).
    first_byte: AtomicU64,
    /// Requests whose header was read and whose answer is not yet given.
    in_flight: AtomicUsize,
    /// Closes the connection (the watchdog and the cap use it).
    close: Notify,
    /// Wakes the watchdog when a request's first byte arrives (its deadline comes nearer).
    started: Notify,
}

#[derive(Clone, Copy)]
struct Clock(Instant);

impl Clock {
    fn now(self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
}

impl Conn {
    fn new(now: u64) -> Conn {
        Conn {
            idle_since: AtomicU64::new(now),
            first_byte: AtomicU64::new(NEVER),
            in_flight: AtomicUsize::new(0),
            close: Notify::new(),
            started: Notify::new(),
        }
    }

    fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) > 0
    }

    /// Since when it has been waiting without a request in progress.
    fn waiting_since(&self) -> u64 {
        self.idle_since.load(Ordering::Acquire)
    }
}

/// The open connections, by number.
#[derive(Default)]
struct Registry {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
}

impl Registry {
    /// Registers a new connection, closing the longest-waiting one without a request in
    /// progress when at the cap; `None` when every connection is busy (refuse the new one).
    fn admit(&self, id: u64, conn: Arc<Conn>, cap: usize) -> Option<()> {
        let mut conns = self.conns.lock().expect("registry lock");
        while conns.len() >= cap {
            let victim = conns
                .iter()
                .filter(|(_, c)| !c.busy())
                .min_by_key(|(_, c)| c.waiting_since())
                .map(|(id, _)| *id)?;
            if let Some(c) = conns.remove(&victim) {
                c.close.notify_one();
            }
        }
        conns.insert(id, conn);
        Some(())
    }

    fn remove(&self, id: u64) {
        self.conns.lock().expect("registry lock").remove(&id);
    }
}

/// The TCP stream, noting when a request's first byte arrives.
struct Watched {
    stream: TcpStream,
    conn: Arc<Conn>,
    clock: Clock,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before && !self.conn.busy() {
            let now = self.clock.now();
            let first = self.conn.first_byte.compare_exchange(
                NEVER,
                now,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            if first.is_ok() {
                self.conn.started.notify_one();
            }
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Returns when the connection has overstayed: its header took longer than
/// `header_read_timeout` from its first byte, or it sent nothing for `idle_timeout`.
async fn watchdog(conn: &Conn, clock: Clock, limits: &Limits) {
    let header = limits.header_read_timeout().as_millis() as u64;
    let idle = limits.idle_timeout().as_millis() as u64;
    loop {
        let now = clock.now();
        let deadline = if conn.busy() {
            // A request in progress: its body has its own timeout; look again later.
            now + header.min(idle)
        } else {
            match conn.first_byte.load(Ordering::Acquire) {
                NEVER => conn.waiting_since().saturating_add(idle),
                first => first.saturating_add(header),
            }
        };
        if deadline <= now && !conn.busy() {
            return;
        }
        let wait = Duration::from_millis(deadline.saturating_sub(now).max(1));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            // A request began: the header deadline may come before the idle one.
            _ = conn.started.notified() => {}
        }
    }
}

/// Serves `app` on `listener` with the connection limits, until the process ends.
pub async fn serve_connections(listener: TcpListener, app: Router, limits: Limits) {
    let registry = Arc::new(Registry::default());
    let clock = Clock(Instant::now());
    let limits = Arc::new(limits);
    let mut next_id = 0u64;
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                eprintln!("mrv-auditlog: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        next_id += 1;
        let id = next_id;
        let conn = Arc::new(Conn::new(clock.now()));
        if registry
            .admit(id, conn.clone(), limits.max_connections)
            .is_none()
        {
            // Every connection is in the middle of a request: refuse at once (closed).
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let (registry, limits, app) = (registry.clone(), limits.clone(), app.clone());
        tokio::spawn(async move {
            let io = TokioIo::new(Watched {
                stream,
                conn: conn.clone(),
                clock,
            });
            let in_service = conn.clone();
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let conn = in_service.clone();
                conn.in_flight.fetch_add(1, Ordering::AcqRel);
                let answer = app.clone().oneshot(req.map(axum::body::Body::new));
                async move {
                    let response = answer.await;
                    conn.first_byte.store(NEVER, Ordering::Release);
                    conn.idle_since.store(clock.now(), Ordering::Release);
                    conn.in_flight.fetch_sub(1, Ordering::AcqRel);
                    response
                }
            });
            let serving = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .max_buf_size(16 * 1024)
                .serve_connection(io, service);
            tokio::select! {
                _ = serving => {}
                _ = watchdog(&conn, clock, &limits) => {}
                _ = conn.close.notified() => {}
            }
            registry.remove(id);
        });
    }
}
