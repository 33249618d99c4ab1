//! The MRV Desk desktop app: thin Tauri commands over `mrv-app`, the IPC transport types, and
//! start-up (workspace choice, demo seeding, display check).
//!
//! Every command opens the workspace, calls one `mrv-app` use case and converts the result; no
//! domain logic lives here. Data commands hand the signed-in session to the use case, which
//! checks it (live session, role) once at its entry.

mod access;
mod backups;
mod changes;
mod connections;
mod dto;
mod exports;
mod findings;
mod home;
mod imagery;
mod import_report;
mod incidents;
mod map;
mod projects;
mod releases;
mod rows;
mod statement;

use dto::*;
use mrv_app::{Action, AppError, ImportRequest, Mrv, Progress, Session};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tauri::ipc::Channel;
use tauri::State;

/// Shared between commands: the workspace folder, the cancel flags of the running import and
/// the running enrichment, and the signed-in user's session (its token and opened signing key
/// live in this process's memory only; signing out or quitting forgets them).
struct Desk {
    workspace: PathBuf,
    cancel_import: Arc<AtomicBool>,
    cancel_enrich: Arc<AtomicBool>,
    session: Mutex<Option<Arc<Session>>>,
    /// The rows table's recent sorted/filtered orders (`mrv_app::RowOrderCache`).
    row_orders: Arc<Mutex<mrv_app::RowOrderCache>>,
}

/// Runs `task` on a blocking thread so the window stays responsive.
async fn blocking<T: Send + 'static>(
    task: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(task)
        .await
        .map_err(|e| CommandError {
            code: ErrorCodeDto::Internal,
            message: format!("background task failed: {e}"),
            report: None,
        })?
}

/// Runs `task` on a blocking thread with the workspace opened and the signed-in user's session
/// (the use case `task` calls checks it).
async fn blocking_as<T: Send + 'static>(
    desk: &Desk,
    task: impl FnOnce(&mut Mrv, &Session) -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    let workspace = desk.workspace.clone();
    let session = desk.session()?;
    blocking(move || task(&mut Mrv::open(&workspace)?, &session)).await
}

/// A progress callback that sends to the UI and answers the cancel flag.
fn reporter(
    channel: Channel<ProgressDto>,
    cancel: Arc<AtomicBool>,
) -> impl FnMut(&mrv_app::ImportProgress) -> Progress {
    move |p| {
        let _ = channel.send(ProgressDto {
            rows: p.rows as f64,
            bytes_read: p.bytes_read as f64,
            bytes_total: p.bytes_total as f64,
        });
        if cancel.load(Ordering::SeqCst) {
            Progress::Cancel
        } else {
            Progress::Continue
        }
    }
}

impl Desk {
    fn open(&self) -> Result<Mrv, CommandError> {
        Ok(Mrv::open(&self.workspace)?)
    }

    /// The signed-in session, or "not signed in".
    fn session(&self) -> Result<Arc<Session>, CommandError> {
        self.session
            .lock()
            .map_err(|_| internal("session lock poisoned"))?
            .clone()
            .ok_or_else(|| AppError::Unauthenticated("sign in first".into()).into())
    }

    /// The signed-in user's session and the workspace, for a data command: it hands the
    /// session to the use case, which checks it (live, and a role that allows the action).
    fn open_as(&self) -> Result<(Mrv, Arc<Session>), CommandError> {
        let session = self.session()?;
        Ok((self.open()?, session))
    }
}

#[tauri::command]
#[specta::specta]
fn workspace_info(desk: State<'_, Desk>) -> Result<WorkspaceDto, CommandError> {
    Ok(desk.open()?.info()?.into())
}

#[tauri::command]
#[specta::specta]
fn list_methodologies() -> Vec<MethodologyDto> {
    mrv_app::builtin_profiles()
        .iter()
        .map(|p| mrv_app::MethodologyView::from(p).into())
        .collect()
}

