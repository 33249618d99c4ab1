//! Measurement rows as stamp leaves (spec `mrv-stamp/v2` §3, unchanged since v1): each row
//! normalised, written as RFC 8785 canonical JSON, hashed as an RFC 6962 leaf; `rows_root` is
//! the Merkle tree hash of the leaves in row order.
//!
//! The leaf is written directly in canonical form (members in UTF-16 order, fields sorted by
//! name once per batch): a million rows cost about what hashing their bytes costs. A test
//! checks every leaf against the general canonicaliser.

use crate::jcs::write_string;
use crate::normalize::{self, NormalizeError};
use mrv_tlog::{leaf_hash, Hash, TreeBuilder};

/// How a column's values are normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    Number,
    Date,
}

/// The columns of a batch, in the order its rows give their values.
#[derive(Debug, Clone)]
pub struct RowSchema {
    /// (name, kind) in row order.
    columns: Vec<(String, ValueKind)>,
    /// Column indexes in the order their names sort (UTF-16 code units).
    sorted: Vec<usize>,
}

impl RowSchema {
    pub fn new(columns: Vec<(String, ValueKind)>) -> RowSchema {
        let mut sorted: Vec<usize> = (0..columns.len()).collect();
        sorted.sort_by(|&a, &b| columns[a].0.encode_utf16().cmp(columns[b].0.encode_utf16()));
        RowSchema { columns, sorted }
    }

    pub fn columns(&self) -> &[(String, ValueKind)] {
        &self.columns
    }
}

/// One measurement row as imported: its 1-based index, id, WGS84 position and its values in
/// schema order (`""` for an empty optional value).
#[derive(Debug, Clone, Copy)]
pub struct RowInput<'a> {
    pub index: u64,
    pub id: &'a str,
    pub lon: f64,
    pub lat: f64,
    pub values: &'a [&'a str],
}

/// A value that cannot be normalised, with where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("row {row}, column `{column}`: {problem}")]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub problem: NormalizeError,
}

/// Writes the canonical leaf text of `row` into `out` (cleared first):
/// `{"fields":{NAME:VALUE|null,…},"id":ID,"lat":LAT,"lon":LON,"row":N}`.
pub fn write_leaf(
    schema: &RowSchema,
    row: &RowInput<'_>,
    out: &mut Vec<u8>,
) -> Result<(), RowError> {
    out.clear();
    let fail = |column: &str, problem| RowError {
        row: row.index,
        column: column.to_owned(),
        problem,
    };
    out.extend_from_slice(b"{\"fields\":{");
    for (k, &i) in schema.sorted.iter().enumerate() {
        let (name, kind) = &schema.columns[i];
        if k > 0 {
            out.push(b',');
        }
        write_string(name, out);
        out.push(b':');
        let raw = row.values.get(i).copied().unwrap_or("");
        if raw.trim().is_empty() {
            out.extend_from_slice(b"null");
            continue;
        }
        match kind {
            ValueKind::Text => write_string(&normalize::text(raw), out),
            ValueKind::Number => {
                write_string(&normalize::number(raw).map_err(|e| fail(name, e))?, out)
            }
            ValueKind::Date => write_string(normalize::date(raw).map_err(|e| fail(name, e))?, out),
        }
    }
    out.extend_from_slice(b"},\"id\":");
    write_string(&normalize::text(row.id), out);
    let mut coordinate = String::with_capacity(16);
    out.extend_from_slice(b",\"lat\":");
    normalize::write_coordinate(row.lat, &mut coordinate).map_err(|e| fail("lat", e))?;
    write_string(&coordinate, out);
    out.extend_from_slice(b",\"lon\":");
    normalize::write_coordinate(row.lon, &mut coordinate).map_err(|e| fail("lon", e))?;
    write_string(&coordinate, out);
    out.extend_from_slice(b",\"row\":");
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = row.index;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
    out.push(b'}');
    Ok(())
}

/// The leaf hash of one row.
pub fn row_leaf_hash(schema: &RowSchema, row: &RowInput<'_>) -> Result<Hash, RowError> {
    let mut bytes = Vec::new();
    write_leaf(schema, row, &mut bytes)?;
    Ok(leaf_hash(&bytes))
}

