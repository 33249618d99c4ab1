//! The map's and the plot's points as one binary message instead of JSON: a million rows cross
//! the IPC bridge as 25 MB of packed little-endian arrays the webview wraps in typed arrays
//! without parsing (JSON was ~40 MB of text to print and parse). The layout is written down in
//! docs/workbench-map.md and decoded by `ui/src/lib/packedPoints.ts`.
//!
//! ```text
//! offset          size   field
//! 0               4      magic "MRVP"
//! 4               4      u32 layout version (1)
//! 8               4      u32 n, the batch's rows
//! 12              4      u32 zero (keeps the arrays 8-byte aligned)
//! 16              8      i64 batch id
//! 24              8n     f64 longitude of row 1..n (WGS84; NaN when the row has no position)
//! 24+8n           8n     f64 latitude
//! 24+16n          8n     f64 claimed tCO2e (NaN when missing)
//! 24+24n          n      u8 worst flag: 0 none, 1 low, 2 medium, 3 high
//! ```
//!
//! The command is not in the typed bindings (specta cannot describe a raw body); its one caller
//! is the decoder above, which checks the magic, the version and the length.

use crate::{blocking_as, CommandError, Desk};
use tauri::State;

/// The first four bytes of a packed points message.
pub(crate) const MAGIC: &[u8; 4] = b"MRVP";
/// The layout's version; a decoder refuses any other.
pub(crate) const VERSION: u32 = 1;
const HEADER: usize = 24;

/// Every row's position, claimed tCO2e and worst flag, packed (see the module's layout).
#[tauri::command]
pub(crate) async fn map_points_packed(
    desk: State<'_, Desk>,
    batch_id: i64,
) -> Result<tauri::ipc::Response, CommandError> {
    blocking_as(&desk, move |mrv, session| {
        let points = mrv.map_points(session, batch_id)?;
        Ok(tauri::ipc::Response::new(pack(&points)))
    })
    .await
}

/// The packed message of `points`. Arrays shorter than the longitude column are padded with
/// NaN (positions, claims) and 0 (flags), so every array has the same length.
pub(crate) fn pack(points: &mrv_app::MapPoints) -> Vec<u8> {
    let n = points.lon.len();
    let mut out = Vec::with_capacity(HEADER + 25 * n);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&points.batch_id.to_le_bytes());
    for column in [&points.lon, &points.lat, &points.claimed_tco2e] {
        for i in 0..n {
            let v = column.get(i).copied().unwrap_or(f64::NAN);
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend((0..n).map(|i| points.worst.get(i).copied().unwrap_or(0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f64_at(bytes: &[u8], offset: usize) -> f64 {
        f64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
    }

    #[test]
    fn the_layout_puts_each_column_where_the_decoder_reads_it() {
        let points = mrv_app::MapPoints {
            batch_id: 42,
            lon: vec![11.25, -0.5, f64::NAN],
            lat: vec![47.125, 51.0, f64::NAN],
            claimed_tco2e: vec![1.5, f64::NAN, 1e300],
            worst: vec![0, 3, 2],
        };
        let b = pack(&points);
        assert_eq!(b.len(), 24 + 25 * 3);
        assert_eq!(&b[0..4], b"MRVP");
        assert_eq!(u32::from_le_bytes(b[4..8].try_into().unwrap()), 1);
        assert_eq!(u32::from_le_bytes(b[8..12].try_into().unwrap()), 3);
        assert_eq!(i64::from_le_bytes(b[16..24].try_into().unwrap()), 42);
        assert_eq!(f64_at(&b, 24), 11.25);
        assert_eq!(f64_at(&b, 32), -0.5);
        assert!(f64_at(&b, 40).is_nan());
        assert_eq!(f64_at(&b, 48), 47.125);
        assert_eq!(f64_at(&b, 72), 1.5);
        assert!(f64_at(&b, 80).is_nan());
        assert_eq!(f64_at(&b, 88), 1e300);
        assert_eq!(&b[96..99], &[0, 3, 2]);
    }

    #[test]
    fn short_columns_are_padded_to_the_row_count() {
        let points = mrv_app::MapPoints {
            batch_id: 1,
            lon: vec![1.0, 2.0],
            lat: vec![3.0],
            claimed_tco2e: vec![],
            worst: vec![1],
        };
        let b = pack(&points);
        assert_eq!(b.len(), 24 + 50);
        assert!(f64_at(&b, 24 + 24).is_nan());
        assert!(f64_at(&b, 24 + 32).is_nan() && f64_at(&b, 24 + 40).is_nan());
        assert_eq!(&b[24 + 48..], &[1, 0]);
    }
}
