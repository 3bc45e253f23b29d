//! Narrative reports. The unique key (job, language, provider, model) decides: a second request
//! for the same key joins the first (queued or running) or gets the stored one; it writes it
//! again only when asked to regenerate, or when the first failed. A report keeps its id through
//! all of that, so an id a client was given never stops answering while its job exists. Background writers claim queued
//! reports like workers claim jobs, with a heartbeat, and every write names the writer.

use async_trait::async_trait;
use sqlx::types::Json;

use super::rows::{REPORT_COLUMNS, ReportRow, StoredInputs, StoredUsage};
use super::{DbError, DbResult, LostWriters, ReportStore, SqlStore, with_pool};
use serde::{Deserialize, Serialize};

use crate::clock::now_ms;
use crate::pipeline::aggregate::{Emotion, EmotionSummary, PerEmotion};
use crate::pipeline::people::Person;

/// Applies only while the report is still this writer's.
const HELD: &str = "WHERE id = $1 AND worker_id = $2 AND status = 'running'";

#[async_trait]
impl ReportStore for SqlStore {
    async fn save_report(&self, r: &Report, replace: bool) -> DbResult<(Report, bool)> {
        // A finished report takes the place of one that is queued, running or failed.
        let sql = format!(
            "INSERT INTO reports ({REPORT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, 'succeeded', $6, $7, $8, $9, $9, NULL, NULL) \
             ON CONFLICT (job_id, language, provider, model) DO UPDATE SET \
               status = 'succeeded', text = excluded.text, inputs = excluded.inputs, \
               usage = excluded.usage, created_at = excluded.created_at, \
               finished_at = excluded.finished_at, error_code = NULL, error_message = NULL, \
               worker_id = NULL \
             WHERE $10 OR reports.status <> 'succeeded'"
        );
        let written = with_pool!(self, pool => sqlx::query(&sql)
            .bind(&r.id)
            .bind(&r.job_id)
            .bind(r.provider.as_str())
            .bind(&r.model)
            .bind(&r.language)
            .bind(&r.text)
            .bind(r.inputs.as_ref().map(|i| Json(StoredInputs::from(i))))
            .bind(r.usage.as_ref().map(|u| Json(StoredUsage::from(u))))
            .bind(r.created_at)
            .bind(replace)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        let stored = self
            .find_report(&r.job_id, r.provider, &r.model, &r.language)
            .await?
            .ok_or_else(|| DbError::Other("the report vanished as it was stored".into()))?;
        Ok((stored, written == 1))
    }

    async fn request_report(&self, ticket: &Report, regenerate: bool) -> DbResult<(Report, bool)> {
        let sql = "INSERT INTO reports (id, job_id, provider, model, language, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'queued', $6) \
             ON CONFLICT (job_id, language, provider, model) DO UPDATE SET \
               status = 'queued', text = NULL, inputs = NULL, usage = NULL, \
               created_at = excluded.created_at, finished_at = NULL, error_code = NULL, \
               error_message = NULL, worker_id = NULL, heartbeat_at = NULL, attempts = 0 \
             WHERE reports.status = 'failed' OR ($7 AND reports.status = 'succeeded')";
        let queued = with_pool!(self, pool => sqlx::query(sql)
            .bind(&ticket.id)
            .bind(&ticket.job_id)
            .bind(ticket.provider.as_str())
            .bind(&ticket.model)
            .bind(&ticket.language)
            .bind(ticket.created_at)
            .bind(regenerate)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        if queued == 1
            && let Some(notice) = self.dialect().queued_notice()
        {
            with_pool!(self, pool => sqlx::query(notice)
                .bind(super::notify::REPORT)
                .execute(pool)
                .await
                .map(|_| ()))?;
        }
        let stands = self
            .find_report(
                &ticket.job_id,
                ticket.provider,
                &ticket.model,
                &ticket.language,
            )
            .await?
            .ok_or_else(|| DbError::Other("the report vanished as it was asked for".into()))?;
        Ok((stands, queued == 1))
    }

    async fn find_report(
        &self,
        job_id: &str,
        provider: Provider,
        model: &str,
        language: &str,
    ) -> DbResult<Option<Report>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports \
             WHERE job_id = $1 AND provider = $2 AND model = $3 AND language = $4"
        );
        let row: Option<ReportRow> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(job_id)
            .bind(provider.as_str())
            .bind(model)
            .bind(language)
            .fetch_optional(pool)
            .await)?;
        row.map(Report::try_from).transpose()
    }

    async fn report(&self, job_id: &str, id: &str) -> DbResult<Option<Report>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE job_id = $1 AND id = $2");
        let row: Option<ReportRow> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(job_id)
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        row.map(Report::try_from).transpose()
    }

    async fn reports(&self, job_id: &str) -> DbResult<Vec<Report>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE job_id = $1 ORDER BY created_at DESC, id DESC"
        );
        let rows: Vec<ReportRow> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(job_id).fetch_all(pool).await)?;
        rows.into_iter().map(Report::try_from).collect()
    }

    async fn claim_report(&self, worker: &str) -> DbResult<Option<Report>> {
        let sql = format!(
            "UPDATE reports SET status = 'running', worker_id = $1, heartbeat_at = $2, \
               attempts = attempts + 1 \
             WHERE id = (SELECT id FROM reports WHERE status = 'queued' \
                         ORDER BY created_at, id LIMIT 1 {lock}) \
               AND status = 'queued' \
             RETURNING {REPORT_COLUMNS}",
            lock = self.dialect().claim_lock()
        );
        let row: Option<ReportRow> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(worker)
            .bind(now_ms())
            .fetch_optional(pool)
            .await)?;
        row.map(Report::try_from).transpose()
    }

    async fn report_heartbeat(&self, id: &str, worker: &str) -> DbResult<bool> {
        let sql = format!("UPDATE reports SET heartbeat_at = $3 {HELD}");
        let n = with_pool!(self, pool => sqlx::query(&sql)
            .bind(id)
            .bind(worker)
            .bind(now_ms())
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    async fn finish_report(
        &self,
        id: &str,
        worker: &str,
        outcome: Result<Written, ReportFault>,
    ) -> DbResult<bool> {
        let now = now_ms();
        let n = match outcome {
            Ok(w) => {
                let sql = format!(
                    "UPDATE reports SET status = 'succeeded', text = $3, inputs = $4, usage = $5, \
                       finished_at = $6, worker_id = NULL {HELD}"
                );
                with_pool!(self, pool => sqlx::query(&sql)
                    .bind(id)
                    .bind(worker)
                    .bind(&w.text)
                    .bind(Json(StoredInputs::from(&w.inputs)))
                    .bind(w.usage.as_ref().map(|u| Json(StoredUsage::from(u))))
                    .bind(now)
                    .execute(pool)
                    .await.map(|r| r.rows_affected()))?
            }
            Err(fault) => {
                let sql = format!(
                    "UPDATE reports SET status = 'failed', error_code = $3, error_message = $4, \
                       finished_at = $5, worker_id = NULL {HELD}"
                );
                with_pool!(self, pool => sqlx::query(&sql)
                    .bind(id)
                    .bind(worker)
                    .bind(fault.code.as_str())
                    .bind(&fault.message)
                    .bind(now)
                    .execute(pool)
                    .await.map(|r| r.rows_affected()))?
            }
        };
        Ok(n == 1)
    }

    async fn recover_reports(&self, lost: LostWriters<'_>, max_attempts: u32) -> DbResult<u64> {
        let which = lost.condition("heartbeat_at", "$3");
        let sql = format!(
            "UPDATE reports SET \
               status = CASE WHEN attempts >= $1 THEN 'failed' ELSE 'queued' END, \
               error_code = CASE WHEN attempts >= $1 THEN 'worker_lost' ELSE NULL END, \
               error_message = CASE WHEN attempts >= $1 \
                 THEN 'the process writing this report stopped several times' ELSE NULL END, \
               finished_at = CASE WHEN attempts >= $1 THEN $2 ELSE NULL END, \
               worker_id = NULL \
             WHERE status = 'running' AND {which}"
        );
        let n = with_pool!(self, pool => {
            let q = sqlx::query(&sql).bind(i64::from(max_attempts)).bind(now_ms());
            let q = match lost {
                LostWriters::SilentSince(ms) => q.bind(ms),
                LostWriters::OfInstance(prefix) => q.bind(prefix),
            };
            q.execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(n)
    }
}

/// Tokens the language model counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// A report as stored and returned: asked for (`queued`), being written (`running`), then
/// `succeeded` with its text and inputs, or `failed` with its error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub job_id: String,
    pub provider: Provider,
    pub model: String,
    pub language: String,
    pub status: ReportStatus,
    pub text: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub usage: Option<Usage>,
    pub inputs: Option<ReportInputs>,
    pub error: Option<ReportFault>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// Why a report failed, in the API's error codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportFault {
    pub code: ReportFaultCode,
    pub message: String,
}

/// Why a report failed. `job_not_succeeded`: its job is gone or did not succeed;
/// `invalid_report_request`: it cannot be written as asked; `llm_timeout`, `llm_error`: the
/// language model did not answer, or failed; `worker_lost`: its writer died too often;
/// `internal`: the server's fault.
// Stored in `reports.error_code` by its wire name; `worker_lost` is also written in SQL by the
// lost-writer update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFaultCode {
    JobNotSucceeded,
    InvalidReportRequest,
    LlmTimeout,
    LlmError,
    WorkerLost,
    Internal,
}

impl ReportFaultCode {
    pub const ALL: [Self; 6] = [
        Self::JobNotSucceeded,
        Self::InvalidReportRequest,
        Self::LlmTimeout,
        Self::LlmError,
        Self::WorkerLost,
        Self::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::JobNotSucceeded => "job_not_succeeded",
            Self::InvalidReportRequest => "invalid_report_request",
            Self::LlmTimeout => "llm_timeout",
            Self::LlmError => "llm_error",
            Self::WorkerLost => "worker_lost",
            Self::Internal => "internal",
        }
    }

    /// A code this version does not know (written by a newer one) reads as `internal`.
    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .unwrap_or(Self::Internal)
    }
}

