//! Interoperability: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's golang-go and
//! golang-golang-x-mod-dev, GOPATH mode, offline) verify our checkpoints, tiles, entry bundles,
//! receipts and consistency proofs, and refuse a wrong key and a bent receipt.

use crate::common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::*;
use mrv_tlog::{leaf_hash, Checkpoint, Levels, Receipt, VerifierKey};
use std::path::Path;
use std::process::{Command, Output};

fn go_verify(url: &str, vkey: &str, extra: &[String]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/verify.go");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-cache");
    Command::new("go")
        .arg("run")
        .arg(&script)
        .args(["-url", url, "-vkey", vkey, "-origin", ORIGIN])
        .args(extra)
        .env("GO111MODULE", "off")
        .env("GOPATH", "/usr/share/gocode")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("GOCACHE", cache)
        .output()
        .expect("`go` is needed: apt install golang-go golang-golang-x-mod-dev (scripts/test-all.sh does)")
}

#[test]
fn go_sumdb_verifies_our_log() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let log = LogDir::new(dir.path());
    let server = log.start();
    let vkey = VerifierKey::parse(&log.vkey).unwrap();
    let agent = agent();
    let mut args = Vec::new();
    let mut olds: Vec<Checkpoint> = Vec::new();
    let mut receipt_count = 0;
    let mut next = 0u64;
    // Grow the log to sizes that leave partial tiles at two levels, keeping a checkpoint and a
    // receipt at each step.
    for target in [1u64, 2, 7, 256, 300, 513, 700] {
        while next < target {
            let e = entry(next);
            let (status, body) = add(&agent, &server.url, Some(&log.token), &e);
            assert_eq!(status, 200, "{body}");
            next += 1;
            if next == target {
                let r = Receipt::parse(&body).unwrap();
                let rf = files.join(format!("r{next}.tlog-proof"));
                let ef = files.join(format!("e{next}"));
                std::fs::write(&rf, &body).unwrap();
                std::fs::write(&ef, &e).unwrap();
                args.push("-receipt".into());
                args.push(format!("{}:{}", rf.display(), ef.display()));
                receipt_count += 1;
                let cp = Checkpoint::open(r.checkpoint.as_bytes(), ORIGIN, &vkey).unwrap();
                let cf = files.join(format!("c{next}.note"));
                std::fs::write(&cf, &r.checkpoint).unwrap();
                args.push("-old".into());
                args.push(cf.display().to_string());
                olds.push(cp);
            }
        }
    }
    // Our own consistency proofs from each kept checkpoint to the latest.
    let mut tree = Levels::new();
    for i in 0..next {
        tree.push(leaf_hash(&entry(i)));
    }
    for (i, old) in olds.iter().enumerate() {
        let proof = tree.consistency_proof(old.size, next).unwrap();
        let text: String = proof.iter().map(|h| B64.encode(h) + "\n").collect();
        let pf = files.join(format!("p{i}"));
        std::fs::write(&pf, text).unwrap();
        args.push("-consistency".into());
        args.push(format!(
            "{}:{}",
            files.join(format!("c{}.note", old.size)).display(),
            pf.display()
        ));
    }

    let out = go_verify(&server.url, &log.vkey, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "size 700; 700 inclusion proofs from tiles, 7 checkpoints consistent, {receipt_count} receipts, 7 consistency proofs"
        )),
        "{stdout}"
    );

    // A key the log did not sign with is refused by Go.
    let other = tempfile::tempdir().unwrap();
    let wrong = LogDir::new(other.path());
    let out = go_verify(&server.url, &wrong.vkey, &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("checkpoint signature"));

    // A receipt moved to another index is refused by Go.
    let bent = std::fs::read_to_string(files.join("r300.tlog-proof"))
        .unwrap()
        .replace("index 299", "index 298");
    std::fs::write(files.join("bent"), bent).unwrap();
    let out = go_verify(
        &server.url,
        &log.vkey,
        &[
            "-receipt".into(),
            format!(
                "{}:{}",
                files.join("bent").display(),
                files.join("e300").display()
            ),
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("receipt for index 298"));
}
