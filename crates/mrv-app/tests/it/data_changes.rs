//! Reviewed data changes (SOP-004) on a real demo workspace: open, dry run on a copy with
//! counts and diff, review by another person, apply in one transaction, journal verification,
//! rollback; refusals decided on the dry run's diff.

use mrv_app::{DataChangeView, ErrorCode, Mrv, NewDataChange, Session, DEMO_PASSWORD};

struct Demo {
    dir: tempfile::TempDir,
    mrv: Mrv,
    oscar: Session,
    tess: Session,
}

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
    let oscar = mrv.sign_in("oscar", DEMO_PASSWORD).unwrap();
    let tess = mrv.sign_in("tess", DEMO_PASSWORD).unwrap();
    Demo {
        dir,
        mrv,
        oscar,
        tess,
    }
}

impl Demo {
    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("ws").join("workspace.sqlite")).unwrap()
    }

    fn country(&self) -> Option<String> {
        self.db()
            .query_row("SELECT country FROM project WHERE id = 1", [], |r| r.get(0))
            .unwrap()
    }

    fn journal_count(&self, action: &str) -> i64 {
        self.db()
            .query_row(
                "SELECT COUNT(*) FROM journal WHERE action = ?1",
                [action],
                |r| r.get(0),
            )
            .unwrap()
    }

    fn open(&mut self, sql: &str, rollback: &str) -> DataChangeView {
        let n = self.journal_count("change.open");
        let sql_file = self.dir.path().join(format!("change-{n}.sql"));
        let rollback_file = self.dir.path().join(format!("rollback-{n}.sql"));
        std::fs::write(&sql_file, sql).unwrap();
        std::fs::write(&rollback_file, rollback).unwrap();
        self.mrv
            .open_data_change(
                &self.oscar,
                &NewDataChange {
                    sql_file,
                    rollback_file,
                    reason: "TICKET-42: the project's country was missing".into(),
                },
            )
            .unwrap()
    }
}

fn refused<T: std::fmt::Debug>(r: Result<T, mrv_app::AppError>, code: ErrorCode, says: &str) {
    let e = r.unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    assert!(e.to_string().contains(says), "{e:?} should say {says:?}");
}

const SET_COUNTRY: &str = "UPDATE project SET country = 'Kenya' WHERE id = 1;";
const UNSET_COUNTRY: &str = "UPDATE project SET country = 'Brazil' WHERE id = 1;";

