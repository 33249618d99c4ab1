//! CADT v1.7.24's own request validation (its Joi schemas in `src/validations/*.js`),
//! re-expressed over JSON values: what a real CADT rejects, and only that.
//!
//! Deliberately *not* here, because CADT does not check them: overlapping serial blocks, a
//! `unitCount` that disagrees with its block, and a Retired/Cancelled unit without
//! `unitStatusReason` (CADT's rule compares the status with lower-case `retired`/`cancelled`,
//! which its picklist never holds, so it never fires; we keep that quirk). Like Joi with its
//! default `abortEarly`, the first problem found is the one reported.

use chrono::{DateTime, NaiveDate};
use mrv_core::cadt::Picklists;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A request CADT would refuse, with the text its validation middleware answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

type Checked = Result<(), Invalid>;

fn invalid(place: &str, text: String) -> Invalid {
    Invalid(format!("Error validating request {place}. {text}"))
}

#[derive(Clone, Copy)]
enum Kind {
    /// `Joi.string()`: a non-empty string.
    Text,
    /// `Joi.string().allow('')`.
    TextOrEmpty,
    /// `Joi.alternatives().try(Joi.string(), Joi.number())`.
    TextOrNumber,
    /// `Joi.number().integer()`.
    Integer,
    /// `Joi.date()`: an ISO date/time text or a number.
    Date,
    /// A picklist value (`pickListValidation(list)`).
    Pick(&'static str),
    /// An array of objects (child tables whose inner shape we do not model).
    Array,
    /// The nested issuance schema.
    Issuance,
    /// An array of issuances, at least one.
    Issuances,
}

/// `(field, kind, required, nullable)`.
type Field = (&'static str, Kind, bool, bool);

const ISSUANCE: &[Field] = &[
    ("id", Kind::Text, false, true),
    ("warehouseProjectId", Kind::Text, false, true),
    ("startDate", Kind::Date, true, false),
    ("endDate", Kind::Date, true, false),
    ("verificationApproach", Kind::Text, true, false),
    // `Joi.string().allow('').optional()`: `null` is rejected.
    ("verificationBody", Kind::TextOrEmpty, false, false),
    ("verificationReportDate", Kind::Date, true, false),
    ("timeStaged", Kind::Integer, false, true),
    ("updatedAt", Kind::Date, false, true),
    ("createdAt", Kind::Date, false, true),
];

const PROJECT: &[Field] = &[
    ("currentRegistry", Kind::Text, false, true),
    ("projectId", Kind::TextOrNumber, true, false),
    ("originProjectId", Kind::TextOrNumber, true, false),
    ("registryOfOrigin", Kind::Text, true, false),
    ("program", Kind::Text, false, true),
    ("projectName", Kind::Text, true, false),
    ("projectLink", Kind::Text, true, false),
    ("projectDeveloper", Kind::Text, true, false),
    ("sector", Kind::Text, true, false),
    ("projectType", Kind::Text, true, false),
    ("projectTags", Kind::Text, false, true),
    ("coveredByNDC", Kind::Pick("coveredByNDC"), true, false),
    ("ndcInformation", Kind::Text, false, true),
    (
        "projectStatus",
        Kind::Pick("projectStatusValues"),
        true,
        false,
    ),
    ("projectStatusDate", Kind::Date, true, false),
    ("unitMetric", Kind::Pick("unitMetric"), true, false),
    ("methodology", Kind::Text, true, false),
    ("methodology2", Kind::Text, false, true),
    ("validationBody", Kind::Text, false, true),
    ("validationDate", Kind::Date, false, true),
    ("description", Kind::Text, false, true),
    ("labels", Kind::Array, false, false),
    ("issuances", Kind::Issuances, false, false),
    ("coBenefits", Kind::Array, false, false),
    ("relatedProjects", Kind::Array, false, false),
    ("projectLocations", Kind::Array, false, false),
    ("projectRatings", Kind::Array, false, false),
    ("estimations", Kind::Array, false, false),
    ("updatedAt", Kind::Date, false, true),
    ("createdAt", Kind::Date, false, true),
    ("timeStaged", Kind::Integer, false, true),
];

const UNIT: &[Field] = &[
    ("projectLocationId", Kind::Text, false, true),
    ("unitOwner", Kind::Text, false, true),
    (
        "countryJurisdictionOfOwner",
        Kind::Pick("countries"),
        true,
        false,
    ),
    ("inCountryJurisdictionOfOwner", Kind::Text, false, true),
    ("unitBlockStart", Kind::Text, true, false),
    ("unitBlockEnd", Kind::Text, true, false),
    ("unitCount", Kind::Integer, true, false),
    ("vintageYear", Kind::Integer, true, false),
    ("unitType", Kind::Pick("unitType"), true, false),
    ("marketplace", Kind::Text, false, true),
    ("marketplaceLink", Kind::Text, false, true),
    ("marketplaceIdentifier", Kind::Text, false, true),
    ("unitTags", Kind::TextOrEmpty, false, true),
    ("unitStatus", Kind::Pick("unitStatus"), true, false),
    ("unitStatusReason", Kind::Text, false, true),
    ("unitRegistryLink", Kind::Text, true, false),
    (
        "correspondingAdjustmentDeclaration",
        Kind::Pick("correspondingAdjustmentDeclaration"),
        true,
        false,
    ),
    (
        "correspondingAdjustmentStatus",
        Kind::Pick("correspondingAdjustmentStatus"),
        true,
        false,
    ),
    ("issuance", Kind::Issuance, false, false),
    ("labels", Kind::Array, false, false),
    ("updatedAt", Kind::Date, false, true),
    ("createdAt", Kind::Date, false, true),
    ("timeStaged", Kind::Integer, false, true),
];

/// `projectsPostSchema`.
pub fn project_post(body: &Value, picklists: &Picklists) -> Checked {
    object(body, PROJECT, "", picklists)
}

/// `projectsUpdateSchema`: `warehouseProjectId` and the post schema.
pub fn project_update(body: &Value, picklists: &Picklists) -> Checked {
    let Some(map) = body.as_object() else {
        return Err(invalid("body", "\"value\" must be of type object".into()));
    };
    match map.get("warehouseProjectId") {
        Some(Value::String(id)) if !id.is_empty() => {}
        Some(_) => {
            return Err(invalid(
                "body",
                "\"warehouseProjectId\" must be a string".into(),
            ))
        }
        None => return Err(invalid("body", "\"warehouseProjectId\" is required".into())),
    }
    let mut rest = map.clone();
    rest.remove("warehouseProjectId");
    project_post(&Value::Object(rest), picklists)
}

/// `commitStagingSchema`: optional `author`, `comment`, `ids` (strings), `table`.
pub fn commit_body(body: &Value) -> Checked {
    let Some(map) = body.as_object() else {
        return Err(invalid("body", "\"value\" must be of type object".into()));
    };
    for (key, value) in map {
        let ok = match key.as_str() {
            "author" | "comment" => value.is_string(),
            "ids" => value
                .as_array()
                .is_some_and(|ids| ids.iter().all(Value::is_string)),
            "table" => matches!(value.as_str(), Some("Projects" | "Units")),
            _ => return Err(invalid("body", format!("\"{key}\" is not allowed"))),
        };
        if !ok {
            return Err(invalid("body", format!("\"{key}\" is not valid")));
        }
    }
    Ok(())
}

/// `unitsPostSchema`, with CADT's (inert) Retired/Cancelled rule.
pub fn unit_post(body: &Value, picklists: &Picklists) -> Checked {
    object(body, UNIT, "", picklists)?;
    let status = body.get("unitStatus").and_then(Value::as_str);
    let reason = body.get("unitStatusReason");
    // The rule as CADT writes it: `is: Joi.exist().valid('cancelled', 'retired')`.
    if matches!(status, Some("cancelled" | "retired")) && reason.is_none_or(Value::is_null) {
        return Err(invalid(
            "body",
            "\"unitStatusReason\" is required".to_owned(),
        ));
    }
    Ok(())
}

/// The `page`/`limit` rules of `unitsGetQuerySchema` and `projectsGetQuerySchema` (both
/// required, `page ≥ 1`, `1 ≤ limit ≤ 1000`) unless the request names one record.
pub fn page_query(
    query: &HashMap<String, String>,
    single_record_keys: &[&str],
) -> Result<Option<(u64, u64)>, Invalid> {
    let single = single_record_keys.iter().any(|k| query.contains_key(*k));
    let number = |key: &str| -> Result<Option<u64>, Invalid> {
        match query.get(key) {
            None => Ok(None),
            Some(text) => text
                .parse::<u64>()
                .map(Some)
                .map_err(|_| invalid("query", format!("\"{key}\" must be a number"))),
        }
    };
    let page = number("page")?;
    let limit = number("limit")?;
    let max_limit = if single { 100 } else { 1000 };
    match (page, limit) {
        (Some(page), Some(limit)) => {
            if page < 1 {
                return Err(invalid(
                    "query",
                    "\"page\" must be greater than or equal to 1".into(),
                ));
            }
            if limit < 1 {
                return Err(invalid(
                    "query",
                    "\"limit\" must be greater than or equal to 1".into(),
                ));
            }
            if limit > max_limit {
                return Err(invalid(
                    "query",
                    format!("\"limit\" must be less than or equal to {max_limit}"),
                ));
            }
            Ok(Some((page, limit)))
        }
        (None, None) if single => Ok(None),
        (None, _) => Err(invalid("query", "\"page\" is required".into())),
        (Some(_), None) => Err(invalid("query", "\"limit\" is required".into())),
    }
}

fn object(value: &Value, fields: &[Field], path: &str, picklists: &Picklists) -> Checked {
    let Some(map) = value.as_object() else {
        return Err(invalid(
            "body",
            format!("\"{}\" must be of type object", display(path, "value")),
        ));
    };
    for key in map.keys() {
        if !fields.iter().any(|(name, ..)| name == key) {
            return Err(invalid(
                "body",
                format!("\"{}\" is not allowed", display(path, key)),
            ));
        }
    }
    for &(name, kind, required, nullable) in fields {
        field(map, name, kind, required, nullable, path, picklists)?;
    }
    Ok(())
}

/// `issuanceSchema`, whose `endDate` is `Joi.date().min(Joi.ref('startDate'))`.
fn issuance(value: &Value, path: &str, picklists: &Picklists) -> Checked {
    object(value, ISSUANCE, path, picklists)?;
    let start = value.get("startDate").and_then(date_of);
    let end = value.get("endDate").and_then(date_of);
    if let (Some(start), Some(end)) = (start, end) {
        if end < start {
            return Err(invalid(
                "body",
                format!(
                    "\"{}\" must be greater than or equal to \"ref:startDate\"",
                    display(path, "endDate")
                ),
            ));
        }
    }
    Ok(())
}

fn display(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn field(
    map: &Map<String, Value>,
    name: &str,
    kind: Kind,
    required: bool,
    nullable: bool,
    path: &str,
    picklists: &Picklists,
) -> Checked {
    let label = display(path, name);
    let value = match map.get(name) {
        None if required => return Err(invalid("body", format!("\"{label}\" is required"))),
        None => return Ok(()),
        Some(Value::Null) if nullable => return Ok(()),
        Some(Value::Null) => {
            return Err(invalid("body", format!("\"{label}\" must be a string")));
        }
        Some(v) => v,
    };
    let must = |what: &str| Err(invalid("body", format!("\"{label}\" must be {what}")));
    match kind {
        Kind::Text => match value.as_str() {
            Some("") => Err(invalid(
                "body",
                format!("\"{label}\" is not allowed to be empty"),
            )),
            Some(_) => Ok(()),
            None => must("a string"),
        },
        Kind::TextOrEmpty => match value.as_str() {
            Some(_) => Ok(()),
            None => must("a string"),
        },
        Kind::TextOrNumber => match value {
            Value::String(s) if !s.is_empty() => Ok(()),
            Value::Number(_) => Ok(()),
            _ => must("one of [string, number]"),
        },
        Kind::Integer => match value.as_i64() {
            Some(n) => {
                if name == "vintageYear" && !(1900..=3000).contains(&n) {
                    return Err(invalid(
                        "body",
                        format!("\"{label}\" must be between 1900 and 3000"),
                    ));
                }
                Ok(())
            }
            None => must("an integer"),
        },
        Kind::Date => match date_of(value) {
            Some(_) => Ok(()),
            None => must("a valid date"),
        },
        Kind::Pick(list) => {
            let allowed = picklists.list(list).unwrap_or(&[]);
            match value.as_str() {
                Some(text) if allowed.iter().any(|a| a == text) => Ok(()),
                Some(text) => Err(invalid(
                    "body",
                    format!(
                        "{name} does not include a valid option {} instead got '{text}'",
                        allowed.join(", ")
                    ),
                )),
                None => must("a string"),
            }
        }
        Kind::Array => match value.as_array() {
            Some(items) if items.iter().all(Value::is_object) => Ok(()),
            _ => must("an array of objects"),
        },
        Kind::Issuance => issuance(value, &label, picklists),
        Kind::Issuances => match value.as_array() {
            Some(items) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    issuance(item, &format!("{label}[{i}]"), picklists)?;
                }
                Ok(())
            }
            Some(_) => Err(invalid(
                "body",
                format!("\"{label}\" must contain at least 1 items"),
            )),
            None => must("an array"),
        },
    }
}

/// `Joi.date()`: ISO 8601 text (date or date-time) or a millisecond timestamp.
fn date_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_millis())
            .or_else(|| {
                DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|t| t.timestamp_millis())
            }),
        _ => None,
    }
}
