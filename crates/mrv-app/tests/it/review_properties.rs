//! Random sequences of review calls — start, reject, approve (with and without the needed
//! justifications), corrected versions, attachments, offboarding, signing out and in — by random
//! users of the demo workspace, with the workflow's invariants checked against the database
//! after every step:
//! - every batch's state is reachable under `mrv_core::review`'s state machine, from where it
//!   was (never backwards) or, for a new batch, from `imported`;
//! - an approved batch has exactly one stamp, whose signature verifies, and the exported stamp
//!   verifies offline from the original files; no other batch has a stamp;
//! - nobody started, approved or rejected a batch they imported;
//! - a refused call changed nothing (batches, review events, attachments, stamps, users,
//!   histories, journal), and was refused for the right reason: signed out or offboarded →
//!   unauthenticated, a role without the action or the batch's importer → forbidden;
//! - the journal's hash chain is intact.
//!
//! The demo workspace is built once (its users signed in); each case runs on a copy.

use mrv_app::{ErrorCode, ImportRequest, Mrv, NewUser, Progress, Session, DEMO_PASSWORD};
use mrv_core::{next_state, role_allows, Action, BatchState, ReviewEvent, Role};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Who acts: the demo users, plus `ava`, who is both analyst and verifier, so that the
/// segregation of duties is really put to the test (the demo's only analyst cannot review).
const ACTORS: [(&str, &[&str]); 7] = [
    ("tess", &["tenant_admin"]),
    ("ana", &["analyst"]),
    ("vera", &["verifier"]),
    ("mo", &["methodology_owner"]),
    ("oscar", &["ops_admin"]),
    ("max", &["manager"]),
    ("ava", &["analyst", "verifier"]),
];
const ANALYSTS: [usize; 2] = [1, 6];
const VERIFIERS: [usize; 2] = [2, 6];
/// Reads the workspace for the invariants; never acts.
const OBSERVER: &str = "olive";
const AVA_PASSWORD: &str = "ava-password";
const REASONS: [&str; 4] = [
    "CAR/outside_boundary",
    "CL/missing_evidence",
    "FAR",
    "CAR/bogus",
];
const LAYERS: [&str; 3] = [
    "ndvi-2025-06.tif",
    "worldcover-2021.tif",
    "forest-loss-year.tif",
];

#[derive(Debug, Clone, Copy)]
enum Justify {
    None,
    AllButOne,
    All,
}

/// A batch to act on: the newest, or any by position.
#[derive(Debug, Clone)]
enum Pick {
    Newest,
    Any(Index),
}

#[derive(Debug, Clone)]
enum Step {
    StartReview {
        user: usize,
        batch: Pick,
    },
    Reject {
        user: usize,
        batch: Pick,
        code: usize,
    },
    Approve {
        user: usize,
        batch: Pick,
        justify: Justify,
    },
    ImportVersion {
        user: usize,
        batch: Pick,
    },
    Attach {
        user: usize,
        batch: Pick,
    },
    Offboard {
        user: usize,
        target: usize,
    },
    SignOut {
        user: usize,
    },
    SignIn {
        user: usize,
    },
}

/// Anyone, but mostly one of `likely`.
fn user(likely: &'static [usize]) -> impl Strategy<Value = usize> {
    prop_oneof![3 => prop::sample::select(likely), 2 => 0..ACTORS.len()]
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![7 => Just(Pick::Newest), 3 => any::<Index>().prop_map(Pick::Any)]
}

