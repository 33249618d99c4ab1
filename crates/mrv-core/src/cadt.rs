//! The Climate Action Data Trust (CADT) v1 data model as we send it and read it back, CADT's
//! picklists, our serial block numbering, and the rules we enforce before anything is sent.
//!
//! CADT itself accepts overlapping serial blocks, a `unitCount` that disagrees with its block and
//! a Retired/Cancelled unit without `unitStatusReason` (its Joi rule compares the status with
//! lower-case values the picklist never holds). We refuse all three here, with every other rule
//! CADT does enforce, so a push that passes [`check_push`] is one CADT accepts and one we stand by.
//! See `docs/registry.md`.
//!
//! Wire shapes use CADT's camelCase field names. Dates travel as text (`YYYY-MM-DD` when we send;
//! CADT answers with ISO 8601 timestamps) and are parsed with `chrono` by the rules.

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// CADT's published picklists (v1.7.24), the fallback when a live registry's list is unavailable.
const BUILTIN_PICKLISTS: &str = include_str!("../../../data/cadt/picklists.json");

/// A project as posted to `POST /v1/projects`, with its issuance nested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProjectPost {
    /// Our natural key for the project on the registry (stable across pushes).
    pub project_id: String,
    pub origin_project_id: String,
    pub registry_of_origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_registry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    pub project_name: String,
    pub project_link: String,
    pub project_developer: String,
    pub sector: String,
    pub project_type: String,
    #[serde(rename = "coveredByNDC")]
    pub covered_by_ndc: String,
    pub project_status: String,
    pub project_status_date: String,
    pub unit_metric: String,
    pub methodology: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub issuances: Vec<IssuancePost>,
}

/// An issuance as posted nested in a project, and as referenced from a unit (`issuance: {id, …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuancePost {
    /// The registry's id of an existing issuance; absent when the issuance is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub start_date: String,
    pub end_date: String,
    pub verification_approach: String,
    /// Serialised even when `None` (as `null`), so a missing body is visible; CADT rejects `null`
    /// and so do we ([`RuleKind::VerificationBodyMissing`]).
    pub verification_body: Option<String>,
    pub verification_report_date: String,
}

/// A unit block as posted to `POST /v1/units`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnitPost {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_owner: Option<String>,
    pub country_jurisdiction_of_owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_country_jurisdiction_of_owner: Option<String>,
    pub unit_block_start: String,
    pub unit_block_end: String,
    pub unit_count: u64,
    pub vintage_year: i32,
    pub unit_type: String,
    pub unit_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_status_reason: Option<String>,
    pub unit_registry_link: String,
    pub corresponding_adjustment_declaration: String,
    pub corresponding_adjustment_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_tags: Option<String>,
    /// The issuance the block belongs to; the push fills in the registry's `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuance: Option<IssuancePost>,
    /// Computed by CADT (`start-end`); present only when a payload read from a file carries it,
    /// which [`check_push`] refuses ([`RuleKind::ServerComputedField`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number_block: Option<String>,
}

/// A page of a paginated CADT listing (`GET /v1/units?page=&limit=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub page: u64,
    pub page_count: u64,
    pub data: Vec<T>,
}

/// A project as CADT returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRecord {
    pub warehouse_project_id: String,
    #[serde(default)]
    pub org_uid: Option<String>,
    /// CADT accepts a string or a number here; we always send a string.
    #[serde(deserialize_with = "string_or_number")]
    pub project_id: String,
    #[serde(default)]
    pub project_name: Option<String>,
    #[serde(default)]
    pub issuances: Vec<IssuanceRecord>,
}

/// An issuance as CADT returns it (nested in a project, or from `GET /v1/issuances`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuanceRecord {
    pub id: String,
    #[serde(default)]
    pub warehouse_project_id: Option<String>,
    pub start_date: String,
    pub end_date: String,
    pub verification_approach: String,
    #[serde(default)]
    pub verification_body: Option<String>,
    pub verification_report_date: String,
}

/// A unit block as CADT returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnitRecord {
    pub warehouse_unit_id: String,
    #[serde(default)]
    pub issuance_id: Option<String>,
    #[serde(default)]
    pub org_uid: Option<String>,
    #[serde(default)]
    pub serial_number_block: Option<String>,
    pub unit_block_start: String,
    pub unit_block_end: String,
    pub unit_count: u64,
    pub vintage_year: i32,
    pub unit_type: String,
    pub unit_status: String,
    #[serde(default)]
    pub unit_status_reason: Option<String>,
    #[serde(default)]
    pub unit_owner: Option<String>,
    pub country_jurisdiction_of_owner: String,
    #[serde(default)]
    pub unit_registry_link: Option<String>,
    #[serde(default)]
    pub corresponding_adjustment_declaration: Option<String>,
    #[serde(default)]
    pub corresponding_adjustment_status: Option<String>,
}