#[tauri::command]
#[specta::specta]
fn list_projects(desk: State<'_, Desk>) -> Result<Vec<ProjectDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .list_projects(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
fn list_batches(
    desk: State<'_, Desk>,
    project_id: Option<i64>,
) -> Result<Vec<BatchDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .list_batches(&session, project_id)?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
fn batch_rows(
    desk: State<'_, Desk>,
    batch_id: i64,
    offset: i64,
    limit: i64,
) -> Result<RowsPageDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.batch_rows(&session, batch_id, offset, limit)?.into())
}

#[tauri::command]
#[specta::specta]
fn list_layers(desk: State<'_, Desk>, project_id: i64) -> Result<Vec<LayerDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .list_layers(&session, Some(project_id))?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// A batch's gross claimed tCO2e, buffer and net issuable (exact, with their derivation) and
/// its material rows.
#[tauri::command]
#[specta::specta]
async fn batch_quantities(
    desk: State<'_, Desk>,
    batch_id: i64,
) -> Result<QuantitiesDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.quantities(session, batch_id)?.into())
    })
    .await
}

#[tauri::command]
#[specta::specta]
fn batch_flags(desk: State<'_, Desk>, batch_id: i64) -> Result<Vec<FlagDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .flags(&session, batch_id)?
        .into_iter()
        .map(Into::into)
        .collect())
}

#[tauri::command]
#[specta::specta]
fn preview_import(
    desk: State<'_, Desk>,
    path: String,
    project_id: i64,
    mapping: Vec<MappingDto>,
) -> Result<PreviewDto, CommandError> {
    let mapping: Vec<mrv_app::ColumnMapping> = mapping.into_iter().map(Into::into).collect();
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .preview_import(&session, &PathBuf::from(path), project_id, &mapping)?
        .into())
}

/// Runs on a blocking thread so the window stays responsive; progress goes out on `on_progress`.
#[tauri::command]
#[specta::specta]
async fn import_batch(
    desk: State<'_, Desk>,
    request: ImportRequestDto,
    on_progress: Channel<ProgressDto>,
) -> Result<BatchDto, CommandError> {
    let cancel = desk.cancel_import.clone();
    cancel.store(false, Ordering::SeqCst);
    blocking_as(&desk, move |mrv, session| {
        let req = ImportRequest {
            file: PathBuf::from(request.path.trim()),
            project_id: request.project_id,
            period: format!("{}..{}", request.period_start, request.period_end),
            crs: request.crs.filter(|c| !c.trim().is_empty()),
            mapping: request.mapping.into_iter().map(Into::into).collect(),
        };
        let mut progress = reporter(on_progress, cancel);
        let batch = match request.supersedes {
            Some(old) => mrv.import_version(session, old, &req, &mut progress)?,
            None => mrv.import(session, &req, &mut progress)?,
        };
        Ok(batch.into())
    })
    .await
}

#[tauri::command]
#[specta::specta]
fn cancel_import(desk: State<'_, Desk>) {
    desk.cancel_import.store(true, Ordering::SeqCst);
}

/// Samples every layer at every row of a batch again and re-runs the checks.
#[tauri::command]
#[specta::specta]
async fn enrich_batch(
    desk: State<'_, Desk>,
    batch_id: i64,
    on_progress: Channel<ProgressDto>,
) -> Result<BatchDto, CommandError> {
    let cancel = desk.cancel_enrich.clone();
    cancel.store(false, Ordering::SeqCst);
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .enrich(session, batch_id, &mut reporter(on_progress, cancel))?
            .into())
    })
    .await
}

/// Registers a raster layer and enriches the project's batches with it.
#[tauri::command]
#[specta::specta]
async fn add_layer(
    desk: State<'_, Desk>,
    layer: NewLayerDto,
    on_progress: Channel<ProgressDto>,
) -> Result<LayerDto, CommandError> {
    let cancel = desk.cancel_enrich.clone();
    cancel.store(false, Ordering::SeqCst);
    blocking_as(&desk, move |mrv, session| {
        let input = mrv_app::NewLayer {
            project_id: layer.project_id,
            file: PathBuf::from(layer.path.trim()),
            kind: layer.kind,
            name: layer.name,
            band: usize::try_from(layer.band).unwrap_or(0),
            acquired_on: layer.acquired_on.filter(|d| !d.trim().is_empty()),
        };
        Ok(mrv
            .add_layer_with_progress(session, &input, &mut reporter(on_progress, cancel))?
            .into())
    })
    .await
}

