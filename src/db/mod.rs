//! The storage interface, split by concern ([`JobStore`], [`QueueStore`], [`FrameStore`],
//! [`ReportStore`], [`KeyStore`], [`IdempotencyStore`], [`DeliveryStore`]; [`Store`] is all of
//! them), and [`SqlStore`], which implements it on SQLite (the
//! embedded default) or PostgreSQL (many workers on many machines).
//!
//! The SQL is written once for both: `$N` placeholders, `TRUE`, `ON CONFLICT … DO UPDATE` and
//! `RETURNING` mean the same in SQLite and PostgreSQL. The two differences are the locks
//! ([`Dialect`]): PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, and serialises admission to the
//! queue with an advisory lock, which SQLite, with one writer at a time, needs for neither.

pub mod deliveries;
pub mod downloads;
mod frames;
mod idempotency;
pub mod jobs;
pub mod keys;
mod notify;
mod queue;
mod rates;
pub mod reports;
pub mod rows;
pub mod tickets;

pub use idempotency::IdempotentRequest;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

pub use deliveries::{Attempt, Delivery, DeliveryStatus, Event, Outcome};
pub use jobs::{Job, JobFailure, JobKind, JobSource, JobStatus, NewJob};
pub use keys::{ApiKey, NewKey};
pub use reports::{Provider, Report, ReportFault, ReportFaultCode, Written};

use crate::config::DatabaseUrl;
use crate::pipeline::FrameResult;
use crate::pipeline::aggregate::EmotionSummary;
use crate::pipeline::people::Person;
use crate::pipeline::probe::VideoInfo;

pub type DbResult<T> = Result<T, DbError>;

/// What went wrong with the database, by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection to be had (pool timeout, server gone): worth another try shortly.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A row that may exist once already does (a unique key).
    #[error("database conflict: {0}")]
    Conflict(String),
    #[error("database: {0}")]
    Other(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(e.to_string())
            }
            sqlx::Error::Database(d) if d.is_unique_violation() => Self::Conflict(e.to_string()),
            _ => Self::Other(e.to_string()),
        }
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
        /// `None` when the job was not tracked.
        people: Option<Vec<Person>>,
        /// All of the job's warnings (those it had, and the analysis's).
        warnings: Vec<String>,
        /// Tracks found to be one person: track id → the person's id (relabels the timeline).
        merged: std::collections::BTreeMap<u32, u32>,
    },
    Canceled,
    /// Back to the queue at once, its frames dropped, this attempt not counted: the worker's
    /// process stops (a deploy, a scale-down), which says nothing about the job.
    HandedBack,
    /// `retry_in_ms` puts it back in the queue if attempts are left.
    Failed {
        code: JobFailure,
        message: String,
        retry_in_ms: Option<i64>,
    },
}

impl From<crate::pipeline::Outcome> for Finish {
    /// A finished analysis: the job succeeds with its results (the warnings are the
    /// outcome's; a holder with warnings of its own puts them in first).
    fn from(o: crate::pipeline::Outcome) -> Self {
        Finish::Succeeded {
            video: o.video,
            summary: Box::new(o.summary),
            people: o.people,
            warnings: o.warnings,
            merged: o.merged,
        }
    }
}

/// Jobs as users see them: create, read, list, cancel, delete.
#[async_trait]
pub trait JobStore: Send + Sync {
    async fn ping(&self) -> DbResult<()>;
    /// Queues the job unless `max_queued` jobs already wait (`None`); the check and the insert
    /// are atomic.
    async fn create(&self, job: NewJob, max_queued: u64) -> DbResult<Option<Job>>;
    async fn get(&self, id: &str) -> DbResult<Option<Job>>;
    /// Newest first, ids below `before` when given, only `owner`'s when given.
    async fn list(
        &self,
        owner: Option<&str>,
        status: Option<JobStatus>,
        before: Option<&str>,
        limit: u32,
    ) -> DbResult<Vec<Job>>;
    async fn count_with_status(&self, status: JobStatus) -> DbResult<u64>;
    /// When the oldest job still waiting in the queue was created.
    async fn oldest_queued_at(&self) -> DbResult<Option<i64>>;
    /// Removes the job and its results; returns it as it was.
    async fn delete(&self, id: &str) -> DbResult<Option<Job>>;
    /// Cancels a queued job at once, marks a running one; finished jobs are left alone.
    async fn request_cancel(&self, id: &str) -> DbResult<Option<Job>>;
    /// Records that the job's upload was deleted.
    async fn forget_video(&self, id: &str) -> DbResult<()>;
}

