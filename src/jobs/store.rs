//! The storage interface. Handlers and workers see only this trait, implemented for SQLite (the
//! default) and PostgreSQL (many workers on many machines).

use async_trait::async_trait;

use super::{Job, JobStatus, NewJob};
use crate::pipeline::FrameResult;
use crate::pipeline::aggregate::EmotionSummary;
use crate::pipeline::probe::VideoInfo;
use crate::report::Report;

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, thiserror::Error)]
#[error("database: {0}")]
pub struct StoreError(pub String);

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self(format!("stored JSON is invalid: {e}"))
    }
}

/// What a worker learns when it reports on a job it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding {
    /// Still ours: go on.
    Held,
    /// A user asked to cancel it.
    CancelRequested,
    /// Not ours any more (deleted, or taken over after we went silent): stop, write nothing.
    Lost,
}

/// How a held job ends.
#[derive(Debug, Clone)]
pub enum Finish {
    Succeeded {
        video: VideoInfo,
        summary: Box<EmotionSummary>,
    },
    Canceled,
    /// `retry_in_ms` puts it back in the queue if attempts are left.
    Failed {
        code: String,
        message: String,
        retry_in_ms: Option<i64>,
    },
}

#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    async fn ping(&self) -> StoreResult<()>;
    /// Queues the job unless `max_queued` jobs already wait (`None`); the check and the insert
    /// are atomic.
    async fn create(&self, job: NewJob, max_queued: u64) -> StoreResult<Option<Job>>;
    async fn get(&self, id: &str) -> StoreResult<Option<Job>>;
    /// Newest first, ids below `before` when given.
    async fn list(
        &self,
        status: Option<JobStatus>,
        before: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Job>>;
    async fn count_with_status(&self, status: JobStatus) -> StoreResult<u64>;
    /// Removes the job and its results; returns it as it was.
    async fn delete(&self, id: &str) -> StoreResult<Option<Job>>;
    /// Cancels a queued job at once, marks a running one; finished jobs are left alone.
    async fn request_cancel(&self, id: &str) -> StoreResult<Option<Job>>;

    /// Hands the oldest runnable job to `worker`, wiping results of an earlier attempt.
    async fn claim(&self, worker: &str) -> StoreResult<Option<Job>>;
    async fn heartbeat(&self, id: &str, worker: &str) -> StoreResult<Holding>;
    /// Stores analysed frames and the progress in one transaction.
    async fn record(
        &self,
        id: &str,
        worker: &str,
        frames: &[FrameResult],
        done: u64,
        total: u64,
    ) -> StoreResult<Holding>;
    /// Ends a held job; `false` when it was no longer ours.
    async fn finish(&self, id: &str, worker: &str, finish: Finish) -> StoreResult<bool>;
    /// Requeues running jobs whose heartbeat is older than `stale_ms`; one lost `max_crashes`
    /// times in a row at the same point fails as `worker_lost` (a poison job).
    async fn recover_stale(&self, stale_ms: i64, max_crashes: u32) -> StoreResult<u64>;
    /// The same for the running jobs of workers whose id starts with `worker_prefix`: at start-up,
    /// the jobs that this instance's previous process held when it died.
    async fn take_back(&self, worker_prefix: &str, max_crashes: u32) -> StoreResult<u64>;
    /// Records that the job's upload was deleted.
    async fn forget_video(&self, id: &str) -> StoreResult<()>;

    /// Frames after `after` (exclusive), in order.
    async fn timeline(
        &self,
        id: &str,
        after: Option<u64>,
        limit: u32,
    ) -> StoreResult<Vec<FrameResult>>;

    /// Stores the report unless one with the same job, language, provider and model exists
    /// (then that one is kept, or replaced when `replace`); returns the stored one.
    async fn save_report(&self, report: &Report, replace: bool) -> StoreResult<Report>;
    /// The newest report of the job with these parameters.
    async fn find_report(
        &self,
        job_id: &str,
        provider: &str,
        model: &str,
        language: &str,
    ) -> StoreResult<Option<Report>>;
    /// All reports of the job, newest first.
    async fn reports(&self, job_id: &str) -> StoreResult<Vec<Report>>;
}
