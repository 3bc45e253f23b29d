//! The results so far of a job that is still reading a stream: `/emotions` and `/people` are
//! summed from the frames written until now (a stream's job writes its frames every second),
//! as the job's end will sum them. A finished job's come from the database as they were stored.

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult};
use crate::jobs::{Job, JobKind, JobStatus};
use crate::pipeline::aggregate::{Accumulator, EmotionSummary};
use crate::pipeline::people::{PeopleAccumulator, Person};
use crate::pipeline::tally::Sink;

/// Frames read per query.
const PAGE: u32 = 1000;

/// Whether the job is a stream being read: its results so far can be summed.
pub fn is_live(job: &Job) -> bool {
    job.status == JobStatus::Running && job.kind == JobKind::Stream
}

/// The job's overall result and people from the frames written so far.
pub async fn so_far(state: &AppState, job: &Job) -> ApiResult<(EmotionSummary, Vec<Person>)> {
    let mut acc = Accumulator::default();
    let mut people = PeopleAccumulator::growing(10_000);
    let mut after = None;
    loop {
        let frames = state.store.timeline(&job.id, after, PAGE).await?;
        for frame in &frames {
            acc.frame(frame, None)
                .map_err(|e| ApiError::internal(e.message))?;
            people
                .frame(frame, None)
                .map_err(|e| ApiError::internal(e.message))?;
        }
        match frames.last() {
            Some(last) if frames.len() == PAGE as usize => after = Some(last.frame),
            _ => break,
        }
    }
    let summary = acc.summary();
    let o = &job.options;
    let fps = if o.sample_fps > 0.0 {
        o.sample_fps
    } else {
        state.config.limits.max_live_fps
    };
    let people = people.finish(
        1000.0 / fps,
        summary.frames_analyzed,
        o.min_track_ms,
        o.focus,
    );
    Ok((summary, people))
}
