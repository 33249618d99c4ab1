//! Offline verification of stamps, row proofs and anchor receipts (spec `mrv-stamp/v2` §6):
//! from an exported stamp directory and the original files alone — no workspace, no database.
//!
//! A valid signature only proves that the document is unchanged since whoever holds the key
//! signed it; the verifier ties it to a person by pinning the key ([`StampPins::signers`]: a
//! key obtained out of band, or the users of a workspace), and ties the anchor receipt to this
//! very stamp by rebuilding the `mrv-anchor/v1` entry from the stamp's hash and checking the
//! receipt against the log key it pins ([`StampPins::log_vkey`]).

use crate::session::Session;
use crate::{AppError, Mrv};
use mrv_core::{Action, AnchorEntry, AnchorKind};
use mrv_stamp::document::{key_text, parse_key, stamp_hash, verify_signature, Stamp};
use mrv_stamp::proof::{verify_row_proof, RowProof};
use mrv_stamp::rules::{check_column_kinds, check_rules};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A key trusted to sign stamps: given on the command line (no name) or a workspace's user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownSigner {
    /// `ed25519:` + 64 hex digits.
    pub key: String,
    /// The user the key belongs to, when known: the stamp must name them as its verifier.
    pub name: Option<String>,
    /// When the user was offboarded: stamps approved from then on are refused.
    pub offboarded_at: Option<String>,
}

impl KnownSigner {
    /// A key given by the verifier: `ed25519:` + hex, or a file holding that text.
    pub fn from_arg(arg: &str) -> Result<KnownSigner, AppError> {
        let text = if arg.trim().starts_with("ed25519:") {
            arg.trim().to_owned()
        } else {
            let bytes = read(Path::new(arg)).map_err(|e| {
                AppError::InvalidInput(format!(
                    "--signer-key {arg}: neither `ed25519:` + 64 hex digits nor a readable key file: {e}"
                ))
            })?;
            String::from_utf8_lossy(&bytes).trim().to_owned()
        };
        let key = parse_key(&text)
            .map_err(|e| AppError::InvalidInput(format!("--signer-key {arg}: {e}")))?;
        Ok(KnownSigner {
            key: key_text(&key),
            name: None,
            offboarded_at: None,
        })
    }
}

/// What a verifier pins before trusting a stamp.
#[derive(Debug, Clone, Default)]
pub struct StampPins {
    /// The keys allowed to have signed; empty: not pinned (the output says so).
    pub signers: Vec<KnownSigner>,
    /// The audit log's verifier key (vkey): the exported anchor receipt is checked with it.
    pub log_vkey: Option<String>,
}

impl Mrv {
    /// The signing keys of this workspace's users (for pinning a stamp's signer).
    pub fn known_signers(&self, session: &Session) -> Result<Vec<KnownSigner>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        Ok(mrv_store::list_users(self.ws.conn())?
            .into_iter()
            .map(|u| KnownSigner {
                key: u.public_key,
                name: Some(u.name),
                offboarded_at: u.offboarded_at,
            })
            .collect())
    }
}

/// The `mrv-anchor/v1` entry of a stamp: kind `stamp`, id `batch-<id>-v<version>`, its hash.
pub fn stamp_anchor_entry(stamp: &Stamp, canonical: &[u8]) -> Result<Vec<u8>, AppError> {
    let id = crate::auditlog::stamp_record_id(stamp.batch.id, stamp.batch.version);
    let sha: [u8; 32] = Sha256::digest(canonical).into();
    Ok(AnchorEntry::new(AnchorKind::Stamp, &id, sha)
        .map_err(|e| AppError::InvalidInput(format!("{id}: {e}")))?
        .to_bytes())
}

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
    /// Whether the signer's key was pinned (else anyone could have made the key and signed).
    pub signer_pinned: bool,
    /// What was not checked, and why it matters (unpinned signer, unchecked receipt).
    pub notes: Vec<String>,
}

