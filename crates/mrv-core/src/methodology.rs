//! Methodology profiles: the data file a methodology owner maintains that says which fields a
//! measurement batch must carry, their types, units and plausible ranges, where the claimed tCO2e
//! comes from, the buffer, allowed land-cover classes and which checks run.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The type of a measurement field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text (ids, species names).
    Text,
    /// A finite decimal number.
    Number,
    /// A whole number.
    Integer,
    /// An ISO 8601 calendar date.
    Date,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Integer => "integer",
            FieldKind::Date => "date",
        }
    }
}

/// One field of a measurement row as the profile defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default)]
    pub unit: Option<String>,
    /// Smallest plausible value (inclusive).
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest plausible value (inclusive).
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub description: String,
}

fn yes() -> bool {
    true
}

/// The materiality threshold of a profile that names none, in percent.
pub const DEFAULT_MATERIALITY_PERCENT: f64 = 5.0;

fn default_materiality_percent() -> f64 {
    DEFAULT_MATERIALITY_PERCENT
}

/// A methodology profile, parsed from TOML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodologyProfile {
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub description: String,
    /// The field that identifies a measurement (plot or sample id); unique within a batch.
    pub id_field: String,
    /// The field holding the measurement date; must fall inside the monitoring period.
    pub date_field: String,
    /// The numeric field carrying the claimed tCO2e of a row.
    pub claimed_tco2e_field: String,
    /// Share of claimed units withheld in the buffer pool, in percent.
    pub buffer_percent: f64,
    /// Share of a batch's gross claimed tCO2e above which flagged claims are material, in
    /// percent (0 < x ≤ 100; default 5): approving needs a justification per material row
    /// (`quantity::material_rows`, `docs/quantities.md`).
    #[serde(default = "default_materiality_percent")]
    pub materiality_percent: f64,
    /// Land-cover classes (e.g. ESA WorldCover codes) consistent with the claimed activity.
    #[serde(default)]
    pub allowed_land_cover: Vec<i64>,
    /// Checks to run on enrichment (DESIGN.md §4).
    #[serde(default)]
    pub checks: Vec<String>,
    /// Plausible (min, max) of sampled layer values by layer kind (e.g. `ndvi = [0.2, 1.0]`),
    /// for the `implausible_value` check.
    #[serde(default)]
    pub layer_ranges: std::collections::BTreeMap<String, (f64, f64)>,
    /// How the methodology's projects and units are classified in a CADT registry; without it
    /// a project under this profile cannot be exported.
    #[serde(default)]
    pub cadt: Option<CadtClassification>,
    pub fields: Vec<FieldSpec>,
}

/// A methodology in CADT's terms: each value one of CADT's picklist entries (checked when the
/// profile is read, against the bundled picklists; a push checks again against the live ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CadtClassification {
    /// CADT `methodology` (e.g. `CDM - AR-AMS0007`).
    pub methodology: String,
    /// CADT `registryOfOrigin` (picklist `registries`).
    pub registry_of_origin: String,
    /// CADT `sector` (picklist `projectSector`).
    pub sector: String,
    /// CADT `projectType`.
    pub project_type: String,
    /// CADT `unitType`.
    pub unit_type: String,
}

impl CadtClassification {
    /// Each value with the CADT picklist it must come from.
    pub fn picklist_values(&self) -> [(&'static str, &'static str, &str); 5] {
        [
            ("methodology", "methodology", &self.methodology),
            ("registry_of_origin", "registries", &self.registry_of_origin),
            ("sector", "projectSector", &self.sector),
            ("project_type", "projectType", &self.project_type),
            ("unit_type", "unitType", &self.unit_type),
        ]
    }
}

/// Why a profile file is not usable.
#[derive(Debug, Error, PartialEq)]
pub enum ProfileError {
    #[error("not a valid methodology profile: {0}")]
    Syntax(String),
    #[error("methodology profile `{profile}`: {problem}")]
    Invalid { profile: String, problem: String },
}

/// Checks a profile may list. Unknown names are refused so a typo cannot silently disable a check.
pub const KNOWN_CHECKS: [&str; 7] = [
    "outside_boundary",
    "nodata",
    "land_cover_mismatch",
    "loss_after_baseline",
    "implausible_value",
    "robust_outlier",
    "duplicate_plot",
];

