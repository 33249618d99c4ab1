//! Raster layers of a project and enrichment: every layer sampled at every measurement of a
//! batch and the profile's checks turned into flags, stored in one transaction (a killed
//! enrichment leaves the batch un-enriched, never half-enriched).

use crate::projects::file_name;
use crate::{clock, AppError, Mrv, Progress, Session};
use mrv_core::{checks, Action, BatchState, CalendarDate, Finding, Granted, LayerKind, Sample};
use mrv_store::{BatchRecord, LayerRecord, NewFlag, ZonalRecord};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Input of [`Mrv::add_layer`].
#[derive(Debug, Clone)]
pub struct NewLayer {
    pub project_id: i64,
    /// Any GeoTIFF/COG (or other raster) GDAL reads.
    pub file: PathBuf,
    pub kind: String,
    pub name: String,
    /// 1-based band.
    pub band: usize,
    /// Acquisition date, `YYYY-MM-DD`.
    pub acquired_on: Option<String>,
}

/// A layer as front ends show it.
#[derive(Debug, Clone, Serialize)]
pub struct LayerView {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub kind: String,
    pub band: i64,
    pub acquired_on: Option<String>,
    pub file_sha256: String,
    pub source_name: String,
    pub width: i64,
    pub height: i64,
    pub data_type: String,
    pub nodata: Option<f64>,
    pub crs_name: String,
    pub registered_at: String,
}

impl From<LayerRecord> for LayerView {
    fn from(l: LayerRecord) -> LayerView {
        LayerView {
            id: l.id,
            project_id: l.project_id,
            name: l.name,
            kind: l.kind,
            band: l.band,
            acquired_on: l.acquired_on,
            file_sha256: l.file_sha256,
            source_name: l.source_name,
            width: l.width,
            height: l.height,
            data_type: l.data_type,
            nodata: l.nodata,
            crs_name: l.crs_name,
            registered_at: l.registered_at,
        }
    }
}

/// One row's samples, by layer name.
#[derive(Debug, Clone, Serialize)]
pub struct RowSamples {
    /// 1-based row of the batch.
    pub row: i64,
    /// The row's id (the profile's id field).
    pub id: String,
    /// The pixel value per layer; `null` where the pixel is nodata or the point is outside.
    pub samples: BTreeMap<String, Option<f64>>,
    /// Why a layer has no value: `nodata` or `outside`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub missing: BTreeMap<String, String>,
    /// For plot polygons: each layer's statistics over the plot.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub zonal: BTreeMap<String, ZonalView>,
}

/// A layer's statistics over one plot polygon (nodata pixels excluded).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ZonalView {
    pub pixel_count: i64,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// A flag raised on a row.
#[derive(Debug, Clone, Serialize)]
pub struct FlagView {
    /// The flag's own id (what an approval's justification names).
    pub flag_id: i64,
    /// 1-based row of the batch.
    pub row: i64,
    /// The row's id (the profile's id field).
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    /// The check that raised it (`outside_boundary`, `nodata`, …).
    pub check: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    /// The layer whose reading raised it, if any.
    pub layer: Option<String>,
    /// What is wrong, in plain words.
    pub explanation: String,
}

impl From<mrv_store::FlagRecord> for FlagView {
    fn from(f: mrv_store::FlagRecord) -> FlagView {
        FlagView {
            flag_id: f.id,
            row: f.row,
            id: f.record_id,
            lon: f.lon,
            lat: f.lat,
            check: f.check,
            severity: f.severity,
            layer: f.layer,
            explanation: f.explanation,
        }
    }
}

fn new_flag(row_id: i64, layer_id: Option<i64>, finding: Finding) -> NewFlag {
    NewFlag {
        row_id,
        check: finding.check,
        severity: finding.severity.as_str(),
        layer_id,
        explanation: finding.explanation,
    }
}

/// Plot polygons read per step when computing zonal statistics.
const ENRICH_CHUNK: i64 = 100_000;

