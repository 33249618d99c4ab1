//! Backups and restore drills (SOP-007).
//!
//! An ops admin sets a backup target folder. `run_backup` writes a snapshot there:
//! `snapshots/<id>/workspace.sqlite`, a consistent copy of the live database made by SQLite's
//! `VACUUM INTO` (one read transaction, so writers elsewhere are not in it half-way), and
//! `snapshots/<id>/manifest.json`, written last and atomically — a folder without a manifest is
//! not a snapshot. The content-addressed files the copy references go to the shared
//! `files/sha256/..` of the target, incrementally: a file already there with its size is not
//! copied again, and every file copied is hashed on the way and must match its name.
//! After each run, snapshots outside the retention rule ([`snapshots_to_prune`]) are removed,
//! then the target's files no kept manifest lists.
//!
//! A drill restores a snapshot into a fresh temporary folder, checking every byte against the
//! manifest and every file against its hash, runs `PRAGMA integrity_check`, opens the copy as a
//! workspace and runs the journal and state verification on it (which covers every stamp). The
//! drill's caller is authorized once on the live workspace (`ManageBackups`); the copy is
//! checked without a session of its own ([`Mrv::journal_check`]), as the same person.
//!
//! A run holds an OS advisory lock on `snapshots/<id>.writing` from before it makes the folder
//! `<id>` until its manifest is written. A run killed half-way (SIGKILL, power loss) leaves a
//! folder without a manifest — never listed, restored or drilled — and its lock file, no longer
//! locked; the next run or prune removes both ([`sweep_dead_runs`]), and the partial file copies
//! (`.copy.*.tmp`) such a run left under `files/`, so a crash costs neither space nor pruning.
//!
//! Nothing is written through a symbolic link: every folder on the target is checked (or created
//! exclusively), files are created exclusively and moved into place.

use crate::files::{write_atomic, Overwrite};
use crate::session::Session;
use crate::{clock, AppError, Mrv};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use mrv_core::Action;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Daily snapshots are kept this many days.
pub const KEEP_DAILY_DAYS: u64 = 35;
/// The first snapshot of each month is kept this many months.
pub const KEEP_MONTHLY_MONTHS: u32 = 12;
/// `backup status` warns when the last good backup is older than this.
pub const BACKUP_MAX_AGE_SECONDS: i64 = 24 * 3600;
/// `backup status` reminds when no drill passed in this many days.
pub const DRILL_EVERY_DAYS: i64 = 90;

/// While the desktop app runs, a backup is made when the last run finished this long ago
/// ([`Mrv::backup_if_due`]): 15 minutes.
pub const CONTINUOUS_BACKUP_EVERY_SECONDS: i64 = 15 * 60;
/// Who continuous backups are recorded and journaled as.
pub const SYSTEM_ACTOR: &str = "system";

/// The continuous-backup rule, pure: a backup is due when a target is set and no run has
/// finished yet, or the last one (good or failed) finished [`CONTINUOUS_BACKUP_EVERY_SECONDS`]
/// or more before `now`.
pub fn backup_due(
    target_set: bool,
    last_run_finished: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    target_set
        && last_run_finished
            .is_none_or(|at| (now - at).num_seconds() >= CONTINUOUS_BACKUP_EVERY_SECONDS)
}

const MANIFEST: &str = "manifest.json";
const MANIFEST_FORMAT: &str = "mrv-backup/v1";

/// The backup target as set.
#[derive(Debug, Clone, Serialize)]
pub struct BackupTargetView {
    pub path: PathBuf,
    pub set_by: String,
    pub set_at: String,
}

/// One file a snapshot references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFile {
    pub sha256: String,
    pub size: u64,
}

/// A snapshot's `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotManifest {
    pub format: String,
    pub snapshot: String,
    pub created_at: String,
    /// `monthly` for the first snapshot of its month, else `nightly`.
    pub kind: String,
    pub db_sha256: String,
    pub db_bytes: u64,
    pub file_count: u64,
    pub file_bytes: u64,
    /// Files this run copied to the target (the others were there already).
    pub files_copied: u64,
    pub bytes_copied: u64,
    pub files: Vec<SnapshotFile>,
}

/// What `backup run` did.
#[derive(Debug, Clone, Serialize)]
pub struct BackupRun {
    pub id: i64,
    pub snapshot: String,
    pub path: PathBuf,
    pub kind: String,
    pub db_bytes: u64,
    pub file_count: u64,
    /// Database plus every file the snapshot references.
    pub bytes: u64,
    pub files_copied: u64,
    pub bytes_copied: u64,
    /// Snapshots removed by the retention rule after this run.
    pub pruned: Vec<String>,
    pub files_pruned: u64,
}

/// One snapshot on the target, for `backup list`.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotView {
    pub snapshot: String,
    pub created_at: String,
    pub kind: String,
    pub bytes: u64,
    pub file_count: u64,
    /// The last day the retention rule keeps it ([`kept_until`]); the newest snapshot is kept
    /// beyond that until a newer one is made.
    pub kept_until: Option<String>,
}

/// The last day the retention rule keeps a snapshot made on `date`: a monthly one (its month's
/// first) [`KEEP_MONTHLY_MONTHS`] months, a nightly one [`KEEP_DAILY_DAYS`] days.
pub fn kept_until(date: NaiveDate, monthly: bool) -> Option<NaiveDate> {
    if monthly {
        date.checked_add_months(Months::new(KEEP_MONTHLY_MONTHS))
    } else {
        date.checked_add_days(chrono::Days::new(KEEP_DAILY_DAYS))
    }
}

/// One recorded backup run.
#[derive(Debug, Clone, Serialize)]
pub struct BackupRunView {
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub run_by: String,
    pub snapshot: Option<String>,
    pub ok: bool,
    pub bytes: i64,
    pub files_copied: i64,
    pub message: String,
}

/// One check of a drill.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DrillCheck {
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

/// A restore drill's report.
#[derive(Debug, Clone, Serialize)]
pub struct DrillReport {
    pub id: i64,
    pub started_at: String,
    pub run_by: String,
    pub snapshot: String,
    pub ok: bool,
    pub duration_ms: i64,
    pub checks: Vec<DrillCheck>,
    /// Every problem found, each naming what is wrong.
    pub problems: Vec<String>,
}

/// `backup status`: the last backup, its age, and what needs attention.
#[derive(Debug, Clone, Serialize)]
pub struct BackupStatus {
    pub target: Option<BackupTargetView>,
    pub last_backup: Option<BackupRunView>,
    /// Seconds since the last successful backup finished.
    pub last_ok_age_seconds: Option<i64>,
    pub last_passed_drill: Option<String>,
    /// A backup older than a day, a failed last run, no drill passed in 90 days, no target.
    pub warnings: Vec<String>,
    /// No good backup yet, or the last one is older than [`BACKUP_MAX_AGE_SECONDS`].
    pub backup_stale: bool,
    /// The last run failed.
    pub last_run_failed: bool,
    /// No drill passed in the last [`DRILL_EVERY_DAYS`] days.
    pub drill_due: bool,
    /// Where a restore into place keeps the replaced workspace: `<workspace>.replaced-<time>`.
    pub restore_keeps_aside_in: String,
    /// How often the desktop app makes a backup while it runs ([`Mrv::backup_if_due`]).
    pub continuous_every_seconds: i64,
}