/// The queue as workers see it. Every write names the worker, and applies only while the job is
/// still that worker's.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Hands the oldest runnable job to `worker`, wiping results of an earlier attempt.
    async fn claim(&self, worker: &str) -> DbResult<Option<Job>>;
    async fn heartbeat(&self, id: &str, worker: &str) -> DbResult<Holding>;
    /// Stores analysed frames and the progress in one transaction.
    async fn record(
        &self,
        id: &str,
        worker: &str,
        frames: &[FrameResult],
        done: u64,
        total: u64,
    ) -> DbResult<Holding>;
    /// Replaces a held running job's results so far (its summary and people): a stream's, so
    /// that reading them costs a query, not a sum over its timeline. `false` when it was no
    /// longer ours. The job's end replaces them again (or wipes them).
    async fn record_so_far(
        &self,
        id: &str,
        worker: &str,
        summary: &EmotionSummary,
        people: &[Person],
    ) -> DbResult<bool>;
    /// Ends a held job; `false` when it was no longer ours.
    async fn finish(&self, id: &str, worker: &str, finish: Finish) -> DbResult<bool>;
    /// Requeues running jobs whose heartbeat is older than `stale_ms`; one lost `max_crashes`
    /// times in a row at the same point fails as `worker_lost` (a poison job).
    async fn recover_stale(&self, stale_ms: i64, max_crashes: u32) -> DbResult<u64>;
    /// The same for the running jobs of workers whose id starts with `worker_prefix`: at start-up,
    /// the jobs that this instance's previous process held when it died.
    async fn take_back(&self, worker_prefix: &str, max_crashes: u32) -> DbResult<u64>;
    /// Wakes `jobs` (all its waiters) when any process queues a job and `reports` when one
    /// queues a report, until `cancel`; `false` when the database cannot tell (then only
    /// polling and this process's own wake-ups find new work).
    fn listen(
        &self,
        jobs: std::sync::Arc<tokio::sync::Notify>,
        reports: std::sync::Arc<tokio::sync::Notify>,
        cancel: tokio_util::sync::CancellationToken,
    ) -> bool;
}

/// A job's analysed frames and its people.
#[async_trait]
pub trait FrameStore: Send + Sync {
    /// Frames after `after` (exclusive), in order.
    async fn timeline(
        &self,
        id: &str,
        after: Option<u64>,
        limit: u32,
    ) -> DbResult<Vec<FrameResult>>;
    /// The job's people, longest on screen first.
    async fn people(&self, id: &str) -> DbResult<Vec<Person>>;
    async fn person(&self, id: &str, person: u32) -> DbResult<Option<Person>>;
    /// The frames after `after` that show `person`, with only that person's face.
    async fn person_timeline(
        &self,
        id: &str,
        person: &Person,
        after: Option<u64>,
        limit: u32,
    ) -> DbResult<Vec<FrameResult>>;
}

/// Whose held work (reports, deliveries) to take back.
#[derive(Debug, Clone, Copy)]
pub enum LostWriters<'a> {
    /// Those whose last sign of life is older than this time (ms since the epoch).
    SilentSince(i64),
    /// Those of this instance's previous process (ids that start with this prefix).
    OfInstance(&'a str),
}

impl LostWriters<'_> {
    /// The SQL condition that picks these writers' rows, with their time or prefix bound as
    /// `param`; `time_column` is the row's last sign of life.
    fn condition(self, time_column: &str, param: &str) -> String {
        match self {
            Self::SilentSince(_) => format!("{time_column} < {param}"),
            Self::OfInstance(_) => format!("substr(worker_id, 1, length({param})) = {param}"),
        }
    }
}

