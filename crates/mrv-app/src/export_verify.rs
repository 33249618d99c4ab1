//! `mrv verify-export DIR`: re-checks a written export folder offline, from its files alone —
//! no workspace, no user (`docs/export.md` § Verification). Every check is run and reported:
//! the manifest's file list against the folder (a changed, missing or unlisted file), the
//! quantities against each other, against the stamped sources and against `cadt.json` and
//! `issuances.csv` (a changed quantity), each stamp as `mrv verify-stamp` checks it with its
//! anchor receipt, and the sign-off's signature over the manifest and its own anchor receipt
//! (a forged sign-off).

use crate::export::{signoff_anchor_entry, CadtExport, CADT_FILE, CSV_FILE, MANIFEST_FILE};
use crate::verify::{Check, StampPins};
use crate::AppError;
use mrv_core::cadt::SerialBlock;
use mrv_core::quantity::{gross_claimed, ExportUnits, Tonnes};
use mrv_core::{Manifest, MANIFEST_FORMAT};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What the verifier pins before trusting an export.
#[derive(Debug, Clone, Default)]
pub struct ExportPins {
    /// The key the sign-off must be made with (`ed25519:` + hex); unpinned: noted.
    pub signer_key: Option<String>,
    /// The audit log's verifier key; without it the manifest's own `audit_log.vkey` is used,
    /// and the output says so.
    pub log_vkey: Option<String>,
}

/// The outcome of `mrv verify-export`.
#[derive(Debug, Clone, Serialize)]
pub struct ExportCheck {
    pub ok: bool,
    pub export_id: i64,
    /// SHA-256 of the manifest's signed bytes (what the sign-off anchor commits to).
    pub manifest_sha256: String,
    pub checks: Vec<Check>,
    pub notes: Vec<String>,
}

struct Report {
    checks: Vec<Check>,
    notes: Vec<String>,
}

impl Report {
    fn check(&mut self, what: &str, ok: bool, detail: impl Into<String>) {
        self.checks.push(Check {
            what: what.into(),
            ok,
            detail: detail.into(),
        });
    }

    fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, AppError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    crate::files::open_input(path, "file")?
        .read_to_end(&mut bytes)
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", path.display())))?;
    Ok(bytes)
}

fn hash_file(path: &Path) -> Result<(String, u64), AppError> {
    let mut file = crate::files::open_input(path, "file")?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher)
        .map_err(|e| AppError::Io(format!("{}: {e}", path.display())))?;
    Ok((hex::encode(hasher.finalize()), size))
}

fn safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != ".." && !p.contains('\\'))
}

/// Every regular file and link under `dir`, relative and `/`-separated (links are reported
/// as such, never followed).
fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, bool)>) -> Result<(), AppError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| AppError::Io(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| AppError::Io(format!("{}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry
            .file_type()
            .map_err(|e| AppError::Io(format!("{rel}: {e}")))?;
        if kind.is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.push((rel, kind.is_symlink()));
        }
    }
    Ok(())
}

/// Re-checks an export folder; see the module comment. Fails (rather than reports) only when
/// the folder or its manifest cannot be read at all.
pub fn verify_export(dir: &Path, pins: &ExportPins) -> Result<ExportCheck, AppError> {
    let meta = std::fs::metadata(dir).map_err(|e| {
        AppError::InvalidInput(format!("{}: not an export folder: {e}", dir.display()))
    })?;
    if !meta.is_dir() {
        return Err(AppError::InvalidInput(format!(
            "{} is not a folder: verify-export takes the folder `mrv export write` wrote",
            dir.display()
        )));
    }
    let manifest_path = dir.join(MANIFEST_FILE);
    let shown = manifest_path.display().to_string();
    let raw: serde_json::Value = serde_json::from_slice(&read(&manifest_path)?)
        .map_err(|e| AppError::InvalidInput(format!("{shown}: not JSON: {e}")))?;
    let manifest: Manifest = serde_json::from_value(raw.clone()).map_err(|e| {
        AppError::InvalidInput(format!("{shown}: not an mrv-export/v1 manifest: {e}"))
    })?;
    if manifest.format != MANIFEST_FORMAT {
        return Err(AppError::InvalidInput(format!(
            "{shown}: format {:?} is not {MANIFEST_FORMAT}",
            manifest.format
        )));
    }
    let mut unsigned = raw;
    if let Some(obj) = unsigned.as_object_mut() {
        obj.remove("signoff");
    }
    let signed = mrv_stamp::jcs::canonicalize(&unsigned)
        .map_err(|e| AppError::InvalidInput(format!("{shown}: {e}")))?;
    let mut report = Report {
        checks: Vec::new(),
        notes: Vec::new(),
    };
    check_files(dir, &manifest, &mut report)?;
    check_quantities(dir, &manifest, &mut report);
    check_batches(dir, &manifest, pins, &mut report)?;
    check_signoff(&manifest, &signed, pins, &mut report)?;
    Ok(ExportCheck {
        ok: report.checks.iter().all(|c| c.ok),
        export_id: manifest.export.id,
        manifest_sha256: hex::encode(Sha256::digest(&signed)),
        checks: report.checks,
        notes: report.notes,
    })
}

