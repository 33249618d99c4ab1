//! Transport types of review findings and the batch diff (`docs/review-findings.md`).

use serde::{Deserialize, Serialize};
use specta::Type;

/// A finding given in the reject dialog.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct NewFindingDto {
    /// `CAR/outside_boundary`: a kind and optional sub-code from `review_vocabulary`.
    pub code: String,
    pub text: String,
    /// Record ids of the rows it concerns (may be empty).
    pub record_ids: Vec<String>,
}

impl From<NewFindingDto> for mrv_app::NewReviewFinding {
    fn from(f: NewFindingDto) -> Self {
        mrv_app::NewReviewFinding {
            code: f.code,
            text: f.text,
            record_ids: f.record_ids,
        }
    }
}

/// A stored finding.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FindingDto {
    pub id: i64,
    /// `CAR 1`.
    pub label: String,
    pub kind: String,
    pub number: i64,
    pub code: String,
    pub sub_code: Option<String>,
    pub text: String,
    pub record_ids: Vec<String>,
    /// `open` or `closed`.
    pub state: String,
    pub batch_id: i64,
    pub version: i64,
    pub raised_by: String,
    pub raised_at: String,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    pub closed_in_batch_id: Option<i64>,
    pub close_note: Option<String>,
    /// Raised on an earlier version than the batch shown.
    pub carried: bool,
}

impl From<mrv_app::ReviewFinding> for FindingDto {
    fn from(f: mrv_app::ReviewFinding) -> Self {
        FindingDto {
            id: f.id,
            label: f.label,
            kind: f.kind,
            number: f.number,
            code: f.code,
            sub_code: f.sub_code,
            text: f.text,
            record_ids: f.record_ids,
            state: f.state.as_str().to_owned(),
            batch_id: f.batch_id,
            version: f.version,
            raised_by: f.raised_by,
            raised_at: f.raised_at,
            closed_by: f.closed_by,
            closed_at: f.closed_at,
            closed_in_batch_id: f.closed_in_batch_id,
            close_note: f.close_note,
            carried: f.carried,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ReviewReasonKindDto {
    pub code: String,
    pub label: String,
    pub description: String,
}

/// What the reject dialog offers: finding kinds and sub-codes, from the backend.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ReviewVocabularyDto {
    pub kinds: Vec<ReviewReasonKindDto>,
    pub sub_codes: Vec<String>,
}

impl From<mrv_app::ReviewVocabulary> for ReviewVocabularyDto {
    fn from(v: mrv_app::ReviewVocabulary) -> Self {
        ReviewVocabularyDto {
            kinds: v
                .kinds
                .into_iter()
                .map(|k| ReviewReasonKindDto {
                    code: k.code,
                    label: k.label,
                    description: k.description,
                })
                .collect(),
            sub_codes: v.sub_codes,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct FieldChangeDto {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One record that differs between two versions.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DiffRowDto {
    pub record_id: String,
    /// `added`, `removed`, `changed` or `flags`.
    pub change: String,
    pub fields: Vec<FieldChangeDto>,
    pub flags_appeared: Vec<String>,
    pub flags_cleared: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct DiffSummaryDto {
    pub added: i64,
    pub removed: i64,
    pub changed: i64,
    pub unchanged: i64,
    pub flags_appeared: i64,
    pub flags_cleared: i64,
}

/// A batch compared with an earlier version: counts and one page of the records that differ.
#[derive(Debug, Clone, Serialize, Type)]
pub struct BatchDiffDto {
    pub batch_id: i64,
    pub version: i64,
    pub against_batch_id: i64,
    pub against_version: i64,
    pub summary: DiffSummaryDto,
    pub total: i64,
    pub offset: i64,
    pub rows: Vec<DiffRowDto>,
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl From<mrv_app::BatchDiff> for BatchDiffDto {
    fn from(d: mrv_app::BatchDiff) -> Self {
        let s = d.summary;
        BatchDiffDto {
            batch_id: d.batch_id,
            version: d.version,
            against_batch_id: d.against_batch_id,
            against_version: d.against_version,
            summary: DiffSummaryDto {
                added: count(s.added),
                removed: count(s.removed),
                changed: count(s.changed),
                unchanged: count(s.unchanged),
                flags_appeared: count(s.flags_appeared),
                flags_cleared: count(s.flags_cleared),
            },
            total: count(d.total),
            offset: count(d.offset),
            rows: d
                .rows
                .into_iter()
                .map(|r| DiffRowDto {
                    record_id: r.record_id,
                    change: r.change.as_str().to_owned(),
                    fields: r
                        .fields
                        .into_iter()
                        .map(|f| FieldChangeDto {
                            field: f.field,
                            old: f.old,
                            new: f.new,
                        })
                        .collect(),
                    flags_appeared: r.flags_appeared,
                    flags_cleared: r.flags_cleared,
                })
                .collect(),
        }
    }
}