#[test]
fn a_change_to_a_projects_country_runs_the_whole_flow() {
    let mut d = demo();
    assert_eq!(d.country().as_deref(), Some("Brazil"));
    let opened = d.open(SET_COUNTRY, UNSET_COUNTRY);
    assert_eq!(opened.state, "open");
    assert_eq!(opened.author, "oscar");
    assert_eq!(opened.sql, SET_COUNTRY);
    assert!(opened.offers.iter().any(|o| o.step == "dry_run"));

    let run = d.mrv.dry_run_data_change(&d.oscar, opened.id).unwrap();
    assert_eq!(run.state, "dry_run_ok");
    let dry = run.dry_run.as_ref().unwrap();
    assert!(dry.ok && dry.error.is_none() && dry.refusals.is_empty());
    let diff = dry.diff.as_ref().unwrap();
    let projects = diff.counts.iter().find(|c| c.table == "project").unwrap();
    assert_eq!((projects.before, projects.after), (1, 1));
    assert!(diff.counts.iter().any(|c| c.table == "journal"));
    assert_eq!(diff.tables.len(), 1);
    assert_eq!(diff.tables[0].table, "project");
    assert_eq!(diff.tables[0].updated, 1);
    let (table, row) = &diff.rows[0];
    assert_eq!(table, "project");
    assert_eq!(row.change, "updated");
    assert_eq!(row.key, "id=1");
    assert_eq!(row.columns.len(), 1);
    assert_eq!(row.columns[0].column, "country");
    assert_eq!(row.columns[0].before.as_deref(), Some("Brazil"));
    assert_eq!(row.columns[0].after.as_deref(), Some("Kenya"));
    assert_eq!(diff.left_out, 0);
    // The dry run ran on a copy: the live database is untouched.
    assert_eq!(d.country().as_deref(), Some("Brazil"));

    // The tenant admin sees approve and reject; the author sees neither.
    let seen = d.mrv.data_change(&d.tess, opened.id).unwrap();
    assert!(seen.offers.iter().any(|o| o.step == "approve" && o.enabled));
    assert!(!run.offers.iter().any(|o| o.step == "approve"));

    // A new dry run after approval needs a new review.
    d.mrv.approve_data_change(&d.tess, opened.id, None).unwrap();
    let again = d.mrv.dry_run_data_change(&d.oscar, opened.id).unwrap();
    assert_eq!(again.state, "dry_run_ok");
    assert_eq!(again.reviewer, None);
    let approved = d
        .mrv
        .approve_data_change(&d.tess, opened.id, Some("checked with the developer"))
        .unwrap();
    assert_eq!(approved.state, "approved");
    assert_eq!(approved.reviewer.as_deref(), Some("tess"));

    let applied = d.mrv.apply_data_change(&d.oscar, opened.id).unwrap();
    assert_eq!(applied.state, "applied");
    assert_eq!(applied.applied_by.as_deref(), Some("oscar"));
    assert_eq!(
        applied
            .applied
            .as_ref()
            .unwrap()
            .diff
            .as_ref()
            .unwrap()
            .sha256,
        diff.sha256
    );
    assert_eq!(d.country().as_deref(), Some("Kenya"));
    let check = d.mrv.verify_journal(&d.oscar).unwrap();
    assert!(check.ok, "{:?}", check.problems);
    let payload: String = d
        .db()
        .query_row(
            "SELECT payload_json FROM journal WHERE action = 'change.apply'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["author"], "oscar");
    assert_eq!(payload["approver"], "tess");
    assert_eq!(payload["rows"][0][1]["key"], "id=1");

    let rolled = d.mrv.roll_back_data_change(&d.oscar, opened.id).unwrap();
    assert_eq!(rolled.state, "rolled_back");
    assert_eq!(d.country().as_deref(), Some("Brazil"));
    assert!(d.mrv.verify_journal(&d.oscar).unwrap().ok);
    for action in ["change.open", "change.apply", "change.rollback"] {
        assert_eq!(d.journal_count(action), 1, "{action}");
    }
    assert_eq!(d.journal_count("change.dry_run"), 2);
    assert_eq!(d.journal_count("change.approve"), 2);
    let list = d.mrv.data_changes(&d.tess).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].tables, vec!["project".to_owned()]);
    assert_eq!(list[0].changed_rows, Some(1));
}

#[test]
fn the_author_may_not_review_and_only_reviewers_may() {
    let mut d = demo();
    let id = d.open(SET_COUNTRY, UNSET_COUNTRY).id;
    d.mrv.dry_run_data_change(&d.oscar, id).unwrap();
    // Oscar cannot review at all (ops admin); a user holding both roles still may not review
    // their own change.
    refused(
        d.mrv.approve_data_change(&d.oscar, id, None),
        ErrorCode::Forbidden,
        "approve or reject data changes",
    );
    d.db()
        .execute(
            "UPDATE app_user SET roles_json = '[\"ops_admin\",\"tenant_admin\"]' WHERE name = 'tess'",
            [],
        )
        .unwrap();
    let tess = d.mrv.sign_in("tess", DEMO_PASSWORD).unwrap();
    let sql = d.dir.path().join("t.sql");
    let rb = d.dir.path().join("t-rb.sql");
    std::fs::write(&sql, SET_COUNTRY).unwrap();
    std::fs::write(&rb, UNSET_COUNTRY).unwrap();
    let own = d
        .mrv
        .open_data_change(
            &tess,
            &NewDataChange {
                sql_file: sql,
                rollback_file: rb,
                reason: "mine".into(),
            },
        )
        .unwrap()
        .id;
    d.mrv.dry_run_data_change(&tess, own).unwrap();
    refused(
        d.mrv.approve_data_change(&tess, own, None),
        ErrorCode::Forbidden,
        "segregation of duties",
    );
    let view = d.mrv.data_change(&tess, own).unwrap();
    let approve = view.offers.iter().find(|o| o.step == "approve").unwrap();
    assert!(!approve.enabled && approve.reason.as_ref().unwrap().contains("segregation"));
    // Rejection needs a reason.
    refused(
        d.mrv.reject_data_change(&d.tess, id, "  "),
        ErrorCode::InvalidInput,
        "--reason",
    );
    let rejected = d
        .mrv
        .reject_data_change(&d.tess, id, "no ticket number")
        .unwrap();
    assert_eq!(rejected.state, "rejected");
    refused(
        d.mrv.apply_data_change(&d.oscar, id),
        ErrorCode::Conflict,
        "only an approved ticket is applied",
    );
}

