//! Registry exports on a real workspace, before anything is anchored: who may create one, and
//! the precise refusals of bad requests and of periods whose batches are not all anchored.
//! (The journey with a real audit log — sign-off, writing, offline verification — is in
//! `crates/mrv-auditlog/tests/export.rs`, where the log server is built.)

use mrv_app::{ErrorCode, Mrv, NewExport, NewProject, Session, DEMO_PASSWORD};
use std::path::Path;

fn demo(dir: &Path) -> Mrv {
    Mrv::init(&dir.join("ws"), true).unwrap()
}

fn sign_in(mrv: &mut Mrv, name: &str) -> Session {
    mrv.sign_in(name, DEMO_PASSWORD).unwrap()
}

fn request(project: i64, period: &str) -> NewExport {
    NewExport {
        project_id: project,
        period: period.into(),
        ..NewExport::default()
    }
}

/// The refusal `create_export` gives: its code and message.
fn refused(mrv: &mut Mrv, who: &Session, req: &NewExport) -> (ErrorCode, String) {
    let err = mrv.create_export(who, req).unwrap_err();
    (err.code(), err.to_string())
}

#[test]
fn an_export_needs_every_batch_of_the_period_anchored_and_names_those_that_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let mo = sign_in(&mut mrv, "mo");
    let vera = sign_in(&mut mrv, "vera");
    let period = "2025-01-01..2025-12-31";

    let (code, text) = refused(&mut mrv, &mo, &request(1, period));
    assert_eq!(code, ErrorCode::Conflict);
    assert!(
        text.contains("not anchored yet: batch 1 (enriched)"),
        "{text}"
    );
    mrv.start_review(&vera, 1).unwrap();
    let (_, text) = refused(&mut mrv, &mo, &request(1, period));
    assert!(text.contains("batch 1 (in_review)"), "{text}");
    let justify = mrv_app::justify_everything(&mrv, &vera, 1, "checked in the field").unwrap();
    mrv.approve(&vera, 1, &justify).unwrap();
    let (code, text) = refused(&mut mrv, &mo, &request(1, period));
    assert_eq!(code, ErrorCode::Conflict);
    assert!(
        text.contains("batch 1 (stamped; its anchor is not in the audit log yet"),
        "{text}"
    );

    // Another period, another project: nothing anchored at all.
    let (code, text) = refused(&mut mrv, &mo, &request(1, "2024-01-01..2024-12-31"));
    assert_eq!(code, ErrorCode::Conflict);
    assert!(
        text.contains("has no anchored batch in 2024-01-01..2024-12-31"),
        "{text}"
    );
    let boundary = dir.path().join("ws").join("demo").join("boundary.geojson");
    let second = mrv
        .add_project(
            &mo,
            &NewProject {
                name: "Second project".into(),
                country: Some("Brazil".into()),
                methodology: "arr-tree-plots".into(),
                boundary,
                baseline: None,
                developer: Some("Test Developer Ltd".into()),
            },
        )
        .unwrap();
    let (_, text) = refused(&mut mrv, &mo, &request(second.id, period));
    assert!(
        text.contains(&format!("project {} has no anchored batch", second.id)),
        "{text}"
    );
    // A project that names no developer cannot be exported until it does.
    let boundary = dir.path().join("ws").join("demo").join("boundary.geojson");
    let third = mrv
        .add_project(
            &mo,
            &NewProject {
                name: "Third project".into(),
                country: Some("Brazil".into()),
                methodology: "arr-tree-plots".into(),
                boundary,
                baseline: None,
                developer: None,
            },
        )
        .unwrap();
    let (code, text) = refused(&mut mrv, &mo, &request(third.id, period));
    assert_eq!(code, ErrorCode::Conflict);
    assert_eq!(
        text,
        format!(
            "project {0} names no developer (CADT projectDeveloper): a methodology owner names it with `mrv project set-developer {0} NAME`",
            third.id
        )
    );
    let named = mrv
        .set_project_developer(&mo, third.id, "  Mata Atlântica Reflorestamento  ")
        .unwrap();
    assert_eq!(
        named.developer.as_deref(),
        Some("Mata Atlântica Reflorestamento")
    );
    let (_, text) = refused(&mut mrv, &mo, &request(third.id, period));
    assert!(
        text.contains(&format!("project {} has no anchored batch", third.id)),
        "{text}"
    );
    assert!(mrv.list_exports(&mo, None).unwrap().is_empty());
}

#[test]
fn bad_requests_are_refused_with_the_field_named_and_only_methodology_owners_create() {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = demo(dir.path());
    let mo = sign_in(&mut mrv, "mo");
    let period = "2025-01-01..2025-12-31";
    let cases: Vec<(NewExport, ErrorCode, &str)> = vec![
        (
            request(9, period),
            ErrorCode::NotFound,
            "project 9 does not exist",
        ),
        (
            request(1, "2025-01-01"),
            ErrorCode::InvalidInput,
            "is not a period",
        ),
        (
            NewExport {
                vintage: Some(2019),
                ..request(1, period)
            },
            ErrorCode::InvalidInput,
            "vintage 2019 is outside the monitoring period 2025-01-01..2025-12-31",
        ),
        (
            NewExport {
                verification_body: Some("Acme Audits".into()),
                ..request(1, period)
            },
            ErrorCode::InvalidInput,
            "verification body \"Acme Audits\" is not in CADT's verificationBody picklist",
        ),
        (
            NewExport {
                verification_body: Some("  ".into()),
                ..request(1, period)
            },
            ErrorCode::InvalidInput,
            "--verification-body is empty",
        ),
        (
            NewExport {
                report_date: Some("2025-13-01".into()),
                ..request(1, period)
            },
            ErrorCode::InvalidInput,
            "report date \"2025-13-01\" is not a YYYY-MM-DD date",
        ),
        (
            NewExport {
                report_date: Some("2025-06-30".into()),
                ..request(1, period)
            },
            ErrorCode::InvalidInput,
            "report date 2025-06-30 is before the monitoring period ends (2025-12-31)",
        ),
    ];
    for (req, code, text) in cases {
        let (got_code, got) = refused(&mut mrv, &mo, &req);
        assert_eq!(got_code, code, "{got}");
        assert!(got.contains(text), "expected {text:?} in {got:?}");
    }
    for name in ["ana", "vera", "oscar", "tess", "max"] {
        let who = sign_in(&mut mrv, name);
        let (code, text) = refused(&mut mrv, &who, &request(1, period));
        assert_eq!(code, ErrorCode::Forbidden, "{name}: {text}");
        assert!(
            text.contains("may not create registry exports; that needs the role methodology_owner"),
            "{text}"
        );
    }
    // Viewing is for everyone; a missing export is named.
    let ana = sign_in(&mut mrv, "ana");
    assert!(mrv.list_exports(&ana, Some(1)).unwrap().is_empty());
    let err = mrv.export_view(&ana, 7).unwrap_err();
    assert_eq!(err.to_string(), "export 7 does not exist");
}