/// What `backup prune` removed.
#[derive(Debug, Clone, Serialize)]
pub struct PruneView {
    pub pruned: Vec<String>,
    pub files_pruned: u64,
}

/// A restore into a new folder.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreView {
    pub snapshot: String,
    pub into: PathBuf,
    pub files: u64,
    pub bytes: u64,
}

/// A restore into place.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreInPlaceView {
    pub snapshot: String,
    /// The workspace, now the restored snapshot.
    pub workspace: PathBuf,
    /// Where the replaced workspace was kept.
    pub kept_aside: PathBuf,
    pub files: u64,
    pub bytes: u64,
}

/// The retention rule, a pure function of the snapshots' dates and today: a snapshot is kept
/// while it is at most [`KEEP_DAILY_DAYS`] days old, or when it is the first of its calendar
/// month and at most [`KEEP_MONTHLY_MONTHS`] months old (calendar months; from 29 February,
/// 28 February of the year before); the newest snapshot is always kept.
/// Returns the ids to prune, in the order given.
pub fn snapshots_to_prune(snapshots: &[(String, NaiveDate)], today: NaiveDate) -> Vec<String> {
    let daily_from = today
        .checked_sub_days(chrono::Days::new(KEEP_DAILY_DAYS))
        .unwrap_or(NaiveDate::MIN);
    let monthly_from = today
        .checked_sub_months(Months::new(KEEP_MONTHLY_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    let mut first_of_month: BTreeMap<(i32, u32), (NaiveDate, &str)> = BTreeMap::new();
    for (id, date) in snapshots {
        let key = (date.year(), date.month());
        let entry = first_of_month.entry(key).or_insert((*date, id));
        if (*date, id.as_str()) < *entry {
            *entry = (*date, id);
        }
    }
    let newest = snapshots.iter().map(|(id, d)| (*d, id.as_str())).max();
    snapshots
        .iter()
        .filter(|(id, date)| {
            let first = first_of_month[&(date.year(), date.month())] == (*date, id.as_str());
            let keep = *date >= daily_from
                || (first && *date >= monthly_from)
                || newest == Some((*date, id.as_str()));
            !keep
        })
        .map(|(id, _)| id.clone())
        .collect()
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::Io(format!("{}: {e}", path.display()))
}

/// Makes sure `dir` is a real folder (creating it if missing), never a link to one.
fn real_dir(dir: &Path) -> Result<(), AppError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => Err(AppError::InvalidInput(format!(
            "{} is a symbolic link; refusing to follow it",
            dir.display()
        ))),
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(AppError::InvalidInput(format!(
            "{} exists and is not a folder",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::create_dir(dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => real_dir(dir),
            Err(e) => Err(io_err(dir, e)),
        },
        Err(e) => Err(io_err(dir, e)),
    }
}

fn blob_rel(sha256: &str) -> PathBuf {
    Path::new("files")
        .join("sha256")
        .join(&sha256[..2.min(sha256.len())])
        .join(sha256)
}

fn valid_sha(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Opens a regular file for reading without following a link at its name.
fn open_regular(path: &Path) -> Result<std::fs::File, String> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    let file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "is missing".to_owned(),
        _ => format!("cannot be read ({e}; a symbolic link is never followed)"),
    })?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    Ok(file)
}

/// SHA-256 and size of the regular file at `path`.
fn hash_file(path: &Path) -> Result<(String, u64), String> {
    let mut file = open_regular(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// Copies `src` to the new name `dst` (created exclusively aside, fsync'd, moved into place
/// without replacing anything), checking on the way that the bytes hash to `sha256` and are
/// `size` long. The error says what is wrong, for the caller to name the file.
fn copy_verified(src: &Path, dst: &Path, sha256: &str, size: u64) -> Result<(), String> {
    let mut input = open_regular(src)?;
    let dir = dst.parent().ok_or("has no folder")?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".copy.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut copied = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n]).map_err(|e| e.to_string())?;
        copied += n as u64;
    }
    let got = hex::encode(hasher.finalize());
    if got != sha256 || copied != size {
        return Err(format!(
            "is damaged: its content has SHA-256 {got} and {copied} bytes, expected {sha256} and {size} bytes"
        ));
    }
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    tmp.persist_noclobber(dst)
        .map_err(|e| format!("cannot be written to {}: {}", dst.display(), e.error))?;
    Ok(())
}

fn read_manifest(dir: &Path) -> Result<SnapshotManifest, String> {
    let path = dir.join(MANIFEST);
    let mut file = open_regular(&path).map_err(|e| format!("{} {e}", path.display()))?;
    let mut text = String::new();
    Read::by_ref(&mut file)
        .take(64 << 20)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let m: SnapshotManifest =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if m.format != MANIFEST_FORMAT {
        return Err(format!(
            "{}: format {:?} is not {MANIFEST_FORMAT}",
            path.display(),
            m.format
        ));
    }
    if let Some(f) = m.files.iter().find(|f| !valid_sha(&f.sha256)) {
        return Err(format!(
            "{}: {:?} is not a SHA-256",
            path.display(),
            f.sha256
        ));
    }
    Ok(m)
}

/// The snapshots on the target (folders holding a manifest), oldest first; folders without
/// one (a run that did not finish) and links are skipped.
fn read_snapshots(target: &Path) -> Result<Vec<SnapshotManifest>, AppError> {
    let dir = target.join("snapshots");
    let entries = match std::fs::read_dir(&dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other.map_err(|e| io_err(&dir, e))?,
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_err(&dir, e))?;
        let kind = entry.file_type().map_err(|e| io_err(&entry.path(), e))?;
        if !kind.is_dir() {
            continue;
        }
        if let Ok(m) = read_manifest(&entry.path()) {
            if m.snapshot == entry.file_name().to_string_lossy() {
                out.push(m);
            }
        }
    }
    out.sort_by(|a, b| a.snapshot.cmp(&b.snapshot));
    Ok(out)
}

fn snapshot_date(m: &SnapshotManifest) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(&m.created_at)
        .ok()
        .map(|d| d.with_timezone(&Utc).date_naive())
}

fn now_utc() -> DateTime<Utc> {
    DateTime::from_timestamp(clock::now().unix_seconds(), 0).unwrap_or_default()
}

fn age_seconds(at: &str, now: DateTime<Utc>) -> Option<i64> {
    DateTime::parse_from_rfc3339(at)
        .ok()
        .map(|d| (now - d.with_timezone(&Utc)).num_seconds())
}

