//! Jobs as users see them.

use async_trait::async_trait;
use sqlx::types::Json;

use super::rows::{JOB_COLUMNS, JobRow, StoredOptions, StoredVideo, signed, unsigned};
use super::{DbResult, JobStore, SqlStore, with_pool};
use serde::{Deserialize, Serialize};

use crate::clock::now_ms;
use crate::pipeline::aggregate::EmotionSummary;
use crate::pipeline::probe::VideoInfo;
use crate::pipeline::{AnalysisOptions, ErrorKind};

fn job(row: Option<JobRow>) -> DbResult<Option<Job>> {
    row.map(Job::try_from).transpose()
}

#[async_trait]
impl JobStore for SqlStore {
    async fn ping(&self) -> DbResult<()> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    async fn create(&self, new: NewJob, max_queued: u64) -> DbResult<Option<Job>> {
        let now = now_ms();
        let lock = self.dialect().admission_lock();
        // The count and the insert are one statement, under the admission lock: two uploads
        // cannot both take the queue's last place.
        let sql = format!(
            "INSERT INTO jobs (id, status, options, video_name, video_path, video_bytes, keep_video, \
             video, progress_total, warnings, max_attempts, run_after, created_at, updated_at, owner, \
             callback_url, source_url, worker_id, heartbeat_at, started_at, kind) \
             SELECT $1, $17, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11, $13, $14, $15, \
               $16, CASE WHEN $16 IS NULL THEN NULL ELSE $11 END, \
               CASE WHEN $17 = 'running' THEN $11 ELSE NULL END, $18 \
             WHERE $18 IN ('stream', 'live') \
               OR (SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'downloading')) < $12 \
             RETURNING {JOB_COLUMNS}"
        );
        // A stream's or a live session's results are stored whatever the queue holds: they wait
        // for no worker.
        let source = &new.source;
        let status = source.status();
        let row: Option<JobRow> = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let row = sqlx::query_as(&sql)
                .bind(&new.id)
                .bind(Json(StoredOptions::from(&new.options)))
                .bind(&new.video_name)
                .bind(source.video_path())
                .bind(signed(new.video_bytes))
                .bind(new.keep_video)
                .bind(Json(StoredVideo::from(&new.video)))
                .bind(signed(new.progress_total))
                .bind(Json(&new.warnings))
                .bind(i64::from(new.max_attempts))
                .bind(now)
                .bind(signed(max_queued))
                .bind(&new.owner)
                .bind(&new.callback_url)
                .bind(source.source_url())
                .bind(source.holder())
                .bind(status.as_str())
                .bind(source.kind().as_str())
                .fetch_optional(&mut *tx)
                .await?;
            let queued = status == JobStatus::Queued && row.is_some();
            if let (Some(notice), true) = (self.dialect().queued_notice(), queued) {
                sqlx::query(notice).bind(super::notify::JOB).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            row
        });
        job(row)
    }

    async fn get(&self, id: &str) -> DbResult<Option<Job>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row: Option<JobRow> = with_pool!(self, pool =>
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        job(row)
    }

    async fn list(
        &self,
        owner: Option<&str>,
        status: Option<JobStatus>,
        before: Option<&str>,
        limit: u32,
    ) -> DbResult<Vec<Job>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR status = $1) \
             AND ($2 IS NULL OR id < $2) AND ($4 IS NULL OR owner = $4) ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<JobRow> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(status.map(JobStatus::as_str))
            .bind(before)
            .bind(i64::from(limit))
            .bind(owner)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(Job::try_from).collect()
    }

    async fn count_with_status(&self, status: JobStatus) -> DbResult<u64> {
        let sql = "SELECT COUNT(*) FROM jobs WHERE status = $1";
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(status.as_str())
            .fetch_one(pool)
            .await)?;
        unsigned(n, "count")
    }

    async fn oldest_queued_at(&self) -> DbResult<Option<i64>> {
        let sql = "SELECT MIN(created_at) FROM jobs WHERE status = 'queued'";
        let at: Option<i64> =
            with_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await)?;
        Ok(at)
    }

    async fn delete(&self, id: &str) -> DbResult<Option<Job>> {
        let sql = format!("DELETE FROM jobs WHERE id = $1 RETURNING {JOB_COLUMNS}");
        let row: Option<JobRow> = with_pool!(self, pool =>
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        job(row)
    }

    async fn request_cancel(&self, id: &str) -> DbResult<Option<Job>> {
        let sql = "UPDATE jobs SET \
               status = CASE WHEN status IN ('queued', 'downloading') THEN 'canceled' ELSE status END, \
               finished_at = CASE WHEN status IN ('queued', 'downloading') THEN $2 ELSE finished_at END, \
               worker_id = CASE WHEN status = 'downloading' THEN NULL ELSE worker_id END, \
               cancel_requested = TRUE, updated_at = $2 \
             WHERE id = $1 AND status IN ('queued', 'running', 'downloading')";
        with_pool!(self, pool => sqlx::query(sql).bind(id).bind(now_ms()).execute(pool).await.map(|r| r.rows_affected()))?;
        self.get(id).await
    }

    async fn forget_video(&self, id: &str) -> DbResult<()> {
        let sql = "UPDATE jobs SET video_path = NULL WHERE id = $1";
        with_pool!(self, pool => sqlx::query(sql).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Made from a URL; its video is being fetched.
    Downloading,
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Downloading => "downloading",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub const ALL: [Self; 6] = [
        Self::Downloading,
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::Canceled,
    ];

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Canceled)
    }
}

