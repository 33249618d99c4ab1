//! A batch's rows filtered and sorted inside SQLite: the order in which a table view shows
//! them, as `row_id`s, and each row's worst flag.
//!
//! The caller (mrv-app's `row_query`) names columns and operators from the batch's profile;
//! this module only turns those typed terms into one parameterised statement.

use crate::{BatchRecord, StoreError};
use rusqlite::{params_from_iter, types::Value, Connection};
use std::collections::HashMap;

/// A value a view sorts or filters on.
#[derive(Debug, Clone, PartialEq)]
pub enum RowField {
    /// The row's 1-based position in its batch (file order).
    Position,
    RecordId,
    Lon,
    Lat,
    ObsDate,
    ClaimedTco2e,
    /// The rank of the row's worst flag: 0 none, 1 low, 2 medium, 3 high.
    WorstFlag,
    /// The row's `index`th stored value, compared as a number when `numeric`.
    Value {
        index: usize,
        numeric: bool,
    },
}

/// A comparison of a field with a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// Text containment, case-insensitive (ASCII).
    Contains,
}

/// One condition a row must meet.
#[derive(Debug, Clone, PartialEq)]
pub enum RowCondition {
    Compare {
        field: RowField,
        op: CompareOp,
        value: RowConstant,
    },
    /// The row has at least one flag raised by this check.
    HasCheck(String),
}

/// A constant on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum RowConstant {
    Number(f64),
    Text(String),
}

/// Filters (all must hold) and a sort; rows that tie keep file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowOrderSpec {
    pub conditions: Vec<RowCondition>,
    /// `None` keeps file order.
    pub sort: Option<(RowField, bool)>,
}

const WORST_FLAG: &str =
    "(SELECT MAX(CASE f.severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END)
  FROM flag f WHERE f.batch_id = ?1 AND f.row_id = m.row_id)";

fn field_sql(field: &RowField, first_row_id: i64) -> String {
    match field {
        RowField::Position => format!("(m.row_id - {first_row_id} + 1)"),
        RowField::RecordId => "m.record_id".into(),
        RowField::Lon => "m.lon".into(),
        RowField::Lat => "m.lat".into(),
        RowField::ObsDate => "m.obs_date".into(),
        RowField::ClaimedTco2e => "m.claimed_tco2e".into(),
        RowField::WorstFlag => format!("COALESCE({WORST_FLAG}, 0)"),
        // The stored values are a JSON array of strings; an empty string is "no value".
        RowField::Value { index, numeric } => {
            let text = format!("json_extract(m.values_json, '$[{index}]')");
            if *numeric {
                format!("CAST(NULLIF({text}, '') AS REAL)")
            } else {
                text
            }
        }
    }
}

/// The `row_id`s of a batch's rows that meet `spec`, in its order.
pub fn row_order(
    conn: &Connection,
    batch: &BatchRecord,
    spec: &RowOrderSpec,
) -> Result<Vec<i64>, StoreError> {
    let first = batch.first_row_id;
    let mut sql =
        String::from("SELECT m.row_id FROM measurement m WHERE m.row_id >= ?2 AND m.row_id < ?3");
    let mut args: Vec<Value> = vec![
        Value::Integer(batch.id),
        Value::Integer(first),
        Value::Integer(first.saturating_add(batch.row_count)),
    ];
    for condition in &spec.conditions {
        match condition {
            RowCondition::HasCheck(check) => {
                args.push(Value::Text(check.clone()));
                sql += &format!(
                    " AND EXISTS (SELECT 1 FROM flag f WHERE f.batch_id = ?1 AND f.row_id = m.row_id AND f.check_name = ?{})",
                    args.len()
                );
            }
            RowCondition::Compare { field, op, value } => {
                let lhs = field_sql(field, first);
                let param = match value {
                    RowConstant::Number(n) => Value::Real(*n),
                    RowConstant::Text(t) => Value::Text(t.clone()),
                };
                args.push(param);
                let n = args.len();
                sql += &match op {
                    CompareOp::Eq => format!(" AND {lhs} = ?{n}"),
                    CompareOp::Ne => format!(" AND ({lhs} IS NULL OR {lhs} <> ?{n})"),
                    CompareOp::Lt => format!(" AND {lhs} < ?{n}"),
                    CompareOp::Le => format!(" AND {lhs} <= ?{n}"),
                    CompareOp::Gt => format!(" AND {lhs} > ?{n}"),
                    CompareOp::Ge => format!(" AND {lhs} >= ?{n}"),
                    CompareOp::Contains => format!(" AND instr(lower({lhs}), lower(?{n})) > 0"),
                };
            }
        }
    }
    match &spec.sort {
        None => sql += " ORDER BY m.row_id",
        Some((field, descending)) => {
            let dir = if *descending { "DESC" } else { "ASC" };
            // Missing values go last whichever way the column is sorted.
            let key = field_sql(field, first);
            sql += &format!(" ORDER BY ({key}) IS NULL, {key} {dir}, m.row_id");
        }
    }
    let mut stmt = conn.prepare(&sql)?;
    let ids = stmt
        .query_map(params_from_iter(args.iter()), |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// A fingerprint of a batch's flags (count and highest id): it changes whenever enrichment
/// replaces them, so a cached order that depends on flags can tell it is stale.
pub fn flags_fingerprint(conn: &Connection, batch_id: i64) -> Result<(i64, i64), StoreError> {
    Ok(conn.query_row(
        "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM flag WHERE batch_id = ?1",
        [batch_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The worst flag severity (`low`, `medium`, `high`) and flag count of each of the given rows
/// that has flags.
pub fn worst_flags(
    conn: &Connection,
    batch_id: i64,
    row_ids: &[i64],
) -> Result<HashMap<i64, (String, i64)>, StoreError> {
    let mut out = HashMap::new();
    if row_ids.is_empty() {
        return Ok(out);
    }
    let (lo, hi) = row_ids.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &id| {
        (lo.min(id), hi.max(id))
    });
    let mut range = conn.prepare_cached(
        "SELECT row_id, MAX(CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END), COUNT(*)
         FROM flag WHERE batch_id = ?1 AND row_id >= ?2 AND row_id <= ?3 GROUP BY row_id",
    )?;
    let name = |rank: i64| match rank {
        3 => "high",
        2 => "medium",
        _ => "low",
    };
    // A contiguous window (file order) is one range scan; a sorted page is one range per row.
    let ranges: Vec<(i64, i64)> = if hi - lo < 4 * row_ids.len() as i64 {
        vec![(lo, hi)]
    } else {
        row_ids.iter().map(|&id| (id, id)).collect()
    };
    for (from, to) in ranges {
        let mut rows = range.query(rusqlite::params![batch_id, from, to])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            out.insert(id, (name(r.get(1)?).to_owned(), r.get(2)?));
        }
    }
    Ok(out)
}

/// The rows with these `row_id`s (in the given order) of a batch.
pub fn measurements_by_id(
    conn: &Connection,
    batch: &BatchRecord,
    row_ids: &[i64],
) -> Result<Vec<crate::MeasurementRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT row_id, record_id, lon, lat, obs_date, claimed_tco2e, values_json, geometry_json
         FROM measurement WHERE row_id = ?1",
    )?;
    let first = batch.first_row_id;
    let end = first.saturating_add(batch.row_count);
    let mut out = Vec::with_capacity(row_ids.len());
    for &id in row_ids {
        if id < first || id >= end {
            continue;
        }
        let mut rows = stmt.query([id])?;
        if let Some(r) = rows.next()? {
            out.push(crate::queries::measurement_record(r, first)?);
        }
    }
    Ok(out)
}
