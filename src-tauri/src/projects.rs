//! Project commands a methodology owner (or analyst) uses in the app: adding a project with its
//! boundary file and methodology, and naming its developer. Thin over `mrv_app`.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use std::path::PathBuf;
use tauri::State;

/// Adds a project: the boundary is read from any vector file GDAL/OGR reads and stored by its
/// SHA-256; the methodology profile in force is stored with it.
#[tauri::command]
#[specta::specta]
pub(crate) async fn add_project(
    desk: State<'_, Desk>,
    request: NewProjectDto,
) -> Result<ProjectDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let blank = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(mrv
            .add_project(
                session,
                &mrv_app::NewProject {
                    name: request.name,
                    country: blank(request.country),
                    methodology: request.methodology,
                    boundary: PathBuf::from(request.boundary.trim()),
                    baseline: blank(request.baseline),
                    developer: blank(request.developer),
                },
            )?
            .into())
    })
    .await
}

/// Names (or renames) a project's developer (CADT projectDeveloper).
#[tauri::command]
#[specta::specta]
pub(crate) fn set_project_developer(
    desk: State<'_, Desk>,
    project_id: i64,
    developer: String,
) -> Result<ProjectDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv
        .set_project_developer(&session, project_id, &developer)?
        .into())
}