impl Mrv {
    /// Registers a raster layer for a project (stored content-addressed with its SHA-256) and
    /// enriches the project's batches with it. A raster that is not a self-contained,
    /// georeferenced GeoTIFF with a CRS, that band and every block readable registers nothing.
    pub fn add_layer(
        &mut self,
        session: &Session,
        input: &NewLayer,
    ) -> Result<LayerView, AppError> {
        self.add_layer_with_progress(session, input, &mut |_| Progress::Continue)
    }

    /// [`Mrv::add_layer`] reporting the enrichment of the project's batches (rows done over
    /// all of them). The raster is read whole first ([`mrv_geo::check_raster`]: a
    /// self-contained GeoTIFF, georeferenced by itself, with a sane geotransform and blocks,
    /// every block of the band decoding) and only then stored content-addressed. Registering
    /// the layer and re-enriching the project's un-reviewed batches with it is one
    /// transaction: a refused, failed, cancelled or killed `add_layer` leaves no layer and
    /// every batch as it was.
    pub fn add_layer_with_progress(
        &mut self,
        session: &Session,
        input: &NewLayer,
        on_progress: &mut dyn FnMut(&crate::ImportProgress) -> Progress,
    ) -> Result<LayerView, AppError> {
        // Re-enriching the project's batches is part of registering the layer: it needs no
        // `enrich_batch` permission of its own.
        let granted = self.authorize(session, Action::ManageLayers)?;
        let kind = LayerKind::parse(&input.kind).map_err(AppError::InvalidInput)?;
        let name = &crate::names::normalize("layer name", &input.name)?;
        if let Some(date) = &input.acquired_on {
            CalendarDate::parse(date).ok_or_else(|| {
                AppError::InvalidInput(format!(
                    "acquisition date `{date}` is not a YYYY-MM-DD date"
                ))
            })?;
        }
        self.project_record(input.project_id)?;
        // GDAL would block opening a FIFO: refuse anything but a regular file first.
        crate::files::check_input(&input.file, "raster file")?;
        if mrv_store::layer_name_taken(self.ws.conn(), input.project_id, name)? {
            return Err(AppError::Conflict(format!(
                "project {} already has a layer named `{name}`",
                input.project_id
            )));
        }
        // Read whole before anything is stored; then the stored copy (what enrichment samples,
        // with no side files next to it) must describe the same raster.
        let info = mrv_geo::check_raster(&input.file, input.band)?;
        let (sha256, size) = self.store_file(&input.file)?;
        let stored = self.ws.blob_path(&sha256);
        let user_file = input.file.display().to_string();
        let stored_info =
            mrv_geo::inspect_raster(&stored, input.band).map_err(|e| e.naming(&user_file))?;
        if stored_info != info {
            return Err(AppError::InvalidInput(format!(
                "{user_file} changed while it was being read; add the layer again"
            )));
        }
        let mut context = self.enrich_context(input.project_id)?;
        let now = clock::now().to_string();
        let source_name = file_name(&input.file);
        let id = self.bulk_writes(|mrv| {
            let tx = mrv.transaction(&granted)?;
            mrv_store::record_stored_file(&tx, &sha256, &source_name, size, &now)?;
            let record = LayerRecord {
                id: 0,
                project_id: input.project_id,
                name: name.to_owned(),
                kind: kind.as_str().to_owned(),
                band: input.band as i64,
                acquired_on: input.acquired_on.clone(),
                file_sha256: sha256,
                source_name,
                width: info.width as i64,
                height: info.height as i64,
                data_type: info.data_type,
                nodata: info.nodata,
                crs_name: info.crs_name,
                registered_at: now,
            };
            let id = mrv_store::insert_layer(&tx, &record)?;
            crate::journal::append(
                &tx,
                &record.registered_at,
                granted.user(),
                "layer.add",
                &format!("layer:{id}"),
                serde_json::json!({
                    "project": input.project_id, "name": name, "kind": kind.as_str(),
                    "band": input.band, "sha256": record.file_sha256,
                }),
            )?;
            context.layers.push(ContextLayer {
                record: LayerRecord { id, ..record },
                kind,
                path: stored,
            });
            let stale = reenrichable_batches(&tx, input.project_id)?;
            reenrich(&tx, &context, granted.user(), &stale, on_progress)?;
            tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(id)
        })?;
        self.layer(id)
    }

