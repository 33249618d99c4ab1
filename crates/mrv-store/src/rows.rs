//! Which of a batch's rows an `(offset, limit)` pair names, computed without overflow.
//!
//! Every paged read goes through [`row_indices`], so a caller's "all rows" (`limit = i64::MAX`)
//! or any other pair of integers gives the rows that exist and never wraps around.

use std::ops::Range;

/// The 0-based row indices `offset .. offset + limit` of a batch of `row_count` rows, clamped to
/// the batch. Negative offsets and limits count as 0; the sum saturates instead of overflowing.
pub fn row_indices(row_count: i64, offset: i64, limit: i64) -> Range<i64> {
    let row_count = row_count.max(0);
    let start = offset.clamp(0, row_count);
    let end = start.saturating_add(limit.max(0)).min(row_count);
    start..end
}

/// [`row_indices`] as `row_id`s of a batch whose rows start at `first_row_id`.
pub fn row_ids(first_row_id: i64, row_count: i64, offset: i64, limit: i64) -> Range<i64> {
    let Range { start, end } = row_indices(row_count, offset, limit);
    first_row_id.saturating_add(start)..first_row_id.saturating_add(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extreme_offsets_and_limits_stay_inside_the_batch() {
        assert_eq!(row_indices(240, 0, i64::MAX), 0..240);
        assert_eq!(row_indices(240, i64::MAX, i64::MAX), 240..240);
        assert_eq!(row_indices(240, 10, 5), 10..15);
        assert_eq!(row_indices(240, -5, 3), 0..3);
        assert_eq!(row_indices(240, 239, i64::MIN), 239..239);
        assert_eq!(row_ids(1_000, 240, 0, i64::MAX), 1_000..1_240);
        assert_eq!(row_ids(1_000, 240, i64::MIN, i64::MAX), 1_000..1_240);
        assert_eq!(
            row_ids(i64::MAX - 10, 10, 5, i64::MAX),
            i64::MAX - 5..i64::MAX
        );
    }
}
