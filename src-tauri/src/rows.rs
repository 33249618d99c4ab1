//! The rows table's sorted and filtered pages and the map's identify tool. Thin over
//! `mrv_app::Mrv::query_rows` (which keeps the computed order in the desk's `RowOrderCache`, so
//! paging a sorted million-row view sorts once) and `Mrv::identify_at`; both run off the
//! window's thread.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use tauri::State;

/// Rows `offset .. offset + limit` of a batch as `query` filters and sorts them.
#[tauri::command]
#[specta::specta]
pub(crate) async fn query_batch_rows(
    desk: State<'_, Desk>,
    batch_id: i64,
    query: RowQueryDto,
    offset: i64,
    limit: i64,
) -> Result<RowsPageDto, CommandError> {
    let cache = desk.row_orders.clone();
    blocking_as(&desk, move |mrv, session| {
        let query = mrv_app::RowQuery::from(query);
        let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
        Ok(mrv
            .query_rows(session, batch_id, &query, offset, limit, Some(&mut cache))?
            .into())
    })
    .await
}

/// Every project layer's pixel at WGS84 (lon, lat), and the position in the batch's CRS.
#[tauri::command]
#[specta::specta]
pub(crate) async fn map_identify(
    desk: State<'_, Desk>,
    batch_id: i64,
    lon: f64,
    lat: f64,
) -> Result<IdentifyDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.identify_at(session, batch_id, lon, lat)?.into())
    })
    .await
}
