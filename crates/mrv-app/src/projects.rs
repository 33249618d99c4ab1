//! Projects: name, country, baseline, methodology profile and WGS84 boundary.

use crate::{clock, methodologies, AppError, Mrv, Session};
use mrv_core::{Action, CalendarDate, MethodologyProfile};
use mrv_store::ProjectRecord;
use serde::Serialize;
use std::path::PathBuf;

/// Input of [`Mrv::add_project`].
#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: String,
    pub country: Option<String>,
    /// A built-in profile id or a path to a profile TOML file.
    pub methodology: String,
    /// Any vector file OGR reads.
    pub boundary: PathBuf,
    /// `YYYY-MM-DD`.
    pub baseline: Option<String>,
    /// The project's developer, as a registry publishes it (CADT `projectDeveloper`); needed
    /// before the project's credits can be exported.
    pub developer: Option<String>,
}

/// A project as front ends show it.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub id: i64,
    pub name: String,
    pub country: Option<String>,
    pub baseline_date: Option<String>,
    pub methodology_id: String,
    pub methodology_name: String,
    /// Boundary as GeoJSON geometry in WGS84.
    pub boundary_geojson: String,
    pub boundary_sha256: String,
    pub periods: Vec<String>,
    pub batch_count: usize,
    pub created_at: String,
    /// CADT `projectDeveloper`; none until named.
    pub developer: Option<String>,
}

impl Mrv {
    /// Adds a project with its methodology profile (snapshotted) and boundary (stored
    /// content-addressed, read into WGS84).
    pub fn add_project(
        &mut self,
        session: &Session,
        input: &NewProject,
    ) -> Result<ProjectView, AppError> {
        let granted = self.authorize(session, Action::ManageProjects)?;
        let name = &crate::names::normalize("project name", &input.name)?;
        if let Some(baseline) = &input.baseline {
            CalendarDate::parse(baseline).ok_or_else(|| {
                AppError::InvalidInput(format!("baseline `{baseline}` is not a YYYY-MM-DD date"))
            })?;
        }
        let developer = input
            .developer
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| crate::names::normalize("project developer", d))
            .transpose()?;
        let (profile, profile_text) = methodologies::resolve(&input.methodology)?;
        crate::files::check_input(&input.boundary, "boundary file")?;
        let boundary = mrv_geo::read_boundary(&input.boundary)?;
        if mrv_store::project_name_taken(self.ws.conn(), name)? {
            return Err(AppError::Conflict(format!(
                "a project named `{name}` already exists"
            )));
        }
        let (sha256, size) = self.store_file(&input.boundary)?;
        let now = clock::now().to_string();
        let original_name = file_name(&input.boundary);
        let tx = self.transaction(&granted)?;
        mrv_store::record_stored_file(&tx, &sha256, &original_name, size, &now)?;
        let (methodology_id, boundary_sha256) = (profile.id.clone(), sha256.clone());
        let id = mrv_store::insert_project(
            &tx,
            &ProjectRecord {
                id: 0,
                name: name.to_owned(),
                country: input.country.clone().filter(|c| !c.trim().is_empty()),
                baseline_date: input.baseline.clone(),
                methodology_id: profile.id.clone(),
                methodology_toml: profile_text,
                boundary_geojson: boundary.geojson,
                boundary_file_sha256: sha256,
                created_at: now.clone(),
                developer: developer.clone(),
            },
        )?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "project.add",
            &format!("project:{id}"),
            serde_json::json!({"name": name, "methodology": methodology_id, "boundary_sha256": boundary_sha256, "developer": developer}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.project_by_id(id)
    }

    /// Names (or renames) a project's developer, journaled as `project.developer`.
    pub fn set_project_developer(
        &mut self,
        session: &Session,
        project_id: i64,
        developer: &str,
    ) -> Result<ProjectView, AppError> {
        let granted = self.authorize(session, Action::ManageProjects)?;
        let developer = crate::names::normalize("project developer", developer)?;
        let before = self.project_record(project_id)?.developer;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        if !mrv_store::set_project_developer(&tx, project_id, &developer)? {
            return Err(AppError::NotFound {
                what: "project",
                id: project_id.to_string(),
            });
        }
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "project.developer",
            &format!("project:{project_id}"),
            serde_json::json!({"from": before, "to": developer}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.project_by_id(project_id)
    }

    pub fn list_projects(&self, session: &Session) -> Result<Vec<ProjectView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        mrv_store::list_projects(self.ws.conn())?
            .into_iter()
            .map(|p| self.project_view(p))
            .collect()
    }

    pub fn project(&self, session: &Session, id: i64) -> Result<ProjectView, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.project_by_id(id)
    }

    /// A project as front ends show it, for use cases that have checked their session.
    pub(crate) fn project_by_id(&self, id: i64) -> Result<ProjectView, AppError> {
        let record = self.project_record(id)?;
        self.project_view(record)
    }

    pub(crate) fn project_record(&self, id: i64) -> Result<ProjectRecord, AppError> {
        mrv_store::get_project(self.ws.conn(), id)?.ok_or(AppError::NotFound {
            what: "project",
            id: id.to_string(),
        })
    }

    /// The methodology profile in force for a project (the snapshot stored with it).
    pub fn project_profile(
        &self,
        session: &Session,
        id: i64,
    ) -> Result<MethodologyProfile, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.profile_of(id)
    }

    /// [`Mrv::project_profile`] for use cases that have checked their session.
    pub(crate) fn profile_of(&self, id: i64) -> Result<MethodologyProfile, AppError> {
        let record = self.project_record(id)?;
        MethodologyProfile::from_toml(&record.methodology_toml).map_err(|e| {
            AppError::Internal(format!("project {id}: stored profile unreadable: {e}"))
        })
    }

    fn project_view(&self, p: ProjectRecord) -> Result<ProjectView, AppError> {
        let profile = MethodologyProfile::from_toml(&p.methodology_toml).map_err(|e| {
            AppError::Internal(format!("project {}: stored profile unreadable: {e}", p.id))
        })?;
        let periods = mrv_store::list_periods(self.ws.conn(), p.id)?
            .into_iter()
            .map(|(s, e)| format!("{s}..{e}"))
            .collect();
        let batch_count = mrv_store::list_batches(self.ws.conn(), Some(p.id))?.len();
        Ok(ProjectView {
            id: p.id,
            name: p.name,
            country: p.country,
            baseline_date: p.baseline_date,
            methodology_id: p.methodology_id,
            methodology_name: profile.name,
            boundary_geojson: p.boundary_geojson,
            boundary_sha256: p.boundary_file_sha256,
            periods,
            batch_count,
            created_at: p.created_at,
            developer: p.developer,
        })
    }

    /// Copies a file into the content-addressed store; returns (sha256, size).
    pub(crate) fn store_file(&self, path: &std::path::Path) -> Result<(String, u64), AppError> {
        use std::io::Read;
        let mut file = crate::files::open_input(path, "file")?;
        let mut blob = self.ws.blob_writer()?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|e| AppError::Io(format!("{}: {e}", path.display())))?;
            if n == 0 {
                break;
            }
            blob.write_all(&buf[..n])?;
        }
        Ok(blob.finish()?)
    }
}

pub(crate) fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
