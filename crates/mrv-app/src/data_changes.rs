//! Reviewed data changes (SOP-004). An ops admin opens a ticket with the SQL of a production
//! data change, its rollback SQL and a reason; dry-runs it on a copy of the workspace database
//! (`VACUUM INTO` a temporary file, never the live one), which records every table's row count
//! before and after and the diff of changed rows; a tenant admin other than the author approves
//! or rejects it; the ops admin applies it in one transaction on the live database — the dry
//! run is repeated inside that transaction and the change refused when its diff is not the one
//! approved — and may roll it back the same way.
//!
//! What a change may touch is decided on its diff, never by reading the SQL: a change that
//! alters the schema, protected tables (the journal, users and roles, sessions, sealed keys,
//! stamps, anchors, sign-offs, inventory blocks, batches, the migration ledger, the tickets),
//! the rows of approved/stamped/anchored batches, or the columns `mrv journal verify` checks
//! (a project's or layer's registration) is refused before it runs live. Every step is one
//! transaction and journaled (`change.*`).

use crate::session::Session;
use crate::{clock, AppError, Mrv};
use mrv_core::data_change::{
    self as dc, ChangeDiff, ChangeEvent, ChangeState, ColumnChange, RowChange, TableChange,
    TableCount, MAX_DIFF_ROWS, PROTECTED_BATCH_STATES,
};
use mrv_core::{Action, Granted};
use mrv_store::{Connection, DataChangeRecord, DbSnapshot, RowDiff};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest SQL (or rollback SQL) file accepted.
pub const MAX_CHANGE_SQL_BYTES: u64 = 256 * 1024;
/// The longest reason (in characters) accepted.
pub const MAX_CHANGE_REASON_CHARS: usize = 4000;

/// What `change open` asks for.
#[derive(Debug, Clone)]
pub struct NewDataChange {
    pub sql_file: PathBuf,
    pub rollback_file: PathBuf,
    pub reason: String,
}

/// One dry run (or the run inside apply or rollback): whether it passed, SQLite's error when
/// the SQL failed, what protected data it would touch, and its counts and diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunView {
    pub at: String,
    pub by: String,
    /// Ran without error and touches nothing protected.
    pub ok: bool,
    /// The SQL failed (SQLite's words); nothing is recorded of its effects.
    pub error: Option<String>,
    /// Protected data it would change, one sentence each (table named first).
    pub refusals: Vec<String>,
    /// Row counts and changed rows (none when the SQL failed).
    pub diff: Option<ChangeDiff>,
}

/// A step the signed-in user may take on a ticket now; `enabled` false with the `reason` while
/// something blocks it.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeOffer {
    /// `dry_run`, `approve`, `reject`, `apply` or `rollback`.
    pub step: String,
    pub enabled: bool,
    pub reason: Option<String>,
}

/// A ticket with its dry run, review, application and rollback, and the offers.
#[derive(Debug, Clone, Serialize)]
pub struct DataChangeView {
    pub id: i64,
    pub sql: String,
    pub rollback_sql: String,
    pub reason: String,
    /// `open`, `dry_run_ok`, `dry_run_refused`, `approved`, `rejected`, `applied`, `rolled_back`.
    pub state: String,
    pub author: String,
    pub opened_at: String,
    pub dry_run: Option<DryRunView>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_reason: Option<String>,
    pub applied_by: Option<String>,
    pub applied_at: Option<String>,
    /// What applying changed (the run inside the apply transaction).
    pub applied: Option<DryRunView>,
    pub rolled_back_by: Option<String>,
    pub rolled_back_at: Option<String>,
    /// What rolling back changed.
    pub rolled_back: Option<DryRunView>,
    pub offers: Vec<ChangeOffer>,
}

/// A ticket in a list.
#[derive(Debug, Clone, Serialize)]
pub struct DataChangeSummary {
    pub id: i64,
    pub reason: String,
    pub state: String,
    pub author: String,
    pub opened_at: String,
    pub reviewer: Option<String>,
    /// Changed rows in the last dry run.
    pub changed_rows: Option<u64>,
    /// The tables the last dry run changed.
    pub tables: Vec<String>,
}

fn parse_run(json: Option<&str>, what: &str) -> Result<Option<DryRunView>, AppError> {
    json.map(|j| {
        serde_json::from_str(j)
            .map_err(|e| AppError::Internal(format!("stored {what} is not readable: {e}")))
    })
    .transpose()
}