/// Why a job failed. `unreadable_video`, `decode_failed`, `truncated_video` and
/// `video_missing` are the video's; `download_failed`, `too_large`, `not_a_video`,
/// `video_too_long`, `frame_too_large` and `target_not_allowed` a video URL's; `model_error` and `unknown_model` the model's; `internal`,
/// `store_unavailable` and `shutdown` the server's, after its retries; `worker_lost`: the worker
/// analysing it died at the same point several times in a row.
// Stored in `jobs.error_code` by its wire name (`as_str`); `worker_lost` is also written in SQL
// by the lost-job update (queue.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobFailure {
    UnreadableVideo,
    DecodeFailed,
    TruncatedVideo,
    VideoMissing,
    ModelError,
    UnknownModel,
    Internal,
    StoreUnavailable,
    Shutdown,
    WorkerLost,
    DownloadFailed,
    TooLarge,
    NotAVideo,
    VideoTooLong,
    FrameTooLarge,
    TargetNotAllowed,
}

impl JobFailure {
    pub const ALL: [Self; 16] = [
        Self::UnreadableVideo,
        Self::DecodeFailed,
        Self::TruncatedVideo,
        Self::VideoMissing,
        Self::ModelError,
        Self::UnknownModel,
        Self::Internal,
        Self::StoreUnavailable,
        Self::Shutdown,
        Self::WorkerLost,
        Self::DownloadFailed,
        Self::TooLarge,
        Self::NotAVideo,
        Self::VideoTooLong,
        Self::FrameTooLarge,
        Self::TargetNotAllowed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnreadableVideo => "unreadable_video",
            Self::DecodeFailed => "decode_failed",
            Self::TruncatedVideo => "truncated_video",
            Self::VideoMissing => "video_missing",
            Self::ModelError => "model_error",
            Self::UnknownModel => "unknown_model",
            Self::Internal => "internal",
            Self::StoreUnavailable => "store_unavailable",
            Self::Shutdown => "shutdown",
            Self::WorkerLost => "worker_lost",
            Self::DownloadFailed => "download_failed",
            Self::TooLarge => "too_large",
            Self::NotAVideo => "not_a_video",
            Self::VideoTooLong => "video_too_long",
            Self::FrameTooLarge => "frame_too_large",
            Self::TargetNotAllowed => "target_not_allowed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// How a pipeline error ends a job. `None` for the kinds that do not fail it: a cancel
    /// ends it as canceled, and a lost job is not written to.
    pub fn of(kind: ErrorKind) -> Option<Self> {
        Some(match kind {
            ErrorKind::UnreadableVideo => Self::UnreadableVideo,
            ErrorKind::DecodeFailed => Self::DecodeFailed,
            ErrorKind::TruncatedVideo => Self::TruncatedVideo,
            ErrorKind::VideoMissing => Self::VideoMissing,
            ErrorKind::ModelError => Self::ModelError,
            ErrorKind::UnknownModel => Self::UnknownModel,
            ErrorKind::Internal => Self::Internal,
            ErrorKind::StoreUnavailable => Self::StoreUnavailable,
            ErrorKind::Shutdown => Self::Shutdown,
            ErrorKind::Canceled | ErrorKind::Lost => return None,
        })
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub status: JobStatus,
    pub options: AnalysisOptions,
    pub video_name: Option<String>,
    pub video_path: Option<String>,
    pub video_bytes: u64,
    pub keep_video: bool,
    pub video: VideoInfo,
    pub progress_done: u64,
    pub progress_total: u64,
    pub summary: Option<EmotionSummary>,
    pub warnings: Vec<String>,
    pub error_code: Option<JobFailure>,
    pub error_message: Option<String>,
    pub attempts: u32,
    pub max_attempts: u32,
    pub cancel_requested: bool,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub updated_at: i64,
    /// The API key that created it; `None` when made without one.
    pub owner: Option<String>,
    /// Where its webhooks go.
    pub callback_url: Option<String>,
    /// The URL its video came from, as shown (no query, user or fragment); `None` for uploads.
    pub source_url: Option<String>,
    pub kind: JobKind,
}

/// What the API stores for a new job; `source` says which kind it is.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    pub options: AnalysisOptions,
    pub video_name: Option<String>,
    pub source: JobSource,
    pub video_bytes: u64,
    pub keep_video: bool,
    pub video: VideoInfo,
    pub progress_total: u64,
    pub warnings: Vec<String>,
    pub max_attempts: u32,
    pub owner: Option<String>,
    pub callback_url: Option<String>,
}

/// Where a new job's frames come from, and who holds it from its start if not the queue.
#[derive(Debug, Clone)]
pub enum JobSource {
    /// An uploaded video, already in the media store: queued for a worker.
    Upload { video_path: String },
    /// A video fetched from a URL (`shown`: redacted) by `downloader`, which holds the job
    /// (`downloading`) until the video is in and the job queued.
    Url { shown: String, downloader: String },
    /// A stream (`shown`: redacted) read as it plays by `reader`, which holds the job
    /// (`running`) from the start.
    Stream { shown: String, reader: String },
    /// A finished live session's results, written by `session`, which holds the job
    /// (`running`) until they are in.
    Live { session: String },
}

/// A job's kind, stored in its `kind` column: what its source was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Upload,
    Url,
    Stream,
    Live,
}