/// Restores the snapshot `m` from `target` into the new folder `into` (database and every file
/// it lists), verifying each against the manifest. Returns the problems found, each naming the
/// file; stops early only when the folder cannot be made.
fn restore_files(
    target: &Path,
    m: &SnapshotManifest,
    into: &Path,
    problems: &mut Vec<String>,
) -> Result<(u64, u64), AppError> {
    std::fs::create_dir(into).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => AppError::Conflict(format!(
            "{} already exists; a restore goes to a new folder",
            into.display()
        )),
        _ => io_err(into, e),
    })?;
    let snap_dir = target.join("snapshots").join(&m.snapshot);
    let db_src = snap_dir.join(mrv_store::DATABASE_FILE);
    let db_dst = into.join(mrv_store::DATABASE_FILE);
    let (mut files, mut bytes) = (0u64, 0u64);
    match copy_verified(&db_src, &db_dst, &m.db_sha256, m.db_bytes) {
        Ok(()) => {
            files += 1;
            bytes += m.db_bytes;
        }
        Err(e) => problems.push(format!(
            "snapshot {} database {} {e}",
            m.snapshot,
            db_src.display()
        )),
    }
    for dir in ["files", "files/sha256", "tmp"] {
        real_dir(&into.join(dir))?;
    }
    for f in &m.files {
        let rel = blob_rel(&f.sha256);
        let dst = into.join(&rel);
        if let Some(parent) = dst.parent() {
            real_dir(parent)?;
        }
        match copy_verified(&target.join(&rel), &dst, &f.sha256, f.size) {
            Ok(()) => {
                files += 1;
                bytes += f.size;
            }
            Err(e) => problems.push(format!(
                "stored file {} on the backup target {e}",
                target.join(&rel).display()
            )),
        }
    }
    Ok((files, bytes))
}

impl From<mrv_store::BackupRunRecord> for BackupRunView {
    fn from(r: mrv_store::BackupRunRecord) -> BackupRunView {
        BackupRunView {
            id: r.id,
            started_at: r.started_at,
            finished_at: r.finished_at,
            run_by: r.run_by,
            snapshot: r.snapshot,
            ok: r.ok,
            bytes: r.bytes,
            files_copied: r.files_copied,
            message: r.message,
        }
    }
}

impl Mrv {
    /// Sets the folder backups go to (created if missing; it must not be inside the
    /// workspace). Journaled.
    pub fn set_backup_target(
        &mut self,
        session: &Session,
        dir: &Path,
    ) -> Result<BackupTargetView, AppError> {
        let granted = self.authorize(session, Action::ManageBackups)?;
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let path = std::fs::canonicalize(dir).map_err(|e| io_err(dir, e))?;
        let root = std::fs::canonicalize(self.root()).map_err(|e| io_err(self.root(), e))?;
        if path.starts_with(&root) || root.starts_with(&path) {
            return Err(AppError::InvalidInput(format!(
                "{} overlaps the workspace {}; a backup goes to another folder, disk or share",
                path.display(),
                root.display()
            )));
        }
        let text = path
            .to_str()
            .ok_or_else(|| AppError::InvalidInput(format!("{} is not UTF-8", path.display())))?
            .to_owned();
        let now = clock::now().to_string();
        let record = mrv_store::BackupTargetRecord {
            path: text.clone(),
            set_by: granted.user().to_owned(),
            set_at: now.clone(),
        };
        let tx = self.transaction(&granted)?;
        mrv_store::set_backup_target(&tx, &record)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "backup.target",
            "backup:target",
            serde_json::json!({ "path": text }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(BackupTargetView {
            path,
            set_by: record.set_by,
            set_at: record.set_at,
        })
    }

    fn backup_target_path(&self) -> Result<PathBuf, AppError> {
        let t = mrv_store::backup_target(self.ws.conn())?.ok_or_else(|| {
            AppError::InvalidInput("no backup target is set (mrv backup target set DIR)".into())
        })?;
        Ok(PathBuf::from(t.path))
    }

    /// Makes a snapshot on the backup target and prunes by the retention rule; the run is
    /// recorded in the workspace (and journaled) whether it succeeds or not.
    pub fn run_backup(&mut self, session: &Session) -> Result<BackupRun, AppError> {
        let granted = self.authorize(session, Action::ManageBackups)?;
        let user = granted.user().to_owned();
        self.backup_and_record(&user, |mrv| mrv.transaction(&granted))
    }

    /// The continuous backup (SOP-007): when a backup target is set and the last run finished
    /// [`CONTINUOUS_BACKUP_EVERY_SECONDS`] ago or more ([`backup_due`]), makes a backup with the
    /// system's rights, recorded and journaled as `system` — whoever is signed in, or nobody.
    /// Returns the run, or `None` when none was due. A failed run is recorded like any other
    /// (and then next due a period later).
    pub fn backup_if_due(&mut self) -> Result<Option<Result<BackupRun, AppError>>, AppError> {
        let conn = self.ws.conn();
        let target_set = mrv_store::backup_target(conn)?.is_some();
        let last = mrv_store::backup_runs(conn, 1)?
            .into_iter()
            .next()
            .and_then(|r| DateTime::parse_from_rfc3339(&r.finished_at).ok())
            .map(|d| d.with_timezone(&Utc));
        if !backup_due(target_set, last, now_utc()) {
            return Ok(None);
        }
        match self.backup_and_record(SYSTEM_ACTOR, |mrv| mrv.system_transaction()) {
            Ok(run) => Ok(Some(Ok(run))),
            // A failed snapshot is recorded; only a failure to record it is an error here.
            Err(e @ (AppError::Io(_) | AppError::Conflict(_) | AppError::InvalidInput(_))) => {
                Ok(Some(Err(e)))
            }
            Err(e) => Err(e),
        }
    }

    fn backup_and_record<'a>(
        &'a mut self,
        user: &str,
        begin: impl FnOnce(&'a mut Mrv) -> Result<mrv_store::Transaction<'a>, AppError>,
    ) -> Result<BackupRun, AppError> {
        let started_at = clock::now().to_string();
        let result = self.snapshot_now();
        let finished_at = clock::now().to_string();
        let record = match &result {
            Ok(run) => mrv_store::BackupRunRecord {
                id: 0,
                started_at: started_at.clone(),
                finished_at: finished_at.clone(),
                run_by: user.to_owned(),
                snapshot: Some(run.snapshot.clone()),
                ok: true,
                bytes: run.bytes as i64,
                files_copied: run.files_copied as i64,
                message: format!(
                    "snapshot {} ({}): {} file(s) copied, {} pruned",
                    run.snapshot,
                    run.kind,
                    run.files_copied,
                    run.pruned.len()
                ),
            },
            Err(e) => mrv_store::BackupRunRecord {
                id: 0,
                started_at: started_at.clone(),
                finished_at: finished_at.clone(),
                run_by: user.to_owned(),
                snapshot: None,
                ok: false,
                bytes: 0,
                files_copied: 0,
                message: e.to_string(),
            },
        };
        let tx = begin(self)?;
        let id = mrv_store::insert_backup_run(&tx, &record)?;
        crate::journal::append(
            &tx,
            &finished_at,
            user,
            "backup.run",
            &format!("backup:run-{id}"),
            serde_json::json!({
                "ok": record.ok,
                "snapshot": record.snapshot,
                "bytes": record.bytes,
                "files_copied": record.files_copied,
                "message": record.message,
            }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        result.map(|run| BackupRun { id, ..run })
    }

    fn snapshot_now(&self) -> Result<BackupRun, AppError> {
        let target = self.backup_target_path()?;
        if !target.is_dir() {
            return Err(AppError::Io(format!(
                "the backup target {} is not there (a disk or share not mounted?)",
                target.display()
            )));
        }
        let snapshots = target.join("snapshots");
        real_dir(&snapshots)?;
        real_dir(&target.join("files"))?;
        real_dir(&target.join("files").join("sha256"))?;
        let existing = read_snapshots(&target)?;
        let now = now_utc();
        let base = now.format("%Y-%m-%dT%H-%M-%SZ").to_string();
        // A new folder, created exclusively: a name already taken (by anything, a link
        // included) is never entered.
        let mut id = base.clone();
        let mut n = 1;
        let mut builder = std::fs::DirBuilder::new();
        // Readable by the backup's owner only: a snapshot holds password hashes and sealed
        // keys, and nobody else can plant anything in the folder while it is written.
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        // The lock first, then the folder: a folder without a manifest whose lock nobody holds
        // is a dead run's, for the next run to sweep away.
        let (dir, writing) = loop {
            let dir = snapshots.join(&id);
            // Either name taken (by anything, a link included): the next one.
            if let Some(writing) = Writing::lock(&snapshots, &id)? {
                match builder.create(&dir) {
                    Ok(()) => break (dir, writing),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(io_err(&dir, e)),
                }
            }
            if n < 100 {
                n += 1;
                id = format!("{base}-{n}");
            } else {
                return Err(AppError::Conflict(format!(
                    "{} and 99 names after it are taken on the backup target",
                    dir.display()
                )));
            }
        };
        // A run that fails leaves no half snapshot behind (its folder is ours, just made).
        let made = self
            .fill_snapshot(&target, &dir, id, &existing, now)
            .inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&dir);
            });
        drop(writing);
        made
    }

