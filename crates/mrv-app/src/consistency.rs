//! What `mrv journal verify` checks beyond the journal's own hash chain, so that an edit of the
//! database file that keeps the chain intact (or re-hashes it) is still found:
//!
//! - the chain against the heads anchored to the audit log (each anchored `journal-<seq>` entry
//!   names the hash event `seq` had; its receipt must verify against the pinned log key), and
//!   how many events came after the last anchored head;
//! - users, their roles, keys and offboardings against their `user.*` events;
//! - imports, review decisions and each batch's review state against the `batch.*` events;
//! - every stamp: its hash and signature, its signer, its decision and justifications, (v2) its
//!   claimed total against the stored rows' texts, its
//!   flags, the root its stored rows recompute to, the derived columns (claimed values,
//!   positions, total) against those rows, and its audit-log entry.
//!
//! Each difference is a [`JournalProblem`] naming its kind, the object and what differs.

use crate::review::{push_row, row_schema};
use crate::{AppError, Mrv};
use mrv_core::AnchorEntry;
use mrv_stamp::document::{parse_key, stamp_hash, verify_signature, Stamp};
use mrv_stamp::rows::RowsTree;
use mrv_store::{BatchRecord, JournalRecord, StampRecord};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One difference between the workspace's state and what its journal or stamps record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalProblem {
    /// A stable name, e.g. `chain_broken`, `anchored_head_mismatch`, `stamp_rows_root`,
    /// `decision_reattributed`, `user_roles`, `user_offboarding`.
    pub kind: String,
    /// What it is about, e.g. `batch 3`, `user vera`, `journal event 12`.
    pub object: String,
    /// What differs.
    pub detail: String,
}

/// The last journal head anchored to the audit log, compared with the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchoredHead {
    pub seq: i64,
    /// The event hash the anchored entry names.
    pub hash: String,
    pub anchored_at: Option<String>,
    /// The journal still has that event with that hash.
    pub matches: bool,
    /// Journal events after the anchored head (not yet anchored).
    pub unanchored_events: i64,
}

pub(crate) struct Problems(pub(crate) Vec<JournalProblem>);

impl Problems {
    pub(crate) fn add(&mut self, kind: &str, object: impl Into<String>, detail: impl Into<String>) {
        self.0.push(JournalProblem {
            kind: kind.to_owned(),
            object: object.into(),
            detail: detail.into(),
        });
    }
}

/// An event's payload, or null when unreadable (the payload check reports that).
fn payload(e: &JournalRecord) -> serde_json::Value {
    serde_json::from_str(&e.payload_json).unwrap_or(serde_json::Value::Null)
}

fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    v.get(key).and_then(|s| s.as_str()).map(str::to_owned)
}

fn batch_of(target: &str) -> Option<i64> {
    target.strip_prefix("batch:")?.parse().ok()
}

/// The review steps a batch's journal records as `batch.<step>`.
const DECISIONS: [&str; 5] = ["start_review", "approve", "reject", "stamp", "anchor"];