/// Removes a layer (refused while a reviewed batch depends on it) and re-enriches the
/// project's batches without it.
#[tauri::command]
#[specta::specta]
async fn remove_layer(desk: State<'_, Desk>, layer_id: i64) -> Result<LayerDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.remove_layer(session, layer_id)?.into())
    })
    .await
}

#[tauri::command]
#[specta::specta]
fn cancel_enrich(desk: State<'_, Desk>) {
    desk.cancel_enrich.store(true, Ordering::SeqCst);
}

#[tauri::command]
#[specta::specta]
fn layer_style(desk: State<'_, Desk>, layer_id: i64) -> Result<LayerStyleDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(LayerStyleDto::new(
        layer_id,
        mrv.overlay_style(&session, layer_id)?,
    ))
}

/// A layer's value at every row of a batch (null on nodata or off the raster).
#[tauri::command]
#[specta::specta]
async fn layer_values(
    desk: State<'_, Desk>,
    batch_id: i64,
    layer_id: i64,
) -> Result<Vec<Option<f64>>, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.layer_values(session, batch_id, layer_id)?)
    })
    .await
}

/// One row (1-based) with its samples per layer and its flags.
#[tauri::command]
#[specta::specta]
fn row_evidence(
    desk: State<'_, Desk>,
    batch_id: i64,
    row: i64,
) -> Result<RowEvidenceDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.row_evidence(&session, batch_id, row)?.into())
}

fn internal(message: &str) -> CommandError {
    CommandError {
        code: ErrorCodeDto::Internal,
        message: message.to_owned(),
        report: None,
    }
}

/// Signs in: checks the password and opens the user's signing key for this session.
#[tauri::command]
#[specta::specta]
async fn sign_in(
    desk: State<'_, Desk>,
    name: String,
    password: String,
) -> Result<SessionDto, CommandError> {
    let workspace = desk.workspace.clone();
    // Argon2id takes a moment: off the window's thread.
    let session = blocking(move || Ok(Mrv::open(&workspace)?.sign_in(&name, &password)?)).await?;
    let dto = SessionDto::from(&session);
    *desk
        .session
        .lock()
        .map_err(|_| internal("session lock poisoned"))? = Some(Arc::new(session));
    Ok(dto)
}

/// Ends the session: its token stops working and the opened key is dropped.
#[tauri::command]
#[specta::specta]
fn sign_out(desk: State<'_, Desk>) -> Result<(), CommandError> {
    let session = desk
        .session
        .lock()
        .map_err(|_| internal("session lock poisoned"))?
        .take();
    if let Some(session) = session {
        desk.open()?.sign_out(&session)?;
    }
    Ok(())
}

/// The signed-in user, if the session is still live.
#[tauri::command]
#[specta::specta]
fn current_session(desk: State<'_, Desk>) -> Result<Option<SessionDto>, CommandError> {
    let live = desk.open_as().and_then(|(mrv, session)| {
        // Every role may view evidence: this asks only whether the session is live.
        mrv.authorize(&session, Action::ViewEvidence)?;
        Ok(session)
    });
    match live {
        Ok(session) => Ok(Some(SessionDto::from(session.as_ref()))),
        Err(e) if matches!(e.code, ErrorCodeDto::Unauthenticated) => Ok(None),
        Err(e) => Err(e),
    }
}

/// For the sign-in screen of the demo workspace: who its demo users are.
#[tauri::command]
#[specta::specta]
fn sign_in_hint(desk: State<'_, Desk>) -> Option<String> {
    desk.workspace.join("demo").is_dir().then(|| {
        let users: Vec<String> = mrv_app::DEMO_USERS
            .iter()
            .map(|(name, role)| format!("{name} ({})", role.replace('_', " ")))
            .collect();
        format!(
            "Demo workspace — users {}; password “{}”.",
            users.join(", "),
            mrv_app::DEMO_PASSWORD
        )
    })
}

#[tauri::command]
#[specta::specta]
fn start_review(desk: State<'_, Desk>, batch_id: i64) -> Result<BatchDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv.start_review(&session, batch_id)?.into())
}

