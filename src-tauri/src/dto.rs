//! Transport types of the IPC boundary, converted from `mrv-app`'s types. TypeScript bindings
//! are generated from these (`ui/src/lib/bindings.ts`).

use serde::{Deserialize, Serialize};
use specta::Type;

mod access;
mod backups;
mod clock;
mod export;
mod incidents;
mod inventory;
mod queue;
mod rows;
pub use access::*;
pub use backups::*;
pub use clock::*;
pub use rows::*;
mod releases;
pub use export::*;
pub use incidents::*;
pub use inventory::*;
pub use queue::*;
pub use releases::*;
mod changes;
pub use changes::*;
mod statement;
pub use statement::*;
mod findings;
pub use findings::*;

#[derive(Debug, Clone, Serialize, Type)]
pub struct WorkspaceDto {
    pub path: String,
    pub schema_version: i64,
    pub projects: i64,
    pub batches: i64,
    pub measurements: i64,
    pub gdal_version: String,
}

impl From<mrv_app::WorkspaceInfo> for WorkspaceDto {
    fn from(w: mrv_app::WorkspaceInfo) -> Self {
        WorkspaceDto {
            path: w.path.display().to_string(),
            schema_version: w.schema_version,
            projects: w.projects,
            batches: w.batches,
            measurements: w.measurements,
            gdal_version: w.gdal_version,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct FieldDto {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct MethodologyDto {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub id_field: String,
    pub buffer_percent: f64,
    pub fields: Vec<FieldDto>,
}

impl From<mrv_app::MethodologyView> for MethodologyDto {
    fn from(m: mrv_app::MethodologyView) -> Self {
        MethodologyDto {
            id: m.id,
            name: m.name,
            version: m.version,
            description: m.description,
            id_field: m.id_field,
            buffer_percent: m.buffer_percent,
            fields: m
                .fields
                .into_iter()
                .map(|f| FieldDto {
                    name: f.name,
                    kind: f.kind,
                    required: f.required,
                    unit: f.unit,
                    min: f.min,
                    max: f.max,
                    description: f.description,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ProjectDto {
    pub id: i64,
    pub name: String,
    pub country: Option<String>,
    pub baseline_date: Option<String>,
    pub methodology_id: String,
    pub methodology_name: String,
    /// The project boundary: a GeoJSON geometry in WGS84 (for the map).
    pub boundary_geojson: String,
    pub periods: Vec<String>,
    pub batch_count: u32,
    pub created_at: String,
    /// The project's developer (CADT projectDeveloper); null until named.
    pub developer: Option<String>,
}

/// A new project as the add-project form sends it.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct NewProjectDto {
    pub name: String,
    /// A built-in methodology id (`list_methodologies`).
    pub methodology: String,
    /// Path of the boundary file (any vector format GDAL/OGR reads).
    pub boundary: String,
    /// `YYYY-MM-DD`; null or empty for none.
    pub baseline: Option<String>,
    pub country: Option<String>,
    /// CADT projectDeveloper; needed before the project can be exported.
    pub developer: Option<String>,
}

impl From<mrv_app::ProjectView> for ProjectDto {
    fn from(p: mrv_app::ProjectView) -> Self {
        ProjectDto {
            id: p.id,
            name: p.name,
            country: p.country,
            baseline_date: p.baseline_date,
            methodology_id: p.methodology_id,
            methodology_name: p.methodology_name,
            boundary_geojson: p.boundary_geojson,
            periods: p.periods,
            batch_count: p.batch_count as u32,
            created_at: p.created_at,
            developer: p.developer,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct BatchDto {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub version: i64,
    pub period: String,
    pub state: String,
    pub source_name: String,
    pub source_sha256: String,
    pub source_format: String,
    pub source_crs: String,
    pub row_count: i64,
    pub claimed_tco2e_total: f64,
    pub columns: Vec<String>,
    pub imported_at: String,
}

impl From<mrv_app::BatchView> for BatchDto {
    fn from(b: mrv_app::BatchView) -> Self {
        BatchDto {
            id: b.id,
            project_id: b.project_id,
            project_name: b.project_name,
            version: b.version,
            period: b.period,
            state: b.state,
            source_name: b.source_name,
            source_sha256: b.source_sha256,
            source_format: b.source_format,
            source_crs: b.source_crs,
            row_count: b.row_count,
            claimed_tco2e_total: b.claimed_tco2e_total,
            columns: b.columns,
            imported_at: b.imported_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct RowDto {
    pub index: i64,
    pub record_id: String,
    pub lon: f64,
    pub lat: f64,
    pub values: Vec<String>,
    /// The row's worst flag, if it has any, and how many flags it has.
    pub worst_flag: Option<FlagSeverityDto>,
    pub flag_count: i64,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct RowsPageDto {
    pub batch_id: i64,
    pub offset: i64,
    /// Rows in this view: the batch's, or those a query's filters keep.
    pub total: i64,
    /// Rows in the batch.
    pub batch_row_count: i64,
    pub columns: Vec<String>,
    pub rows: Vec<RowDto>,
}

impl From<mrv_app::RowsPage> for RowsPageDto {
    fn from(p: mrv_app::RowsPage) -> Self {
        RowsPageDto {
            batch_id: p.batch_id,
            offset: p.offset,
            total: p.total,
            batch_row_count: p.batch_row_count,
            columns: p.columns,
            rows: p.rows.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<mrv_app::RowView> for RowDto {
    fn from(r: mrv_app::RowView) -> Self {
        RowDto {
            index: r.index,
            record_id: r.record_id,
            lon: r.lon,
            lat: r.lat,
            values: r.values,
            worst_flag: r.worst_flag.map(Into::into),
            flag_count: r.flag_count,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct MappingDto {
    pub source: String,
    pub field: String,
}

impl From<MappingDto> for mrv_app::ColumnMapping {
    fn from(m: MappingDto) -> Self {
        mrv_app::ColumnMapping {
            source: m.source,
            field: m.field,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct PreviewDto {
    pub file: String,
    pub format: String,
    pub columns: Vec<String>,
    pub matched: Vec<Option<String>>,
    pub missing_required: Vec<String>,
    pub sample_rows: Vec<Vec<String>>,
    pub size_bytes: f64,
}

impl From<mrv_app::ImportPreview> for PreviewDto {
    fn from(p: mrv_app::ImportPreview) -> Self {
        PreviewDto {
            file: p.file,
            format: p.format,
            columns: p.columns,
            matched: p.matched,
            missing_required: p.missing_required,
            sample_rows: p.sample_rows,
            size_bytes: p.size_bytes as f64,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Type)]
pub struct ImportRequestDto {
    pub path: String,
    pub project_id: i64,
    pub period_start: String,
    pub period_end: String,
    pub crs: Option<String>,
    pub mapping: Vec<MappingDto>,
    /// Import as the corrected version of this rejected batch.
    pub supersedes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ProgressDto {
    pub rows: f64,
    pub bytes_read: f64,
    pub bytes_total: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct ProblemDto {
    pub file: String,
    pub row: Option<f64>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub rule: String,
    /// The row's record id, when the row has one.
    pub record_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct ReportDto {
    pub problems: Vec<ProblemDto>,
    pub total: f64,
}

/// A report handed back by the UI (to be saved as CSV), as mrv-core holds it.
impl From<ReportDto> for mrv_app::ImportReport {
    fn from(r: ReportDto) -> Self {
        let problems: Vec<mrv_app::ImportProblem> = r
            .problems
            .into_iter()
            .map(|p| mrv_app::ImportProblem {
                file: p.file,
                row: p
                    .row
                    .filter(|r| r.is_finite() && *r >= 0.0)
                    .map(|r| r as u64),
                column: p.column,
                value: p.value,
                rule: p.rule,
                record_id: p.record_id,
            })
            .collect();
        let total = if r.total.is_finite() && r.total >= 0.0 {
            r.total as u64
        } else {
            0
        };
        mrv_app::ImportReport {
            total: total.max(problems.len() as u64),
            problems,
        }
    }
}

/// Machine-readable error codes; the UI switches on these, never on message text.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCodeDto {
    Workspace,
    NotFound,
    InvalidInput,
    ImportRejected,
    DuplicateImport,
    Conflict,
    Cancelled,
    Io,
    Internal,
    Unauthenticated,
    Forbidden,
}

/// What every command returns on failure.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CommandError {
    pub code: ErrorCodeDto,
    pub message: String,
    pub report: Option<ReportDto>,
}

impl From<mrv_app::AppError> for CommandError {
    fn from(e: mrv_app::AppError) -> Self {
        use mrv_app::ErrorCode as C;
        let code = match e.code() {
            C::Workspace => ErrorCodeDto::Workspace,
            C::NotFound => ErrorCodeDto::NotFound,
            C::Unauthenticated => ErrorCodeDto::Unauthenticated,
            C::Forbidden => ErrorCodeDto::Forbidden,
            C::InvalidInput => ErrorCodeDto::InvalidInput,
            C::ImportRejected => ErrorCodeDto::ImportRejected,
            C::DuplicateImport => ErrorCodeDto::DuplicateImport,
            C::Conflict => ErrorCodeDto::Conflict,
            C::Cancelled => ErrorCodeDto::Cancelled,
            C::Io => ErrorCodeDto::Io,
            C::Internal => ErrorCodeDto::Internal,
        };
        let report = e.report().map(|r| ReportDto {
            problems: r
                .problems
                .iter()
                .map(|p| ProblemDto {
                    file: p.file.clone(),
                    row: p.row.map(|r| r as f64),
                    column: p.column.clone(),
                    value: p.value.clone(),
                    rule: p.rule.clone(),
                    record_id: p.record_id.clone(),
                })
                .collect(),
            total: r.total as f64,
        });
        CommandError {
            code,
            message: e.to_string(),
            report,
        }
    }
}

/// A registered basemap (`mrv_app::BasemapView`).
#[derive(Debug, Clone, Serialize, Type)]
pub struct BasemapDto {
    pub id: i64,
    pub name: String,
    pub kind: BasemapKindDto,
    /// What it holds, in words (bands, size and CRS; or tiles, their format and zoom levels).
    pub description: String,
    pub source_name: String,
    /// `[west, south, east, north]` in WGS84 degrees.
    pub bounds: [f64; 4],
    pub registered_by: String,
    pub registered_at: String,
}

/// The format of a basemap (`mrv_app::BasemapKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum BasemapKindDto {
    Geotiff,
    Mbtiles,
}

impl From<mrv_app::BasemapView> for BasemapDto {
    fn from(b: mrv_app::BasemapView) -> Self {
        BasemapDto {
            id: b.id,
            name: b.name,
            kind: match b.kind {
                mrv_app::BasemapKind::Geotiff => BasemapKindDto::Geotiff,
                mrv_app::BasemapKind::Mbtiles => BasemapKindDto::Mbtiles,
            },
            description: b.description,
            source_name: b.source_name,
            bounds: b.bounds,
            registered_by: b.registered_by,
            registered_at: b.registered_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct LayerDto {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    /// `ndvi`, `land_cover`, `forest_loss_year`, `canopy_height`, `elevation` or `other`.
    pub kind: String,
    pub band: i64,
    pub acquired_on: Option<String>,
    pub source_name: String,
    pub file_sha256: String,
    pub width: i64,
    pub height: i64,
    pub data_type: String,
    pub crs_name: String,
}

impl From<mrv_app::LayerView> for LayerDto {
    fn from(l: mrv_app::LayerView) -> Self {
        LayerDto {
            id: l.id,
            project_id: l.project_id,
            name: l.name,
            kind: l.kind,
            band: l.band,
            acquired_on: l.acquired_on,
            source_name: l.source_name,
            file_sha256: l.file_sha256,
            width: l.width,
            height: l.height,
            data_type: l.data_type,
            crs_name: l.crs_name,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct FlagDto {
    /// The flag's own id (what an approval's justification names).
    pub flag_id: i64,
    /// 1-based row of the batch.
    pub row: i64,
    /// The row's id (the methodology's id field).
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    /// The check that raised it, e.g. `outside_boundary`.
    pub check: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    pub layer: Option<String>,
    pub explanation: String,
}

impl From<mrv_app::FlagView> for FlagDto {
    fn from(f: mrv_app::FlagView) -> Self {
        FlagDto {
            flag_id: f.flag_id,
            row: f.row,
            id: f.id,
            lon: f.lon,
            lat: f.lat,
            check: f.check,
            severity: f.severity,
            layer: f.layer,
            explanation: f.explanation,
        }
    }
}

/// A batch's quantities (`mrv_app::QuantitiesView`): amounts are exact decimal texts in tCO2e,
/// never floats, so the UI shows what was summed.
#[derive(Debug, Clone, Serialize, Type)]
pub struct QuantitiesDto {
    pub batch_id: i64,
    /// The column summed (the methodology's claimed tCO2e field).
    pub claimed_field: String,
    /// Sum of every row's claimed tCO2e.
    pub gross: String,
    /// Rows counted in `gross`.
    pub rows: i64,
    pub buffer_percent: String,
    /// `gross × buffer_percent / 100`.
    pub buffer: String,
    /// `gross − buffer`.
    pub net: String,
    /// One line per number: its name, formula and the values put in.
    pub derivation: Vec<String>,
    pub materiality_percent: String,
    /// A flagged claim (or the flagged claims together) above this is material.
    pub materiality_threshold: String,
    /// Flagged rows that are material, in row order.
    pub material: Vec<MaterialRowDto>,
}

/// Why a flagged row is material (`mrv_core::quantity::MaterialReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MaterialReasonDto {
    /// Its own claim exceeds the threshold.
    Alone,
    /// With the other flagged rows not material alone, it exceeds the threshold.
    Together,
}

/// A material row: approving needs a justification on one of its flags.
#[derive(Debug, Clone, Serialize, Type)]
pub struct MaterialRowDto {
    /// 1-based row of the batch.
    pub row: i64,
    /// The row's id (the methodology's id field).
    pub id: String,
    /// The row's claimed tCO2e, exact.
    pub claimed: String,
    pub reason: MaterialReasonDto,
    /// The comparison that made it material, in words.
    pub why: String,
    /// The row's flags; a justification on any one of them covers the row.
    pub flag_ids: Vec<i64>,
}

impl From<mrv_app::QuantitiesView> for QuantitiesDto {
    fn from(q: mrv_app::QuantitiesView) -> Self {
        QuantitiesDto {
            batch_id: q.batch_id,
            claimed_field: q.claimed_field,
            gross: q.gross.to_string(),
            rows: i64::try_from(q.rows).unwrap_or(i64::MAX),
            buffer_percent: q.buffer_percent.to_string(),
            buffer: q.buffer.to_string(),
            net: q.net.to_string(),
            derivation: q.derivation,
            materiality_percent: q.materiality_percent.to_string(),
            materiality_threshold: q.materiality_threshold.to_string(),
            material: q
                .material
                .into_iter()
                .map(|m| MaterialRowDto {
                    row: m.row,
                    id: m.id,
                    claimed: m.claimed.to_string(),
                    reason: match m.reason {
                        mrv_app::MaterialReason::Alone => MaterialReasonDto::Alone,
                        mrv_app::MaterialReason::Together => MaterialReasonDto::Together,
                    },
                    why: m.why,
                    flag_ids: m.flag_ids,
                })
                .collect(),
        }
    }
}

/// A layer's drawing style and legend.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LayerStyleDto {
    pub layer_id: i64,
    /// `ramp` (colours interpolated between stops) or `classes` (one colour per value).
    pub kind: String,
    pub stops: Vec<StyleStopDto>,
    /// Values drawn transparent (e.g. "no loss").
    pub clear: Vec<f64>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct StyleStopDto {
    pub value: f64,
    pub label: String,
    /// `#rrggbb`.
    pub colour: String,
}

impl LayerStyleDto {
    pub fn new(layer_id: i64, s: mrv_app::OverlayStyle) -> Self {
        LayerStyleDto {
            layer_id,
            kind: match s.kind {
                mrv_app::StyleKind::Ramp => "ramp".into(),
                mrv_app::StyleKind::Classes => "classes".into(),
            },
            stops: s
                .stops
                .into_iter()
                .map(|st| StyleStopDto {
                    value: st.value,
                    label: st.label,
                    colour: format!("#{:02x}{:02x}{:02x}", st.rgb[0], st.rgb[1], st.rgb[2]),
                })
                .collect(),
            clear: s.clear,
            unit: s.unit,
        }
    }
}

/// A rendered overlay.
#[derive(Debug, Clone, Serialize, Type)]
pub struct OverlayDto {
    /// `data:image/png;base64,…`
    pub data_url: String,
    pub cached: bool,
}

/// One layer's reading at a row.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RowSampleDto {
    pub layer: String,
    pub value: Option<f64>,
    /// Why there is no value: `nodata`, `outside` or `not_enriched`.
    pub missing: Option<String>,
    /// For plot polygons: the layer's statistics over the plot.
    pub zonal_mean: Option<f64>,
    pub zonal_min: Option<f64>,
    pub zonal_max: Option<f64>,
    pub zonal_pixels: Option<i64>,
}

/// A row with its samples per layer and its flags.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RowEvidenceDto {
    pub batch_id: i64,
    pub columns: Vec<String>,
    pub row: RowDto,
    pub samples: Vec<RowSampleDto>,
    pub flags: Vec<FlagDto>,
}

impl From<mrv_app::RowEvidence> for RowEvidenceDto {
    fn from(e: mrv_app::RowEvidence) -> Self {
        let s = e.samples;
        RowEvidenceDto {
            batch_id: e.batch_id,
            columns: e.columns,
            row: e.row.into(),
            samples: s
                .samples
                .iter()
                .map(|(layer, value)| {
                    let zonal = s.zonal.get(layer);
                    RowSampleDto {
                        layer: layer.clone(),
                        value: *value,
                        missing: s.missing.get(layer).cloned(),
                        zonal_mean: zonal.and_then(|z| z.mean),
                        zonal_min: zonal.and_then(|z| z.min),
                        zonal_max: zonal.and_then(|z| z.max),
                        zonal_pixels: zonal.map(|z| z.pixel_count),
                    }
                })
                .collect(),
            flags: e.flags.into_iter().map(Into::into).collect(),
        }
    }
}

/// A raster to register for a project.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct NewLayerDto {
    pub project_id: i64,
    pub path: String,
    /// `ndvi`, `land_cover`, `forest_loss_year`, `canopy_height`, `elevation` or `other`.
    pub kind: String,
    pub name: String,
    /// 1-based.
    pub band: i64,
    /// `YYYY-MM-DD`, or null.
    pub acquired_on: Option<String>,
}

/// The signed-in user.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SessionDto {
    pub name: String,
    pub roles: Vec<String>,
    /// `ed25519:` + hex: the key their stamps verify with.
    pub public_key: String,
    pub expires_at: String,
    /// What the user's roles allow, from the backend's one role table: the UI offers only these
    /// (every command still checks for itself).
    pub allowed_actions: Vec<ActionDto>,
}

impl From<&mrv_app::Session> for SessionDto {
    fn from(s: &mrv_app::Session) -> Self {
        SessionDto {
            name: s.user.name.clone(),
            roles: s.user.roles.clone(),
            public_key: s.user.public_key.clone(),
            expires_at: s.expires_at.clone(),
            allowed_actions: s.allowed_actions().into_iter().map(Into::into).collect(),
        }
    }
}

/// Something a user may ask the product to do (`mrv_app::Action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ActionDto {
    ViewEvidence,
    ManageProjects,
    ImportBatch,
    ManageLayers,
    EnrichBatch,
    StartReview,
    ApproveBatch,
    RejectBatch,
    AttachEvidence,
    ManageUsers,
    VerifyJournal,
    ConfigureAuditLog,
    Anchor,
    ManageBackups,
    ConnectRegistry,
    CreateExport,
    SignOffExport,
    ReturnExport,
    WriteExport,
    PushExport,
    RequestAccess,
    DecideAccessRequest,
    DeclareIncident,
    ManageIncidents,
    ManageReleases,
    ManageDataChanges,
    ReviewDataChanges,
    ProduceStatement,
}

impl From<mrv_app::Action> for ActionDto {
    fn from(a: mrv_app::Action) -> Self {
        use mrv_app::Action as A;
        match a {
            A::ViewEvidence => ActionDto::ViewEvidence,
            A::ManageProjects => ActionDto::ManageProjects,
            A::ImportBatch => ActionDto::ImportBatch,
            A::ManageLayers => ActionDto::ManageLayers,
            A::EnrichBatch => ActionDto::EnrichBatch,
            A::StartReview => ActionDto::StartReview,
            A::ApproveBatch => ActionDto::ApproveBatch,
            A::RejectBatch => ActionDto::RejectBatch,
            A::AttachEvidence => ActionDto::AttachEvidence,
            A::ManageUsers => ActionDto::ManageUsers,
            A::VerifyJournal => ActionDto::VerifyJournal,
            A::ConfigureAuditLog => ActionDto::ConfigureAuditLog,
            A::Anchor => ActionDto::Anchor,
            A::ManageBackups => ActionDto::ManageBackups,
            A::ConnectRegistry => ActionDto::ConnectRegistry,
            A::CreateExport => ActionDto::CreateExport,
            A::SignOffExport => ActionDto::SignOffExport,
            A::ReturnExport => ActionDto::ReturnExport,
            A::WriteExport => ActionDto::WriteExport,
            A::PushExport => ActionDto::PushExport,
            A::RequestAccess => ActionDto::RequestAccess,
            A::DecideAccessRequest => ActionDto::DecideAccessRequest,
            A::DeclareIncident => ActionDto::DeclareIncident,
            A::ManageIncidents => ActionDto::ManageIncidents,
            A::ManageReleases => ActionDto::ManageReleases,
            A::ManageDataChanges => ActionDto::ManageDataChanges,
            A::ReviewDataChanges => ActionDto::ReviewDataChanges,
            A::ProduceStatement => ActionDto::ProduceStatement,
        }
    }
}

/// A justification of one open high-severity flag, or of one flag of a material row, given
/// when approving.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct JustificationDto {
    pub flag_id: i64,
    pub text: String,
}

/// One entry of a batch's history.
#[derive(Debug, Clone, Serialize, Type)]
pub struct HistoryEntryDto {
    pub batch_id: i64,
    pub version: i64,
    /// `import`, `start_review`, `approve`, `reject`, `stamp`.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub user: Option<String>,
    pub at: String,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
    pub justifications: Vec<String>,
    /// For rejections: the findings raised, as they stand now.
    pub findings: Vec<FindingDto>,
}

impl From<mrv_app::HistoryEntry> for HistoryEntryDto {
    fn from(h: mrv_app::HistoryEntry) -> Self {
        HistoryEntryDto {
            batch_id: h.batch_id,
            version: h.version,
            action: h.action,
            from_state: h.from_state,
            to_state: h.to_state,
            user: h.user,
            at: h.at,
            reason_code: h.reason_code,
            reason_text: h.reason_text,
            justifications: h.justifications,
            findings: h.findings.into_iter().map(Into::into).collect(),
        }
    }
}

/// The stamp of an approved batch.
#[derive(Debug, Clone, Serialize, Type)]
pub struct StampDto {
    pub batch_id: i64,
    pub stamp_hash: String,
    pub rows_root: String,
    pub row_count: f64,
    pub signer: String,
    pub signer_key: String,
    pub signature: String,
    /// The signature re-checked against the stored document when read.
    pub signature_valid: bool,
    pub created_at: String,
}

impl From<mrv_app::StampView> for StampDto {
    fn from(s: mrv_app::StampView) -> Self {
        StampDto {
            batch_id: s.batch_id,
            stamp_hash: s.stamp_hash,
            rows_root: s.rows_root,
            row_count: s.row_count as f64,
            signer: s.signer,
            signer_key: s.signer_key,
            signature: s.signature,
            signature_valid: s.signature_valid,
            created_at: s.created_at,
        }
    }
}

/// An evidence file attached to a batch.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AttachmentDto {
    pub id: i64,
    pub batch_id: i64,
    pub name: String,
    pub sha256: String,
    pub size_bytes: f64,
    pub attached_by: String,
    pub attached_at: String,
}

impl From<mrv_app::AttachmentView> for AttachmentDto {
    fn from(a: mrv_app::AttachmentView) -> Self {
        AttachmentDto {
            id: a.id,
            batch_id: a.batch_id,
            name: a.name,
            sha256: a.sha256,
            size_bytes: a.size_bytes as f64,
            attached_by: a.attached_by,
            attached_at: a.attached_at,
        }
    }
}

/// A record anchored (or waiting to be) in the audit log.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AnchorDto {
    /// `stamp`, `signoff`, `journal` or `statement`.
    pub kind: String,
    pub record_id: String,
    pub batch_id: Option<i64>,
    /// `queued`, `failed` (will retry) or `anchored`.
    pub state: String,
    pub attempts: f64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub log_index: Option<f64>,
    pub checkpoint_size: Option<f64>,
    pub origin: Option<String>,
    pub anchored_at: Option<String>,
    pub entry: String,
    pub receipt: Option<String>,
}

impl From<mrv_app::AnchorView> for AnchorDto {
    fn from(a: mrv_app::AnchorView) -> Self {
        AnchorDto {
            kind: a.kind,
            record_id: a.record_id,
            batch_id: a.batch_id,
            state: a.state,
            attempts: a.attempts as f64,
            next_attempt_at: a.next_attempt_at,
            last_error: a.last_error,
            log_index: a.log_index.map(|i| i as f64),
            checkpoint_size: a.checkpoint_size.map(|i| i as f64),
            origin: a.origin,
            anchored_at: a.anchored_at,
            entry: a.entry,
            receipt: a.receipt,
        }
    }
}

/// A conflicting pair of checkpoints the log signed (both kept as evidence).
#[derive(Debug, Clone, Serialize, Type)]
pub struct LogAlarmDto {
    pub id: i64,
    /// `fork` or `rollback`.
    pub kind: String,
    pub detail: String,
    pub detected_at: String,
    pub stored_checkpoint: String,
    pub presented_checkpoint: String,
}

/// The log-health panel.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LogHealthDto {
    pub connected: bool,
    pub url: Option<String>,
    pub origin: Option<String>,
    pub vkey: Option<String>,
    pub checkpoint_size: Option<f64>,
    pub checkpoint_root: Option<String>,
    pub checkpoint_seen_at: Option<String>,
    pub last_checked_at: Option<String>,
    pub last_consistent_at: Option<String>,
    pub last_error: Option<String>,
    pub alarms: Vec<LogAlarmDto>,
    pub queued: f64,
    pub failed: f64,
    pub anchored: f64,
}

impl From<mrv_app::LogHealth> for LogHealthDto {
    fn from(h: mrv_app::LogHealth) -> Self {
        LogHealthDto {
            connected: h.log.is_some(),
            url: h.log.as_ref().map(|l| l.url.clone()),
            origin: h.log.as_ref().map(|l| l.origin.clone()),
            vkey: h.log.as_ref().map(|l| l.vkey.clone()),
            checkpoint_size: h.latest.as_ref().map(|c| c.size as f64),
            checkpoint_root: h.latest.as_ref().map(|c| c.root_base64.clone()),
            checkpoint_seen_at: h.latest.map(|c| c.seen_at),
            last_checked_at: h.last_checked_at,
            last_consistent_at: h.last_consistent_at,
            last_error: h.last_error,
            alarms: h
                .alarms
                .into_iter()
                .map(|a| LogAlarmDto {
                    id: a.id,
                    kind: a.kind,
                    detail: a.detail,
                    detected_at: a.detected_at,
                    stored_checkpoint: a.stored_checkpoint,
                    presented_checkpoint: a.presented_checkpoint,
                })
                .collect(),
            queued: h.queued as f64,
            failed: h.failed as f64,
            anchored: h.anchored as f64,
        }
    }
}

/// What an anchoring pass did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct AnchorRunDto {
    pub attempted: f64,
    pub anchored: f64,
    pub failed: f64,
}
