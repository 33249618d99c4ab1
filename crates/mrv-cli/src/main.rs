//! `mrv`: the MRV Desk command line. Parsing and output formatting only; every use case is a call
//! into `mrv-app`.
//!
//! Every command that reads or changes a workspace's data acts as a signed-in user (`--as USER`,
//! password from `MRV_PASSWORD` or a prompt): they are the variants of [`SignedInCommand`], and
//! the one place that signs in is [`review::signed_in`]. Only `init`, `status`, `methodology
//! list`, the offline `verify-stamp` / `verify-row` / `verify-export` and adding a workspace's first user work
//! without one.
//!
//! Exit codes: 0 success, 2 usage or invalid input, 3 import rejected (bad file), 4 not found,
//! 5 conflict (duplicate import, name taken, illegal review step, broken journal), 6 workspace
//! problem, 7 not signed in (no or wrong credentials, session over), 8 forbidden (role or
//! segregation of duties), 1 anything else.

mod access;
mod anchor;
mod backup;
mod basemap;
mod changes;
mod export;
mod incident;
mod inventory;
mod queue;
mod registry;
mod releases;
mod review;
mod statement;
mod text;
mod users;
mod view;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use mrv_app::{
    AppError, ColumnMapping, ErrorCode, ImportRequest, Mrv, NewLayer, NewProject, Progress, Session,
};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use text::{cell, shown};

#[derive(Parser)]
#[command(
    name = "mrv",
    version,
    about = "MRV Desk: carbon-credit measurement batches, from the shell"
)]
struct Cli {
    /// Workspace folder (database, stored files).
    #[arg(
        long,
        short = 'w',
        global = true,
        env = "MRV_WORKSPACE",
        default_value = "."
    )]
    workspace: PathBuf,
    /// Print machine-readable JSON on stdout (errors as JSON on stderr).
    #[arg(long, global = true)]
    json: bool,
    /// Act as this user (password from MRV_PASSWORD, else a prompt). Every command but init,
    /// status, methodology list, verify-stamp, verify-row and verify-receipt needs it (and so does user add,
    /// after the workspace's first user).
    #[arg(long = "as", global = true, env = "MRV_USER", value_name = "USER")]
    as_user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create (or open) a workspace; with --demo, seed the demo project and batch.
    Init {
        #[arg(long)]
        demo: bool,
    },
    /// Workspace summary.
    Status,
    /// Methodology profiles.
    #[command(subcommand)]
    Methodology(MethodologyCommand),
    #[command(flatten)]
    SignedIn(SignedInCommand),
    /// Re-check an exported stamp offline from the original files (no workspace needed).
    VerifyStamp {
        dir: PathBuf,
        #[arg(long)]
        source: PathBuf,
        #[arg(long = "layer")]
        layers: Vec<PathBuf>,
        #[arg(long = "attachment")]
        attachments: Vec<PathBuf>,
        #[command(flatten)]
        pins: review::PinArgs,
    },
    /// Check a row proof against an exported stamp (no workspace needed).
    VerifyRow {
        file: PathBuf,
        #[arg(long)]
        stamp: PathBuf,
        /// The signer's public key as known from a trusted channel (`ed25519:` + hex, or a file).
        #[arg(long = "signer-key", value_name = "KEY|FILE")]
        signer_keys: Vec<String>,
    },
    /// Check an audit-log receipt (C2SP tlog-proof) offline against the log's pinned key.
    VerifyReceipt {
        file: PathBuf,
        #[arg(long)]
        vkey: String,
        /// The anchored entry: proves it is the one at the receipt's index.
        #[arg(long)]
        entry: Option<PathBuf>,
        /// The stamp (export folder or stamp.json) the receipt must anchor: its entry is rebuilt
        /// from the stamp's hash and proven at the receipt's index.
        #[arg(long)]
        stamp: Option<PathBuf>,
    },
    /// Re-check a written registry export folder offline (no workspace, no user): file hashes,
    /// quantities, each stamp and its receipt, the sign-off and its anchor.
    VerifyExport {
        dir: PathBuf,
        /// The key the sign-off must be made with (`ed25519:` + hex), known out of band.
        #[arg(long = "signer-key", value_name = "KEY")]
        signer_key: Option<String>,
        /// The audit log's verifier key (default: the one the manifest names, noted as such).
        #[arg(long = "log-vkey", value_name = "VKEY")]
        log_vkey: Option<String>,
    },
}