/// Who writes a report's narrative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// An OpenAI-compatible chat model.
    Openai,
    /// The deterministic template, with no network.
    Template,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Template => "template",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Openai, Self::Template]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// What a narrator's work leaves to store.
#[derive(Debug, Clone)]
pub struct Written {
    pub text: String,
    pub usage: Option<Usage>,
    pub inputs: ReportInputs,
}

/// The numbers a report was written from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportInputs {
    /// The job's result, as `/emotions` gives it.
    #[serde(flatten)]
    pub summary: EmotionSummary,
    pub duration_ms: u64,
    pub segments: Vec<SegmentSummary>,
    /// The people longest on screen, at most `report::inputs::PEOPLE_IN_REPORT`; empty when not tracked.
    pub people: Vec<Person>,
    /// Everyone else, together.
    pub others: Option<OtherPeople>,
}

/// The people past `PEOPLE_IN_REPORT`, counted together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherPeople {
    pub count: u64,
    pub faces: u64,
    pub percentages: PerEmotion<f64>,
    pub dominant: Option<Emotion>,
}

/// One span of time of the video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentSummary {
    pub start_ms: u64,
    pub end_ms: u64,
    pub faces: u64,
    /// Most frequent expression in the segment; `null` when no face was seen there.
    pub dominant: Option<Emotion>,
    /// Its share of the segment's faces, in percent.
    pub dominant_percent: f64,
}
