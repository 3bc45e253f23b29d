//! The results so far of a job that is still reading a stream: `/emotions` and `/people` answer
//! with the running sums its reader stores with its frames every second (`jobs/stream.rs`), as
//! the job's end will sum them; one query, whatever the stream's length. A finished job's come
//! from the database as they were stored.

use crate::api::AppState;
use crate::api::error::ApiResult;
use crate::jobs::{Job, JobKind, JobStatus};
use crate::pipeline::aggregate::{Accumulator, EmotionSummary};
use crate::pipeline::people::Person;

/// Whether the job is a stream being read: its results so far can be read.
pub fn is_live(job: &Job) -> bool {
    job.status == JobStatus::Running && job.kind == JobKind::Stream
}

/// The job's overall result and people so far (none before its first second is written).
pub async fn so_far(state: &AppState, job: &Job) -> ApiResult<(EmotionSummary, Vec<Person>)> {
    let summary = match &job.summary {
        Some(summary) => summary.clone(),
        None => Accumulator::default().summary(),
    };
    let people = state.store.people(&job.id).await?;
    Ok((summary, people))
}
