//! Offline verification of stamps and row proofs (spec `mrv-stamp/v1` §6): from an exported
//! stamp directory and the original files alone — no workspace, no database.

use crate::AppError;
use mrv_stamp::document::{parse_key, stamp_hash, verify_signature, Stamp};
use mrv_stamp::proof::{verify_row_proof, RowProof};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One thing checked, and how it went.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// The outcome of `mrv verify-stamp`.
#[derive(Debug, Clone, Serialize)]
pub struct StampCheck {
    pub ok: bool,
    pub stamp_hash: String,
    pub batch: i64,
    pub checks: Vec<Check>,
}

fn read(path: &Path) -> Result<Vec<u8>, AppError> {
    std::fs::read(path).map_err(|e| AppError::InvalidInput(format!("{}: {e}", path.display())))
}

fn file_sha256(path: &Path) -> Result<String, AppError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| AppError::Io(format!("{}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Reads an exported stamp directory: the document (refused unless canonical), its bytes, the
/// signature text and the signer's key text.
fn read_stamp_dir(dir: &Path) -> Result<(Stamp, Vec<u8>, String, String), AppError> {
    let bytes = read(&dir.join("stamp.json"))?;
    let stamp = Stamp::from_canonical_bytes(&bytes).map_err(|e| {
        AppError::InvalidInput(format!("{}: {e}", dir.join("stamp.json").display()))
    })?;
    let signature = String::from_utf8_lossy(&read(&dir.join("stamp.sig"))?)
        .trim()
        .to_owned();
    let signer = String::from_utf8_lossy(&read(&dir.join("signer.pub"))?)
        .trim()
        .to_owned();
    Ok((stamp, bytes, signature, signer))
}

/// Re-checks a stamp from the original files (see the spec, §6). Every check is run and
/// reported; `ok` only when all pass.
pub fn verify_stamp(
    dir: &Path,
    source: &Path,
    layers: &[PathBuf],
    attachments: &[PathBuf],
) -> Result<StampCheck, AppError> {
    let (stamp, bytes, signature, signer) = read_stamp_dir(dir)?;
    let mut checks = Vec::new();
    let mut check = |what: &str, ok: bool, detail: String| {
        checks.push(Check {
            what: what.into(),
            ok,
            detail,
        })
    };
    check(
        "canonical form",
        true,
        "stamp.json is exactly its RFC 8785 canonical serialisation".into(),
    );
    match parse_key(&signer).and_then(|key| verify_signature(&stamp, &bytes, &signature, &key)) {
        Ok(()) => check(
            "signature",
            true,
            format!(
                "Ed25519 signature by {} ({signer}) verifies",
                stamp.decision.verifier
            ),
        ),
        Err(e) => check("signature", false, e.to_string()),
    }
    let profile_text = read(&dir.join("profile.toml"))?;
    let profile_hash = hex::encode(Sha256::digest(&profile_text));
    check(
        "methodology profile",
        profile_hash == stamp.methodology.profile_sha256,
        format!(
            "profile.toml SHA-256 {profile_hash}, the stamp records {}",
            stamp.methodology.profile_sha256
        ),
    );
    let boundary_hash = hex::encode(Sha256::digest(read(&dir.join("boundary.geojson"))?));
    check(
        "project boundary",
        boundary_hash == stamp.project.boundary_sha256,
        format!(
            "boundary.geojson SHA-256 {boundary_hash}, the stamp records {}",
            stamp.project.boundary_sha256
        ),
    );
    let source_hash = file_sha256(source)?;
    let source_ok = source_hash == stamp.source.sha256;
    check(
        "source file",
        source_ok,
        format!(
            "{} SHA-256 {source_hash}, the stamp records {} ({})",
            source.display(),
            stamp.source.sha256,
            stamp.source.name
        ),
    );
    if source_ok {
        let profile =
            mrv_core::MethodologyProfile::from_toml(&String::from_utf8_lossy(&profile_text))
                .map_err(|e| AppError::InvalidInput(format!("profile.toml: {e}")))?;
        match crate::review::reread_rows(source, &profile, &stamp) {
            Ok((count, root)) => {
                check(
                    "row count",
                    count == stamp.rows.count,
                    format!(
                        "{count} rows re-read, the stamp records {}",
                        stamp.rows.count
                    ),
                );
                check(
                    "rows root",
                    root == stamp.rows.root,
                    format!("recomputed {root}, the stamp records {}", stamp.rows.root),
                );
            }
            Err(e) => check("rows", false, format!("the source cannot be re-read: {e}")),
        }
    }
    let mut files_check =
        |kind: &str, given: &[PathBuf], recorded: Vec<(String, String)>| -> Result<(), AppError> {
            let mut seen = Vec::new();
            for path in given {
                let hash = file_sha256(path)?;
                match recorded.iter().find(|(_, h)| *h == hash) {
                    Some((name, _)) => {
                        check(
                            kind,
                            true,
                            format!("{} matches `{name}` ({hash})", path.display()),
                        );
                        seen.push(hash);
                    }
                    None => check(
                        kind,
                        false,
                        format!("{} ({hash}) is not one the stamp records", path.display()),
                    ),
                }
            }
            for (name, hash) in &recorded {
                if !seen.contains(hash) {
                    check(kind, false, format!("`{name}` ({hash}) was not given"));
                }
            }
            Ok(())
        };
    files_check(
        "layer file",
        layers,
        stamp
            .layers
            .iter()
            .map(|l| (l.name.clone(), l.sha256.clone()))
            .collect(),
    )?;
    files_check(
        "evidence file",
        attachments,
        stamp
            .evidence
            .iter()
            .map(|e| (e.name.clone(), e.sha256.clone()))
            .collect(),
    )?;
    let ok = checks.iter().all(|c| c.ok);
    Ok(StampCheck {
        ok,
        stamp_hash: stamp_hash(&bytes),
        batch: stamp.batch.id,
        checks,
    })
}

/// Checks a row proof file against an exported stamp directory (whose signature must hold).
pub fn verify_row(proof_file: &Path, stamp_dir: &Path) -> Result<RowProof, AppError> {
    let (stamp, bytes, signature, signer) = read_stamp_dir(stamp_dir)?;
    parse_key(&signer)
        .and_then(|key| verify_signature(&stamp, &bytes, &signature, &key))
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", stamp_dir.display())))?;
    let proof: RowProof = serde_json::from_slice(&read(proof_file)?).map_err(|e| {
        AppError::InvalidInput(format!("{}: not a row proof: {e}", proof_file.display()))
    })?;
    verify_row_proof(&proof, &stamp, &stamp_hash(&bytes))
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", proof_file.display())))?;
    Ok(proof)
}
