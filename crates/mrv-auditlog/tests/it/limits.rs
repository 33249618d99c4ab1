//! The real server process against slow and idle clients: a slowloris header is cut off after
//! the header timeout, a dribbled body after the body timeout, idle connections after the idle
//! timeout, and a flood of idle or half-sent connections beyond the cap never keeps
//! `GET /checkpoint` or an authenticated `POST /add` out. Bounds are generous: they tell
//! "closed by the timeout" from "held for ever", nothing finer.

use crate::common;

use common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

/// Starts the log with these limits (seconds, and the connection cap).
fn start(log: &LogDir, header: u64, body: u64, idle: u64, cap: usize) -> Server {
    Server::spawn(with_limits(log.command(), header, body, idle, cap))
}

fn with_limits(mut cmd: Command, header: u64, body: u64, idle: u64, cap: usize) -> Command {
    cmd.args(["--header-read-timeout", &header.to_string()])
        .args(["--body-timeout", &body.to_string()])
        .args(["--idle-timeout", &idle.to_string()])
        .args(["--max-connections", &cap.to_string()]);
    cmd
}

/// The same server command, run with at most `files` open file descriptors (as a real
/// server has a `ulimit -n`): a flood beyond it is what starved the log.
fn with_file_limit(cmd: Command, files: u32) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!("ulimit -n {files} && exec \"$0\" \"$@\""))
        .arg(cmd.get_program())
        .args(cmd.get_args());
    sh
}

fn connect(url: &str) -> TcpStream {
    let addr = url.trim_start_matches("http://");
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    s
}

/// Whether the server has closed the connection (reads what it sent, if anything).
fn closed(s: &mut TcpStream, seen: &mut Vec<u8>) -> bool {
    let mut buf = [0u8; 4096];
    match s.read(&mut buf) {
        Ok(0) => true,
        Ok(n) => {
            seen.extend_from_slice(&buf[..n]);
            false
        }
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => false,
        Err(_) => true,
    }
}

/// Waits up to `limit` for the server to close `s`, calling `tick` every 100 ms (e.g. to send
/// one more byte); returns how long it took, or `None` if it stayed open.
fn wait_closed(
    s: &mut TcpStream,
    limit: Duration,
    mut tick: impl FnMut(&mut TcpStream) -> bool,
) -> Option<(Duration, Vec<u8>)> {
    let start = Instant::now();
    let mut seen = Vec::new();
    while start.elapsed() < limit {
        if !tick(s) || closed(s, &mut seen) {
            return Some((start.elapsed(), seen));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// An agent that gives up after 10 s: "promptly", generously.
fn prompt_agent() -> Agent {
    agent_with_timeout(10)
}

#[test]
fn a_slowloris_header_is_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    // Header timeout 2 s, idle timeout 60 s: a close well before 60 s is the header timeout's.
    let server = start(&log, 2, 2, 60, 64);
    let mut s = connect(&server.url);
    let header = b"GET /checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    let mut sent = 0usize;
    let took = wait_closed(&mut s, Duration::from_secs(30), |s| {
        // One byte per tick, the header never ending.
        let byte = header.get(sent).copied().unwrap_or(b'a');
        sent += 1;
        s.write_all(&[byte]).is_ok()
    });
    let (took, _) = took.expect("the slowloris connection was never closed");
    assert!(took < Duration::from_secs(20), "closed only after {took:?}");
    // The log still answers.
    let (status, _) = get(&prompt_agent(), &format!("{}/checkpoint", server.url));
    assert_eq!(status, 200);
}

#[test]
fn idle_connections_are_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    // Idle timeout 2 s, header timeout 60 s: a close well before 60 s is the idle timeout's.
    let server = start(&log, 60, 60, 2, 64);
    // Connections that never send anything.
    let mut silent: Vec<TcpStream> = (0..5).map(|_| connect(&server.url)).collect();
    // And one kept alive after a complete request.
    let mut kept = connect(&server.url);
    kept.write_all(b"GET /checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    for s in silent.iter_mut().chain(std::iter::once(&mut kept)) {
        let (took, _) = wait_closed(s, Duration::from_secs(30), |_| true)
            .expect("an idle connection was never closed");
        assert!(took < Duration::from_secs(20), "closed only after {took:?}");
    }
}

#[test]
fn a_dribbled_body_is_cut_off_and_an_unauthenticated_add_is_refused_before_its_body() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    let server = start(&log, 60, 2, 60, 64);
    // A writer whose body never arrives: 408 after the body timeout, connection closed.
    let mut s = connect(&server.url);
    write!(
        s,
        "POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Length: 200\r\n\r\nmrv-anchor",
        log.token
    )
    .unwrap();
    let (_, seen) = wait_closed(&mut s, Duration::from_secs(30), |_| true)
        .expect("a connection with a stalled body was never closed");
    let answer = String::from_utf8_lossy(&seen);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // No token: refused at once, without waiting for the body it announces.
    let mut s = connect(&server.url);
    s.write_all(b"POST /add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4000\r\n\r\n")
        .unwrap();
    let (_, seen) = wait_closed(&mut s, Duration::from_secs(30), |_| true)
        .expect("an unauthenticated add was never answered and closed");
    let answer = String::from_utf8_lossy(&seen);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

#[test]
fn beyond_the_cap_idle_and_half_sent_connections_do_not_keep_readers_and_writers_out() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    let cap = 32;
    // Timeouts far longer than the test: only the cap's eviction can make room. The server
    // may open 100 files: the flood of cap + 100 connections is more than it could hold.
    let server = Server::spawn(with_file_limit(
        with_limits(log.command(), 600, 600, 600, cap),
        100,
    ));
    let mut flood = Vec::new();
    for i in 0..cap + 100 {
        let mut s = connect(&server.url);
        if i % 2 == 1 {
            // Half a header, never finished.
            let _ = s.write_all(b"GET /checkpoint HTTP/1.1\r\nHost: 1");
        }
        flood.push(s);
    }
    for round in 0..3 {
        // A new client each time (a pooled connection left idle may itself be displaced).
        let agent = prompt_agent();
        let (status, body) = get(&agent, &format!("{}/checkpoint", server.url));
        assert_eq!(status, 200, "round {round}");
        assert!(String::from_utf8_lossy(&body).starts_with(ORIGIN));
        let agent = prompt_agent();
        let (status, body) = add(&agent, &server.url, Some(&log.token), &entry(round));
        assert_eq!(status, 200, "round {round}: {body}");
        // More flooding between rounds.
        for _ in 0..cap {
            flood.push(connect(&server.url));
        }
    }
    // Most of the flood was closed to make room (the server holds at most `cap`).
    std::thread::sleep(Duration::from_millis(500));
    let open = flood
        .iter_mut()
        .filter_map(|s| (!closed(s, &mut Vec::new())).then_some(()))
        .count();
    assert!(open <= cap, "{open} flood connections still open");
}