fn check_files(dir: &Path, manifest: &Manifest, report: &mut Report) -> Result<(), AppError> {
    let mut listed = BTreeSet::new();
    for f in &manifest.files {
        let what = "file";
        if !safe_relative(&f.path) || f.path == MANIFEST_FILE {
            report.check(
                what,
                false,
                format!(
                    "the manifest lists {:?}, which is not a file inside the export",
                    f.path
                ),
            );
            continue;
        }
        listed.insert(f.path.clone());
        let path = dir.join(&f.path);
        match std::fs::symlink_metadata(&path) {
            Err(_) => report.check(what, false, format!("{} is missing", f.path)),
            Ok(m) if m.file_type().is_symlink() => report.check(
                what,
                false,
                format!(
                    "{} is a symbolic link, not the file the manifest lists",
                    f.path
                ),
            ),
            Ok(_) => {
                let (sha, size) = hash_file(&path)?;
                if sha == f.sha256 && size == f.size {
                    report.check(what, true, format!("{} SHA-256 {sha}", f.path));
                } else {
                    report.check(
                        what,
                        false,
                        format!(
                            "{} was changed: SHA-256 {sha} ({size} bytes), the manifest records {} ({} bytes)",
                            f.path, f.sha256, f.size
                        ),
                    );
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, "", &mut found)?;
    for (rel, link) in found {
        if rel == MANIFEST_FILE || listed.contains(&rel) {
            continue;
        }
        report.check(
            "file",
            false,
            format!(
                "{rel} is not listed in the manifest{}",
                if link { " (a symbolic link)" } else { "" }
            ),
        );
    }
    Ok(())
}

/// The quantities agree with each other, with the batches' gross claims, with the serial
/// block, and with what `cadt.json` and `issuances.csv` say.
fn check_quantities(dir: &Path, m: &Manifest, report: &mut Report) {
    let q = &m.quantities;
    let what = "quantity";
    let mut sum = Tonnes::ZERO;
    for b in &m.batches {
        match Tonnes::parse(&b.gross_claimed_tco2e).and_then(|t| sum.checked_add(&t)) {
            Ok(s) => sum = s,
            Err(e) => {
                report.check(what, false, format!("batch {}: gross claimed: {e}", b.id));
                return;
            }
        }
    }
    match Tonnes::parse(&q.gross_claimed_tco2e) {
        Ok(gross) if gross == sum => report.check(
            what,
            true,
            format!("gross claimed {gross} tCO2e is the sum of the batches' gross claims"),
        ),
        Ok(gross) => report.check(
            what,
            false,
            format!("gross claimed {gross} tCO2e, but the batches' gross claims sum to {sum}"),
        ),
        Err(e) => report.check(what, false, format!("gross claimed: {e}")),
    }
    match q
        .buffer_percent
        .parse::<f64>()
        .map_err(|e| e.to_string())
        .and_then(|p| ExportUnits::from_gross(&sum, p).map_err(|e| e.to_string()))
    {
        Ok(units) => {
            let expect = [
                ("issued", q.issued, units.issued as i64),
                ("buffer", q.buffer, units.buffer as i64),
                ("tradable", q.tradable, units.tradable as i64),
            ];
            for (name, stated, derived) in expect {
                report.check(
                    what,
                    stated == derived,
                    if stated == derived {
                        format!("{name} units {stated}")
                    } else {
                        format!(
                            "{name} units: the manifest says {stated}, the batches' claims give {derived} ({})",
                            units.derivation.join("; ")
                        )
                    },
                );
            }
        }
        Err(e) => report.check(what, false, format!("buffer percent: {e}")),
    }
    let serial_count = m.export.serials.map_or(0, |s| s.count());
    if serial_count != q.issued {
        report.check(
            what,
            false,
            format!(
                "the serial block holds {serial_count} numbers, the manifest issues {} units",
                q.issued
            ),
        );
    }
    // cadt.json: Held units are the tradable ones, Buffer units the buffer; every block's count
    // agrees with its serial numbers and lies inside the export's block.
    match read(&dir.join(CADT_FILE)).and_then(|bytes| {
        serde_json::from_slice::<CadtExport>(&bytes)
            .map_err(|e| AppError::InvalidInput(format!("{CADT_FILE}: {e}")))
    }) {
        Err(e) => report.check(what, false, e.to_string()),
        Ok(cadt) => {
            let (mut held, mut buffer) = (0i64, 0i64);
            for (i, u) in cadt.units.iter().enumerate() {
                let subject = format!("{CADT_FILE} unit {} ({})", i + 1, u.unit_block_start);
                match SerialBlock::parse(&u.unit_block_start, &u.unit_block_end) {
                    Ok(block) if block.count() != u.unit_count => report.check(
                        what,
                        false,
                        format!(
                            "{subject}: unitCount {} but its block {block} holds {}",
                            u.unit_count,
                            block.count()
                        ),
                    ),
                    Ok(block) => {
                        let inside = m.export.serials.is_some_and(|s| {
                            block.first() as i64 >= s.start && block.last() as i64 <= s.end
                        });
                        if !inside {
                            report.check(
                                what,
                                false,
                                format!("{subject}: block {block} is outside the export's serial numbers"),
                            );
                        }
                    }
                    Err(e) => report.check(what, false, format!("{subject}: {e}")),
                }
                if u.vintage_year != m.export.vintage {
                    report.check(
                        what,
                        false,
                        format!(
                            "{subject}: vintage {} is not the export's {}",
                            u.vintage_year, m.export.vintage
                        ),
                    );
                }
                match u.unit_status.as_str() {
                    "Held" => held += u.unit_count as i64,
                    "Buffer" => buffer += u.unit_count as i64,
                    other => report.check(
                        what,
                        false,
                        format!("{subject}: status {other:?} is neither Held nor Buffer"),
                    ),
                }
            }
            for (status, count, stated, name) in [
                ("Held", held, q.tradable, "tradable"),
                ("Buffer", buffer, q.buffer, "buffer"),
            ] {
                report.check(
                    what,
                    count == stated,
                    if count == stated {
                        format!("{CADT_FILE}: {count} {status} units = the {name} units")
                    } else {
                        format!(
                            "{CADT_FILE}: {count} {status} units, but the manifest's {name} units are {stated}"
                        )
                    },
                );
            }
        }
    }
    // issuances.csv: its quantities add up to the issued units.
    match read(&dir.join(CSV_FILE)).and_then(|bytes| csv_quantity(&bytes)) {
        Ok(total) => report.check(
            what,
            total == q.issued,
            if total == q.issued {
                format!("{CSV_FILE}: quantities add up to the {total} issued units")
            } else {
                format!(
                    "{CSV_FILE}: quantities add up to {total}, but the manifest issues {} units",
                    q.issued
                )
            },
        ),
        Err(e) => report.check(what, false, e.to_string()),
    }
}

fn csv_quantity(bytes: &[u8]) -> Result<i64, AppError> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| AppError::InvalidInput(format!("{CSV_FILE}: {e}")))?
        .clone();
    let column = headers
        .iter()
        .position(|h| h == "quantity")
        .ok_or_else(|| AppError::InvalidInput(format!("{CSV_FILE}: no `quantity` column")))?;
    let mut total = 0i64;
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| AppError::InvalidInput(format!("{CSV_FILE}: {e}")))?;
        let cell = record.get(column).unwrap_or("");
        let n: i64 = cell.parse().map_err(|_| {
            AppError::InvalidInput(format!(
                "{CSV_FILE} row {}: quantity {cell:?} is not a whole number",
                i + 2
            ))
        })?;
        total += n;
    }
    Ok(total)
}