impl UnitRecord {
    /// Whether the registry's record says what we posted (the fields we send and CADT stores
    /// unchanged). `issuance_id`, when known, must also match.
    pub fn matches(&self, sent: &UnitPost, issuance_id: Option<&str>) -> bool {
        let issuance_ok = match (issuance_id, self.issuance_id.as_deref()) {
            (Some(ours), Some(theirs)) => ours == theirs,
            (Some(_), None) => false,
            (None, _) => true,
        };
        issuance_ok
            && self.unit_block_start == sent.unit_block_start
            && self.unit_block_end == sent.unit_block_end
            && self.unit_count == sent.unit_count
            && self.vintage_year == sent.vintage_year
            && self.unit_type == sent.unit_type
            && self.unit_status == sent.unit_status
            && self.unit_status_reason == sent.unit_status_reason
            && self.country_jurisdiction_of_owner == sent.country_jurisdiction_of_owner
    }
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or a number, got {other}"
        ))),
    }
}

/// CADT's picklists: the allowed values of its enumerated fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Picklists {
    #[serde(default)]
    pub registries: Vec<String>,
    #[serde(default)]
    pub project_sector: Vec<String>,
    #[serde(default)]
    pub project_type: Vec<String>,
    #[serde(default, rename = "coveredByNDC")]
    pub covered_by_ndc: Vec<String>,
    #[serde(default)]
    pub project_status_values: Vec<String>,
    #[serde(default)]
    pub unit_metric: Vec<String>,
    #[serde(default)]
    pub methodology: Vec<String>,
    #[serde(default)]
    pub validation_body: Vec<String>,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub unit_type: Vec<String>,
    #[serde(default)]
    pub unit_status: Vec<String>,
    #[serde(default)]
    pub corresponding_adjustment_declaration: Vec<String>,
    #[serde(default)]
    pub corresponding_adjustment_status: Vec<String>,
    #[serde(default)]
    pub label_type: Vec<String>,
    #[serde(default)]
    pub verification_body: Vec<String>,
}

/// A picklist document that could not be read.
#[derive(Debug, Error)]
#[error("CADT picklists: {0}")]
pub struct PicklistError(String);

impl Picklists {
    /// Parses a picklist document (the JSON `GET /v1/governance/meta/pickList` serves).
    pub fn from_json(text: &str) -> Result<Picklists, PicklistError> {
        let lists: Picklists =
            serde_json::from_str(text).map_err(|e| PicklistError(e.to_string()))?;
        for (name, list) in [
            ("countries", &lists.countries),
            ("unitType", &lists.unit_type),
            ("unitStatus", &lists.unit_status),
            ("verificationBody", &lists.verification_body),
        ] {
            if list.is_empty() {
                return Err(PicklistError(format!(
                    "the list {name} is missing or empty"
                )));
            }
        }
        Ok(lists)
    }

    /// The lists CADT v1.7.24 ships (`data/cadt/picklists.json`).
    pub fn builtin() -> Picklists {
        Picklists::from_json(BUILTIN_PICKLISTS).expect("the bundled picklists parse")
    }

    /// The list a field is checked against, by CADT's list name.
    pub fn list(&self, name: &str) -> Option<&[String]> {
        Some(match name {
            "registries" => &self.registries,
            "projectSector" => &self.project_sector,
            "projectType" => &self.project_type,
            "coveredByNDC" => &self.covered_by_ndc,
            "projectStatusValues" => &self.project_status_values,
            "unitMetric" => &self.unit_metric,
            "methodology" => &self.methodology,
            "validationBody" => &self.validation_body,
            "countries" => &self.countries,
            "unitType" => &self.unit_type,
            "unitStatus" => &self.unit_status,
            "correspondingAdjustmentDeclaration" => &self.corresponding_adjustment_declaration,
            "correspondingAdjustmentStatus" => &self.corresponding_adjustment_status,
            "labelType" => &self.label_type,
            "verificationBody" => &self.verification_body,
            _ => return None,
        })
    }
}

/// Digits of the running number in a serial (zero-padded).
pub const SERIAL_DIGITS: usize = 9;
/// The largest running number a serial can carry.
pub const SERIAL_MAX: u64 = 999_999_999;