fn step() -> impl Strategy<Value = Step> {
    let justify = prop_oneof![
        3 => Just(Justify::All),
        1 => Just(Justify::AllButOne),
        1 => Just(Justify::None),
    ];
    prop_oneof![
        4 => (user(&VERIFIERS), pick()).prop_map(|(user, batch)| Step::StartReview { user, batch }),
        3 => (user(&VERIFIERS), pick(), 0..REASONS.len())
            .prop_map(|(user, batch, code)| Step::Reject { user, batch, code }),
        4 => (user(&VERIFIERS), pick(), justify)
            .prop_map(|(user, batch, justify)| Step::Approve { user, batch, justify }),
        3 => (user(&ANALYSTS), pick()).prop_map(|(user, batch)| Step::ImportVersion { user, batch }),
        2 => (0..ACTORS.len(), pick()).prop_map(|(user, batch)| Step::Attach { user, batch }),
        1 => (user(&[0]), 0..ACTORS.len()).prop_map(|(user, target)| Step::Offboard { user, target }),
        1 => (0..ACTORS.len()).prop_map(|user| Step::SignOut { user }),
        1 => (0..ACTORS.len()).prop_map(|user| Step::SignIn { user }),
    ]
}

/// The demo workspace with `ava` and the observer added and everyone signed in, built once.
struct Template {
    _dir: tempfile::TempDir,
    ws: PathBuf,
    sessions: Vec<Session>,
    observer: Session,
}

impl Template {
    fn new() -> Template {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        let mut mrv = Mrv::init(&ws, true).unwrap();
        let tess = mrv.sign_in("tess", DEMO_PASSWORD).unwrap();
        for (name, roles, password) in [
            ("ava", &["analyst", "verifier"][..], AVA_PASSWORD),
            (OBSERVER, &["manager"][..], DEMO_PASSWORD),
        ] {
            mrv.add_user(
                Some(&tess),
                &NewUser {
                    name: name.into(),
                    roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                    password: password.into(),
                },
            )
            .unwrap();
        }
        mrv.sign_out(&tess).unwrap();
        let sessions = ACTORS
            .iter()
            .map(|(name, _)| mrv.sign_in(name, password_of(name)).unwrap())
            .collect();
        let observer = mrv.sign_in(OBSERVER, DEMO_PASSWORD).unwrap();
        drop(mrv);
        Template {
            _dir: dir,
            ws,
            sessions,
            observer,
        }
    }
}

fn password_of(name: &str) -> &'static str {
    if name == "ava" {
        AVA_PASSWORD
    } else {
        DEMO_PASSWORD
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Whether `to` can follow from `from` under the review state machine (or is `from`).
fn reachable(from: BatchState, to: BatchState) -> bool {
    let mut seen = BTreeSet::from([from.as_str()]);
    let mut frontier = vec![from];
    while let Some(state) = frontier.pop() {
        for event in ReviewEvent::ALL {
            if let Ok(next) = next_state(state, event) {
                if seen.insert(next.as_str()) {
                    frontier.push(next);
                }
            }
        }
    }
    seen.contains(to.as_str())
}

fn state(text: &str) -> BatchState {
    BatchState::parse(text).unwrap_or_else(|| panic!("unknown batch state `{text}`"))
}

/// Everything a refused call must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    batches: Vec<(i64, String)>,
    histories: Vec<usize>,
    journal: i64,
    review_events: i64,
    attachments: i64,
    stamps: i64,
    offboarded: Vec<String>,
}

/// What each kind of step achieved over the whole run, so a run where nothing ever
/// succeeds (and every invariant holds vacuously) fails.
#[derive(Debug, Default)]
struct Tally {
    succeeded: BTreeMap<&'static str, usize>,
    refused: BTreeMap<&'static str, usize>,
}

/// One case: a copy of the template and the model of who can still act.
struct Case<'t> {
    template: &'t Template,
    dir: tempfile::TempDir,
    mrv: Mrv,
    db: rusqlite::Connection,
    /// The sessions signed in during the case (the template's otherwise).
    own: BTreeMap<usize, Session>,
    /// Signed in (not signed out) and not offboarded.
    live: [bool; ACTORS.len()],
    offboarded: [bool; ACTORS.len()],
    /// The last state seen of every batch.
    states: BTreeMap<i64, BatchState>,
    /// Each batch's source file, for offline verification of its stamp.
    sources: BTreeMap<i64, PathBuf>,
    /// Each batch's attached files.
    attached: BTreeMap<i64, Vec<PathBuf>>,
    /// Batches whose stamp was already verified offline.
    verified: BTreeSet<i64>,
    files: usize,
}