/// Each stamp as `mrv verify-stamp` checks it (source re-read, anchor receipt), its hash
/// against the manifest, and the batch's gross claim recomputed from its source.
fn check_batches(
    dir: &Path,
    m: &Manifest,
    pins: &ExportPins,
    report: &mut Report,
) -> Result<(), AppError> {
    let log_vkey = pins
        .log_vkey
        .clone()
        .or_else(|| m.audit_log.as_ref().map(|l| l.vkey.clone()));
    for b in &m.batches {
        let subject = format!("batch {}", b.id);
        if !safe_relative(&b.folder) {
            report.check(
                "stamp",
                false,
                format!("{subject}: folder {:?} is not inside the export", b.folder),
            );
            continue;
        }
        let folder = dir.join(&b.folder);
        let source: Option<PathBuf> = ["csv", "geojson"]
            .iter()
            .map(|ext| folder.join(format!("source.{ext}")))
            .find(|p| p.is_file());
        let Some(source) = source else {
            report.check(
                "stamp",
                false,
                format!("{subject}: {} holds no source file", b.folder),
            );
            continue;
        };
        let stamp_bytes = match read(&folder.join("stamp.json")) {
            Ok(bytes) => bytes,
            Err(e) => {
                report.check("stamp", false, format!("{subject}: {e}"));
                continue;
            }
        };
        let hash = hex::encode(Sha256::digest(&stamp_bytes));
        report.check(
            "stamp",
            hash == b.stamp_hash,
            if hash == b.stamp_hash {
                format!("{subject}: stamp {hash} is the one the manifest names")
            } else {
                format!(
                    "{subject}: stamp.json hashes to {hash}, the manifest names {}",
                    b.stamp_hash
                )
            },
        );
        // A v2 stamp commits to its batch's claimed total: it must be the manifest's.
        if let Ok(stamp) = mrv_stamp::document::Stamp::from_canonical_bytes(&stamp_bytes) {
            if let Some(claimed) = &stamp.claimed {
                let same = Tonnes::parse(&claimed.total)
                    .ok()
                    .zip(Tonnes::parse(&b.gross_claimed_tco2e).ok())
                    .is_some_and(|(a, m)| a == m);
                report.check(
                    "quantity",
                    same,
                    if same {
                        format!("{subject}: the stamp's claimed total {} is the manifest's", claimed.total)
                    } else {
                        format!(
                            "{subject}: the stamp commits to a claimed total of {} tCO2e, the manifest records {}",
                            claimed.total, b.gross_claimed_tco2e
                        )
                    },
                );
            }
        }
        let check = match crate::verify_stamp_pinned(
            &folder,
            &source,
            &[],
            &[],
            &StampPins {
                signers: Vec::new(),
                log_vkey: log_vkey.clone(),
            },
        ) {
            Ok(c) => c,
            Err(e) => {
                report.check("stamp", false, format!("{subject}: {e}"));
                continue;
            }
        };
        for c in check.checks {
            // Layer rasters and evidence files are not part of an export; their hashes are in
            // stamp.json for whoever holds the files.
            if matches!(c.what.as_str(), "layer file" | "evidence file")
                && c.detail.ends_with("was not given")
            {
                report.note("layer and evidence files are not part of an export: stamp.json records their SHA-256s; check them with `mrv verify-stamp --layer … --attachment …`");
                continue;
            }
            report.check(
                &format!("stamp {}", c.what),
                c.ok,
                format!("{subject}: {}", c.detail),
            );
        }
        for n in check.notes {
            report.note(format!("{subject}: {n}"));
        }
        match source_gross(&folder, &source, &stamp_bytes) {
            Ok(gross) => {
                let stated = Tonnes::parse(&b.gross_claimed_tco2e);
                let ok = stated.as_ref().is_ok_and(|s| *s == gross);
                report.check(
                    "quantity",
                    ok,
                    if ok {
                        format!("{subject}: its source's claimed tCO2e sum to {gross}, as the manifest records")
                    } else {
                        format!(
                            "{subject}: its source's claimed tCO2e sum to {gross}, the manifest records {}",
                            b.gross_claimed_tco2e
                        )
                    },
                );
            }
            Err(e) => report.check(
                "quantity",
                false,
                format!("{subject}: the source cannot be re-read: {e}"),
            ),
        }
    }
    Ok(())
}