/// A serial block in our numbering: `<PREFIX>-<NNNNNNNNN>` for its first and last unit, where
/// the prefix is 1–64 characters of `A-Z`, `0-9`, `-`, `.` and the running numbers are
/// [`SERIAL_DIGITS`] zero-padded digits from 1 to [`SERIAL_MAX`]. Two blocks overlap when they
/// have the same prefix and their number ranges intersect; blocks with different prefixes
/// never do. `docs/registry.md` § Serial numbers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SerialBlock {
    prefix: String,
    first: u64,
    last: u64,
}

/// A serial block that cannot be built or read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SerialError {
    #[error("serial prefix {0:?} must be 1-64 characters of A-Z, 0-9, '-' and '.'")]
    BadPrefix(String),
    #[error("a serial block needs at least one unit")]
    Empty,
    #[error("serial numbers run from 1 to {SERIAL_MAX}; {first} + {count} units does not fit")]
    OutOfRange { first: u64, count: u64 },
    #[error("{0:?} is not a serial in our numbering (<PREFIX>-<9 digits>)")]
    NotOurs(String),
    #[error("block start {start:?} and end {end:?} differ in prefix or run backwards")]
    Mismatched { start: String, end: String },
}

impl SerialBlock {
    /// The block of `count` units starting at running number `first` under `prefix`.
    pub fn new(prefix: &str, first: u64, count: u64) -> Result<SerialBlock, SerialError> {
        check_prefix(prefix)?;
        if count == 0 {
            return Err(SerialError::Empty);
        }
        let last = first
            .checked_add(count - 1)
            .filter(|&last| first >= 1 && last <= SERIAL_MAX)
            .ok_or(SerialError::OutOfRange { first, count })?;
        Ok(SerialBlock {
            prefix: prefix.to_owned(),
            first,
            last,
        })
    }

    /// Reads a block back from CADT's `unitBlockStart` / `unitBlockEnd`.
    pub fn parse(start: &str, end: &str) -> Result<SerialBlock, SerialError> {
        let (p1, first) = split_serial(start)?;
        let (p2, last) = split_serial(end)?;
        if p1 != p2 || last < first {
            return Err(SerialError::Mismatched {
                start: start.to_owned(),
                end: end.to_owned(),
            });
        }
        Ok(SerialBlock {
            prefix: p1.to_owned(),
            first,
            last,
        })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }
    pub fn first(&self) -> u64 {
        self.first
    }
    pub fn last(&self) -> u64 {
        self.last
    }
    /// Units in the block.
    pub fn count(&self) -> u64 {
        self.last - self.first + 1
    }
    /// `unitBlockStart`.
    pub fn start_serial(&self) -> String {
        format!(
            "{}-{:0width$}",
            self.prefix,
            self.first,
            width = SERIAL_DIGITS
        )
    }
    /// `unitBlockEnd`.
    pub fn end_serial(&self) -> String {
        format!(
            "{}-{:0width$}",
            self.prefix,
            self.last,
            width = SERIAL_DIGITS
        )
    }
    pub fn overlaps(&self, other: &SerialBlock) -> bool {
        self.prefix == other.prefix && self.first <= other.last && other.first <= self.last
    }
    /// The first running number after every block of `prefix` in `existing` (1 when none):
    /// where the next block under this prefix starts so it overlaps nothing before it.
    pub fn next_free(prefix: &str, existing: &[SerialBlock]) -> u64 {
        existing
            .iter()
            .filter(|b| b.prefix == prefix)
            .map(|b| b.last + 1)
            .max()
            .unwrap_or(1)
    }
}

impl fmt::Display for SerialBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start_serial(), self.end_serial())
    }
}

fn check_prefix(prefix: &str) -> Result<(), SerialError> {
    let ok = (1..=64).contains(&prefix.len())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(SerialError::BadPrefix(prefix.to_owned()))
    }
}

fn split_serial(serial: &str) -> Result<(&str, u64), SerialError> {
    let not_ours = || SerialError::NotOurs(serial.to_owned());
    let (prefix, digits) = serial.rsplit_once('-').ok_or_else(not_ours)?;
    if digits.len() != SERIAL_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_ours());
    }
    check_prefix(prefix).map_err(|_| not_ours())?;
    let number: u64 = digits.parse().map_err(|_| not_ours())?;
    if number == 0 {
        return Err(not_ours());
    }
    Ok((prefix, number))
}

