//! Crash safety: `kill -9` the real server again and again while 16 writers add, restart it, and
//! show that every acknowledged entry is in the final log at its acknowledged index and that
//! every checkpoint ever served is consistent with the final one.

use crate::common;

use common::*;
use mrv_tlog::tiles::{decode_bundle, TilePath};
use mrv_tlog::{leaf_hash, verify_consistency, Checkpoint, Levels, Receipt, VerifierKey};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

const WRITERS: u64 = 16;
const KILLS: usize = 20;

#[test]
fn kill_9_under_load_loses_no_acknowledged_entry_and_never_forks() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    let vkey = VerifierKey::parse(&log.vkey).unwrap();
    let mut server = log.start();
    let url = Arc::new(RwLock::new(server.url.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::<(u64, Vec<u8>)>::new()));
    let seen = Arc::new(Mutex::new(Vec::<Checkpoint>::new()));
    let failures = Arc::new(AtomicU64::new(0));

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (url, stop, acked, seen, failures, token, vkey) = (
                url.clone(),
                stop.clone(),
                acked.clone(),
                seen.clone(),
                failures.clone(),
                log.token.clone(),
                vkey.clone(),
            );
            std::thread::spawn(move || {
                let agent = agent();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let e = entry(w * 1_000_000 + i);
                    let u = url.read().unwrap().clone();
                    let sent = agent
                        .post(format!("{u}/add"))
                        .header("Authorization", format!("Bearer {token}"))
                        .body(e.clone())
                        .send();
                    let body = sent
                        .ok()
                        .and_then(|r| (r.status() == 200).then(|| r.text().ok())?);
                    match body {
                        Some(body) => {
                            let r = Receipt::parse(&body).unwrap();
                            let cp = r.verify(&e, ORIGIN, &vkey).unwrap();
                            acked.lock().unwrap().push((r.index, e));
                            seen.lock().unwrap().push(cp);
                            i += 1;
                        }
                        // Not acknowledged (server killed, restarting): try the same entry
                        // again, which must not give it a second index.
                        None => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    }
                }
            })
        })
        .collect();

    let mut acked_at_kill = Vec::new();
    for k in 0..KILLS {
        // Uneven gaps, so the kills land at different points of the sequencing loop.
        std::thread::sleep(Duration::from_millis(60 + 37 * (k as u64 % 7)));
        server.kill(); // SIGKILL
        acked_at_kill.push(acked.lock().unwrap().len());
        server = log.start();
        *url.write().unwrap() = server.url.clone();
        let (_, body) = get(&agent(), &format!("{}/checkpoint", server.url));
        seen.lock()
            .unwrap()
            .push(Checkpoint::open(&body, ORIGIN, &vkey).unwrap());
    }
    std::thread::sleep(Duration::from_millis(250));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    server.kill();

    // A last restart, then read back the whole log.
    let server = log.start();
    let agent = agent();
    let (_, body) = get(&agent, &format!("{}/checkpoint", server.url));
    let last = Checkpoint::open(&body, ORIGIN, &vkey).unwrap();
    let mut entries = Vec::new();
    let mut n = 0;
    while (entries.len() as u64) < last.size {
        let width = (last.size - n * 256).min(256) as u16;
        let path = TilePath::Entries { index: n, width }.to_path();
        entries.extend(decode_bundle(&get(&agent, &format!("{}/{path}", server.url)).1).unwrap());
        n += 1;
    }
    let mut tree = Levels::new();
    for e in &entries {
        tree.push(leaf_hash(e));
    }
    assert_eq!(tree.root(last.size).unwrap(), last.root);

    let acked = acked.lock().unwrap();
    assert!(
        acked.len() > 100,
        "too little load: {} acknowledged",
        acked.len()
    );
    for (idx, e) in acked.iter() {
        assert_eq!(&entries[*idx as usize], e, "acknowledged entry {idx}");
    }
    let unique: std::collections::HashSet<_> = entries.iter().collect();
    assert_eq!(unique.len(), entries.len(), "an entry got two indices");
    let seen = seen.lock().unwrap();
    for cp in seen.iter() {
        let proof = tree.consistency_proof(cp.size.max(1), last.size).unwrap();
        if cp.size > 0 {
            verify_consistency(cp.size, last.size, &cp.root, &last.root, &proof)
                .unwrap_or_else(|e| panic!("checkpoint {} is not consistent: {e}", cp.size));
        }
    }
    eprintln!(
        "crash test: {KILLS} kills, {} acknowledged adds (at each kill: {acked_at_kill:?}), {} retried, {} checkpoints seen, final size {}",
        acked.len(),
        failures.load(Ordering::Relaxed),
        seen.len(),
        last.size
    );
}