/// The anchored journal heads (every one with `all`, else the last): each must still be in the
/// journal with the hash it had, and its receipt must verify against the pinned key. Returns
/// the last one.
pub(crate) fn anchored_heads(
    conn: &mrv_store::Connection,
    events: &[JournalRecord],
    all: bool,
    problems: &mut Problems,
) -> Result<Option<AnchoredHead>, AppError> {
    let log = mrv_store::auditlog(conn)?;
    let key = log
        .as_ref()
        .and_then(|l| mrv_tlog::VerifierKey::parse(&l.vkey).ok());
    let mut last: Option<AnchoredHead> = None;
    let mut anchored: Vec<_> = mrv_store::list_anchors(conn)?
        .into_iter()
        .filter(|a| a.kind == "journal" && a.state == "anchored")
        .collect();
    if !all {
        anchored = anchored.split_off(anchored.len().saturating_sub(1));
    }
    for a in anchored {
        let object = format!("anchor {}", a.record_id);
        let entry = match AnchorEntry::parse(&a.entry) {
            Ok(e) => e,
            Err(e) => {
                problems.add("anchor_entry", object, format!("unreadable entry: {e}"));
                continue;
            }
        };
        let Some(seq) = entry
            .id
            .strip_prefix("journal-")
            .and_then(|s| s.parse::<i64>().ok())
        else {
            problems.add(
                "anchor_entry",
                object,
                format!("`{}` names no journal event", entry.id),
            );
            continue;
        };
        if let (Some(key), Some(receipt)) = (&key, &a.receipt) {
            let verified = mrv_tlog::Receipt::parse(receipt)
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    r.verify(&a.entry, &key.name, key)
                        .map_err(|e| e.to_string())
                });
            if let Err(e) = verified {
                problems.add(
                    "anchor_receipt",
                    object.clone(),
                    format!("the stored receipt does not prove this entry in the pinned log: {e}"),
                );
            }
        }
        let hash = hex::encode(entry.sha256);
        let held = events.iter().find(|e| e.seq == seq);
        let matches = held.is_some_and(|e| e.hash == hash);
        match held {
            None => problems.add(
                "journal_truncated",
                format!("journal event {seq}"),
                format!(
                    "event {seq} was anchored to the audit log (hash {hash}) but the journal ends at event {}: events were deleted",
                    events.last().map_or(0, |e| e.seq)
                ),
            ),
            Some(e) if !matches => problems.add(
                "anchored_head_mismatch",
                format!("journal event {seq}"),
                format!(
                    "the audit log holds hash {hash} for event {seq}, the journal now has {}: the journal was rewritten after it was anchored",
                    e.hash
                ),
            ),
            Some(_) => {}
        }
        if last.as_ref().is_none_or(|l| seq > l.seq) {
            last = Some(AnchoredHead {
                seq,
                hash,
                anchored_at: a.anchored_at.clone(),
                matches,
                unanchored_events: events.iter().filter(|e| e.seq > seq).count() as i64,
            });
        }
    }
    Ok(last)
}

impl Mrv {
    /// Every check of this module on the stored journal `events` (in stored order).
    pub(crate) fn check_state(
        &self,
        events: &[JournalRecord],
        problems: &mut Problems,
    ) -> Result<(), AppError> {
        self.check_users(events, problems)?;
        self.check_registrations(events, problems)?;
        self.check_batches(events, problems)?;
        let stamps = mrv_store::all_stamps(self.ws.conn())?;
        for stamp in &stamps {
            self.check_stamp(stamp, events, problems)?;
        }
        self.check_stamps_present(events, &stamps, problems)?;
        self.check_exports(events, problems)?;
        self.check_inventory(events, problems)?;
        self.check_statements(events, problems)?;
        Ok(())
    }

    /// Every recorded statement against its `statement.create` event (same batch, version,
    /// stamp, SHA-256) and its queued anchor entry (kind `statement`, naming that SHA-256), and
    /// every journaled statement still recorded.
    fn check_statements(&self, events: &[JournalRecord], p: &mut Problems) -> Result<(), AppError> {
        let stored = mrv_store::list_statements(self.ws.conn())?;
        let journaled: BTreeMap<i64, serde_json::Value> = events
            .iter()
            .filter(|e| e.action == "statement.create")
            .filter_map(|e| {
                let v = payload(e);
                v.get("statement")
                    .and_then(|s| s.as_i64())
                    .map(|id| (id, v))
            })
            .collect();
        for s in &stored {
            let object = format!("statement {}", s.id);
            match journaled.get(&s.id) {
                None => p.add(
                    "statement_unjournaled",
                    object.clone(),
                    "no statement.create event records it",
                ),
                Some(v) => {
                    let same = text(v, "sha256").as_deref() == Some(s.sha256.as_str())
                        && text(v, "stamp_hash").as_deref() == Some(s.stamp_hash.as_str())
                        && v.get("version").and_then(|x| x.as_i64()) == Some(s.version);
                    if !same {
                        p.add(
                            "statement_changed",
                            object.clone(),
                            format!(
                                "the stored SHA-256 {} (stamp {}, version {}) is not what the journal recorded",
                                s.sha256, s.stamp_hash, s.version
                            ),
                        );
                    }
                }
            }
            let anchor = mrv_store::statement_anchor(self.ws.conn(), s.id)?;
            let entry_ok = anchor.as_ref().is_some_and(|a| {
                AnchorEntry::parse(&a.entry).is_ok_and(|e| {
                    e.kind == mrv_core::AnchorKind::Statement && hex::encode(e.sha256) == s.sha256
                })
            });
            if !entry_ok {
                p.add(
                    "statement_anchor",
                    object,
                    "its audit-log entry is missing or names another SHA-256",
                );
            }
        }
        for id in journaled.keys() {
            if !stored.iter().any(|s| s.id == *id) {
                p.add(
                    "statement_missing",
                    format!("statement {id}"),
                    "the journal records it but the workspace no longer holds it",
                );
            }
        }
        Ok(())
    }

