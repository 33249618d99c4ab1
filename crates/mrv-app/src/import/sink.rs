//! Validation of one measurement row against the profile and the monitoring period, and
//! buffering for batch coordinate transformation. Valid rows leave in chunks through a consumer
//! (in `import`, a channel to the thread that owns the database transaction), where
//! [`store_chunk`] writes them and catches duplicate ids.
//!
//! Every problem found is added to a report; rows with problems are not written, and the
//! caller rolls the whole batch back if any report is not empty.

use crate::AppError;
use mrv_core::value::CheckedValue;
use mrv_core::{
    check_latitude, check_longitude, validate_value, ImportProblem, ImportReport,
    MethodologyProfile, MonitoringPeriod,
};
use mrv_geo::ToWgs84;
use mrv_store::{BatchWriter, NewMeasurement, Pushed};

/// Valid, transformed rows ready to be written, with the id column's name for messages.
pub(crate) struct Chunk {
    pub(crate) rows: Vec<MeasurementRow>,
    pub(crate) id_column: String,
}

/// Rows transformed and written together.
const CHUNK: usize = 4096;

/// Where a row's position comes from.
pub(crate) enum Coords<'r> {
    /// Text from the x/lon and y/lat columns, in the import CRS.
    Text { x: &'r str, y: &'r str },
    /// Numbers in the import CRS (GeoJSON point coordinates).
    Numbers { x: f64, y: f64 },
    /// Already WGS84 (a plot polygon's centroid, computed after transforming the polygon).
    Wgs84 { lon: f64, lat: f64 },
}

/// A row that passed validation, as it is stored; `x`/`y` become WGS84 lon/lat once the chunk
/// is flushed. Rows travel back to the reader once written and are refilled, so their strings
/// are allocated once.
#[derive(Debug, Default)]
pub struct MeasurementRow {
    row: u64,
    x: f64,
    y: f64,
    needs_transform: bool,
    record_id: String,
    date: String,
    claimed: f64,
    values_json: String,
    geometry: Option<String>,
}

impl MeasurementRow {
    /// The 1-based row of the source (data row of a CSV file, feature of a GeoJSON file).
    pub fn row(&self) -> u64 {
        self.row
    }

    /// The row's id (the profile's `id_field`), trimmed.
    pub fn record_id(&self) -> &str {
        &self.record_id
    }

    /// The position: WGS84 longitude and latitude once the chunk is flushed.
    pub fn lon_lat(&self) -> (f64, f64) {
        (self.x, self.y)
    }

    /// The measurement date, `YYYY-MM-DD`.
    pub fn date(&self) -> &str {
        &self.date
    }

    /// The claimed tCO2e as a float (the stored column; sums use the text in `values_json`).
    pub fn claimed(&self) -> f64 {
        self.claimed
    }

    /// The row's values as stored: a JSON array of strings aligned with the batch's columns
    /// (profile fields, then extra columns; a GeoJSON row stops at its last extra property).
    pub fn values_json(&self) -> &str {
        &self.values_json
    }

    /// A plot polygon's WGS84 GeoJSON geometry (GeoJSON sources only).
    pub fn geometry(&self) -> Option<&str> {
        self.geometry.as_deref()
    }
}

/// Writes a chunk into the open batch; a duplicate id becomes a problem in `report`.
pub(crate) fn store_chunk(
    writer: &mut BatchWriter<'_>,
    chunk: &Chunk,
    file: &str,
    id_field: &str,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    for p in &chunk.rows {
        let pushed = writer.push(&NewMeasurement {
            record_id: &p.record_id,
            lon: p.x,
            lat: p.y,
            obs_date: &p.date,
            claimed_tco2e: p.claimed,
            values_json: &p.values_json,
            geometry_json: p.geometry.as_deref(),
        })?;
        if let Pushed::DuplicateOf(first) = pushed {
            let rule = format!("duplicate {id_field}: the same id is already used in row {first}");
            report.push(ImportProblem::at(
                file,
                p.row,
                Some(&chunk.id_column),
                Some(&p.record_id),
                rule,
            ));
        }
    }
    Ok(())
}