/// The commands that act as a signed-in user (`--as`); each use case checks the user's role.
#[derive(Subcommand)]
enum SignedInCommand {
    /// Projects.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Import a measurement batch (CSV or GeoJSON), all or nothing.
    Import(ImportArgs),
    /// Measurement batches.
    #[command(subcommand)]
    Batch(BatchCommand),
    /// Raster layers (satellite evidence) of a project.
    #[command(subcommand)]
    Layer(LayerCommand),
    /// Sample every layer of the batch's project at every row (again).
    Enrich {
        batch: i64,
        /// Print progress lines on stderr.
        #[arg(long)]
        progress: bool,
    },
    /// The flags the checks raised on a batch; material rows (whose claims matter to the
    /// batch total) are marked, and need a justification to approve.
    Flags { batch: i64 },
    /// A batch's gross claimed tCO2e, buffer and net issuable, how each was derived, and its
    /// material rows.
    Quantities { batch: i64 },
    /// The value each layer gave at each row of a batch.
    Samples {
        batch: i64,
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
        offset: i64,
        /// How many rows (default: all).
        #[arg(long, default_value_t = i64::MAX, hide_default_value = true, value_parser = clap::value_parser!(i64).range(0..))]
        limit: i64,
    },
    /// Local users and their roles.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Review a batch: start, approve (stamping it) or reject.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    /// Attach an evidence file (PDF, photo, spreadsheet…) to a batch.
    Attach { batch: i64, file: PathBuf },
    /// Every version and decision of a batch, with who, when and why.
    History { batch: i64 },
    /// The stamp of an approved batch.
    #[command(subcommand)]
    Stamp(review::StampCommand),
    /// Write a proof that one row belongs to a stamped batch.
    ProveRow {
        batch: i64,
        row: i64,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// The local journal.
    #[command(subcommand)]
    Journal(review::JournalCommand),
    /// Draw a layer over a map view as a PNG (the map's overlay, same colours and cache).
    Overlay(OverlayArgs),
    /// Basemaps: imagery (GeoTIFF/COG, MBTiles) drawn under the evidence.
    #[command(subcommand)]
    Basemap(basemap::BasemapCommand),
    /// The audit log this workspace anchors to.
    #[command(subcommand)]
    Auditlog(anchor::AuditlogCommand),
    /// Anchor stamps (and the journal head) to the audit log; `anchor show BATCH` for receipts.
    Anchor(anchor::AnchorArgs),
    /// Backups and restore drills (ops admin).
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    /// The CADT registry exports are pushed to.
    #[command(subcommand)]
    Registry(registry::RegistryCommand),
    /// Registry exports: create, show, sign off or return, write, push (methodology owner).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// The inventory of issued units the registry confirmed, and its reconciliation.
    #[command(subcommand)]
    Inventory(inventory::InventoryCommand),
    /// What waits for you now: batches to review or correct, exports at a step of yours, the
    /// audit log's and the registry's health — by what your roles allow.
    Queue,
    /// Access requests (anyone asks for a role, their manager decides, a tenant admin grants)
    /// and the quarterly access review.
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// Incidents (SOP-003): declare (anyone), assign, update, resolve, postmortem, action
    /// items, close.
    #[command(subcommand)]
    Incident(incident::IncidentCommand),
    /// Releases (SOP-002): plan, soak, monitor, promote, watch, close or roll back; the
    /// calendar, the captain rota and the changelog.
    #[command(subcommand)]
    Release(releases::ReleaseCommand),
    /// Reviewed data changes (SOP-004): open a ticket with SQL and rollback SQL, dry-run it on
    /// a copy, approve or reject it (another person), apply, roll back.
    #[command(subcommand)]
    Change(changes::ChangeCommand),
    /// Write the verification statement (PDF) of an approved batch; its SHA-256 is recorded,
    /// journaled and anchored (kind `statement`).
    Statement(statement::StatementArgs),
    /// Check a statement PDF's SHA-256 against the workspace's record, journal and anchor.
    VerifyStatement { file: PathBuf },
}

#[derive(Args)]
struct OverlayArgs {
    layer: i64,
    #[command(flatten)]
    view: view::ViewArgs,
}

#[derive(Subcommand)]
enum LayerCommand {
    /// Register a raster (GeoTIFF/COG, any CRS) for a project; its batches are enriched with it.
    Add {
        file: PathBuf,
        #[arg(long)]
        project: i64,
        /// ndvi, land_cover, forest_loss_year, canopy_height, elevation or other.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value_t = 1)]
        band: usize,
        /// Acquisition date (YYYY-MM-DD).
        #[arg(long)]
        date: Option<String>,
        /// Print the progress of enriching the project's batches on stderr.
        #[arg(long)]
        progress: bool,
    },
    /// List layers.
    List {
        #[arg(long)]
        project: Option<i64>,
    },
    /// Remove a layer and what enrichment derived from it (refused once a batch in review,
    /// decided or stamped depends on it); the project's batches are re-enriched without it.
    Remove { layer: i64 },
}

#[derive(Subcommand)]
enum ProjectCommand {
    /// Add a project.
    Add {
        #[arg(long)]
        name: String,
        /// Built-in profile id (arr-tree-plots, soil-organic-carbon) or a profile TOML file.
        #[arg(long)]
        methodology: String,
        /// Boundary polygon(s) in any vector format GDAL/OGR reads.
        #[arg(long)]
        boundary: PathBuf,
        /// Baseline date (YYYY-MM-DD).
        #[arg(long)]
        baseline: Option<String>,
        /// Country (CADT country name).
        #[arg(long)]
        country: Option<String>,
        /// The project's developer as registries publish it (CADT projectDeveloper); needed
        /// before its credits can be exported.
        #[arg(long)]
        developer: Option<String>,
    },
    /// Name (or rename) a project's developer (CADT projectDeveloper).
    SetDeveloper { id: i64, developer: String },
    /// List projects.
    List,
    /// Show one project.
    Show { id: i64 },
}

#[derive(Subcommand)]
enum MethodologyCommand {
    /// List the built-in profiles.
    List,
}

#[derive(Args)]
struct ImportArgs {
    /// The measurement file (.csv/.tsv/.txt or .geojson/.json).
    file: PathBuf,
    #[arg(long)]
    project: i64,
    /// Monitoring period START..END (YYYY-MM-DD..YYYY-MM-DD).
    #[arg(long)]
    period: String,
    /// CRS of the coordinates, e.g. EPSG:32723 (for x/y columns); default WGS84 lon/lat.
    #[arg(long)]
    crs: Option<String>,
    /// SOURCE=FIELD: take the file's column SOURCE as the profile field FIELD (repeatable).
    #[arg(long = "map", value_name = "SOURCE=FIELD")]
    map: Vec<String>,
    /// Print progress lines on stderr.
    #[arg(long)]
    progress: bool,
    /// Import only; leave the batch un-enriched (run `mrv enrich BATCH` later). For bulk loads.
    #[arg(long)]
    no_enrich: bool,
    /// Import a corrected file as the next version of this rejected batch.
    #[arg(long, value_name = "BATCH")]
    supersedes: Option<i64>,
    /// When the file is rejected, also write its problem report as CSV to FILE (refused if
    /// FILE exists or is a link).
    #[arg(long, value_name = "FILE")]
    problems_csv: Option<PathBuf>,
}

#[derive(Subcommand)]
enum BatchCommand {
    /// List batches.
    List {
        #[arg(long)]
        project: Option<i64>,
    },
    /// Show a batch; with --rows, its measurement rows.
    Show {
        id: i64,
        #[arg(long)]
        rows: bool,
        /// First row to show (0-based) with --rows.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
        offset: i64,
        /// How many rows to show with --rows.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(0..))]
        limit: i64,
        /// Sort rows by a column (or row, lon, lat, flag): KEY[:asc|:desc], e.g.
        /// `claimed_tco2e:desc`.
        #[arg(long, requires = "rows")]
        sort: Option<String>,
        /// Keep only rows meeting FIELD OP VALUE (=, !=, <, <=, >, >=, ~ contains); FIELD is a
        /// column, row, lon, lat, flag (none|any|low|medium|high) or check (a check's name).
        /// Repeat to combine, e.g. `--filter flag=high --filter check=outside_boundary`.
        #[arg(long, requires = "rows")]
        filter: Vec<String>,
    },
    /// What changed between a batch and an earlier version: rows added, removed and changed
    /// (field by field), flags appeared and cleared; counts and a page of the records.
    Diff {
        /// The newer batch.
        batch: i64,
        /// The batch to compare with (default: the batch it supersedes).
        #[arg(long)]
        against: Option<i64>,
        /// First record of the list to show (0-based).
        #[arg(long, default_value_t = 0)]
        offset: u64,
        /// How many records to list (at most 1000).
        #[arg(long, default_value_t = 50)]
        limit: u64,
    },
}

fn main() {
    let cli = Cli::parse();
    let json = cli.json;
    if let Err(error) = run(cli) {
        if is_broken_pipe(&error) {
            // Whoever read our output stopped reading (`| head`): end as a program killed by
            // SIGPIPE would, quietly.
            std::process::exit(141);
        }
        std::process::exit(report_error(&error, json));
    }
}

/// [`say!`] without the line end (a progress line rewritten in place).
macro_rules! say_partial {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// Whether `error` is a write to a pipe whose reader has gone.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes a line to stderr; a stderr nobody reads any more is not worth a panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

fn report_error(error: &anyhow::Error, json: bool) -> i32 {
    let app = error.downcast_ref::<AppError>();
    let code = app.map(AppError::code);
    if json {
        let value = serde_json::json!({
            "error": {
                "code": code.map_or("internal", ErrorCode::as_str),
                "message": error.to_string(),
                "report": app.and_then(AppError::report),
            }
        });
        say!("{value}");
    } else {
        say!("error: {}", shown(&error.to_string()));
        if let Some(report) = app.and_then(AppError::report) {
            // One line per problem, whatever its value holds.
            for problem in &report.problems {
                say!("  {}", shown(&problem.to_string()));
            }
            let hidden = report.total - report.problems.len() as u64;
            if hidden > 0 {
                say!("  … and {hidden} more problems");
            }
        }
    }
    match code {
        Some(ErrorCode::InvalidInput) => 2,
        Some(ErrorCode::ImportRejected) => 3,
        Some(ErrorCode::NotFound) => 4,
        Some(ErrorCode::DuplicateImport | ErrorCode::Conflict) => 5,
        Some(ErrorCode::Workspace) => 6,
        Some(ErrorCode::Unauthenticated) => 7,
        Some(ErrorCode::Forbidden) => 8,
        _ => 1,
    }
}

pub(crate) fn print<T: Serialize>(
    json: bool,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, value)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", human(value))?;
    }
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let ws = cli.workspace;
    let json = cli.json;
    let as_user = cli.as_user.as_deref();
    match cli.command {
        Command::Init { demo } => {
            let mrv = Mrv::init(&ws, demo)?;
            print(json, &mrv.info()?, |i| {
                format!(
                    "workspace {} ready: {} project(s), {} batch(es)\n",
                    i.path.display(),
                    i.projects,
                    i.batches
                )
            })
        }
        Command::Status => {
            let info = Mrv::open(&ws)?.info()?;
            print(json, &info, |i| {
                format!(
                    "workspace    {}\nschema       v{}\nprojects     {}\nbatches      {}\nmeasurements {}\nGDAL         {}\n",
                    i.path.display(),
                    i.schema_version,
                    i.projects,
                    i.batches,
                    i.measurements,
                    i.gdal_version
                )
            })
        }
        Command::Methodology(MethodologyCommand::List) => {
            let views: Vec<mrv_app::MethodologyView> =
                mrv_app::builtin_profiles().iter().map(Into::into).collect();
            print(json, &views, |vs| {
                vs.iter()
                    .map(|m| {
                        let fields: Vec<String> = m.fields.iter().map(|f| f.name.clone()).collect();
                        format!(
                            "{}  {} (v{}, buffer {}%)\n    fields: {}\n",
                            m.id,
                            m.name,
                            m.version,
                            m.buffer_percent,
                            fields.join(", ")
                        )
                    })
                    .collect()
            })
        }
        Command::VerifyStamp {
            dir,
            source,
            layers,
            attachments,
            pins,
        } => {
            let pins = review::stamp_pins(&ws, as_user, pins)?;
            review::verify_stamp(json, &dir, &source, &layers, &attachments, &pins)
        }
        Command::VerifyRow {
            file,
            stamp,
            signer_keys,
        } => review::verify_row(json, &file, &stamp, &signer_keys),
        Command::VerifyReceipt {
            file,
            vkey,
            entry,
            stamp,
        } => anchor::verify_receipt(json, &file, &vkey, entry.as_deref(), stamp.as_deref()),
        Command::VerifyExport {
            dir,
            signer_key,
            log_vkey,
        } => export::verify_export(json, &dir, signer_key, log_vkey),
        // A workspace's first user is added by nobody (and must be a tenant admin).
        Command::SignedIn(SignedInCommand::User(users::UserCommand::Add {
            name,
            roles,
            manager: None,
        })) if as_user.is_none() => {
            users::add_user(&mut Mrv::open(&ws)?, None, json, name, roles, None)
        }
        Command::SignedIn(command) => {
            let (mut mrv, session) = review::signed_in(&ws, as_user)?;
            run_signed_in(&mut mrv, &session, json, command)
        }
    }
}