    /// Writes the snapshot `id` into its new folder `dir`: the database copy, the files it
    /// references (those not on the target yet), the manifest last; then prunes.
    fn fill_snapshot(
        &self,
        target: &Path,
        dir: &Path,
        id: String,
        existing: &[SnapshotManifest],
        now: DateTime<Utc>,
    ) -> Result<BackupRun, AppError> {
        let db = dir.join(mrv_store::DATABASE_FILE);
        mrv_store::copy_database_into(self.ws.conn(), &db)?;
        let (db_sha256, db_bytes) =
            hash_file(&db).map_err(|e| AppError::Io(format!("{} {e}", db.display())))?;
        let mut files = Vec::new();
        let (mut files_copied, mut bytes_copied, mut file_bytes) = (0u64, 0u64, 0u64);
        for (sha256, size) in mrv_store::stored_files_of(&db)? {
            if !valid_sha(&sha256) {
                return Err(AppError::Internal(format!(
                    "stored file {sha256:?} is not named by a SHA-256"
                )));
            }
            let size = u64::try_from(size).unwrap_or(0);
            let rel = blob_rel(&sha256);
            let dst = target.join(&rel);
            if let Some(parent) = dst.parent() {
                real_dir(parent)?;
            }
            let present =
                std::fs::symlink_metadata(&dst).is_ok_and(|m| m.is_file() && m.len() == size);
            if !present {
                if std::fs::symlink_metadata(&dst).is_ok() {
                    return Err(AppError::Conflict(format!(
                        "{} exists on the backup target but is not that file (wrong size or not a regular file); move it aside",
                        dst.display()
                    )));
                }
                let copied = copy_verified(&self.ws.blob_path(&sha256), &dst, &sha256, size);
                let raced = || {
                    // Another run put it there meanwhile: as good as copied by us.
                    std::fs::symlink_metadata(&dst).is_ok_and(|m| m.is_file() && m.len() == size)
                };
                match copied {
                    Ok(()) => {
                        files_copied += 1;
                        bytes_copied += size;
                    }
                    Err(_) if raced() => {}
                    Err(e) => {
                        return Err(AppError::Io(format!(
                            "stored file {} {e}",
                            self.ws.blob_path(&sha256).display()
                        )))
                    }
                }
            }
            file_bytes += size;
            files.push(SnapshotFile { sha256, size });
        }
        let first_of_month = !existing.iter().any(|m| {
            snapshot_date(m).is_some_and(|d| d.year() == now.year() && d.month() == now.month())
        });
        let manifest = SnapshotManifest {
            format: MANIFEST_FORMAT.into(),
            snapshot: id.clone(),
            created_at: clock::now().to_string(),
            kind: if first_of_month { "monthly" } else { "nightly" }.into(),
            db_sha256,
            db_bytes,
            file_count: files.len() as u64,
            file_bytes,
            files_copied,
            bytes_copied,
            files,
        };
        let bytes =
            serde_json::to_vec_pretty(&manifest).map_err(|e| AppError::Internal(e.to_string()))?;
        write_atomic(&dir.join(MANIFEST), &bytes, Overwrite::Refuse)?;
        let (pruned, files_pruned) = prune(target, now.date_naive())?;
        Ok(BackupRun {
            id: 0,
            snapshot: id,
            path: dir.to_owned(),
            kind: manifest.kind,
            db_bytes,
            file_count: manifest.file_count,
            bytes: db_bytes + file_bytes,
            files_copied,
            bytes_copied,
            pruned,
            files_pruned,
        })
    }

    /// Applies the retention rule now (every `backup run` does so after its snapshot).
    pub fn prune_backups(&self, session: &Session) -> Result<PruneView, AppError> {
        self.authorize(session, Action::ManageBackups)?;
        let target = self.backup_target_path()?;
        let (pruned, files_pruned) = prune(&target, now_utc().date_naive())?;
        Ok(PruneView {
            pruned,
            files_pruned,
        })
    }

    /// The snapshots on the backup target, oldest first.
    pub fn list_snapshots(&self, session: &Session) -> Result<Vec<SnapshotView>, AppError> {
        self.authorize(session, Action::ManageBackups)?;
        let target = self.backup_target_path()?;
        Ok(read_snapshots(&target)?
            .into_iter()
            .map(|m| SnapshotView {
                kept_until: snapshot_date(&m)
                    .and_then(|d| kept_until(d, m.kind == "monthly"))
                    .map(|d| d.to_string()),
                snapshot: m.snapshot,
                created_at: m.created_at,
                kind: m.kind,
                bytes: m.db_bytes + m.file_bytes,
                file_count: m.file_count,
            })
            .collect())
    }

    /// The last backup, its age, and warnings (older than a day, failed, no drill passed in
    /// the last 90 days).
    pub fn backup_status(&self, session: &Session) -> Result<BackupStatus, AppError> {
        self.authorize(session, Action::ManageBackups)?;
        let conn = self.ws.conn();
        let target = mrv_store::backup_target(conn)?.map(|t| BackupTargetView {
            path: PathBuf::from(t.path),
            set_by: t.set_by,
            set_at: t.set_at,
        });
        let runs = mrv_store::backup_runs(conn, 1000)?;
        let now = now_utc();
        let last_ok = runs.iter().find(|r| r.ok);
        let last_ok_age_seconds = last_ok.and_then(|r| age_seconds(&r.finished_at, now));
        let drills = mrv_store::backup_drills(conn, 1000)?;
        let last_passed_drill = drills.iter().find(|d| d.ok).map(|d| d.started_at.clone());
        let mut warnings = Vec::new();
        if target.is_none() {
            warnings.push("no backup target is set (mrv backup target set DIR)".to_owned());
        }
        match (last_ok, last_ok_age_seconds) {
            (None, _) => warnings.push("no backup has been made yet".to_owned()),
            (Some(r), Some(age)) if age > BACKUP_MAX_AGE_SECONDS => warnings.push(format!(
                "the last backup ({}) is {} hours old, older than a day",
                r.finished_at,
                age / 3600
            )),
            _ => {}
        }
        if let Some(r) = runs.first().filter(|r| !r.ok) {
            warnings.push(format!(
                "the last backup run ({}) failed: {}",
                r.started_at, r.message
            ));
        }
        let drill_due = drill_overdue(last_passed_drill.as_deref());
        if drill_due {
            warnings.push(format!(
                "no restore drill has passed in the last {DRILL_EVERY_DAYS} days (quarterly drill due: mrv backup drill)"
            ));
        }
        let last_run_failed = runs.first().is_some_and(|r| !r.ok);
        Ok(BackupStatus {
            target,
            last_backup: runs.into_iter().next().map(Into::into),
            last_ok_age_seconds,
            last_passed_drill,
            warnings,
            backup_stale: last_ok_age_seconds.is_none_or(|age| age > BACKUP_MAX_AGE_SECONDS),
            last_run_failed,
            drill_due,
            restore_keeps_aside_in: format!(
                "{}.replaced-<time of the restore>",
                self.root().display()
            ),
            continuous_every_seconds: CONTINUOUS_BACKUP_EVERY_SECONDS,
        })
    }

