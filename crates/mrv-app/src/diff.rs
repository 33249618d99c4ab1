//! What changed between two versions of a batch (`docs/review-findings.md`): rows added and
//! removed (by record id), rows changed (field by field, old → new), and flags that appeared or
//! cleared (record id + check). Both batches are read in record-id order a page at a time and
//! merged, so memory stays bounded by a page of each and the page of the answer asked for,
//! whatever the batches' sizes.

use crate::session::Session;
use crate::{AppError, Mrv};
use mrv_core::Action;
use mrv_store::{BatchRecord, RecordRow};
use serde::Serialize;
use std::borrow::Cow;

/// Rows read from each batch at a time.
const READ_PAGE: i64 = 2_000;
/// The most rows of the answer one call lists.
pub const MAX_DIFF_PAGE: u64 = 1_000;

/// How a record differs between the two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffChange {
    /// Only in the new version.
    Added,
    /// Only in the older version.
    Removed,
    /// In both, with at least one field changed.
    Changed,
    /// In both with the same fields; only its flags changed.
    Flags,
}

impl DiffChange {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffChange::Added => "added",
            DiffChange::Removed => "removed",
            DiffChange::Changed => "changed",
            DiffChange::Flags => "flags",
        }
    }
}

/// One field of a row, old → new (`None`: the column is not in that version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One record that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffRow {
    pub record_id: String,
    pub change: DiffChange,
    /// For `changed` rows: each field that differs.
    pub fields: Vec<FieldChange>,
    /// Checks that flag the record in the new version but did not in the old one (for an
    /// added row: all its flags).
    pub flags_appeared: Vec<String>,
    /// Checks that flagged the record in the old version and no longer do (for a removed row:
    /// all its flags).
    pub flags_cleared: Vec<String>,
}

/// The counts of a diff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    /// Records in both versions with the same fields (their flags may differ).
    pub unchanged: u64,
    /// (record id, check) pairs flagged in the new version only.
    pub flags_appeared: u64,
    /// (record id, check) pairs flagged in the old version only.
    pub flags_cleared: u64,
}

/// A batch compared with an earlier version: the counts and one page of the records that
/// differ, in record-id order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchDiff {
    pub batch_id: i64,
    pub version: i64,
    pub against_batch_id: i64,
    pub against_version: i64,
    pub summary: DiffSummary,
    /// Records that differ in any way (the length of the whole list).
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    pub rows: Vec<DiffRow>,
}

/// A batch's rows in record-id order, read a page at a time.
struct Cursor<'c> {
    conn: &'c mrv_store::Connection,
    batch_id: i64,
    /// The current page, reversed (the next row last).
    page: Vec<RecordRow>,
    last: Option<String>,
    done: bool,
}

impl<'c> Cursor<'c> {
    fn new(conn: &'c mrv_store::Connection, batch_id: i64) -> Self {
        Cursor {
            conn,
            batch_id,
            page: Vec::new(),
            last: None,
            done: false,
        }
    }

    fn peek(&mut self) -> Result<Option<&RecordRow>, AppError> {
        if self.page.is_empty() && !self.done {
            let mut page = mrv_store::rows_by_record(
                self.conn,
                self.batch_id,
                self.last.as_deref(),
                READ_PAGE,
            )?;
            self.done = (page.len() as i64) < READ_PAGE;
            if let Some(last) = page.last() {
                self.last = Some(last.record_id.clone());
            }
            page.reverse();
            self.page = page;
        }
        Ok(self.page.last())
    }

    fn next(&mut self) -> Result<Option<RecordRow>, AppError> {
        self.peek()?;
        Ok(self.page.pop())
    }
}

/// `a` minus `b`, both sorted.
fn sorted_minus(a: &[String], b: &[String]) -> Vec<String> {
    a.iter()
        .filter(|x| b.binary_search(x).is_err())
        .cloned()
        .collect()
}

fn columns_of(batch: &BatchRecord) -> Result<Vec<String>, AppError> {
    serde_json::from_str(&batch.columns_json)
        .map_err(|e| AppError::Internal(format!("batch {}: columns: {e}", batch.id)))
}

