//! Built-in methodology profiles (shipped in `assets/methodologies/`) and loading one by id or path.

use crate::AppError;
use mrv_core::MethodologyProfile;
use serde::Serialize;
use std::path::Path;

const BUILTIN: [(&str, &str); 2] = [
    (
        "arr-tree-plots",
        include_str!("../../../assets/methodologies/arr-tree-plots.toml"),
    ),
    (
        "soil-organic-carbon",
        include_str!("../../../assets/methodologies/soil-organic-carbon.toml"),
    ),
];

/// Every built-in profile, parsed.
pub fn builtin_profiles() -> Vec<MethodologyProfile> {
    BUILTIN
        .iter()
        .map(|(id, text)| {
            MethodologyProfile::from_toml(text)
                .unwrap_or_else(|e| panic!("built-in profile {id} is invalid: {e}"))
        })
        .collect()
}

/// Resolves `--methodology`: a built-in id, or a path to a profile TOML file. Returns the profile
/// and its exact text (stored with the project as the profile in force).
pub(crate) fn resolve(name_or_path: &str) -> Result<(MethodologyProfile, String), AppError> {
    if let Some((_, text)) = BUILTIN.iter().find(|(id, _)| *id == name_or_path) {
        return Ok((
            MethodologyProfile::from_toml(text).map_err(|e| AppError::Internal(e.to_string()))?,
            (*text).to_owned(),
        ));
    }
    let path = Path::new(name_or_path);
    if !path.exists() {
        let ids: Vec<&str> = BUILTIN.iter().map(|(id, _)| *id).collect();
        return Err(AppError::InvalidInput(format!(
            "methodology `{name_or_path}` is neither a built-in profile ({}) nor a profile file",
            ids.join(", ")
        )));
    }
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut crate::files::open_input(path, "methodology profile")?,
        &mut text,
    )
    .map_err(|e| AppError::InvalidInput(format!("{name_or_path}: {e}")))?;
    let profile = MethodologyProfile::from_toml(&text)
        .map_err(|e| AppError::InvalidInput(format!("{name_or_path}: {e}")))?;
    Ok((profile, text))
}

/// A profile as shown to users.
#[derive(Debug, Clone, Serialize)]
pub struct MethodologyView {
    pub id: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub id_field: String,
    pub date_field: String,
    pub claimed_tco2e_field: String,
    pub buffer_percent: f64,
    pub allowed_land_cover: Vec<i64>,
    pub checks: Vec<String>,
    pub fields: Vec<FieldView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub unit: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub description: String,
}

impl From<&MethodologyProfile> for MethodologyView {
    fn from(p: &MethodologyProfile) -> MethodologyView {
        MethodologyView {
            id: p.id.clone(),
            name: p.name.clone(),
            version: p.version.clone(),
            description: p.description.clone(),
            id_field: p.id_field.clone(),
            date_field: p.date_field.clone(),
            claimed_tco2e_field: p.claimed_tco2e_field.clone(),
            buffer_percent: p.buffer_percent,
            allowed_land_cover: p.allowed_land_cover.clone(),
            checks: p.checks.clone(),
            fields: p
                .fields
                .iter()
                .map(|f| FieldView {
                    name: f.name.clone(),
                    kind: f.kind.as_str().to_owned(),
                    required: f.required,
                    unit: f.unit.clone(),
                    min: f.min,
                    max: f.max,
                    description: f.description.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_parse_and_carry_the_issue_fields() {
        let profiles = builtin_profiles();
        let arr = profiles.iter().find(|p| p.id == "arr-tree-plots").unwrap();
        for f in [
            "plot_id",
            "date",
            "species",
            "dbh_cm",
            "height_m",
            "claimed_tco2e",
        ] {
            assert!(arr.field(f).is_some(), "{f}");
        }
        let soc = profiles
            .iter()
            .find(|p| p.id == "soil-organic-carbon")
            .unwrap();
        for f in [
            "sample_id",
            "date",
            "depth_cm",
            "soc_percent",
            "bulk_density_g_cm3",
            "claimed_tco2e",
        ] {
            assert!(soc.field(f).is_some(), "{f}");
        }
    }

    #[test]
    fn unknown_methodology_names_the_builtins() {
        let err = resolve("arr-tree-plot").unwrap_err();
        assert!(
            err.to_string()
                .contains("arr-tree-plots, soil-organic-carbon"),
            "{err}"
        );
    }
}