    /// A batch past approval, or one the journal records a stamp for, must still have its stamp:
    /// approval, stamp and journal entry are written in one transaction.
    fn check_stamps_present(
        &self,
        events: &[JournalRecord],
        stamps: &[StampRecord],
        p: &mut Problems,
    ) -> Result<(), AppError> {
        let stored: BTreeSet<i64> = stamps.iter().map(|s| s.batch_id).collect();
        let mut expected: BTreeMap<i64, String> = BTreeMap::new();
        for e in events.iter().filter(|e| e.action == "batch.stamp.sign") {
            if let Some(batch) = batch_of(&e.target) {
                expected.insert(batch, format!("journal event {} records its stamp", e.seq));
            }
        }
        for b in mrv_store::list_batches(self.ws.conn(), None)? {
            if matches!(b.state.as_str(), "approved" | "stamped" | "anchored") {
                expected
                    .entry(b.id)
                    .or_insert_with(|| format!("it is {}", b.state));
            }
        }
        for (batch, why) in expected {
            if !stored.contains(&batch) {
                p.add(
                    "stamp_missing",
                    format!("batch {batch}"),
                    format!("{why}, but no stamp is stored"),
                );
            }
        }
        Ok(())
    }

    fn check_users(&self, events: &[JournalRecord], p: &mut Problems) -> Result<(), AppError> {
        // name → (roles, public key, seq) from user.add; name → seq from user.offboard.
        let mut added: BTreeMap<String, (Vec<String>, String, i64)> = BTreeMap::new();
        let mut offboarded: BTreeMap<String, i64> = BTreeMap::new();
        for e in events {
            let v = payload(e);
            let Some(name) = text(&v, "name") else {
                continue;
            };
            match e.action.as_str() {
                "user.add" => {
                    let mut roles: Vec<String> = v
                        .get("roles")
                        .and_then(|r| serde_json::from_value(r.clone()).ok())
                        .unwrap_or_default();
                    roles.sort();
                    let key = text(&v, "public_key").unwrap_or_default();
                    added.insert(name, (roles, key, e.seq));
                }
                "user.offboard" => {
                    offboarded.insert(name, e.seq);
                }
                // Role changes (docs/access.md) record the roles held afterwards.
                "user.roles" | "access.grant" | "access.review.apply" => {
                    if let (Some(entry), Some(roles)) = (
                        added.get_mut(&name),
                        v.get("roles")
                            .and_then(|r| serde_json::from_value::<Vec<String>>(r.clone()).ok()),
                    ) {
                        let mut roles = roles;
                        roles.sort();
                        entry.0 = roles;
                        entry.2 = e.seq;
                    }
                }
                _ => {}
            }
        }
        let users = mrv_store::list_users(self.ws.conn())?;
        for u in &users {
            let object = format!("user {}", u.name);
            let Some((roles, key, seq)) = added.get(&u.name) else {
                p.add(
                    "user_unjournaled",
                    object,
                    format!(
                        "user {} ({}) exists but no journal event added them",
                        u.name,
                        u.roles.join(", ")
                    ),
                );
                continue;
            };
            let mut held = u.roles.clone();
            held.sort();
            if &held != roles {
                p.add(
                    "user_roles",
                    object.clone(),
                    format!(
                        "holds roles [{}], but journal event {seq} granted [{}]",
                        held.join(", "),
                        roles.join(", ")
                    ),
                );
            }
            if &u.public_key != key {
                p.add(
                    "user_key",
                    object.clone(),
                    format!(
                        "public key {} differs from {key} recorded in journal event {seq}",
                        u.public_key
                    ),
                );
            }
            match (offboarded.get(&u.name), &u.offboarded_at) {
                (Some(seq), None) => p.add(
                    "user_offboarding",
                    object,
                    format!(
                        "journal event {seq} offboarded {}, but they are active again",
                        u.name
                    ),
                ),
                (None, Some(at)) => p.add(
                    "user_offboarding",
                    object,
                    format!("offboarded at {at}, but no journal event records it"),
                ),
                _ => {}
            }
        }
        for (name, (_, _, seq)) in &added {
            if !users.iter().any(|u| &u.name == name) {
                p.add(
                    "user_deleted",
                    format!("user {name}"),
                    format!("journal event {seq} added {name}, who is no longer stored"),
                );
            }
        }
        Ok(())
    }