pub(crate) struct Sink<'a> {
    file: &'a str,
    profile: &'a MethodologyProfile,
    period: MonitoringPeriod,
    transform: Option<&'a ToWgs84>,
    /// Takes each chunk and adds written rows that came back for reuse to its second argument;
    /// answers `false` when nobody consumes any more (cancelled or failed).
    out: &'a mut dyn FnMut(Chunk, &mut Vec<MeasurementRow>) -> bool,
    /// Rows to refill.
    spare: Vec<MeasurementRow>,
    report: ImportReport,
    pending: Vec<MeasurementRow>,
    rows_seen: u64,
    id_pos: usize,
    date_pos: usize,
    claimed_pos: usize,
    /// Per profile field, the column name in the source file (for messages).
    source_names: Vec<String>,
    coord_names: (String, String),
    /// Scratch for [`Sink::accept`]: per extra slot, its index in the row's `extras`.
    extra_slots: Vec<usize>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(
        file: &'a str,
        profile: &'a MethodologyProfile,
        period: MonitoringPeriod,
        transform: Option<&'a ToWgs84>,
        out: &'a mut dyn FnMut(Chunk, &mut Vec<MeasurementRow>) -> bool,
    ) -> Sink<'a> {
        let pos = |name: &str| {
            profile
                .fields
                .iter()
                .position(|f| f.name == name)
                .expect("profile checked on load")
        };
        Sink {
            file,
            profile,
            period,
            transform,
            out,
            spare: Vec::new(),
            report: ImportReport::default(),
            pending: Vec::with_capacity(CHUNK),
            rows_seen: 0,
            id_pos: pos(&profile.id_field),
            date_pos: pos(&profile.date_field),
            claimed_pos: pos(&profile.claimed_tco2e_field),
            source_names: profile.fields.iter().map(|f| f.name.clone()).collect(),
            coord_names: ("lon".into(), "lat".into()),
            extra_slots: Vec::new(),
        }
    }

    /// Sets the source column names used in messages (after mapping).
    pub(crate) fn set_names(&mut self, source_names: Vec<String>, coord_names: (String, String)) {
        self.source_names = source_names;
        self.coord_names = coord_names;
    }

    pub(crate) fn rows_seen(&self) -> u64 {
        self.rows_seen
    }

    pub(crate) fn problem(&mut self, problem: ImportProblem) {
        self.report.push(problem);
    }

    /// Checks one row. `fields[i]` is the raw value of profile field `i` (`None` when the
    /// source has no such column/property); `extras` are the other values by extra-column index.
    pub(crate) fn accept(
        &mut self,
        row: u64,
        fields: &[Option<&str>],
        extras: &[(usize, &str)],
        coords: Coords<'_>,
        geometry: Option<String>,
    ) -> Result<(), AppError> {
        self.rows_seen += 1;
        let problems_before = self.report.total;
        let kept_before = self.report.problems.len();
        let mut r = self.spare.pop().unwrap_or_default();
        r.date.clear();
        let mut claimed = 0.0;
        for (i, spec) in self.profile.fields.iter().enumerate() {
            let raw = fields[i].unwrap_or("");
            match validate_value(spec, raw) {
                Ok(CheckedValue::Date(d)) if i == self.date_pos => {
                    if !self.period.contains(d) {
                        let rule = format!("date is outside the monitoring period {}", self.period);
                        self.report.push(ImportProblem::at(
                            self.file,
                            row,
                            Some(&self.source_names[i]),
                            Some(raw),
                            rule,
                        ));
                    }
                    // Strict parsing accepts only `YYYY-MM-DD`: the raw text is canonical.
                    r.date.push_str(raw.trim());
                }
                Ok(CheckedValue::Number(n)) if i == self.claimed_pos => claimed = n,
                Ok(_) => {}
                Err(problem) => {
                    let value = (!raw.is_empty()).then_some(raw);
                    self.report.push(ImportProblem::at(
                        self.file,
                        row,
                        Some(&self.source_names[i]),
                        value,
                        problem.to_string(),
                    ));
                }
            }
        }
        // Ids that look alike must be alike: no invisible characters, one Unicode spelling.
        let id = fields[self.id_pos].unwrap_or("").trim();
        if let Err(problem) = mrv_core::check_identifier(id) {
            self.report.push(ImportProblem::at(
                self.file,
                row,
                Some(&self.source_names[self.id_pos]),
                Some(&id.escape_debug().to_string()),
                format!("the id {problem}"),
            ));
        }
        let (x, y, needs_transform) = match coords {
            Coords::Text { x, y } => {
                let parse = |sink: &mut Self, text: &str, column: String| {
                    match mrv_core::parse_number(text) {
                        Ok(v) => Some(v),
                        Err(p) => {
                            let value = (!text.trim().is_empty()).then_some(text);
                            let rule = if text.trim().is_empty() {
                                "a coordinate is required".to_owned()
                            } else {
                                p.to_string()
                            };
                            sink.report.push(ImportProblem::at(
                                sink.file,
                                row,
                                Some(&column),
                                value,
                                rule,
                            ));
                            None
                        }
                    }
                };
                let (xn, yn) = (self.coord_names.0.clone(), self.coord_names.1.clone());
                let xv = parse(self, x, xn);
                let yv = parse(self, y, yn);
                (xv.unwrap_or(f64::NAN), yv.unwrap_or(f64::NAN), true)
            }
            Coords::Numbers { x, y } => (x, y, true),
            Coords::Wgs84 { lon, lat } => (lon, lat, false),
        };
        if needs_transform && self.transform.is_none() {
            // Plain WGS84 input: range problems can be reported now, alongside the others.
            if !x.is_nan() {
                if let Err(rule) = check_longitude(x) {
                    self.report.push(ImportProblem::at(
                        self.file,
                        row,
                        Some(&self.coord_names.0),
                        Some(&x.to_string()),
                        rule,
                    ));
                }
            }
            if !y.is_nan() {
                if let Err(rule) = check_latitude(y) {
                    self.report.push(ImportProblem::at(
                        self.file,
                        row,
                        Some(&self.coord_names.1),
                        Some(&y.to_string()),
                        rule,
                    ));
                }
            }
        }
        if self.report.total > problems_before {
            // Name the row's record too, so the analyst finds it in their own sheet.
            let id = fields[self.id_pos].unwrap_or("").trim();
            if !id.is_empty() {
                for p in &mut self.report.problems[kept_before..] {
                    p.set_record_id(id);
                }
            }
            self.spare.push(r);
            return Ok(());
        }
        let values_json = &mut r.values_json;
        values_json.clear();
        values_json.push('[');
        for (i, value) in fields.iter().enumerate() {
            if i > 0 {
                values_json.push(',');
            }
            mrv_store::push_json_string(values_json, value.unwrap_or("").trim());
        }
        // Each slot's value (the first one given for it), placed in one pass over `extras`.
        let width = extras.iter().map(|(i, _)| i + 1).max().unwrap_or(0);
        let slots = &mut self.extra_slots;
        slots.clear();
        slots.resize(width, usize::MAX);
        for (k, (slot, _)) in extras.iter().enumerate().rev() {
            slots[*slot] = k;
        }
        for &k in slots.iter() {
            values_json.push(',');
            mrv_store::push_json_string(values_json, extras.get(k).map_or("", |(_, v)| *v));
        }
        values_json.push(']');
        r.record_id.clear();
        r.record_id
            .push_str(fields[self.id_pos].unwrap_or("").trim());
        (r.row, r.x, r.y, r.needs_transform, r.claimed, r.geometry) =
            (row, x, y, needs_transform, claimed, geometry);
        self.pending.push(r);
        if self.pending.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), AppError> {
        let mut pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return Ok(());
        }
        let originals: Vec<(f64, f64)> = pending.iter().map(|p| (p.x, p.y)).collect();
        if let Some(transform) = self.transform {
            let idx: Vec<usize> = (0..pending.len())
                .filter(|&i| pending[i].needs_transform)
                .collect();
            let mut xs: Vec<f64> = idx.iter().map(|&i| pending[i].x).collect();
            let mut ys: Vec<f64> = idx.iter().map(|&i| pending[i].y).collect();
            let ok = transform.transform(&mut xs, &mut ys);
            for (k, &i) in idx.iter().enumerate() {
                if !ok[k] {
                    let (x, y) = originals[i];
                    let rule = format!(
                        "cannot transform ({x}, {y}) from {} to WGS84",
                        transform.crs()
                    );
                    self.report.push(ImportProblem::at(
                        self.file,
                        pending[i].row,
                        Some(&self.coord_names.0),
                        None,
                        rule,
                    ));
                    pending[i].x = f64::NAN;
                    continue;
                }
                pending[i].x = xs[k];
                pending[i].y = ys[k];
            }
        }
        let mut ready = Vec::with_capacity(pending.len());
        for (i, p) in pending.into_iter().enumerate() {
            if p.x.is_nan() && self.transform.is_some() {
                self.spare.push(p);
                continue; // already reported as a transformation failure
            }
            let (x0, y0) = originals[i];
            if let Err(rule) = check_longitude(p.x) {
                let value = x0.to_string();
                self.report.push(ImportProblem::at(
                    self.file,
                    p.row,
                    Some(&self.coord_names.0),
                    Some(&value),
                    rule,
                ));
                continue;
            }
            if let Err(rule) = check_latitude(p.y) {
                let value = y0.to_string();
                self.report.push(ImportProblem::at(
                    self.file,
                    p.row,
                    Some(&self.coord_names.1),
                    Some(&value),
                    rule,
                ));
                continue;
            }
            ready.push(p);
        }
        self.pending = Vec::with_capacity(CHUNK);
        if ready.is_empty() {
            return Ok(());
        }
        let chunk = Chunk {
            rows: ready,
            id_column: self.source_names[self.id_pos].clone(),
        };
        if (self.out)(chunk, &mut self.spare) {
            Ok(())
        } else {
            Err(AppError::Cancelled)
        }
    }

    /// Sends what is buffered and hands back the report of validation problems.
    pub(crate) fn finish(mut self) -> Result<ImportReport, AppError> {
        self.flush()?;
        if self.rows_seen == 0 && self.report.is_empty() {
            self.report.push(ImportProblem::file_level(
                self.file,
                "the file has no measurement rows",
            ));
        }
        Ok(self.report)
    }
}
