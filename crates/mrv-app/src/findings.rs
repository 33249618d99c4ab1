//! Numbered review findings (`docs/review-findings.md`): a rejection holds one or more findings
//! — CAR 1, CAR 2, CL 1 … numbered within their kind over a batch's versions —, each with its
//! reason code, text, the record ids of the rows it concerns and its own state. The reviewer of a
//! corrected version sees the prior versions' findings, open ones first, and closes them one by
//! one with a note; every close is journaled (`batch.finding.close`) in its own transaction, the
//! findings of a rejection in the rejection's (its `batch.reject` entry names them).

use crate::session::Session;
use crate::{clock, AppError, BatchView, Mrv};
use mrv_core::{
    not_own_work, Action, BatchState, FindingNo, FindingState, Granted, ReasonCode, ReasonKind,
    ReviewEvent, SUB_CODES,
};
use mrv_store::{BatchRecord, FindingRecord, NewFinding};
use serde::{Deserialize, Serialize};

/// A finding as a front end gives it: a reason code (`CAR/outside_boundary`), its text, and
/// optionally the record ids of the rows it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewReviewFinding {
    pub code: String,
    pub text: String,
    #[serde(default)]
    pub record_ids: Vec<String>,
}

/// A stored finding as front ends show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewFinding {
    pub id: i64,
    /// `CAR 1`: kind and number, the finding's name over all versions.
    pub label: String,
    /// `CAR`, `CL` or `FAR`.
    pub kind: String,
    pub number: i64,
    /// The full reason code, `CAR/outside_boundary`.
    pub code: String,
    pub sub_code: Option<String>,
    pub text: String,
    pub record_ids: Vec<String>,
    pub state: FindingState,
    /// The batch (version) whose rejection raised it.
    pub batch_id: i64,
    pub version: i64,
    pub raised_by: String,
    pub raised_at: String,
    pub closed_by: Option<String>,
    pub closed_at: Option<String>,
    /// The version in whose review it was closed.
    pub closed_in_batch_id: Option<i64>,
    pub close_note: Option<String>,
    /// Raised on an earlier version than the batch asked about.
    pub carried: bool,
}

/// A finding kind as the reject forms offer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewReasonKind {
    pub code: String,
    pub label: String,
    pub description: String,
}

/// What the reject forms may offer: the finding kinds and the sub-codes `ReasonCode::parse`
/// accepts (no workspace data: the same for everyone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewVocabulary {
    pub kinds: Vec<ReviewReasonKind>,
    pub sub_codes: Vec<String>,
}

pub fn review_vocabulary() -> ReviewVocabulary {
    ReviewVocabulary {
        kinds: ReasonKind::ALL
            .into_iter()
            .map(|k| ReviewReasonKind {
                code: k.as_str().into(),
                label: k.label().into(),
                description: k.description().into(),
            })
            .collect(),
        sub_codes: SUB_CODES.iter().map(|s| (*s).to_owned()).collect(),
    }
}

/// A finding checked: its parsed code, trimmed text and record ids.
pub(crate) struct CheckedFinding {
    code: ReasonCode,
    text: String,
    record_ids: Vec<String>,
}

pub(crate) fn finding_view(f: FindingRecord, asked: i64) -> Result<ReviewFinding, AppError> {
    let state = FindingState::parse(&f.state)
        .ok_or_else(|| AppError::Internal(format!("finding {}: state {}", f.id, f.state)))?;
    let record_ids: Vec<String> = serde_json::from_str(&f.record_ids_json)
        .map_err(|e| AppError::Internal(format!("finding {}: record ids: {e}", f.id)))?;
    let code = match &f.sub_code {
        Some(s) => format!("{}/{s}", f.kind),
        None => f.kind.clone(),
    };
    Ok(ReviewFinding {
        id: f.id,
        label: format!("{} {}", f.kind, f.number),
        kind: f.kind,
        number: f.number,
        code,
        sub_code: f.sub_code,
        text: f.text,
        record_ids,
        state,
        carried: f.batch_id != asked,
        batch_id: f.batch_id,
        version: f.batch_version,
        raised_by: f.raised_by,
        raised_at: f.raised_at,
        closed_by: f.closed_by,
        closed_at: f.closed_at,
        closed_in_batch_id: f.closed_in_batch_id,
        close_note: f.close_note,
    })
}

impl Mrv {
    /// The first version of `batch`'s chain (the batch itself when it supersedes none).
    pub(crate) fn chain_root(&self, batch: &BatchRecord) -> Result<i64, AppError> {
        let mut id = batch.id;
        let mut prev = batch.supersedes_batch_id;
        let mut steps = 0;
        while let Some(p) = prev {
            steps += 1;
            if steps > 10_000 {
                return Err(AppError::Internal(format!(
                    "batch {}: its versions form a loop",
                    batch.id
                )));
            }
            id = p;
            prev = self.batch_record(p)?.supersedes_batch_id;
        }
        Ok(id)
    }