/// `rows_root` built row by row; rows must come in order 1, 2, 3, ….
#[derive(Debug, Clone)]
pub struct RowsTree {
    schema: RowSchema,
    tree: TreeBuilder,
    buffer: Vec<u8>,
}

impl RowsTree {
    pub fn new(schema: RowSchema) -> RowsTree {
        RowsTree {
            schema,
            tree: TreeBuilder::new(),
            buffer: Vec::with_capacity(512),
        }
    }

    /// Adds the next row; its index must be the count so far plus one.
    pub fn push(&mut self, row: &RowInput<'_>) -> Result<Hash, RowError> {
        if row.index != self.tree.size() + 1 {
            return Err(RowError {
                row: row.index,
                column: "row".into(),
                problem: NormalizeError::NotANumber(format!(
                    "row {} out of order (expected {})",
                    row.index,
                    self.tree.size() + 1
                )),
            });
        }
        write_leaf(&self.schema, row, &mut self.buffer)?;
        let leaf = leaf_hash(&self.buffer);
        self.tree.push(leaf);
        Ok(leaf)
    }

    /// Adds the next rows (in order), computing their leaves on all cores when there are many.
    pub fn push_rows(&mut self, rows: &[RowInput<'_>]) -> Result<(), RowError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        if threads == 1 || rows.len() < 8192 {
            for row in rows {
                self.push(row)?;
            }
            return Ok(());
        }
        let first = self.tree.size() + 1;
        if let Some((k, row)) = rows
            .iter()
            .enumerate()
            .find(|(k, r)| r.index != first + *k as u64)
        {
            return Err(RowError {
                row: row.index,
                column: "row".into(),
                problem: NormalizeError::NotANumber(format!(
                    "row {} out of order (expected {})",
                    row.index,
                    first + k as u64
                )),
            });
        }
        let schema = &self.schema;
        let share = rows.len().div_ceil(threads);
        let parts: Vec<Result<Vec<Hash>, RowError>> = std::thread::scope(|scope| {
            let jobs: Vec<_> = rows
                .chunks(share)
                .map(|chunk| {
                    scope.spawn(move || {
                        let mut buffer = Vec::with_capacity(512);
                        chunk
                            .iter()
                            .map(|row| {
                                write_leaf(schema, row, &mut buffer)?;
                                Ok(leaf_hash(&buffer))
                            })
                            .collect()
                    })
                })
                .collect();
            jobs.into_iter()
                .map(|j| j.join().expect("leaf thread panicked"))
                .collect()
        });
        let mut leaves = Vec::with_capacity(rows.len());
        for part in parts {
            leaves.extend(part?);
        }
        for leaf in leaves {
            self.tree.push(leaf);
        }
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.tree.size()
    }

    pub fn root(&self) -> Hash {
        self.tree.root()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jcs::canonical_string;
    use proptest::prelude::*;
    use serde_json::{json, Map, Value};

    fn schema() -> RowSchema {
        RowSchema::new(vec![
            ("plot_id".into(), ValueKind::Text),
            ("date".into(), ValueKind::Date),
            ("dbh_cm".into(), ValueKind::Number),
            ("Notes".into(), ValueKind::Text),
            ("é_extra".into(), ValueKind::Text),
        ])
    }

    #[test]
    fn a_leaf_is_the_canonical_json_of_the_normalised_row() {
        let values = ["P-1", "2025-03-01", "012.50", "", " Cafe\u{301} "];
        let row = RowInput {
            index: 7,
            id: "P-1",
            lon: -47.85,
            lat: -24.18,
            values: &values,
        };
        let mut out = Vec::new();
        write_leaf(&schema(), &row, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"fields":{"Notes":null,"date":"2025-03-01","dbh_cm":"12.5","plot_id":"P-1","é_extra":"Café"},"id":"P-1","lat":"-24.1800000","lon":"-47.8500000","row":7}"#
        );
    }