/// The exact sum of a stamped source's claimed tCO2e, re-read with the import's own reader.
fn source_gross(folder: &Path, source: &Path, stamp_bytes: &[u8]) -> Result<Tonnes, AppError> {
    let stamp = mrv_stamp::document::Stamp::from_canonical_bytes(stamp_bytes)
        .map_err(|e| AppError::InvalidInput(format!("stamp.json: {e}")))?;
    let profile = mrv_core::MethodologyProfile::from_toml(&String::from_utf8_lossy(&read(
        &folder.join("profile.toml"),
    )?))
    .map_err(|e| AppError::InvalidInput(format!("profile.toml: {e}")))?;
    let column = stamp
        .rows
        .columns
        .iter()
        .position(|c| c.name == profile.claimed_tco2e_field)
        .ok_or_else(|| {
            AppError::InvalidInput(format!(
                "stamp.json has no `{}` column",
                profile.claimed_tco2e_field
            ))
        })?;
    let mut texts = Vec::new();
    let columns = crate::review::reread_values(source, &profile, &stamp, &mut |values| {
        texts.push(values.get(column).cloned().unwrap_or_default());
        Ok(())
    })?;
    let stamped: Vec<String> = stamp.rows.columns.iter().map(|c| c.name.clone()).collect();
    if columns != stamped {
        return Err(AppError::InvalidInput(format!(
            "its columns ({}) are not the stamp's ({})",
            columns.join(", "),
            stamped.join(", ")
        )));
    }
    gross_claimed(texts.iter().map(String::as_str))
        .map_err(|e| AppError::InvalidInput(format!("claimed tCO2e: {e}")))
}

