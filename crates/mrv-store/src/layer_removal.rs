//! Removing a raster layer: the layer row and everything enrichment derived from it (sample
//! sets, zonal statistics, flags), in the caller's transaction.

use crate::StoreError;
use rusqlite::{params, Connection};

/// The batches holding evidence from `layer_id` (a sample set, zonal statistics or a flag),
/// with their states, in id order.
pub fn batches_with_layer_evidence(
    conn: &Connection,
    layer_id: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT b.id, b.state FROM batch b
         WHERE EXISTS (SELECT 1 FROM sample_set s WHERE s.batch_id = b.id AND s.layer_id = ?1)
            OR EXISTS (SELECT 1 FROM flag f WHERE f.batch_id = b.id AND f.layer_id = ?1)
            OR EXISTS (SELECT 1 FROM zonal_stat z WHERE z.layer_id = ?1
                       AND z.row_id >= b.first_row_id AND z.row_id < b.first_row_id + b.row_count)
         ORDER BY b.id",
    )?;
    let rows = stmt
        .query_map([layer_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Deletes `layer_id`'s flags, zonal statistics and sample sets, then the layer itself. Its
/// stored file stays (content-addressed files are never deleted: another layer, a stamp's
/// evidence or a later re-registration may name the same bytes).
pub fn delete_layer(conn: &Connection, layer_id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM flag WHERE layer_id = ?1", params![layer_id])?;
    conn.execute(
        "DELETE FROM zonal_stat WHERE layer_id = ?1",
        params![layer_id],
    )?;
    conn.execute(
        "DELETE FROM sample_set WHERE layer_id = ?1",
        params![layer_id],
    )?;
    let deleted = conn.execute("DELETE FROM layer WHERE id = ?1", params![layer_id])?;
    if deleted != 1 {
        return Err(StoreError::Corrupt(format!("layer {layer_id} vanished")));
    }
    Ok(())
}
