//! Images drawn over map views: a layer's overlay and the registered basemaps (register, list,
//! remove, draw). Thin over `mrv_app` (`overlay`, `add_basemap`, `basemap_image` …), which
//! check the user's permissions; drawing runs off the window's thread.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use base64::Engine;
use std::path::PathBuf;
use tauri::State;

/// The view a map asks for (`bbox` = min x, min y, max x, max y in EPSG:3857).
fn map_view(bbox: Vec<f64>, width: u32, height: u32) -> Result<mrv_app::OverlayView, CommandError> {
    let bbox: [f64; 4] = bbox.try_into().map_err(|b: Vec<f64>| {
        CommandError::from(mrv_app::AppError::InvalidInput(format!(
            "a map extent has 4 numbers, not {}",
            b.len()
        )))
    })?;
    Ok(mrv_app::OverlayView {
        bbox,
        width,
        height,
    })
}

fn image_dto(image: mrv_app::Overlay) -> OverlayDto {
    OverlayDto {
        data_url: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&image.png)
        ),
        cached: image.cached,
    }
}

/// A layer drawn over a map view.
#[tauri::command]
#[specta::specta]
pub(crate) async fn render_overlay(
    desk: State<'_, Desk>,
    layer_id: i64,
    bbox: Vec<f64>,
    width: u32,
    height: u32,
) -> Result<OverlayDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let view = map_view(bbox, width, height)?;
        Ok(image_dto(mrv.overlay(session, layer_id, &view)?))
    })
    .await
}

/// A basemap drawn over a map view.
#[tauri::command]
#[specta::specta]
pub(crate) async fn render_basemap(
    desk: State<'_, Desk>,
    basemap_id: i64,
    bbox: Vec<f64>,
    width: u32,
    height: u32,
) -> Result<OverlayDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let view = map_view(bbox, width, height)?;
        Ok(image_dto(mrv.basemap_image(session, basemap_id, &view)?))
    })
    .await
}

/// Every registered basemap, by name.
#[tauri::command]
#[specta::specta]
pub(crate) fn list_basemaps(desk: State<'_, Desk>) -> Result<Vec<BasemapDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .list_basemaps(&session)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Registers a GeoTIFF/COG or MBTiles file at `path` as a basemap (checked whole first).
#[tauri::command]
#[specta::specta]
pub(crate) async fn add_basemap(
    desk: State<'_, Desk>,
    path: String,
    name: String,
) -> Result<BasemapDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .add_basemap(session, &PathBuf::from(path.trim()), &name)?
            .into())
    })
    .await
}

/// Removes a basemap (its stored file stays).
#[tauri::command]
#[specta::specta]
pub(crate) async fn remove_basemap(
    desk: State<'_, Desk>,
    basemap_id: i64,
) -> Result<(), CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv.remove_basemap(session, basemap_id)?)
    })
    .await
}
