//! Registry exports against the real audit-log process (issue 11): an export built from an
//! anchored batch is reviewed (its stamp re-verified with its receipt), signed off (the
//! sign-off anchored as kind `signoff`), written as a folder and verified offline; the written
//! files are snapshots; `verify-export` names a changed file, a changed quantity and a forged
//! sign-off; segregation of duties; one live export per batch, returns leaving serial gaps; and
//! the rounding rules at their edges through the whole journey.

use crate::common;

use common::*;
use mrv_app::{
    ErrorCode, ExportPins, Mrv, NewExport, NewUser, Overwrite, Progress, Session, DEMO_PASSWORD,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

const PERIOD: &str = "2025-01-01..2025-12-31";
const BODY: &str = "Aster Global Environmental Solutions, Inc.";

struct Fixture {
    dir: tempfile::TempDir,
    log: LogDir,
    server: Server,
    mrv: Mrv,
}

impl Fixture {
    fn session(&mut self, name: &str) -> Session {
        self.mrv.sign_in(name, DEMO_PASSWORD).unwrap()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// The demo workspace connected to a fresh log, with batch 1 approved by `approver` and its
/// stamp anchored.
fn anchored_demo(approver: Option<(&str, &[&str])>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
    let verifier = match approver {
        None => "vera".to_owned(),
        Some((name, roles)) => {
            let tess = mrv.sign_in("tess", DEMO_PASSWORD).unwrap();
            mrv.add_user(
                Some(&tess),
                &NewUser {
                    name: name.into(),
                    roles: roles.iter().map(|r| r.to_string()).collect(),
                    password: DEMO_PASSWORD.into(),
                },
            )
            .unwrap();
            name.to_owned()
        }
    };
    let vera = mrv.sign_in(&verifier, DEMO_PASSWORD).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    mrv_app::review_and_approve(&mut mrv, &vera, 1, "checked in the field").unwrap();
    mrv.connect_auditlog(&oscar, &server.url, &log.vkey, &log.token)
        .unwrap();
    assert_eq!(mrv.anchor_batch(&vera, 1).unwrap().state, "anchored");
    Fixture {
        dir,
        log,
        server,
        mrv,
    }
}

fn request(period: &str) -> NewExport {
    NewExport {
        project_id: 1,
        period: period.into(),
        vintage: None,
        verification_body: Some(BODY.into()),
        report_date: Some("2026-02-15".into()),
    }
}

/// Export 1 of the demo, signed off by `mo` and written to `<dir>/export-1`.
fn signed_off_export() -> (Fixture, PathBuf) {
    let mut f = anchored_demo(None);
    let mo = f.session("mo");
    f.mrv.create_export(&mo, &request(PERIOD)).unwrap();
    let view = f.mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap();
    assert_eq!(view.summary.state, "signed_off");
    let out = f.path("export-1");
    f.mrv.write_export(&mo, 1, &out, Overwrite::Refuse).unwrap();
    (f, out)
}

fn pins(f: &Fixture, mo_key: Option<&str>) -> ExportPins {
    ExportPins {
        signer_key: mo_key.map(str::to_owned),
        log_vkey: Some(f.log.vkey.clone()),
    }
}

/// The failed checks of a verification, as `what: detail`.
fn failures(check: &mrv_app::ExportCheck) -> Vec<String> {
    check
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{}: {}", c.what, c.detail))
        .collect()
}

#[test]
fn an_export_is_created_reviewed_signed_off_written_and_verifies_offline() {
    let mut f = anchored_demo(None);
    let mo = f.session("mo");
    let created = f.mrv.create_export(&mo, &request(PERIOD)).unwrap();
    // 240 rows claim 404.666 tCO2e; the ARR profile withholds 20 %.
    assert_eq!(created.summary.state, "draft");
    assert_eq!(created.quantities.gross_claimed_tco2e, "404.666");
    assert_eq!(
        (
            created.summary.issued,
            created.summary.buffer,
            created.summary.tradable
        ),
        (404, 81, 323)
    );
    assert_eq!(
        created.summary.serial_block.as_deref(),
        Some("MRV-000000001..MRV-000000404")
    );
    assert_eq!(created.quantities.derivation.len(), 4);
    assert!(created.diff.is_none());

    // The review: every stamp re-verified, its receipt checked against the pinned log key.
    let view = f.mrv.export_view(&mo, 1).unwrap();
    let batch = &view.batches[0];
    assert_eq!(
        batch.stamp_verified,
        Some(true),
        "{:#?}",
        batch.stamp_checks
    );
    for what in [
        "signature",
        "signer key",
        "anchor",
        "rows root",
        "layer file",
    ] {
        assert!(
            batch.stamp_checks.iter().any(|c| c.what == what && c.ok),
            "{what}: {:#?}",
            batch.stamp_checks
        );
    }
    assert_eq!(batch.verifier, "vera");
    assert_eq!(batch.flags.high, 4);
    // Four high flags and two material rows (issue 11's materiality rule).
    assert_eq!(batch.justifications.len(), 6);
    assert!(batch.anchor_index.is_some());

    // The sign-off needs the signer's own password again.
    let err = f
        .mrv
        .sign_off_export(&mo, 1, "not-my-password")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated, "{err}");
    assert_eq!(f.mrv.export_view(&mo, 1).unwrap().summary.state, "draft");
    let signed = f.mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap();
    let actions: Vec<&str> = signed.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "submit", "sign_off"]);
    let so = signed.signoff.as_ref().unwrap();
    assert_eq!(so.signer, "mo");
    assert_eq!(so.anchor_state.as_deref(), Some("anchored"), "{so:?}");
    let anchors = f.mrv.anchors(&mo).unwrap();
    let signoff_anchor = anchors.iter().find(|a| a.kind == "signoff").unwrap();
    assert_eq!(signoff_anchor.record_id, "export-1");
    let err = f.mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");

    // Written whole, refused over an existing folder unless asked.
    let out = f.path("export-1");
    let written = f.mrv.write_export(&mo, 1, &out, Overwrite::Refuse).unwrap();
    assert!(written.signed_off);
    assert_eq!(
        written.files.last().map(String::as_str),
        Some("manifest.json")
    );
    let err = f
        .mrv
        .write_export(&mo, 1, &out, Overwrite::Refuse)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    f.mrv
        .write_export(&mo, 1, &out, Overwrite::Replace)
        .unwrap();
    for file in [
        "cadt.json",
        "issuances.csv",
        "manifest.json",
        "stamps/batch-1-v1/stamp.json",
        "stamps/batch-1-v1/anchor.tlog-proof",
        "stamps/batch-1-v1/source.csv",
    ] {
        assert!(out.join(file).is_file(), "{file}");
    }

    let mo_key = f.mrv.known_signers(&mo).unwrap();
    let mo_key = mo_key
        .iter()
        .find(|k| k.name.as_deref() == Some("mo"))
        .unwrap()
        .key
        .clone();
    let check = mrv_app::verify_export(&out, &pins(&f, Some(&mo_key))).unwrap();
    assert!(check.ok, "{:#?}", failures(&check));
    assert_eq!(check.manifest_sha256, so.manifest_sha256);
    for what in [
        "sign-off signature",
        "sign-off signer",
        "sign-off anchor",
        "stamp anchor",
    ] {
        assert!(
            check.checks.iter().any(|c| c.what == what && c.ok),
            "{what}"
        );
    }
    // The CADT file passes every rule checked before a push (CADT's and ours).
    let cadt: mrv_app::CadtExport =
        serde_json::from_slice(&std::fs::read(out.join("cadt.json")).unwrap()).unwrap();
    let violations = mrv_core::cadt::check_push(
        &cadt.project,
        &cadt.units,
        &mrv_core::cadt::Picklists::builtin(),
        &[],
    );
    assert!(violations.is_empty(), "{violations:#?}");
    assert_eq!(f.mrv.export_cadt(&mo, 1).unwrap(), cadt);
    let journal = f.mrv.verify_journal(&mo).unwrap();
    assert!(journal.ok, "{:#?}", journal.problems);

    snapshot_files(&out);
}

