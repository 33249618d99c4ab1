//! Batch lifecycle states (DESIGN.md §2). Later issues add the transitions; the names are fixed
//! here because they are stored in the database and shown to users.

use serde::{Deserialize, Serialize};

/// Where a measurement batch stands in the sign-off journey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    Imported,
    Enriched,
    InReview,
    Approved,
    Rejected,
    Stamped,
    Anchored,
}

impl BatchState {
    pub const ALL: [BatchState; 7] = [
        BatchState::Imported,
        BatchState::Enriched,
        BatchState::InReview,
        BatchState::Approved,
        BatchState::Rejected,
        BatchState::Stamped,
        BatchState::Anchored,
    ];

    /// The stored, stable name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchState::Imported => "imported",
            BatchState::Enriched => "enriched",
            BatchState::InReview => "in_review",
            BatchState::Approved => "approved",
            BatchState::Rejected => "rejected",
            BatchState::Stamped => "stamped",
            BatchState::Anchored => "anchored",
        }
    }

    pub fn parse(name: &str) -> Option<BatchState> {
        BatchState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_its_stored_name() {
        for state in BatchState::ALL {
            assert_eq!(BatchState::parse(state.as_str()), Some(state));
        }
        assert_eq!(BatchState::parse("approved "), None);
    }
}