    /// Projects and layers against their `project.add` / `layer.add` events: what was
    /// registered (name, methodology, boundary; project, name, kind, band, file) is what is
    /// stored. Those registered before these events existed (ids below the first journaled
    /// one) are not expected to have one.
    fn check_registrations(
        &self,
        events: &[JournalRecord],
        p: &mut Problems,
    ) -> Result<(), AppError> {
        let journaled = |action: &str, prefix: &str| -> BTreeMap<i64, (serde_json::Value, i64)> {
            events
                .iter()
                .filter(|e| e.action == action)
                .filter_map(|e| {
                    let id = e.target.strip_prefix(prefix)?.parse().ok()?;
                    Some((id, (payload(e), e.seq)))
                })
                .collect()
        };
        let expect = |object: String,
                      recorded: Option<&(serde_json::Value, i64)>,
                      first: Option<i64>,
                      id: i64,
                      stored: serde_json::Value,
                      p: &mut Problems| {
            match recorded {
                Some((v, seq)) => {
                    for (field, value) in stored.as_object().into_iter().flatten() {
                        if v.get(field) != Some(value) {
                            p.add(
                                "registration_changed",
                                object.clone(),
                                format!(
                                    "{field} is {value} as stored, but journal event {seq} registered {}",
                                    v.get(field).unwrap_or(&serde_json::Value::Null)
                                ),
                            );
                        }
                    }
                }
                None if first.is_some_and(|f| id > f) => p.add(
                    "registration_unjournaled",
                    object,
                    "stored, but no journal event registered it",
                ),
                None => {}
            }
        };
        let conn = self.ws.conn();
        let projects = journaled("project.add", "project:");
        let first = projects.keys().next().copied();
        for pr in mrv_store::list_projects(conn)? {
            let stored = serde_json::json!({
                "name": pr.name, "methodology": pr.methodology_id,
                "boundary_sha256": pr.boundary_file_sha256,
            });
            let object = format!("project {}", pr.id);
            expect(object, projects.get(&pr.id), first, pr.id, stored, p);
        }
        let layers = journaled("layer.add", "layer:");
        let removed = journaled("layer.remove", "layer:");
        let first = layers.keys().next().copied();
        let stored_layers = mrv_store::list_layers(conn, None)?;
        for l in &stored_layers {
            let stored = serde_json::json!({
                "project": l.project_id, "name": l.name, "kind": l.kind,
                "band": l.band, "sha256": l.file_sha256,
            });
            let object = format!("layer {}", l.id);
            if let Some((_, seq)) = removed.get(&l.id) {
                p.add(
                    "registration_changed",
                    object.clone(),
                    format!("stored, but journal event {seq} removed it"),
                );
            }
            expect(object, layers.get(&l.id), first, l.id, stored, p);
        }
        // A layer the journal registered and never removed must still be there: deleting it
        // (and its evidence) by hand changes what the batches were checked against.
        for (id, (_, seq)) in &layers {
            if !removed.contains_key(id) && !stored_layers.iter().any(|l| l.id == *id) {
                p.add(
                    "registration_missing",
                    format!("layer {id}"),
                    format!("journal event {seq} registered it and none removed it, but it is not stored"),
                );
            }
        }
        Ok(())
    }

