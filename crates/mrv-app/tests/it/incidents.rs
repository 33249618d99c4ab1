//! Incidents (SOP-003) on a real workspace: the whole flow from declaration to closing, the
//! close rule (open action items, postmortem), who may assign and post, refused transitions,
//! the postmortem file's checks, and a journal that verifies afterwards.

use mrv_app::{ErrorCode, Mrv, NewUser, Session};
use std::path::{Path, PathBuf};

const PASSWORD: &str = "long-enough-password";

struct Desk {
    _dir: tempfile::TempDir,
    root: PathBuf,
    mrv: Mrv,
}

impl Desk {
    fn as_(&mut self, name: &str) -> Session {
        self.mrv.sign_in(name, PASSWORD).unwrap()
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.root.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

/// A workspace with tess (tenant admin), oscar (ops admin), ana (analyst), vera (verifier),
/// max (manager).
fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_owned();
    let mut mrv = Mrv::init(&root.join("ws"), false).unwrap();
    let user = |name: &str, role: &str| NewUser {
        name: name.into(),
        roles: vec![role.into()],
        password: PASSWORD.into(),
    };
    mrv.add_user(None, &user("tess", "tenant_admin")).unwrap();
    let tess = mrv.sign_in("tess", PASSWORD).unwrap();
    for (name, role) in [
        ("oscar", "ops_admin"),
        ("ana", "analyst"),
        ("vera", "verifier"),
        ("max", "manager"),
    ] {
        mrv.add_user(Some(&tess), &user(name, role)).unwrap();
    }
    Desk {
        _dir: dir,
        root,
        mrv,
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, mrv_app::AppError>) -> (ErrorCode, String) {
    let e = r.unwrap_err();
    (e.code(), e.to_string())
}

fn journal_actions(root: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(root.join("ws").join("workspace.sqlite")).unwrap();
    let mut stmt = db
        .prepare("SELECT action FROM journal WHERE action LIKE 'incident.%' ORDER BY seq")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn the_whole_flow_from_declaration_to_close_is_journaled_and_verifies() {
    let mut d = desk();
    let ana = d.as_("ana");
    let oscar = d.as_("oscar");
    let vera = d.as_("vera");

    // Anyone declares; a SEV-1 starts the commander and customer-update clocks.
    let inc = d
        .mrv
        .declare_incident(&ana, "1", "  Registry push fails for every export ")
        .unwrap();
    assert_eq!(inc.summary.title, "Registry push fails for every export");
    assert_eq!(inc.summary.severity, "sev1");
    assert_eq!(inc.summary.state, "open");
    assert_eq!(inc.summary.declared_by, "ana");
    let names: Vec<&str> = inc.summary.clocks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["commander_assigned", "customer_update"]);
    assert!(inc
        .summary
        .clocks
        .iter()
        .all(|c| c.state.as_str() == "running"));
    let left = inc.summary.clocks[0].remaining_seconds.unwrap();
    assert!((295..=300).contains(&left), "{left}");
    assert!(!inc.offers.assign, "ana is no ops admin");
    let id = inc.summary.id;

    // The ops admin assigns; the commander clock is met.
    let inc = d
        .mrv
        .assign_incident(&oscar, id, Some("vera"), Some("oscar"))
        .unwrap();
    assert_eq!(inc.summary.commander.as_deref(), Some("vera"));
    assert_eq!(inc.summary.comms.as_deref(), Some("oscar"));
    assert_eq!(inc.summary.clocks[0].state.as_str(), "met");
    assert!(inc.offers.assign && inc.offers.resolve);

    // The commander (a verifier) posts a note; the comms lead a customer update, which starts
    // a new 30-minute period.
    let inc = d
        .mrv
        .post_incident_update(&vera, id, "Rolled back the push adapter.", false)
        .unwrap();
    assert_eq!(inc.timeline.len(), 1);
    assert_eq!(inc.timeline[0].by, "vera");
    assert_eq!(inc.timeline[0].kind, "note");
    let inc = d
        .mrv
        .post_incident_update(&oscar, id, "Pushes are paused; no data lost.", true)
        .unwrap();
    let update = &inc.timeline[1];
    assert_eq!(update.kind, "customer");
    let customer = &inc.summary.clocks[1];
    assert_eq!(customer.started_at, update.at);

    // Resolve; the postmortem clock starts, 5 business days out.
    let inc = d.mrv.resolve_incident(&oscar, id).unwrap();
    assert_eq!(inc.summary.state, "resolved");
    assert_eq!(inc.summary.clocks[1].state.as_str(), "met");
    let pm_clock = inc
        .summary
        .clocks
        .iter()
        .find(|c| c.name == "postmortem")
        .unwrap();
    assert_eq!(pm_clock.state.as_str(), "running");
    assert_eq!(
        inc.postmortem_due_at.as_deref(),
        Some(pm_clock.due_at.as_str())
    );
    let (c, msg) = code(d.mrv.resolve_incident(&oscar, id));
    assert_eq!(c, ErrorCode::Conflict);
    assert!(msg.contains("cannot be resolved twice"), "{msg}");

    // An action item; close is refused while it is open and names it.
    let (inc, number) = d
        .mrv
        .add_incident_action(&oscar, id, "ana", "2026-12-24", "Alert on push failures")
        .unwrap();
    assert_eq!(number, 1);
    assert_eq!(inc.action_items[0].owner, "ana");
    assert_eq!(inc.action_items[0].state, "open");
    let pm = d.file("PM.md", "# Postmortem: registry pushes\n\nBlameless.\n");
    let inc = d.mrv.attach_postmortem(&oscar, id, &pm).unwrap();
    let attached = inc.postmortem.as_ref().unwrap();
    assert_eq!(attached.title, "Postmortem: registry pushes");
    assert_eq!(attached.sha256, sha256_hex(&std::fs::read(&pm).unwrap()));
    assert_eq!(
        inc.summary
            .clocks
            .iter()
            .find(|c| c.name == "postmortem")
            .unwrap()
            .state
            .as_str(),
        "met"
    );
    let (c, msg) = code(d.mrv.close_incident(&oscar, id));
    assert_eq!(c, ErrorCode::Conflict);
    assert!(
        msg.contains("1 open action item(s): #1 Alert on push failures (owner ana)"),
        "{msg}"
    );
    assert_eq!(
        d.mrv.incident(&oscar, id).unwrap().summary.state,
        "resolved"
    );

    let inc = d.mrv.complete_incident_action(&oscar, id, 1).unwrap();
    assert_eq!(inc.action_items[0].state, "done");
    assert_eq!(inc.action_items[0].done_by.as_deref(), Some("oscar"));
    let (c, _) = code(d.mrv.complete_incident_action(&oscar, id, 1));
    assert_eq!(c, ErrorCode::Conflict);
    let (c, _) = code(d.mrv.complete_incident_action(&oscar, id, 9));
    assert_eq!(c, ErrorCode::NotFound);

    let inc = d.mrv.close_incident(&oscar, id).unwrap();
    assert_eq!(inc.summary.state, "closed");
    assert!(!inc.offers.post_note && !inc.offers.close);

    // Nothing changes a closed incident.
    let (c, msg) = code(d.mrv.post_incident_update(&oscar, id, "late note", false));
    assert_eq!(c, ErrorCode::Conflict);
    assert!(msg.contains("a closed incident is final"), "{msg}");
    let (c, _) = code(
        d.mrv
            .add_incident_action(&oscar, id, "ana", "2026-12-24", "x"),
    );
    assert_eq!(c, ErrorCode::Conflict);

    assert_eq!(
        journal_actions(&d.root),
        [
            "incident.declare",
            "incident.assign",
            "incident.update",
            "incident.update",
            "incident.resolve",
            "incident.action.add",
            "incident.postmortem",
            "incident.action.done",
            "incident.close",
        ]
    );
    let check = d.mrv.verify_journal(&oscar).unwrap();
    assert!(check.ok, "{:?}", check.problems);
    let list = d.mrv.list_incidents(&ana).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].state, "closed");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn close_needs_the_postmortem_and_the_postmortem_needs_the_resolution() {
    let mut d = desk();
    let oscar = d.as_("oscar");
    let id = d
        .mrv
        .declare_incident(&oscar, "SEV-3", "Slow map tiles")
        .unwrap()
        .summary
        .id;
    assert!(
        d.mrv
            .incident(&oscar, id)
            .unwrap()
            .summary
            .clocks
            .is_empty(),
        "SEV-3: no clocks"
    );
    let pm = d.file("pm.md", "# PM\n");
    let (c, msg) = code(d.mrv.attach_postmortem(&oscar, id, &pm));
    assert_eq!(c, ErrorCode::Conflict);
    assert!(msg.contains("resolve it first"), "{msg}");
    let (c, _) = code(d.mrv.close_incident(&oscar, id));
    assert_eq!(c, ErrorCode::Conflict);
    d.mrv.resolve_incident(&oscar, id).unwrap();
    let (c, msg) = code(d.mrv.close_incident(&oscar, id));
    assert_eq!(c, ErrorCode::Conflict);
    assert!(msg.contains("has no postmortem"), "{msg}");
    let (c, _) = code(d.mrv.assign_incident(&oscar, id, Some("ana"), None));
    assert_eq!(c, ErrorCode::Conflict, "no assignment after resolution");
    d.mrv.attach_postmortem(&oscar, id, &pm).unwrap();
    assert_eq!(
        d.mrv.close_incident(&oscar, id).unwrap().summary.state,
        "closed"
    );
    assert!(d.mrv.verify_journal(&oscar).unwrap().ok);
}

#[test]
fn only_ops_admins_assign_and_only_assignees_post() {
    let mut d = desk();
    let ana = d.as_("ana");
    let vera = d.as_("vera");
    let max = d.as_("max");
    let oscar = d.as_("oscar");
    let id = d
        .mrv
        .declare_incident(&max, "2", "Exports fail")
        .unwrap()
        .summary
        .id;

    for s in [&ana, &vera, &max] {
        let (c, msg) = code(d.mrv.assign_incident(s, id, Some("vera"), None));
        assert_eq!(c, ErrorCode::Forbidden, "{msg}");
        assert!(msg.contains("manage incidents"), "{msg}");
        assert_eq!(code(d.mrv.resolve_incident(s, id)).0, ErrorCode::Forbidden);
        assert_eq!(
            code(d.mrv.add_incident_action(s, id, "ana", "2026-12-24", "x")).0,
            ErrorCode::Forbidden
        );
    }
    // Not assigned: ana may not post at all.
    let (c, msg) = code(d.mrv.post_incident_update(&ana, id, "hello", false));
    assert_eq!(c, ErrorCode::Forbidden);
    assert!(msg.contains("only its commander"), "{msg}");

    d.mrv
        .assign_incident(&oscar, id, Some("vera"), Some("ana"))
        .unwrap();
    // The commander posts notes, not customer updates; the comms lead (an analyst) both.
    d.mrv
        .post_incident_update(&vera, id, "Investigating", false)
        .unwrap();
    let (c, msg) = code(d.mrv.post_incident_update(&vera, id, "All good", true));
    assert_eq!(c, ErrorCode::Forbidden);
    assert!(msg.contains("communications lead's (ana)"), "{msg}");
    let inc = d
        .mrv
        .post_incident_update(&ana, id, "We are on it", true)
        .unwrap();
    assert_eq!(inc.timeline.len(), 2);
    assert!(inc.offers.post_customer_update && !inc.offers.assign);
    assert!(
        !d.mrv
            .incident(&vera, id)
            .unwrap()
            .offers
            .post_customer_update
    );
    assert!(d.mrv.incident(&vera, id).unwrap().offers.post_note);
    // max (manager, not assigned) still may not.
    assert_eq!(
        code(d.mrv.post_incident_update(&max, id, "x", false)).0,
        ErrorCode::Forbidden
    );
    assert!(d.mrv.verify_journal(&oscar).unwrap().ok);
}

#[test]
fn bad_input_is_refused_naming_the_field() {
    let mut d = desk();
    let oscar = d.as_("oscar");
    let tess = d.as_("tess");
    let (c, msg) = code(d.mrv.declare_incident(&oscar, "4", "x"));
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(msg.contains("severity"), "{msg}");
    let (c, msg) = code(d.mrv.declare_incident(&oscar, "1", "   "));
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(msg.contains("title is empty"), "{msg}");
    let (c, msg) = code(d.mrv.declare_incident(&oscar, "1", "two\nlines"));
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(msg.contains("title holds the control character"), "{msg}");
    let id = d
        .mrv
        .declare_incident(&oscar, "1", "Down")
        .unwrap()
        .summary
        .id;

    let (c, msg) = code(d.mrv.assign_incident(&oscar, id, Some("nobody"), None));
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(
        msg.contains("commander: user `nobody` does not exist"),
        "{msg}"
    );
    d.mrv.offboard_user(&tess, "max").unwrap();
    let (c, msg) = code(d.mrv.assign_incident(&oscar, id, None, Some("max")));
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(msg.contains("comms: user `max` is offboarded"), "{msg}");
    let (c, _) = code(d.mrv.assign_incident(&oscar, id, None, None));
    assert_eq!(c, ErrorCode::InvalidInput);
    assert_eq!(
        code(d.mrv.resolve_incident(&oscar, 99)).0,
        ErrorCode::NotFound
    );

    for due in ["2026-2-3", "03/02/2026", "2026-02-30", ""] {
        let (c, msg) = code(d.mrv.add_incident_action(&oscar, id, "ana", due, "x"));
        assert_eq!(c, ErrorCode::InvalidInput, "{due}");
        assert!(msg.starts_with("due:"), "{msg}");
    }
    let (c, msg) = code(
        d.mrv
            .add_incident_action(&oscar, id, "max", "2026-12-24", "x"),
    );
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(msg.contains("owner: user `max` is offboarded"), "{msg}");

    d.mrv
        .assign_incident(&oscar, id, Some("oscar"), None)
        .unwrap();
    d.mrv.resolve_incident(&oscar, id).unwrap();
    let big = d.file(
        "big.md",
        &"x".repeat(mrv_app::MAX_POSTMORTEM_BYTES as usize + 1),
    );
    let (c, msg) = code(d.mrv.attach_postmortem(&oscar, id, &big));
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(msg.contains("larger than"), "{msg}");
    let (c, msg) = code(
        d.mrv
            .attach_postmortem(&oscar, id, &d.root.join("missing.md")),
    );
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(msg.contains("does not exist"), "{msg}");
    let (c, msg) = code(d.mrv.attach_postmortem(&oscar, id, &d.root));
    assert_eq!(c, ErrorCode::InvalidInput);
    assert!(msg.contains("directory"), "{msg}");
    #[cfg(unix)]
    {
        let real = d.file("real.md", "# PM\n");
        let link = d.root.join("link.md");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let (c, msg) = code(d.mrv.attach_postmortem(&oscar, id, &link));
        assert_eq!(c, ErrorCode::InvalidInput);
        assert!(msg.contains("symbolic link"), "{msg}");
        let fifo = d.root.join("fifo.md");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let (c, msg) = code(d.mrv.attach_postmortem(&oscar, id, &fifo));
        assert_eq!(c, ErrorCode::InvalidInput);
        assert!(msg.contains("FIFO"), "{msg}");
    }
    assert!(d.mrv.incident(&oscar, id).unwrap().postmortem.is_none());
    assert!(d.mrv.verify_journal(&oscar).unwrap().ok);
}

#[test]
fn severity_definitions_come_from_the_core() {
    let defs = mrv_app::severity_definitions();
    let labels: Vec<(&str, &str)> = defs
        .iter()
        .map(|s| (s.label.as_str(), s.definition.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("SEV-1", "Platform down or data loss"),
            ("SEV-2", "Major feature broken for > 5 % of users"),
            ("SEV-3", "Degraded, workaround exists"),
        ]
    );
    assert!(defs[0].clocks && defs[1].clocks && !defs[2].clocks);
}
