//! Matching source columns (CSV headers or GeoJSON property names) to profile fields, after the
//! user's explicit mapping.

use super::ColumnMapping;
use mrv_core::MethodologyProfile;
use std::collections::HashMap;

/// How source columns feed a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// Per profile field, the source column index.
    pub field_cols: Vec<Option<usize>>,
    /// (x or lon column, y or lat column).
    pub coord_cols: Option<(usize, usize)>,
    /// Source columns kept as extra attributes: (column index, name).
    pub extras: Vec<(usize, String)>,
}

/// Which profile field (or coordinate) a source column name stands for once mapped.
pub(crate) fn target_of<'m>(header: &'m str, mapping: &'m [ColumnMapping]) -> &'m str {
    mapping
        .iter()
        .find(|m| m.source == header)
        .map_or(header.trim(), |m| m.field.as_str())
}

const COORDINATES: [&str; 4] = ["lon", "lat", "x", "y"];

/// Checks the mapping against the profile and headers; returns problems as plain rules.
pub(crate) fn check_mapping(
    headers: &[String],
    mapping: &[ColumnMapping],
    profile: &MethodologyProfile,
) -> Vec<String> {
    let mut problems = Vec::new();
    for m in mapping {
        if !headers.iter().any(|h| h == &m.source) {
            problems.push(format!(
                "--map {}={}: the file has no column `{}`",
                m.source, m.field, m.source
            ));
        }
        if profile.field(&m.field).is_none() && !COORDINATES.contains(&m.field.as_str()) {
            problems.push(format!(
                "--map {}={}: `{}` is not a field of methodology {} (fields: {}, plus lon/lat or x/y)",
                m.source,
                m.field,
                m.field,
                profile.id,
                profile.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    problems
}

/// Resolves columns. Names match a field exactly, or else ignoring case and surrounding spaces.
pub(crate) fn resolve(
    headers: &[String],
    mapping: &[ColumnMapping],
    profile: &MethodologyProfile,
    crs_given: bool,
) -> Result<Layout, Vec<String>> {
    let mut problems = check_mapping(headers, mapping, profile);
    let targets: Vec<String> = headers
        .iter()
        .map(|h| canonical_target(target_of(h, mapping), profile))
        .collect();
    // Each target's first column, found in one pass (a file may have many thousand columns).
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(targets.len());
    for (i, t) in targets.iter().enumerate() {
        if let Some(&j) = first.get(t.as_str()) {
            problems.push(format!(
                "columns `{}` and `{}` both stand for `{t}`",
                headers[j], headers[i]
            ));
        } else {
            first.insert(t, i);
        }
    }
    let find = |name: &str| first.get(name).copied();
    let mut field_cols = Vec::with_capacity(profile.fields.len());
    for field in &profile.fields {
        let col = find(&field.name);
        if col.is_none() && field.required {
            problems.push(format!(
                "required column `{}` is missing (map a column to it with --map SOURCE={})",
                field.name, field.name
            ));
        }
        field_cols.push(col);
    }
    let coord_cols = match (find("lon"), find("lat"), find("x"), find("y")) {
        (Some(lon), Some(lat), _, _) => Some((lon, lat)),
        (_, _, Some(x), Some(y)) if crs_given => Some((x, y)),
        (_, _, Some(_), Some(_)) => {
            problems.push(
                "columns x/y hold projected coordinates: give their CRS (--crs EPSG:NNNN)".into(),
            );
            None
        }
        _ => {
            problems.push("no coordinate columns: expected `lon` and `lat` (WGS84 degrees) or `x` and `y` with --crs".into());
            None
        }
    };
    let used: Vec<usize> = field_cols
        .iter()
        .flatten()
        .copied()
        .chain(coord_cols.into_iter().flat_map(|(a, b)| [a, b]))
        .collect();
    let extras = (0..headers.len())
        .filter(|i| !used.contains(i))
        .map(|i| (i, headers[i].trim().to_owned()))
        .collect();
    if problems.is_empty() {
        Ok(Layout {
            field_cols,
            coord_cols,
            extras,
        })
    } else {
        Err(problems)
    }
}

/// A profile field or coordinate name matching `name` ignoring case, else `name` itself.
pub(crate) fn canonical_target(name: &str, profile: &MethodologyProfile) -> String {
    let lower = name.trim().to_lowercase();
    profile
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .chain(COORDINATES)
        .find(|f| f.to_lowercase() == lower)
        .unwrap_or(name.trim())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hundred_thousand_columns_resolve_and_a_late_duplicate_is_named() {
        let profile = crate::methodologies::builtin_profiles()
            .into_iter()
            .find(|p| p.id == "arr-tree-plots")
            .unwrap();
        let mut headers: Vec<String> = profile.fields.iter().map(|f| f.name.clone()).collect();
        headers.extend(["lon".into(), "lat".into()]);
        headers.extend((0..100_000).map(|i| format!("extra_{i}")));
        let layout = resolve(&headers, &[], &profile, false).unwrap();
        assert_eq!(layout.extras.len(), 100_000);
        assert_eq!(
            layout.extras[99_999],
            (headers.len() - 1, "extra_99999".into())
        );
        headers.push("LON".into());
        let problems = resolve(&headers, &[], &profile, false).unwrap_err();
        assert_eq!(problems, ["columns `lon` and `LON` both stand for `lon`"]);
    }
}
