//! The local journal (DESIGN.md §6): every state change appends an event to a hash chain in the
//! same transaction as the change; `verify_journal` recomputes the chain and checks the state
//! against it (`consistency`).

use crate::consistency::{anchored_heads, AnchoredHead, JournalProblem, Problems};
use crate::session::Session;
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
    /// No problem found: the chain, the anchored heads, and the state against the journal and
    /// the stamps.
    pub ok: bool,
    pub events: i64,
    /// The head hash when the chain is intact.
    pub head: Option<String>,
    /// The first broken event of the chain, if it is broken.
    pub broken_seq: Option<i64>,
    pub message: String,
    /// Every problem found, in the order checked.
    pub problems: Vec<JournalProblem>,
    /// The last journal head anchored to the audit log, and the events after it.
    pub anchored_head: Option<AnchoredHead>,
}

impl Mrv {
    /// Verifies the journal and the state it records: re-computes the hash chain and each
    /// payload's hash, compares the chain with the heads anchored to the audit log, and the
    /// stored users, decisions, batches and stamps with the journal and the stamps (see
    /// `consistency`). Lists every problem found.
    pub fn verify_journal(&self, session: &Session) -> Result<JournalCheck, AppError> {
        self.authorize(session, Action::VerifyJournal)?;
        self.journal_check()
    }

    /// [`Mrv::verify_journal`] without a session: for a restore drill, whose caller was
    /// authorized on the live workspace and checks a restored copy of it (`backup`).
    pub(crate) fn journal_check(&self) -> Result<JournalCheck, AppError> {
        let mut records = Vec::new();
        mrv_store::each_journal_event(self.ws.conn(), &mut |r| {
            records.push(r);
            true
        })?;
        let mut problems = Problems(Vec::new());
        let mut payload_break = None;
        for r in &records {
            let payload: Option<serde_json::Value> = serde_json::from_str(&r.payload_json).ok();
            if payload.as_ref().map(payload_hash).as_deref() != Some(r.payload_sha256.as_str()) {
                payload_break = payload_break.or(Some(r.seq));
                problems.0.push(JournalProblem {
                    kind: "payload_edited".into(),
                    object: format!("journal event {}", r.seq),
                    detail: format!(
                        "journal event {} ({} on {}) is broken: its payload no longer matches its hash (edited after it was written)",
                        r.seq, r.action, r.target
                    ),
                });
            }
        }
        let chain = verify_chain(records.iter().map(|r| {
            (
                JournalEvent {
                    seq: r.seq,
                    at: r.at.clone(),
                    actor: r.actor.clone(),
                    action: r.action.clone(),
                    target: r.target.clone(),
                    payload_sha256: r.payload_sha256.clone(),
                    prev_hash: r.prev_hash.clone(),
                },
                r.hash.clone(),
            )
        }));
        let (events, head, broken_seq) = match chain {
            Ok((n, head)) => (n, Some(head), payload_break),
            Err(b) => {
                problems.0.insert(
                    0,
                    JournalProblem {
                        kind: "chain_broken".into(),
                        object: format!("journal event {}", b.seq),
                        detail: b.to_string(),
                    },
                );
                (
                    b.seq - 1,
                    None,
                    Some(payload_break.map_or(b.seq, |p| p.min(b.seq))),
                )
            }
        };
        let anchored_head = anchored_heads(self.ws.conn(), &records, true, &mut problems)?;
        self.check_state(&records, &mut problems)?;
        let problems = problems.0;
        let since = anchored_head.as_ref().map_or_else(
            || "no journal head anchored yet".to_owned(),
            |a| {
                format!(
                    "{} event(s) since the head anchored at event {}",
                    a.unanchored_events, a.seq
                )
            },
        );
        let message = match (&head, problems.first()) {
            (Some(head), None) => format!(
                "journal intact: {events} events, head {head}; users, decisions, batches and stamps match it; {since}"
            ),
            (_, Some(first)) => format!(
                "journal verification found {} problem(s); first: {} {}: {}",
                problems.len(),
                first.kind,
                first.object,
                first.detail
            ),
            (None, None) => "journal broken".into(),
        };
        Ok(JournalCheck {
            ok: problems.is_empty() && head.is_some(),
            events,
            head,
            broken_seq,
            message,
            problems,
            anchored_head,
        })
    }
}