/// Runs a command as the signed-in user of `session`.
fn run_signed_in(
    mrv: &mut Mrv,
    session: &Session,
    json: bool,
    command: SignedInCommand,
) -> Result<()> {
    match command {
        SignedInCommand::Project(cmd) => project(mrv, session, json, cmd),
        SignedInCommand::Import(args) => import(mrv, session, json, args),
        SignedInCommand::Batch(cmd) => batch(mrv, session, json, cmd),
        SignedInCommand::Layer(cmd) => layer(mrv, session, json, cmd),
        SignedInCommand::Enrich { batch, progress } => {
            let mut report = EnrichProgress::new(progress, json);
            let batch = mrv.enrich(session, batch, &mut |p| report.show(p))?;
            report.finish();
            print(json, &batch, |b| {
                format!("batch {} enriched ({} rows)\n", b.id, b.row_count)
            })
        }
        SignedInCommand::Flags { batch } => {
            let flags = mrv.flags(session, batch)?;
            let quantities = mrv.quantities(session, batch)?;
            #[derive(Serialize)]
            struct FlagShown {
                #[serde(flatten)]
                flag: mrv_app::FlagView,
                /// The row is material: approving needs a justification on one of its flags.
                material: bool,
            }
            let flags: Vec<FlagShown> = flags
                .into_iter()
                .map(|flag| FlagShown {
                    material: quantities.is_material(flag.row),
                    flag,
                })
                .collect();
            print(json, &flags, |flags| {
                if flags.is_empty() {
                    return "no flags\n".into();
                }
                let mut out = format!(
                    "{:>7}  {:<14} {:<8} {:<8} {:<20} {}\n",
                    "ROW", "ID", "SEVERITY", "MATERIAL", "CHECK", "EXPLANATION"
                );
                for FlagShown { flag: f, material } in flags {
                    out += &format!(
                        "{:>7}  {:<14} {:<8} {:<8} {:<20} {}\n",
                        f.row,
                        shown(&f.id),
                        f.severity,
                        if *material { "material" } else { "" },
                        f.check,
                        shown(&f.explanation)
                    );
                }
                if !quantities.material.is_empty() {
                    out += &format!(
                        "material rows need a written justification to approve (`mrv quantities {batch}` says why)\n"
                    );
                }
                out
            })
        }
        SignedInCommand::Quantities { batch } => {
            let q = mrv.quantities(session, batch)?;
            print(json, &q, |q| {
                let mut out = format!(
                    "batch {}: {} rows, claimed tCO2e from `{}`\ngross claimed  {} tCO2e\nbuffer         {} tCO2e ({} %)\nnet issuable   {} tCO2e\nhow:\n",
                    q.batch_id,
                    q.rows,
                    shown(&q.claimed_field),
                    q.gross,
                    q.buffer,
                    q.buffer_percent,
                    q.net
                );
                for line in &q.derivation {
                    out += &format!("  {line}\n");
                }
                out += &format!(
                    "materiality: {} % of the batch total = {} tCO2e; ",
                    q.materiality_percent, q.materiality_threshold
                );
                if q.material.is_empty() {
                    out += "no flagged row is material\n";
                } else {
                    out += &format!("{} material row(s):\n", q.material.len());
                    for m in &q.material {
                        out += &format!(
                            "  row {} {} ({}, flags {}): {}\n",
                            m.row,
                            shown(&m.id),
                            m.reason.as_str(),
                            m.flag_ids
                                .iter()
                                .map(i64::to_string)
                                .collect::<Vec<_>>()
                                .join(", "),
                            m.why
                        );
                    }
                }
                out
            })
        }
        SignedInCommand::Samples {
            batch,
            offset,
            limit,
        } => {
            let rows = mrv.samples(session, batch, offset, limit)?;
            print(json, &rows, |rows| {
                let mut out = String::new();
                for r in rows {
                    let values: Vec<String> = r
                        .samples
                        .iter()
                        .map(|(layer, v)| match v {
                            Some(v) => format!("{}={v}", cell(layer)),
                            None => format!(
                                "{}={}",
                                cell(layer),
                                r.missing.get(layer).map_or("-", String::as_str)
                            ),
                        })
                        .collect();
                    out += &format!("{}\t{}\t{}\n", r.row, cell(&r.id), values.join("\t"));
                }
                out
            })
        }
        SignedInCommand::User(cmd) => users::user(mrv, session, json, cmd),
        SignedInCommand::Review(cmd) => review::review(mrv, session, json, cmd),
        SignedInCommand::Attach { batch, file } => review::attach(mrv, session, json, batch, &file),
        SignedInCommand::History { batch } => review::history(mrv, session, json, batch),
        SignedInCommand::Stamp(cmd) => review::stamp(mrv, session, json, cmd),
        SignedInCommand::ProveRow {
            batch,
            row,
            output,
            force,
        } => review::prove_row(mrv, session, json, batch, row, &output, overwrite(force)),
        SignedInCommand::Journal(cmd) => review::journal(mrv, session, json, cmd),
        SignedInCommand::Overlay(args) => overlay(mrv, session, json, &args),
        SignedInCommand::Basemap(cmd) => basemap::basemap(mrv, session, json, cmd),
        SignedInCommand::Auditlog(cmd) => anchor::auditlog(mrv, session, json, cmd),
        SignedInCommand::Anchor(args) => anchor::anchor(mrv, session, json, args),
        SignedInCommand::Backup(cmd) => backup::backup(mrv, session, json, cmd),
        SignedInCommand::Registry(cmd) => registry::registry(mrv, session, json, cmd),
        SignedInCommand::Export(cmd) => export::export(mrv, session, json, cmd),
        SignedInCommand::Inventory(cmd) => inventory::inventory(mrv, session, json, cmd),
        SignedInCommand::Queue => queue::queue(mrv, session, json),
        SignedInCommand::Access(cmd) => access::access(mrv, session, json, cmd),
        SignedInCommand::Incident(cmd) => incident::incident(mrv, session, json, cmd),
        SignedInCommand::Release(cmd) => releases::release(mrv, session, json, cmd),
        SignedInCommand::Change(cmd) => changes::change(mrv, session, json, cmd),
        SignedInCommand::Statement(args) => statement::statement(mrv, session, json, args),
        SignedInCommand::VerifyStatement { file } => {
            statement::verify_statement(mrv, session, json, file)
        }
    }
}

