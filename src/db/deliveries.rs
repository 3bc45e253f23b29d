//! Webhook deliveries: claimed like jobs (`FOR UPDATE SKIP LOCKED` on PostgreSQL), every write
//! naming the sender, and taken back when the sender dies mid-attempt.

use async_trait::async_trait;

use super::{DbError, DbResult, DeliveryStore, LostWriters, SqlStore, with_pool};
use serde::Serialize;

const DELIVERY_COLUMNS: &str = "id, job_id, report_id, event, url, status, attempts, \
    next_attempt_at, created_at, finished_at, last_error";

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: String,
    job_id: String,
    report_id: Option<String>,
    event: String,
    url: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    created_at: i64,
    finished_at: Option<i64>,
    last_error: Option<String>,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = DbError;
    fn try_from(r: DeliveryRow) -> DbResult<Self> {
        let event = Event::parse(&r.event)
            .ok_or_else(|| DbError::Other(format!("unknown webhook event {:?}", r.event)))?;
        Ok(Self {
            id: r.id,
            job_id: r.job_id,
            report_id: r.report_id,
            event,
            url: r.url,
            status: DeliveryStatus::parse(&r.status),
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
            finished_at: r.finished_at,
            last_error: r.last_error,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    delivery_id: String,
    attempt: i64,
    at: i64,
    duration_ms: i64,
    status_code: Option<i64>,
    error: Option<String>,
}

#[async_trait]
impl DeliveryStore for SqlStore {
    async fn claim_delivery(&self, worker: &str, now: i64) -> DbResult<Option<Delivery>> {
        let sql = format!(
            "UPDATE deliveries SET status = 'sending', worker_id = $1, claimed_at = $2, \
               attempts = attempts + 1 \
             WHERE id = (SELECT id FROM deliveries WHERE status = 'pending' \
                           AND next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT 1 {lock}) \
               AND status = 'pending' \
             RETURNING {DELIVERY_COLUMNS}",
            lock = self.dialect().claim_lock()
        );
        let row: Option<DeliveryRow> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(worker)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        row.map(Delivery::try_from).transpose()
    }

    async fn record_attempt(
        &self,
        id: &str,
        worker: &str,
        attempt: &Attempt,
        outcome: Outcome,
    ) -> DbResult<bool> {
        let (status, next, finished) = match outcome {
            Outcome::Delivered => ("delivered", None, Some(attempt.at)),
            Outcome::RetryAt(t) => ("pending", Some(t), None),
            Outcome::GiveUp => ("failed", None, Some(attempt.at)),
        };
        let update = "UPDATE deliveries SET status = $3, \
               next_attempt_at = COALESCE($4, next_attempt_at), finished_at = $5, \
               last_error = $6, worker_id = NULL \
             WHERE id = $1 AND worker_id = $2 AND status = 'sending'";
        let insert = "INSERT INTO delivery_attempts \
             (delivery_id, attempt, at, duration_ms, status_code, error) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id, attempt) DO NOTHING";
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(update)
                .bind(id)
                .bind(worker)
                .bind(status)
                .bind(next)
                .bind(finished)
                .bind(&attempt.error)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                sqlx::query(insert)
                    .bind(id)
                    .bind(i64::from(attempt.attempt))
                    .bind(attempt.at)
                    .bind(i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX))
                    .bind(attempt.status_code.map(i64::from))
                    .bind(&attempt.error)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            n
        });
        Ok(n == 1)
    }

    async fn recover_deliveries(&self, lost: LostWriters<'_>) -> DbResult<u64> {
        // The attempt in flight never got an answer: it is not counted, and the delivery is due.
        let which = lost.condition("claimed_at", "$1");
        let sql = format!(
            "UPDATE deliveries SET status = 'pending', worker_id = NULL, \
               attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END \
             WHERE status = 'sending' AND {which}"
        );
        let n = with_pool!(self, pool => {
            let q = sqlx::query(&sql);
            let q = match lost {
                LostWriters::SilentSince(ms) => q.bind(ms),
                LostWriters::OfInstance(prefix) => q.bind(prefix),
            };
            q.execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(n)
    }

    async fn deliveries(&self, job_id: &str) -> DbResult<Vec<(Delivery, Vec<Attempt>)>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE job_id = $1 ORDER BY created_at, id"
        );
        let attempts_sql = "SELECT a.delivery_id, a.attempt, a.at, a.duration_ms, a.status_code, \
               a.error FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id \
             WHERE d.job_id = $1 ORDER BY a.delivery_id, a.attempt";
        let (rows, attempts): (Vec<DeliveryRow>, Vec<AttemptRow>) = with_pool!(self, pool => {
            let rows = sqlx::query_as(&sql).bind(job_id).fetch_all(pool).await?;
            let attempts = sqlx::query_as(attempts_sql).bind(job_id).fetch_all(pool).await?;
            (rows, attempts)
        });
        rows.into_iter()
            .map(|r| {
                let log = attempts
                    .iter()
                    .filter(|a| a.delivery_id == r.id)
                    .map(|a| Attempt {
                        attempt: u32::try_from(a.attempt).unwrap_or(0),
                        at: a.at,
                        duration_ms: u64::try_from(a.duration_ms).unwrap_or(0),
                        status_code: a.status_code.and_then(|c| u16::try_from(c).ok()),
                        error: a.error.clone(),
                    })
                    .collect();
                Ok((Delivery::try_from(r)?, log))
            })
            .collect()
    }
}

/// What a webhook tells: that a job or a report ended, and how.
// The database writes these names (the triggers of migration 0007).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookEvent)]
pub enum Event {
    #[serde(rename = "job.succeeded")]
    JobSucceeded,
    #[serde(rename = "job.failed")]
    JobFailed,
    #[serde(rename = "job.canceled")]
    JobCanceled,
    #[serde(rename = "report.succeeded")]
    ReportSucceeded,
    #[serde(rename = "report.failed")]
    ReportFailed,
}

impl Event {
    pub const ALL: [Self; 5] = [
        Self::JobSucceeded,
        Self::JobFailed,
        Self::JobCanceled,
        Self::ReportSucceeded,
        Self::ReportFailed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::JobSucceeded => "job.succeeded",
            Self::JobFailed => "job.failed",
            Self::JobCanceled => "job.canceled",
            Self::ReportSucceeded => "report.succeeded",
            Self::ReportFailed => "report.failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// One event for one receiver; its id is the `webhook-id` of every attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: String,
    pub job_id: String,
    pub report_id: Option<String>,
    pub event: Event,
    pub url: String,
    pub status: DeliveryStatus,
    /// Attempts made (or being made).
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// An attempt is under way.
    Sending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: no 2xx within `webhooks.give_up_after_secs`, or nothing left to send.
    Failed,
}

impl DeliveryStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "sending" => Self::Sending,
            "delivered" => Self::Delivered,
            _ => Self::Failed,
        }
    }
}

/// One try of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub attempt: u32,
    /// When it started, in milliseconds since the Unix epoch.
    pub at: i64,
    pub duration_ms: u64,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    RetryAt(i64),
    GiveUp,
}