/// The written files as snapshots, with what changes from run to run (times, today's date,
/// keys, hashes, receipts) replaced by placeholders.
fn snapshot_files(out: &Path) {
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let today = manifest["export"]["created_at"].as_str().unwrap()[..10].to_owned();
    let cadt: Value =
        serde_json::from_slice(&std::fs::read(out.join("cadt.json")).unwrap()).unwrap();
    insta::assert_snapshot!(
        "cadt_json",
        serde_json::to_string_pretty(&redact(cadt, &today)).unwrap()
    );
    let csv = std::fs::read_to_string(out.join("issuances.csv")).unwrap();
    let csv: Vec<String> = csv
        .lines()
        .map(|line| {
            line.split(',')
                .map(|cell| match redact(Value::String(cell.into()), &today) {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    insta::assert_snapshot!("issuances_csv", csv.join("\n"));
    manifest["audit_log"]["vkey"] = "[vkey]".into();
    manifest["signoff"]["anchor_receipt"] = "[receipt]".into();
    for f in manifest["files"].as_array_mut().unwrap() {
        // Receipts and stamps carry times and keys of this run; their lengths do not vary.
        if f["path"].as_str().unwrap().ends_with("anchor.tlog-proof") {
            f["size"] = "[size]".into();
        }
    }
    insta::assert_snapshot!(
        "manifest_json",
        serde_json::to_string_pretty(&redact(manifest, &today)).unwrap()
    );
}

fn redact(value: Value, today: &str) -> Value {
    let is_hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    match value {
        Value::String(s) => Value::String(if is_hex(&s, 64) {
            "[sha256]".into()
        } else if is_hex(&s, 128) {
            "[signature]".into()
        } else if s.starts_with("ed25519:") {
            "[key]".into()
        } else if s.len() == 20 && s.ends_with('Z') && s.as_bytes()[10] == b'T' {
            "[time]".into()
        } else {
            s.replace(today, "[today]")
        }),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| redact(v, today)).collect()),
        Value::Object(o) => {
            // Keys sorted: serde_json keeps a file's key order when another crate of the
            // workspace turns on its `preserve_order` feature, and sorts them otherwise.
            let mut entries: Vec<(String, Value)> = o.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, redact(v, today)))
                    .collect(),
            )
        }
        other => other,
    }
}

