//! The demo workspace: one ARR project with its boundary and one imported batch, so a new user
//! sees the whole journey without set-up. The files are shipped in `assets/demo/`.

use crate::{AppError, ImportRequest, Mrv, NewProject, Progress};

pub(crate) const DEMO_BOUNDARY: &str = include_str!("../../../assets/demo/boundary.geojson");
pub(crate) const DEMO_BATCH: &str = include_str!("../../../assets/demo/tree-plots-2025.csv");
pub(crate) const DEMO_PERIOD: &str = "2025-01-01..2025-12-31";

pub(crate) fn seed(mrv: &mut Mrv) -> Result<(), AppError> {
    // The demo files are written into the workspace's own `demo/` folder so the stored source
    // file is a real file a user can open, and imported through the normal path.
    let dir = mrv.root().join("demo");
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Io(format!("{}: {e}", dir.display())))?;
    let boundary = dir.join("boundary.geojson");
    let batch = dir.join("tree-plots-2025.csv");
    for (path, text) in [(&boundary, DEMO_BOUNDARY), (&batch, DEMO_BATCH)] {
        std::fs::write(path, text).map_err(|e| AppError::Io(format!("{}: {e}", path.display())))?;
    }
    let project = mrv.add_project(&NewProject {
        name: "Serra do Mar ARR restoration".into(),
        country: Some("Brazil".into()),
        methodology: "arr-tree-plots".into(),
        boundary,
        baseline: Some("2020-12-31".into()),
    })?;
    let request = ImportRequest {
        file: batch,
        project_id: project.id,
        period: DEMO_PERIOD.into(),
        crs: None,
        mapping: Vec::new(),
    };
    mrv.import(&request, &mut |_| Progress::Continue)?;
    Ok(())
}
