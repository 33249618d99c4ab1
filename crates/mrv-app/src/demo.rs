//! The demo workspace: one demo user per role, one ARR project with its boundary, one batch
//! imported by the demo analyst and three small satellite layers (NDVI, land cover, forest-loss year), so a new user sees the whole journey,
//! flags included, without set-up. The files are shipped in `assets/demo/` (the rasters are
//! synthetic, made by `assets/demo/make_rasters.py`).

use crate::{AppError, ImportRequest, Mrv, NewLayer, NewProject, NewUser, Progress};

/// The demo's users, one per role, all with [`DEMO_PASSWORD`]. `mo` adds the demo project and
/// its layers; `ana` imports the demo batch, so `vera` may review it.
pub const DEMO_USERS: [(&str, &str); 6] = [
    ("tess", "tenant_admin"),
    ("ana", "analyst"),
    ("vera", "verifier"),
    ("mo", "methodology_owner"),
    ("oscar", "ops_admin"),
    ("max", "manager"),
];

/// The demo user everyone else reports to.
pub const DEMO_MANAGER: &str = "max";

/// The demo users' password (documented in the README; a demo workspace only).
pub const DEMO_PASSWORD: &str = "demo-password";

/// Starts the review of `batch_id` as `verifier` and approves it, justifying every open high
/// flag and every material row with `why`: a demo batch taken to its stamp in one step (what
/// the tests of stamps, anchoring and verification start from).
pub fn review_and_approve(
    mrv: &mut Mrv,
    verifier: &crate::Session,
    batch_id: i64,
    why: &str,
) -> Result<crate::StampView, AppError> {
    mrv.start_review(verifier, batch_id)?;
    let justify = justify_everything(mrv, verifier, batch_id, why)?;
    mrv.approve(verifier, batch_id, &justify)
}

/// The same justification `why` for every open high-severity flag of a batch and for the first
/// flag of each material row: what [`Mrv::approve`] needs, for demos and tests.
pub fn justify_everything(
    mrv: &Mrv,
    session: &crate::Session,
    batch_id: i64,
    why: &str,
) -> Result<std::collections::BTreeMap<i64, String>, AppError> {
    let mut justify: std::collections::BTreeMap<i64, String> = mrv
        .flags(session, batch_id)?
        .into_iter()
        .filter(|f| f.severity == "high")
        .map(|f| (f.flag_id, why.to_owned()))
        .collect();
    for m in mrv.quantities(session, batch_id)?.material {
        if !m.flag_ids.iter().any(|id| justify.contains_key(id)) {
            if let Some(first) = m.flag_ids.first() {
                justify.insert(*first, why.to_owned());
            }
        }
    }
    Ok(justify)
}

pub(crate) const DEMO_BOUNDARY: &str = include_str!("../../../assets/demo/boundary.geojson");
pub(crate) const DEMO_BATCH: &str = include_str!("../../../assets/demo/tree-plots-2025.csv");
pub(crate) const DEMO_PERIOD: &str = "2025-01-01..2025-12-31";

/// (file name, bytes, layer name, kind, acquisition date).
/// The demo basemap (synthetic imagery of the project area, made by `make_rasters.py`).
const DEMO_BASEMAP: (&str, &[u8], &str) = (
    "imagery.mbtiles",
    include_bytes!("../../../assets/demo/imagery.mbtiles"),
    "Demo imagery (synthetic)",
);

const DEMO_LAYERS: [(&str, &[u8], &str, &str, &str); 3] = [
    (
        "ndvi-2025-06.tif",
        include_bytes!("../../../assets/demo/ndvi-2025-06.tif"),
        "Sentinel-2 NDVI",
        "ndvi",
        "2025-06-15",
    ),
    (
        "worldcover-2021.tif",
        include_bytes!("../../../assets/demo/worldcover-2021.tif"),
        "ESA WorldCover",
        "land_cover",
        "2021-12-31",
    ),
    (
        "forest-loss-year.tif",
        include_bytes!("../../../assets/demo/forest-loss-year.tif"),
        "Hansen forest loss",
        "forest_loss_year",
        "2024-12-31",
    ),
];

/// Seeds the demo as its users would: `tess` adds the others, `mo` (methodology owner) adds the
/// project and its layers, `ana` (analyst) imports the batch — each through the use case's own
/// permission check.
pub(crate) fn seed(mrv: &mut Mrv) -> Result<(), AppError> {
    // The demo files are written into the workspace's own `demo/` folder so the stored source
    // file is a real file a user can open, and imported through the normal path.
    let dir = mrv.root().join("demo");
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Io(format!("{}: {e}", dir.display())))?;
    let boundary = dir.join("boundary.geojson");
    let batch = dir.join("tree-plots-2025.csv");
    for (path, text) in [(&boundary, DEMO_BOUNDARY), (&batch, DEMO_BATCH)] {
        crate::write_atomic(path, text.as_bytes(), crate::Overwrite::Replace)?;
    }
    let mut admin = None;
    for (name, role) in DEMO_USERS {
        mrv.add_user(
            admin.as_ref(),
            &NewUser {
                name: name.into(),
                roles: vec![role.into()],
                password: DEMO_PASSWORD.into(),
            },
        )?;
        if admin.is_none() {
            admin = Some(mrv.sign_in(name, DEMO_PASSWORD)?);
        }
    }
    if let Some(admin) = admin {
        // Everyone reports to the demo manager, so the access-request workflow can be shown
        // (docs/access.md): linked once every user exists.
        for (name, _) in DEMO_USERS.iter().filter(|(name, _)| *name != DEMO_MANAGER) {
            mrv.set_user_manager(&admin, name, DEMO_MANAGER)?;
        }
        mrv.sign_out(&admin)?;
    }
    let owner = mrv.sign_in("mo", DEMO_PASSWORD)?;
    let project = mrv.add_project(
        &owner,
        &NewProject {
            name: "Serra do Mar ARR restoration".into(),
            country: Some("Brazil".into()),
            methodology: "arr-tree-plots".into(),
            boundary,
            baseline: Some("2020-12-31".into()),
            developer: Some("Ecosystem Climate Capital".into()),
        },
    )?;
    let analyst = mrv.sign_in("ana", DEMO_PASSWORD)?;
    let request = ImportRequest {
        file: batch,
        project_id: project.id,
        period: DEMO_PERIOD.into(),
        crs: None,
        mapping: Vec::new(),
    };
    mrv.import(&analyst, &request, &mut |_| Progress::Continue)?;
    mrv.sign_out(&analyst)?;
    for (file, bytes, name, kind, date) in DEMO_LAYERS {
        let path = dir.join(file);
        crate::write_atomic(&path, bytes, crate::Overwrite::Replace)?;
        mrv.add_layer(
            &owner,
            &NewLayer {
                project_id: project.id,
                file: path,
                kind: kind.into(),
                name: name.into(),
                band: 1,
                acquired_on: Some(date.into()),
            },
        )?;
    }
    // A basemap to judge positions against: synthetic imagery of the project area as MBTiles.
    let (file, bytes, name) = DEMO_BASEMAP;
    let path = dir.join(file);
    crate::write_atomic(&path, bytes, crate::Overwrite::Replace)?;
    mrv.add_basemap(&owner, &path, name)?;
    mrv.sign_out(&owner)?;
    Ok(())
}
