//! MRV Desk use cases: open or create a workspace (optionally the demo one), manage projects and
//! methodology profiles, import measurement batches, read batches back, register raster layers
//! and enrich batches with them.
//!
//! This crate is the one surface every front end (the `mrv` CLI, the Tauri desktop app) calls.
//! Every use case that reads or changes workspace data takes the caller's [`Session`] and checks
//! it once, at its entry ([`Mrv::authorize`]); only opening a workspace, its summary, the
//! built-in profiles, signing in, the first user and the offline `verify_*` need none.
//! Architecture invariant: it never depends on tauri, clap or any transport; what it returns is
//! plain `serde` data, and every error carries a machine-readable [`ErrorCode`].

mod access;
mod auditlog;
mod backup;
mod basemaps;
mod batches;
mod clock;
mod consistency;
mod data_changes;
mod demo;
mod diff;
mod error;
mod export;
mod export_offers;
mod export_verify;
mod files;
mod findings;
mod import;
mod incidents;
mod journal;
mod layers;
mod map;
mod methodologies;
mod names;
mod overlays;
mod projects;
mod push;
mod quantities;
mod queue;
pub mod registry;
mod registry_key;
mod releases;
mod review;
mod row_query;
mod sealed;
mod session;
mod statement;
mod users;
mod verify;
mod workspace;
mod writer_token;

pub use access::{
    AccessRequestView, AccessReviewItemView, AccessReviewStatus, AccessReviewView, OffboardView,
    ReviewReminderView, SessionView, UserAccountView,
};
pub use auditlog::{
    verify_receipt, verify_receipt_file, AlarmView, AnchorRun, AnchorView, AuditLogView,
    CheckpointView, LogHealth, ReceiptCheck,
};
pub use backup::{
    backup_due, kept_until, snapshots_to_prune, BackupRun, BackupRunView, BackupStatus,
    BackupTargetView, DrillCheck, DrillReport, PruneView, RestoreInPlaceView, RestoreView,
    SnapshotFile, SnapshotManifest, SnapshotView, BACKUP_MAX_AGE_SECONDS,
    CONTINUOUS_BACKUP_EVERY_SECONDS, DRILL_EVERY_DAYS,
};
pub use basemaps::BasemapView;
pub use batches::{BatchView, RowView, RowsPage};
pub use clock::ClockView;
pub use consistency::{AnchoredHead, JournalProblem};
pub use data_changes::{
    ChangeOffer, DataChangeSummary, DataChangeView, DryRunView, NewDataChange,
    MAX_CHANGE_REASON_CHARS, MAX_CHANGE_SQL_BYTES,
};
pub use demo::{justify_everything, review_and_approve, DEMO_PASSWORD, DEMO_USERS};
pub use diff::{BatchDiff, DiffChange, DiffRow, DiffSummary, FieldChange, MAX_DIFF_PAGE};
pub use error::{AppError, ErrorCode};
pub use export::{
    manifest_signed_bytes, signoff_anchor_entry, CadtExport, ExportBatchView, ExportDiff,
    ExportEventView, ExportQuantities, ExportSummary, ExportView, FlagCounts, NewExport,
    SignoffView, WrittenExport, CADT_FILE, CSV_COLUMNS, CSV_FILE, MANIFEST_FILE, SERIAL_PREFIX,
};
pub use export_offers::{
    export_vocabulary, ExportAction, ExportOffer, ExportVocabulary, ReasonKindView, SerialBlockView,
};
pub use export_verify::{verify_export, ExportCheck, ExportPins};
pub use files::{check_destination, write_atomic, Overwrite};
pub use findings::{
    review_vocabulary, NewReviewFinding, ReviewFinding, ReviewReasonKind, ReviewVocabulary,
};
pub use import::sink::MeasurementRow;
pub use import::{
    import_report_csv, import_report_default_path, read_measurements, runs_as_formula,
    write_import_report, ColumnMapping, ImportPreview, ImportProgress, ImportRequest,
    MeasurementSource, Progress, SourceFormat,
};
pub use incidents::{
    severity_definitions, ActionItemView, IncidentDetail, IncidentOffers, IncidentSummary,
    IncidentUpdateView, PostmortemView, SeverityView, MAX_POSTMORTEM_BYTES, MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
};
pub use journal::JournalCheck;
pub use layers::{FlagView, LayerView, NewLayer, RowSamples, ZonalView};
pub use map::{IdentifyView, LayerReading, MapPoints, RowEvidence};
pub use methodologies::{builtin_profiles, FieldView, MethodologyView};
pub use mrv_core::clocks::ClockState;
pub use mrv_core::data_change::{ChangeDiff, ColumnChange, RowChange, TableChange, TableCount};
pub use mrv_core::names::is_invisible;
pub use mrv_core::quantity::{MaterialReason, Percent, Tonnes};
pub use mrv_core::BasemapKind;
pub use mrv_core::FindingState;
pub use mrv_core::{
    Action, ImportProblem, ImportReport, MethodologyProfile, MonitoringPeriod, Severity,
};
pub use mrv_core::{ExportState, Manifest};
pub use mrv_core::{OverlayStyle, StyleKind, StyleStop};
pub use mrv_geo::OverlayView;
pub use overlays::Overlay;
pub use projects::{NewProject, ProjectView};
pub use push::{
    ExportRegistryView, InventoryEntry, InventoryOverview, PushStatus, PushView, ReconciliationView,
};
pub use quantities::{MaterialRowView, QuantitiesView};
pub use queue::{QueueItem, QueueKind, QueueTarget, WorkQueue};
pub use releases::{
    CalendarSlot, CalendarWeek, ChangelogEntry, MonitorRunView, NewRelease, ReleaseCalendar,
    ReleaseOffer, ReleaseSummary, ReleaseView, RotaEntryView, MAX_NOTES_BYTES,
};
pub use review::{AttachmentView, HistoryEntry, StampView};
pub use row_query::{FilterOp, RowFilter, RowOrderCache, RowQuery, RowSort};
pub use session::{Session, UserView};
pub use statement::{
    statement_anchor_entry, StatementCheck, StatementFigure, StatementRequest, StatementView,
};
pub use users::{lockout_seconds, NewUser, FREE_SIGN_IN_FAILURES, SESSION_HOURS};
pub use verify::{
    stamp_anchor_entry, verify_receipt_for, verify_row, verify_row_pinned, verify_stamp,
    verify_stamp_pinned, Check, KnownSigner, StampCheck, StampPins,
};
pub use workspace::{Mrv, WorkspaceInfo};
