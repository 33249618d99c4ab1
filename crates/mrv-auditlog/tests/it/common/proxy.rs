//! A misbehaving log for client tests: an HTTP proxy in front of real server processes that
//! can bend receipts, answer 5xx, drop the connection after the add was committed, present an
//! old checkpoint, or switch to another log (a fork signed with the same key, or a log signed
//! with another key).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Pass,
    /// `/add` answers with the first proof hash replaced.
    BadProof,
    /// `/add` answers with the last proof hash removed.
    TruncatedProof,
    /// `/add` answers 503 without forwarding.
    Unavailable,
    /// `/add` is forwarded (and committed), then the connection is dropped unanswered.
    DropAfterAdd,
    /// `/checkpoint` answers with these bytes.
    Checkpoint(Vec<u8>),
}

pub struct Proxy {
    pub url: String,
    pub mode: Arc<Mutex<Mode>>,
    pub upstream: Arc<Mutex<String>>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mode = Arc::new(Mutex::new(Mode::Pass));
        let upstream = Arc::new(Mutex::new(upstream.to_owned()));
        let (m, u) = (mode.clone(), upstream.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (m, u) = (m.clone(), u.clone());
                std::thread::spawn(move || {
                    let _ = handle(stream, &m, &u);
                });
            }
        });
        Proxy {
            url,
            mode,
            upstream,
        }
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn point_at(&self, upstream: &str) {
        *self.upstream.lock().unwrap() = upstream.to_owned();
    }
}

fn respond(mut stream: TcpStream, status: u16, body: &[u8]) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    stream.flush()
}

fn handle(stream: TcpStream, mode: &Mutex<Mode>, upstream: &Mutex<String>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let (mut length, mut auth) = (0usize, None);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            match k.to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "authorization" => auth = Some(v.trim().to_owned()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mode = mode.lock().unwrap().clone();
    let upstream = upstream.lock().unwrap().clone();
    if path == "/checkpoint" {
        if let Mode::Checkpoint(bytes) = &mode {
            return respond(stream, 200, bytes);
        }
    }
    if path == "/add" && mode == Mode::Unavailable {
        return respond(stream, 503, b"temporarily unavailable\n");
    }
    let agent = super::agent();
    let (status, mut answer) = if method == "POST" {
        let mut req = agent.post(format!("{upstream}{path}"));
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        match req.body(body).send() {
            Ok(r) => (
                r.status().as_u16(),
                r.bytes().map(|b| b.to_vec()).unwrap_or_default(),
            ),
            Err(_) => return respond(stream, 502, b"upstream down\n"),
        }
    } else {
        match agent.get(format!("{upstream}{path}")).send() {
            Ok(r) => (
                r.status().as_u16(),
                r.bytes().map(|b| b.to_vec()).unwrap_or_default(),
            ),
            Err(_) => return respond(stream, 502, b"upstream down\n"),
        }
    };
    if path == "/add" && status == 200 {
        let text = String::from_utf8(answer.clone()).unwrap();
        let (head, checkpoint) = text.split_once("\n\n").unwrap();
        let mut lines: Vec<String> = head.lines().map(str::to_owned).collect();
        match mode {
            Mode::DropAfterAdd => return Ok(()), // committed upstream; dropped here
            Mode::BadProof if lines.len() > 2 => {
                lines[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into();
            }
            Mode::TruncatedProof if lines.len() > 2 => {
                lines.pop();
            }
            _ => {}
        }
        answer = format!("{}\n\n{checkpoint}", lines.join("\n")).into_bytes();
    }
    respond(stream, status, &answer)
}