fn state_of(r: &DataChangeRecord) -> Result<ChangeState, AppError> {
    ChangeState::parse(&r.state).map_err(AppError::Internal)
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound {
        what: "data change",
        id: id.to_string(),
    }
}

/// Reads one SQL file: a regular file (no link, FIFO or folder), at most
/// [`MAX_CHANGE_SQL_BYTES`], UTF-8, not empty. `flag` names the option in errors.
fn read_sql_file(path: &Path, flag: &str) -> Result<String, AppError> {
    let shown = path.display();
    let what = format!("{flag}: SQL file");
    let meta = std::fs::symlink_metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            AppError::InvalidInput(format!("{what} {shown} does not exist"))
        }
        _ => AppError::InvalidInput(format!("{what} {shown} cannot be read: {e}")),
    })?;
    if meta.file_type().is_symlink() {
        return Err(AppError::InvalidInput(format!(
            "{what} {shown} is a symbolic link; name the file itself"
        )));
    }
    let file = crate::files::open_input(path, &what)?;
    let mut bytes = Vec::new();
    file.take(MAX_CHANGE_SQL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| AppError::InvalidInput(format!("{what} {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_CHANGE_SQL_BYTES {
        return Err(AppError::InvalidInput(format!(
            "{what} {shown} is larger than {MAX_CHANGE_SQL_BYTES} bytes"
        )));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::InvalidInput(format!("{what} {shown} is not UTF-8 text")))?;
    if text.trim().is_empty() {
        return Err(AppError::InvalidInput(format!("{what} {shown} is empty")));
    }
    Ok(text)
}

/// What running a change's SQL on a connection found.
enum Outcome {
    /// The SQL (or its commit) failed.
    Failed(String),
    Ran {
        before: DbSnapshot,
        after: DbSnapshot,
        rows: Vec<RowDiff>,
    },
}

/// Runs `sql` on `conn`, which must already be inside a transaction, between two snapshots.
fn run_between_snapshots(conn: &Connection, sql: &str) -> Result<Outcome, AppError> {
    let before = mrv_store::snapshot_database(conn)?;
    if let Err(e) = mrv_store::run_change_sql(conn, sql) {
        return Ok(Outcome::Failed(e));
    }
    if !mrv_store::in_transaction(conn) {
        return Ok(Outcome::Failed(
            "the SQL ends the transaction it runs in (COMMIT, END or ROLLBACK); leave transaction control out, mrv runs the change in one transaction".into(),
        ));
    }
    let after = mrv_store::snapshot_database(conn)?;
    let rows = mrv_store::diff_snapshots(&before, &after);
    Ok(Outcome::Ran {
        before,
        after,
        rows,
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn first_keys(rows: &[&RowDiff]) -> String {
    let mut keys: Vec<String> = rows
        .iter()
        .take(3)
        .map(|r| format!("({})", r.key))
        .collect();
    if rows.len() > 3 {
        keys.push(format!("and {} more", rows.len() - 3));
    }
    keys.join(", ")
}

/// What protected data the change would touch, decided on its diff (the connection is the
/// database after the change, for the batch of a sample's or flag's row).
fn refusals(
    conn: &Connection,
    before: &DbSnapshot,
    after: &DbSnapshot,
    rows: &[RowDiff],
) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    if before.schema != after.schema {
        out.push("the SQL changes the schema (tables, indexes, triggers or views); a data change changes rows only, a schema change is a migration".to_owned());
    }
    let mut protected_batches = mrv_store::batches_in_states(conn, &PROTECTED_BATCH_STATES)?;
    // A batch the change moved out of a protected state still counts.
    for r in rows.iter().filter(|r| r.table == "batch") {
        if let (Some(id), Some(state)) = (r.value("id", false), r.value("state", false)) {
            if PROTECTED_BATCH_STATES.contains(&state) {
                if let Ok(id) = id.parse() {
                    protected_batches.insert(id, state.to_owned());
                }
            }
        }
    }
    let mut by_table: BTreeMap<&str, Vec<&RowDiff>> = BTreeMap::new();
    for r in rows {
        by_table.entry(r.table.as_str()).or_default().push(r);
    }
    for (table, changed) in by_table {
        if let Some(what) = dc::protected_table(table) {
            out.push(format!(
                "table `{table}` ({what}) is protected: the change would alter {} row{} {}",
                changed.len(),
                plural(changed.len()),
                first_keys(&changed)
            ));
            continue;
        }
        if let Some(cols) = dc::checked_columns(table) {
            let bad: Vec<&RowDiff> = changed
                .iter()
                .copied()
                .filter(|r| {
                    r.change != "updated"
                        || cols.iter().any(|c| r.value(c, false) != r.value(c, true))
                })
                .collect();
            if !bad.is_empty() {
                out.push(format!(
                    "table `{table}`: the change would insert, delete or alter the registered columns ({}) of {} row{} {}, which `mrv journal verify` checks against the journal",
                    cols.join(", "),
                    bad.len(),
                    plural(bad.len()),
                    first_keys(&bad)
                ));
            }
        }
        let mut hit: Vec<(&RowDiff, i64)> = Vec::new();
        for r in &changed {
            let mut batches = Vec::new();
            for side in [false, true] {
                if let Some(b) = r
                    .value("batch_id", side)
                    .and_then(|v| v.parse::<i64>().ok())
                {
                    batches.push(b);
                }
                if table != "measurement" {
                    if let Some(row) = r.value("row_id", side).and_then(|v| v.parse::<i64>().ok()) {
                        let of = mrv_store::measurement_batch(conn, row)?.or_else(|| {
                            before
                                .tables
                                .get("measurement")
                                .and_then(|m| m.rows.get(&format!("row_id={row}")))
                                .and_then(|v| v.get(1).cloned().flatten())
                                .and_then(|b| b.parse().ok())
                        });
                        batches.extend(of);
                    }
                }
            }
            if let Some(b) = batches
                .into_iter()
                .find(|b| protected_batches.contains_key(b))
            {
                hit.push((r, b));
            }
        }
        if let Some((_, b)) = hit.first() {
            let rows: Vec<&RowDiff> = hit.iter().map(|h| h.0).collect();
            out.push(format!(
                "table `{table}`: the change would alter {} row{} {} of batch {b}, which is {} (rows of approved, stamped or anchored batches are protected)",
                rows.len(),
                plural(rows.len()),
                first_keys(&rows),
                protected_batches[b]
            ));
        }
    }
    Ok(out)
}

/// The bounded diff of `rows`, with every table's counts and a SHA-256 over all of it.
fn change_diff(before: &DbSnapshot, after: &DbSnapshot, rows: &[RowDiff]) -> ChangeDiff {
    let mut names: Vec<&String> = before.tables.keys().chain(after.tables.keys()).collect();
    names.sort();
    names.dedup();
    let counts = names
        .iter()
        .map(|n| TableCount {
            table: (*n).clone(),
            before: before.tables.get(*n).map_or(0, |t| t.rows.len() as u64),
            after: after.tables.get(*n).map_or(0, |t| t.rows.len() as u64),
        })
        .collect();
    let mut tables: Vec<TableChange> = Vec::new();
    let mut kept = Vec::new();
    let mut hasher = Sha256::new();
    for r in rows {
        hasher.update(
            serde_json::json!([r.table, r.change, r.key, r.columns, r.before, r.after])
                .to_string()
                .as_bytes(),
        );
        hasher.update(b"\n");
        if tables.last().is_none_or(|t| t.table != r.table) {
            tables.push(TableChange {
                table: r.table.clone(),
                inserted: 0,
                deleted: 0,
                updated: 0,
            });
        }
        let t = tables.last_mut().expect("just pushed");
        match r.change {
            "inserted" => t.inserted += 1,
            "deleted" => t.deleted += 1,
            _ => t.updated += 1,
        }
        if kept.len() < MAX_DIFF_ROWS {
            let columns = r
                .columns
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let b = r.before.as_ref().and_then(|v| v.get(i).cloned().flatten());
                    let a = r.after.as_ref().and_then(|v| v.get(i).cloned().flatten());
                    (r.change != "updated" || a != b).then(|| ColumnChange {
                        column: c.clone(),
                        before: b,
                        after: a,
                    })
                })
                .collect();
            kept.push((
                r.table.clone(),
                RowChange {
                    change: r.change.to_owned(),
                    key: r.key.clone(),
                    columns,
                },
            ));
        }
    }
    ChangeDiff {
        counts,
        left_out: (rows.len() - kept.len()) as u64,
        tables,
        rows: kept,
        sha256: hex::encode(hasher.finalize()),
    }
}

/// Evaluates one run: the view recorded for it.
fn evaluate(
    conn: &Connection,
    outcome: Outcome,
    at: &str,
    by: &str,
) -> Result<DryRunView, AppError> {
    Ok(match outcome {
        Outcome::Failed(error) => DryRunView {
            at: at.to_owned(),
            by: by.to_owned(),
            ok: false,
            error: Some(error),
            refusals: vec![],
            diff: None,
        },
        Outcome::Ran {
            before,
            after,
            rows,
        } => {
            let refusals = refusals(conn, &before, &after, &rows)?;
            DryRunView {
                at: at.to_owned(),
                by: by.to_owned(),
                ok: refusals.is_empty(),
                error: None,
                refusals,
                diff: Some(change_diff(&before, &after, &rows)),
            }
        }
    })
}

/// Why a run is refused, in one sentence.
fn run_problem(run: &DryRunView) -> Option<String> {
    if let Some(e) = &run.error {
        return Some(format!("the SQL failed: {e}"));
    }
    (!run.refusals.is_empty()).then(|| run.refusals.join("; "))
}

/// The journal's summary of a run: changed tables and the bounded rows.
fn run_payload(run: &DryRunView) -> serde_json::Value {
    match &run.diff {
        Some(d) => serde_json::json!({
            "ok": run.ok, "error": run.error, "refusals": run.refusals,
            "tables": d.tables, "rows": d.rows, "left_out": d.left_out, "diff_sha256": d.sha256,
        }),
        None => serde_json::json!({"ok": run.ok, "error": run.error, "refusals": run.refusals}),
    }
}

impl Mrv {
    fn change_record(conn: &Connection, id: i64) -> Result<DataChangeRecord, AppError> {
        mrv_store::data_change(conn, id)?.ok_or_else(|| not_found(id))
    }

    /// Ops admins and tenant admins see the tickets (they hold SQL); the refusal names the
    /// first role.
    fn may_see_changes(&self, session: &Session) -> Result<(), AppError> {
        if self.authorize(session, Action::ReviewDataChanges).is_ok() {
            return Ok(());
        }
        self.authorize(session, Action::ManageDataChanges)
            .map(|_| ())
    }

    /// Runs `sql` on a copy of the workspace database (a temporary file, removed after).
    fn run_on_copy(&self, sql: &str, at: &str, by: &str) -> Result<DryRunView, AppError> {
        let tmp_root = self.ws.root().join("tmp");
        let dir = tempfile::Builder::new()
            .prefix("data-change-")
            .tempdir_in(&tmp_root)
            .or_else(|_| tempfile::tempdir())
            .map_err(|e| AppError::Io(format!("a temporary folder for the dry run: {e}")))?;
        let path = dir.path().join("copy.sqlite");
        mrv_store::copy_database_into(self.ws.conn(), &path)?;
        let copy = mrv_store::open_database_copy(&path)?;
        mrv_store::begin_on_copy(&copy)?;
        let mut outcome = run_between_snapshots(&copy, sql)?;
        if matches!(outcome, Outcome::Ran { .. }) {
            if let Err(e) = mrv_store::commit_copy(&copy) {
                outcome = Outcome::Failed(format!("the change cannot be committed: {e}"));
            }
        }
        let view = evaluate(&copy, outcome, at, by)?;
        drop(copy);
        drop(dir);
        Ok(view)
    }

    fn change_view(
        &self,
        session: &Session,
        r: DataChangeRecord,
    ) -> Result<DataChangeView, AppError> {
        let state = state_of(&r)?;
        let dry_run = parse_run(r.dry_run_json.as_deref(), "dry run")?;
        let manages = self.authorize(session, Action::ManageDataChanges).is_ok();
        let reviews = self.authorize(session, Action::ReviewDataChanges).is_ok();
        let mut offers = Vec::new();
        let offer = |step: &str, reason: Option<String>| ChangeOffer {
            step: step.to_owned(),
            enabled: reason.is_none(),
            reason,
        };
        if manages && ChangeEvent::DryRunOk.from_states().contains(&state) {
            offers.push(offer("dry_run", None));
        }
        if reviews && ChangeEvent::Approve.from_states().contains(&state) {
            let sod = dc::may_review(&session.user.name, &r.author, r.id).err();
            offers.push(offer("approve", sod.clone()));
            offers.push(offer("reject", sod));
        }
        if manages && state == ChangeState::Approved {
            offers.push(offer("apply", None));
        }
        if manages && state == ChangeState::Applied {
            offers.push(offer("rollback", None));
        }
        Ok(DataChangeView {
            id: r.id,
            state: r.state,
            author: r.author,
            opened_at: r.opened_at,
            dry_run,
            reviewer: r.reviewer,
            reviewed_at: r.reviewed_at,
            review_reason: r.review_reason,
            applied_by: r.applied_by,
            applied_at: r.applied_at,
            applied: parse_run(r.applied_json.as_deref(), "applied run")?,
            rolled_back_by: r.rolled_back_by,
            rolled_back_at: r.rolled_back_at,
            rolled_back: parse_run(r.rollback_json.as_deref(), "rollback run")?,
            sql: r.sql,
            rollback_sql: r.rollback_sql,
            reason: r.reason,
            offers,
        })
    }

    fn fresh_change_view(&self, session: &Session, id: i64) -> Result<DataChangeView, AppError> {
        self.change_view(session, Self::change_record(self.ws.conn(), id)?)
    }

    /// Every data-change ticket, newest first.
    pub fn data_changes(&self, session: &Session) -> Result<Vec<DataChangeSummary>, AppError> {
        self.may_see_changes(session)?;
        mrv_store::data_changes(self.ws.conn())?
            .into_iter()
            .map(|r| {
                let run = parse_run(r.dry_run_json.as_deref(), "dry run")?;
                let diff = run.and_then(|d| d.diff);
                Ok(DataChangeSummary {
                    id: r.id,
                    reason: r.reason,
                    state: r.state,
                    author: r.author,
                    opened_at: r.opened_at,
                    reviewer: r.reviewer,
                    changed_rows: diff.as_ref().map(ChangeDiff::changed_rows),
                    tables: diff
                        .map(|d| d.tables.into_iter().map(|t| t.table).collect())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// One ticket with its dry run, review, application, rollback and what the user may do.
    pub fn data_change(&self, session: &Session, id: i64) -> Result<DataChangeView, AppError> {
        self.may_see_changes(session)?;
        self.fresh_change_view(session, id)
    }

    /// Opens a ticket from the SQL file, the rollback SQL file and a reason.
    pub fn open_data_change(
        &mut self,
        session: &Session,
        new: &NewDataChange,
    ) -> Result<DataChangeView, AppError> {
        let granted = self.authorize(session, Action::ManageDataChanges)?;
        let reason = new.reason.trim();
        if reason.is_empty() {
            return Err(AppError::InvalidInput(
                "--reason: say why the data must change (the ticket's reason)".into(),
            ));
        }
        if reason.chars().count() > MAX_CHANGE_REASON_CHARS {
            return Err(AppError::InvalidInput(format!(
                "--reason: at most {MAX_CHANGE_REASON_CHARS} characters"
            )));
        }
        let sql = read_sql_file(&new.sql_file, "--sql")?;
        let rollback = read_sql_file(&new.rollback_file, "--rollback")?;
        let at = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let id =
            mrv_store::insert_data_change(&tx, &sql, &rollback, reason, granted.user_id(), &at)?;
        crate::journal::append(
            &tx,
            &at,
            granted.user(),
            "change.open",
            &format!("change:{id}"),
            serde_json::json!({
                "reason": reason, "sql": sql, "rollback_sql": rollback,
                "sql_sha256": hex::encode(Sha256::digest(sql.as_bytes())),
                "rollback_sha256": hex::encode(Sha256::digest(rollback.as_bytes())),
            }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.fresh_change_view(session, id)
    }

    /// Dry-runs a ticket's SQL on a copy of the database and records the outcome: `dry_run_ok`
    /// or `dry_run_refused` (the SQL failed, or would touch protected data). A new dry run of
    /// an approved ticket needs a new review.
    pub fn dry_run_data_change(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<DataChangeView, AppError> {
        let granted = self.authorize(session, Action::ManageDataChanges)?;
        let r = Self::change_record(self.ws.conn(), id)?;
        let from = state_of(&r)?;
        dc::next_change_state(from, ChangeEvent::DryRunOk)
            .map_err(|e| AppError::Conflict(format!("data change {id}: {e}")))?;
        let at = clock::now().to_string();
        let run = self.run_on_copy(&r.sql, &at, granted.user())?;
        let event = if run.ok {
            ChangeEvent::DryRunOk
        } else {
            ChangeEvent::DryRunRefused
        };
        let tx = self.transaction(&granted)?;
        let r = Self::change_record(&tx, id)?;
        let from = state_of(&r)?;
        let to = dc::next_change_state(from, event)
            .map_err(|e| AppError::Conflict(format!("data change {id}: {e}")))?;
        let json = serde_json::to_string(&run).map_err(|e| AppError::Internal(e.to_string()))?;
        if !mrv_store::set_data_change_dry_run(
            &tx,
            id,
            from.as_str(),
            to.as_str(),
            granted.user_id(),
            &at,
            &json,
        )? {
            return Err(changed_meanwhile(id));
        }
        let mut payload = run_payload(&run);
        if let Some(p) = payload.as_object_mut() {
            p.insert("from".into(), from.as_str().into());
            p.insert("to".into(), to.as_str().into());
        }
        crate::journal::append(
            &tx,
            &at,
            granted.user(),
            "change.dry_run",
            &format!("change:{id}"),
            payload,
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.fresh_change_view(session, id)
    }

    fn review_data_change(
        &mut self,
        session: &Session,
        id: i64,
        event: ChangeEvent,
        reason: Option<&str>,
    ) -> Result<DataChangeView, AppError> {
        let granted = self.authorize(session, Action::ReviewDataChanges)?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if event == ChangeEvent::Reject && reason.is_none() {
            return Err(AppError::InvalidInput(
                "--reason: say why the change is rejected".into(),
            ));
        }
        if reason.is_some_and(|r| r.chars().count() > MAX_CHANGE_REASON_CHARS) {
            return Err(AppError::InvalidInput(format!(
                "--reason: at most {MAX_CHANGE_REASON_CHARS} characters"
            )));
        }
        let at = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        let r = Self::change_record(&tx, id)?;
        dc::may_review(granted.user(), &r.author, id).map_err(AppError::Forbidden)?;
        let from = state_of(&r)?;
        let to = dc::next_change_state(from, event)
            .map_err(|e| AppError::Conflict(format!("data change {id}: {e}")))?;
        if !mrv_store::set_data_change_review(
            &tx,
            id,
            from.as_str(),
            to.as_str(),
            granted.user_id(),
            &at,
            reason,
        )? {
            return Err(changed_meanwhile(id));
        }
        let diff_sha = parse_run(r.dry_run_json.as_deref(), "dry run")?
            .and_then(|d| d.diff)
            .map(|d| d.sha256);
        let action = if event == ChangeEvent::Approve {
            "change.approve"
        } else {
            "change.reject"
        };
        crate::journal::append(
            &tx,
            &at,
            granted.user(),
            action,
            &format!("change:{id}"),
            serde_json::json!({"author": r.author, "reason": reason, "diff_sha256": diff_sha}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.fresh_change_view(session, id)
    }

    /// Approves a ticket whose last dry run passed; never by its author.
    pub fn approve_data_change(
        &mut self,
        session: &Session,
        id: i64,
        reason: Option<&str>,
    ) -> Result<DataChangeView, AppError> {
        self.review_data_change(session, id, ChangeEvent::Approve, reason)
    }

    /// Rejects a ticket with a reason; never by its author.
    pub fn reject_data_change(
        &mut self,
        session: &Session,
        id: i64,
        reason: &str,
    ) -> Result<DataChangeView, AppError> {
        self.review_data_change(session, id, ChangeEvent::Reject, Some(reason))
    }

    /// Runs `sql` in one transaction on the live database, refusing (and changing nothing)
    /// when it fails, touches protected data or — with `expected` — changes other rows than
    /// `expected` names; records and journals it.
    fn run_live(
        &mut self,
        session: &Session,
        granted: &Granted,
        id: i64,
        event: ChangeEvent,
        expected: impl FnOnce(&DataChangeRecord) -> Result<Option<String>, AppError>,
    ) -> Result<DataChangeView, AppError> {
        let at = clock::now().to_string();
        let user = granted.user().to_owned();
        let tx = self.transaction(granted)?;
        let r = Self::change_record(&tx, id)?;
        let from = state_of(&r)?;
        dc::next_change_state(from, event)
            .map_err(|e| AppError::Conflict(format!("data change {id}: {e}")))?;
        let expected_sha = expected(&r)?;
        let (sql, what) = match event {
            ChangeEvent::Apply => (r.sql.as_str(), "change"),
            _ => (r.rollback_sql.as_str(), "rollback"),
        };
        let outcome = run_between_snapshots(&tx, sql)?;
        let run = evaluate(&tx, outcome, &at, &user)?;
        if let Some(problem) = run_problem(&run) {
            return Err(AppError::Conflict(format!(
                "data change {id}: the {what} was not applied, nothing changed: {problem}"
            )));
        }
        let sha = run.diff.as_ref().map(|d| d.sha256.clone());
        if let Some(want) = expected_sha {
            if sha.as_deref() != Some(want.as_str()) {
                return Err(AppError::Conflict(format!(
                    "data change {id}: the database changed since the approved dry run — the {what} would now change other rows than the ones approved; nothing changed. Dry-run it again and have it reviewed again"
                )));
            }
        }
        let json = serde_json::to_string(&run).map_err(|e| AppError::Internal(e.to_string()))?;
        let moved = match event {
            ChangeEvent::Apply => {
                mrv_store::set_data_change_applied(&tx, id, granted.user_id(), &at, &json)?
            }
            _ => mrv_store::set_data_change_rolled_back(&tx, id, granted.user_id(), &at, &json)?,
        };
        if !moved {
            return Err(changed_meanwhile(id));
        }
        let mut payload = run_payload(&run);
        if let Some(p) = payload.as_object_mut() {
            p.insert("author".into(), r.author.clone().into());
            p.insert("approver".into(), r.reviewer.clone().into());
            p.insert("reason".into(), r.reason.clone().into());
        }
        let action = if event == ChangeEvent::Apply {
            "change.apply"
        } else {
            "change.rollback"
        };
        crate::journal::append(&tx, &at, &user, action, &format!("change:{id}"), payload)?;
        tx.commit().map_err(|e| {
            AppError::Conflict(format!(
                "data change {id}: the {what} cannot be committed, nothing changed: {e}"
            ))
        })?;
        self.fresh_change_view(session, id)
    }

    /// Applies an approved ticket in one transaction: its dry run is repeated inside it and
    /// the change refused unless it changes exactly the rows approved.
    pub fn apply_data_change(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<DataChangeView, AppError> {
        let granted = self.authorize(session, Action::ManageDataChanges)?;
        self.run_live(session, &granted, id, ChangeEvent::Apply, |r| {
            let run = parse_run(r.dry_run_json.as_deref(), "dry run")?;
            match run.and_then(|d| d.diff) {
                Some(d) => Ok(Some(d.sha256)),
                None => Err(AppError::Conflict(format!(
                    "data change {id} has no passed dry run; dry-run it first"
                ))),
            }
        })
    }

    /// Rolls an applied ticket back with its rollback SQL: dry-run on a copy first, then in
    /// one transaction on the live database, refused unless both change the same rows and
    /// nothing protected.
    pub fn roll_back_data_change(
        &mut self,
        session: &Session,
        id: i64,
    ) -> Result<DataChangeView, AppError> {
        let granted = self.authorize(session, Action::ManageDataChanges)?;
        let r = Self::change_record(self.ws.conn(), id)?;
        dc::next_change_state(state_of(&r)?, ChangeEvent::Rollback)
            .map_err(|e| AppError::Conflict(format!("data change {id}: {e}")))?;
        let at = clock::now().to_string();
        let check = self.run_on_copy(&r.rollback_sql, &at, granted.user())?;
        if let Some(problem) = run_problem(&check) {
            return Err(AppError::Conflict(format!(
                "data change {id}: the rollback's dry run was refused, nothing changed: {problem}"
            )));
        }
        let want = check.diff.map(|d| d.sha256);
        self.run_live(session, &granted, id, ChangeEvent::Rollback, |_| Ok(want))
    }
}

fn changed_meanwhile(id: i64) -> AppError {
    AppError::Conflict(format!(
        "data change {id} changed while this step ran; look again"
    ))
}