/// Which rule a payload breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A required text field is empty.
    Required,
    /// A value is not in its CADT picklist.
    NotInPicklist,
    /// `verificationBody` is absent, `null` or empty.
    VerificationBodyMissing,
    /// A date is not `YYYY-MM-DD` or ISO 8601.
    BadDate,
    /// `endDate` before `startDate`.
    EndBeforeStart,
    /// `vintageYear` outside 1900–3000.
    BadVintage,
    /// A serial is not in our numbering, or start and end disagree.
    BadSerialBlock,
    /// `unitCount` differs from the block's size.
    UnitCountMismatch,
    /// Two blocks of this push overlap.
    OverlappingBlocks,
    /// A block overlaps one already issued.
    OverlapsExisting,
    /// A Retired or Cancelled unit without `unitStatusReason`.
    StatusReasonMissing,
    /// A field the registry computes (`serialNumberBlock`) is in the payload.
    ServerComputedField,
    /// The project carries no issuance, or more than one.
    IssuanceCount,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Required => "required",
            RuleKind::NotInPicklist => "not_in_picklist",
            RuleKind::VerificationBodyMissing => "verification_body_missing",
            RuleKind::BadDate => "bad_date",
            RuleKind::EndBeforeStart => "end_before_start",
            RuleKind::BadVintage => "bad_vintage",
            RuleKind::BadSerialBlock => "bad_serial_block",
            RuleKind::UnitCountMismatch => "unit_count_mismatch",
            RuleKind::OverlappingBlocks => "overlapping_blocks",
            RuleKind::OverlapsExisting => "overlaps_existing",
            RuleKind::StatusReasonMissing => "status_reason_missing",
            RuleKind::ServerComputedField => "server_computed_field",
            RuleKind::IssuanceCount => "issuance_count",
        }
    }
}

/// One broken rule: what (`subject`: `project`, `issuance`, `unit 3 (MRV-…)`), which field,
/// which rule and why.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("{subject}: {field}: {detail}")]
pub struct RuleViolation {
    pub subject: String,
    pub field: &'static str,
    pub rule: RuleKind,
    pub detail: String,
}

/// Checks a push before anything is sent: every rule CADT enforces on these fields plus the
/// ones it does not (block overlaps within the push and with `existing`, unit counts, a reason
/// for Retired/Cancelled, `verificationBody` in its picklist). Returns every violation, in
/// payload order; empty means the push may go.
pub fn check_push(
    project: &ProjectPost,
    units: &[UnitPost],
    picklists: &Picklists,
    existing: &[SerialBlock],
) -> Vec<RuleViolation> {
    let mut out = Vec::new();
    check_project(project, picklists, &mut out);
    if project.issuances.len() != 1 {
        out.push(violation(
            "project",
            "issuances",
            RuleKind::IssuanceCount,
            format!(
                "a push carries exactly one issuance, this project has {}",
                project.issuances.len()
            ),
        ));
    }
    for issuance in &project.issuances {
        check_issuance("issuance", issuance, picklists, &mut out);
    }
    let mut blocks: Vec<(usize, SerialBlock)> = Vec::new();
    for (index, unit) in units.iter().enumerate() {
        let subject = format!("unit {} ({})", index + 1, unit.unit_block_start);
        if let Some(block) = check_unit(&subject, unit, picklists, &mut out) {
            for (other_index, other) in &blocks {
                if other.overlaps(&block) {
                    out.push(violation(
                        &subject,
                        "unitBlockStart",
                        RuleKind::OverlappingBlocks,
                        format!("block {block} overlaps unit {} ({other})", other_index + 1),
                    ));
                }
            }
            if let Some(old) = existing.iter().find(|old| old.overlaps(&block)) {
                out.push(violation(
                    &subject,
                    "unitBlockStart",
                    RuleKind::OverlapsExisting,
                    format!("block {block} overlaps the issued block {old}"),
                ));
            }
            blocks.push((index, block));
        }
    }
    out
}

fn violation(subject: &str, field: &'static str, rule: RuleKind, detail: String) -> RuleViolation {
    RuleViolation {
        subject: subject.to_owned(),
        field,
        rule,
        detail,
    }
}

fn required(subject: &str, field: &'static str, value: &str, out: &mut Vec<RuleViolation>) {
    if value.trim().is_empty() {
        out.push(violation(
            subject,
            field,
            RuleKind::Required,
            "is required and empty".into(),
        ));
    }
}