    /// Removes a layer with everything enrichment derived from it (samples, zonal statistics,
    /// flags) and re-enriches the project's un-reviewed batches without it, in one transaction.
    /// Refused while a batch that left enrichment (in review, decided, stamped, anchored) holds
    /// evidence from it: its review, and its stamp's `layers`, depend on that evidence. The
    /// stored file stays (content-addressed files are never deleted).
    pub fn remove_layer(
        &mut self,
        session: &Session,
        layer_id: i64,
    ) -> Result<LayerView, AppError> {
        let granted = self.authorize(session, Action::ManageLayers)?;
        let layer = self.layer_record(layer_id)?;
        let mut context = self.enrich_context(layer.project_id)?;
        context.layers.retain(|l| l.record.id != layer_id);
        let now = clock::now().to_string();
        self.bulk_writes(|mrv| {
            let tx = mrv.transaction(&granted)?;
            let dependents: Vec<(i64, String)> =
                mrv_store::batches_with_layer_evidence(&tx, layer_id)?
                    .into_iter()
                    .filter(|(_, state)| {
                        state != BatchState::Imported.as_str()
                            && state != BatchState::Enriched.as_str()
                    })
                    .collect();
            if let Some((batch_id, state)) = dependents.first() {
                let why = match state.as_str() {
                    "in_review" => "is in review against its evidence",
                    "rejected" => "was rejected on its evidence",
                    _ => "has a stamp that lists it",
                };
                return Err(AppError::Conflict(format!(
                    "layer {layer_id} (`{}`) cannot be removed: batch {batch_id} {why}{}",
                    layer.name,
                    match dependents.len() {
                        1 => String::new(),
                        2 => " (and 1 more batch depends on it)".to_owned(),
                        n => format!(" (and {} more batches depend on it)", n - 1),
                    }
                )));
            }
            mrv_store::delete_layer(&tx, layer_id)?;
            let stale = reenrichable_batches(&tx, layer.project_id)?;
            reenrich(&tx, &context, granted.user(), &stale, &mut |_| {
                Progress::Continue
            })?;
            crate::journal::append(
                &tx,
                &now,
                granted.user(),
                "layer.remove",
                &format!("layer:{layer_id}"),
                serde_json::json!({
                    "project": layer.project_id,
                    "name": layer.name,
                    "sha256": layer.file_sha256,
                    "reenriched_batches": stale.iter().map(|b| b.id).collect::<Vec<_>>(),
                }),
            )?;
            tx.commit().map_err(|e| AppError::Internal(e.to_string()))
        })?;
        Ok(layer.into())
    }

