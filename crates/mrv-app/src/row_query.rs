//! The rows table's sort and filters (issue 16): a [`RowQuery`] names fields by the batch's
//! column names (plus `row`, `lon`, `lat`, `flag` and `check`), is checked against the batch's
//! profile, and runs inside SQLite (`mrv_store::row_order`), so a million-row batch is sorted
//! and filtered without the rows ever reaching a front end. The resulting order is kept in a
//! [`RowOrderCache`] by a front end that pages through it.

use crate::batches::{check_page, RowView, RowsPage, MAX_PAGE};
use crate::{AppError, Mrv, Session};
use mrv_core::{Action, FieldKind, MethodologyProfile, Severity};
use mrv_store::{BatchRecord, CompareOp, RowCondition, RowConstant, RowField, RowOrderSpec};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;

/// How a filter compares a field with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Text containment, ignoring ASCII case.
    Contains,
}

impl FilterOp {
    /// The operators as written on the command line, longest first so `>=` wins over `>`.
    const SPELLINGS: [(&'static str, FilterOp); 7] = [
        (">=", FilterOp::Ge),
        ("<=", FilterOp::Le),
        ("!=", FilterOp::Ne),
        ("=", FilterOp::Eq),
        ("<", FilterOp::Lt),
        (">", FilterOp::Gt),
        ("~", FilterOp::Contains),
    ];

    pub fn symbol(self) -> &'static str {
        Self::SPELLINGS
            .iter()
            .find(|(_, op)| *op == self)
            .map(|(s, _)| *s)
            .expect("every operator has a spelling")
    }
}

/// One filter: `field op value`. `field` is a column of the batch, `row`, `lon`, `lat`,
/// `flag` (the row's worst flag: `none`, `any`, `low`, `medium`, `high`) or `check` (the
/// row has a flag raised by the named check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowFilter {
    pub field: String,
    pub op: FilterOp,
    pub value: String,
}

/// The sort: a field as in [`RowFilter`] (`flag` sorts by worst flag), and its direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowSort {
    pub field: String,
    pub descending: bool,
}

/// A table view of a batch's rows: filters (all must hold) and a sort (ties keep file order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowQuery {
    pub sort: Option<RowSort>,
    pub filters: Vec<RowFilter>,
}

impl RowQuery {
    /// The query `mrv batch show --sort KEY[:asc|:desc] --filter FIELD OP VALUE …` writes.
    pub fn parse(sort: Option<&str>, filters: &[String]) -> Result<RowQuery, AppError> {
        let sort = sort
            .map(|s| {
                let (field, dir) = match s.rsplit_once(':') {
                    Some((f, d)) => (f, Some(d)),
                    None => (s, None),
                };
                let descending = match dir.map(str::trim) {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    Some(other) => {
                        return Err(AppError::InvalidInput(format!(
                            "--sort `{s}`: the direction must be `asc` or `desc`, not `{other}`"
                        )))
                    }
                };
                let field = field.trim();
                if field.is_empty() {
                    return Err(AppError::InvalidInput(format!(
                        "--sort `{s}` names no field"
                    )));
                }
                Ok(RowSort {
                    field: field.to_owned(),
                    descending,
                })
            })
            .transpose()?;
        let filters = filters
            .iter()
            .map(|f| parse_filter(f))
            .collect::<Result<_, _>>()?;
        Ok(RowQuery { sort, filters })
    }

    /// Whether this is the plain file-order view of every row.
    pub fn is_plain(&self) -> bool {
        self.filters.is_empty()
            && self
                .sort
                .as_ref()
                .is_none_or(|s| s.field == "row" && !s.descending)
    }
}