    /// Checks findings given for a rejection of `batch`: each code parses, each text is
    /// non-empty, each record id is a row of the batch.
    pub(crate) fn check_findings(
        &self,
        batch: &BatchRecord,
        findings: &[NewReviewFinding],
    ) -> Result<Vec<CheckedFinding>, AppError> {
        if findings.is_empty() {
            return Err(AppError::InvalidInput(
                "a rejection needs at least one finding (CAR, CL or FAR with a text)".into(),
            ));
        }
        let mut out = Vec::with_capacity(findings.len());
        for (i, f) in findings.iter().enumerate() {
            let n = i + 1;
            let code = ReasonCode::parse(&f.code)
                .map_err(|e| AppError::InvalidInput(format!("finding {n}: {e}")))?;
            let text = f.text.trim();
            if text.is_empty() {
                return Err(AppError::InvalidInput(format!(
                    "finding {n} ({}): a finding needs a text the analyst can act on",
                    code.code()
                )));
            }
            let mut record_ids: Vec<String> = Vec::new();
            for id in &f.record_ids {
                let id = id.trim();
                if id.is_empty() {
                    return Err(AppError::InvalidInput(format!(
                        "finding {n} ({}): an empty record id",
                        code.code()
                    )));
                }
                if !record_ids.iter().any(|r| r == id) {
                    record_ids.push(id.to_owned());
                }
            }
            let missing = mrv_store::missing_record_ids(self.ws.conn(), batch.id, &record_ids)?;
            if !missing.is_empty() {
                return Err(AppError::InvalidInput(format!(
                    "finding {n} ({}): batch {} has no row with record id {}",
                    code.code(),
                    batch.id,
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            out.push(CheckedFinding {
                code,
                text: text.to_owned(),
                record_ids,
            });
        }
        Ok(out)
    }

    /// Rejects a batch under review with one or more numbered findings: the rejection, its
    /// findings and their journal entries in one transaction. A rejected batch is final;
    /// corrections come as a new version, whose reviewer sees these findings first.
    pub fn reject_with_findings(
        &mut self,
        session: &Session,
        batch_id: i64,
        findings: &[NewReviewFinding],
    ) -> Result<BatchView, AppError> {
        let granted = self.authorize(session, Action::RejectBatch)?;
        self.reject_granted(&granted, batch_id, findings)
    }

    pub(crate) fn reject_granted(
        &mut self,
        granted: &Granted,
        batch_id: i64,
        findings: &[NewReviewFinding],
    ) -> Result<BatchView, AppError> {
        let batch = self.batch_record(batch_id)?;
        let importer = mrv_store::batch_importer(self.ws.conn(), batch_id)?;
        not_own_work(granted, batch_id, importer)?;
        Self::next_state_of(&batch, ReviewEvent::Reject)?;
        let checked = self.check_findings(&batch, findings)?;
        let root = self.chain_root(&batch)?;
        let now = clock::now().to_string();
        // The decision's reason: the single finding as it always was, or every finding named.
        let reason_code = checked[0].code.code();
        let reason_text = if checked.len() == 1 {
            checked[0].text.clone()
        } else {
            checked
                .iter()
                .map(|f| format!("{}: {}", f.code.code(), f.text))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let tx = self.transaction(granted)?;
        // Numbers first (inside the transaction, so two rejections in one chain cannot take the
        // same one), so that the rejection's journal entry names every finding it raises.
        let mut numbered = Vec::with_capacity(checked.len());
        let mut next: Vec<(&str, i64)> = Vec::new();
        for f in &checked {
            let kind = f.code.kind.as_str();
            let number = match next.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    let n = mrv_store::next_finding_number(&tx, root, kind)?;
                    next.push((kind, n));
                    n
                }
            };
            numbered.push((f, kind, number));
        }
        let journaled = serde_json::Value::Array(
            numbered
                .iter()
                .map(|(f, kind, number)| {
                    serde_json::json!({
                        "label": format!("{kind} {number}"),
                        "code": f.code.code(),
                        "text": f.text,
                        "record_ids": f.record_ids,
                    })
                })
                .collect(),
        );
        let (_, event_id) = Self::transition_with(
            &tx,
            &batch,
            ReviewEvent::Reject,
            granted,
            &now,
            Some((&reason_code, &reason_text)),
            Some(journaled),
        )?;
        for (f, kind, number) in &numbered {
            let record_ids = serde_json::to_string(&f.record_ids)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            mrv_store::insert_finding(
                &tx,
                &NewFinding {
                    batch_id,
                    root_batch_id: root,
                    review_event_id: event_id,
                    kind,
                    number: *number,
                    sub_code: f.code.sub_code.as_deref(),
                    text: &f.text,
                    record_ids_json: &record_ids,
                    raised_by: granted.user_id(),
                    raised_at: &now,
                },
            )?;
        }
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.batch_by_id(batch_id)
    }

    /// The findings of a batch's versions up to it — those raised on earlier versions
    /// (`carried`) and its own —, open ones first, then by kind and number.
    pub fn findings(
        &self,
        session: &Session,
        batch_id: i64,
    ) -> Result<Vec<ReviewFinding>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        self.findings_of(batch_id)
    }

    pub(crate) fn findings_of(&self, batch_id: i64) -> Result<Vec<ReviewFinding>, AppError> {
        let batch = self.batch_record(batch_id)?;
        let root = self.chain_root(&batch)?;
        // Only versions up to this one: a later version's findings are not this one's past.
        let mut earlier = vec![batch.id];
        let mut prev = batch.supersedes_batch_id;
        while let Some(p) = prev {
            earlier.push(p);
            prev = self.batch_record(p)?.supersedes_batch_id;
        }
        mrv_store::chain_findings(self.ws.conn(), root)?
            .into_iter()
            .filter(|f| earlier.contains(&f.batch_id))
            .map(|f| finding_view(f, batch_id))
            .collect()
    }

    /// Closes a finding raised on an earlier version, in the review of `batch_id` (a corrected
    /// version, under review), with a note. By a verifier who did not import the batch;
    /// journaled as `batch.finding.close`.
    pub fn close_finding(
        &mut self,
        session: &Session,
        batch_id: i64,
        finding: &str,
        note: &str,
    ) -> Result<ReviewFinding, AppError> {
        let granted = self.authorize(session, Action::RejectBatch)?;
        let number = FindingNo::parse(finding).map_err(AppError::InvalidInput)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(AppError::InvalidInput(format!(
                "closing {number} needs a note: what was corrected or clarified"
            )));
        }
        let batch = self.batch_record(batch_id)?;
        let importer = mrv_store::batch_importer(self.ws.conn(), batch_id)?;
        not_own_work(&granted, batch_id, importer)?;
        if batch.state != BatchState::InReview.as_str() {
            return Err(AppError::Conflict(format!(
                "batch {batch_id} is {}; findings are closed in the review of a corrected version (start the review first)",
                batch.state
            )));
        }
        let found = self
            .findings_of(batch_id)?
            .into_iter()
            .find(|f| f.kind == number.kind.as_str() && f.number == number.number)
            .ok_or_else(|| AppError::NotFound {
                what: "finding",
                id: format!("{number} of batch {batch_id}'s earlier versions"),
            })?;
        if !found.carried {
            return Err(AppError::Conflict(format!(
                "{number} was raised on batch {batch_id} itself; it is closed in the review of its corrected version"
            )));
        }
        if found.state == FindingState::Closed {
            return Err(AppError::Conflict(format!(
                "{number} was already closed by {} at {}",
                found.closed_by.as_deref().unwrap_or("-"),
                found.closed_at.as_deref().unwrap_or("-")
            )));
        }
        let now = clock::now().to_string();
        let tx = self.transaction(&granted)?;
        if !mrv_store::close_finding(&tx, found.id, granted.user_id(), &now, batch_id, note)? {
            return Err(AppError::Conflict(format!(
                "{number} was closed meanwhile; look at it again"
            )));
        }
        crate::journal::append(
            &tx,
            &now,
            granted.user(),
            "batch.finding.close",
            &format!("batch:{batch_id}"),
            serde_json::json!({
                "finding": found.id,
                "label": found.label,
                "raised_on": found.batch_id,
                "note": note,
            }),
        )?;
        tx.commit().map_err(|e| AppError::Internal(e.to_string()))?;
        self.findings_of(batch_id)?
            .into_iter()
            .find(|f| f.id == found.id)
            .ok_or_else(|| AppError::Internal("finding vanished".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::tests::{corrections, rejected_and_corrected, sign_in};
    use crate::ErrorCode;

    #[test]
    fn findings_are_numbered_carried_forward_closed_one_by_one_and_journaled() {
        let dir = tempfile::tempdir().unwrap();
        let (mut mrv, vera, ana, v2) = rejected_and_corrected(dir.path(), &corrections);

        // The rejection raised CAR 1 and CL 1; its history entry carries them.
        let history = mrv.history(&vera, 1).unwrap();
        let reject = history.iter().find(|h| h.action == "reject").unwrap();
        let labels: Vec<&str> = reject.findings.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(labels, ["CAR 1", "CL 1"]);
        assert_eq!(reject.reason_code.as_deref(), Some("CAR/outside_boundary"));
        assert_eq!(reject.findings[0].record_ids, ["SDM-0200"]);
        assert_eq!(reject.findings[0].code, "CAR/outside_boundary");

        // The corrected version's reviewer sees them, carried, open.
        let seen = mrv.findings(&vera, v2).unwrap();
        assert!(seen
            .iter()
            .all(|f| f.carried && f.state == FindingState::Open && f.version == 1));
        // Closing happens in the review, by a verifier, with a note.
        assert_eq!(
            mrv.close_finding(&vera, v2, "CAR 1", "moved inside")
                .unwrap_err()
                .code(),
            ErrorCode::Conflict,
            "not in review yet"
        );
        mrv.start_review(&vera, v2).unwrap();
        assert_eq!(
            mrv.close_finding(&ana, v2, "CAR 1", "fixed")
                .unwrap_err()
                .code(),
            ErrorCode::Forbidden
        );
        assert_eq!(
            mrv.close_finding(&vera, v2, "CAR 1", "  ")
                .unwrap_err()
                .code(),
            ErrorCode::InvalidInput
        );
        assert_eq!(
            mrv.close_finding(&vera, v2, "CAR 7", "x")
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
        let closed = mrv
            .close_finding(&vera, v2, "car1", "SDM-0200 now lies inside the boundary")
            .unwrap();
        assert_eq!(closed.state, FindingState::Closed);
        assert_eq!(closed.closed_by.as_deref(), Some("vera"));
        assert_eq!(closed.closed_in_batch_id, Some(v2));
        assert_eq!(
            mrv.close_finding(&vera, v2, "CAR 1", "again")
                .unwrap_err()
                .code(),
            ErrorCode::Conflict
        );
        // Open ones first.
        let seen = mrv.findings(&vera, v2).unwrap();
        let order: Vec<(&str, FindingState)> =
            seen.iter().map(|f| (f.label.as_str(), f.state)).collect();
        assert_eq!(
            order,
            [
                ("CL 1", FindingState::Open),
                ("CAR 1", FindingState::Closed)
            ]
        );

        // A rejection of v2 numbers on: CAR 2, a bad record id named.
        let err = mrv
            .reject_with_findings(
                &vera,
                v2,
                &[NewReviewFinding {
                    code: "CAR/implausible_value".into(),
                    text: "dbh".into(),
                    record_ids: vec!["SDM-0002".into(), "SDM-0003".into()],
                }],
            )
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput);
        assert!(err.to_string().contains("`SDM-0003`"), "{err}");
        let err = mrv
            .reject_with_findings(
                &vera,
                v2,
                &[NewReviewFinding {
                    code: "XYZ".into(),
                    text: "dbh".into(),
                    record_ids: vec![],
                }],
            )
            .unwrap_err();
        assert!(err.to_string().starts_with("finding 1: "), "{err}");
        assert_eq!(
            mrv.reject_with_findings(&vera, v2, &[]).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
        mrv.reject_with_findings(
            &vera,
            v2,
            &[
                NewReviewFinding {
                    code: "CAR/implausible_value".into(),
                    text: "dbh of SDM-0002 changed without a note".into(),
                    record_ids: vec!["SDM-0002".into()],
                },
                NewReviewFinding {
                    code: "FAR".into(),
                    text: "record the crew per tree next period".into(),
                    record_ids: vec![],
                },
            ],
        )
        .unwrap();
        let history = mrv.history(&vera, v2).unwrap();
        let rejects: Vec<Vec<String>> = history
            .iter()
            .filter(|h| h.action == "reject")
            .map(|h| h.findings.iter().map(|f| f.label.clone()).collect())
            .collect();
        assert_eq!(rejects, [vec!["CAR 1", "CL 1"], vec!["CAR 2", "FAR 1"]]);
        // v1's CL 1 remains open among v2's past; v1 does not see v2's findings.
        assert_eq!(mrv.findings(&vera, 1).unwrap().len(), 2);
        assert_eq!(mrv.findings(&vera, v2).unwrap().len(), 4);

        let check = mrv.verify_journal(&vera).unwrap();
        assert!(check.ok, "{}", check.message);
        let mrv2 = &mut mrv;
        let analyst = sign_in(mrv2, "ana");
        assert_eq!(
            mrv2.reject_with_findings(&analyst, v2, &[])
                .unwrap_err()
                .code(),
            ErrorCode::Forbidden
        );
    }

    #[test]
    fn the_vocabulary_is_what_reason_codes_accept() {
        let v = review_vocabulary();
        for k in &v.kinds {
            assert!(ReasonCode::parse(&k.code).is_ok());
            for s in &v.sub_codes {
                assert!(ReasonCode::parse(&format!("{}/{s}", k.code)).is_ok());
            }
        }
        assert_eq!(v.kinds.len(), 3);
    }
}
