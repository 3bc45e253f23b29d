//! `/v1/jobs/{id}/report(s)`: narrative reports of a succeeded job.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::view::rfc3339;
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::api::idempotency::{self, Idempotency};
use crate::api::schema::ReportInputs;
use crate::auth::Caller;
use crate::report::service::{Rejection, ReportFailure, ReportRequest};
use crate::report::{Report, ReportError, Usage};

/// A narrative report on a job's numbers.
#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub job_id: String,
    /// `openai` or `template`.
    #[schema(example = "template")]
    pub provider: String,
    /// The chat model, or the template's name.
    pub model: String,
    #[schema(example = "en")]
    pub language: String,
    /// The narrative, in Markdown.
    pub text: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub usage: Option<Usage>,
    pub inputs: ReportInputs,
    pub note: &'static str,
}

const TEMPLATE_NOTE: &str = "Written from a fixed template (no language model was used). \
    Facial expressions are not a measure of feelings; this is not a diagnosis.";
const LLM_NOTE: &str = "Written by a language model from the numbers in `inputs`. \
    Facial expressions are not a measure of feelings; this is not a diagnosis.";

impl From<Report> for ReportView {
    fn from(r: Report) -> Self {
        Self {
            note: if r.provider == "template" {
                TEMPLATE_NOTE
            } else {
                LLM_NOTE
            },
            id: r.id,
            job_id: r.job_id,
            provider: r.provider,
            model: r.model,
            language: r.language,
            text: r.text,
            created_at: rfc3339(r.created_at),
            usage: r.usage,
            inputs: r.inputs.into(),
        }
    }
}

impl From<ReportFailure> for ApiError {
    fn from(f: ReportFailure) -> Self {
        match f {
            ReportFailure::NotSucceeded(_) => {
                ApiError::new(ErrorCode::JobNotSucceeded, f.to_string())
            }
            ReportFailure::BadRequest(why, message) => {
                let code = match why {
                    Rejection::InvalidLanguage => ErrorCode::InvalidLanguage,
                    Rejection::UnsupportedLanguage => ErrorCode::UnsupportedLanguage,
                    Rejection::ProviderUnavailable => ErrorCode::ProviderUnavailable,
                    Rejection::InvalidProvider => ErrorCode::InvalidProvider,
                };
                ApiError::new(code, message)
            }
            ReportFailure::Provider(ReportError::Timeout(_)) => {
                ApiError::new(ErrorCode::LlmTimeout, f.to_string())
            }
            ReportFailure::Provider(ReportError::Upstream { status, message }) => {
                // The upstream's own words stay in the log (already redacted): they can quote
                // the key, the account or the prompt, none of which is the client's business.
                tracing::warn!(upstream_status = ?status, upstream_message = %message, "language model call failed");
                let upstream = status.map_or("no answer".to_string(), |s| format!("HTTP {s}"));
                ApiError::new(
                    ErrorCode::LlmError,
                    format!(
                        "the language model service failed ({upstream}); the server's log has the details"
                    ),
                )
            }
            ReportFailure::Provider(ReportError::Invalid(m)) => {
                ApiError::new(ErrorCode::InvalidReportRequest, m)
            }
            ReportFailure::Store(e) => ApiError::internal(e),
        }
    }
}

