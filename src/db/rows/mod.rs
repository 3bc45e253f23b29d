//! How jobs, frames and reports are stored: rows read with `FromRow`, and the JSON kept in their
//! columns. The JSON has shapes of its own, apart from the pipeline's types and the API's views,
//! and every field has a default, so that a field renamed or added in code cannot make an old row
//! unreadable (`tests/it/schema.rs` reads rows written by the first schema).
//! One file per table: [`job`], [`frame`], [`report`], and [`person`] (the `people` table).

mod frame;
mod job;
mod person;
mod report;

pub use frame::{FrameRow, StoredFace};
pub use job::{JOB_COLUMNS, JobRow, StoredOptions, StoredSummary, StoredVideo};
pub use person::StoredPerson;
pub use report::{REPORT_COLUMNS, ReportRow, StoredInputs, StoredUsage};

use super::{DbError, DbResult};

/// A count or size from the database, which stores them signed.
pub fn unsigned(v: i64, column: &str) -> DbResult<u64> {
    u64::try_from(v).map_err(|_| DbError::Other(format!("{column} is negative: {v}")))
}

/// A count or size for the database, which stores them signed.
pub fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
