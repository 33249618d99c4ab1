//! A batch's quantities (issue 11, `docs/quantities.md`): gross claimed tCO2e summed exactly
//! from the stored row texts (each row's `values_json` under the batch's columns, never the
//! `REAL` column), the methodology's buffer, the net issuable amount, their derivation, and the
//! flagged rows that are material.

use crate::{AppError, Mrv, Session};
use mrv_core::quantity::{
    material_rows, BatchQuantities, FlaggedClaim, MaterialReason, Materiality, Percent, Tonnes,
};
use mrv_core::Action;
use mrv_store::{BatchRecord, FlagRecord};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a batch claims and what it may issue, each number with its derivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuantitiesView {
    pub batch_id: i64,
    /// The column summed (the profile's `claimed_tco2e_field`).
    pub claimed_field: String,
    /// Sum of every row's claimed tCO2e, exact decimal text.
    pub gross: Tonnes,
    /// Rows counted in `gross`.
    pub rows: u64,
    pub buffer_percent: Percent,
    /// `gross × buffer_percent / 100`, exact.
    pub buffer: Tonnes,
    /// `gross − buffer`, exact.
    pub net: Tonnes,
    /// One line per number: its name, formula and the values put in.
    pub derivation: Vec<String>,
    pub materiality_percent: Percent,
    /// `|gross| × materiality_percent / 100`.
    pub materiality_threshold: Tonnes,
    /// Flagged rows that are material, in row order.
    pub material: Vec<MaterialRowView>,
}

/// A material row: approving the batch needs a justification on one of its flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaterialRowView {
    /// 1-based row of the batch.
    pub row: i64,
    /// The row's id (the profile's id field).
    pub id: String,
    pub claimed: Tonnes,
    pub reason: MaterialReason,
    /// The comparison that made it material, in words.
    pub why: String,
    /// The row's open flags; a justification on any one of them covers the row.
    pub flag_ids: Vec<i64>,
}

impl QuantitiesView {
    /// Whether `row` (1-based) is material.
    pub fn is_material(&self, row: i64) -> bool {
        self.material.iter().any(|m| m.row == row)
    }
}

impl Mrv {
    /// The quantities of a batch, read exactly from its stored rows.
    pub fn quantities(&self, session: &Session, batch_id: i64) -> Result<QuantitiesView, AppError> {
        self.authorize(session, Action::ViewEvidence)?;
        let batch = self.batch_record(batch_id)?;
        let flags = mrv_store::list_flags(self.ws.conn(), &batch)?;
        self.quantities_of(&batch, &flags)
    }

    /// [`Mrv::quantities`] for use cases that have checked their session, with the batch's
    /// flags already read.
    pub(crate) fn quantities_of(
        &self,
        batch: &BatchRecord,
        flags: &[FlagRecord],
    ) -> Result<QuantitiesView, AppError> {
        let mut sum = self.claim_sum(batch, flags)?;
        self.each_stored_page(batch, &mut |rows| sum.add_rows(rows))?;
        self.quantities_from(batch, flags, sum)
    }

    /// An empty exact sum of `batch`'s claimed field, to be fed its stored rows (in order) and
    /// turned into quantities by [`Mrv::quantities_from`]. Approval feeds it in the same pass
    /// that stamps the rows.
    pub(crate) fn claim_sum(
        &self,
        batch: &BatchRecord,
        flags: &[FlagRecord],
    ) -> Result<ClaimSum, AppError> {
        let profile = self.profile_of(batch.project_id)?;
        let field = profile.claimed_tco2e_field.clone();
        let columns: Vec<String> = serde_json::from_str(&batch.columns_json)
            .map_err(|e| AppError::Internal(format!("batch {}: columns: {e}", batch.id)))?;
        let column = columns.iter().position(|c| *c == field).ok_or_else(|| {
            AppError::InvalidInput(format!(
                "batch {}: the claimed tCO2e field `{field}` of methodology `{}` is not among the batch's columns",
                batch.id, profile.id
            ))
        })?;
        Ok(ClaimSum {
            batch_id: batch.id,
            field,
            column,
            flagged: flags.iter().map(|f| f.row).collect(),
            gross: Tonnes::ZERO,
            rows: 0,
            claims: BTreeMap::new(),
        })
    }

    /// The quantities of `batch` once `sum` has seen every stored row.
    pub(crate) fn quantities_from(
        &self,
        batch: &BatchRecord,
        flags: &[FlagRecord],
        sum: ClaimSum,
    ) -> Result<QuantitiesView, AppError> {
        let profile = self.profile_of(batch.project_id)?;
        let ClaimSum {
            field,
            gross,
            rows,
            claims,
            ..
        } = sum;
        let invalid = |e: mrv_core::QuantityError| {
            AppError::InvalidInput(format!("batch {}: {field}: {e}", batch.id))
        };
        let quantities =
            BatchQuantities::new(gross.clone(), rows, profile.buffer_percent).map_err(invalid)?;
        let flagged_claims: Vec<FlaggedClaim> = claims
            .iter()
            .map(|(row, (_, claimed))| FlaggedClaim {
                row: *row,
                claimed: claimed.clone(),
            })
            .collect();
        let materiality: Materiality =
            material_rows(&gross, &flagged_claims, profile.materiality_percent).map_err(invalid)?;
        let mut flag_ids: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for f in flags {
            flag_ids.entry(f.row).or_default().push(f.id);
        }
        let material = materiality
            .rows
            .into_iter()
            .map(|m| MaterialRowView {
                row: m.row,
                id: claims.get(&m.row).map(|c| c.0.clone()).unwrap_or_default(),
                claimed: m.claimed,
                reason: m.reason,
                why: m.why,
                flag_ids: flag_ids.remove(&m.row).unwrap_or_default(),
            })
            .collect();
        Ok(QuantitiesView {
            batch_id: batch.id,
            claimed_field: field,
            gross: quantities.gross,
            rows: quantities.rows,
            buffer_percent: quantities.buffer_percent,
            buffer: quantities.buffer,
            net: quantities.net,
            derivation: quantities.derivation,
            materiality_percent: materiality.percent,
            materiality_threshold: materiality.threshold,
            material,
        })
    }
}

/// The exact sum of a batch's claimed field, fed its stored rows in order, with the claims of
/// flagged rows kept for the materiality rule.
pub(crate) struct ClaimSum {
    batch_id: i64,
    field: String,
    column: usize,
    flagged: std::collections::BTreeSet<i64>,
    gross: Tonnes,
    rows: u64,
    claims: BTreeMap<i64, (String, Tonnes)>,
}

impl ClaimSum {
    pub(crate) fn add_rows(
        &mut self,
        rows: &[mrv_stamp::rows::RowInput<'_>],
    ) -> Result<(), AppError> {
        for r in rows {
            let text = r.values.get(self.column).copied().unwrap_or("");
            let bad = |e: mrv_core::QuantityError| {
                AppError::InvalidInput(format!(
                    "batch {} row {} ({}), field {}: {e}",
                    self.batch_id, r.index, r.id, self.field
                ))
            };
            let claimed = Tonnes::parse(text).map_err(bad)?;
            self.gross = self.gross.checked_add(&claimed).map_err(bad)?;
            self.rows += 1;
            let index = r.index as i64;
            if self.flagged.contains(&index) {
                self.claims.insert(index, (r.id.to_owned(), claimed));
            }
        }
        Ok(())
    }
}