/// `--force` given: replace an existing output file (links are refused either way).
pub(crate) fn overwrite(force: bool) -> mrv_app::Overwrite {
    if force {
        mrv_app::Overwrite::Replace
    } else {
        mrv_app::Overwrite::Refuse
    }
}

/// `mrv overlay`: the view parsed, rendered (or taken from the cache) and written atomically.
fn overlay(mrv: &Mrv, session: &Session, json: bool, args: &OverlayArgs) -> Result<()> {
    let view = args.view.view()?;
    let overlay = mrv.overlay(session, args.layer, &view)?;
    args.view.write(json, &view, &overlay)
}

fn project(mrv: &mut Mrv, session: &Session, json: bool, cmd: ProjectCommand) -> Result<()> {
    match cmd {
        ProjectCommand::Add {
            name,
            methodology,
            boundary,
            baseline,
            country,
            developer,
        } => {
            let project = mrv.add_project(
                session,
                &NewProject {
                    name,
                    country,
                    methodology,
                    boundary,
                    baseline,
                    developer,
                },
            )?;
            print(json, &project, |p| {
                format!(
                    "project {} added: {} ({})\n",
                    p.id,
                    shown(&p.name),
                    shown(&p.methodology_id)
                )
            })
        }
        ProjectCommand::SetDeveloper { id, developer } => {
            let project = mrv.set_project_developer(session, id, &developer)?;
            print(json, &project, |p| {
                format!(
                    "project {}: developer {}\n",
                    p.id,
                    shown(p.developer.as_deref().unwrap_or("-"))
                )
            })
        }
        ProjectCommand::List => {
            let projects = mrv.list_projects(session)?;
            print(json, &projects, |ps| {
                if ps.is_empty() {
                    return "no projects\n".into();
                }
                let mut s = format!(
                    "{:>4}  {:<36} {:<22} {:<10} {:>7}\n",
                    "ID", "NAME", "METHODOLOGY", "BASELINE", "BATCHES"
                );
                for p in ps {
                    s += &format!(
                        "{:>4}  {:<36} {:<22} {:<10} {:>7}\n",
                        p.id,
                        shown(&p.name),
                        shown(&p.methodology_id),
                        p.baseline_date.as_deref().unwrap_or("-"),
                        p.batch_count
                    );
                }
                s
            })
        }
        ProjectCommand::Show { id } => {
            let project = mrv.project(session, id)?;
            print(json, &project, |p| {
                format!(
                    "project {}: {}\ncountry      {}\ndeveloper    {}\nmethodology  {} ({})\nbaseline     {}\nperiods      {}\nbatches      {}\nboundary     sha256 {}\n",
                    p.id,
                    shown(&p.name),
                    shown(p.country.as_deref().unwrap_or("-")),
                    shown(p.developer.as_deref().unwrap_or("-")),
                    shown(&p.methodology_name),
                    shown(&p.methodology_id),
                    p.baseline_date.as_deref().unwrap_or("-"),
                    if p.periods.is_empty() { "-".into() } else { p.periods.join(", ") },
                    p.batch_count,
                    p.boundary_sha256
                )
            })
        }
    }
}