impl JobKind {
    pub const ALL: [Self; 4] = [Self::Upload, Self::Url, Self::Stream, Self::Live];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Url => "url",
            Self::Stream => "stream",
            Self::Live => "live",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl JobSource {
    pub fn kind(&self) -> JobKind {
        match self {
            Self::Upload { .. } => JobKind::Upload,
            Self::Url { .. } => JobKind::Url,
            Self::Stream { .. } => JobKind::Stream,
            Self::Live { .. } => JobKind::Live,
        }
    }

    fn video_path(&self) -> Option<&str> {
        match self {
            Self::Upload { video_path } => Some(video_path),
            _ => None,
        }
    }

    /// The URL as shown, for a job made from one.
    fn source_url(&self) -> Option<&str> {
        match self {
            Self::Url { shown, .. } | Self::Stream { shown, .. } => Some(shown),
            _ => None,
        }
    }

    /// Who holds the new job, if not the queue.
    fn holder(&self) -> Option<&str> {
        match self {
            Self::Upload { .. } => None,
            Self::Url { downloader, .. } => Some(downloader),
            Self::Stream { reader, .. } => Some(reader),
            Self::Live { session } => Some(session),
        }
    }

    fn status(&self) -> JobStatus {
        match self {
            Self::Upload { .. } => JobStatus::Queued,
            Self::Url { .. } => JobStatus::Downloading,
            Self::Stream { .. } | Self::Live { .. } => JobStatus::Running,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_their_wire_names() {
        for f in JobFailure::ALL {
            assert_eq!(JobFailure::parse(f.as_str()), Some(f));
            let json = serde_json::to_value(f).expect("json");
            assert_eq!(json, f.as_str());
        }
        // The lost-job update writes this one in SQL (queue.rs).
        assert_eq!(JobFailure::WorkerLost.as_str(), "worker_lost");
        assert_eq!(
            JobFailure::of(ErrorKind::TruncatedVideo).map(JobFailure::as_str),
            Some(ErrorKind::TruncatedVideo.code())
        );
        assert_eq!(JobFailure::of(ErrorKind::Canceled), None);
    }

    #[test]
    fn kinds_keep_their_column_names() {
        for k in JobKind::ALL {
            assert_eq!(JobKind::parse(k.as_str()), Some(k));
        }
        // The migrations write these names for the jobs made before the column.
        let names: Vec<&str> = JobKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["upload", "url", "stream", "live"]);
    }
}