    #[test]
    fn bad_values_name_row_and_column() {
        let values = ["P-1", "2025-3-1", "1", "", ""];
        let row = RowInput {
            index: 3,
            id: "P-1",
            lon: 0.0,
            lat: 0.0,
            values: &values,
        };
        let err = row_leaf_hash(&schema(), &row).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 3, column `date`: `2025-3-1` is not a YYYY-MM-DD date"
        );
    }

    proptest! {
        /// The direct writer agrees with the general RFC 8785 canonicaliser on any row.
        #[test]
        fn direct_leaf_equals_general_canonical_json(
            id in "\\PC{0,12}",
            text in "\\PC{0,20}",
            number in -1.0e6f64..1.0e6,
            lon in -180.0f64..180.0,
            lat in -90.0f64..90.0,
            index in 1u64..10_000_000,
        ) {
            let number_text = format!("{number}");
            let values = [text.as_str(), "2025-01-31", number_text.as_str(), "", "x"];
            let row = RowInput { index, id: &id, lon, lat, values: &values };
            let mut direct = Vec::new();
            write_leaf(&schema(), &row, &mut direct).unwrap();
            let mut fields = Map::new();
            let s = schema();
            for (i, (name, kind)) in s.columns().iter().enumerate() {
                let raw = values[i];
                let v = if raw.trim().is_empty() {
                    Value::Null
                } else {
                    match kind {
                        ValueKind::Text => json!(normalize::text(raw)),
                        ValueKind::Number => json!(normalize::number(raw).unwrap()),
                        ValueKind::Date => json!(normalize::date(raw).unwrap()),
                    }
                };
                fields.insert(name.clone(), v);
            }
            let general = json!({
                "row": index,
                "id": normalize::text(&id),
                "lon": normalize::coordinate(lon).unwrap(),
                "lat": normalize::coordinate(lat).unwrap(),
                "fields": fields,
            });
            prop_assert_eq!(String::from_utf8(direct).unwrap(), canonical_string(&general).unwrap());
        }
    }

    #[test]
    fn rows_root_is_the_rfc6962_root_of_the_leaves_in_order() {
        let s = schema();
        let mut tree = RowsTree::new(s.clone());
        let mut leaves = Vec::new();
        for i in 1..=5u64 {
            let id = format!("P-{i}");
            let values = [id.as_str(), "2025-01-01", "1", "", ""];
            let row = RowInput {
                index: i,
                id: &id,
                lon: 1.0,
                lat: 2.0,
                values: &values,
            };
            leaves.push(tree.push(&row).unwrap());
            assert_eq!(leaves[i as usize - 1], row_leaf_hash(&s, &row).unwrap());
        }
        assert_eq!(tree.count(), 5);
        // Many rows at once (on all cores) give the same root as one by one.
        let ids: Vec<String> = (1..=20_000).map(|i| format!("Q-{i}")).collect();
        let values: Vec<[&str; 5]> = ids
            .iter()
            .map(|id| [id.as_str(), "2025-01-01", "2.50", "", ""])
            .collect();
        let rows: Vec<RowInput> = (0..20_000)
            .map(|k| RowInput {
                index: k as u64 + 1,
                id: &ids[k],
                lon: k as f64 / 1e3,
                lat: 1.0,
                values: &values[k],
            })
            .collect();
        let mut one_by_one = RowsTree::new(s.clone());
        for row in &rows {
            one_by_one.push(row).unwrap();
        }
        let mut at_once = RowsTree::new(s.clone());
        at_once.push_rows(&rows[..10_000]).unwrap();
        at_once.push_rows(&rows[10_000..]).unwrap();
        assert_eq!(at_once.root(), one_by_one.root());
        assert_eq!(at_once.count(), 20_000);
        let mut gap = RowsTree::new(s.clone());
        assert!(gap.push_rows(&rows[1..]).is_err());
        assert_eq!(tree.root(), mrv_tlog::root(&leaves));
        let values = ["x", "2025-01-01", "1", "", ""];
        let skipped = RowInput {
            index: 9,
            id: "x",
            lon: 1.0,
            lat: 2.0,
            values: &values,
        };
        assert!(tree.push(&skipped).is_err());
    }
}
