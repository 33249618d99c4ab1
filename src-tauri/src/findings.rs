//! Review findings and the batch diff (`docs/review-findings.md`): the reject dialog's
//! vocabulary and several findings, a corrected version's prior findings with their closing,
//! and "What changed since version N". Thin over `mrv_app`, which checks every session and rule.

use crate::dto::*;
use crate::{blocking_as, CommandError, Desk};
use tauri::State;

/// The finding kinds and sub-codes the reject dialog offers (the same for everyone, to a
/// signed-in user).
#[tauri::command]
#[specta::specta]
pub(crate) fn review_vocabulary(
    desk: State<'_, Desk>,
) -> Result<ReviewVocabularyDto, CommandError> {
    let (mrv, session) = desk.open_as()?;
    mrv.authorize(&session, mrv_app::Action::ViewEvidence)?;
    Ok(mrv_app::review_vocabulary().into())
}

/// Rejects a batch under review with one or more numbered findings.
#[tauri::command]
#[specta::specta]
pub(crate) fn reject_with_findings(
    desk: State<'_, Desk>,
    batch_id: i64,
    findings: Vec<NewFindingDto>,
) -> Result<BatchDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    let findings: Vec<mrv_app::NewReviewFinding> = findings.into_iter().map(Into::into).collect();
    Ok(mrv
        .reject_with_findings(&session, batch_id, &findings)?
        .into())
}

/// The findings of a batch and of the versions it corrects, open ones first.
#[tauri::command]
#[specta::specta]
pub(crate) fn batch_findings(
    desk: State<'_, Desk>,
    batch_id: i64,
) -> Result<Vec<FindingDto>, CommandError> {
    let (mrv, session) = desk.open_as()?;
    Ok(mrv
        .findings(&session, batch_id)?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Closes a prior version's finding (`CAR 1`) in the review of `batch_id`, with a note.
#[tauri::command]
#[specta::specta]
pub(crate) fn close_finding(
    desk: State<'_, Desk>,
    batch_id: i64,
    finding: String,
    note: String,
) -> Result<FindingDto, CommandError> {
    let (mut mrv, session) = desk.open_as()?;
    Ok(mrv
        .close_finding(&session, batch_id, &finding, &note)?
        .into())
}

/// What changed since the version `batch_id` supersedes: counts and the records from
/// `offset`, at most `limit`. Off the window's thread (it reads both batches whole).
#[tauri::command]
#[specta::specta]
pub(crate) async fn batch_diff(
    desk: State<'_, Desk>,
    batch_id: i64,
    offset: i64,
    limit: i64,
) -> Result<BatchDiffDto, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        Ok(mrv
            .batch_diff(
                session,
                batch_id,
                None,
                offset.max(0) as u64,
                limit.max(0) as u64,
            )?
            .into())
    })
    .await
}
