//! The real server process on 127.0.0.1:0: adds, duplicates, refusals, tiles and restarts.

use crate::common;

use common::*;
use mrv_tlog::tiles::{decode_bundle, TilePath};
use mrv_tlog::{leaf_hash, Checkpoint, Receipt, VerifierKey};
use std::collections::HashMap;

fn checkpoint(agent: &Agent, url: &str, vkey: &VerifierKey) -> Checkpoint {
    let (status, body) = get(agent, &format!("{url}/checkpoint"));
    assert_eq!(status, 200);
    Checkpoint::open(&body, ORIGIN, vkey).unwrap()
}

/// Every entry of the log, read from its entry bundles.
fn read_entries(agent: &Agent, url: &str, size: u64) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut n = 0;
    while (out.len() as u64) < size {
        let width = (size - n * 256).min(256) as u16;
        let path = TilePath::Entries { index: n, width }.to_path();
        let (status, body) = get(agent, &format!("{url}/{path}"));
        assert_eq!(status, 200, "{path}");
        out.extend(decode_bundle(&body).unwrap());
        n += 1;
    }
    out
}

#[test]
fn concurrent_adds_are_read_back_at_their_receipt_indices() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    let server = log.start();
    let vkey = VerifierKey::parse(&log.vkey).unwrap();
    let per_thread = 150;
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let (url, token, vkey) = (server.url.clone(), log.token.clone(), vkey.clone());
            std::thread::spawn(move || {
                let agent = agent();
                (0..per_thread)
                    .map(|i| {
                        let e = entry(t * 1000 + i);
                        let (status, body) = add(&agent, &url, Some(&token), &e);
                        assert_eq!(status, 200, "{body}");
                        let receipt = Receipt::parse(&body).unwrap();
                        // The receipt verifies offline against the pinned key.
                        receipt.verify(&e, ORIGIN, &vkey).unwrap();
                        (receipt.index, e)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let acked: HashMap<u64, Vec<u8>> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(acked.len(), 8 * per_thread as usize, "indices are unique");
    let agent = agent();
    let cp = checkpoint(&agent, &server.url, &vkey);
    assert_eq!(cp.size, 8 * per_thread);
    let entries = read_entries(&agent, &server.url, cp.size);
    for (idx, e) in &acked {
        assert_eq!(&entries[*idx as usize], e, "entry {idx}");
    }
    // The tiles hash to the checkpoint's root.
    let leaves: Vec<_> = entries.iter().map(|e| leaf_hash(e)).collect();
    assert_eq!(mrv_tlog::root(&leaves), cp.root);
    let (status, tile) = get(&agent, &format!("{}/tile/0/000", server.url));
    assert_eq!(status, 200);
    assert_eq!(&tile[..32], &leaves[0]);
    let (status, tile) = get(&agent, &format!("{}/tile/1/000.p/4", server.url));
    assert_eq!(status, 200);
    assert_eq!(&tile[32..64], &mrv_tlog::root(&leaves[256..512]));
    // Past the end: 404.
    for path in [
        "tile/0/004.p/177",
        "tile/1/000.p/5",
        "tile/entries/005",
        "tile/0/0x",
    ] {
        assert_eq!(
            get(&agent, &format!("{}/{path}", server.url)).0,
            404,
            "{path}"
        );
    }
}

#[test]
fn duplicates_get_the_same_index_and_refusals_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    let server = log.start();
    let vkey = VerifierKey::parse(&log.vkey).unwrap();
    let agent = agent();
    let url = &server.url;
    let first = Receipt::parse(&add(&agent, url, Some(&log.token), &entry(1)).1).unwrap();
    add(&agent, url, Some(&log.token), &entry(2));
    let again = Receipt::parse(&add(&agent, url, Some(&log.token), &entry(1)).1).unwrap();
    assert_eq!((first.index, again.index), (0, 0));
    again.verify(&entry(1), ORIGIN, &vkey).unwrap();
    let before = get(&agent, &format!("{url}/checkpoint")).1;

    let mut bad = entry(3);
    bad.pop();
    let cases: Vec<(Option<&str>, Vec<u8>, u16)> = vec![
        (None, entry(3), 401),
        (Some("mrvlog_wrong"), entry(3), 401),
        (Some(&log.token), bad, 400),
        (Some(&log.token), b"hello\n".to_vec(), 400),
        (Some(&log.token), vec![b'x'; 10_000], 413),
    ];
    for (token, body, want) in cases {
        let (status, text) = add(&agent, url, token, &body);
        assert_eq!(status, want, "{text}");
    }
    // Only a bearer token counts: the token in another header is refused.
    let r = agent
        .post(format!("{url}/add"))
        .header("Authorization", &log.token)
        .body(entry(3))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let _ = r.text();
    assert_eq!(get(&agent, &format!("{url}/checkpoint")).1, before);
    assert_eq!(checkpoint(&agent, url, &vkey).size, 2);
    assert_eq!(get(&agent, &format!("{url}/nothing")).0, 404);
}

#[test]
fn restarts_keep_the_log_and_a_wrong_key_or_origin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    let vkey = VerifierKey::parse(&log.vkey).unwrap();
    let agent = agent();
    let mut server = log.start();
    for i in 0..10 {
        add(&agent, &server.url, Some(&log.token), &entry(i));
    }
    let cp = checkpoint(&agent, &server.url, &vkey);
    server.kill();

    let server = log.start();
    assert_eq!(checkpoint(&agent, &server.url, &vkey), cp);
    let r = Receipt::parse(&add(&agent, &server.url, Some(&log.token), &entry(4)).1).unwrap();
    assert_eq!(r.index, 4, "a duplicate after a restart keeps its index");
    drop(server);

    // Another key for the same origin, and the right key under another origin.
    let other = tempfile::tempdir().unwrap();
    LogDir::new(other.path());
    let mut cmd = log.command();
    let other_key = other.path().join("log.key");
    let mut wrong_key = cmd_with(&mut cmd, "--key", other_key.to_str().unwrap());
    let out = wrong_key.output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to start"), "{err}");

    let out = cmd_with(&mut cmd, "--origin", "other.test/log")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is for the origin"), "{err}");
}

fn cmd_with(cmd: &mut std::process::Command, flag: &str, value: &str) -> std::process::Command {
    let args: Vec<_> = cmd.get_args().map(|a| a.to_owned()).collect();
    let mut out = std::process::Command::new(bin());
    let mut skip = false;
    for a in &args {
        if skip {
            out.arg(value);
            skip = false;
            continue;
        }
        skip = a == flag;
        out.arg(a);
    }
    out
}

#[test]
fn a_config_file_with_relative_paths_and_a_first_run_that_makes_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    let token = String::from_utf8(
        std::process::Command::new(bin())
            .args(["token", "add", "ws", "--token-file"])
            .arg(etc.join("tokens"))
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    std::fs::write(
        etc.join("config.toml"),
        format!(
            "listen = \"127.0.0.1:0\"\nstore = \"log.db\"\nkey = \"log.key\"\norigin = \"{ORIGIN}\"\ntokens = \"tokens\"\n"
        ),
    )
    .unwrap();
    let mut cmd = std::process::Command::new(bin());
    cmd.args(["serve", "--config"]).arg(etc.join("config.toml"));
    let server = Server::spawn(cmd);
    // The first run made the key beside the config, and its vkey verifies the checkpoint.
    let key_text = std::fs::read_to_string(etc.join("log.key")).unwrap();
    let vkey = mrv_tlog::SignerKey::parse(&key_text).unwrap().verifier();
    let agent = agent();
    let (status, body) = add(&agent, &server.url, Some(&token), &entry(0));
    assert_eq!(status, 200, "{body}");
    assert_eq!(checkpoint(&agent, &server.url, &vkey).size, 1);
    assert!(etc.join("log.db").exists());
    // An unknown setting is refused with the file's name.
    std::fs::write(etc.join("bad.toml"), "listen = \"127.0.0.1:0\"\nport = 3\n").unwrap();
    let out = std::process::Command::new(bin())
        .args(["serve", "--config"])
        .arg(etc.join("bad.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));
}

#[test]
fn tiles_above_the_tree_are_404_and_bad_tokens_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    let server = log.start();
    let agent = agent();
    add(&agent, &server.url, Some(&log.token), &entry(0));
    // Levels parse up to 63, but no tree has nodes that high: an answer, not a dropped request.
    for path in ["tile/8/000", "tile/16/000", "tile/63/000.p/1"] {
        assert_eq!(
            get(&agent, &format!("{}/{path}", server.url)).0,
            404,
            "{path}"
        );
    }
    // A token name that would read as a comment is refused; a file without its last newline
    // still gets a line of its own.
    let tokens = dir.path().join("tokens");
    let out = std::process::Command::new(bin())
        .args(["token", "add", "#ci", "--token-file"])
        .arg(&tokens)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not starting with #"));
    let before = std::fs::read_to_string(&tokens).unwrap();
    std::fs::write(&tokens, before.trim_end()).unwrap();
    let out = std::process::Command::new(bin())
        .args(["token", "add", "second", "--token-file"])
        .arg(&tokens)
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<String> = std::fs::read_to_string(&tokens)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].starts_with("second "));
}

#[test]
fn a_store_whose_entries_outrun_its_latest_checkpoint_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = LogDir::new(dir.path());
    let mut server = log.start();
    let agent = agent();
    for i in 0..3 {
        add(&agent, &server.url, Some(&log.token), &entry(i));
    }
    server.kill();
    // Hand-delete the latest checkpoint: the entries now run past the one left.
    let conn = rusqlite::Connection::open(dir.path().join("log.db")).unwrap();
    conn.execute(
        "DELETE FROM checkpoint WHERE size = (SELECT MAX(size) FROM checkpoint)",
        [],
    )
    .unwrap();
    drop(conn);
    let out = log.command().output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not match the stored entries"), "{err}");
}
