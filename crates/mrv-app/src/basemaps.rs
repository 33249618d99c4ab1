//! Basemaps a user registers (docs/workbench-map.md, "User basemaps"): a GeoTIFF/COG of 8-bit
//! bands or an MBTiles file of raster tiles, stored content-addressed for the whole workspace
//! and drawn under the evidence like an overlay. A basemap is never evidence: nothing is
//! sampled from it, and removing one changes no batch.

use crate::projects::file_name;
use crate::{clock, AppError, Mrv, Overlay, Session};
use mrv_core::{Action, BasemapKind};
use mrv_geo::OverlayView;
use mrv_store::BasemapRecord;
use serde::Serialize;
use std::path::Path;

/// A basemap as front ends show it.
#[derive(Debug, Clone, Serialize)]
pub struct BasemapView {
    pub id: i64,
    pub name: String,
    pub kind: BasemapKind,
    /// What it holds, in words (bands, size and CRS; or tiles, their format and zoom levels).
    pub description: String,
    /// The registered file's own name.
    pub source_name: String,
    pub file_sha256: String,
    /// `[west, south, east, north]` in WGS84 degrees.
    pub bounds: [f64; 4],
    pub registered_by: String,
    pub registered_at: String,
}

impl TryFrom<BasemapRecord> for BasemapView {
    type Error = AppError;
    fn try_from(b: BasemapRecord) -> Result<BasemapView, AppError> {
        Ok(BasemapView {
            id: b.id,
            kind: BasemapKind::parse(&b.kind).map_err(AppError::Internal)?,
            name: b.name,
            description: b.description,
            source_name: b.source_name,
            file_sha256: b.file_sha256,
            bounds: b.bounds,
            registered_by: b.registered_by,
            registered_at: b.registered_at,
        })
    }
}

impl Mrv {
    /// Registers a GeoTIFF/COG or MBTiles file as a basemap named `name`. The file is checked
    /// whole first (every block of a GeoTIFF decodes; an MBTiles file has raster tiles in its
    /// grid), then stored content-addressed, and the stored copy must describe the same
    /// basemap. Journaled as `basemap.add`.
    pub fn add_basemap(
        &mut self,
        session: &Session,
        file: &Path,
        name: &str,
    ) -> Result<BasemapView, AppError> {
        let granted = self.authorize(session, Action::ManageLayers)?;
        let name = crate::names::normalize("basemap name", name)?;
        // GDAL and SQLite would block opening a FIFO: refuse anything but a regular file first.
        crate::files::check_input(file, "basemap file")?;
        if mrv_store::basemap_name_taken(self.ws.conn(), &name)? {
            return Err(AppError::Conflict(format!(
                "a basemap named `{name}` already exists"
            )));
        }
        let info = mrv_geo::check_basemap(file)?;
        let (sha256, size) = self.store_file(file)?;
        let user_file = file.display().to_string();
        let stored = mrv_geo::inspect_basemap(&self.ws.blob_path(&sha256))
            .map_err(|e| e.naming(&user_file))?;
        if stored != info {
            return Err(AppError::InvalidInput(format!(
                "{user_file} changed while it was being read; add the basemap again"
            )));
        }
        let now = clock::now().to_string();
        let source_name = file_name(file);
        let tx = self.transaction(&granted)?;
        // Again inside the (immediate) transaction: two adds of one name at once cannot both
        // pass the check above.
        if mrv_store::basemap_name_taken(&tx, &name)? {
            return Err(AppError::Conflict(format!(
                "a basemap named `{name}` already exists"
            )));
        }
        mrv_store::record_stored_file(&tx, &sha256, &source_name, size, &now)?;
        let record = BasemapRecord {
            id: 0,
            name: name.clone(),
            kind: info.kind.as_str().to_owned(),
            file_sha256: sha256,
            source_name,
            description: info.description,
            bounds: info.bounds,
            registered_by: granted.user().to_owned(),
            registered_at: now.clone(),
        };
        let id = mrv_store::insert_basemap(&tx, &record)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "basemap.add",
            &format!("basemap:{id}"),
            serde_json::json!({
                "name": name, "kind": record.kind, "sha256": record.file_sha256,
            }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.basemap_record(id)?.try_into()
    }

    /// Every registered basemap, by name.
    pub fn list_basemaps(&self, session: &Session) -> Result<Vec<BasemapView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        mrv_store::list_basemaps(self.ws.conn())?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    /// Removes a basemap (its stored file stays). Journaled as `basemap.remove`.
    pub fn remove_basemap(&mut self, session: &Session, id: i64) -> Result<(), AppError> {
        let granted = self.authorize(session, Action::ManageLayers)?;
        let record = self.basemap_record(id)?;
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        mrv_store::delete_basemap(&tx, id)?;
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "basemap.remove",
            &format!("basemap:{id}"),
            serde_json::json!({"name": record.name, "sha256": record.file_sha256}),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(())
    }

    /// A basemap drawn over a Web Mercator view as a PNG (cached like overlays).
    pub fn basemap_image(
        &self,
        session: &Session,
        id: i64,
        view: &OverlayView,
    ) -> Result<Overlay, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        view.check()?;
        let record = self.basemap_record(id)?;
        let path = self.ws.blob_path(&record.file_sha256);
        let key = format!(
            "basemap|{}|{:?}|{}x{}",
            record.file_sha256, view.bbox, view.width, view.height
        );
        // A stored file that no longer draws is named by the basemap, not its stored path.
        let shown = format!("basemap `{}` ({})", record.name, record.source_name);
        self.cached_png(&key, || {
            mrv_geo::render_basemap(&path, Some(record.bounds), view)
                .map_err(|e| e.naming(&shown).into())
        })
    }

    fn basemap_record(&self, id: i64) -> Result<BasemapRecord, AppError> {
        mrv_store::basemap(self.ws.conn(), id)?.ok_or(AppError::NotFound {
            what: "basemap",
            id: id.to_string(),
        })
    }
}
