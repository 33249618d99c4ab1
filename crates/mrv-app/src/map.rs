//! What the map and the evidence plot draw for a batch: every row's position, claimed tCO2e and
//! worst flag; one layer's sampled values over the batch; everything known about one row.

use crate::{AppError, FlagView, Mrv, RowSamples, RowView, Session};
use mrv_core::{Action, Sample};
use serde::Serialize;

/// Columns over a batch's rows, in row order (index 0 is row 1).
#[derive(Debug, Clone, Serialize)]
pub struct MapPoints {
    pub batch_id: i64,
    pub lon: Vec<f64>,
    pub lat: Vec<f64>,
    pub claimed_tco2e: Vec<f64>,
    /// The most severe flag of each row: 0 none, 1 low, 2 medium, 3 high.
    pub worst: Vec<u8>,
}

/// One row with its samples per layer and its flags.
#[derive(Debug, Clone, Serialize)]
pub struct RowEvidence {
    pub batch_id: i64,
    pub columns: Vec<String>,
    pub row: RowView,
    pub samples: RowSamples,
    pub flags: Vec<FlagView>,
}

fn rank(severity: &str) -> u8 {
    match severity {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

impl Mrv {
    /// Every row's position, claimed tCO2e and worst flag.
    pub fn map_points(&self, session: &Session, batch_id: i64) -> Result<MapPoints, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.points_of(batch_id)
    }

    /// [`Mrv::map_points`] for use cases that have checked their session.
    pub(crate) fn points_of(&self, batch_id: i64) -> Result<MapPoints, AppError> {
        let batch = self.batch_record(batch_id)?;
        let columns = mrv_store::batch_columns(self.ws.conn(), &batch)?;
        let mut worst = vec![0u8; columns.lon.len()];
        for (index, severity) in mrv_store::flag_severities(self.ws.conn(), &batch)? {
            if let Some(w) = worst.get_mut(index) {
                *w = (*w).max(rank(&severity));
            }
        }
        Ok(MapPoints {
            batch_id,
            lon: columns.lon,
            lat: columns.lat,
            claimed_tco2e: columns.claimed_tco2e,
            worst,
        })
    }

    /// A layer's value at every row of a batch (`None` on nodata or off the raster).
    pub fn layer_values(
        &self,
        session: &Session,
        batch_id: i64,
        layer_id: i64,
    ) -> Result<Vec<Option<f64>>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.layer_values_of(batch_id, layer_id)
    }

    /// [`Mrv::layer_values`] for use cases that have checked their session.
    pub(crate) fn layer_values_of(
        &self,
        batch_id: i64,
        layer_id: i64,
    ) -> Result<Vec<Option<f64>>, AppError> {
        let batch = self.batch_record(batch_id)?;
        let layer = self.layer_record(layer_id)?;
        if layer.project_id != batch.project_id {
            return Err(AppError::InvalidInput(format!(
                "layer `{}` belongs to project {}, not to batch {batch_id}'s project {}",
                layer.name, layer.project_id, batch.project_id
            )));
        }
        let samples = mrv_store::samples_page(self.ws.conn(), &batch, layer_id, 0, batch.row_count)?
            .ok_or_else(|| {
                AppError::Conflict(format!(
                    "batch {batch_id} has not been enriched with layer `{}` yet; run `mrv enrich {batch_id}`",
                    layer.name
                ))
            })?;
        Ok(samples.into_iter().map(Sample::value).collect())
    }

    /// Row `row` (1-based) of a batch with its samples and flags.
    pub fn row_evidence(
        &self,
        session: &Session,
        batch_id: i64,
        row: i64,
    ) -> Result<RowEvidence, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let batch = self.batch_record(batch_id)?;
        if row < 1 || row > batch.row_count {
            return Err(AppError::NotFound {
                what: "row",
                id: format!(
                    "{row} of batch {batch_id} (it has {} rows)",
                    batch.row_count
                ),
            });
        }
        let page = self.rows_page(batch_id, row - 1, 1)?;
        let samples = self.samples_page(batch_id, row - 1, 1)?;
        let flags = mrv_store::row_flags(self.ws.conn(), &batch, row)?;
        Ok(RowEvidence {
            batch_id,
            columns: page.columns,
            row: page.rows.into_iter().next().expect("row checked above"),
            samples: samples.into_iter().next().expect("row checked above"),
            flags: flags.into_iter().map(Into::into).collect(),
        })
    }
}

/// What lies at one map position: the position in the batch's own CRS and every project
/// layer's pixel there (the map's identify tool, at any pixel, not only at measurement points).
#[derive(Debug, Clone, Serialize)]
pub struct IdentifyView {
    pub lon: f64,
    pub lat: f64,
    /// The batch's source CRS, and the position in it where that CRS reaches.
    pub crs: String,
    pub x: Option<f64>,
    pub y: Option<f64>,
    pub layers: Vec<LayerReading>,
}

/// One layer's pixel at an identified position.
#[derive(Debug, Clone, Serialize)]
pub struct LayerReading {
    pub layer_id: i64,
    pub name: String,
    pub kind: String,
    /// `value`, `nodata` or `outside` (the point is off the raster).
    pub status: &'static str,
    pub value: Option<f64>,
    /// For land-cover layers, the class as people read it ("40 · Cropland").
    pub class_label: Option<String>,
}

impl Mrv {
    /// Reads every layer of the batch's project at WGS84 (lon, lat).
    pub fn identify_at(
        &self,
        session: &Session,
        batch_id: i64,
        lon: f64,
        lat: f64,
    ) -> Result<IdentifyView, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(AppError::InvalidInput(format!(
                "({lon}, {lat}) is not a WGS84 longitude/latitude"
            )));
        }
        let batch = self.batch_record(batch_id)?;
        let (x, y) = mrv_geo::FromWgs84::new(&batch.source_crs)
            .ok()
            .and_then(|t| t.point(lon, lat))
            .map_or((None, None), |(x, y)| (Some(x), Some(y)));
        let mut layers = Vec::new();
        for layer in mrv_store::list_layers(self.ws.conn(), Some(batch.project_id))? {
            let path = self.ws.blob_path(&layer.file_sha256);
            let sample = mrv_geo::sample_points(&path, layer.band as usize, &[(lon, lat)])
                .map_err(|e| {
                    AppError::InvalidInput(format!(
                        "layer `{}` cannot be read at this point: {e}",
                        layer.name
                    ))
                })?
                .into_iter()
                .next()
                .unwrap_or(Sample::Outside);
            let class_label = match (layer.kind.as_str(), sample) {
                ("land_cover", Sample::Value(v)) => {
                    Some(mrv_core::land_cover_label(v.round() as i64))
                }
                _ => None,
            };
            let (status, value) = match sample {
                Sample::Value(v) => ("value", Some(v)),
                Sample::NoData => ("nodata", None),
                Sample::Outside => ("outside", None),
            };
            layers.push(LayerReading {
                layer_id: layer.id,
                name: layer.name,
                kind: layer.kind,
                status,
                value,
                class_label,
            });
        }
        Ok(IdentifyView {
            lon,
            lat,
            crs: batch.source_crs,
            x,
            y,
            layers,
        })
    }
}