fn parse_filter(text: &str) -> Result<RowFilter, AppError> {
    let at = text
        .char_indices()
        .find(|(_, c)| matches!(c, '=' | '!' | '<' | '>' | '~'))
        .map(|(i, _)| i)
        .ok_or_else(|| {
            AppError::InvalidInput(format!(
                "--filter `{text}` has no operator; write FIELD=VALUE (or !=, <, <=, >, >=, ~)"
            ))
        })?;
    let rest = &text[at..];
    let (spelling, op) = FilterOp::SPELLINGS
        .iter()
        .find(|(s, _)| rest.starts_with(s))
        .copied()
        .ok_or_else(|| {
            AppError::InvalidInput(format!("--filter `{text}`: `{rest}` is not an operator"))
        })?;
    let field = text[..at].trim();
    if field.is_empty() {
        return Err(AppError::InvalidInput(format!(
            "--filter `{text}` names no field before `{spelling}`"
        )));
    }
    Ok(RowFilter {
        field: field.to_owned(),
        op,
        value: rest[spelling.len()..].trim().to_owned(),
    })
}

/// Resolves a field name against the batch's columns and profile.
fn field_of(
    name: &str,
    columns: &[String],
    profile: &MethodologyProfile,
    what: &str,
) -> Result<(RowField, bool), AppError> {
    let numeric = |f: RowField| (f, true);
    Ok(match name {
        "row" | "#" | "index" => numeric(RowField::Position),
        "lon" => numeric(RowField::Lon),
        "lat" => numeric(RowField::Lat),
        "flag" => numeric(RowField::WorstFlag),
        "record_id" => (RowField::RecordId, false),
        "obs_date" => (RowField::ObsDate, false),
        "claimed_tco2e" => numeric(RowField::ClaimedTco2e),
        n if n == profile.id_field => (RowField::RecordId, false),
        n if n == profile.date_field => (RowField::ObsDate, false),
        n if n == profile.claimed_tco2e_field => numeric(RowField::ClaimedTco2e),
        n => {
            let index = columns.iter().position(|c| c == n).ok_or_else(|| {
                AppError::InvalidInput(format!(
                    "{what}: the batch has no column `{n}`; its columns are {}, and row, lon, lat, flag, check",
                    columns.join(", ")
                ))
            })?;
            let numeric = matches!(
                profile.fields.iter().find(|f| f.name == n).map(|f| f.kind),
                Some(FieldKind::Number | FieldKind::Integer)
            );
            (RowField::Value { index, numeric }, numeric)
        }
    })
}

fn severity_rank(s: Severity) -> f64 {
    match s {
        Severity::Low => 1.0,
        Severity::Medium => 2.0,
        Severity::High => 3.0,
    }
}

/// Turns a query into the store's terms, refusing unknown fields, operators that do not apply
/// and values of the wrong kind, each error naming the filter.
pub(crate) fn order_spec(
    query: &RowQuery,
    columns: &[String],
    profile: &MethodologyProfile,
) -> Result<RowOrderSpec, AppError> {
    let mut conditions = Vec::with_capacity(query.filters.len());
    for f in &query.filters {
        let shown = format!("filter `{}{}{}`", f.field, f.op.symbol(), f.value);
        if f.field == "check" {
            if f.op != FilterOp::Eq || f.value.is_empty() {
                return Err(AppError::InvalidInput(format!(
                    "{shown}: write check=NAME (a check such as outside_boundary)"
                )));
            }
            conditions.push(RowCondition::HasCheck(f.value.clone()));
            continue;
        }
        if f.field == "flag" {
            let (op, rank) = match f.value.as_str() {
                "none" => (CompareOp::Eq, 0.0),
                "any" => (CompareOp::Gt, 0.0),
                v => {
                    let s = Severity::parse(v).ok_or_else(|| {
                        AppError::InvalidInput(format!(
                            "{shown}: a flag is none, any, low, medium or high, not `{v}`"
                        ))
                    })?;
                    (store_op(f.op), severity_rank(s))
                }
            };
            if matches!(f.value.as_str(), "none" | "any") && f.op != FilterOp::Eq {
                return Err(AppError::InvalidInput(format!(
                    "{shown}: `none` and `any` take `=` only"
                )));
            }
            if f.op == FilterOp::Contains {
                return Err(AppError::InvalidInput(format!(
                    "{shown}: `~` compares text; a flag takes =, !=, <, <=, >, >="
                )));
            }
            conditions.push(RowCondition::Compare {
                field: RowField::WorstFlag,
                op,
                value: RowConstant::Number(rank),
            });
            continue;
        }
        let (field, numeric) = field_of(&f.field, columns, profile, &shown)?;
        let value = if numeric && f.op != FilterOp::Contains {
            let n: f64 = f
                .value
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| {
                    AppError::InvalidInput(format!(
                        "{shown}: `{}` is a number column; `{}` is not a number",
                        f.field, f.value
                    ))
                })?;
            RowConstant::Number(n)
        } else {
            RowConstant::Text(f.value.clone())
        };
        conditions.push(RowCondition::Compare {
            field,
            op: store_op(f.op),
            value,
        });
    }
    let sort = match &query.sort {
        None => None,
        Some(s) if s.field == "check" => {
            return Err(AppError::InvalidInput(
                "sort: `check` is a filter; sort by `flag` for the worst flag".into(),
            ))
        }
        Some(s) => Some((
            field_of(&s.field, columns, profile, &format!("sort `{}`", s.field))?.0,
            s.descending,
        )),
    };
    Ok(RowOrderSpec { conditions, sort })
}

