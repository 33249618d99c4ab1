//! MRV Desk domain types and rules: methodology profiles, value validation, monitoring periods,
//! batch states, import problem reports and exact quantities (`quantity`).
//!
//! Architecture invariant: this crate does no I/O and reads no clock. Time is passed in by callers
//! (see [`time::Timestamp`]); files are read by `mrv-app` and handed over as text or values.

pub mod access;
pub mod access_request;
pub mod anchor;
pub mod basemap;
pub mod batch;
pub mod cadt;
pub mod checks;
pub mod clocks;
pub mod data_change;
pub mod date;
pub mod decimal;
pub mod export;
pub mod ids;
pub mod incident;
pub mod layer;
pub mod methodology;
pub mod names;
pub mod overlay;
pub mod problem;
pub mod quantity;
pub mod release;
pub mod review;
pub mod sample;
pub mod time;
pub mod value;

pub use access::{
    allowed_actions, authorize, not_own_work, role_allows, Action, Actor, Denied, Granted, Role,
};
pub use anchor::{AnchorEntry, AnchorError, AnchorKind};
pub use basemap::BasemapKind;
pub use batch::BatchState;
pub use checks::{compass_point, format_distance, BoundaryGap, Finding, Severity};
pub use date::{CalendarDate, MonitoringPeriod};
pub use export::{
    may_sign_off, next_export_state, BatchParticipants, ExportEvent, ExportState,
    IllegalExportTransition, Manifest, SerialRange, MANIFEST_FORMAT,
};
pub use ids::{BatchId, ProjectId};
pub use incident::{
    close_blockers, incident_clocks, next_incident_state, resolve_blocker, CloseBlocked,
    IllegalIncidentTransition, IncidentEvent, IncidentSeverity, IncidentState, IncidentTimes,
};
pub use layer::LayerKind;
pub use methodology::{CadtClassification, FieldKind, FieldSpec, MethodologyProfile, ProfileError};
pub use names::{check_identifier, normalize_name, NameProblem};
pub use overlay::{land_cover_label, land_cover_name, OverlayStyle, StyleKind, StyleStop};
pub use problem::{ImportProblem, ImportReport};
pub use quantity::{
    gross_claimed, material_rows, BatchQuantities, ExportUnits, FlaggedClaim, MaterialReason,
    MaterialRow, Materiality, Percent, QuantityError, Tonnes,
};
pub use review::{
    check_justifications, is_justifiable, next_state, ApprovalFlag, FindingNo, FindingState,
    IllegalTransition, JustificationError, ReasonCode, ReasonKind, ReviewEvent, Unjustified,
    SUB_CODES,
};
pub use sample::Sample;
pub use time::Timestamp;
pub use value::{
    check_latitude, check_longitude, parse_number, validate_value, CheckedValue, ValueProblem,
};