#[test]
fn applying_an_unapproved_change_is_refused() {
    let mut d = demo();
    let id = d.open(SET_COUNTRY, UNSET_COUNTRY).id;
    refused(
        d.mrv.apply_data_change(&d.oscar, id),
        ErrorCode::Conflict,
        "only an approved ticket is applied",
    );
    d.mrv.dry_run_data_change(&d.oscar, id).unwrap();
    refused(
        d.mrv.apply_data_change(&d.oscar, id),
        ErrorCode::Conflict,
        "only an approved ticket is applied",
    );
    refused(
        d.mrv.approve_data_change(&d.tess, id + 1, None),
        ErrorCode::NotFound,
        "data change",
    );
    assert_eq!(d.country().as_deref(), Some("Brazil"));
    assert_eq!(d.journal_count("change.apply"), 0);
}

fn refused_on_dry_run(d: &mut Demo, sql: &str, says: &str) {
    let id = d.open(sql, "SELECT 1;").id;
    let view = d.mrv.dry_run_data_change(&d.oscar, id).unwrap();
    assert_eq!(view.state, "dry_run_refused", "{sql}");
    let run = view.dry_run.unwrap();
    assert!(!run.ok);
    let all = format!(
        "{} {}",
        run.refusals.join(" | "),
        run.error.unwrap_or_default()
    );
    assert!(all.contains(says), "{sql}: {all:?} should say {says:?}");
    refused(
        d.mrv.approve_data_change(&d.tess, id, None),
        ErrorCode::Conflict,
        "only a ticket whose last dry run passed",
    );
}