/// Reads a whole input file; a directory, FIFO or device is named for what it is (and a FIFO
/// never blocks).
fn read(path: &Path) -> Result<Vec<u8>, AppError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    crate::files::open_input(path, "file")?
        .read_to_end(&mut bytes)
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", path.display())))?;
    Ok(bytes)
}

fn file_sha256(path: &Path) -> Result<String, AppError> {
    use std::io::Read;
    let mut file = crate::files::open_input(path, "file")?;
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

/// [`verify_stamp_pinned`] with nothing pinned.
pub fn verify_stamp(
    dir: &Path,
    source: &Path,
    layers: &[PathBuf],
    attachments: &[PathBuf],
) -> Result<StampCheck, AppError> {
    verify_stamp_pinned(dir, source, layers, attachments, &StampPins::default())
}

/// Re-checks a stamp from the original files (see the spec, §6): the document's own rules,
/// the signature and (when pinned) whose key made it, the exported profile and boundary, the
/// source re-read, the layers and attachments, and the anchor receipt exported with it. Every
/// check is run and reported; `ok` only when all pass.
pub fn verify_stamp_pinned(
    dir: &Path,
    source: &Path,
    layers: &[PathBuf],
    attachments: &[PathBuf],
    pins: &StampPins,
) -> Result<StampCheck, AppError> {
    let (stamp, bytes, signature, signer) = read_stamp_dir(dir)?;
    let mut notes = Vec::new();
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
    let breaches = check_rules(&stamp);
    if breaches.is_empty() {
        check(
            "stamp rules",
            true,
            format!(
                "the document keeps rules S1–S11{} of the spec ({})",
                if stamp.claimed.is_some() {
                    " and S13"
                } else {
                    ""
                },
                stamp.spec
            ),
        );
    }
    for b in breaches {
        check("stamp rules", false, b.to_string());
    }
    let signer_pinned = !pins.signers.is_empty();
    if signer_pinned {
        let (what, ok, detail) = pinned_signer(&stamp, &signer, &pins.signers);
        check(what, ok, detail);
    } else {
        notes.push(format!(
            "signer key NOT pinned: the signature only proves the document is unchanged since whoever holds {} signed it; pass --signer-key (or --signer-from-workspace) to tie it to {}",
            stamp.decision.verifier_key, stamp.decision.verifier
        ));
    }
    match anchor_check(dir, &stamp, &bytes, pins.log_vkey.as_deref())? {
        AnchorOutcome::Checked(ok, detail) => check("anchor", ok, detail),
        AnchorOutcome::Note(n) => notes.push(n),
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
        let mut breaches = Vec::new();
        if (profile.id.as_str(), profile.version.as_str())
            != (
                stamp.methodology.id.as_str(),
                stamp.methodology.version.as_str(),
            )
        {
            breaches.push(format!(
                "rule S12: methodology {} v{} is not profile.toml's {} v{}",
                stamp.methodology.id, stamp.methodology.version, profile.id, profile.version
            ));
        }
        let names: Vec<String> = stamp.rows.columns.iter().map(|c| c.name.clone()).collect();
        let schema = crate::review::row_schema(&profile, &names);
        breaches.extend(
            check_column_kinds(&stamp, &schema)
                .iter()
                .map(ToString::to_string),
        );
        if breaches.is_empty() {
            check(
                "column kinds",
                true,
                "methodology and column kinds are profile.toml's (rule S12)".into(),
            );
        }
        for b in breaches {
            check("column kinds", false, b);
        }
        match crate::review::reread_rows(source, &profile, &stamp) {
            Ok(crate::review::RereadRows {
                count,
                root,
                claimed_total,
            }) => {
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
                if let (Some(total), Some(claimed)) = (claimed_total, &stamp.claimed) {
                    match total {
                        Ok(total) => check(
                            "claimed total",
                            total.to_string() == claimed.total,
                            format!(
                                "{} summed exactly over the rows re-read is {total} tCO2e, the stamp records {}",
                                claimed.field, claimed.total
                            ),
                        ),
                        Err(e) => check(
                            "claimed total",
                            false,
                            format!("{} cannot be summed exactly: {e}", claimed.field),
                        ),
                    }
                }
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
        signer_pinned,
        notes,
    })
}

/// Whether the key that signed (`signer.pub`, which must also be the key the document names)
/// is one of the pinned ones, and — for a workspace's user — the verifier the stamp names,
/// not offboarded at approval.
fn pinned_signer(
    stamp: &Stamp,
    signer: &str,
    pinned: &[KnownSigner],
) -> (&'static str, bool, String) {
    let named = &stamp.decision.verifier_key;
    let Some(known) = pinned.iter().find(|k| k.key == *named) else {
        return (
            "signer key",
            false,
            format!(
                "the stamp is signed with {named}, which is not a pinned signer key ({}): it was re-signed by someone else",
                pinned
                    .iter()
                    .map(|k| match &k.name {
                        Some(n) => format!("{n} {}", k.key),
                        None => k.key.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    };
    if signer != named {
        return (
            "signer key",
            false,
            format!("signer.pub holds {signer}, not the pinned key {named}"),
        );
    }
    if let Some(name) = &known.name {
        if *name != stamp.decision.verifier {
            return (
                "signer key",
                false,
                format!(
                    "the key {named} belongs to {name}, but the stamp names {} as its verifier",
                    stamp.decision.verifier
                ),
            );
        }
        if let Some(off) = &known.offboarded_at {
            if stamp.decision.approved_at >= *off {
                return (
                    "signer key",
                    false,
                    format!(
                        "{name} was offboarded at {off}, before the stamp's approval at {}",
                        stamp.decision.approved_at
                    ),
                );
            }
        }
    }
    (
        "signer key",
        true,
        format!(
            "{named} is pinned{}",
            match &known.name {
                Some(n) => format!(" as {n}'s key"),
                None => String::new(),
            }
        ),
    )
}

enum AnchorOutcome {
    Checked(bool, String),
    Note(String),
}

/// The anchor exported beside the stamp (`anchor.entry`, `anchor.tlog-proof`): the entry must
/// be this stamp's, and the receipt must prove that entry in a checkpoint the pinned log key
/// signed.
fn anchor_check(
    dir: &Path,
    stamp: &Stamp,
    canonical: &[u8],
    log_vkey: Option<&str>,
) -> Result<AnchorOutcome, AppError> {
    let optional = |name: &str| -> Result<Option<Vec<u8>>, AppError> {
        let path = dir.join(name);
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            _ => read(&path).map(Some),
        }
    };
    let entry = optional("anchor.entry")?;
    let receipt = optional("anchor.tlog-proof")?;
    let expected = stamp_anchor_entry(stamp, canonical)?;
    let expected_text = String::from_utf8_lossy(&expected).replace('\n', " | ");
    if let Some(e) = &entry {
        if *e != expected {
            return Ok(AnchorOutcome::Checked(
                false,
                format!(
                    "anchor.entry is not this stamp's entry: it reads `{}`, this stamp's is `{}`",
                    String::from_utf8_lossy(e).trim_end().replace('\n', " | "),
                    expected_text.trim_end_matches(" | ")
                ),
            ));
        }
    }
    let Some(receipt) = receipt else {
        return Ok(match (entry.is_some(), log_vkey) {
            (true, _) => AnchorOutcome::Checked(
                false,
                "anchor.entry is there but anchor.tlog-proof is missing".into(),
            ),
            (false, Some(_)) => AnchorOutcome::Checked(
                false,
                "--log-vkey was given but the export holds no anchor receipt (anchor.tlog-proof): the stamp is not shown anchored".into(),
            ),
            (false, None) => AnchorOutcome::Note(
                "not anchored in this export: no anchor.tlog-proof".into(),
            ),
        });
    };
    let Some(vkey) = log_vkey else {
        return Ok(AnchorOutcome::Note(
            "anchor receipt NOT checked: pass --log-vkey VKEY (the audit log's verifier key) to check that the log holds this stamp's entry".into(),
        ));
    };
    let name = dir.join("anchor.tlog-proof").display().to_string();
    let text = String::from_utf8(receipt)
        .map_err(|_| AppError::InvalidInput(format!("{name}: a receipt is UTF-8 text")))?;
    Ok(
        match crate::auditlog::verify_receipt(&name, &text, vkey, Some(&expected)) {
            Ok(r) => AnchorOutcome::Checked(
                true,
                format!(
                    "this stamp's entry is at index {} of the log {} (checkpoint size {}), signed by the pinned log key",
                    r.index, r.origin, r.checkpoint_size
                ),
            ),
            Err(e) => AnchorOutcome::Checked(
                false,
                format!("the receipt does not prove this stamp's entry: {e}"),
            ),
        },
    )
}

/// `mrv verify-receipt` with an optional stamp: the entry anchored must be that stamp's (a
/// stamp directory or its `stamp.json`); an entry file given too must be exactly it.
pub fn verify_receipt_for(
    receipt: &Path,
    vkey: &str,
    entry: Option<&Path>,
    stamp: Option<&Path>,
) -> Result<crate::ReceiptCheck, AppError> {
    let Some(stamp) = stamp else {
        return crate::auditlog::verify_receipt_file(receipt, vkey, entry);
    };
    let file = if stamp.is_dir() {
        stamp.join("stamp.json")
    } else {
        stamp.to_owned()
    };
    let bytes = read(&file)?;
    let doc = Stamp::from_canonical_bytes(&bytes)
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", file.display())))?;
    let expected = stamp_anchor_entry(&doc, &bytes)?;
    if let Some(entry) = entry {
        if read(entry)? != expected {
            return Err(AppError::InvalidInput(format!(
                "{}: not the anchor entry of the stamp {} (batch {} version {}, sha256 {})",
                entry.display(),
                file.display(),
                doc.batch.id,
                doc.batch.version,
                stamp_hash(&bytes)
            )));
        }
    }
    let text = String::from_utf8(read(receipt)?).map_err(|_| {
        AppError::InvalidInput(format!("{}: a receipt is UTF-8 text", receipt.display()))
    })?;
    crate::auditlog::verify_receipt(&receipt.display().to_string(), &text, vkey, Some(&expected))
        .map_err(|e| {
            AppError::InvalidInput(format!(
                "{e} (the entry checked is the one of the stamp {}, sha256 {})",
                file.display(),
                stamp_hash(&bytes)
            ))
        })
}

/// [`verify_row_pinned`] with no signer pinned.
pub fn verify_row(proof_file: &Path, stamp_dir: &Path) -> Result<RowProof, AppError> {
    verify_row_pinned(proof_file, stamp_dir, &[])
}

/// Checks a row proof file against an exported stamp directory, whose signature must hold,
/// whose document must keep the spec's rules and — when `signers` are pinned — whose signer
/// must be one of them.
pub fn verify_row_pinned(
    proof_file: &Path,
    stamp_dir: &Path,
    signers: &[KnownSigner],
) -> Result<RowProof, AppError> {
    let (stamp, bytes, signature, signer) = read_stamp_dir(stamp_dir)?;
    parse_key(&signer)
        .and_then(|key| verify_signature(&stamp, &bytes, &signature, &key))
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", stamp_dir.display())))?;
    let breaches: Vec<String> = check_rules(&stamp)
        .iter()
        .map(ToString::to_string)
        .collect();
    if !breaches.is_empty() {
        return Err(AppError::InvalidInput(format!(
            "{}: the stamp breaks the spec's rules: {}",
            stamp_dir.display(),
            breaches.join("; ")
        )));
    }
    if !signers.is_empty() {
        let (_, ok, detail) = pinned_signer(&stamp, &signer, signers);
        if !ok {
            return Err(AppError::InvalidInput(format!(
                "{}: {detail}",
                stamp_dir.display()
            )));
        }
    }
    let proof: RowProof = serde_json::from_slice(&read(proof_file)?).map_err(|e| {
        AppError::InvalidInput(format!("{}: not a row proof: {e}", proof_file.display()))
    })?;
    verify_row_proof(&proof, &stamp, &stamp_hash(&bytes))
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", proof_file.display())))?;
    Ok(proof)
}
