//! Transport types of reviewed data changes (SOP-004), converted from `mrv_app`'s views.

use serde::Serialize;
use specta::Type;

/// Row counts of one table before and after a run.
#[derive(Debug, Clone, Serialize, Type)]
pub struct TableCountDto {
    pub table: String,
    pub before: i64,
    pub after: i64,
}

/// How many rows of one table a run inserted, deleted and updated.
#[derive(Debug, Clone, Serialize, Type)]
pub struct TableChangeDto {
    pub table: String,
    pub inserted: i64,
    pub deleted: i64,
    pub updated: i64,
}

/// One changed column (values as text; `null` for SQL NULL).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ColumnChangeDto {
    pub column: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One changed row of a table.
#[derive(Debug, Clone, Serialize, Type)]
pub struct RowChangeDto {
    pub table: String,
    /// `inserted`, `deleted` or `updated`.
    pub change: String,
    /// Its primary key or rowid, e.g. `id=1`.
    pub key: String,
    pub columns: Vec<ColumnChangeDto>,
}

/// A run's counts and diff (bounded: `left_out` rows were not kept).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ChangeDiffDto {
    pub counts: Vec<TableCountDto>,
    pub tables: Vec<TableChangeDto>,
    pub rows: Vec<RowChangeDto>,
    pub left_out: i64,
    pub sha256: String,
}

fn n(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl From<mrv_app::ChangeDiff> for ChangeDiffDto {
    fn from(d: mrv_app::ChangeDiff) -> Self {
        ChangeDiffDto {
            counts: d
                .counts
                .into_iter()
                .map(|c| TableCountDto {
                    table: c.table,
                    before: n(c.before),
                    after: n(c.after),
                })
                .collect(),
            tables: d
                .tables
                .into_iter()
                .map(|t| TableChangeDto {
                    table: t.table,
                    inserted: n(t.inserted),
                    deleted: n(t.deleted),
                    updated: n(t.updated),
                })
                .collect(),
            rows: d
                .rows
                .into_iter()
                .map(|(table, r)| RowChangeDto {
                    table,
                    change: r.change,
                    key: r.key,
                    columns: r
                        .columns
                        .into_iter()
                        .map(|c| ColumnChangeDto {
                            column: c.column,
                            before: c.before,
                            after: c.after,
                        })
                        .collect(),
                })
                .collect(),
            left_out: n(d.left_out),
            sha256: d.sha256,
        }
    }
}

/// A dry run (or the run inside apply or rollback).
#[derive(Debug, Clone, Serialize, Type)]
pub struct DryRunDto {
    pub at: String,
    pub by: String,
    pub ok: bool,
    /// SQLite's error when the SQL failed.
    pub error: Option<String>,
    /// Protected data it would change, one sentence each.
    pub refusals: Vec<String>,
    pub diff: Option<ChangeDiffDto>,
}

impl From<mrv_app::DryRunView> for DryRunDto {
    fn from(r: mrv_app::DryRunView) -> Self {
        DryRunDto {
            at: r.at,
            by: r.by,
            ok: r.ok,
            error: r.error,
            refusals: r.refusals,
            diff: r.diff.map(Into::into),
        }
    }
}

/// A step the signed-in user may take on a ticket now.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ChangeOfferDto {
    /// `dry_run`, `approve`, `reject`, `apply` or `rollback`.
    pub step: String,
    pub enabled: bool,
    pub reason: Option<String>,
}

/// A data-change ticket with its runs, review and the steps on offer.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DataChangeDto {
    pub id: i64,
    pub sql: String,
    pub rollback_sql: String,
    pub reason: String,
    /// `open`, `dry_run_ok`, `dry_run_refused`, `approved`, `rejected`, `applied`, `rolled_back`.
    pub state: String,
    pub author: String,
    pub opened_at: String,
    pub dry_run: Option<DryRunDto>,
    pub reviewer: Option<String>,
    pub reviewed_at: Option<String>,
    pub review_reason: Option<String>,
    pub applied_by: Option<String>,
    pub applied_at: Option<String>,
    pub applied: Option<DryRunDto>,
    pub rolled_back_by: Option<String>,
    pub rolled_back_at: Option<String>,
    pub rolled_back: Option<DryRunDto>,
    pub offers: Vec<ChangeOfferDto>,
}

impl From<mrv_app::DataChangeView> for DataChangeDto {
    fn from(v: mrv_app::DataChangeView) -> Self {
        DataChangeDto {
            id: v.id,
            sql: v.sql,
            rollback_sql: v.rollback_sql,
            reason: v.reason,
            state: v.state,
            author: v.author,
            opened_at: v.opened_at,
            dry_run: v.dry_run.map(Into::into),
            reviewer: v.reviewer,
            reviewed_at: v.reviewed_at,
            review_reason: v.review_reason,
            applied_by: v.applied_by,
            applied_at: v.applied_at,
            applied: v.applied.map(Into::into),
            rolled_back_by: v.rolled_back_by,
            rolled_back_at: v.rolled_back_at,
            rolled_back: v.rolled_back.map(Into::into),
            offers: v
                .offers
                .into_iter()
                .map(|o| ChangeOfferDto {
                    step: o.step,
                    enabled: o.enabled,
                    reason: o.reason,
                })
                .collect(),
        }
    }
}

/// A ticket in the list.
#[derive(Debug, Clone, Serialize, Type)]
pub struct DataChangeSummaryDto {
    pub id: i64,
    pub reason: String,
    pub state: String,
    pub author: String,
    pub opened_at: String,
    pub reviewer: Option<String>,
    /// Changed rows in the last dry run (none before the first).
    pub changed_rows: Option<i64>,
    pub tables: Vec<String>,
}

impl From<mrv_app::DataChangeSummary> for DataChangeSummaryDto {
    fn from(s: mrv_app::DataChangeSummary) -> Self {
        DataChangeSummaryDto {
            id: s.id,
            reason: s.reason,
            state: s.state,
            author: s.author,
            opened_at: s.opened_at,
            reviewer: s.reviewer,
            changed_rows: s.changed_rows.map(n),
            tables: s.tables,
        }
    }
}