#[test]
fn changes_to_the_journal_roles_stamped_rows_or_anchors_are_refused_on_the_dry_run() {
    let mut d = demo();
    let vera = d.mrv.sign_in("vera", DEMO_PASSWORD).unwrap();
    mrv_app::review_and_approve(&mut d.mrv, &vera, 1, "checked in the field").unwrap();
    let before: i64 = d
        .db()
        .query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    refused_on_dry_run(
        &mut d,
        "UPDATE journal SET actor = 'mallory' WHERE seq = 1;",
        "table `journal`",
    );
    refused_on_dry_run(
        &mut d,
        "UPDATE app_user SET roles_json = '[\"tenant_admin\",\"verifier\"]' WHERE name = 'ana';",
        "table `app_user`",
    );
    refused_on_dry_run(
        &mut d,
        "UPDATE measurement SET claimed_tco2e = claimed_tco2e * 2 WHERE batch_id = 1;",
        "table `measurement`",
    );
    // Approval queued the stamp's anchor: changing it (e.g. forging a receipt) is refused.
    refused_on_dry_run(
        &mut d,
        "UPDATE anchor SET receipt = 'forged', state = 'anchored' WHERE kind = 'stamp';",
        "table `anchor`",
    );
    refused_on_dry_run(
        &mut d,
        "UPDATE batch SET state = 'imported' WHERE id = 1;",
        "table `batch`",
    );
    refused_on_dry_run(
        &mut d,
        "UPDATE project SET name = 'Renamed' WHERE id = 1;",
        "table `project`",
    );
    refused_on_dry_run(&mut d, "CREATE TABLE extra (x);", "schema");
    refused_on_dry_run(
        &mut d,
        "CREATE TEMP TRIGGER t AFTER INSERT ON journal BEGIN SELECT 1; END;",
        "schema",
    );
    refused_on_dry_run(
        &mut d,
        "UPDATE project SET country = 'Peru'; COMMIT;",
        "transaction",
    );
    // The dry runs were on copies: only the tickets' own events were journaled.
    let after: i64 = d
        .db()
        .query_row(
            "SELECT COUNT(*) FROM journal WHERE action NOT LIKE 'change.%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(d.country().as_deref(), Some("Brazil"));
    assert!(d.mrv.verify_journal(&d.oscar).unwrap().ok);
}

#[test]
fn a_failing_sql_leaves_nothing_changed() {
    let mut d = demo();
    let id = d
        .open(
            "UPDATE project SET country = 'Kenya' WHERE id = 1; INSERT INTO no_such_table VALUES (1);",
            UNSET_COUNTRY,
        )
        .id;
    let view = d.mrv.dry_run_data_change(&d.oscar, id).unwrap();
    assert_eq!(view.state, "dry_run_refused");
    let run = view.dry_run.unwrap();
    assert!(run.error.unwrap().contains("no_such_table"));
    assert!(run.diff.is_none());
    assert_eq!(d.country().as_deref(), Some("Brazil"));

    // A change whose rows no longer match the approved dry run is refused inside apply.
    let id = d.open(SET_COUNTRY, UNSET_COUNTRY).id;
    d.mrv.dry_run_data_change(&d.oscar, id).unwrap();
    d.mrv.approve_data_change(&d.tess, id, None).unwrap();
    d.db()
        .execute("UPDATE project SET country = 'Peru' WHERE id = 1", [])
        .unwrap();
    refused(
        d.mrv.apply_data_change(&d.oscar, id),
        ErrorCode::Conflict,
        "changed since the approved dry run",
    );
    assert_eq!(d.country().as_deref(), Some("Peru"));
    assert_eq!(d.journal_count("change.apply"), 0);
    assert_eq!(d.mrv.data_change(&d.oscar, id).unwrap().state, "approved");
}

#[test]
fn sql_files_must_be_regular_utf8_files_of_bounded_size() {
    let mut d = demo();
    let dir = d.dir.path().to_owned();
    let good = dir.join("good.sql");
    std::fs::write(&good, SET_COUNTRY).unwrap();
    let open = |mrv: &mut Mrv, s: &Session, sql: &std::path::Path, reason: &str| {
        mrv.open_data_change(
            s,
            &NewDataChange {
                sql_file: sql.to_owned(),
                rollback_file: good.clone(),
                reason: reason.into(),
            },
        )
    };
    refused(
        open(&mut d.mrv, &d.oscar, &good, " "),
        ErrorCode::InvalidInput,
        "--reason",
    );
    refused(
        open(&mut d.mrv, &d.oscar, &dir.join("missing.sql"), "r"),
        ErrorCode::InvalidInput,
        "--sql: SQL file",
    );
    #[cfg(unix)]
    {
        let link = dir.join("link.sql");
        std::os::unix::fs::symlink(&good, &link).unwrap();
        refused(
            open(&mut d.mrv, &d.oscar, &link, "r"),
            ErrorCode::InvalidInput,
            "symbolic link",
        );
    }
    let big = dir.join("big.sql");
    std::fs::write(&big, vec![b' '; mrv_app::MAX_CHANGE_SQL_BYTES as usize + 1]).unwrap();
    refused(
        open(&mut d.mrv, &d.oscar, &big, "r"),
        ErrorCode::InvalidInput,
        "larger than",
    );
    let latin = dir.join("latin.sql");
    std::fs::write(&latin, b"UPDATE project SET country = '\xe9';").unwrap();
    refused(
        open(&mut d.mrv, &d.oscar, &latin, "r"),
        ErrorCode::InvalidInput,
        "not UTF-8",
    );
    let ana = d.mrv.sign_in("ana", DEMO_PASSWORD).unwrap();
    refused(
        open(&mut d.mrv, &ana, &good, "r"),
        ErrorCode::Forbidden,
        "ops_admin",
    );
    refused(
        d.mrv.data_changes(&ana),
        ErrorCode::Forbidden,
        "data changes",
    );
    assert_eq!(d.journal_count("change.open"), 0);
}