    fn check_batches(&self, events: &[JournalRecord], p: &mut Problems) -> Result<(), AppError> {
        let conn = self.ws.conn();
        let batches = mrv_store::list_batches(conn, None)?;
        let names: BTreeMap<i64, String> = mrv_store::list_users(conn)?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let ids: Vec<i64> = batches.iter().map(|b| b.id).collect();
        // (batch, step, from, to, at) → [(actor, reason code, reason)], for both sides.
        type Key = (i64, String, String, String, String);
        type Who = (String, Option<String>, Option<String>);
        let mut stored: BTreeMap<Key, Vec<Who>> = BTreeMap::new();
        for e in mrv_store::review_events(conn, &ids)? {
            stored
                .entry((e.batch_id, e.action, e.from_state, e.to_state, e.at))
                .or_default()
                .push((e.user, e.reason_code, e.reason_text));
        }
        let mut journaled: BTreeMap<Key, Vec<(Who, i64)>> = BTreeMap::new();
        let mut last_state: BTreeMap<i64, (String, i64)> = BTreeMap::new();
        let mut imports: BTreeMap<i64, (String, i64)> = BTreeMap::new();
        for e in events {
            let Some(batch) = batch_of(&e.target) else {
                continue;
            };
            let v = payload(e);
            let step = e.action.strip_prefix("batch.").unwrap_or_default();
            if step == "import" {
                imports.insert(batch, (e.actor.clone(), e.seq));
            }
            if !DECISIONS.contains(&step) {
                continue;
            }
            let (Some(from), Some(to)) = (text(&v, "from"), text(&v, "to")) else {
                continue;
            };
            last_state.insert(batch, (to.clone(), e.seq));
            journaled
                .entry((batch, step.to_owned(), from, to, e.at.clone()))
                .or_default()
                .push((
                    (e.actor.clone(), text(&v, "reason_code"), text(&v, "reason")),
                    e.seq,
                ));
        }
        let keys: BTreeSet<&Key> = stored.keys().chain(journaled.keys()).collect();
        for key in keys {
            let (batch, step, from, to, at) = key;
            let object = format!("batch {batch}");
            let what = format!("{step} ({from} → {to}) at {at}");
            let mut ours: Vec<Who> = stored.get(key).cloned().unwrap_or_default();
            let mut theirs: Vec<(Who, i64)> = journaled.get(key).cloned().unwrap_or_default();
            // Exact pairs first; what is left differs.
            ours.retain(|w| match theirs.iter().position(|(t, _)| t == w) {
                Some(i) => {
                    theirs.remove(i);
                    false
                }
                None => true,
            });
            let mut theirs = theirs.into_iter();
            for who in ours {
                match theirs.next() {
                    Some((t, seq)) if t.0 != who.0 => p.add(
                        "decision_reattributed",
                        object.clone(),
                        format!(
                            "{what} is stored as made by {}, but journal event {seq} records {}",
                            who.0, t.0
                        ),
                    ),
                    Some((t, seq)) => p.add(
                        "decision_changed",
                        object.clone(),
                        format!(
                            "{what}: stored reason {:?} {:?}, journal event {seq} records {:?} {:?}",
                            who.1, who.2, t.1, t.2
                        ),
                    ),
                    None => p.add(
                        "decision_unjournaled",
                        object.clone(),
                        format!("{what} by {} is stored but no journal event records it", who.0),
                    ),
                }
            }
            for (t, seq) in theirs {
                p.add(
                    "decision_missing",
                    object.clone(),
                    format!(
                        "journal event {seq} records {what} by {}, but no such decision is stored",
                        t.0
                    ),
                );
            }
        }
        for b in &batches {
            let object = format!("batch {}", b.id);
            match (&last_state.get(&b.id), b.state.as_str()) {
                (Some((to, _)), state) if to == state => {}
                (None, "imported" | "enriched") => {}
                (Some((to, seq)), state) => p.add(
                    "batch_state",
                    object.clone(),
                    format!("is {state}, but its last journaled step (event {seq}) left it {to}"),
                ),
                (None, state) => p.add(
                    "batch_state",
                    object.clone(),
                    format!("is {state}, but the journal records no review step for it"),
                ),
            }
            let importer = mrv_store::batch_importer(conn, b.id)?;
            match (importer.and_then(|id| names.get(&id)), imports.get(&b.id)) {
                (Some(who), Some((actor, seq))) if who != actor => p.add(
                    "import_reattributed",
                    object,
                    format!("imported by {who} as stored, but journal event {seq} records {actor}"),
                ),
                (Some(who), None) => p.add(
                    "import_unjournaled",
                    object,
                    format!("imported by {who}, but no journal event records the import"),
                ),
                _ => {}
            }
        }
        for (batch, (_, seq)) in &imports {
            if !batches.iter().any(|b| b.id == *batch) {
                p.add(
                    "batch_deleted",
                    format!("batch {batch}"),
                    format!("journal event {seq} records its import, but it is no longer stored"),
                );
            }
        }
        Ok(())
    }