/// A copy of the written export to tamper with.
fn copy_export(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_export(&entry.path(), &target);
        } else {
            std::fs::create_dir_all(to).unwrap();
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

#[test]
fn verify_export_names_a_changed_file_a_changed_quantity_and_a_forged_signoff() {
    let (f, out) = signed_off_export();
    let clean = mrv_app::verify_export(&out, &pins(&f, None)).unwrap();
    assert!(clean.ok, "{:#?}", failures(&clean));
    assert!(clean
        .notes
        .iter()
        .any(|n| n.contains("sign-off signer key NOT pinned")));

    // A changed file: the project renamed in cadt.json.
    let changed = f.path("changed-file");
    copy_export(&out, &changed);
    edit_json(&changed.join("cadt.json"), |v| {
        v["project"]["projectName"] = "Somewhere else".into()
    });
    let check = mrv_app::verify_export(&changed, &pins(&f, None)).unwrap();
    let failed = failures(&check);
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with("file: cadt.json was changed: SHA-256 "),
        "{failed:#?}"
    );

    // A file added, and a stamp's source deleted.
    let extra = f.path("extra-file");
    copy_export(&out, &extra);
    std::fs::write(extra.join("notes.txt"), "by hand").unwrap();
    std::fs::remove_file(extra.join("stamps/batch-1-v1/source.csv")).unwrap();
    let failed = failures(&mrv_app::verify_export(&extra, &pins(&f, None)).unwrap());
    assert!(
        failed.contains(&"file: notes.txt is not listed in the manifest".to_owned()),
        "{failed:#?}"
    );
    assert!(
        failed.contains(&"file: stamps/batch-1-v1/source.csv is missing".to_owned()),
        "{failed:#?}"
    );

    // A changed quantity: one more tradable unit in cadt.json, its hash "fixed" in the manifest.
    let quantity = f.path("changed-quantity");
    copy_export(&out, &quantity);
    edit_json(&quantity.join("cadt.json"), |v| {
        v["units"][0]["unitCount"] = 324.into();
    });
    let cadt = std::fs::read(quantity.join("cadt.json")).unwrap();
    edit_json(&quantity.join("manifest.json"), |m| {
        let files = m["files"].as_array_mut().unwrap();
        let entry = files.iter_mut().find(|e| e["path"] == "cadt.json").unwrap();
        entry["sha256"] = sha256_hex(&cadt).into();
        entry["size"] = cadt.len().into();
    });
    let failed = failures(&mrv_app::verify_export(&quantity, &pins(&f, None)).unwrap());
    assert!(
        failed.iter().any(|c| c.starts_with(
            "quantity: cadt.json unit 1 (MRV-000000001): unitCount 324 but its block MRV-000000001..MRV-000000323 holds 323"
        )),
        "{failed:#?}"
    );
    assert!(
        failed.contains(
            &"quantity: cadt.json: 324 Held units, but the manifest's tradable units are 323"
                .to_owned()
        ),
        "{failed:#?}"
    );
    assert!(
        failed
            .iter()
            .any(|c| c.starts_with("sign-off signature: the sign-off does not verify")),
        "{failed:#?}"
    );

    // The manifest's own quantities changed: the units no longer follow from the claims.
    let manifest_quantity = f.path("changed-manifest-quantity");
    copy_export(&out, &manifest_quantity);
    edit_json(&manifest_quantity.join("manifest.json"), |m| {
        m["quantities"]["issued"] = 405.into();
    });
    let failed = failures(&mrv_app::verify_export(&manifest_quantity, &pins(&f, None)).unwrap());
    assert!(
        failed.iter().any(|c| c.starts_with(
            "quantity: issued units: the manifest says 405, the batches' claims give 404"
        )),
        "{failed:#?}"
    );
    assert!(
        failed.iter().any(|c| c.starts_with("sign-off signature:")),
        "{failed:#?}"
    );

    // A forged sign-off: the manifest changed and re-signed with another key.
    let forged = f.path("forged-signoff");
    copy_export(&out, &forged);
    let mo_key = {
        let m: Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        m["signoff"]["public_key"].as_str().unwrap().to_owned()
    };
    edit_json(&forged.join("manifest.json"), |m| {
        m["export"]["report_date"] = "2026-03-01".into();
        let mut unsigned = m.clone();
        unsigned.as_object_mut().unwrap().remove("signoff");
        let bytes = mrv_stamp::jcs::canonicalize(&unsigned).unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        m["signoff"]["signature"] = mrv_stamp::document::sign(&key, &bytes).into();
        m["signoff"]["public_key"] = mrv_stamp::document::key_text(&key.verifying_key()).into();
    });
    let check = mrv_app::verify_export(&forged, &pins(&f, None)).unwrap();
    let failed = failures(&check);
    assert!(
        check
            .checks
            .iter()
            .any(|c| c.what == "sign-off signature" && c.ok),
        "the forger's own signature verifies; the anchor and the pin catch it"
    );
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0]
            .starts_with("sign-off anchor: the receipt does not prove this manifest's sign-off"),
        "{failed:#?}"
    );
    let failed = failures(&mrv_app::verify_export(&forged, &pins(&f, Some(&mo_key))).unwrap());
    assert!(
        failed
            .iter()
            .any(|c| c.starts_with("sign-off signer: signed with ed25519:")
                && c.contains("a forged sign-off")),
        "{failed:#?}"
    );

    // The forger also strips the receipt: still refused.
    edit_json(&forged.join("manifest.json"), |m| {
        m["signoff"]
            .as_object_mut()
            .unwrap()
            .remove("anchor_receipt");
    });
    let failed = failures(&mrv_app::verify_export(&forged, &pins(&f, None)).unwrap());
    assert!(
        failed
            .iter()
            .any(|c| c.starts_with("sign-off anchor: the sign-off carries no anchor receipt")),
        "{failed:#?}"
    );
}

