//! The local journal (DESIGN.md §6): every state change appends an event to a hash chain in the
//! same transaction as the change; `verify_journal` recomputes the chain.

use crate::users::Session;
use crate::{AppError, Mrv};
use mrv_core::Action;
use mrv_stamp::journal::{event_hash, payload_hash, verify_chain, JournalEvent, GENESIS};
use mrv_store::JournalRecord;
use serde::Serialize;

/// Appends one event after the current head, inside the caller's transaction.
pub(crate) fn append(
    conn: &mrv_store::Connection,
    at: &str,
    actor: &str,
    action: &str,
    target: &str,
    payload: serde_json::Value,
) -> Result<(), AppError> {
    let (seq, prev_hash) = match mrv_store::journal_head(conn)? {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let event = JournalEvent {
        seq,
        at: at.to_owned(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        payload_sha256: payload_hash(&payload),
        prev_hash,
    };
    let hash = event_hash(&event);
    mrv_store::insert_journal(
        conn,
        &JournalRecord {
            seq,
            at: event.at,
            actor: event.actor,
            action: event.action,
            target: event.target,
            payload_json: payload.to_string(),
            payload_sha256: event.payload_sha256,
            prev_hash: event.prev_hash,
            hash,
        },
    )?;
    Ok(())
}

/// The result of `mrv journal verify`.
#[derive(Debug, Clone, Serialize)]
pub struct JournalCheck {
    pub ok: bool,
    pub events: i64,
    /// The head hash when intact.
    pub head: Option<String>,
    /// The first broken event, when not.
    pub broken_seq: Option<i64>,
    pub message: String,
}

impl Mrv {
    /// Re-computes the journal's hash chain from the stored events, and each payload's hash
    /// from its stored text; names the first broken event.
    pub fn verify_journal(&self, session: &Session) -> Result<JournalCheck, AppError> {
        self.authorize(session, Action::VerifyJournal)?;
        let mut events = Vec::new();
        let mut payload_break: Option<(i64, String)> = None;
        mrv_store::each_journal_event(self.ws.conn(), &mut |r| {
            let payload: Option<serde_json::Value> = serde_json::from_str(&r.payload_json).ok();
            if payload_break.is_none()
                && payload.as_ref().map(payload_hash).as_deref() != Some(r.payload_sha256.as_str())
            {
                payload_break = Some((r.seq, format!("{} on {}", r.action, r.target)));
            }
            events.push((
                JournalEvent {
                    seq: r.seq,
                    at: r.at,
                    actor: r.actor,
                    action: r.action,
                    target: r.target,
                    payload_sha256: r.payload_sha256,
                    prev_hash: r.prev_hash,
                },
                r.hash,
            ));
            true
        })?;
        let chain = verify_chain(events);
        Ok(match (chain, payload_break) {
            (Err(b), _) => JournalCheck {
                ok: false,
                events: b.seq - 1,
                head: None,
                broken_seq: Some(b.seq),
                message: b.to_string(),
            },
            (Ok((n, _)), Some((seq, what))) => JournalCheck {
                ok: false,
                events: n,
                head: None,
                broken_seq: Some(seq),
                message: format!(
                    "journal event {seq} ({what}) is broken: its payload no longer matches its hash (edited after it was written)"
                ),
            },
            (Ok((n, head)), None) => JournalCheck {
                ok: true,
                events: n,
                message: format!("journal intact: {n} events, head {head}"),
                head: Some(head),
                broken_seq: None,
            },
        })
    }
}