/// The sign-off: present, its signature over the manifest's canonical bytes (without the
/// sign-off) by the key it names — pinned when asked —, and its receipt proving this very
/// manifest's `signoff` entry in the audit log.
fn check_signoff(
    m: &Manifest,
    signed: &[u8],
    pins: &ExportPins,
    report: &mut Report,
) -> Result<(), AppError> {
    let Some(s) = &m.signoff else {
        report.check(
            "sign-off",
            false,
            "manifest.json holds no sign-off: the export was written before it was signed off",
        );
        return Ok(());
    };
    let verified = mrv_stamp::document::parse_key(&s.public_key)
        .map_err(|e| e.to_string())
        .and_then(|key| {
            let bytes: [u8; 64] = hex::decode(s.signature.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or("the signature is not 128 hexadecimal digits")?;
            key.verify_strict(signed, &ed25519_dalek::Signature::from_bytes(&bytes))
                .map_err(|_| format!("it is not {}'s signature over this manifest", s.public_key))
        });
    match verified {
        Ok(()) => report.check(
            "sign-off signature",
            true,
            format!("Ed25519 signature by {} ({}) over the manifest verifies", s.signer, s.public_key),
        ),
        Err(e) => report.check(
            "sign-off signature",
            false,
            format!("the sign-off does not verify: {e}; the manifest was changed after it was signed, or the signature forged"),
        ),
    }
    match &pins.signer_key {
        Some(pinned) => report.check(
            "sign-off signer",
            pinned.trim() == s.public_key,
            if pinned.trim() == s.public_key {
                format!("{} is the pinned signer key", s.public_key)
            } else {
                format!(
                    "signed with {}, not the pinned key {}: a forged sign-off",
                    s.public_key,
                    pinned.trim()
                )
            },
        ),
        None => report.note(format!(
            "sign-off signer key NOT pinned: pass --signer-key to tie {} to {}",
            s.public_key, s.signer
        )),
    }
    let vkey = match (&pins.log_vkey, &m.audit_log) {
        (Some(v), _) => v.clone(),
        (None, Some(log)) => {
            report.note(
                "log key taken from the manifest itself: pass --log-vkey VKEY (obtained out of band) to pin the audit log",
            );
            log.vkey.clone()
        }
        (None, None) => {
            report.check(
                "sign-off anchor",
                false,
                "no audit-log key: the manifest names no log and --log-vkey was not given",
            );
            return Ok(());
        }
    };
    let Some(receipt) = &s.anchor_receipt else {
        report.check(
            "sign-off anchor",
            false,
            "the sign-off carries no anchor receipt: it was written before the sign-off reached the audit log (run `mrv anchor`, then write it again)",
        );
        return Ok(());
    };
    let entry = signoff_anchor_entry(m.export.id, signed)?;
    match crate::auditlog::verify_receipt(
        "the sign-off's anchor receipt",
        receipt,
        &vkey,
        Some(&entry),
    ) {
        Ok(r) => report.check(
            "sign-off anchor",
            true,
            format!(
                "this manifest's sign-off entry is at index {} of the log {} (checkpoint size {})",
                r.index, r.origin, r.checkpoint_size
            ),
        ),
        Err(e) => report.check(
            "sign-off anchor",
            false,
            format!("the receipt does not prove this manifest's sign-off: {e}"),
        ),
    }
    Ok(())
}