fn import(mrv: &mut Mrv, session: &Session, json: bool, args: ImportArgs) -> Result<()> {
    let mapping = args
        .map
        .iter()
        .map(|m| ColumnMapping::parse(m))
        .collect::<Result<Vec<_>, _>>()?;
    let request = ImportRequest {
        file: args.file,
        project_id: args.project,
        period: args.period,
        crs: args.crs,
        mapping,
    };
    let show_progress = args.progress || (!json && std::io::stderr().is_terminal());
    let mut on_progress = |p: &mrv_app::ImportProgress| {
        if show_progress {
            if args.progress {
                say!(
                    "progress rows={} bytes={}/{}",
                    p.rows,
                    p.bytes_read,
                    p.bytes_total
                );
            } else {
                say_partial!(
                    "\r{} rows, {:.0}%",
                    p.rows,
                    100.0 * p.bytes_read as f64 / p.bytes_total.max(1) as f64
                );
            }
        }
        Progress::Continue
    };
    let imported = match args.supersedes {
        Some(old) => mrv.import_version(session, old, &request, &mut on_progress),
        None if args.no_enrich => mrv.import_only(session, &request, &mut on_progress),
        None => mrv.import(session, &request, &mut on_progress),
    };
    let batch = match imported {
        Ok(batch) => batch,
        Err(e) => {
            if let (Some(csv), Some(report)) = (&args.problems_csv, e.report()) {
                if show_progress && !args.progress {
                    say!();
                }
                match mrv_app::write_import_report(report, csv, mrv_app::Overwrite::Refuse) {
                    Ok(()) => say!(
                        "the problem report is in {}",
                        shown(&csv.display().to_string())
                    ),
                    Err(w) => say!(
                        "the problem report was not written: {}",
                        shown(&w.to_string())
                    ),
                }
            }
            return Err(e.into());
        }
    };
    if show_progress && !args.progress {
        say!();
    }
    print(json, &batch, |b| {
        format!(
            "imported batch {}: {} rows from {} ({}), claimed {:.3} tCO2e\n",
            b.id,
            b.row_count,
            shown(&b.source_name),
            b.period,
            b.claimed_tco2e_total
        )
    })
}

