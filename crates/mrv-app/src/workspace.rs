//! Opening and creating workspaces; the [`Mrv`] handle every use case hangs off.

use crate::{clock, demo, AppError};
use mrv_store::Workspace;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// An open workspace. Cheap to open; front ends may open one per request.
pub struct Mrv {
    pub(crate) ws: Workspace,
}

/// What the workspace is, for status lines.
#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceInfo {
    pub path: PathBuf,
    pub schema_version: i64,
    pub projects: i64,
    pub batches: i64,
    pub measurements: i64,
    pub gdal_version: String,
}

impl Mrv {
    /// Opens an existing workspace.
    pub fn open(dir: &Path) -> Result<Mrv, AppError> {
        let mut mrv = Mrv {
            ws: Workspace::open(dir, &clock::now().to_string())?,
        };
        mrv.seal_clear_token()?;
        mrv.seal_clear_registry_key()?;
        Ok(mrv)
    }

    /// Creates (or re-opens) a workspace; with `demo`, seeds the demo project and batch if the
    /// workspace has no projects yet.
    pub fn init(dir: &Path, demo: bool) -> Result<Mrv, AppError> {
        let mut mrv = Mrv {
            ws: Workspace::create(dir, &clock::now().to_string())?,
        };
        mrv.seal_clear_token()?;
        mrv.seal_clear_registry_key()?;
        if demo && mrv_store::workspace_counts(mrv.ws.conn())?.projects == 0 {
            demo::seed(&mut mrv)?;
        }
        Ok(mrv)
    }

    pub fn root(&self) -> &Path {
        self.ws.root()
    }

    pub fn info(&self) -> Result<WorkspaceInfo, AppError> {
        let counts = mrv_store::workspace_counts(self.ws.conn())?;
        Ok(WorkspaceInfo {
            path: self.ws.root().to_owned(),
            schema_version: self.ws.migrations()?.last().map_or(0, |m| m.version),
            projects: counts.projects,
            batches: counts.batches,
            measurements: counts.measurements,
            gdal_version: mrv_geo::gdal_version(),
        })
    }

    /// Runs SQLite's integrity and foreign-key checks.
    pub fn check_integrity(&self) -> Result<(), AppError> {
        Ok(self.ws.check_integrity()?)
    }
}