impl<'t> Case<'t> {
    fn new(template: &'t Template) -> Case<'t> {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        copy_dir(&template.ws, &ws);
        let mrv = Mrv::open(&ws).unwrap();
        let db = rusqlite::Connection::open(ws.join("workspace.sqlite")).unwrap();
        let mut case = Case {
            template,
            mrv,
            db,
            own: BTreeMap::new(),
            live: [true; ACTORS.len()],
            offboarded: [false; ACTORS.len()],
            states: BTreeMap::new(),
            sources: BTreeMap::from([(1, ws.join("demo").join("tree-plots-2025.csv"))]),
            attached: BTreeMap::new(),
            verified: BTreeSet::new(),
            files: 0,
            dir,
        };
        case.check_invariants();
        case
    }

    fn observer(&self) -> &Session {
        &self.template.observer
    }

    fn batch_ids(&self) -> Vec<i64> {
        self.mrv
            .list_batches(self.observer(), None)
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect()
    }

    fn batch(&self, pick: &Pick) -> i64 {
        let ids = self.batch_ids();
        match pick {
            Pick::Newest => *ids.last().unwrap(),
            Pick::Any(index) => *index.get(&ids),
        }
    }

    fn count(&self, sql: &str) -> i64 {
        self.db.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn importer(&self, batch: i64) -> Option<String> {
        self.db
            .query_row(
                "SELECT u.name FROM batch b JOIN app_user u ON u.id = b.imported_by WHERE b.id = ?1",
                [batch],
                |r| r.get(0),
            )
            .ok()
    }

    fn snapshot(&self) -> Snapshot {
        let batches: Vec<(i64, String)> = self
            .mrv
            .list_batches(self.observer(), None)
            .unwrap()
            .into_iter()
            .map(|b| (b.id, b.state))
            .collect();
        let histories = batches
            .iter()
            .map(|(id, _)| self.mrv.history(self.observer(), *id).unwrap().len())
            .collect();
        let mut offboarded = Vec::new();
        let mut names = self
            .db
            .prepare("SELECT name FROM app_user WHERE offboarded_at IS NOT NULL ORDER BY name")
            .unwrap();
        for name in names.query_map([], |r| r.get(0)).unwrap() {
            offboarded.push(name.unwrap());
        }
        Snapshot {
            batches,
            histories,
            journal: self.count("SELECT COUNT(*) FROM journal"),
            review_events: self.count("SELECT COUNT(*) FROM review_event"),
            attachments: self.count("SELECT COUNT(*) FROM attachment"),
            stamps: self.count("SELECT COUNT(*) FROM stamp"),
            offboarded,
        }
    }

    /// A corrected copy of the demo file: row 1's diameter changed, differently each time, so
    /// it is never an identical file.
    fn corrected_file(&mut self) -> PathBuf {
        self.files += 1;
        let text = std::fs::read_to_string(&self.sources[&1])
            .unwrap()
            .replacen(
                "SDM-0001,2025-04-13,Cedrela fissilis,20.7,",
                &format!(
                    "SDM-0001,2025-04-13,Cedrela fissilis,{}.5,",
                    20 + self.files
                ),
                1,
            );
        let path = self
            .dir
            .path()
            .join(format!("corrected-{}.csv", self.files));
        std::fs::write(&path, text).unwrap();
        path
    }

    fn evidence_file(&mut self) -> PathBuf {
        self.files += 1;
        let path = self.dir.path().join(format!("photo-{}.txt", self.files));
        std::fs::write(&path, format!("field photo {}", self.files)).unwrap();
        path
    }

    fn justifications(&self, batch: i64, justify: Justify) -> BTreeMap<i64, String> {
        // Every open high flag and one flag of each material row.
        let mut high: Vec<i64> =
            mrv_app::justify_everything(&self.mrv, self.observer(), batch, "checked on site")
                .unwrap()
                .into_keys()
                .collect();
        match justify {
            Justify::All => {}
            Justify::AllButOne => {
                high.pop();
            }
            Justify::None => high.clear(),
        }
        high.into_iter()
            .map(|id| (id, "checked on site".to_owned()))
            .collect()
    }

    /// Runs one step; checks the model's expectation of its outcome and that a refusal
    /// changed nothing, then the invariants. Returns whether the step succeeded.
    fn run(&mut self, step: &Step, tally: &RefCell<Tally>) -> bool {
        let before = self.snapshot();
        let (name, user, action, batch) = match step {
            Step::StartReview { user, batch } => (
                "start_review",
                *user,
                Some(Action::StartReview),
                Some(self.batch(batch)),
            ),
            Step::Reject { user, batch, .. } => (
                "reject",
                *user,
                Some(Action::RejectBatch),
                Some(self.batch(batch)),
            ),
            Step::Approve { user, batch, .. } => (
                "approve",
                *user,
                Some(Action::ApproveBatch),
                Some(self.batch(batch)),
            ),
            Step::ImportVersion { user, batch } => (
                "import_version",
                *user,
                Some(Action::ImportBatch),
                Some(self.batch(batch)),
            ),
            Step::Attach { user, batch } => (
                "attach",
                *user,
                Some(Action::AttachEvidence),
                Some(self.batch(batch)),
            ),
            Step::Offboard { user, .. } => ("offboard", *user, Some(Action::ManageUsers), None),
            Step::SignOut { user } => ("sign_out", *user, None, None),
            Step::SignIn { user } => ("sign_in", *user, None, None),
        };
        let (actor, roles) = ACTORS[user];
        let was_live = self.live[user];
        // Inputs made before the session is borrowed.
        let file = match step {
            Step::ImportVersion { .. } => Some(self.corrected_file()),
            Step::Attach { .. } => Some(self.evidence_file()),
            _ => None,
        };
        let texts = match step {
            Step::Approve { justify, .. } => self.justifications(batch.unwrap(), *justify),
            _ => BTreeMap::new(),
        };
        let session = self.own.get(&user).unwrap_or(&self.template.sessions[user]);
        let result: Result<(), mrv_app::AppError> = match step {
            Step::StartReview { .. } => self.mrv.start_review(session, batch.unwrap()).map(drop),
            Step::Reject { code, .. } => self
                .mrv
                .reject(
                    session,
                    batch.unwrap(),
                    REASONS[*code],
                    "the plots need re-measuring",
                )
                .map(drop),
            Step::Approve { .. } => self.mrv.approve(session, batch.unwrap(), &texts).map(drop),
            Step::ImportVersion { .. } => {
                let file = file.unwrap();
                let request = ImportRequest {
                    file: file.clone(),
                    project_id: 1,
                    period: "2025-01-01..2025-12-31".into(),
                    crs: None,
                    mapping: vec![],
                };
                self.mrv
                    .import_version(session, batch.unwrap(), &request, &mut |_| {
                        Progress::Continue
                    })
                    .map(|b| {
                        self.sources.insert(b.id, file);
                    })
            }
            Step::Attach { .. } => {
                let file = file.unwrap();
                self.mrv
                    .attach(session, batch.unwrap(), &file)
                    .map(|a| self.attached.entry(a.batch_id).or_default().push(file))
            }
            Step::Offboard { target, .. } => {
                self.mrv.offboard_user(session, ACTORS[*target].0).map(|_| {
                    self.live[*target] = false;
                    self.offboarded[*target] = true;
                })
            }
            Step::SignOut { .. } => self.mrv.sign_out(session).map(|()| self.live[user] = false),
            Step::SignIn { .. } => self.mrv.sign_in(actor, password_of(actor)).map(|session| {
                self.own.insert(user, session);
                self.live[user] = true;
            }),
        };

        // What the model expects of who may do it at all.
        let allowed = action.is_none_or(|a| {
            roles
                .iter()
                .any(|r| role_allows(Role::parse(r).unwrap(), a))
        });
        let reviews = matches!(
            step,
            Step::StartReview { .. } | Step::Approve { .. } | Step::Reject { .. }
        );
        let own_work = reviews && batch.and_then(|b| self.importer(b)).as_deref() == Some(actor);
        let needs_session = action.is_some();
        // A rejection with an unknown sub-code is refused before the batch is looked at.
        let bogus_reason =
            matches!(step, Step::Reject { code, .. } if REASONS[*code] == "CAR/bogus");
        match &result {
            Ok(()) => {
                *tally.borrow_mut().succeeded.entry(name).or_default() += 1;
                if needs_session {
                    assert!(was_live, "{step:?}: {actor} is signed out or offboarded");
                    assert!(allowed, "{step:?}: {actor} ({roles:?}) may not do that");
                    assert!(!own_work, "{step:?}: {actor} reviewed their own import");
                }
            }
            Err(err) => {
                *tally.borrow_mut().refused.entry(name).or_default() += 1;
                assert_eq!(
                    before,
                    self.snapshot(),
                    "{step:?} was refused ({err}) but changed something"
                );
                let expected = if needs_session && !was_live {
                    Some(ErrorCode::Unauthenticated)
                } else if matches!(step, Step::SignIn { .. }) {
                    assert!(self.offboarded[user], "{step:?}: {err}");
                    Some(ErrorCode::Unauthenticated)
                } else if !allowed || own_work && !bogus_reason {
                    // A role without the action, or (a well-formed decision on) their import.
                    Some(ErrorCode::Forbidden)
                } else {
                    None
                };
                if let Some(code) = expected {
                    assert_eq!(err.code(), code, "{step:?} by {actor}: {err}");
                }
            }
        }
        self.check_invariants();
        result.is_ok()
    }

    fn check_invariants(&mut self) {
        // States only move forward along the state machine.
        let batches = self.mrv.list_batches(self.observer(), None).unwrap();
        for b in &batches {
            let now = state(&b.state);
            let from = self
                .states
                .get(&b.id)
                .copied()
                .unwrap_or(BatchState::Imported);
            assert!(
                reachable(from, now),
                "batch {} went from {} to {}",
                b.id,
                from.as_str(),
                now.as_str()
            );
            self.states.insert(b.id, now);
        }
        assert_eq!(batches.len(), self.states.len(), "a batch disappeared");

        // Approved batches have exactly one stamp, whose signature verifies; others none.
        for b in &batches {
            let stamps = self
                .db
                .query_row(
                    "SELECT COUNT(*) FROM stamp WHERE batch_id = ?1",
                    [b.id],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap();
            let approved = matches!(
                state(&b.state),
                BatchState::Approved | BatchState::Stamped | BatchState::Anchored
            );
            assert_eq!(stamps, i64::from(approved), "batch {} is {}", b.id, b.state);
            if !approved {
                continue;
            }
            let stamp = self.mrv.stamp_view(self.observer(), b.id).unwrap();
            assert!(stamp.signature_valid, "batch {}: signature", b.id);
            if self.verified.insert(b.id) {
                let out = self.dir.path().join(format!("stamp-{}", b.id));
                self.mrv
                    .export_stamp(self.observer(), b.id, &out, mrv_app::Overwrite::Refuse)
                    .unwrap();
                let demo = self.mrv.root().join("demo");
                let layers: Vec<PathBuf> = LAYERS.iter().map(|l| demo.join(l)).collect();
                let attached = self.attached.get(&b.id).cloned().unwrap_or_default();
                let check =
                    mrv_app::verify_stamp(&out, &self.sources[&b.id], &layers, &attached).unwrap();
                assert!(check.ok, "batch {}: {:#?}", b.id, check.checks);
            }
        }

        // Nobody reviewed what they imported.
        let own_reviews = self.count(
            "SELECT COUNT(*) FROM review_event e JOIN batch b ON b.id = e.batch_id \
             WHERE e.action IN ('start_review', 'approve', 'reject') AND e.user_id = b.imported_by",
        );
        assert_eq!(own_reviews, 0, "someone reviewed their own import");

        let journal = self.mrv.verify_journal(self.observer()).unwrap();
        assert!(journal.ok, "{}", journal.message);
    }
}

#[test]
fn random_review_sequences_keep_the_workflow_invariants() {
    let template = Template::new();
    let tally = RefCell::new(Tally::default());

    // First a scripted journey through every kind of step, each refusal for a known reason,
    // so every success path is taken under the same checks whatever the random cases draw.
    let (tess, ana, vera, ava) = (0, 1, 2, 6);
    let batch = Pick::Newest;
    let script = [
        (
            Step::Attach {
                user: ana,
                batch: batch.clone(),
            },
            true,
        ),
        (
            Step::StartReview {
                user: ana,
                batch: batch.clone(),
            },
            false,
        ), // an analyst
        (
            Step::StartReview {
                user: vera,
                batch: batch.clone(),
            },
            true,
        ),
        (
            Step::Approve {
                user: vera,
                batch: batch.clone(),
                justify: Justify::AllButOne,
            },
            false,
        ),
        (
            Step::Reject {
                user: vera,
                batch: batch.clone(),
                code: 3,
            },
            false,
        ), // no such sub-code
        (Step::SignOut { user: vera }, true),
        (
            Step::Reject {
                user: vera,
                batch: batch.clone(),
                code: 0,
            },
            false,
        ), // signed out
        (Step::SignIn { user: vera }, true),
        (
            Step::Reject {
                user: vera,
                batch: batch.clone(),
                code: 0,
            },
            true,
        ),
        (
            Step::Attach {
                user: vera,
                batch: batch.clone(),
            },
            false,
        ), // rejected is final
        (
            Step::ImportVersion {
                user: ava,
                batch: batch.clone(),
            },
            true,
        ), // batch 2
        (
            Step::ImportVersion {
                user: ana,
                batch: batch.clone(),
            },
            false,
        ), // 2 is not rejected
        (
            Step::StartReview {
                user: ava,
                batch: batch.clone(),
            },
            false,
        ), // her own import
        (
            Step::StartReview {
                user: vera,
                batch: batch.clone(),
            },
            true,
        ),
        (
            Step::Approve {
                user: ava,
                batch: batch.clone(),
                justify: Justify::All,
            },
            false,
        ),
        (
            Step::Approve {
                user: vera,
                batch: batch.clone(),
                justify: Justify::All,
            },
            true,
        ),
        (
            Step::Offboard {
                user: vera,
                target: ana,
            },
            false,
        ), // not a tenant admin
        (
            Step::Offboard {
                user: tess,
                target: ana,
            },
            true,
        ),
        (
            Step::Attach {
                user: ana,
                batch: batch.clone(),
            },
            false,
        ), // offboarded
        (Step::SignIn { user: ana }, false),
    ];
    let mut case = Case::new(&template);
    for (step, succeeds) in &script {
        assert_eq!(case.run(step, &tally), *succeeds, "{step:?}");
    }
    assert_eq!(case.batch_ids(), [1, 2]);
    assert!(
        case.verified.contains(&2),
        "the approved version's stamp was verified offline"
    );
    drop(case);

    // Then random sequences.
    let scripted = std::mem::take(&mut *tally.borrow_mut());
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(step(), 1..=12), |steps| {
        let mut case = Case::new(&template);
        for step in &steps {
            case.run(step, &tally);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The random cases got through the review, so the invariants were not held vacuously.
    let tally = tally.into_inner();
    for kind in ["start_review", "approve"] {
        assert!(
            tally.succeeded.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} succeeded in any random case: {tally:?}"
        );
    }
    eprintln!("scripted: {scripted:?}\nrandom: {tally:?}");
}