/// Enrichment progress on stderr: `progress rows=DONE/TOTAL` lines with `--progress`, a
/// percentage on a terminal, nothing otherwise.
struct EnrichProgress {
    lines: bool,
    percent: bool,
}

impl EnrichProgress {
    fn new(lines: bool, json: bool) -> EnrichProgress {
        EnrichProgress {
            lines,
            percent: !lines && !json && std::io::stderr().is_terminal(),
        }
    }

    /// `rows` counts rows done over all passes, out of `bytes_total`.
    fn show(&mut self, p: &mrv_app::ImportProgress) -> Progress {
        if self.lines {
            say!("progress rows={}/{}", p.rows, p.bytes_total);
        } else if self.percent {
            say_partial!(
                "\renriching: {:.0}%",
                100.0 * p.rows as f64 / p.bytes_total.max(1) as f64
            );
        }
        Progress::Continue
    }

    fn finish(&self) {
        if self.percent {
            say!();
        }
    }
}

fn layer(mrv: &mut Mrv, session: &Session, json: bool, cmd: LayerCommand) -> Result<()> {
    match cmd {
        LayerCommand::Add {
            file,
            project,
            kind,
            name,
            band,
            date,
            progress,
        } => {
            let mut report = EnrichProgress::new(progress, json);
            let input = NewLayer {
                project_id: project,
                file,
                kind,
                name,
                band,
                acquired_on: date,
            };
            let layer = mrv.add_layer_with_progress(session, &input, &mut |p| report.show(p))?;
            report.finish();
            print(json, &layer, |l| {
                format!(
                    "layer {} added: {} ({}, band {}, {}×{} {}, {})\n",
                    l.id,
                    shown(&l.name),
                    l.kind,
                    l.band,
                    l.width,
                    l.height,
                    l.data_type,
                    shown(&l.crs_name)
                )
            })
        }
        LayerCommand::Remove { layer } => {
            let removed = mrv.remove_layer(session, layer)?;
            print(json, &removed, |l| {
                format!("layer {} removed: {} ({})\n", l.id, l.name, l.source_name)
            })
        }
        LayerCommand::List { project } => {
            let layers = mrv.list_layers(session, project)?;
            print(json, &layers, |ls| {
                if ls.is_empty() {
                    return "no layers\n".into();
                }
                let mut s = format!(
                    "{:>4}  {:>7}  {:<20} {:<16} {:>4}  {:<10}  {}\n",
                    "ID", "PROJECT", "NAME", "KIND", "BAND", "ACQUIRED", "CRS"
                );
                for l in ls {
                    s += &format!(
                        "{:>4}  {:>7}  {:<20} {:<16} {:>4}  {:<10}  {}\n",
                        l.id,
                        l.project_id,
                        shown(&l.name),
                        l.kind,
                        l.band,
                        l.acquired_on.as_deref().unwrap_or("-"),
                        shown(&l.crs_name)
                    );
                }
                s
            })
        }
    }
}