fn decode(r: &RecordRow) -> Result<Vec<Cow<'_, str>>, AppError> {
    mrv_store::decode_values(&r.values_json)
        .map_err(|e| AppError::Internal(format!("record {}: values: {e}", r.record_id)))
}

/// The name a changed plot polygon is listed under among a row's fields.
pub const POLYGON_FIELD: &str = "plot polygon";

/// A stored plot polygon in words, for a diff: "polygon, 5 vertices, first at -47.81234,
/// -24.20011" (a multipolygon names its parts). The geometry is compact GeoJSON as the import
/// stored it; anything else is shown as it is, shortened.
pub(crate) fn polygon_summary(geometry_json: &str) -> String {
    fn positions<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v [serde_json::Value]>) {
        if let Some(items) = v.as_array() {
            if items.len() >= 2 && items.iter().all(serde_json::Value::is_number) {
                out.push(items);
            } else {
                for item in items {
                    positions(item, out);
                }
            }
        }
    }
    let parsed: Option<serde_json::Value> = serde_json::from_str(geometry_json).ok();
    let Some(geometry) = parsed.as_ref() else {
        return geometry_json.chars().take(80).collect();
    };
    let kind = geometry.get("type").and_then(|t| t.as_str()).unwrap_or("");
    let coordinates = geometry
        .get("coordinates")
        .unwrap_or(&serde_json::Value::Null);
    let mut points = Vec::new();
    positions(coordinates, &mut points);
    // Each ring repeats its first vertex at its end; count the corners a user drew.
    let rings: Vec<&serde_json::Value> = match kind {
        "Polygon" => coordinates
            .as_array()
            .map(|r| r.iter().collect())
            .unwrap_or_default(),
        "MultiPolygon" => coordinates
            .as_array()
            .map(|p| p.iter().filter_map(|r| r.as_array()).flatten().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let closed = rings
        .iter()
        .filter(|r| {
            r.as_array()
                .is_some_and(|r| r.len() > 1 && r.first() == r.last())
        })
        .count();
    let vertices = points.len().saturating_sub(closed);
    let first = points
        .first()
        .map(|p| {
            let n = |i: usize| p[i].as_f64().map_or("?".to_owned(), |v| format!("{v:.6}"));
            format!(", first at {}, {}", n(0), n(1))
        })
        .unwrap_or_default();
    let parts = match kind {
        "MultiPolygon" => format!(
            "multipolygon of {} parts",
            coordinates.as_array().map_or(0, Vec::len)
        ),
        "Polygon" => "polygon".to_owned(),
        other => other.to_lowercase(),
    };
    format!("{parts}, {vertices} vertices{first}")
}

/// The fields of one record that differ between `old` and `new`.
fn field_changes(
    new_columns: &[String],
    old_columns: &[String],
    old: &RecordRow,
    new: &RecordRow,
) -> Result<Vec<FieldChange>, AppError> {
    let mut out = Vec::new();
    let position_is_a_column = |c: &[String], name: &str| c.iter().any(|n| n == name);
    for (name, o, n) in [("lon", old.lon, new.lon), ("lat", old.lat, new.lat)] {
        if o.to_bits() != n.to_bits()
            && !position_is_a_column(new_columns, name)
            && !position_is_a_column(old_columns, name)
        {
            out.push(FieldChange {
                field: name.into(),
                old: Some(o.to_string()),
                new: Some(n.to_string()),
            });
        }
    }
    if old.geometry_json != new.geometry_json {
        out.push(FieldChange {
            field: POLYGON_FIELD.into(),
            old: old.geometry_json.as_deref().map(polygon_summary),
            new: new.geometry_json.as_deref().map(polygon_summary),
        });
    }
    if old.values_json == new.values_json && old_columns == new_columns {
        return Ok(out);
    }
    let (old_values, new_values) = (decode(old)?, decode(new)?);
    let value = |columns: &[String], values: &[Cow<'_, str>], name: &str| {
        columns
            .iter()
            .position(|c| c == name)
            .map(|i| values.get(i).map_or("", |v| v.as_ref()).to_owned())
    };
    let names = new_columns
        .iter()
        .chain(old_columns.iter().filter(|c| !new_columns.contains(c)));
    for name in names {
        let o = value(old_columns, &old_values, name);
        let n = value(new_columns, &new_values, name);
        if o != n {
            out.push(FieldChange {
                field: name.clone(),
                old: o,
                new: n,
            });
        }
    }
    Ok(out)
}

impl Mrv {
    /// Compares `batch_id` with `against` (by default the batch it supersedes): counts of rows
    /// added, removed, changed and of flags appeared and cleared, and the records that differ
    /// from `offset`, at most `limit` (≤ [`MAX_DIFF_PAGE`]) of them.
    pub fn batch_diff(
        &self,
        session: &Session,
        batch_id: i64,
        against: Option<i64>,
        offset: u64,
        limit: u64,
    ) -> Result<BatchDiff, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let new = self.batch_record(batch_id)?;
        let against = match against.or(new.supersedes_batch_id) {
            Some(id) => id,
            None => {
                return Err(AppError::InvalidInput(format!(
                    "batch {batch_id} supersedes no batch; name the batch to compare it with (--against)"
                )))
            }
        };
        if against == batch_id {
            return Err(AppError::InvalidInput(format!(
                "batch {batch_id} compared with itself has no differences to show"
            )));
        }
        let old = self.batch_record(against)?;
        if old.project_id != new.project_id {
            return Err(AppError::InvalidInput(format!(
                "batch {against} is of project {}, batch {batch_id} of project {}: only versions of one project compare",
                old.project_id, new.project_id
            )));
        }
        let limit = limit.min(MAX_DIFF_PAGE);
        let (new_columns, old_columns) = (columns_of(&new)?, columns_of(&old)?);
        let conn = self.ws.conn();
        let (mut olds, mut news) = (Cursor::new(conn, old.id), Cursor::new(conn, new.id));
        let mut summary = DiffSummary::default();
        let mut total = 0u64;
        let mut rows = Vec::new();
        let mut emit = |row: DiffRow| {
            if total >= offset && total < offset.saturating_add(limit) {
                rows.push(row);
            }
            total += 1;
        };
        loop {
            let order = match (olds.peek()?, news.peek()?) {
                (None, None) => break,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(o), Some(n)) => o.record_id.as_str().cmp(n.record_id.as_str()),
            };
            match order {
                std::cmp::Ordering::Less => {
                    let o = olds.next()?.expect("peeked");
                    summary.removed += 1;
                    summary.flags_cleared += o.flags.len() as u64;
                    emit(DiffRow {
                        record_id: o.record_id,
                        change: DiffChange::Removed,
                        fields: Vec::new(),
                        flags_appeared: Vec::new(),
                        flags_cleared: o.flags,
                    });
                }
                std::cmp::Ordering::Greater => {
                    let n = news.next()?.expect("peeked");
                    summary.added += 1;
                    summary.flags_appeared += n.flags.len() as u64;
                    emit(DiffRow {
                        record_id: n.record_id,
                        change: DiffChange::Added,
                        fields: Vec::new(),
                        flags_appeared: n.flags,
                        flags_cleared: Vec::new(),
                    });
                }
                std::cmp::Ordering::Equal => {
                    let o = olds.next()?.expect("peeked");
                    let n = news.next()?.expect("peeked");
                    let fields = field_changes(&new_columns, &old_columns, &o, &n)?;
                    let appeared = sorted_minus(&n.flags, &o.flags);
                    let cleared = sorted_minus(&o.flags, &n.flags);
                    summary.flags_appeared += appeared.len() as u64;
                    summary.flags_cleared += cleared.len() as u64;
                    let change = if fields.is_empty() {
                        summary.unchanged += 1;
                        DiffChange::Flags
                    } else {
                        summary.changed += 1;
                        DiffChange::Changed
                    };
                    if !fields.is_empty() || !appeared.is_empty() || !cleared.is_empty() {
                        emit(DiffRow {
                            record_id: n.record_id,
                            change,
                            fields,
                            flags_appeared: appeared,
                            flags_cleared: cleared,
                        });
                    }
                }
            }
        }
        Ok(BatchDiff {
            batch_id: new.id,
            version: new.version,
            against_batch_id: old.id,
            against_version: old.version,
            summary,
            total,
            offset,
            limit,
            rows,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{ImportRequest, NewReviewFinding, Progress, Session, DEMO_PASSWORD};
    use std::path::Path;

    pub(crate) fn sign_in(mrv: &mut Mrv, name: &str) -> Session {
        mrv.sign_in(name, DEMO_PASSWORD).unwrap()
    }

    /// The demo workspace with batch 1 rejected by vera (CAR 1 on two rows, CL 1) and
    /// `edit`ed demo file imported by ana as version 2. Returns (mrv, vera, ana, v2 id).
    pub(crate) fn rejected_and_corrected(
        dir: &Path,
        edit: &dyn Fn(String) -> String,
    ) -> (Mrv, Session, Session, i64) {
        let mut mrv = Mrv::init(&dir.join("ws"), true).unwrap();
        let vera = sign_in(&mut mrv, "vera");
        let ana = sign_in(&mut mrv, "ana");
        mrv.start_review(&vera, 1).unwrap();
        mrv.reject_with_findings(
            &vera,
            1,
            &[
                NewReviewFinding {
                    code: "CAR/outside_boundary".into(),
                    text: "SDM-0200 lies outside the boundary".into(),
                    record_ids: vec!["SDM-0200".into()],
                },
                NewReviewFinding {
                    code: "CL/missing_evidence".into(),
                    text: "no field photos for the large trees".into(),
                    record_ids: vec![],
                },
            ],
        )
        .unwrap();
        let source = dir.join("ws").join("demo").join("tree-plots-2025.csv");
        let fixed = dir.join("tree-plots-2025-v2.csv");
        std::fs::write(&fixed, edit(std::fs::read_to_string(&source).unwrap())).unwrap();
        let request = ImportRequest {
            file: fixed,
            project_id: 1,
            period: "2025-01-01..2025-12-31".into(),
            crs: None,
            mapping: vec![],
        };
        let v2 = mrv
            .import_version(&ana, 1, &request, &mut |_| Progress::Continue)
            .unwrap();
        (mrv, vera, ana, v2.id)
    }

    /// Row 200 moved inside (its outside_boundary flag clears), row 4 moved outside (one
    /// appears), row 2's dbh changed, row 3 removed, SDM-0999 added.
    pub(crate) fn corrections(text: String) -> String {
        let mut out = String::new();
        for line in text.lines() {
            let line = if line.starts_with("SDM-0003,") {
                continue;
            } else if line.starts_with("SDM-0200,") {
                line.replace("-47.700000,-24.360000", "-47.830000,-24.230000")
            } else if line.starts_with("SDM-0004,") {
                line.replace("-47.951815,-24.192058", "-47.700000,-24.360000")
            } else if line.starts_with("SDM-0002,") {
                line.replace(",20.9,12.4,", ",21.9,12.4,")
            } else {
                line.to_owned()
            };
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str(
            "SDM-0999,2025-05-02,Inga edulis,17.1,10.2,0.760,-47.852000,-24.183000,crew-2\n",
        );
        out
    }

    #[test]
    fn diff_lists_added_removed_changed_rows_and_flags_appeared_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let (mrv, vera, _ana, v2) = rejected_and_corrected(dir.path(), &corrections);
        let diff = mrv.batch_diff(&vera, v2, None, 0, 1000).unwrap();
        assert_eq!((diff.against_batch_id, diff.against_version), (1, 1));
        assert_eq!(diff.version, 2);
        assert_eq!(diff.summary.added, 1, "{:?}", diff.summary);
        assert_eq!(diff.summary.removed, 1, "{:?}", diff.summary);
        assert_eq!(diff.summary.changed, 3, "{:?}", diff.summary);
        assert_eq!(diff.summary.unchanged, 236, "{:?}", diff.summary);
        let row = |id: &str| {
            diff.rows
                .iter()
                .find(|r| r.record_id == id)
                .unwrap_or_else(|| panic!("{id} not in {:#?}", diff.rows))
        };
        assert_eq!(row("SDM-0003").change, DiffChange::Removed);
        assert_eq!(row("SDM-0999").change, DiffChange::Added);
        let sdm2 = row("SDM-0002");
        assert_eq!(sdm2.change, DiffChange::Changed);
        assert_eq!(
            sdm2.fields,
            [FieldChange {
                field: "dbh_cm".into(),
                old: Some("20.9".into()),
                new: Some("21.9".into()),
            }]
        );
        let sdm200 = row("SDM-0200");
        assert!(sdm200.fields.iter().any(|f| f.field == "lon"
            && f.old.as_deref() == Some("-47.7")
            && f.new.as_deref() == Some("-47.83")));
        assert!(sdm200
            .flags_cleared
            .contains(&"outside_boundary".to_owned()));
        let sdm4 = row("SDM-0004");
        assert!(sdm4.flags_appeared.contains(&"outside_boundary".to_owned()));
        assert!(diff.summary.flags_appeared >= 1 && diff.summary.flags_cleared >= 1);
        // In record-id order, one entry per record that differs.
        let ids: Vec<&str> = diff.rows.iter().map(|r| r.record_id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert_eq!(diff.total, diff.rows.len() as u64);

        // Paged: the same entries a page at a time, with the same counts.
        let page = mrv.batch_diff(&vera, v2, Some(1), 1, 2).unwrap();
        assert_eq!(page.summary, diff.summary);
        assert_eq!(page.total, diff.total);
        assert_eq!(page.rows, diff.rows[1..3]);
        // The other way round, added and removed swap.
        let back = mrv.batch_diff(&vera, 1, Some(v2), 0, 10).unwrap();
        assert_eq!((back.summary.added, back.summary.removed), (1, 1));
        assert_eq!(back.summary.flags_appeared, diff.summary.flags_cleared);
        // A first version has nothing to compare with by default.
        let err = mrv.batch_diff(&vera, 1, None, 0, 10).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidInput);
        assert!(err.to_string().contains("--against"), "{err}");
    }

    #[test]
    fn a_changed_plot_polygon_is_listed_with_both_shapes_in_words() {
        let row = |geometry: Option<&str>| RecordRow {
            record_id: "P-1".into(),
            lon: -47.8,
            lat: -24.2,
            values_json: "[]".into(),
            geometry_json: geometry.map(str::to_owned),
            flags: Vec::new(),
        };
        let square = r#"{"type":"Polygon","coordinates":[[[-47.8,-24.2],[-47.79,-24.2],[-47.79,-24.19],[-47.8,-24.19],[-47.8,-24.2]]]}"#;
        let pentagon = r#"{"type":"Polygon","coordinates":[[[-47.8,-24.2],[-47.79,-24.2],[-47.785,-24.195],[-47.79,-24.19],[-47.8,-24.19],[-47.8,-24.2]]]}"#;
        let no_columns: Vec<String> = Vec::new();
        let same = field_changes(
            &no_columns,
            &no_columns,
            &row(Some(square)),
            &row(Some(square)),
        )
        .unwrap();
        assert!(same.is_empty(), "{same:?}");
        let moved = field_changes(
            &no_columns,
            &no_columns,
            &row(Some(square)),
            &row(Some(pentagon)),
        )
        .unwrap();
        assert_eq!(
            moved,
            vec![FieldChange {
                field: POLYGON_FIELD.into(),
                old: Some("polygon, 4 vertices, first at -47.800000, -24.200000".into()),
                new: Some("polygon, 5 vertices, first at -47.800000, -24.200000".into()),
            }]
        );
        let dropped =
            field_changes(&no_columns, &no_columns, &row(Some(square)), &row(None)).unwrap();
        assert_eq!(dropped[0].new, None);
        assert_eq!(
            polygon_summary(
                r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}"#
            ),
            "multipolygon of 2 parts, 6 vertices, first at 0.000000, 0.000000"
        );
        assert_eq!(polygon_summary("not json"), "not json");
    }

    #[test]
    fn reading_by_record_pages_covers_every_row_once() {
        let dir = tempfile::tempdir().unwrap();
        let mrv = Mrv::init(&dir.path().join("ws"), true).unwrap();
        let mut cursor = Cursor::new(mrv.ws.conn(), 1);
        let mut ids = Vec::new();
        while let Some(r) = cursor.next().unwrap() {
            ids.push(r.record_id);
        }
        assert_eq!(ids.len(), 240);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }
}
