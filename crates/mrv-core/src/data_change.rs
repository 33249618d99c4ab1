//! Reviewed data changes (SOP-004): a ticket carries the SQL of a production data change, its
//! rollback SQL and a reason; it is dry-run on a copy of the database, reviewed by a second
//! person, applied in one transaction and may be rolled back the same way.
//!
//! This module holds the ticket's state machine ([`next_change_state`]), segregation of duties
//! at review ([`may_review`]), which tables no data change may touch ([`protected_table`]) and
//! the diff a dry run records ([`ChangeDiff`]). Pure: no I/O, no clock.

use serde::{Deserialize, Serialize};

/// The most rows of a diff kept with a ticket; the rest are counted in
/// [`ChangeDiff::left_out`].
pub const MAX_DIFF_ROWS: usize = 200;

/// Where a data-change ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// Opened; not dry-run yet.
    Open,
    /// The last dry run ran and touched nothing protected.
    DryRunOk,
    /// The last dry run failed or would touch protected data.
    DryRunRefused,
    /// A second person approved the dry-run change.
    Approved,
    /// A second person rejected it (final).
    Rejected,
    /// Applied to the live database.
    Applied,
    /// Its rollback SQL was applied (final).
    RolledBack,
}

impl ChangeState {
    pub const ALL: [ChangeState; 7] = [
        ChangeState::Open,
        ChangeState::DryRunOk,
        ChangeState::DryRunRefused,
        ChangeState::Approved,
        ChangeState::Rejected,
        ChangeState::Applied,
        ChangeState::RolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Open => "open",
            ChangeState::DryRunOk => "dry_run_ok",
            ChangeState::DryRunRefused => "dry_run_refused",
            ChangeState::Approved => "approved",
            ChangeState::Rejected => "rejected",
            ChangeState::Applied => "applied",
            ChangeState::RolledBack => "rolled_back",
        }
    }

    pub fn parse(name: &str) -> Result<ChangeState, String> {
        ChangeState::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| format!("`{name}` is not a data-change state"))
    }
}

/// What happens to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeEvent {
    /// A dry run that touched nothing protected.
    DryRunOk,
    /// A dry run that failed or would touch protected data.
    DryRunRefused,
    Approve,
    Reject,
    Apply,
    Rollback,
}

impl ChangeEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeEvent::DryRunOk | ChangeEvent::DryRunRefused => "dry-run",
            ChangeEvent::Approve => "approve",
            ChangeEvent::Reject => "reject",
            ChangeEvent::Apply => "apply",
            ChangeEvent::Rollback => "roll back",
        }
    }

    /// The states the event may happen in.
    pub fn from_states(self) -> &'static [ChangeState] {
        use ChangeState::*;
        match self {
            ChangeEvent::DryRunOk | ChangeEvent::DryRunRefused => {
                &[Open, DryRunOk, DryRunRefused, Approved]
            }
            ChangeEvent::Approve | ChangeEvent::Reject => &[DryRunOk],
            ChangeEvent::Apply => &[Approved],
            ChangeEvent::Rollback => &[Applied],
        }
    }
}

/// The state `event` moves a ticket in `from` to, or why it may not happen.
pub fn next_change_state(from: ChangeState, event: ChangeEvent) -> Result<ChangeState, String> {
    if !event.from_states().contains(&from) {
        let why = match event {
            ChangeEvent::Approve | ChangeEvent::Reject => {
                "only a ticket whose last dry run passed is reviewed"
            }
            ChangeEvent::Apply => "only an approved ticket is applied",
            ChangeEvent::Rollback => "only an applied ticket is rolled back",
            _ => "a dry run is only run before a change is applied",
        };
        return Err(format!(
            "a ticket in state {} cannot {}: {why}",
            from.as_str(),
            event.as_str()
        ));
    }
    Ok(match event {
        ChangeEvent::DryRunOk => ChangeState::DryRunOk,
        ChangeEvent::DryRunRefused => ChangeState::DryRunRefused,
        ChangeEvent::Approve => ChangeState::Approved,
        ChangeEvent::Reject => ChangeState::Rejected,
        ChangeEvent::Apply => ChangeState::Applied,
        ChangeEvent::Rollback => ChangeState::RolledBack,
    })
}

/// Segregation of duties: the author of a change never reviews it.
pub fn may_review(reviewer: &str, author: &str, ticket: i64) -> Result<(), String> {
    if reviewer == author {
        return Err(format!(
            "{reviewer} opened data change {ticket} and so may not review it; another tenant admin must (segregation of duties)"
        ));
    }
    Ok(())
}

/// Why a whole table is out of bounds for data changes, or `None`. Rows of other tables may
/// still be protected by what they belong to (see [`PROTECTED_BATCH_STATES`]).
pub fn protected_table(table: &str) -> Option<&'static str> {
    Some(match table {
        "journal" => "the journal",
        "app_user" => "users, their roles and keys",
        "session" => "sessions",
        "sign_in_failure" => "sign-in failures",
        "auditlog_token_box" | "registry_key_box" => "sealed keys",
        "access_request" | "access_review" | "access_review_item" => "role requests and reviews",
        "review_event" | "justification" => "signed review decisions",
        "finding" => "review findings (raised and closed in journaled review steps)",
        "batch" => "batches (checked against the journal's import and review events)",
        "stamp" => "stamps",
        "auditlog" | "anchor" | "log_checkpoint" | "log_alarm" | "log_health" => {
            "audit-log anchors and receipts"
        }
        "export_signoff" => "export sign-offs",
        "statement" => "verification statements (their recorded and anchored SHA-256)",
        "inventory_block" => "inventory blocks",
        "schema_migration" => "the schema migration ledger",
        "data_change" => "data-change tickets",
        _ => return None,
    })
}

