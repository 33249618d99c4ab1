//! The review workflow as a state machine (DESIGN.md §2, SOP-005): which event moves a batch
//! from which state to which, and the structured reasons a rejection carries.

use crate::{BatchState, Severity};
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;
use thiserror::Error;

/// What happens to a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewEvent {
    /// Samples and checks (re)computed.
    Enrich,
    /// A verifier opens the batch for review.
    StartReview,
    Approve,
    Reject,
    /// The approved batch's stamp is made and signed.
    Stamp,
    /// The stamp is in the remote audit log.
    Anchor,
}

impl ReviewEvent {
    pub const ALL: [ReviewEvent; 6] = [
        ReviewEvent::Enrich,
        ReviewEvent::StartReview,
        ReviewEvent::Approve,
        ReviewEvent::Reject,
        ReviewEvent::Stamp,
        ReviewEvent::Anchor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewEvent::Enrich => "enrich",
            ReviewEvent::StartReview => "start_review",
            ReviewEvent::Approve => "approve",
            ReviewEvent::Reject => "reject",
            ReviewEvent::Stamp => "stamp",
            ReviewEvent::Anchor => "anchor",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("batch is {from}; it cannot be {what}{hint}")]
pub struct IllegalTransition {
    pub from: &'static str,
    pub what: &'static str,
    pub hint: &'static str,
}

/// The state `event` leads to from `state`, or why it cannot happen. A rejected batch is final:
/// corrections come as a new version.
pub fn next_state(state: BatchState, event: ReviewEvent) -> Result<BatchState, IllegalTransition> {
    use BatchState::*;
    use ReviewEvent::*;
    let to = match (state, event) {
        (Imported | Enriched, Enrich) => Some(Enriched),
        (Enriched, StartReview) => Some(InReview),
        (InReview, Approve) => Some(Approved),
        (InReview, Reject) => Some(Rejected),
        (Approved, Stamp) => Some(Stamped),
        (Stamped, Anchor) => Some(Anchored),
        _ => None,
    };
    to.ok_or(IllegalTransition {
        from: state.as_str(),
        what: match event {
            Enrich => "enriched",
            StartReview => "put in review",
            Approve => "approved",
            Reject => "rejected",
            Stamp => "stamped",
            Anchor => "anchored",
        },
        hint: match (state, event) {
            (Rejected, _) => "; import a corrected file as a new version instead",
            (Imported, StartReview) => "; it must be enriched first",
            (Enriched, Approve | Reject) => "; start the review first",
            _ => "",
        },
    })
}

/// The kind of a rejection, as registries word their findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ReasonKind {
    /// Corrective action request: the data is wrong.
    #[serde(rename = "CAR")]
    Car,
    /// Clarification request: evidence missing or unclear.
    #[serde(rename = "CL")]
    Cl,
    /// Forward action request: fix it next period.
    #[serde(rename = "FAR")]
    Far,
}

impl ReasonKind {
    pub const ALL: [ReasonKind; 3] = [ReasonKind::Car, ReasonKind::Cl, ReasonKind::Far];

    /// `CAR`, `CL` or `FAR`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonKind::Car => "CAR",
            ReasonKind::Cl => "CL",
            ReasonKind::Far => "FAR",
        }
    }

    /// Exactly `CAR`, `CL` or `FAR`.
    pub fn parse(text: &str) -> Option<ReasonKind> {
        ReasonKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Plain words for the kind ("Corrective action").
    pub fn label(self) -> &'static str {
        match self {
            ReasonKind::Car => "Corrective action",
            ReasonKind::Cl => "Clarification",
            ReasonKind::Far => "Forward action",
        }
    }

    /// What the kind asks for.
    pub fn description(self) -> &'static str {
        match self {
            ReasonKind::Car => "the data is wrong",
            ReasonKind::Cl => "evidence is missing or unclear",
            ReasonKind::Far => "fix it in the next period",
        }
    }
}

/// Whether a finding still needs something from the analyst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    Open,
    Closed,
}

impl FindingState {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<FindingState> {
        match text {
            "open" => Some(FindingState::Open),
            "closed" => Some(FindingState::Closed),
            _ => None,
        }
    }
}

/// A finding's number within its kind, as a verification report names it: `CAR 1`, `CL 2`.
/// Numbers run over a batch's versions, so a finding keeps its name when carried forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingNo {
    pub kind: ReasonKind,
    pub number: i64,
}

impl FindingNo {
    /// `CAR 1`, `CAR1`, `CAR-1` or `car 1`.
    pub fn parse(text: &str) -> Result<FindingNo, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(t.len());
        let (kind, rest) = t.split_at(split);
        let number = rest.trim_start_matches([' ', '-']);
        let kind = ReasonKind::parse(&kind.to_ascii_uppercase());
        match (kind, number.parse::<i64>()) {
            (Some(kind), Ok(number)) if number >= 1 => Ok(FindingNo { kind, number }),
            _ => Err(format!(
                "`{text}` is not a finding number such as CAR 1, CL 2 or FAR 1"
            )),
        }
    }
}