/// Writes a narrative report on a succeeded job, or returns the stored one with the same
/// language, provider and model. An empty body takes every default. With an `Idempotency-Key`,
/// a retry gets the first request's report and status.
#[utoipa::path(post, path = "/v1/jobs/{id}/report", tag = "reports", params(super::JobId,
        ("Idempotency-Key" = Option<String>, Header, description = "Up to 255 printable ASCII characters. A retry with a key this API key used before on this job (within `limits.idempotency_ttl_secs`) gets the first request's report and status, with `Idempotent-Replayed: true`; with a different body it gets 422 `idempotency_key_reused`.")),
    request_body(content = Option<ReportRequest>, content_type = "application/json", description = "Language, provider and model; all optional"),
    responses(
    (status = 200, description = "The stored report with these parameters", body = ReportView),
    (status = 201, description = "A new report", body = ReportView),
    (status = 400, description = "Bad JSON, language, provider or model; a malformed `Idempotency-Key` (`invalid_idempotency_key`)", body = ErrorBody),
    (status = 404, description = "No such job", body = ErrorBody),
    (status = 409, description = "The job has not succeeded (yet): `job_not_succeeded`; the first request with this `Idempotency-Key` failed or is still running: `idempotency_key_in_use`", body = ErrorBody),
    (status = 422, description = "This `Idempotency-Key` was used for a different request: `idempotency_key_reused`", body = ErrorBody),
    (status = 429, description = "Too many report requests from this key (`rate_limits.reports_per_minute`): `rate_limited`, with `Retry-After`", body = ErrorBody),
    (status = 502, description = "The language model service failed: `llm_error`", body = ErrorBody),
    (status = 504, description = "The language model did not answer in time: `llm_timeout`", body = ErrorBody),
))]
pub async fn create_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    // An empty body, like JSON `null`, asks for every default.
    let request: ReportRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ReportRequest::default()
    } else {
        serde_json::from_slice::<Option<ReportRequest>>(&body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?
            .unwrap_or_default()
    };
    let key = idempotency::key(&headers)?;
    let job = super::load(&state, &caller, &id).await?;
    let Some(key) = key else {
        let (status, report) = write(&state, &caller, &job, &request).await?;
        return Ok((status, Json(ReportView::from(report))).into_response());
    };
    // What was asked, whatever the JSON's spacing or field order.
    let asked = format!(
        "{:?}|{:?}|{:?}|{}",
        request.language, request.provider, request.model, request.regenerate
    );
    let fingerprint = idempotency::fingerprint(&[asked.as_bytes()]);
    let claim = Idempotency::claim(&state, &caller, &format!("report:{id}"), key).await?;
    if !claim.first {
        let (report_id, status) = claim.replayed(&state, &fingerprint).await?;
        let report = state
            .store
            .reports(&id)
            .await?
            .into_iter()
            .find(|r| r.id == report_id)
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NoReport,
                    "the report of the first request is gone",
                )
            })?;
        let mut response = (status, Json(ReportView::from(report))).into_response();
        response.headers_mut().insert(
            header::HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
        return Ok(response);
    }
    match write(&state, &caller, &job, &request).await {
        Ok((status, report)) => {
            claim
                .complete(&state, &fingerprint, &report.id, status)
                .await?;
            Ok((status, Json(ReportView::from(report))).into_response())
        }
        Err(e) => {
            claim.release(&state).await;
            Err(e)
        }
    }
}

/// Writes (or finds) the report: 201 when new, 200 when stored before.
async fn write(
    state: &AppState,
    caller: &Caller,
    job: &crate::jobs::Job,
    request: &ReportRequest,
) -> ApiResult<(StatusCode, Report)> {
    state.rates.report(caller)?;
    let (report, created) = state
        .reporter
        .report(state.store.as_ref(), job, request)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, report))
}

/// The newest report of a job.
#[utoipa::path(get, path = "/v1/jobs/{id}/report", tag = "reports", params(super::JobId), responses(
    (status = 200, description = "The newest report", body = ReportView),
    (status = 404, description = "No such job (`not_found`), or no report yet (`no_report`)", body = ErrorBody),
))]
pub async fn latest_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReportView>> {
    super::load(&state, &caller, &id).await?;
    let report = state.store.reports(&id).await?.into_iter().next();
    report
        .map(|r| Json(r.into()))
        .ok_or_else(|| ApiError::new(ErrorCode::NoReport, "this job has no report yet; POST one"))
}

/// Every report of a job, newest first.
#[derive(Serialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<ReportView>,
}

/// All reports of a job, newest first.
#[utoipa::path(get, path = "/v1/jobs/{id}/reports", tag = "reports", params(super::JobId), responses(
    (status = 200, description = "The reports", body = ReportList),
    (status = 404, description = "No such job", body = ErrorBody),
))]
pub async fn list_reports(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReportList>> {
    super::load(&state, &caller, &id).await?;
    let items = state
        .store
        .reports(&id)
        .await?
        .into_iter()
        .map(ReportView::from)
        .collect();
    Ok(Json(ReportList { items }))
}