impl MethodologyProfile {
    /// Parses and checks a profile.
    pub fn from_toml(text: &str) -> Result<MethodologyProfile, ProfileError> {
        let profile: MethodologyProfile =
            toml::from_str(text).map_err(|e| ProfileError::Syntax(e.to_string()))?;
        profile.check()?;
        Ok(profile)
    }

    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn check(&self) -> Result<(), ProfileError> {
        let invalid = |problem: String| ProfileError::Invalid {
            profile: self.id.clone(),
            problem,
        };
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid(format!(
                "id `{}` must be non-empty ASCII letters, digits, `-` or `_`",
                self.id
            )));
        }
        for (i, field) in self.fields.iter().enumerate() {
            if self.fields[..i].iter().any(|f| f.name == field.name) {
                return Err(invalid(format!("field `{}` is defined twice", field.name)));
            }
            if matches!(field.name.as_str(), "lon" | "lat" | "x" | "y" | "geometry") {
                return Err(invalid(format!(
                    "field name `{}` is reserved for coordinates",
                    field.name
                )));
            }
            // A NaN bound compares false with every value, so it would disable the range check.
            if field.min.is_some_and(f64::is_nan) || field.max.is_some_and(f64::is_nan) {
                return Err(invalid(format!(
                    "field `{}` has a min or max that is not a number (nan)",
                    field.name
                )));
            }
            if let (Some(min), Some(max)) = (field.min, field.max) {
                if min > max {
                    return Err(invalid(format!(
                        "field `{}` has min {min} above max {max}",
                        field.name
                    )));
                }
            }
            if (field.min.is_some() || field.max.is_some())
                && !matches!(field.kind, FieldKind::Number | FieldKind::Integer)
            {
                return Err(invalid(format!(
                    "field `{}` has a range but is not numeric",
                    field.name
                )));
            }
        }
        let expect = |name: &str, role: &str, kinds: &[FieldKind]| -> Result<(), ProfileError> {
            match self.field(name) {
                None => Err(invalid(format!("{role} `{name}` is not among the fields"))),
                Some(f) if !kinds.contains(&f.kind) => Err(invalid(format!(
                    "{role} `{name}` must be of type {}",
                    kinds
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ))),
                Some(f) if !f.required => Err(invalid(format!("{role} `{name}` must be required"))),
                Some(_) => Ok(()),
            }
        };
        expect(
            &self.id_field,
            "id_field",
            &[FieldKind::Text, FieldKind::Integer],
        )?;
        expect(&self.date_field, "date_field", &[FieldKind::Date])?;
        expect(
            &self.claimed_tco2e_field,
            "claimed_tco2e_field",
            &[FieldKind::Number],
        )?;
        if !(0.0..100.0).contains(&self.buffer_percent) {
            return Err(invalid(format!(
                "buffer_percent {} must be in [0, 100)",
                self.buffer_percent
            )));
        }
        if !(self.materiality_percent > 0.0 && self.materiality_percent <= 100.0) {
            return Err(invalid(format!(
                "materiality_percent {} must be in (0, 100]",
                self.materiality_percent
            )));
        }
        for (kind, (min, max)) in &self.layer_ranges {
            crate::LayerKind::parse(kind).map_err(|e| invalid(format!("layer_ranges: {e}")))?;
            if min > max || min.is_nan() || max.is_nan() {
                return Err(invalid(format!(
                    "layer_ranges.{kind} has min {min} above max {max}"
                )));
            }
        }
        if let Some(cadt) = &self.cadt {
            let picklists = crate::cadt::Picklists::builtin();
            for (key, list, value) in cadt.picklist_values() {
                let allowed = picklists.list(list).unwrap_or(&[]);
                if !allowed.iter().any(|v| v == value) {
                    return Err(invalid(format!(
                        "cadt.{key} `{value}` is not in CADT's `{list}` picklist (data/cadt/picklists.json)"
                    )));
                }
            }
        }
        if let Some(unknown) = self
            .checks
            .iter()
            .find(|c| !KNOWN_CHECKS.contains(&c.as_str()))
        {
            return Err(invalid(format!(
                "unknown check `{unknown}`; known checks: {}",
                KNOWN_CHECKS.join(", ")
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "t"
name = "Test"
version = "1"
id_field = "plot_id"
date_field = "date"
claimed_tco2e_field = "claimed_tco2e"
buffer_percent = 10
[[fields]]
name = "plot_id"
type = "text"
[[fields]]
name = "date"
type = "date"
[[fields]]
name = "claimed_tco2e"
type = "number"
min = 0
"#;

    fn check_invalid(edit: impl Fn(&str) -> String, expected: &str) {
        let err = MethodologyProfile::from_toml(&edit(MINIMAL)).unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "{err} should mention {expected}"
        );
    }

    const CADT: &str = r#"
[cadt]
methodology = "CDM - AR-AMS0007"
registry_of_origin = "CDM Registry"
sector = "Agriculture; forestry and fishing"
project_type = "Reforestation"
unit_type = "Removal - nature"
"#;

    /// `MINIMAL` with a `[cadt]` section whose `key` is `value`.
    fn with_cadt(key: &str, value: &str) -> String {
        let section: String = CADT
            .lines()
            .map(|l| {
                if l.starts_with(&format!("{key} =")) {
                    format!("{key} = \"{value}\"\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let at = MINIMAL.find("[[fields]]").unwrap();
        format!("{}{section}{}", &MINIMAL[..at], &MINIMAL[at..])
    }

    #[test]
    fn a_cadt_classification_is_read_and_each_value_checked_against_its_picklist() {
        let p = MethodologyProfile::from_toml(&with_cadt(
            "sector",
            "Agriculture; forestry and fishing",
        ))
        .unwrap();
        assert_eq!(p.cadt.unwrap().project_type, "Reforestation");
        assert!(MethodologyProfile::from_toml(MINIMAL)
            .unwrap()
            .cadt
            .is_none());
        for (key, list) in [
            ("methodology", "methodology"),
            ("registry_of_origin", "registries"),
            ("sector", "projectSector"),
            ("project_type", "projectType"),
            ("unit_type", "unitType"),
        ] {
            let err = MethodologyProfile::from_toml(&with_cadt(key, "Made Up")).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("methodology profile `t`: cadt.{key} `Made Up` is not in CADT's `{list}` picklist (data/cadt/picklists.json)")
            );
        }
        // A misspelt key is refused, not ignored.
        let unknown = with_cadt("sector", "Agriculture; forestry and fishing")
            .replace("unit_type =", "unit_typ =");
        let err = MethodologyProfile::from_toml(&unknown).unwrap_err();
        assert!(err.to_string().contains("unit_typ"), "{err}");
    }

    #[test]
    fn minimal_profile_parses() {
        let p = MethodologyProfile::from_toml(MINIMAL).unwrap();
        assert_eq!(p.fields.len(), 3);
        assert!(p.field("date").unwrap().required);
        assert_eq!(p.materiality_percent, DEFAULT_MATERIALITY_PERCENT);
        let p = MethodologyProfile::from_toml(&MINIMAL.replace(
            "buffer_percent = 10",
            "buffer_percent = 10\nmateriality_percent = 100",
        ))
        .unwrap();
        assert_eq!(p.materiality_percent, 100.0);
    }

    #[test]
    fn inconsistent_profiles_are_refused_with_the_reason() {
        check_invalid(
            |t| t.replace("id_field = \"plot_id\"", "id_field = \"plot\""),
            "id_field `plot` is not among",
        );
        check_invalid(
            |t| t.replace("buffer_percent = 10", "buffer_percent = 100"),
            "buffer_percent 100",
        );
        for bad in ["0", "-1", "100.5", "nan"] {
            check_invalid(
                |t| {
                    t.replace(
                        "buffer_percent = 10",
                        &format!("buffer_percent = 10\nmateriality_percent = {bad}"),
                    )
                },
                "materiality_percent",
            );
        }
        check_invalid(
            |t| t.replace("min = 0", "min = 5\nmax = 1"),
            "min 5 above max 1",
        );
        // Found while keeping fuzz regression inputs: a lone NaN bound was accepted, and
        // silently disabled the range check (every comparison with NaN is false).
        for bound in ["min = nan", "min = 0\nmax = nan", "min = nan\nmax = 1"] {
            check_invalid(
                |t| t.replace("min = 0", bound),
                "field `claimed_tco2e` has a min or max that is not a number (nan)",
            );
        }
        check_invalid(
            |t| {
                t.replace(
                    "buffer_percent = 10",
                    "buffer_percent = 10\nchecks = [\"boundry\"]",
                )
            },
            "unknown check `boundry`",
        );
        check_invalid(
            |t| t.replace("type = \"date\"", "type = \"number\""),
            "date_field `date` must be of type date",
        );
        check_invalid(
            |t| t.replace("name = \"Test\"", "name = \"Test\"\ncolour = 1"),
            "unknown field `colour`",
        );
        check_invalid(
            |t| format!("{t}[[fields]]\nname = \"lat\"\ntype = \"number\"\n"),
            "reserved",
        );
    }
}