    fn check_stamp(
        &self,
        record: &StampRecord,
        events: &[JournalRecord],
        p: &mut Problems,
    ) -> Result<(), AppError> {
        let conn = self.ws.conn();
        let id = record.batch_id;
        let object = format!("batch {id}");
        if stamp_hash(&record.document) != record.stamp_hash {
            p.add(
                "stamp_hash",
                object.clone(),
                format!(
                    "the stored stamp document hashes to {}, not to its recorded hash {}",
                    stamp_hash(&record.document),
                    record.stamp_hash
                ),
            );
        }
        let signed = events
            .iter()
            .rev()
            .find(|e| e.action == "batch.stamp.sign" && batch_of(&e.target) == Some(id));
        match signed.map(|e| (e.seq, text(&payload(e), "stamp_hash"))) {
            Some((_, Some(h))) if h == record.stamp_hash => {}
            Some((seq, h)) => p.add(
                "stamp_replaced",
                object.clone(),
                format!(
                    "the stored stamp hash {} is not the one journal event {seq} signed ({})",
                    record.stamp_hash,
                    h.unwrap_or_default()
                ),
            ),
            None => p.add(
                "stamp_unjournaled",
                object.clone(),
                "the batch has a stamp but no journal event records its signing",
            ),
        }
        let stamp = match Stamp::from_canonical_bytes(&record.document) {
            Ok(s) => s,
            Err(e) => {
                p.add("stamp_document", object, format!("unreadable stamp: {e}"));
                return Ok(());
            }
        };
        let signature_ok = parse_key(&record.signer_key)
            .and_then(|k| verify_signature(&stamp, &record.document, &record.signature, &k))
            .is_ok();
        if !signature_ok {
            p.add(
                "stamp_signature",
                object.clone(),
                format!("the signature does not verify with {}", record.signer_key),
            );
        }
        let verifier = mrv_store::user_by_name(conn, &stamp.decision.verifier)?;
        if verifier.as_ref().map(|u| &u.public_key) != Some(&record.signer_key) {
            p.add(
                "stamp_signer",
                object.clone(),
                format!(
                    "signed with {}, which is not the key of the verifier {} named in the stamp",
                    record.signer_key, stamp.decision.verifier
                ),
            );
        }
        let approvals: Vec<_> = mrv_store::review_events(conn, &[id])?
            .into_iter()
            .filter(|e| e.action == "approve")
            .collect();
        match approvals.last() {
            None => p.add(
                "stamp_decision",
                object.clone(),
                "stamped, but no approval is stored",
            ),
            Some(a) => {
                if a.user != stamp.decision.verifier {
                    p.add(
                        "stamp_decision",
                        object.clone(),
                        format!(
                            "the approval is stored as made by {}, the stamp was signed by {}",
                            a.user, stamp.decision.verifier
                        ),
                    );
                }
                let mut stored: Vec<(i64, String, String)> = a
                    .justifications
                    .iter()
                    .map(|(_, row, check, t)| (*row, check.clone(), t.clone()))
                    .collect();
                stored.sort();
                let stamped: Vec<(i64, String, String)> = stamp
                    .decision
                    .justifications
                    .iter()
                    .map(|j| (j.row, j.check.clone(), j.text.clone()))
                    .collect();
                if stored != stamped {
                    p.add(
                        "stamp_justifications",
                        object.clone(),
                        format!(
                            "{} justification(s) stored, the stamp holds {}; they differ",
                            stored.len(),
                            stamped.len()
                        ),
                    );
                }
            }
        }
        let Some(batch) = mrv_store::get_batch(conn, id)? else {
            p.add(
                "batch_deleted",
                object,
                "the stamp's batch is no longer stored",
            );
            return Ok(());
        };
        let flags = mrv_store::list_flags(conn, &batch)?;
        let count = |s: &str| flags.iter().filter(|f| f.severity == s).count() as u64;
        let mut by_check: BTreeMap<&str, u64> = BTreeMap::new();
        for f in &flags {
            *by_check.entry(f.check.as_str()).or_default() += 1;
        }
        let stamped_checks: BTreeMap<&str, u64> = stamp
            .flags
            .by_check
            .iter()
            .map(|c| (c.check.as_str(), c.count))
            .collect();
        let (h, m, l) = (count("high"), count("medium"), count("low"));
        if (h, m, l) != (stamp.flags.high, stamp.flags.medium, stamp.flags.low)
            || by_check != stamped_checks
        {
            p.add(
                "stamp_flags",
                object.clone(),
                format!(
                    "stored flags (high {h}, medium {m}, low {l}) differ from the stamped ones (high {}, medium {}, low {})",
                    stamp.flags.high, stamp.flags.medium, stamp.flags.low
                ),
            );
        }
        self.check_rows(&batch, &stamp, p)?;
        if let Some(a) = mrv_store::batch_anchor(conn, id)? {
            let named = AnchorEntry::parse(&a.entry).map(|e| hex::encode(e.sha256));
            if named.as_ref() != Ok(&record.stamp_hash) {
                p.add(
                    "anchor_entry",
                    object,
                    format!(
                        "its audit-log entry {} does not name the stamp hash {}",
                        a.record_id, record.stamp_hash
                    ),
                );
            }
        }
        Ok(())
    }

