//! The rows table's query and the map's identify result at the IPC boundary.

use serde::{Deserialize, Serialize};
use specta::Type;

/// How a filter compares a field with its value.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum FilterOpDto {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Text containment, ignoring case.
    Contains,
}

/// One filter: a column name, `row`, `lon`, `lat`, `flag` (none, any, low, medium, high) or
/// `check` (a check's name), an operator and a value.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct RowFilterDto {
    pub field: String,
    pub op: FilterOpDto,
    pub value: String,
}

/// The sort: a field as in a filter (`flag` sorts by worst flag) and its direction.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct RowSortDto {
    pub field: String,
    pub descending: bool,
}

/// A table view of a batch: filters (all must hold) and a sort.
#[derive(Debug, Clone, Serialize, Deserialize, Type)]
pub struct RowQueryDto {
    pub sort: Option<RowSortDto>,
    pub filters: Vec<RowFilterDto>,
}

impl From<RowQueryDto> for mrv_app::RowQuery {
    fn from(q: RowQueryDto) -> Self {
        mrv_app::RowQuery {
            sort: q.sort.map(|s| mrv_app::RowSort {
                field: s.field,
                descending: s.descending,
            }),
            filters: q
                .filters
                .into_iter()
                .map(|f| mrv_app::RowFilter {
                    field: f.field,
                    op: match f.op {
                        FilterOpDto::Eq => mrv_app::FilterOp::Eq,
                        FilterOpDto::Ne => mrv_app::FilterOp::Ne,
                        FilterOpDto::Lt => mrv_app::FilterOp::Lt,
                        FilterOpDto::Le => mrv_app::FilterOp::Le,
                        FilterOpDto::Gt => mrv_app::FilterOp::Gt,
                        FilterOpDto::Ge => mrv_app::FilterOp::Ge,
                        FilterOpDto::Contains => mrv_app::FilterOp::Contains,
                    },
                    value: f.value,
                })
                .collect(),
        }
    }
}

/// A flag's severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum FlagSeverityDto {
    Low,
    Medium,
    High,
}

impl From<mrv_app::Severity> for FlagSeverityDto {
    fn from(s: mrv_app::Severity) -> Self {
        match s {
            mrv_app::Severity::Low => FlagSeverityDto::Low,
            mrv_app::Severity::Medium => FlagSeverityDto::Medium,
            mrv_app::Severity::High => FlagSeverityDto::High,
        }
    }
}

/// A layer's pixel status at an identified position.
#[derive(Debug, Clone, Copy, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PixelStatusDto {
    Value,
    Nodata,
    Outside,
}

/// One layer's pixel at an identified position.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LayerReadingDto {
    pub layer_id: i64,
    pub name: String,
    pub kind: String,
    pub status: PixelStatusDto,
    pub value: Option<f64>,
    /// For land-cover layers, "code · class" (e.g. "40 · Cropland").
    pub class_label: Option<String>,
}

/// What lies at a map position.
#[derive(Debug, Clone, Serialize, Type)]
pub struct IdentifyDto {
    pub lon: f64,
    pub lat: f64,
    /// The batch's CRS and the position in it (absent where the CRS does not reach).
    pub crs: String,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub layers: Vec<LayerReadingDto>,
}

impl From<mrv_app::IdentifyView> for IdentifyDto {
    fn from(v: mrv_app::IdentifyView) -> Self {
        IdentifyDto {
            lon: v.lon,
            lat: v.lat,
            crs: v.crs,
            x: v.x,
            y: v.y,
            layers: v
                .layers
                .into_iter()
                .map(|l| LayerReadingDto {
                    layer_id: l.layer_id,
                    name: l.name,
                    kind: l.kind,
                    status: match l.status {
                        "value" => PixelStatusDto::Value,
                        "nodata" => PixelStatusDto::Nodata,
                        _ => PixelStatusDto::Outside,
                    },
                    value: l.value,
                    class_label: l.class_label,
                })
                .collect(),
        }
    }
}