#[test]
fn whoever_approved_an_included_batch_may_not_sign_the_export_off() {
    // `vmo` is both verifier and methodology owner, and approves batch 1.
    let mut f = anchored_demo(Some(("vmo", &["verifier", "methodology_owner"])));
    let vmo = f.session("vmo");
    f.mrv.create_export(&vmo, &request(PERIOD)).unwrap();
    let err = f.mrv.sign_off_export(&vmo, 1, DEMO_PASSWORD).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(
        err.to_string(),
        "vmo approved batch 1, which export 1 includes, and so may not sign it off (segregation of duties)"
    );
    let view = f.mrv.export_view(&vmo, 1).unwrap();
    assert_eq!(view.summary.state, "draft");
    assert!(view.signoff.is_none());
    // Another methodology owner may.
    let mo = f.session("mo");
    let view = f.mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap();
    assert_eq!(view.summary.state, "signed_off");
    // Nobody but a methodology owner signs off, returns or writes.
    let vera = f.session("vera");
    let err = f.mrv.sign_off_export(&vera, 1, DEMO_PASSWORD).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    let err = f
        .mrv
        .write_export(&vera, 1, &f.path("x"), Overwrite::Refuse)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
}

#[test]
fn a_batch_is_in_one_live_export_and_a_returned_exports_serials_stay_a_gap() {
    let mut f = anchored_demo(None);
    let mo = f.session("mo");
    f.mrv.create_export(&mo, &request(PERIOD)).unwrap();
    let err = f.mrv.create_export(&mo, &request(PERIOD)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string()
            .contains("batch 1 is already in export 1, which is still live"),
        "{err}"
    );

    let err = f.mrv.return_export(&mo, 1, "XYZ", "why").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let err = f
        .mrv
        .return_export(&mo, 1, "CL/missing_evidence", " ")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let returned = f
        .mrv
        .return_export(
            &mo,
            1,
            "CL/missing_evidence",
            "photos of plots 3 to 5 are missing",
        )
        .unwrap();
    assert_eq!(returned.summary.state, "returned");
    let last = returned.events.last().unwrap();
    assert_eq!(
        (
            last.reason_code.as_deref(),
            last.reason_text.as_deref(),
            last.user.as_str()
        ),
        (
            Some("CL/missing_evidence"),
            Some("photos of plots 3 to 5 are missing"),
            "mo"
        )
    );
    let err = f.mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("export is returned"), "{err}");
    let err = f
        .mrv
        .write_export(&mo, 1, &f.path("returned"), Overwrite::Refuse)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);

    // The batch is free again; the returned export's numbers are never handed out again.
    let second = f.mrv.create_export(&mo, &request(PERIOD)).unwrap();
    assert_eq!(
        second.summary.serial_block.as_deref(),
        Some("MRV-000000405..MRV-000000808")
    );
    let diff = second.diff.unwrap();
    assert_eq!(
        (diff.previous_export, diff.previous_state.as_str()),
        (1, "returned")
    );
    assert!(diff.batches_added.is_empty() && diff.batches_removed.is_empty());
    assert_eq!(
        (diff.issued_change, diff.buffer_change, diff.tradable_change),
        (0, 0, 0)
    );
    let list = f.mrv.list_exports(&mo, Some(1)).unwrap();
    let states: Vec<&str> = list.iter().map(|e| e.state.as_str()).collect();
    assert_eq!(states, ["returned", "draft"]);
}