    fn find_snapshot(
        &self,
        target: &Path,
        snapshot: Option<&str>,
    ) -> Result<SnapshotManifest, AppError> {
        match snapshot {
            None => read_snapshots(target)?
                .pop()
                .ok_or_else(|| AppError::NotFound {
                    what: "snapshot",
                    id: "(latest: none on the backup target)".into(),
                }),
            Some(id) => {
                if id.is_empty() || id.contains(['/', '\\']) || id.starts_with('.') {
                    return Err(AppError::InvalidInput(format!(
                        "{id:?} is not a snapshot id"
                    )));
                }
                let dir = target.join("snapshots").join(id);
                match std::fs::symlink_metadata(&dir) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        return Err(AppError::InvalidInput(format!(
                            "{} is not a snapshot folder (a symbolic link is never followed)",
                            dir.display()
                        )))
                    }
                    Err(_) => {
                        return Err(AppError::NotFound {
                            what: "snapshot",
                            id: id.to_owned(),
                        })
                    }
                }
                read_manifest(&dir).map_err(|e| {
                    AppError::InvalidInput(format!("snapshot {id} has no usable manifest: {e}"))
                })
            }
        }
    }

    /// Restores the latest (or the named) snapshot into a fresh temporary folder and checks it
    /// end to end; records and returns the report. A drill that finds problems is a report
    /// with `ok: false`, not an error.
    pub fn backup_drill(
        &mut self,
        session: &Session,
        snapshot: Option<&str>,
    ) -> Result<DrillReport, AppError> {
        let granted = self.authorize(session, Action::ManageBackups)?;
        let target = self.backup_target_path()?;
        let manifest = self.find_snapshot(&target, snapshot)?;
        let started_at = clock::now().to_string();
        let clock_start = std::time::Instant::now();
        let scratch = tempfile::Builder::new()
            .prefix("mrv-drill-")
            .tempdir()
            .map_err(|e| AppError::Io(format!("temporary folder: {e}")))?;
        let into = scratch.path().join("workspace");
        let checks = drill_checks(&target, &manifest, &into)?;
        drop(scratch);
        let duration_ms = clock_start.elapsed().as_millis() as i64;
        let problems: Vec<String> = checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.check, c.detail))
            .collect();
        let ok = problems.is_empty();
        let record = mrv_store::BackupDrillRecord {
            id: 0,
            started_at: started_at.clone(),
            run_by: granted.user().to_owned(),
            snapshot: manifest.snapshot.clone(),
            ok,
            duration_ms,
            report_json: serde_json::to_string(&checks)
                .map_err(|e| AppError::Internal(e.to_string()))?,
        };
        let tx = self.transaction(&granted)?;
        let id = mrv_store::insert_backup_drill(&tx, &record)?;
        crate::journal::append(
            &tx,
            &clock::now().to_string(),
            granted.user(),
            "backup.drill",
            &format!("backup:drill-{id}"),
            serde_json::json!({
                "snapshot": record.snapshot,
                "ok": ok,
                "duration_ms": duration_ms,
                "problems": problems,
            }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(DrillReport {
            id,
            started_at,
            run_by: record.run_by,
            snapshot: record.snapshot,
            ok,
            duration_ms,
            checks,
            problems,
        })
    }

    /// Every recorded drill, newest first.
    pub fn backup_drills(&self, session: &Session) -> Result<Vec<DrillReport>, AppError> {
        self.authorize(session, Action::ManageBackups)?;
        mrv_store::backup_drills(self.ws.conn(), 1000)?
            .into_iter()
            .map(|d| {
                let checks: Vec<DrillCheck> =
                    serde_json::from_str(&d.report_json).unwrap_or_default();
                let problems = checks
                    .iter()
                    .filter(|c| !c.ok)
                    .map(|c| format!("{}: {}", c.check, c.detail))
                    .collect();
                Ok(DrillReport {
                    id: d.id,
                    started_at: d.started_at,
                    run_by: d.run_by,
                    snapshot: d.snapshot,
                    ok: d.ok,
                    duration_ms: d.duration_ms,
                    checks,
                    problems,
                })
            })
            .collect()
    }

    /// Restores a snapshot into the new folder `into` (refused if it exists), every byte
    /// checked against the manifest, then checks the restored database's integrity. Replacing
    /// the live workspace is left to the operator: move it aside, move this folder in.
    pub fn restore_snapshot(
        &self,
        session: &Session,
        snapshot: &str,
        into: &Path,
    ) -> Result<RestoreView, AppError> {
        self.authorize(session, Action::ManageBackups)?;
        let target = self.backup_target_path()?;
        let manifest = self.find_snapshot(&target, Some(snapshot))?;
        let mut problems = Vec::new();
        let (files, bytes) = restore_files(&target, &manifest, into, &mut problems)?;
        if problems.is_empty() {
            if let Some(bad) = mrv_store::check_database_file(&into.join(mrv_store::DATABASE_FILE))?
            {
                problems.push(format!("integrity_check: {bad}"));
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Conflict(format!(
                "snapshot {snapshot} did not restore cleanly into {} (left there for inspection): {}",
                into.display(),
                problems.join("; ")
            )));
        }
        Ok(RestoreView {
            snapshot: manifest.snapshot,
            into: into.to_owned(),
            files,
            bytes,
        })
    }
}