fn store_op(op: FilterOp) -> CompareOp {
    match op {
        FilterOp::Eq => CompareOp::Eq,
        FilterOp::Ne => CompareOp::Ne,
        FilterOp::Lt => CompareOp::Lt,
        FilterOp::Le => CompareOp::Le,
        FilterOp::Gt => CompareOp::Gt,
        FilterOp::Ge => CompareOp::Ge,
        FilterOp::Contains => CompareOp::Contains,
    }
}

type OrderKey = (i64, RowQuery, (i64, i64));

/// The last few computed orders, so paging through a sorted million-row view sorts once. A
/// cached order is used only while the batch's flags are unchanged (rows never change).
#[derive(Debug, Default)]
pub struct RowOrderCache {
    entries: VecDeque<(OrderKey, Arc<Vec<i64>>)>,
}

impl RowOrderCache {
    const KEEP: usize = 4;

    fn get(&mut self, key: &OrderKey) -> Option<Arc<Vec<i64>>> {
        let at = self.entries.iter().position(|(k, _)| k == key)?;
        let entry = self.entries.remove(at)?;
        let order = entry.1.clone();
        self.entries.push_front(entry);
        Some(order)
    }

    fn put(&mut self, key: OrderKey, order: Arc<Vec<i64>>) {
        self.entries.retain(|(k, _)| k.0 != key.0 || k.2 == key.2);
        self.entries.push_front((key, order));
        self.entries.truncate(Self::KEEP);
    }
}