impl fmt::Display for FindingNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.as_str(), self.number)
    }
}

/// Sub-codes a rejection may name.
pub const SUB_CODES: [&str; 9] = [
    "outside_boundary",
    "land_cover_mismatch",
    "loss_after_baseline",
    "implausible_value",
    "duplicate_plot",
    "robust_outlier",
    "nodata",
    "missing_evidence",
    "other",
];

/// A rejection's reason code: kind and optional sub-code, written `CAR` or
/// `CAR/implausible_value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCode {
    pub kind: ReasonKind,
    pub sub_code: Option<String>,
}

impl ReasonCode {
    pub fn parse(text: &str) -> Result<ReasonCode, String> {
        let (kind, sub) = match text.trim().split_once('/') {
            Some((k, s)) => (k, Some(s)),
            None => (text.trim(), None),
        };
        let kind = match kind {
            "CAR" => ReasonKind::Car,
            "CL" => ReasonKind::Cl,
            "FAR" => ReasonKind::Far,
            other => {
                return Err(format!(
                    "reason code `{other}` is not CAR (data wrong), CL (evidence missing or unclear) or FAR (fix next period)"
                ))
            }
        };
        if let Some(sub) = sub {
            if !SUB_CODES.contains(&sub) {
                return Err(format!(
                    "sub-code `{sub}` is not one of {}",
                    SUB_CODES.join(", ")
                ));
            }
        }
        Ok(ReasonCode {
            kind,
            sub_code: sub.map(str::to_owned),
        })
    }

    /// `CAR` or `CAR/implausible_value`.
    pub fn code(&self) -> String {
        let kind = self.kind.as_str();
        match &self.sub_code {
            Some(s) => format!("{kind}/{s}"),
            None => kind.to_owned(),
        }
    }
}

/// An open flag of a batch under review, as the approval rule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalFlag<'a> {
    pub id: i64,
    /// The flagged row, 1-based.
    pub row: i64,
    pub check: &'a str,
    pub severity: Severity,
}

/// What an approval still needs a written justification for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unjustified {
    /// An open high-severity flag.
    HighFlag { flag: i64, row: i64, check: String },
    /// A material row (`quantity::material_rows`) none of whose flags is justified; a
    /// justification of any one of them will do.
    MaterialRow { row: i64, flags: Vec<i64> },
}

impl fmt::Display for Unjustified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unjustified::HighFlag { flag, row, check } => {
                write!(f, "flag {flag} (row {row}, {check})")
            }
            Unjustified::MaterialRow { row, flags } => write!(
                f,
                "material row {row} (justify one of its flags: {})",
                flags
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// Why the justifications given do not allow an approval.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JustificationError {
    #[error("flag {flag} is neither an open high-severity flag nor a flag of a material row")]
    NotJustifiable { flag: i64 },
    #[error(
        "a written justification is needed for each open high-severity flag and each material row; missing: {}",
        .missing.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    Missing { missing: Vec<Unjustified> },
}

/// Whether a justification may be written for `flag`: it is high-severity, or its row is
/// material.
pub fn is_justifiable(flag: &ApprovalFlag<'_>, material_rows: &BTreeSet<i64>) -> bool {
    flag.severity == Severity::High || material_rows.contains(&flag.row)
}