    /// The stored rows of a stamped batch recompute to the stamped root, and the columns kept
    /// beside them (claimed values, positions, the claimed total) agree with them.
    fn check_rows(
        &self,
        batch: &BatchRecord,
        stamp: &Stamp,
        p: &mut Problems,
    ) -> Result<(), AppError> {
        let conn = self.ws.conn();
        let object = format!("batch {}", batch.id);
        let profile = self.profile_of(batch.project_id)?;
        let columns: Vec<String> = serde_json::from_str(&batch.columns_json).unwrap_or_default();
        let claimed_at = columns
            .iter()
            .position(|c| c == &profile.claimed_tco2e_field);
        let mut tree = RowsTree::new(row_schema(&profile, &columns));
        let derived = mrv_store::batch_columns(conn, batch)?;
        let mut first_difference: Option<String> = None;
        let mut differ = |at: String, what: String| {
            first_difference.get_or_insert(format!("{at}: {what}"));
        };
        let mut total = 0.0f64;
        // v2: the exact sum of the stamped claimed column over the stored rows' texts.
        let stamped_at = stamp
            .claimed
            .as_ref()
            .and_then(|c| columns.iter().position(|name| *name == c.field));
        let mut exact: Result<mrv_core::Tonnes, String> = Ok(mrv_core::Tonnes::ZERO);
        const PAGE: i64 = 50_000;
        let mut offset = 0;
        while offset < batch.row_count {
            for m in mrv_store::measurement_page(conn, batch, offset, PAGE)? {
                push_row(
                    &mut tree,
                    m.index as u64,
                    &m.record_id,
                    m.lon,
                    m.lat,
                    &m.values_json,
                )?;
                total += m.claimed_tco2e;
                let values: Vec<String> = serde_json::from_str(&m.values_json).unwrap_or_default();
                if let (Some(at), Ok(sum)) = (stamped_at, exact.as_mut()) {
                    let text = values.get(at).map(String::as_str).unwrap_or("");
                    match mrv_core::Tonnes::parse(text).and_then(|t| sum.checked_add(&t)) {
                        Ok(next) => *sum = next,
                        Err(e) => exact = Err(format!("row {}: {e}", m.index)),
                    }
                }
                let in_values = claimed_at
                    .and_then(|i| values.get(i))
                    .and_then(|v| v.trim().parse::<f64>().ok());
                if in_values.is_some_and(|v| v != m.claimed_tco2e) {
                    differ(
                        format!("row {}", m.index),
                        format!(
                            "claimed value {} stored beside the row, {} in the row",
                            m.claimed_tco2e,
                            in_values.unwrap_or_default()
                        ),
                    );
                }
                let i = (m.index - 1) as usize;
                let same =
                    |col: &[f64], v: f64| col.get(i).is_some_and(|c| c.to_bits() == v.to_bits());
                if !same(&derived.claimed_tco2e, m.claimed_tco2e)
                    || !same(&derived.lon, m.lon)
                    || !same(&derived.lat, m.lat)
                {
                    differ(
                        format!("row {}", m.index),
                        "the batch's position/claimed columns differ from the row".into(),
                    );
                }
            }
            offset += PAGE;
        }
        let root = hex::encode(tree.root());
        if root != stamp.rows.root || tree.count() != stamp.rows.count {
            p.add(
                "stamp_rows_root",
                object.clone(),
                format!(
                    "the stored rows ({}) recompute to root {root}, the stamp says {} rows with root {}: rows were changed after approval",
                    tree.count(),
                    stamp.rows.count,
                    stamp.rows.root
                ),
            );
        }
        if let Some(claimed) = &stamp.claimed {
            let recomputed = match (stamped_at, exact) {
                (None, _) => Err(format!(
                    "the stamped claimed field {} is not among the batch's columns",
                    claimed.field
                )),
                (Some(_), Err(e)) => Err(e),
                (Some(_), Ok(sum)) => Ok(sum.to_string()),
            };
            if recomputed.as_deref() != Ok(claimed.total.as_str()) {
                p.add(
                    "stamp_claimed_total",
                    object.clone(),
                    format!(
                        "the stamp says the rows claim {} tCO2e, the stored rows sum to {}",
                        claimed.total,
                        recomputed.unwrap_or_else(|e| format!("nothing exact ({e})"))
                    ),
                );
            }
        }
        if derived.lon.len() as i64 != batch.row_count {
            differ(
                "columns".into(),
                "the batch's position/claimed columns have another length".into(),
            );
        }
        if (total - batch.claimed_tco2e_total).abs() > 1e-9 * total.abs().max(1.0) {
            differ(
                "total".into(),
                format!(
                    "the claimed total {} differs from the rows' sum {total}",
                    batch.claimed_tco2e_total
                ),
            );
        }
        if let Some(d) = first_difference {
            p.add(
                "claimed_values",
                object,
                format!("stored values derived from the stamped rows differ: {d}"),
            );
        }
        Ok(())
    }
}