/// Narrative reports, one per job, language, provider and model.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Stores a finished report unless a succeeded one with the same job, language, provider and
    /// model exists (then that one is kept, or rewritten when `replace`); returns the stored one
    /// and whether this one was written. A report keeps its id when it is written again.
    async fn save_report(&self, report: &Report, replace: bool) -> DbResult<(Report, bool)>;
    /// Queues `ticket` unless a report with its key is queued, running or (unless
    /// `regenerate`) succeeded; a failed one, or a succeeded one to regenerate, is queued again
    /// under its id. Returns the report that now stands for the key, and whether it was queued.
    async fn request_report(&self, ticket: &Report, regenerate: bool) -> DbResult<(Report, bool)>;
    async fn report(&self, job_id: &str, id: &str) -> DbResult<Option<Report>>;
    /// Hands the oldest queued report to `worker`.
    async fn claim_report(&self, worker: &str) -> DbResult<Option<Report>>;
    /// `false` when the report is no longer this worker's.
    async fn report_heartbeat(&self, id: &str, worker: &str) -> DbResult<bool>;
    async fn finish_report(
        &self,
        id: &str,
        worker: &str,
        outcome: Result<Written, ReportFault>,
    ) -> DbResult<bool>;
    /// Requeues the running reports of lost writers, or fails those tried `max_attempts` times.
    async fn recover_reports(&self, lost: LostWriters<'_>, max_attempts: u32) -> DbResult<u64>;
    /// The report of the job with these parameters.
    async fn find_report(
        &self,
        job_id: &str,
        provider: Provider,
        model: &str,
        language: &str,
    ) -> DbResult<Option<Report>>;
    /// All reports of the job, the most recently asked for first.
    async fn reports(&self, job_id: &str) -> DbResult<Vec<Report>>;
}

/// API keys; only their hashes are stored.
#[async_trait]
pub trait KeyStore: Send + Sync {
    async fn create_key(&self, key: &NewKey) -> DbResult<()>;
    async fn keys(&self) -> DbResult<Vec<ApiKey>>;
    /// Marks the key revoked (once: a second revocation keeps the first time).
    async fn revoke_key(&self, id: &str, now: i64) -> DbResult<Option<ApiKey>>;
    async fn key_by_hash(&self, hash: &str) -> DbResult<Option<ApiKey>>;
    /// Whether a key was ever made: from then on, every `/v1` request needs one.
    async fn any_key(&self) -> DbResult<bool>;
    async fn webhook_secret(&self, key_id: &str) -> DbResult<Option<String>>;
}

/// `Idempotency-Key`s: the first request with a key claims it, and records its answer.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims the key (`None`), or returns what the first request with it left; records made
    /// before `expired_before` are forgotten first.
    async fn claim_idempotency(
        &self,
        owner: &str,
        scope: &str,
        key: &str,
        now: i64,
        expired_before: i64,
    ) -> DbResult<Option<IdempotentRequest>>;
    async fn idempotent_request(
        &self,
        owner: &str,
        scope: &str,
        key: &str,
    ) -> DbResult<Option<IdempotentRequest>>;
    async fn complete_idempotency(
        &self,
        owner: &str,
        scope: &str,
        key: &str,
        fingerprint: &str,
        resource_id: &str,
        status: u16,
    ) -> DbResult<()>;
    /// Gives up a claim whose request failed, so that a retry can make the resource.
    async fn release_idempotency(&self, owner: &str, scope: &str, key: &str) -> DbResult<()>;
}

/// Rate-limit buckets shared by every process on the database.
#[async_trait]
pub trait RateStore: Send + Sync {
    /// Takes a token from `account`'s `kind` bucket, which holds `burst` and gains one every
    /// `interval_ms`: `None` when taken, else the milliseconds until one is there.
    async fn take_token(
        &self,
        account: &str,
        kind: &str,
        now: i64,
        interval_ms: i64,
        burst: i64,
    ) -> DbResult<Option<i64>>;
}

/// Live tickets, good once at any process that shares the database, until they expire.
#[async_trait]
pub trait TicketStore: Send + Sync {
    /// Stores a ticket's hash for `key_id` (`None`: a server without keys) until
    /// `expires_at`, unless that key holds `per_key` unexpired tickets, or all keys `max_total`;
    /// the expired ones go first.
    async fn issue_ticket(
        &self,
        hash: &str,
        key_id: Option<&str>,
        now: i64,
        expires_at: i64,
        per_key: u64,
        max_total: u64,
    ) -> DbResult<tickets::Issued>;
    /// The key of the ticket with this hash (`Some(None)`: given without a key), once: it is
    /// deleted; `None` for an unknown, used or expired ticket.
    async fn redeem_ticket(&self, hash: &str, now: i64) -> DbResult<Option<Option<String>>>;
}