fn in_list(
    subject: &str,
    field: &'static str,
    list_name: &str,
    value: &str,
    picklists: &Picklists,
    out: &mut Vec<RuleViolation>,
) {
    let list = picklists.list(list_name).unwrap_or(&[]);
    if !list.iter().any(|allowed| allowed == value) {
        out.push(violation(
            subject,
            field,
            RuleKind::NotInPicklist,
            format!("{value:?} is not in CADT's {list_name} picklist"),
        ));
    }
}

/// Reads a CADT date: `YYYY-MM-DD` or an ISO 8601 timestamp (what CADT answers with).
pub fn parse_cadt_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.date_naive())
        })
}

fn date(
    subject: &str,
    field: &'static str,
    text: &str,
    out: &mut Vec<RuleViolation>,
) -> Option<NaiveDate> {
    let parsed = parse_cadt_date(text);
    if parsed.is_none() {
        out.push(violation(
            subject,
            field,
            RuleKind::BadDate,
            format!("{text:?} is not a date (YYYY-MM-DD)"),
        ));
    }
    parsed
}

fn check_project(project: &ProjectPost, picklists: &Picklists, out: &mut Vec<RuleViolation>) {
    let s = "project";
    for (field, value) in [
        ("projectId", &project.project_id),
        ("originProjectId", &project.origin_project_id),
        ("registryOfOrigin", &project.registry_of_origin),
        ("projectName", &project.project_name),
        ("projectLink", &project.project_link),
        ("projectDeveloper", &project.project_developer),
        ("sector", &project.sector),
        ("projectType", &project.project_type),
        ("methodology", &project.methodology),
    ] {
        required(s, field, value, out);
    }
    in_list(
        s,
        "coveredByNDC",
        "coveredByNDC",
        &project.covered_by_ndc,
        picklists,
        out,
    );
    in_list(
        s,
        "projectStatus",
        "projectStatusValues",
        &project.project_status,
        picklists,
        out,
    );
    in_list(
        s,
        "unitMetric",
        "unitMetric",
        &project.unit_metric,
        picklists,
        out,
    );
    date(s, "projectStatusDate", &project.project_status_date, out);
    if let Some(validation_date) = &project.validation_date {
        date(s, "validationDate", validation_date, out);
    }
}

fn check_issuance(
    subject: &str,
    issuance: &IssuancePost,
    picklists: &Picklists,
    out: &mut Vec<RuleViolation>,
) {
    required(
        subject,
        "verificationApproach",
        &issuance.verification_approach,
        out,
    );
    match issuance.verification_body.as_deref() {
        None | Some("") => out.push(violation(
            subject,
            "verificationBody",
            RuleKind::VerificationBodyMissing,
            "is required (CADT rejects null; an empty body names no verifier)".into(),
        )),
        Some(body) => in_list(
            subject,
            "verificationBody",
            "verificationBody",
            body,
            picklists,
            out,
        ),
    }
    let start = date(subject, "startDate", &issuance.start_date, out);
    let end = date(subject, "endDate", &issuance.end_date, out);
    date(
        subject,
        "verificationReportDate",
        &issuance.verification_report_date,
        out,
    );
    if let (Some(start), Some(end)) = (start, end) {
        if end < start {
            out.push(violation(
                subject,
                "endDate",
                RuleKind::EndBeforeStart,
                format!("{end} is before startDate {start}"),
            ));
        }
    }
}