#[tauri::command]
#[specta::specta]
fn reject_batch(
    desk: State<'_, Desk>,
    batch_id: i64,
    code: String,
    reason: String,
) -> Result<BatchDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv.reject(&session, batch_id, &code, &reason)?.into())
}

/// Approves (with a justification per open high flag and per material row), stamps and signs,
/// once the user has given their password again.
#[tauri::command]
#[specta::specta]
async fn approve_batch(
    desk: State<'_, Desk>,
    batch_id: i64,
    justifications: Vec<JustificationDto>,
    password: String,
) -> Result<StampDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let texts = justifications
            .into_iter()
            .map(|j| (j.flag_id, j.text))
            .collect();
        Ok(mrv
            .approve_in_person(session, &password, batch_id, &texts)?
            .into())
    })
    .await
}

#[tauri::command]
#[specta::specta]
fn batch_history(
    desk: State<'_, Desk>,
    batch_id: i64,
) -> Result<Vec<HistoryEntryDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .history(&session, batch_id)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The stamp of a batch, or null when it has none.
#[tauri::command]
#[specta::specta]
fn batch_stamp(desk: State<'_, Desk>, batch_id: i64) -> Result<Option<StampDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    match mrv.stamp_view(&session, batch_id) {
        Ok(stamp) => Ok(Some(stamp.into())),
        Err(AppError::NotFound {
            what: "stamp of batch",
            ..
        }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The batch's audit-log anchor (null until it is approved).
#[tauri::command]
#[specta::specta]
fn batch_anchor(desk: State<'_, Desk>, batch_id: i64) -> Result<Option<AnchorDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.batch_anchor(&session, batch_id)?.map(Into::into))
}

/// Sends the batch's stamp anchor to the audit log now; a log that cannot be reached leaves it
/// queued (the returned anchor says so), which is not an error of the call.
#[tauri::command]
#[specta::specta]
async fn anchor_batch(desk: State<'_, Desk>, batch_id: i64) -> Result<AnchorDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        match mrv.anchor_batch(session, batch_id) {
            Ok(a) => Ok(a.into()),
            Err(AppError::Io(_)) => Ok(mrv
                .batch_anchor(session, batch_id)?
                .expect("an anchor that was just sent exists")
                .into()),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Sends every anchor that is due (and queues the journal head).
#[tauri::command]
#[specta::specta]
async fn anchor_pending(desk: State<'_, Desk>) -> Result<AnchorRunDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let run = mrv.anchor_pending(session, false)?;
        Ok(AnchorRunDto {
            attempted: run.attempted as f64,
            anchored: run.anchored as f64,
            failed: run.failed as f64,
        })
    })
    .await
}

/// The log-health panel as stored (no network).
#[tauri::command]
#[specta::specta]
fn log_health(desk: State<'_, Desk>) -> Result<LogHealthDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv.log_health(&session)?.into())
}

/// Fetches the log's latest checkpoint, checks it against the stored one, and returns the
/// log-health panel (with any alarm it raised).
#[tauri::command]
#[specta::specta]
async fn check_auditlog(desk: State<'_, Desk>) -> Result<LogHealthDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let health = mrv.log_health(session)?;
        if health.log.is_none() {
            return Ok(health.into());
        }
        Ok(mrv.check_auditlog(session)?.into())
    })
    .await
}

/// Writes the stamp (and the proof of row `row`, when given) into `dir`; returns the files.
#[tauri::command]
#[specta::specta]
fn export_stamp(
    desk: State<'_, Desk>,
    batch_id: i64,
    dir: String,
    row: Option<i64>,
) -> Result<Vec<String>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    let dir = PathBuf::from(dir.trim());
    let mut written: Vec<String> = mrv
        .export_stamp(&session, batch_id, &dir, mrv_app::Overwrite::Refuse)?
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if let Some(row) = row {
        let path = dir.join(format!("row-{row}.proof.json"));
        mrv.write_row_proof(&session, batch_id, row, &path, mrv_app::Overwrite::Refuse)?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

#[tauri::command]
#[specta::specta]
fn attach_evidence(
    desk: State<'_, Desk>,
    batch_id: i64,
    path: String,
) -> Result<AttachmentDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv
        .attach(&session, batch_id, &PathBuf::from(path.trim()))?
        .into())
}