/// The approval rule (SOP-005): every open high-severity flag has a written justification, and
/// so does every material row (on any of its flags); no justification names a flag that needs
/// none. `justified` holds the ids of flags given a non-empty text.
pub fn check_justifications(
    flags: &[ApprovalFlag<'_>],
    material_rows: &BTreeSet<i64>,
    justified: &BTreeSet<i64>,
) -> Result<(), JustificationError> {
    if let Some(&flag) = justified.iter().find(|id| {
        !flags
            .iter()
            .any(|f| f.id == **id && is_justifiable(f, material_rows))
    }) {
        return Err(JustificationError::NotJustifiable { flag });
    }
    let mut missing: Vec<Unjustified> = flags
        .iter()
        .filter(|f| f.severity == Severity::High && !justified.contains(&f.id))
        .map(|f| Unjustified::HighFlag {
            flag: f.id,
            row: f.row,
            check: f.check.to_owned(),
        })
        .collect();
    for &row in material_rows {
        let of_row: Vec<i64> = flags
            .iter()
            .filter(|f| f.row == row)
            .map(|f| f.id)
            .collect();
        if !of_row.iter().any(|id| justified.contains(id)) {
            missing.push(Unjustified::MaterialRow { row, flags: of_row });
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(JustificationError::Missing { missing })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_journey_and_its_only_legal_steps() {
        use BatchState::*;
        use ReviewEvent::*;
        let mut legal = Vec::new();
        for s in BatchState::ALL {
            for e in ReviewEvent::ALL {
                if let Ok(to) = next_state(s, e) {
                    legal.push(format!("{} -{}-> {}", s.as_str(), e.as_str(), to.as_str()));
                }
            }
        }
        assert_eq!(
            legal,
            [
                "imported -enrich-> enriched",
                "enriched -enrich-> enriched",
                "enriched -start_review-> in_review",
                "in_review -approve-> approved",
                "in_review -reject-> rejected",
                "approved -stamp-> stamped",
                "stamped -anchor-> anchored",
            ]
        );
        assert_eq!(
            next_state(Rejected, Approve).unwrap_err().to_string(),
            "batch is rejected; it cannot be approved; import a corrected file as a new version instead"
        );
        assert_eq!(
            next_state(Enriched, Approve).unwrap_err().to_string(),
            "batch is enriched; it cannot be approved; start the review first"
        );
    }

    proptest! {
        /// No sequence of events reaches a state outside the journey's order, and a rejected
        /// batch never moves again.
        #[test]
        fn no_sequence_reaches_an_illegal_state(events in proptest::collection::vec(0usize..6, 0..40)) {
            let order = |s: BatchState| BatchState::ALL.iter().position(|&x| x == s).unwrap();
            let mut state = BatchState::Imported;
            for e in events {
                let event = ReviewEvent::ALL[e];
                if let Ok(to) = next_state(state, event) {
                    prop_assert!(state != BatchState::Rejected);
                    prop_assert!(order(to) >= order(state), "{state:?} -> {to:?} went back");
                    if to == BatchState::Approved {
                        prop_assert_eq!(state, BatchState::InReview);
                    }
                    state = to;
                }
            }
        }
    }

    #[test]
    fn high_flags_and_material_rows_need_justifications() {
        let flag = |id, row, severity| ApprovalFlag {
            id,
            row,
            check: "robust_outlier",
            severity,
        };
        let flags = [
            flag(1, 3, Severity::High),
            flag(2, 7, Severity::Low),
            flag(3, 7, Severity::Medium),
            flag(4, 9, Severity::Low),
        ];
        let set = |ids: &[i64]| ids.iter().copied().collect::<BTreeSet<i64>>();
        let check = |material: &[i64], justified: &[i64]| {
            check_justifications(&flags, &set(material), &set(justified))
        };
        // The existing rule: one per high flag.
        assert_eq!(check(&[], &[1]), Ok(()));
        assert_eq!(
            check(&[], &[]).unwrap_err().to_string(),
            "a written justification is needed for each open high-severity flag and each material row; missing: flag 1 (row 3, robust_outlier)"
        );
        // A low flag on a material row (a 22 % outlier flagged low) now needs one too.
        assert_eq!(
            check(&[7], &[1]).unwrap_err(),
            JustificationError::Missing {
                missing: vec![Unjustified::MaterialRow {
                    row: 7,
                    flags: vec![2, 3]
                }]
            }
        );
        assert!(check(&[7], &[1])
            .unwrap_err()
            .to_string()
            .ends_with("missing: material row 7 (justify one of its flags: 2, 3)"));
        assert_eq!(check(&[7], &[1, 3]), Ok(()));
        assert_eq!(check(&[7], &[1, 2, 3]), Ok(()));
        // A high flag's justification covers its material row.
        assert_eq!(check(&[3], &[1]), Ok(()));
        // A flag that needs none may not carry one.
        assert_eq!(
            check(&[7], &[1, 2, 4]),
            Err(JustificationError::NotJustifiable { flag: 4 })
        );
        assert_eq!(
            check(&[], &[1, 99]),
            Err(JustificationError::NotJustifiable { flag: 99 })
        );
    }

    #[test]
    fn finding_numbers_parse_and_print() {
        for text in ["CAR 1", "CAR1", "car-1", " CAR  1 "] {
            let n = FindingNo::parse(text).unwrap();
            assert_eq!(n.to_string(), "CAR 1", "{text}");
        }
        assert_eq!(
            FindingNo::parse("CL 12").unwrap(),
            FindingNo {
                kind: ReasonKind::Cl,
                number: 12
            }
        );
        for bad in ["", "CAR", "CAR 0", "XYZ 1", "1", "CAR x"] {
            assert!(FindingNo::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(FindingState::parse("open"), Some(FindingState::Open));
        assert_eq!(FindingState::Closed.as_str(), "closed");
        assert_eq!(ReasonKind::parse("FAR"), Some(ReasonKind::Far));
        assert_eq!(ReasonKind::parse("far"), None);
    }

    #[test]
    fn reason_codes_parse_and_print() {
        let r = ReasonCode::parse("CAR/implausible_value").unwrap();
        assert_eq!(r.kind, ReasonKind::Car);
        assert_eq!(r.code(), "CAR/implausible_value");
        assert_eq!(ReasonCode::parse("CL").unwrap().code(), "CL");
        assert!(ReasonCode::parse("XYZ")
            .unwrap_err()
            .contains("CAR (data wrong)"));
        assert!(ReasonCode::parse("FAR/typo")
            .unwrap_err()
            .contains("missing_evidence"));
    }
}
