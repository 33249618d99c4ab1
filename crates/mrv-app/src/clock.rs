//! The one place that reads the wall clock; the core is handed the time.

use mrv_core::Timestamp;

pub(crate) fn now() -> Timestamp {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Timestamp::from_unix_seconds(seconds)
}