#[tauri::command]
#[specta::specta]
fn batch_attachments(
    desk: State<'_, Desk>,
    batch_id: i64,
) -> Result<Vec<AttachmentDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .attachments(&session, batch_id)?
        .into_iter()
        .map(Into::into)
        .collect())
}

fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            workspace_info,
            import_report::save_import_report,
            import_report::import_report_default_path,
            list_methodologies,
            list_projects,
            list_batches,
            batch_rows,
            list_layers,
            batch_flags,
            batch_quantities,
            preview_import,
            import_batch,
            cancel_import,
            enrich_batch,
            add_layer,
            remove_layer,
            cancel_enrich,
            layer_style,
            imagery::render_overlay,
            imagery::render_basemap,
            imagery::list_basemaps,
            imagery::add_basemap,
            imagery::remove_basemap,
            layer_values,
            row_evidence,
            sign_in,
            sign_out,
            current_session,
            sign_in_hint,
            start_review,
            reject_batch,
            approve_batch,
            batch_history,
            findings::review_vocabulary,
            findings::reject_with_findings,
            findings::batch_findings,
            findings::close_finding,
            findings::batch_diff,
            batch_stamp,
            export_stamp,
            attach_evidence,
            batch_attachments,
            batch_anchor,
            anchor_batch,
            anchor_pending,
            log_health,
            check_auditlog,
            exports::list_exports,
            exports::export_view,
            exports::export_vocabulary,
            exports::create_export,
            exports::submit_export,
            exports::sign_off_export,
            exports::return_export,
            exports::write_export,
            exports::export_registry,
            exports::push_export,
            exports::inventory,
            exports::reconcile_inventory,
            home::work_queue,
            connections::connect_auditlog,
            connections::registry_status,
            connections::connect_registry,
            projects::add_project,
            projects::set_project_developer,
            access::list_user_accounts,
            access::add_user_account,
            access::set_user_roles,
            access::set_user_manager,
            access::offboard_user,
            access::user_sessions,
            access::request_role,
            access::my_access_requests,
            access::access_requests_to_decide,
            access::access_requests_to_grant,
            access::approve_access_request,
            access::decline_access_request,
            access::grant_access_request,
            access::access_review,
            access::start_access_review,
            access::certify_access,
            access::revoke_access,
            access::apply_revocation,
            incidents::list_incidents,
            incidents::incident_detail,
            incidents::incident_severities,
            incidents::incident_assignees,
            incidents::declare_incident,
            incidents::assign_incident,
            incidents::post_incident_update,
            incidents::resolve_incident,
            incidents::attach_postmortem,
            incidents::add_incident_action,
            incidents::complete_incident_action,
            incidents::close_incident,
            releases::release_calendar,
            releases::release_rota,
            releases::set_release_captain,
            releases::plan_release,
            releases::soak_release,
            releases::promote_release,
            releases::end_release_watch,
            releases::close_release,
            releases::roll_back_release,
            releases::run_release_monitor,
            releases::list_releases,
            releases::release_view,
            releases::next_release,
            releases::release_changelog,
            backups::backup_status,
            backups::set_backup_target,
            backups::run_backup,
            backups::list_snapshots,
            backups::prune_backups,
            backups::run_backup_drill,
            backups::list_backup_drills,
            backups::restore_backup_in_place,
            changes::list_data_changes,
            changes::data_change_view,
            changes::open_data_change,
            changes::dry_run_data_change,
            changes::approve_data_change,
            changes::reject_data_change,
            changes::apply_data_change,
            changes::roll_back_data_change,
            statement::write_statement,
            rows::query_batch_rows,
            rows::map_identify,
            statement::statement_default_path,
        ])
        // Ids and counts stay far below 2^53; numbers keep the UI code plain.
        .dangerously_cast_bigints_to_number()
}

const BINDINGS_HEADER: &str = "// Auto-generated by tauri-specta from src-tauri/src/dto.rs. Do not edit manually.\n// Regenerate: MRV_UPDATE_BINDINGS=1 cargo test -p mrv-desk bindings\n";