/// Imports `claims` (one row each, at demo plot positions) as a batch of `period`, approves
/// and anchors it.
fn anchored_batch(f: &mut Fixture, year: i32, claims: &[&str], name: &str) -> i64 {
    anchored_batch_by(f, "ana", year, claims, name)
}

/// [`anchored_batch`] imported by `importer`.
fn anchored_batch_by(
    f: &mut Fixture,
    importer: &str,
    year: i32,
    claims: &[&str],
    name: &str,
) -> i64 {
    let demo =
        std::fs::read_to_string(f.path("ws").join("demo").join("tree-plots-2025.csv")).unwrap();
    let mut lines = demo.lines();
    let mut csv = format!("{}\n", lines.next().unwrap());
    for (i, (line, claim)) in lines.zip(claims).enumerate() {
        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        cells[0] = format!("{name}-{i}");
        cells[1] = format!("{year}-06-01");
        cells[5] = (*claim).to_owned();
        csv += &cells.join(",");
        csv.push('\n');
    }
    let file = f.path(&format!("{name}.csv"));
    std::fs::write(&file, csv).unwrap();
    let ana = f.session(importer);
    let vera = f.session("vera");
    let batch = f
        .mrv
        .import(
            &ana,
            &mrv_app::ImportRequest {
                file,
                project_id: 1,
                period: format!("{year}-01-01..{year}-12-31"),
                crs: None,
                mapping: Vec::new(),
            },
            &mut |_| Progress::Continue,
        )
        .unwrap()
        .id;
    mrv_app::review_and_approve(&mut f.mrv, &vera, batch, "checked in the field").unwrap();
    assert_eq!(f.mrv.anchor_batch(&vera, batch).unwrap().state, "anchored");
    batch
}

