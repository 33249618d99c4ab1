//! Reading batches and their measurement rows back.

use crate::{AppError, Mrv, Session};
use mrv_core::Action;
use mrv_store::BatchRecord;
use serde::Serialize;

/// A batch as front ends show it.
#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub version: i64,
    pub supersedes_batch_id: Option<i64>,
    pub period: String,
    pub state: String,
    pub source_name: String,
    pub source_sha256: String,
    pub source_format: String,
    pub source_crs: String,
    pub row_count: i64,
    pub claimed_tco2e_total: f64,
    /// Names of the values of each row, in order: the profile's fields, then extra columns.
    pub columns: Vec<String>,
    pub imported_at: String,
}

/// One measurement row.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    /// 1-based position in the batch (= data row in the source file).
    pub index: i64,
    pub record_id: String,
    pub lon: f64,
    pub lat: f64,
    /// Values aligned with [`BatchView::columns`].
    pub values: Vec<String>,
    pub has_geometry: bool,
    /// The severity of the row's worst flag, if it has any.
    pub worst_flag: Option<mrv_core::Severity>,
    pub flag_count: i64,
}

/// A window of rows.
#[derive(Debug, Clone, Serialize)]
pub struct RowsPage {
    pub batch_id: i64,
    pub offset: i64,
    /// Rows in this view: the whole batch, or the rows a query's filters keep.
    pub total: i64,
    /// Rows in the batch.
    pub batch_row_count: i64,
    pub columns: Vec<String>,
    pub rows: Vec<RowView>,
}

/// The most rows one page may hold.
pub const MAX_PAGE: i64 = 10_000;

impl Mrv {
    pub fn list_batches(
        &self,
        session: &Session,
        project_id: Option<i64>,
    ) -> Result<Vec<BatchView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        if let Some(id) = project_id {
            self.project_record(id)?;
        }
        mrv_store::list_batches(self.ws.conn(), project_id)?
            .into_iter()
            .map(|b| self.batch_view(b))
            .collect()
    }

    pub fn batch(&self, session: &Session, id: i64) -> Result<BatchView, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.batch_by_id(id)
    }

    /// A batch as front ends show it, for use cases that have checked their session.
    pub(crate) fn batch_by_id(&self, id: i64) -> Result<BatchView, AppError> {
        let record = self.batch_record(id)?;
        self.batch_view(record)
    }

    pub(crate) fn batch_record(&self, id: i64) -> Result<BatchRecord, AppError> {
        mrv_store::get_batch(self.ws.conn(), id)?.ok_or(AppError::NotFound {
            what: "batch",
            id: id.to_string(),
        })
    }

    /// Rows `offset .. offset + limit` (0-based) of a batch; `limit` is capped at [`MAX_PAGE`].
    pub fn batch_rows(
        &self,
        session: &Session,
        id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<RowsPage, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.rows_page(id, offset, limit)
    }

    /// [`Mrv::batch_rows`] for use cases that have checked their session.
    pub(crate) fn rows_page(&self, id: i64, offset: i64, limit: i64) -> Result<RowsPage, AppError> {
        check_page(offset, limit)?;
        let batch = self.batch_record(id)?;
        let columns = parse_columns(&batch)?;
        let records =
            mrv_store::measurement_page(self.ws.conn(), &batch, offset, limit.min(MAX_PAGE))?;
        let rows = self.row_views(&batch, records)?;
        Ok(RowsPage {
            batch_id: id,
            offset,
            total: batch.row_count,
            batch_row_count: batch.row_count,
            columns,
            rows,
        })
    }

    fn batch_view(&self, b: BatchRecord) -> Result<BatchView, AppError> {
        let project = self.project_record(b.project_id)?;
        let columns = parse_columns(&b)?;
        Ok(BatchView {
            id: b.id,
            project_id: b.project_id,
            project_name: project.name,
            version: b.version,
            supersedes_batch_id: b.supersedes_batch_id,
            period: format!("{}..{}", b.period_start, b.period_end),
            state: b.state,
            source_name: b.source_name,
            source_sha256: b.source_sha256,
            source_format: b.source_format,
            source_crs: b.source_crs,
            row_count: b.row_count,
            claimed_tco2e_total: b.claimed_tco2e_total,
            columns,
            imported_at: b.imported_at,
        })
    }
}

pub(crate) fn parse_columns(b: &BatchRecord) -> Result<Vec<String>, AppError> {
    serde_json::from_str(&b.columns_json)
        .map_err(|e| AppError::Internal(format!("batch {}: stored columns unreadable: {e}", b.id)))
}

/// Refuses a negative offset or limit; any other pair is safe (the store clamps and saturates).
pub(crate) fn check_page(offset: i64, limit: i64) -> Result<(), AppError> {
    if offset < 0 || limit < 0 {
        return Err(AppError::InvalidInput(format!(
            "offset ({offset}) and limit ({limit}) must not be negative"
        )));
    }
    Ok(())
}
