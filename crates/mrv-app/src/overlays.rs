//! Map overlays of raster layers: each layer's style and legend, and PNG renderings of map
//! views, cached in the workspace by (layer file hash, extent, size, style).

use crate::{AppError, Mrv};
use mrv_core::{LayerKind, OverlayStyle};
use mrv_geo::OverlayView;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// A rendered overlay.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// The PNG (RGBA, `view.width` × `view.height`).
    pub png: Vec<u8>,
    /// Served from the cache rather than rendered.
    pub cached: bool,
}

impl Mrv {
    /// How a layer is drawn, with its legend.
    pub fn overlay_style(&self, layer_id: i64) -> Result<OverlayStyle, AppError> {
        let layer = self.layer_record(layer_id)?;
        let kind = LayerKind::parse(&layer.kind).map_err(AppError::Internal)?;
        let range = match kind {
            LayerKind::Elevation | LayerKind::Other => {
                mrv_geo::value_range(&self.ws.blob_path(&layer.file_sha256), layer.band as usize)?
            }
            _ => None,
        };
        Ok(OverlayStyle::for_layer(kind, range))
    }

    /// A layer drawn over a Web Mercator view as a PNG; renderings are cached in the workspace
    /// (`cache/overlays/`), keyed by the layer file's SHA-256, the extent, the size and the style.
    pub fn overlay(&self, layer_id: i64, view: &OverlayView) -> Result<Overlay, AppError> {
        view.check()?;
        let layer = self.layer_record(layer_id)?;
        let style = self.overlay_style(layer_id)?;
        let key = {
            let mut h = Sha256::new();
            h.update(format!(
                "{}|{}|{:?}|{}x{}|{}",
                layer.file_sha256,
                layer.band,
                view.bbox,
                view.width,
                view.height,
                style.key()
            ));
            hex::encode(h.finalize())
        };
        let dir = self.ws.root().join("cache").join("overlays");
        let cached: PathBuf = dir.join(format!("{key}.png"));
        if let Ok(png) = std::fs::read(&cached) {
            return Ok(Overlay { png, cached: true });
        }
        let png = mrv_geo::render_overlay(
            &self.ws.blob_path(&layer.file_sha256),
            layer.band as usize,
            view,
            &style,
        )?;
        // Written aside and renamed: a reader never sees half a PNG. A cache that cannot be
        // written costs a re-render next time, nothing more.
        let tmp = dir.join(format!("{key}.{}.tmp", std::process::id()));
        if std::fs::create_dir_all(&dir).is_ok() && std::fs::write(&tmp, &png).is_ok() {
            let _ = std::fs::rename(&tmp, &cached);
        }
        Ok(Overlay { png, cached: false })
    }
}