fn check_unit(
    subject: &str,
    unit: &UnitPost,
    picklists: &Picklists,
    out: &mut Vec<RuleViolation>,
) -> Option<SerialBlock> {
    if let Some(serial) = &unit.serial_number_block {
        out.push(violation(
            subject,
            "serialNumberBlock",
            RuleKind::ServerComputedField,
            format!("{serial:?} must not be sent: the registry computes it"),
        ));
    }
    in_list(
        subject,
        "countryJurisdictionOfOwner",
        "countries",
        &unit.country_jurisdiction_of_owner,
        picklists,
        out,
    );
    in_list(
        subject,
        "unitType",
        "unitType",
        &unit.unit_type,
        picklists,
        out,
    );
    in_list(
        subject,
        "unitStatus",
        "unitStatus",
        &unit.unit_status,
        picklists,
        out,
    );
    in_list(
        subject,
        "correspondingAdjustmentDeclaration",
        "correspondingAdjustmentDeclaration",
        &unit.corresponding_adjustment_declaration,
        picklists,
        out,
    );
    in_list(
        subject,
        "correspondingAdjustmentStatus",
        "correspondingAdjustmentStatus",
        &unit.corresponding_adjustment_status,
        picklists,
        out,
    );
    required(subject, "unitRegistryLink", &unit.unit_registry_link, out);
    if !(1900..=3000).contains(&unit.vintage_year) {
        out.push(violation(
            subject,
            "vintageYear",
            RuleKind::BadVintage,
            format!("{} is outside 1900-3000", unit.vintage_year),
        ));
    }
    let status = unit.unit_status.to_ascii_lowercase();
    let reason_missing = unit
        .unit_status_reason
        .as_deref()
        .is_none_or(|r| r.trim().is_empty());
    if (status == "retired" || status == "cancelled") && reason_missing {
        out.push(violation(
            subject,
            "unitStatusReason",
            RuleKind::StatusReasonMissing,
            format!("a {} unit needs a unitStatusReason", unit.unit_status),
        ));
    }
    if let Some(issuance) = &unit.issuance {
        check_issuance(&format!("{subject} issuance"), issuance, picklists, out);
    }
    match SerialBlock::parse(&unit.unit_block_start, &unit.unit_block_end) {
        Ok(block) => {
            if block.count() != unit.unit_count {
                out.push(violation(
                    subject,
                    "unitCount",
                    RuleKind::UnitCountMismatch,
                    format!(
                        "unitCount {} but the block {block} holds {} units",
                        unit.unit_count,
                        block.count()
                    ),
                ));
            }
            Some(block)
        }
        Err(e) => {
            out.push(violation(
                subject,
                "unitBlockStart",
                RuleKind::BadSerialBlock,
                e.to_string(),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn project() -> ProjectPost {
        ProjectPost {
            project_id: "mrv-desk:demo:1".into(),
            origin_project_id: "1".into(),
            registry_of_origin: "Verra".into(),
            current_registry: None,
            program: None,
            project_name: "Demo forest".into(),
            project_link: "https://example.org/p/1".into(),
            project_developer: "Demo developer".into(),
            sector: "Agriculture; forestry and fishing".into(),
            project_type: "Reforestation".into(),
            covered_by_ndc: "Unknown".into(),
            project_status: "Registered".into(),
            project_status_date: "2025-01-01".into(),
            unit_metric: "tCO2e".into(),
            methodology: "Demo methodology".into(),
            validation_body: None,
            validation_date: None,
            description: None,
            issuances: vec![issuance()],
        }
    }

    fn issuance() -> IssuancePost {
        IssuancePost {
            id: None,
            start_date: "2025-01-01".into(),
            end_date: "2025-12-31".into(),
            verification_approach: "Full".into(),
            verification_body: Some(Picklists::builtin().verification_body[0].clone()),
            verification_report_date: "2026-01-15".into(),
        }
    }

    fn unit(first: u64, count: u64) -> UnitPost {
        let block = SerialBlock::new("MRVD-P1-2025", first, count).unwrap();
        UnitPost {
            project_location_id: None,
            unit_owner: Some("Demo developer".into()),
            country_jurisdiction_of_owner: "Kenya".into(),
            in_country_jurisdiction_of_owner: None,
            unit_block_start: block.start_serial(),
            unit_block_end: block.end_serial(),
            unit_count: count,
            vintage_year: 2025,
            unit_type: "Removal - nature".into(),
            unit_status: "Held".into(),
            unit_status_reason: None,
            unit_registry_link: "https://example.org/u".into(),
            corresponding_adjustment_declaration: "Unknown".into(),
            corresponding_adjustment_status: "Not Started".into(),
            marketplace: None,
            marketplace_identifier: None,
            unit_tags: None,
            issuance: None,
            serial_number_block: None,
        }
    }

    /// Applies `change` to a valid push and expects exactly the violations `expected`
    /// (subject, field, rule).
    fn check(
        change: impl FnOnce(&mut ProjectPost, &mut Vec<UnitPost>),
        existing: &[SerialBlock],
        expected: &[(&str, &str, RuleKind)],
    ) {
        let mut p = project();
        let mut units = vec![unit(1, 90), unit(91, 10)];
        change(&mut p, &mut units);
        let got: Vec<(String, &str, RuleKind)> =
            check_push(&p, &units, &Picklists::builtin(), existing)
                .into_iter()
                .map(|v| (v.subject, v.field, v.rule))
                .collect();
        let expected: Vec<(String, &str, RuleKind)> = expected
            .iter()
            .map(|(s, f, r)| (s.to_string(), *f, *r))
            .collect();
        assert_eq!(got, expected);
    }

    const U1: &str = "unit 1 (MRVD-P1-2025-000000001)";
    const U2: &str = "unit 2 (MRVD-P1-2025-000000091)";

    #[test]
    fn a_valid_push_passes() {
        check(|_, _| {}, &[], &[]);
    }

    #[test]
    fn picklist_membership() {
        check(
            |_, u| u[0].unit_type = "Removal".into(),
            &[],
            &[(U1, "unitType", RuleKind::NotInPicklist)],
        );
        check(
            |_, u| u[1].unit_status = "held".into(),
            &[],
            &[(U2, "unitStatus", RuleKind::NotInPicklist)],
        );
        check(
            |_, u| u[0].country_jurisdiction_of_owner = "Atlantis".into(),
            &[],
            &[(U1, "countryJurisdictionOfOwner", RuleKind::NotInPicklist)],
        );
        check(
            |p, _| p.issuances[0].verification_body = Some("My cousin".into()),
            &[],
            &[("issuance", "verificationBody", RuleKind::NotInPicklist)],
        );
        check(
            |p, _| p.covered_by_ndc = "Maybe".into(),
            &[],
            &[("project", "coveredByNDC", RuleKind::NotInPicklist)],
        );
    }

    #[test]
    fn verification_body_is_never_null() {
        check(
            |p, _| p.issuances[0].verification_body = None,
            &[],
            &[(
                "issuance",
                "verificationBody",
                RuleKind::VerificationBodyMissing,
            )],
        );
        let json = serde_json::to_value(IssuancePost {
            verification_body: None,
            ..issuance()
        })
        .unwrap();
        assert!(json["verificationBody"].is_null());
    }

    #[test]
    fn end_date_not_before_start() {
        check(
            |p, _| p.issuances[0].end_date = "2024-12-31".into(),
            &[],
            &[("issuance", "endDate", RuleKind::EndBeforeStart)],
        );
        check(
            |p, _| p.issuances[0].end_date = "2025-01-01".into(),
            &[],
            &[],
        );
        check(
            |p, _| p.issuances[0].start_date = "01/02/2025".into(),
            &[],
            &[("issuance", "startDate", RuleKind::BadDate)],
        );
    }

    #[test]
    fn unit_count_equals_block_size() {
        check(
            |_, u| u[1].unit_count = 11,
            &[],
            &[(U2, "unitCount", RuleKind::UnitCountMismatch)],
        );
    }

    #[test]
    fn blocks_do_not_overlap_each_other_or_the_inventory() {
        check(
            |_, u| u[1] = unit(90, 10),
            &[],
            &[(
                "unit 2 (MRVD-P1-2025-000000090)",
                "unitBlockStart",
                RuleKind::OverlappingBlocks,
            )],
        );
        let issued = SerialBlock::new("MRVD-P1-2025", 100, 5).unwrap();
        check(
            |_, _| {},
            std::slice::from_ref(&issued),
            &[(U2, "unitBlockStart", RuleKind::OverlapsExisting)],
        );
        let other_prefix = SerialBlock::new("MRVD-P2-2025", 1, 500).unwrap();
        check(|_, _| {}, &[other_prefix], &[]);
    }

    #[test]
    fn retired_and_cancelled_need_a_reason() {
        check(
            |_, u| u[0].unit_status = "Retired".into(),
            &[],
            &[(U1, "unitStatusReason", RuleKind::StatusReasonMissing)],
        );
        check(
            |_, u| {
                u[1].unit_status = "Cancelled".into();
                u[1].unit_status_reason = Some(" ".into());
            },
            &[],
            &[(U2, "unitStatusReason", RuleKind::StatusReasonMissing)],
        );
        check(
            |_, u| {
                u[0].unit_status = "Retired".into();
                u[0].unit_status_reason = Some("Retired for a buyer".into());
            },
            &[],
            &[],
        );
    }

    #[test]
    fn serial_number_block_is_never_sent() {
        check(
            |_, u| u[0].serial_number_block = Some("x".into()),
            &[],
            &[(U1, "serialNumberBlock", RuleKind::ServerComputedField)],
        );
        let text = serde_json::to_string(&unit(1, 1)).unwrap();
        assert!(!text.contains("serialNumberBlock"));
    }

    #[test]
    fn one_issuance_per_push() {
        check(
            |p, _| p.issuances.clear(),
            &[],
            &[("project", "issuances", RuleKind::IssuanceCount)],
        );
    }

    #[test]
    fn serial_blocks() {
        let b = SerialBlock::new("MRVD-P1-2025", 1, 100).unwrap();
        assert_eq!(b.start_serial(), "MRVD-P1-2025-000000001");
        assert_eq!(b.end_serial(), "MRVD-P1-2025-000000100");
        assert_eq!(b.count(), 100);
        assert_eq!(
            SerialBlock::parse(&b.start_serial(), &b.end_serial()).unwrap(),
            b
        );
        assert_eq!(
            SerialBlock::next_free("MRVD-P1-2025", std::slice::from_ref(&b)),
            101
        );
        assert_eq!(SerialBlock::next_free("OTHER", std::slice::from_ref(&b)), 1);
        assert_eq!(
            SerialBlock::new("MRVD", 0, 1),
            Err(SerialError::OutOfRange { first: 0, count: 1 })
        );
        assert_eq!(SerialBlock::new("MRVD", 1, 0), Err(SerialError::Empty));
        assert!(SerialBlock::new("MRVD", SERIAL_MAX, 1).is_ok());
        assert!(SerialBlock::new("MRVD", SERIAL_MAX, 2).is_err());
        assert!(SerialBlock::new("mrvd", 1, 1).is_err());
        assert!(SerialBlock::parse("A-000000005", "A-000000004").is_err());
        assert!(SerialBlock::parse("A-000000005", "B-000000006").is_err());
        assert!(SerialBlock::parse("A-5", "A-6").is_err());
        assert!(!b.overlaps(&SerialBlock::new("MRVD-P1-2025", 101, 1).unwrap()));
        assert!(b.overlaps(&SerialBlock::new("MRVD-P1-2025", 100, 1).unwrap()));
    }

    proptest::proptest! {
        /// A block reads back as itself, holds `count` units, overlap is symmetric and agrees
        /// with the number ranges, and `next_free` starts a block overlapping none before it.
        #[test]
        fn serial_blocks_round_trip_and_never_overlap_what_next_free_follows(
            prefix in "[A-Z0-9][A-Z0-9.-]{0,20}",
            a in 1u64..1_000_000, n in 1u64..100_000,
            b in 1u64..1_000_000, m in 1u64..100_000,
        ) {
            let x = SerialBlock::new(&prefix, a, n).unwrap();
            let y = SerialBlock::new(&prefix, b, m).unwrap();
            proptest::prop_assert_eq!(SerialBlock::parse(&x.start_serial(), &x.end_serial()).unwrap(), x.clone());
            proptest::prop_assert_eq!(x.count(), n);
            let ranges_meet = a < b + m && b < a + n;
            proptest::prop_assert_eq!(x.overlaps(&y), ranges_meet);
            proptest::prop_assert_eq!(x.overlaps(&y), y.overlaps(&x));
            let next = SerialBlock::new(&prefix, SerialBlock::next_free(&prefix, &[x.clone(), y.clone()]), 1).unwrap();
            proptest::prop_assert!(!next.overlaps(&x) && !next.overlaps(&y));
        }
    }

    #[test]
    fn wire_shape_is_camel_case() {
        let json = serde_json::to_value(project()).unwrap();
        assert_eq!(json["coveredByNDC"], "Unknown");
        assert_eq!(json["issuances"][0]["verificationReportDate"], "2026-01-15");
        let u = serde_json::to_value(unit(1, 1)).unwrap();
        assert_eq!(u["unitBlockStart"], "MRVD-P1-2025-000000001");
        assert_eq!(u["countryJurisdictionOfOwner"], "Kenya");
        let back: UnitRecord = serde_json::from_value(serde_json::json!({
            "warehouseUnitId": "w1", "issuanceId": "i1",
            "serialNumberBlock": "MRVD-P1-2025-000000001-MRVD-P1-2025-000000001",
            "unitBlockStart": "MRVD-P1-2025-000000001", "unitBlockEnd": "MRVD-P1-2025-000000001",
            "unitCount": 1, "vintageYear": 2025, "unitType": "Removal - nature",
            "unitStatus": "Held", "countryJurisdictionOfOwner": "Kenya", "extra": 1
        }))
        .unwrap();
        assert!(back.matches(&unit(1, 1), Some("i1")));
        assert!(!back.matches(&unit(1, 1), Some("i2")));
    }

    #[test]
    fn builtin_picklists_are_cadts() {
        let p = Picklists::builtin();
        assert!(p.unit_status.iter().any(|s| s == "Retired"));
        assert_eq!(p.unit_metric, vec!["tCO2e".to_string()]);
        assert!(Picklists::from_json("{}").is_err());
    }
}
