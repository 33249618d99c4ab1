//! Map overlays of raster layers: each layer's style and legend, and PNG renderings of map
//! views, cached in the workspace by (layer file hash, extent, size, style).

use crate::{AppError, Mrv, Session};
use mrv_core::{Action, LayerKind, OverlayStyle};
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
    pub fn overlay_style(
        &self,
        session: &Session,
        layer_id: i64,
    ) -> Result<OverlayStyle, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.style_of(layer_id)
    }

    pub(crate) fn style_of(&self, layer_id: i64) -> Result<OverlayStyle, AppError> {
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
    /// (`cache/overlays/`, the latest 300), keyed by the layer file's SHA-256, the extent, the
    /// size and the style.
    pub fn overlay(
        &self,
        session: &Session,
        layer_id: i64,
        view: &OverlayView,
    ) -> Result<Overlay, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.overlay_of(layer_id, view)
    }

    /// [`Mrv::overlay`] for use cases that have checked their session.
    pub(crate) fn overlay_of(
        &self,
        layer_id: i64,
        view: &OverlayView,
    ) -> Result<Overlay, AppError> {
        view.check()?;
        let layer = self.layer_record(layer_id)?;
        let style = self.style_of(layer_id)?;
        let key = format!(
            "{}|{}|{:?}|{}x{}|{}",
            layer.file_sha256,
            layer.band,
            view.bbox,
            view.width,
            view.height,
            style.key()
        );
        self.cached_png(&key, || {
            Ok(mrv_geo::render_overlay(
                &self.ws.blob_path(&layer.file_sha256),
                layer.band as usize,
                view,
                &style,
            )?)
        })
    }

    /// A rendering from the workspace's cache (`cache/overlays/`, the latest 300, named by the
    /// SHA-256 of `key`), or `render`ed and kept there.
    pub(crate) fn cached_png(
        &self,
        key: &str,
        render: impl FnOnce() -> Result<Vec<u8>, AppError>,
    ) -> Result<Overlay, AppError> {
        let key = hex::encode(Sha256::digest(key.as_bytes()));
        let dir = self.ws.root().join("cache").join("overlays");
        let cached: PathBuf = dir.join(format!("{key}.png"));
        if let Ok(png) = std::fs::read(&cached) {
            return Ok(Overlay { png, cached: true });
        }
        let png = render()?;
        // Written aside and renamed: a reader never sees half a PNG. A cache that cannot be
        // written costs a re-render next time, nothing more.
        if std::fs::create_dir_all(&dir).is_ok()
            && crate::write_atomic(&cached, &png, crate::Overwrite::Replace).is_ok()
        {
            trim_cache(&dir, CACHE_ENTRIES, CACHE_BYTES);
        }
        Ok(Overlay { png, cached: false })
    }
}

/// Renderings kept in the cache; older ones are removed (each pan of the map makes one).
const CACHE_ENTRIES: usize = 300;

/// The most bytes the cache keeps (a photo basemap's PNG of a large view is tens of MB).
const CACHE_BYTES: u64 = 512 << 20;

/// Removes the least recently written PNGs beyond `keep` files or `max_bytes` in all.
fn trim_cache(dir: &std::path::Path, keep: usize, max_bytes: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
        .filter_map(|e| {
            let e = e.ok()?;
            let path = e.path();
            (path.extension()? == "png").then_some(())?;
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), path))
        })
        .collect();
    // Newest first: keep them while both limits hold, remove the rest.
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    let mut bytes = 0u64;
    for (k, (_, len, path)) in files.iter().enumerate() {
        bytes = bytes.saturating_add(*len);
        if k >= keep || bytes > max_bytes {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cache_keeps_the_newest_renderings() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..5 {
            std::fs::write(dir.path().join(format!("{i}.png")), b"x").unwrap();
            // Distinct modification times, oldest first.
            let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i);
            let f = std::fs::File::options()
                .write(true)
                .open(dir.path().join(format!("{i}.png")))
                .unwrap();
            f.set_modified(t).unwrap();
        }
        std::fs::write(dir.path().join("note.txt"), b"kept").unwrap();
        let left = |dir: &std::path::Path| {
            let mut left: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            left.sort();
            left
        };
        super::trim_cache(dir.path(), 3, u64::MAX);
        assert_eq!(left(dir.path()), ["2.png", "3.png", "4.png", "note.txt"]);
        // Each PNG is one byte: two bytes in all keep the newest two.
        super::trim_cache(dir.path(), 3, 2);
        assert_eq!(left(dir.path()), ["3.png", "4.png", "note.txt"]);
    }
}