/// Writes the TypeScript bindings to `path`.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default().header(BINDINGS_HEADER),
            path,
        )
        .map_err(|e| e.to_string())
}

/// The workspace the app opens: `--workspace DIR`, else `$MRV_WORKSPACE`, else the demo workspace
/// in the user's data folder.
fn workspace_from_args() -> PathBuf {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--workspace") {
        if let Some(dir) = args.get(i + 1) {
            return PathBuf::from(dir);
        }
    }
    if let Some(dir) = std::env::var_os("MRV_WORKSPACE") {
        return PathBuf::from(dir);
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("mrv-desk").join("demo-workspace")
}

/// Starts the app; returns the process exit code.
pub fn run() -> i32 {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!("mrv-desk: no display (neither DISPLAY nor WAYLAND_DISPLAY is set); the desktop app needs one. Run it under a desktop session or `xvfb-run -a`, or use the `mrv` CLI.");
        return 2;
    }
    let workspace = workspace_from_args();
    // First start creates the demo workspace; later starts just open it.
    if let Err(e) = Mrv::init(&workspace, true) {
        eprintln!(
            "mrv-desk: cannot open workspace {}: {e}",
            workspace.display()
        );
        return 1;
    }
    // SOP-007: backups while the app runs, whoever is signed in (docs/backup.md).
    backups::spawn_continuous_backups(workspace.clone());
    let builder = specta_builder();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(Desk {
            workspace,
            cancel_import: Arc::new(AtomicBool::new(false)),
            cancel_enrich: Arc::new(AtomicBool::new(false)),
            session: Mutex::new(None),
            row_orders: Arc::default(),
        })
        .invoke_handler(invoke_handler(builder.invoke_handler()))
        .run(tauri::generate_context!());
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("mrv-desk: {e}");
            1
        }
    }
}

/// The typed commands (bindings generated by specta) and the one raw-body command, the map's
/// packed points (`map::map_points_packed`), which specta cannot describe.
fn invoke_handler(
    typed: impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
    let raw: fn(tauri::ipc::Invoke<tauri::Wry>) -> bool =
        tauri::generate_handler![map::map_points_packed];
    move |invoke| match invoke.message.command() {
        "map_points_packed" => raw(invoke),
        _ => typed(invoke),
    }
}

#[cfg(test)]
mod tests {
    /// CI fails when the committed bindings differ from what the Rust types generate.
    #[test]
    fn bindings_are_current() {
        let committed =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
        let dir = tempfile_dir();
        let fresh = dir.join("bindings.ts");
        super::export_bindings(&fresh).unwrap();
        let fresh_text = std::fs::read_to_string(&fresh).unwrap();
        if std::env::var_os("MRV_UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh_text).unwrap();
        }
        let committed_text = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            committed_text == fresh_text,
            "ui/src/lib/bindings.ts is stale; run MRV_UPDATE_BINDINGS=1 cargo test -p mrv-desk bindings"
        );
    }

    /// Every command the UI can call is registered with tauri-build and allowed for the main
    /// window; a command missing from either fails in the app with "not allowed".
    #[test]
    fn every_command_is_built_and_allowed() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile_dir();
        let fresh = dir.join("commands.ts");
        super::export_bindings(&fresh).unwrap();
        let bindings = std::fs::read_to_string(&fresh).unwrap();
        let build = std::fs::read_to_string(root.join("src-tauri/build.rs")).unwrap();
        let capability =
            std::fs::read_to_string(root.join("src-tauri/capabilities/main.json")).unwrap();
        let names: Vec<&str> = bindings
            .split("TAURI_INVOKE(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(names.len() > 30, "found {} commands", names.len());
        for name in names {
            assert!(
                build.contains(&format!("\"{name}\",")),
                "{name} is not in src-tauri/build.rs COMMANDS"
            );
            let permission = format!("\"allow-{}\"", name.replace('_', "-"));
            assert!(
                capability.contains(&permission),
                "{permission} is not in src-tauri/capabilities/main.json"
            );
        }
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("mrv-bindings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