/// Webhook deliveries, written by the database when a job or report ends.
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    /// Hands the delivery due first to `worker`, counting the attempt.
    async fn claim_delivery(&self, worker: &str, now: i64) -> DbResult<Option<Delivery>>;
    /// Records a held delivery's attempt and what follows; `false` when it was not held.
    async fn record_attempt(
        &self,
        id: &str,
        worker: &str,
        attempt: &Attempt,
        outcome: Outcome,
    ) -> DbResult<bool>;
    /// Puts deliveries whose sender was lost mid-attempt back, due at once.
    async fn recover_deliveries(&self, lost: LostWriters<'_>) -> DbResult<u64>;
    /// A job's deliveries, oldest first, each with its attempts.
    async fn deliveries(&self, job_id: &str) -> DbResult<Vec<(Delivery, Vec<Attempt>)>>;
}

/// Jobs whose video is fetched from a URL (`downloads.rs`).
#[async_trait]
pub trait DownloadStore: Send + Sync {
    /// Renews `downloader`'s hold on the job; false when it is no longer held (canceled,
    /// deleted, or taken from a silent downloader).
    async fn download_heartbeat(&self, id: &str, downloader: &str) -> DbResult<bool>;
    /// Queues the job with its video; false when it was no longer held.
    async fn downloaded(
        &self,
        id: &str,
        downloader: &str,
        done: downloads::Downloaded<'_>,
    ) -> DbResult<bool>;
    /// Fails the job; false when it was no longer held.
    async fn download_failed(
        &self,
        id: &str,
        downloader: &str,
        code: JobFailure,
        message: &str,
    ) -> DbResult<bool>;
    /// Fails the downloading jobs of lost downloaders (their URL went with them).
    async fn recover_downloads(&self, lost: LostWriters<'_>) -> DbResult<u64>;
}

/// Everything handlers and workers may ask of a database.
pub trait Store:
    JobStore
    + QueueStore
    + DownloadStore
    + FrameStore
    + ReportStore
    + KeyStore
    + IdempotencyStore
    + DeliveryStore
    + TicketStore
    + RateStore
    + 'static
{
}

impl<T> Store for T where
    T: JobStore
        + QueueStore
        + DownloadStore
        + FrameStore
        + ReportStore
        + KeyStore
        + IdempotencyStore
        + DeliveryStore
        + TicketStore
        + RateStore
        + 'static
{
}

/// The database behind a [`SqlStore`].
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool the store has: `$pool` is a `&SqlitePool` in one arm
/// and a `&PgPool` in the other, so the body is type-checked for both databases.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
use with_pool;

/// Where the SQL of the two databases differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Appended to the claim's sub-select: pass over rows another worker is claiming.
    fn claim_lock(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => "FOR UPDATE SKIP LOCKED",
        }
    }

    /// Run first in the admission transaction, so that two uploads cannot both count the queue
    /// before either inserts.
    fn admission_lock(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some("SELECT pg_advisory_xact_lock(7215001)"),
        }
    }

    /// Run after queueing `what` (`notify::JOB`, `notify::REPORT`): wakes the other processes.
    fn queued_notice(self) -> Option<&'static str> {
        match self {
            Self::Sqlite => None,
            Self::Postgres => Some("SELECT pg_notify('emoscope_queue', $1)"),
        }
    }
}

pub struct SqlStore {
    db: Db,
}

impl SqlStore {
    /// Opens the database at `url` (a SQLite file is created if needed; a PostgreSQL database
    /// must exist) and applies its migrations.
    pub async fn open(url: &DatabaseUrl) -> DbResult<Self> {
        let db = if url.is_sqlite() {
            Db::Sqlite(open_sqlite(url.expose()).await?)
        } else if url.is_postgres() {
            Db::Postgres(open_postgres(url.expose()).await?)
        } else {
            return Err(DbError::Other(format!("unsupported database URL {url}")));
        };
        let store = Self { db };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> DbResult<()> {
        let result = match &self.db {
            Db::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await,
        };
        result.map_err(|e| DbError::Other(format!("migration failed: {e}")))
    }

    fn dialect(&self) -> Dialect {
        match self.db {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// One SQLite file in WAL mode: readers never wait for the writer.
async fn open_sqlite(url: &str) -> DbResult<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    Ok(SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?)
}

async fn open_postgres(url: &str) -> DbResult<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?)
}