/// Columns of tables whose rows `mrv journal verify` checks against the journal's events
/// (a project's or layer's registration): a change may not alter them, nor insert or delete
/// such rows. Other columns (a project's country, a layer's acquisition date) may change.
pub fn checked_columns(table: &str) -> Option<&'static [&'static str]> {
    match table {
        "project" => Some(&["id", "name", "methodology_id", "boundary_file_sha256"]),
        "layer" => Some(&["id", "project_id", "name", "kind", "band", "file_sha256"]),
        _ => None,
    }
}

/// Batches in these states are stamped (or about to be) and anchored: their batch row and every
/// row hanging off them (measurements, samples, flags, attachments) are protected.
pub const PROTECTED_BATCH_STATES: [&str; 3] = ["approved", "stamped", "anchored"];

/// One changed column of an updated row (values as text, `None` for NULL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnChange {
    pub column: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One changed row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowChange {
    /// `inserted`, `deleted` or `updated`.
    pub change: String,
    /// The primary key (or rowid), e.g. `id=3` or `project_id=1, start_date=2024-01-01`.
    pub key: String,
    /// Updated rows: the columns that changed; inserted and deleted rows: every column.
    pub columns: Vec<ColumnChange>,
}

/// The changes of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableChange {
    pub table: String,
    pub inserted: u64,
    pub deleted: u64,
    pub updated: u64,
}

/// Row counts of one table before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCount {
    pub table: String,
    pub before: u64,
    pub after: u64,
}

/// What a dry run found: counts of every table, the changed tables and (bounded) rows, and a
/// SHA-256 over the whole diff so that a later run can be compared with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeDiff {
    pub counts: Vec<TableCount>,
    pub tables: Vec<TableChange>,
    /// The first [`MAX_DIFF_ROWS`] changed rows, table by table.
    pub rows: Vec<(String, RowChange)>,
    /// Changed rows not kept in `rows`.
    pub left_out: u64,
    /// SHA-256 (hex) of every change, in order, kept or left out.
    pub sha256: String,
}

impl ChangeDiff {
    /// Whether the change changed anything at all.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Changed rows in all tables.
    pub fn changed_rows(&self) -> u64 {
        self.tables
            .iter()
            .map(|t| t.inserted + t.deleted + t.updated)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for s in ChangeState::ALL {
            assert_eq!(ChangeState::parse(s.as_str()), Ok(s));
        }
        assert!(ChangeState::parse("done").is_err());
    }

    #[test]
    fn the_happy_path_and_its_refusals() {
        use ChangeEvent::{Apply, Approve, Reject, Rollback};
        use ChangeState::{Applied, Approved, Open, Rejected, RolledBack};
        let mut s = Open;
        for (e, to) in [
            (ChangeEvent::DryRunRefused, ChangeState::DryRunRefused),
            (ChangeEvent::DryRunOk, ChangeState::DryRunOk),
            (Approve, Approved),
            (Apply, Applied),
            (Rollback, RolledBack),
        ] {
            s = next_change_state(s, e).unwrap();
            assert_eq!(s, to);
        }
        assert!(next_change_state(Open, Approve)
            .unwrap_err()
            .contains("only a ticket whose last dry run passed"));
        assert!(next_change_state(ChangeState::DryRunOk, Apply)
            .unwrap_err()
            .contains("only an approved ticket is applied"));
        assert!(next_change_state(ChangeState::DryRunRefused, Approve).is_err());
        // A new dry run of an approved ticket needs a new review.
        assert_eq!(
            next_change_state(Approved, ChangeEvent::DryRunOk),
            Ok(ChangeState::DryRunOk)
        );
        assert!(next_change_state(Applied, ChangeEvent::DryRunOk).is_err());
        assert!(next_change_state(Rejected, Apply).is_err());
        assert!(next_change_state(RolledBack, Rollback).is_err());
        assert!(next_change_state(Approved, Rollback).is_err());
        assert_eq!(
            next_change_state(ChangeState::DryRunOk, Reject),
            Ok(Rejected)
        );
    }

    #[test]
    fn the_author_never_reviews_their_own_change() {
        let err = may_review("tess", "tess", 4).unwrap_err();
        assert!(err.contains("segregation of duties") && err.contains("change 4"));
        assert!(may_review("tess", "oscar", 4).is_ok());
    }

    #[test]
    fn journal_users_stamps_and_anchors_are_protected() {
        for t in [
            "journal",
            "app_user",
            "stamp",
            "anchor",
            "schema_migration",
            "data_change",
            "statement",
        ] {
            assert!(protected_table(t).is_some(), "{t}");
        }
        assert_eq!(protected_table("project"), None);
        assert_eq!(protected_table("layer"), None);
    }
}
