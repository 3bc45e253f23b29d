//! Jobs: what a user asked for, the queue that hands them to workers, and where results live.

pub mod download;
pub mod hold;
pub mod keep;
pub mod options;
pub mod stream;
pub mod uploads;
pub mod worker;

pub use crate::db::jobs::{Job, JobFailure, JobKind, JobSource, JobStatus, NewJob};
