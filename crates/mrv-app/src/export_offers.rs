//! What a front end may offer on registry exports, so it keeps no copy of the role table, the
//! export state machine or the reason-code vocabulary: which of submit / sign off / return /
//! write / push the signed-in user may do on an export now (computed from the same rules the use
//! cases in `export` enforce), and the picklists an export's forms choose from.
//!
//! Nothing here changes data; every use case still checks for itself.

use crate::session::Session;
use crate::{AppError, Mrv};
use mrv_core::cadt::Picklists;
use mrv_core::review::SUB_CODES;
use mrv_core::{
    may_sign_off, next_export_state, Action, BatchParticipants, ExportEvent, ExportState,
};
use serde::Serialize;

/// A transition (or the folder write) a user may ask for on an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportAction {
    Submit,
    SignOff,
    Return,
    Write,
    /// Push to the registry (a `pushed` export: resume the push).
    Push,
}

/// An action the signed-in user's role and the export's state allow. `refusal` says, in plain
/// words, why it would still be refused (segregation of duties), so the front end can explain
/// instead of offering a button that fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportOffer {
    pub action: ExportAction,
    pub refusal: Option<String>,
}

/// One serial block of an export: its tradable units, or its buffer's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SerialBlockView {
    /// `tradable` or `buffer`.
    pub units: String,
    pub start: String,
    pub end: String,
    pub count: u64,
}

/// A finding kind of a return (or a rejection), with what it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonKindView {
    /// `CAR`, `CL` or `FAR`.
    pub code: String,
    pub description: String,
}

/// The vocabularies the export forms choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportVocabulary {
    /// CADT's `verificationBody` picklist (the bundled `data/cadt/picklists.json`).
    pub verification_bodies: Vec<String>,
    pub reason_kinds: Vec<ReasonKindView>,
    /// The sub-codes a reason code may carry (`CL/missing_evidence`).
    pub sub_codes: Vec<String>,
}

/// The finding kinds, in the order a form offers them (checked against `ReasonCode::parse`
/// in the tests below).
const REASON_KINDS: [(&str, &str); 3] = [
    ("CAR", "corrective action: the data is wrong"),
    ("CL", "clarification: evidence is missing or unclear"),
    ("FAR", "forward action: fix it in the next period"),
];

/// The vocabularies of the export forms (no workspace data: the same for everyone).
pub fn export_vocabulary() -> ExportVocabulary {
    ExportVocabulary {
        verification_bodies: Picklists::builtin()
            .list("verificationBody")
            .unwrap_or(&[])
            .to_vec(),
        reason_kinds: REASON_KINDS
            .iter()
            .map(|(code, description)| ReasonKindView {
                code: (*code).into(),
                description: (*description).into(),
            })
            .collect(),
        sub_codes: SUB_CODES.iter().map(|s| (*s).to_string()).collect(),
    }
}

impl Mrv {
    fn export_record_for_offers(
        &self,
        export_id: i64,
    ) -> Result<mrv_store::ExportRecord, AppError> {
        mrv_store::get_export(self.ws.conn(), export_id)?.ok_or_else(|| AppError::NotFound {
            what: "export",
            id: export_id.to_string(),
        })
    }

    /// The serial blocks of an export as `write_export` numbers its units: the tradable units
    /// first, then the buffer's.
    pub fn export_serial_blocks(
        &self,
        session: &Session,
        export_id: i64,
    ) -> Result<Vec<SerialBlockView>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let record = self.export_record_for_offers(export_id)?;
        let (tradable, buffer) = crate::export::blocks(&record)?;
        Ok([("tradable", tradable), ("buffer", buffer)]
            .into_iter()
            .filter_map(|(units, block)| {
                block.map(|b| SerialBlockView {
                    units: units.into(),
                    start: b.start_serial(),
                    end: b.end_serial(),
                    count: b.count(),
                })
            })
            .collect())
    }

    /// Which export actions the signed-in user may take on `export_id` now: those their role
    /// allows and the export's state allows (as `submit_export`, `sign_off_export`,
    /// `return_export` and `write_export` decide), sign-off with its segregation-of-duties
    /// refusal when they imported or approved an included batch.
    pub fn export_offers(
        &self,
        session: &Session,
        export_id: i64,
    ) -> Result<Vec<ExportOffer>, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let record = self.export_record_for_offers(export_id)?;
        let state = ExportState::parse(&record.state).ok_or_else(|| {
            AppError::Internal(format!(
                "export {export_id}: unknown state {:?}",
                record.state
            ))
        })?;
        let allowed = session.allowed_actions();
        let mut offers = Vec::new();
        if allowed.contains(&Action::CreateExport)
            && next_export_state(state, ExportEvent::Submit).is_ok()
        {
            offers.push(ExportOffer {
                action: ExportAction::Submit,
                refusal: None,
            });
        }
        // A draft is submitted and signed off in one step (`sign_off_export`).
        let sign_off_state = match state {
            ExportState::Draft => next_export_state(state, ExportEvent::Submit)
                .and_then(|s| next_export_state(s, ExportEvent::SignOff)),
            _ => next_export_state(state, ExportEvent::SignOff),
        };
        if allowed.contains(&Action::SignOffExport) && sign_off_state.is_ok() {
            let granted = self.authorize(session, Action::SignOffExport)?;
            let mut participants = Vec::new();
            for b in mrv_store::export_batches(self.ws.conn(), export_id)? {
                participants.push(BatchParticipants {
                    batch_id: b.batch_id,
                    imported_by: mrv_store::batch_importer(self.ws.conn(), b.batch_id)?,
                    approved_by: mrv_store::batch_approver(self.ws.conn(), b.batch_id)?,
                });
            }
            offers.push(ExportOffer {
                action: ExportAction::SignOff,
                refusal: may_sign_off(&granted, export_id, &participants)
                    .err()
                    .map(|denied| AppError::from(denied).to_string()),
            });
        }
        if allowed.contains(&Action::ReturnExport)
            && next_export_state(state, ExportEvent::Return).is_ok()
        {
            offers.push(ExportOffer {
                action: ExportAction::Return,
                refusal: None,
            });
        }
        if allowed.contains(&Action::PushExport)
            && matches!(state, ExportState::SignedOff | ExportState::Pushed)
        {
            let refusal = match mrv_store::registry(self.ws.conn())? {
                None => Some(
                    "this workspace is not connected to a registry; an ops admin connects it"
                        .to_owned(),
                ),
                Some(_) => None,
            };
            offers.push(ExportOffer {
                action: ExportAction::Push,
                refusal,
            });
        }
        if allowed.contains(&Action::WriteExport) && state.is_live() {
            offers.push(ExportOffer {
                action: ExportAction::Write,
                refusal: None,
            });
        }
        Ok(offers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mrv_core::ReasonCode;

    #[test]
    fn every_offered_reason_code_is_one_the_use_cases_accept() {
        let vocabulary = export_vocabulary();
        for kind in &vocabulary.reason_kinds {
            ReasonCode::parse(&kind.code).unwrap();
            for sub in &vocabulary.sub_codes {
                ReasonCode::parse(&format!("{}/{sub}", kind.code)).unwrap();
            }
        }
        assert!(!vocabulary.verification_bodies.is_empty());
    }
}