fn batch(mrv: &Mrv, session: &Session, json: bool, cmd: BatchCommand) -> Result<()> {
    match cmd {
        BatchCommand::Diff {
            batch,
            against,
            offset,
            limit,
        } => {
            let d = mrv.batch_diff(session, batch, against, offset, limit)?;
            print(json, &d, |d| {
                let c = &d.summary;
                let mut s = format!(
                    "batch {} (v{}) against batch {} (v{})\nrows      {} added, {} removed, {} changed, {} unchanged\nflags     {} appeared, {} cleared\n",
                    d.batch_id,
                    d.version,
                    d.against_batch_id,
                    d.against_version,
                    c.added,
                    c.removed,
                    c.changed,
                    c.unchanged,
                    c.flags_appeared,
                    c.flags_cleared
                );
                for r in &d.rows {
                    s += &format!("{:<8} {}\n", r.change.as_str(), shown(&r.record_id));
                    for f in &r.fields {
                        s += &format!(
                            "           {}: {} -> {}\n",
                            shown(&f.field),
                            f.old.as_deref().map_or("(none)".into(), shown),
                            f.new.as_deref().map_or("(none)".into(), shown)
                        );
                    }
                    for check in &r.flags_appeared {
                        s += &format!("           flag appeared: {}\n", shown(check));
                    }
                    for check in &r.flags_cleared {
                        s += &format!("           flag cleared: {}\n", shown(check));
                    }
                }
                let shown_to = d.offset + d.rows.len() as u64;
                if shown_to < d.total {
                    s += &format!(
                        "… records {}–{} of {} shown; more with --offset {}\n",
                        d.offset + 1,
                        shown_to,
                        d.total,
                        shown_to
                    );
                }
                s
            })
        }
        BatchCommand::List { project } => {
            let batches = mrv.list_batches(session, project)?;
            print(json, &batches, |bs| {
                if bs.is_empty() {
                    return "no batches\n".into();
                }
                let mut s = format!(
                    "{:>4}  {:>7}  {:<22} {:<10} {:>9}  {}\n",
                    "ID", "PROJECT", "PERIOD", "STATE", "ROWS", "SOURCE"
                );
                for b in bs {
                    s += &format!(
                        "{:>4}  {:>7}  {:<22} {:<10} {:>9}  {}\n",
                        b.id,
                        b.project_id,
                        b.period,
                        b.state,
                        b.row_count,
                        shown(&b.source_name)
                    );
                }
                s
            })
        }
        BatchCommand::Show {
            id,
            rows,
            offset,
            limit,
            sort,
            filter,
        } => {
            let batch = mrv.batch(session, id)?;
            if !rows {
                return print(json, &batch, |b| {
                    format!(
                        "batch {} (v{}) of project {} — {}\nperiod   {}\nstate    {}\nsource   {} ({}, {}) sha256 {}\nrows     {}\nclaimed  {:.3} tCO2e\ncolumns  {}\nimported {}\n",
                        b.id, b.version, b.project_id, shown(&b.project_name), b.period, b.state, shown(&b.source_name), b.source_format, shown(&b.source_crs), b.source_sha256, b.row_count, b.claimed_tco2e_total, shown(&b.columns.join(", ")), b.imported_at
                    )
                });
            }
            let query = mrv_app::RowQuery::parse(sort.as_deref(), &filter)?;
            let page = mrv.query_rows(session, id, &query, offset, limit, None)?;
            #[derive(Serialize)]
            struct Shown<'a> {
                batch: &'a mrv_app::BatchView,
                rows: &'a mrv_app::RowsPage,
            }
            print(
                json,
                &Shown {
                    batch: &batch,
                    rows: &page,
                },
                |s| {
                    let cells = |texts: &[String]| -> String {
                        texts.iter().map(|t| cell(t)).collect::<Vec<_>>().join("\t")
                    };
                    let mut out = format!("#\t{}\tlon\tlat\tflag\n", cells(&s.rows.columns));
                    for r in &s.rows.rows {
                        out += &format!(
                            "{}\t{}\t{:.6}\t{:.6}\t{}\n",
                            r.index,
                            cells(&r.values),
                            r.lon,
                            r.lat,
                            r.worst_flag.map_or("-", |f| f.as_str())
                        );
                    }
                    if s.rows.total != s.rows.batch_row_count {
                        out += &format!(
                            "({} of {} rows match)\n",
                            s.rows.total, s.rows.batch_row_count
                        );
                    }
                    out
                },
            )
        }
    }
}
