//! The crate's one clock: milliseconds since the Unix epoch, as every table stores time.

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