impl Mrv {
    /// Rows `offset .. offset + limit` of a batch as the query filters and sorts them; `total`
    /// is the number of rows the filters keep. `cache` keeps the order between pages.
    pub fn query_rows(
        &self,
        session: &Session,
        batch_id: i64,
        query: &RowQuery,
        offset: i64,
        limit: i64,
        cache: Option<&mut RowOrderCache>,
    ) -> Result<RowsPage, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        check_page(offset, limit)?;
        if query.is_plain() {
            return self.rows_page(batch_id, offset, limit);
        }
        let batch = self.batch_record(batch_id)?;
        let order = self.row_order(&batch, query, cache)?;
        let range = mrv_store::row_indices(order.len() as i64, offset, limit.min(MAX_PAGE));
        let ids = &order[range.start as usize..range.end as usize];
        let records = mrv_store::measurements_by_id(self.ws.conn(), &batch, ids)?;
        let rows = self.row_views(&batch, records)?;
        Ok(RowsPage {
            batch_id,
            offset,
            total: order.len() as i64,
            batch_row_count: batch.row_count,
            columns: crate::batches::parse_columns(&batch)?,
            rows,
        })
    }

    fn row_order(
        &self,
        batch: &BatchRecord,
        query: &RowQuery,
        cache: Option<&mut RowOrderCache>,
    ) -> Result<Arc<Vec<i64>>, AppError> {
        let columns = crate::batches::parse_columns(batch)?;
        let profile = self.profile_of(batch.project_id)?;
        let spec = order_spec(query, &columns, &profile)?;
        let fingerprint = mrv_store::flags_fingerprint(self.ws.conn(), batch.id)?;
        let key = (batch.id, query.clone(), fingerprint);
        if let Some(cache) = cache {
            if let Some(order) = cache.get(&key) {
                return Ok(order);
            }
            let order = Arc::new(mrv_store::row_order(self.ws.conn(), batch, &spec)?);
            cache.put(key, order.clone());
            return Ok(order);
        }
        Ok(Arc::new(mrv_store::row_order(
            self.ws.conn(),
            batch,
            &spec,
        )?))
    }

    /// Stored rows as front ends show them, with their worst flags.
    pub(crate) fn row_views(
        &self,
        batch: &BatchRecord,
        records: Vec<mrv_store::MeasurementRecord>,
    ) -> Result<Vec<RowView>, AppError> {
        let ids: Vec<i64> = records
            .iter()
            .map(|m| batch.first_row_id + m.index - 1)
            .collect();
        let worst = mrv_store::worst_flags(self.ws.conn(), batch.id, &ids)?;
        records
            .into_iter()
            .zip(ids)
            .map(|(m, row_id)| {
                let values: Vec<String> = serde_json::from_str(&m.values_json).map_err(|e| {
                    AppError::Internal(format!(
                        "batch {} row {}: stored values unreadable: {e}",
                        batch.id, m.index
                    ))
                })?;
                let (worst_flag, flag_count) = match worst.get(&row_id) {
                    Some((s, n)) => (Severity::parse(s), *n),
                    None => (None, 0),
                };
                Ok(RowView {
                    index: m.index,
                    record_id: m.record_id,
                    lon: m.lon,
                    lat: m.lat,
                    values,
                    has_geometry: m.geometry_json.is_some(),
                    worst_flag,
                    flag_count,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_sorts_parse_as_written_and_bad_ones_name_themselves() {
        let q = RowQuery::parse(
            Some("claimed_tco2e:desc"),
            &[
                "flag>=medium".into(),
                "site~north".into(),
                "depth_cm<=30".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            q.sort,
            Some(RowSort {
                field: "claimed_tco2e".into(),
                descending: true
            })
        );
        assert_eq!(
            q.filters,
            vec![
                RowFilter {
                    field: "flag".into(),
                    op: FilterOp::Ge,
                    value: "medium".into()
                },
                RowFilter {
                    field: "site".into(),
                    op: FilterOp::Contains,
                    value: "north".into()
                },
                RowFilter {
                    field: "depth_cm".into(),
                    op: FilterOp::Le,
                    value: "30".into()
                },
            ]
        );
        assert!(!q.is_plain());
        assert!(RowQuery::parse(Some("row"), &[]).unwrap().is_plain());
        let err = RowQuery::parse(None, &["claimed".into()]).unwrap_err();
        assert!(err
            .to_string()
            .contains("--filter `claimed` has no operator"));
        let err = RowQuery::parse(Some("claimed_tco2e:down"), &[]).unwrap_err();
        assert!(err.to_string().contains("`asc` or `desc`"), "{err}");
        let err = RowQuery::parse(None, &["=3".into()]).unwrap_err();
        assert!(err.to_string().contains("names no field"), "{err}");
    }

    #[test]
    fn cache_keeps_recent_orders_and_drops_stale_ones() {
        let mut cache = RowOrderCache::default();
        let q = RowQuery::parse(Some("lon"), &[]).unwrap();
        cache.put((1, q.clone(), (3, 9)), Arc::new(vec![3, 2, 1]));
        assert_eq!(
            cache.get(&(1, q.clone(), (3, 9))).unwrap().as_slice(),
            &[3, 2, 1]
        );
        // Flags changed: the old entry is not served and a new one replaces it.
        assert!(cache.get(&(1, q.clone(), (4, 12))).is_none());
        cache.put((1, q.clone(), (4, 12)), Arc::new(vec![1, 2, 3]));
        assert!(cache.get(&(1, q.clone(), (3, 9))).is_none());
        for b in 2..10 {
            cache.put((b, q.clone(), (0, 0)), Arc::new(vec![b]));
        }
        assert_eq!(cache.entries.len(), RowOrderCache::KEEP);
        assert!(cache.get(&(9, q, (0, 0))).is_some());
    }
}