impl Mrv {
    /// Restores a snapshot INTO PLACE — a separate, confirmed action (the caller asks first,
    /// naming [`RestoreInPlaceView::kept_aside`]): the snapshot is restored beside the
    /// workspace into `<workspace>.restoring-<snapshot>` and checked (every byte against its
    /// manifest, `PRAGMA integrity_check`); only then is the live workspace moved aside to
    /// `<workspace>.replaced-<time>` — kept, never deleted — and the restored folder moved into
    /// its place. This handle then holds the restored workspace, whose journal records the
    /// restore (`backup.restore`, by the caller). Nothing is replaced when the restore or its
    /// checks fail.
    pub fn restore_in_place(
        &mut self,
        session: &Session,
        snapshot: &str,
    ) -> Result<RestoreInPlaceView, AppError> {
        let granted = self.authorize(session, Action::ManageBackups)?;
        let user = granted.user().to_owned();
        drop(granted);
        let root = self.root().to_owned();
        let name = root
            .file_name()
            .ok_or_else(|| AppError::InvalidInput(format!("{} has no name", root.display())))?
            .to_string_lossy()
            .into_owned();
        let parent = root.parent().unwrap_or(Path::new(".")).to_owned();
        let staging = parent.join(format!("{name}.restoring-{snapshot}"));
        let stamp = now_utc().format("%Y-%m-%dT%H-%M-%SZ").to_string();
        let aside = parent.join(format!("{name}.replaced-{stamp}"));
        if std::fs::symlink_metadata(&aside).is_ok() {
            return Err(AppError::Conflict(format!(
                "{} already exists; try again in a second",
                aside.display()
            )));
        }
        let restored = self.restore_snapshot(session, snapshot, &staging)?;
        // Swap, holding at each step a workspace that is not the one being moved: the live
        // one is closed before it moves aside, the restored one is opened once in place.
        let now = clock::now().to_string();
        let staged = mrv_store::Workspace::open(&staging, &now)?;
        drop(std::mem::replace(&mut self.ws, staged));
        std::fs::rename(&root, &aside).map_err(|e| io_err(&root, e))?;
        let kept = mrv_store::Workspace::open(&aside, &now)?;
        drop(std::mem::replace(&mut self.ws, kept));
        if let Err(e) = std::fs::rename(&staging, &root) {
            // Put the live workspace back where it was.
            let back = mrv_store::Workspace::open(&staging, &now)?;
            drop(std::mem::replace(&mut self.ws, back));
            std::fs::rename(&aside, &root).map_err(|e| io_err(&aside, e))?;
            let live = mrv_store::Workspace::open(&root, &now)?;
            drop(std::mem::replace(&mut self.ws, live));
            return Err(io_err(&staging, e));
        }
        let live = mrv_store::Workspace::open(&root, &now)?;
        drop(std::mem::replace(&mut self.ws, live));
        self.seal_clear_token()?;
        self.seal_clear_registry_key()?;
        let tx = self.system_transaction()?;
        crate::journal::append(
            &tx,
            &now,
            &user,
            "backup.restore",
            &format!("backup:{}", restored.snapshot),
            serde_json::json!({
                "snapshot": restored.snapshot,
                "kept_aside": aside.to_string_lossy(),
            }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(RestoreInPlaceView {
            snapshot: restored.snapshot,
            workspace: root,
            kept_aside: aside,
            files: restored.files,
            bytes: restored.bytes,
        })
    }
}

/// Whether the quarterly drill is due: no drill passed, or the last one that did started more
/// than [`DRILL_EVERY_DAYS`] days ago.
pub(crate) fn drill_overdue(last_passed_drill: Option<&str>) -> bool {
    last_passed_drill
        .and_then(|at| age_seconds(at, now_utc()))
        .is_none_or(|age| age > DRILL_EVERY_DAYS * 86_400)
}

fn check(name: &str, problems: &[String], ok_detail: String) -> DrillCheck {
    DrillCheck {
        check: name.into(),
        ok: problems.is_empty(),
        detail: if problems.is_empty() {
            ok_detail
        } else {
            problems.join("; ")
        },
    }
}

/// The checks of a drill on the snapshot `m`, restored into `into`.
fn drill_checks(
    target: &Path,
    m: &SnapshotManifest,
    into: &Path,
) -> Result<Vec<DrillCheck>, AppError> {
    let mut checks = Vec::new();
    let mut problems = Vec::new();
    let (files, bytes) = restore_files(target, m, into, &mut problems)?;
    checks.push(check(
        "restore",
        &problems,
        format!("{files} file(s), {bytes} bytes restored, each matching its SHA-256"),
    ));
    let db = into.join(mrv_store::DATABASE_FILE);
    if !db.is_file() {
        return Ok(checks);
    }
    let mut problems = Vec::new();
    match mrv_store::check_database_file(&db) {
        Ok(None) => {}
        Ok(Some(bad)) => problems.push(bad),
        Err(e) => problems.push(e.to_string()),
    }
    checks.push(check("integrity_check", &problems, "ok".into()));
    if !problems.is_empty() {
        return Ok(checks);
    }
    // Every file the restored database references is there with its size.
    let listed: BTreeSet<&str> = m.files.iter().map(|f| f.sha256.as_str()).collect();
    let mut problems = Vec::new();
    let stored = mrv_store::stored_files_of(&db)?;
    for (sha256, size) in &stored {
        if !valid_sha(sha256) {
            problems.push(format!("stored file {sha256:?} is not named by a SHA-256"));
            continue;
        }
        let path = into.join(blob_rel(sha256));
        match hash_file(&path) {
            Ok((got, n)) if got == *sha256 && n as i64 == *size => {}
            Ok((got, n)) => problems.push(format!(
                "stored file {sha256}: restored content has SHA-256 {got} and {n} bytes, expected {size} bytes"
            )),
            Err(e) if !listed.contains(sha256.as_str()) => problems.push(format!(
                "stored file {sha256} is referenced by the database but not in the snapshot's manifest ({e})"
            )),
            Err(e) => problems.push(format!("stored file {} {e}", path.display())),
        }
    }
    checks.push(check(
        "stored_files",
        &problems,
        format!("{} stored file(s) match their SHA-256", stored.len()),
    ));
    let mut problems = Vec::new();
    let detail = match Mrv::open(into) {
        Err(e) => {
            problems.push(format!(
                "the restored copy does not open as a workspace: {e}"
            ));
            String::new()
        }
        Ok(restored) => match restored.journal_check() {
            Err(e) => {
                problems.push(e.to_string());
                String::new()
            }
            Ok(j) => {
                if !j.ok {
                    problems.push(j.message.clone());
                    problems.extend(
                        j.problems
                            .iter()
                            .skip(1)
                            .map(|p| format!("{} {}: {}", p.kind, p.object, p.detail)),
                    );
                }
                j.message
            }
        },
    };
    checks.push(check("journal_and_stamps", &problems, detail));
    let mut problems = Vec::new();
    let detail = match Mrv::open(into) {
        Err(e) => {
            problems.push(format!(
                "the restored copy does not open as a workspace: {e}"
            ));
            String::new()
        }
        Ok(restored) => {
            let (stamps, receipts) = restored.stamp_evidence(&mut problems)?;
            format!(
                "{stamps} stamp(s) match their source files; {receipts} anchor receipt(s) verify against the pinned log key"
            )
        }
    };
    checks.push(check("stamp_evidence", &problems, detail));
    Ok(checks)
}

impl Mrv {
    /// Re-verifies every stamp of this (restored) workspace against the files it was made
    /// from and its anchor receipt: the stored source file (and each stored layer file) must
    /// be there and hash to what the stamp records, and a stamp anchored to the audit log must
    /// have a receipt that proves its entry — which names the stamp's hash — in the log whose
    /// key the workspace pinned. Each problem names the batch and what failed. Returns
    /// (stamps checked, receipts verified).
    pub(crate) fn stamp_evidence(
        &self,
        problems: &mut Vec<String>,
    ) -> Result<(usize, usize), AppError> {
        let conn = self.ws.conn();
        let key =
            mrv_store::auditlog(conn)?.and_then(|l| mrv_tlog::VerifierKey::parse(&l.vkey).ok());
        let stamps = mrv_store::all_stamps(conn)?;
        let mut receipts = 0;
        for record in &stamps {
            let object = format!("batch {}", record.batch_id);
            let stamp = match mrv_stamp::document::Stamp::from_canonical_bytes(&record.document) {
                Ok(s) => s,
                Err(e) => {
                    problems.push(format!("stamp_document {object}: unreadable stamp: {e}"));
                    continue;
                }
            };
            let mut file = |what: &str, name: &str, sha256: &str, required: bool| {
                if !valid_sha(sha256) {
                    problems.push(format!(
                        "stamp_source {object}: the stamp records {what} {name} with {sha256:?}, not a SHA-256"
                    ));
                    return;
                }
                let path = self.ws.blob_path(sha256);
                match hash_file(&path) {
                    Ok((got, _)) if got == sha256 => {}
                    Ok((got, _)) => problems.push(format!(
                        "stamp_source {object}: {what} {name} hashes to {got}, the stamp records {sha256}"
                    )),
                    Err(_) if !required => {}
                    Err(e) => problems.push(format!(
                        "stamp_source {object}: {what} {name} ({}) {e}",
                        path.display()
                    )),
                }
            };
            file(
                "source file",
                &stamp.source.name,
                &stamp.source.sha256,
                true,
            );
            for layer in &stamp.layers {
                file("layer", &layer.name, &layer.sha256, false);
            }
            if let Some(batch) = mrv_store::get_batch(conn, record.batch_id)? {
                if batch.source_sha256 != stamp.source.sha256 {
                    problems.push(format!(
                        "stamp_source {object}: the batch was imported from {}, the stamp records {}",
                        batch.source_sha256, stamp.source.sha256
                    ));
                }
            }
            let Some(anchor) = mrv_store::batch_anchor(conn, record.batch_id)? else {
                continue;
            };
            if anchor.state != "anchored" {
                continue;
            }
            let named = mrv_core::AnchorEntry::parse(&anchor.entry).map(|e| hex::encode(e.sha256));
            if named.as_ref() != Ok(&record.stamp_hash) {
                problems.push(format!(
                    "anchor_entry {object}: its audit-log entry {} does not name the stamp hash {}",
                    anchor.record_id, record.stamp_hash
                ));
            }
            match (&key, &anchor.receipt) {
                (_, None) => problems.push(format!(
                    "anchor_receipt {object}: anchored, but no receipt is stored"
                )),
                (None, Some(_)) => problems.push(format!(
                    "anchor_receipt {object}: no audit-log key is pinned to check its receipt with"
                )),
                (Some(key), Some(receipt)) => {
                    let verified = mrv_tlog::Receipt::parse(receipt)
                        .map_err(|e| e.to_string())
                        .and_then(|r| {
                            r.verify(&anchor.entry, &key.name, key)
                                .map_err(|e| e.to_string())
                        });
                    match verified {
                        Ok(_) => receipts += 1,
                        Err(e) => problems.push(format!(
                            "anchor_receipt {object}: the stored receipt does not prove its entry {} in the pinned log: {e}",
                            anchor.record_id
                        )),
                    }
                }
            }
        }
        Ok((stamps.len(), receipts))
    }
}

/// Removes the snapshots the retention rule drops, then the target's files no kept snapshot
/// lists. Returns (snapshots removed, files removed). File pruning is skipped when any kept
/// snapshot folder has no readable manifest (it might reference them).
/// The suffix of a run's lock file beside its snapshot folder: `snapshots/<id>.writing`.
const WRITING: &str = ".writing";

/// The lock a run holds on `snapshots/<id>.writing` while it writes the snapshot `<id>`;
/// dropping it removes the file, then releases the lock.
struct Writing {
    path: PathBuf,
    _file: std::fs::File,
}

impl Writing {
    /// Creates and locks `snapshots/<id>.writing`; `None` when the name is taken.
    fn lock(snapshots: &Path, id: &str) -> Result<Option<Writing>, AppError> {
        let path = snapshots.join(format!("{id}{WRITING}"));
        let file = match std::fs::File::create_new(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
            made => made.map_err(|e| io_err(&path, e))?,
        };
        file.lock().map_err(|e| io_err(&path, e))?;
        // A sweep may have locked and removed it between its creation and our lock.
        if !still_named(&file, &path) {
            return Ok(None);
        }
        Ok(Some(Writing { path, _file: file }))
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `path` still names the open `file` (same device and inode).
fn still_named(file: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Removes what runs killed half-way left in `snapshots/`: each folder without a manifest whose
/// run is gone (its lock file missing or no longer locked), and lock files no run holds. A run
/// still at work holds its lock and is left alone. Best effort: what cannot be removed is never
/// taken for a snapshot (it has no manifest).
fn sweep_dead_runs(snapshots: &Path) {
    let Ok(entries) = std::fs::read_dir(snapshots) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        match name.strip_suffix(WRITING) {
            // A run's lock: free (and still named, not just removed by a run finishing) means
            // the run is gone; its folder goes unless it got as far as its manifest.
            Some(id) if kind.is_file() => {
                let lock_path = entry.path();
                let Ok(file) = std::fs::File::open(&lock_path) else {
                    continue;
                };
                if file.try_lock().is_ok() && still_named(&file, &lock_path) {
                    let dir = snapshots.join(id);
                    if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir())
                        && !dir.join(MANIFEST).exists()
                    {
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                    let _ = std::fs::remove_file(&lock_path);
                }
            }
            // A folder without a manifest and without a lock file: a run always makes its lock
            // before its folder and removes it only after the manifest, so this is a dead run's
            // (or an older version's). One with a lock file is the lock's business, above.
            None if kind.is_dir() => {
                let dir = entry.path();
                let lock_path = snapshots.join(format!("{name}{WRITING}"));
                if !dir.join(MANIFEST).exists()
                    && std::fs::symlink_metadata(&lock_path)
                        .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                    // Again: a run may have written its manifest, then removed its lock, meanwhile.
                    && !dir.join(MANIFEST).exists()
                {
                    let _ = std::fs::remove_dir_all(&dir);
                }
            }
            _ => {}
        }
    }
}

fn prune(target: &Path, today: NaiveDate) -> Result<(Vec<String>, u64), AppError> {
    sweep_dead_runs(&target.join("snapshots"));
    let manifests = read_snapshots(target)?;
    let dated: Vec<(String, NaiveDate)> = manifests
        .iter()
        .filter_map(|m| snapshot_date(m).map(|d| (m.snapshot.clone(), d)))
        .collect();
    let pruned = snapshots_to_prune(&dated, today);
    for id in &pruned {
        let dir = target.join("snapshots").join(id);
        // remove_dir_all removes a link it meets, never what it points at.
        std::fs::remove_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
    }
    let kept: BTreeSet<String> = manifests
        .iter()
        .filter(|m| !pruned.contains(&m.snapshot))
        .flat_map(|m| m.files.iter().map(|f| f.sha256.clone()))
        .collect();
    // Only when every snapshot folder left is a complete snapshot.
    let folders = std::fs::read_dir(target.join("snapshots"))
        .map_err(|e| io_err(target, e))?
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        })
        .count();
    if folders != manifests.len() - pruned.len() {
        return Ok((pruned, 0));
    }
    let mut files_pruned = 0;
    let root = target.join("files").join("sha256");
    for prefix in std::fs::read_dir(&root).map_err(|e| io_err(&root, e))? {
        let prefix = prefix.map_err(|e| io_err(&root, e))?;
        if !prefix.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        for file in std::fs::read_dir(prefix.path()).map_err(|e| io_err(&prefix.path(), e))? {
            let file = file.map_err(|e| io_err(&prefix.path(), e))?;
            let name = file.file_name().to_string_lossy().into_owned();
            // A partial copy of a run killed half-way (no run is at work: every folder is a
            // whole snapshot).
            if name.starts_with(".copy.") && name.ends_with(".tmp") {
                if file.file_type().is_ok_and(|t| t.is_file()) {
                    let _ = std::fs::remove_file(file.path());
                }
                continue;
            }
            if valid_sha(&name) && !kept.contains(&name) {
                std::fs::remove_file(file.path()).map_err(|e| io_err(&file.path(), e))?;
                files_pruned += 1;
            }
        }
    }
    Ok((pruned, files_pruned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn prune_of(dates: &[&str], today: &str) -> Vec<String> {
        let snaps: Vec<(String, NaiveDate)> = dates
            .iter()
            .map(|s| (format!("{s}T02-00-00Z"), d(s)))
            .collect();
        snapshots_to_prune(&snaps, d(today))
            .into_iter()
            .map(|id| id[..10].to_owned())
            .collect()
    }

    /// Daily snapshots are kept 35 days: the 36th day back goes, unless it is its month's
    /// first.
    #[test]
    fn dailies_are_kept_exactly_35_days() {
        let today = "2026-03-20";
        // 2026-02-13 is 35 days before, 2026-02-12 is 36; the month's first is 2026-02-10.
        let got = prune_of(
            &[
                "2026-02-10",
                "2026-02-11",
                "2026-02-12",
                "2026-02-13",
                "2026-03-20",
            ],
            today,
        );
        assert_eq!(got, vec!["2026-02-11", "2026-02-12"]);
    }

    /// The first snapshot of each month is kept 12 months, across a year's end; the month
    /// before that goes.
    #[test]
    fn monthlies_are_kept_twelve_months_across_the_year_end() {
        let dates = [
            "2025-01-03",
            "2025-01-09",
            "2025-02-01",
            "2025-02-02",
            "2025-12-31",
            "2026-01-01",
            "2026-01-02",
            "2026-01-31",
        ];
        let got = prune_of(&dates, "2026-02-01");
        // 2025-02-01 is exactly 12 months back: kept; January 2025 is older: both go.
        // Within 35 days (from 2025-12-28): 2025-12-31 and all of January 2026.
        assert_eq!(got, vec!["2025-01-03", "2025-01-09", "2025-02-02"]);
        // A month later the first of February 2025 goes too, and 2025-12-31 stays as its
        // month's first.
        let got = prune_of(&dates, "2026-03-02");
        assert_eq!(
            got,
            vec![
                "2025-01-03",
                "2025-01-09",
                "2025-02-01",
                "2025-02-02",
                "2026-01-02"
            ]
        );
    }

    /// Leap years: 12 months back from 29 February is 28 February.
    #[test]
    fn twelve_months_back_from_a_leap_day_is_the_28th() {
        let kept = prune_of(&["2027-02-28", "2028-02-29"], "2028-02-29");
        assert!(kept.is_empty(), "{kept:?}");
        let got = prune_of(&["2027-02-27", "2028-02-29"], "2028-02-29");
        assert_eq!(got, vec!["2027-02-27"]);
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// A continuous backup is due exactly 15 minutes after the last run finished, not a second
    /// before; at once when none ran; never without a target.
    #[test]
    fn a_backup_is_due_fifteen_minutes_after_the_last_run() {
        let last = Some(at("2026-03-20T10:00:00Z"));
        assert!(!backup_due(true, last, at("2026-03-20T10:14:59Z")));
        assert!(backup_due(true, last, at("2026-03-20T10:15:00Z")));
        assert!(backup_due(true, last, at("2026-03-21T10:00:00Z")));
        assert!(backup_due(true, None, at("2026-03-20T10:00:00Z")));
        assert!(!backup_due(false, None, at("2026-03-20T10:00:00Z")));
        assert!(!backup_due(false, last, at("2026-03-21T10:00:00Z")));
    }

    /// `kept_until` agrees with the retention rule at its boundary: a nightly snapshot is still
    /// kept on its last day and pruned the day after; a monthly one likewise at 12 months.
    #[test]
    fn kept_until_is_the_last_day_the_rule_keeps_it() {
        let nightly = d("2026-02-12");
        let last = kept_until(nightly, false).unwrap();
        assert_eq!(last, d("2026-03-19"));
        let snaps = vec![
            ("a".to_owned(), d("2026-02-10")),
            ("b".to_owned(), nightly),
            ("z".to_owned(), d("2027-01-01")),
        ];
        assert!(!snapshots_to_prune(&snaps, last).contains(&"b".to_owned()));
        assert!(snapshots_to_prune(&snaps, last.succ_opt().unwrap()).contains(&"b".to_owned()));
        let last = kept_until(d("2026-02-10"), true).unwrap();
        assert_eq!(last, d("2027-02-10"));
        assert!(!snapshots_to_prune(&snaps, last).contains(&"a".to_owned()));
        assert!(snapshots_to_prune(&snaps, last.succ_opt().unwrap()).contains(&"a".to_owned()));
    }

    /// `backup_if_due` on a real demo workspace: nothing without a target; with one, a backup
    /// at once, recorded and journaled as `system`; then none until the period has passed.
    #[test]
    fn backup_if_due_runs_as_the_system_once_per_period() {
        let dir = tempfile::tempdir().unwrap();
        let mut mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
        assert!(mrv.backup_if_due().unwrap().is_none());
        let oscar = mrv.sign_in("oscar", crate::DEMO_PASSWORD).unwrap();
        mrv.set_backup_target(&oscar, &dir.path().join("backups"))
            .unwrap();
        let run = mrv.backup_if_due().unwrap().unwrap().unwrap();
        assert!(run.path.join("manifest.json").is_file());
        assert!(mrv.backup_if_due().unwrap().is_none(), "not due again yet");
        let status = mrv.backup_status(&oscar).unwrap();
        assert_eq!(status.last_backup.unwrap().run_by, SYSTEM_ACTOR);
        assert!(!status.backup_stale);
        let actor: String = mrv
            .ws
            .conn()
            .query_row(
                "SELECT actor FROM journal WHERE action = 'backup.run' ORDER BY seq DESC",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(actor, SYSTEM_ACTOR);
        // Fifteen minutes later (the run recorded as finished then), it is due again.
        mrv.ws
            .conn()
            .execute(
                "UPDATE backup_run SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-900 seconds')",
                [],
            )
            .unwrap();
        assert!(mrv.backup_if_due().unwrap().unwrap().is_ok());
    }

    /// However old, the newest snapshot is never pruned.
    #[test]
    fn the_newest_snapshot_is_always_kept() {
        assert!(prune_of(&["2020-05-05", "2020-05-06"], "2026-01-01") == vec!["2020-05-05"]);
        assert!(prune_of(&[], "2026-01-01").is_empty());
    }
}