    pub fn list_layers(
        &self,
        session: &Session,
        project_id: Option<i64>,
    ) -> Result<Vec<LayerView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        if let Some(id) = project_id {
            self.project_record(id)?;
        }
        Ok(mrv_store::list_layers(self.ws.conn(), project_id)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    fn layer(&self, id: i64) -> Result<LayerView, AppError> {
        self.layer_record(id).map(Into::into)
    }

    pub(crate) fn layer_record(&self, id: i64) -> Result<LayerRecord, AppError> {
        mrv_store::list_layers(self.ws.conn(), None)?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or(AppError::NotFound {
                what: "layer",
                id: id.to_string(),
            })
    }

    /// Enriches a batch: samples every layer of its project at every row and runs the profile's
    /// checks, replacing earlier samples and flags, and marks the batch enriched — all in one
    /// transaction. `on_progress` counts rows done over all passes; cancel writes nothing.
    pub fn enrich(
        &mut self,
        session: &Session,
        batch_id: i64,
        on_progress: &mut dyn FnMut(&crate::ImportProgress) -> Progress,
    ) -> Result<crate::BatchView, AppError> {
        let granted = self.authorize(session, Action::EnrichBatch)?;
        self.enrich_authorized(&granted, batch_id, on_progress)
    }

    /// [`Mrv::enrich`] for the use cases that enrich as part of their own work (an import)
    /// and have checked their session for that.
    pub(crate) fn enrich_authorized(
        &mut self,
        granted: &Granted,
        batch_id: i64,
        on_progress: &mut dyn FnMut(&crate::ImportProgress) -> Progress,
    ) -> Result<crate::BatchView, AppError> {
        let batch = self.batch_record(batch_id)?;
        if !matches!(batch.state.as_str(), "imported" | "enriched") {
            return Err(AppError::Conflict(format!(
                "batch {batch_id} is {} and can no longer be enriched",
                batch.state
            )));
        }
        let context = self.enrich_context(batch.project_id)?;
        self.bulk_writes(|mrv| {
            let tx = mrv.transaction(granted)?;
            enrich_in(&tx, &context, granted.user(), &batch, on_progress)?;
            tx.commit().map_err(|e| AppError::Internal(e.to_string()))
        })?;
        self.batch_by_id(batch_id)
    }

    /// Runs `work` — a use case's write transaction that enriches batches — with the connection
    /// set up for bulk writes ([`mrv_store::prepare_bulk_writes`]: an enrichment stores a
    /// batch's flags in multi-row statements), and sets it back after, whatever `work` returns.
    fn bulk_writes<T>(
        &mut self,
        work: impl FnOnce(&mut Mrv) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        mrv_store::prepare_bulk_writes(self.ws.conn(), true)?;
        let done = work(self);
        let reset = mrv_store::prepare_bulk_writes(self.ws.conn(), false);
        let done = done?;
        reset?;
        Ok(done)
    }

    /// What enriching any batch of `project_id` needs: its profile, baseline, boundary and
    /// layers with their stored files.
    fn enrich_context(&self, project_id: i64) -> Result<EnrichContext, AppError> {
        let project = self.project_record(project_id)?;
        let profile = self.profile_of(project_id)?;
        let baseline = project
            .baseline_date
            .as_deref()
            .and_then(CalendarDate::parse);
        let boundary = mrv_geo::BoundaryIndex::from_geojson(&project.boundary_geojson)?;
        let layers = mrv_store::list_layers(self.ws.conn(), Some(project_id))?
            .into_iter()
            .map(|record| {
                let kind = LayerKind::parse(&record.kind).map_err(AppError::Internal)?;
                let path = self.ws.blob_path(&record.file_sha256);
                Ok(ContextLayer { record, kind, path })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(EnrichContext {
            profile,
            baseline,
            boundary,
            layers,
        })
    }

    /// The flags of a batch, in row order.
    pub fn flags(&self, session: &Session, batch_id: i64) -> Result<Vec<FlagView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let batch = self.batch_record(batch_id)?;
        Ok(mrv_store::list_flags(self.ws.conn(), &batch)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Per row of a batch (`offset .. offset + limit`), the value each layer gave.
    pub fn samples(
        &self,
        session: &Session,
        batch_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<RowSamples>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.samples_page(batch_id, offset, limit)
    }

    /// [`Mrv::samples`] for use cases that have checked their session.
    pub(crate) fn samples_page(
        &self,
        batch_id: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<RowSamples>, AppError> {
        crate::batches::check_page(offset, limit)?;
        let batch = self.batch_record(batch_id)?;
        let layers = mrv_store::list_layers(self.ws.conn(), Some(batch.project_id))?;
        let rows = mrv_store::measurement_page(self.ws.conn(), &batch, offset, limit)?;
        let mut out: Vec<RowSamples> = rows
            .into_iter()
            .map(|m| RowSamples {
                row: m.index,
                id: m.record_id,
                samples: BTreeMap::new(),
                missing: BTreeMap::new(),
                zonal: BTreeMap::new(),
            })
            .collect();
        for layer in &layers {
            let page = mrv_store::samples_page(self.ws.conn(), &batch, layer.id, offset, limit)?;
            for (k, r) in out.iter_mut().enumerate() {
                let (value, missing) = match page.as_ref().map(|p| p[k]) {
                    Some(Sample::Value(v)) => (Some(v), None),
                    Some(Sample::NoData) => (None, Some("nodata")),
                    Some(Sample::Outside) => (None, Some("outside")),
                    None => (None, Some("not_enriched")),
                };
                r.samples.insert(layer.name.clone(), value);
                if let Some(why) = missing {
                    r.missing.insert(layer.name.clone(), why.to_owned());
                }
            }
            for z in mrv_store::zonal_page(self.ws.conn(), &batch, layer.id, offset, limit)? {
                let first =
                    mrv_store::row_ids(batch.first_row_id, batch.row_count, offset, limit).start;
                if let Some(r) = usize::try_from(z.row_id - first)
                    .ok()
                    .and_then(|k| out.get_mut(k))
                {
                    let view = ZonalView {
                        pixel_count: z.pixel_count,
                        mean: z.mean,
                        min: z.min,
                        max: z.max,
                    };
                    r.zonal.insert(layer.name.clone(), view);
                }
            }
        }
        Ok(out)
    }
}

/// What enriching a project's batches needs, read once before the transaction.
pub(crate) struct EnrichContext {
    profile: mrv_core::MethodologyProfile,
    baseline: Option<CalendarDate>,
    boundary: mrv_geo::BoundaryIndex,
    layers: Vec<ContextLayer>,
}

/// A layer with its kind and its stored file.
struct ContextLayer {
    record: LayerRecord,
    kind: LayerKind,
    path: PathBuf,
}

/// The batches of a project that enrichment may (re)write: `imported` and `enriched` ones.
fn reenrichable_batches(
    conn: &mrv_store::Connection,
    project_id: i64,
) -> Result<Vec<BatchRecord>, AppError> {
    Ok(mrv_store::list_batches(conn, Some(project_id))?
        .into_iter()
        .filter(|b| {
            b.state == BatchState::Enriched.as_str() || b.state == BatchState::Imported.as_str()
        })
        .collect())
}

/// Enriches `batches` inside the caller's transaction, reporting rows done over all of them.
fn reenrich(
    tx: &mrv_store::Connection,
    context: &EnrichContext,
    user: &str,
    batches: &[BatchRecord],
    on_progress: &mut dyn FnMut(&crate::ImportProgress) -> Progress,
) -> Result<(), AppError> {
    let total: u64 = batches.iter().map(|b| b.row_count as u64).sum();
    let mut before = 0u64;
    for batch in batches {
        enrich_in(tx, context, user, batch, &mut |p| {
            // Enrichment counts rows over all its passes; scale that to this batch's rows.
            let done = before + p.rows * batch.row_count as u64 / p.bytes_total.max(1);
            on_progress(&crate::ImportProgress {
                rows: done,
                bytes_read: done,
                bytes_total: total,
            })
        })?;
        before += batch.row_count as u64;
    }
    Ok(())
}

/// Enriches one batch inside the caller's transaction: samples every layer of `context` at
/// every row, runs the profile's checks, replaces earlier samples and flags, and marks the
/// batch enriched. `on_progress` counts rows done over all passes; cancel returns
/// [`AppError::Cancelled`] (the caller's transaction then rolls back).
fn enrich_in(
    tx: &mrv_store::Connection,
    context: &EnrichContext,
    user: &str,
    batch: &BatchRecord,
    on_progress: &mut dyn FnMut(&crate::ImportProgress) -> Progress,
) -> Result<(), AppError> {
    let batch_id = batch.id;
    let profile = &context.profile;
    let total = batch.row_count as u64 * (1 + context.layers.len() as u64);
    let mut done = 0u64;
    let mut tick = |rows: usize| {
        done += rows as u64;
        on_progress(&crate::ImportProgress {
            rows: done,
            bytes_read: done,
            bytes_total: total,
        })
    };

    // Pass 1: every row's position against the boundary; the positions and claimed values
    // feed the batch-level checks and the sampling.
    let columns = mrv_store::batch_columns(tx, batch)?;
    let n = columns.lon.len();
    let points: Vec<(f64, f64)> = columns
        .lon
        .iter()
        .copied()
        .zip(columns.lat.iter().copied())
        .collect();
    // Every flag of the batch, in the order they are stored (their ids follow it): boundary,
    // batch-level, then each layer's.
    let mut flags: Vec<NewFlag> = points
        .iter()
        .enumerate()
        .filter_map(|(i, &(lon, lat))| {
            if context.boundary.contains(lon, lat) {
                return None;
            }
            let gap = context
                .boundary
                .gap_to_edge(lon, lat)
                .map(|(metres, bearing_deg)| checks::BoundaryGap {
                    metres,
                    bearing_deg,
                });
            let finding = checks::outside_boundary(profile, gap)?;
            Some(new_flag(batch.first_row_id + i as i64, None, finding))
        })
        .collect();
    if tick(n) == Progress::Cancel {
        return Err(AppError::Cancelled);
    }
    let claimed = columns.claimed_tco2e;
    let has_plots = columns.has_plots;
    for (i, z, median, mad) in checks::robust_outliers(&claimed) {
        if let Some(f) = checks::outlier_finding(profile, claimed[i], z, median, mad) {
            flags.push(new_flag(batch.first_row_id + i as i64, None, f));
        }
    }
    for (i, first) in checks::duplicate_positions(&points) {
        let first_row_id = batch.first_row_id + first as i64;
        let first_id = mrv_store::record_id_of(tx, first_row_id)?;
        if let Some(f) = checks::duplicate_finding(profile, first as i64 + 1, &first_id) {
            flags.push(new_flag(batch.first_row_id + i as i64, None, f));
        }
    }
    drop(claimed);

    // Pass 2: every layer at every row (each needed raster block read once), and the
    // per-point checks on what it shows.
    for ContextLayer {
        record: layer,
        kind,
        path,
    } in &context.layers
    {
        // Layers are read whole when registered; a stored file that no longer reads is a
        // damaged workspace, and the layer can be removed.
        let unreadable = |e: mrv_geo::GeoError| {
            AppError::InvalidInput(format!(
                "layer {} (`{}`, {}) cannot be sampled: {e}; remove it with `mrv layer remove {}`",
                layer.id, layer.name, layer.source_name, layer.id
            ))
        };
        let samples =
            mrv_geo::sample_points(path, layer.band as usize, &points).map_err(unreadable)?;
        mrv_store::replace_sample_set(tx, batch, layer.id, &samples)?;
        let layer_checks = checks::SampleChecks::new(profile, context.baseline, &layer.name, *kind);
        flags.extend(samples.iter().enumerate().filter_map(|(i, &sample)| {
            let finding = layer_checks.check(sample)?;
            Some(new_flag(
                batch.first_row_id + i as i64,
                Some(layer.id),
                finding,
            ))
        }));
        // Plot polygons also get zonal statistics (pixels whose centre is inside).
        let mut zonal = Vec::new();
        let mut offset = 0;
        while has_plots && offset < batch.row_count {
            for (row_id, geometry) in mrv_store::plot_geometries(tx, batch, offset, ENRICH_CHUNK)? {
                let z = mrv_geo::zonal_stats(path, layer.band as usize, &geometry)
                    .map_err(unreadable)?;
                zonal.push(ZonalRecord {
                    row_id,
                    pixel_count: z.count as i64,
                    mean: z.mean,
                    min: z.min,
                    max: z.max,
                });
            }
            offset += ENRICH_CHUNK;
        }
        mrv_store::replace_zonal_stats(tx, batch, layer.id, &zonal)?;
        if tick(n) == Progress::Cancel {
            return Err(AppError::Cancelled);
        }
    }
    // The earlier enrichment's flags are replaced; those that came out the same stay.
    mrv_store::replace_flags(tx, batch_id, &flags)?;
    mrv_store::set_batch_state(tx, batch_id, BatchState::Enriched.as_str())?;
    crate::journal::append(
        tx,
        &clock::now().to_string(),
        user,
        "batch.enrich",
        &format!("batch:{batch_id}"),
        serde_json::json!({
            "from": batch.state,
            "layers": context.layers.iter().map(|l| l.record.id).collect::<Vec<_>>(),
        }),
    )?;
    Ok(())
}
