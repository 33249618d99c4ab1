//! What the desktop may offer on an export (`Mrv::export_offers`) agrees with what the use cases
//! then allow: by role, by state and by segregation of duties, against the real log process.

use crate::common;

use common::*;
use mrv_app::{ExportAction, ExportOffer, Mrv, NewExport, NewUser, Session, DEMO_PASSWORD};

const PERIOD: &str = "2025-01-01..2025-12-31";

fn offered(mrv: &Mrv, who: &Session) -> Vec<(ExportAction, bool)> {
    mrv.export_offers(who, 1)
        .unwrap()
        .into_iter()
        .map(|ExportOffer { action, refusal }| (action, refusal.is_none()))
        .collect()
}

#[test]
fn offers_follow_the_role_the_state_and_segregation_of_duties() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("log")).unwrap();
    let log = LogDir::new(&dir.path().join("log"));
    let server = log.start();
    let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
    let tess = mrv.sign_in("tess", DEMO_PASSWORD).unwrap();
    mrv.add_user(
        Some(&tess),
        &NewUser {
            name: "vmo".into(),
            roles: vec!["verifier".into(), "methodology_owner".into()],
            password: DEMO_PASSWORD.into(),
        },
    )
    .unwrap();
    let vmo = mrv.sign_in("vmo", DEMO_PASSWORD).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    mrv_app::review_and_approve(&mut mrv, &vmo, 1, "checked in the field").unwrap();
    mrv.connect_auditlog(&oscar, &server.url, &log.vkey, &log.token)
        .unwrap();
    mrv.anchor_batch(&vmo, 1).unwrap();
    let mo = mrv.sign_in("mo", DEMO_PASSWORD).unwrap();
    let vera = mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    // The period's only batch is anchored: it waits in the methodology owner's queue for its
    // export, and in nobody else's.
    let ready = |mrv: &Mrv, who: &Session| -> Vec<String> {
        mrv.work_queue(who)
            .unwrap()
            .items
            .into_iter()
            .filter(|i| i.kind == mrv_app::QueueKind::CreateExport)
            .map(|i| i.title)
            .collect()
    };
    assert_eq!(
        ready(&mrv, &mo),
        ["Serra do Mar ARR restoration: 2025-01-01..2025-12-31 is ready for export"]
    );
    assert!(ready(&mrv, &vera).is_empty());
    mrv.create_export(
        &mo,
        &NewExport {
            project_id: 1,
            period: PERIOD.into(),
            ..NewExport::default()
        },
    )
    .unwrap();

    // Held by a live export, the period no longer waits for one.
    assert!(ready(&mrv, &mo).is_empty());

    use ExportAction::*;
    let draft = vec![
        (Submit, true),
        (SignOff, true),
        (Return, true),
        (Write, true),
    ];
    assert_eq!(offered(&mrv, &mo), draft);
    // vmo approved batch 1: sign-off is offered with its refusal, the rest as for mo.
    let offers = mrv.export_offers(&vmo, 1).unwrap();
    let refusal = offers
        .iter()
        .find(|o| o.action == SignOff)
        .and_then(|o| o.refusal.clone())
        .unwrap();
    assert!(refusal.contains("segregation of duties"), "{refusal}");
    assert_eq!(
        mrv.sign_off_export(&vmo, 1, DEMO_PASSWORD)
            .unwrap_err()
            .to_string(),
        refusal
    );
    // A verifier is offered nothing.
    assert!(offered(&mrv, &vera).is_empty());

    mrv.submit_export(&mo, 1).unwrap();
    assert_eq!(
        offered(&mrv, &mo),
        vec![(SignOff, true), (Return, true), (Write, true)]
    );
    mrv.sign_off_export(&mo, 1, DEMO_PASSWORD).unwrap();
    // Signed off: the push is offered, refused while no registry is connected.
    assert_eq!(offered(&mrv, &mo), vec![(Push, false), (Write, true)]);
    let push = mrv
        .export_offers(&mo, 1)
        .unwrap()
        .into_iter()
        .find(|o| o.action == Push)
        .unwrap();
    assert!(
        push.refusal
            .as_deref()
            .unwrap()
            .contains("not connected to a registry"),
        "{push:?}"
    );
    assert!(offered(&mrv, &vera).is_empty());
    let blocks = mrv.export_serial_blocks(&mo, 1).unwrap();
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    assert_eq!(blocks[0].units, "tradable");
    assert_eq!(blocks[1].units, "buffer");
    let view = mrv.export_view(&mo, 1).unwrap();
    assert_eq!(
        blocks.iter().map(|b| b.count as i64).sum::<i64>(),
        view.summary.issued
    );
}
