//! The local journal's hash chain (DESIGN.md §6): every state change is an event whose hash
//! covers its content and the previous event's hash, so editing, deleting or reordering any
//! stored event breaks the chain at that event.

use crate::jcs::canonicalize;
use serde::Serialize;
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One journal event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalEvent {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// UTC time.
    pub at: String,
    /// Who (user name, or `system`).
    pub actor: String,
    /// What, e.g. `batch.approve`.
    pub action: String,
    /// On what, e.g. `batch:3`.
    pub target: String,
    /// SHA-256 of the event's payload (the canonical JSON of its details).
    pub payload_sha256: String,
    pub prev_hash: String,
}

/// SHA-256 of the event's canonical JSON, hex.
pub fn event_hash(event: &JournalEvent) -> String {
    let value = serde_json::to_value(event).expect("an event serialises");
    let bytes = canonicalize(&value).expect("events hold strings and small integers");
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 of a payload's canonical JSON, hex.
pub fn payload_hash(payload: &serde_json::Value) -> String {
    let bytes = canonicalize(payload).unwrap_or_else(|_| payload.to_string().into_bytes());
    hex::encode(Sha256::digest(bytes))
}

/// Where and why a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("journal event {seq} ({action} on {target}) is broken: {reason}")]
pub struct ChainBreak {
    pub seq: i64,
    pub action: String,
    pub target: String,
    pub reason: String,
}

/// Re-computes the chain over `events` (with the hash stored beside each) in order; returns
/// the number of events and the head hash, or the first broken event.
pub fn verify_chain<I>(events: I) -> Result<(i64, String), ChainBreak>
where
    I: IntoIterator<Item = (JournalEvent, String)>,
{
    let mut prev = GENESIS.to_owned();
    let mut count = 0;
    for (event, stored) in events {
        let broken = |reason: String| ChainBreak {
            seq: event.seq,
            action: event.action.clone(),
            target: event.target.clone(),
            reason,
        };
        if event.seq != count + 1 {
            return Err(broken(format!(
                "expected event {} here (an event was deleted or reordered)",
                count + 1
            )));
        }
        if event.prev_hash != prev {
            return Err(broken(
                "its previous-event hash does not match the event before it".into(),
            ));
        }
        let hash = event_hash(&event);
        if hash != stored {
            return Err(broken(
                "its content no longer matches its hash (edited after it was written)".into(),
            ));
        }
        prev = hash;
        count += 1;
    }
    Ok((count, prev))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<(JournalEvent, String)> {
        let mut out = Vec::new();
        let mut prev = GENESIS.to_owned();
        for seq in 1..=n {
            let event = JournalEvent {
                seq,
                at: format!("2026-11-27T12:00:{seq:02}Z"),
                actor: "vera".into(),
                action: "batch.approve".into(),
                target: format!("batch:{seq}"),
                payload_sha256: payload_hash(&serde_json::json!({"n": seq})),
                prev_hash: prev.clone(),
            };
            let hash = event_hash(&event);
            prev = hash.clone();
            out.push((event, hash));
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies_to_its_head() {
        let events = chain(5);
        let head = events[4].1.clone();
        assert_eq!(verify_chain(events), Ok((5, head)));
        assert_eq!(verify_chain(Vec::new()), Ok((0, GENESIS.to_owned())));
    }

    #[test]
    fn edits_deletions_and_reorderings_name_the_first_broken_event() {
        let mut edited = chain(5);
        edited[2].0.actor = "mallory".into();
        let err = verify_chain(edited).unwrap_err();
        assert_eq!(err.seq, 3);
        assert_eq!(
            err.to_string(),
            "journal event 3 (batch.approve on batch:3) is broken: its content no longer matches its hash (edited after it was written)"
        );

        let mut deleted = chain(5);
        deleted.remove(1);
        assert_eq!(verify_chain(deleted).unwrap_err().seq, 3);

        // Re-hashing an edited event does not help: the next event's link breaks.
        let mut rehashed = chain(5);
        rehashed[1].0.target = "batch:99".into();
        rehashed[1].1 = event_hash(&rehashed[1].0);
        let err = verify_chain(rehashed).unwrap_err();
        assert_eq!(err.seq, 3);
        assert!(err.reason.contains("previous-event hash"));
    }
}