#[test]
fn issued_units_floor_the_sum_and_the_buffer_rounds_up_at_the_edges() {
    let mut f = anchored_demo(None);
    let mo = f.session("mo");
    let units = |f: &mut Fixture, year: i32| {
        let v = f
            .mrv
            .create_export(
                &mo,
                &NewExport {
                    report_date: None,
                    ..request(&format!("{year}-01-01..{year}-12-31"))
                },
            )
            .unwrap_or_else(|e| panic!("{year}: {e}"));
        (
            v.quantities.gross_claimed_tco2e.clone(),
            v.summary.issued,
            v.summary.buffer,
            v.summary.tradable,
        )
    };
    // Just under five tonnes: 4 units; a 20 % buffer of 4 is 0.8, rounded up to 1.
    anchored_batch(&mut f, 2026, &["2.5", "2.499999"], "under");
    assert_eq!(units(&mut f, 2026), ("4.999999".into(), 4, 1, 3));
    // Two batches of 2.6 each: the floor of the sum (5), not the sum of floors (4); the
    // buffer of 5 is exactly 1.0 and is not rounded further.
    let a = anchored_batch(&mut f, 2027, &["1.3", "1.3"], "a");
    let b = anchored_batch(&mut f, 2027, &["1.30", "1.3"], "b");
    assert_eq!(units(&mut f, 2027), ("5.2".into(), 5, 1, 4));
    // The review shows what changed since the project's previous export.
    let diff = f.mrv.export_view(&mo, 2).unwrap().diff.unwrap();
    assert_eq!(diff.previous_export, 1);
    assert_eq!(diff.previous_period, "2026-01-01..2026-12-31");
    assert_eq!(diff.batches_added, vec![a, b]);
    assert_eq!(diff.batches_removed, vec![a - 1]);
    assert_eq!(
        (diff.issued_change, diff.buffer_change, diff.tradable_change),
        (1, 0, 1)
    );
    // Less than one tonne issues nothing, and is refused rather than exported empty.
    anchored_batch(&mut f, 2028, &["0.4", "0.5999"], "tiny");
    let err = f
        .mrv
        .create_export(
            &mo,
            &NewExport {
                report_date: None,
                ..request("2028-01-01..2028-12-31")
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(
        err.to_string()
            .contains("claim 0.9999 tCO2e in total, which issues no whole unit"),
        "{err}"
    );
}

#[test]
fn whoever_imported_an_included_batch_may_not_sign_the_export_off() {
    // `amo` is both analyst and methodology owner, and imports a batch of 2026.
    let mut f = anchored_demo(None);
    let tess = f.session("tess");
    f.mrv
        .add_user(
            Some(&tess),
            &NewUser {
                name: "amo".into(),
                roles: vec!["analyst".into(), "methodology_owner".into()],
                password: DEMO_PASSWORD.into(),
            },
        )
        .unwrap();
    let batch = anchored_batch_by(&mut f, "amo", 2026, &["3.2", "4.1"], "amo");
    let amo = f.session("amo");
    let period = NewExport {
        report_date: None,
        ..request("2026-01-01..2026-12-31")
    };
    f.mrv.create_export(&amo, &period).unwrap();
    let err = f.mrv.sign_off_export(&amo, 1, DEMO_PASSWORD).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert_eq!(
        err.to_string(),
        format!("amo imported batch {batch}, which export 1 includes, and so may not sign it off (segregation of duties)")
    );
    assert_eq!(f.mrv.export_view(&amo, 1).unwrap().summary.state, "draft");
}

#[test]
fn journal_verify_finds_an_export_moved_recounted_or_re_signed_by_hand() {
    let (mut f, _out) = signed_off_export();
    let mo = f.session("mo");
    assert!(f.mrv.verify_journal(&mo).unwrap().ok);
    let db = rusqlite::Connection::open(f.path("ws").join("workspace.sqlite")).unwrap();
    let kinds = |f: &mut Fixture| {
        let check = f.mrv.verify_journal(&mo).unwrap();
        let mut kinds: Vec<String> = check
            .problems
            .iter()
            .filter(|p| p.object == "export 1")
            .map(|p| p.kind.clone())
            .collect();
        kinds.sort();
        (check.ok, kinds)
    };
    db.execute("UPDATE export SET state = 'draft' WHERE id = 1", [])
        .unwrap();
    assert_eq!(
        kinds(&mut f),
        (false, vec!["export_state_moved".to_owned()])
    );
    db.execute("UPDATE export SET state = 'signed_off' WHERE id = 1", [])
        .unwrap();
    db.execute(
        "UPDATE export SET issued_units = 405, serial_end = 405 WHERE id = 1",
        [],
    )
    .unwrap();
    assert_eq!(
        kinds(&mut f),
        (false, vec!["export_quantities_changed".to_owned()])
    );
    db.execute(
        "UPDATE export SET issued_units = 404, serial_end = 404 WHERE id = 1",
        [],
    )
    .unwrap();
    db.execute(
        "UPDATE export_signoff SET manifest = CAST('{}' AS BLOB) WHERE export_id = 1",
        [],
    )
    .unwrap();
    assert_eq!(kinds(&mut f), (false, vec!["signoff_changed".to_owned()]));
}

#[test]
fn a_sign_off_made_while_the_log_is_down_is_anchored_later_and_only_then_verifies() {
    let mut f = anchored_demo(None);
    let mo = f.session("mo");
    f.mrv.create_export(&mo, &request(PERIOD)).unwrap();
    f.server.kill();
    // The sign-off stands; its anchor waits in the queue with the reason.
    let view = f.mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap();
    assert_eq!(view.summary.state, "signed_off");
    let so = view.signoff.unwrap();
    assert_eq!(so.anchor_state.as_deref(), Some("failed"), "{so:?}");
    assert!(so.anchor_error.is_some());
    let early = f.path("early");
    f.mrv
        .write_export(&mo, 1, &early, Overwrite::Refuse)
        .unwrap();
    let failed = failures(&mrv_app::verify_export(&early, &pins(&f, None)).unwrap());
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert!(
        failed[0].starts_with("sign-off anchor: the sign-off carries no anchor receipt"),
        "{failed:#?}"
    );

    // The log is back (on another port): the queued sign-off is sent like any anchor.
    f.server = f.log.start();
    let oscar = f.session("oscar");
    f.mrv
        .connect_auditlog(&oscar, &f.server.url, &f.log.vkey, &f.log.token)
        .unwrap();
    let run = f.mrv.anchor_pending(&mo, true).unwrap();
    assert!(
        run.anchors
            .iter()
            .any(|a| a.kind == "signoff" && a.state == "anchored"),
        "{run:?}"
    );
    let view = f.mrv.export_view(&mo, 1).unwrap();
    assert_eq!(
        view.signoff.unwrap().anchor_state.as_deref(),
        Some("anchored")
    );
    f.mrv
        .write_export(&mo, 1, &early, Overwrite::Replace)
        .unwrap();
    let check = mrv_app::verify_export(&early, &pins(&f, None)).unwrap();
    assert!(check.ok, "{:#?}", failures(&check));
}

#[test]
fn an_export_changed_after_its_sign_off_is_not_written() {
    let (mut f, _out) = signed_off_export();
    let mo = f.session("mo");
    let db = rusqlite::Connection::open(f.path("ws").join("workspace.sqlite")).unwrap();
    db.execute(
        "UPDATE export SET report_date = '2026-03-01' WHERE id = 1",
        [],
    )
    .unwrap();
    let again = f.path("again");
    let err = f
        .mrv
        .write_export(&mo, 1, &again, Overwrite::Refuse)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(
        err.to_string()
            .contains("the workspace no longer builds the manifest that was signed off"),
        "{err}"
    );
    assert!(!again.exists(), "nothing is written");
}
