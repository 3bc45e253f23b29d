//! `/v1/jobs/{id}/report(s)`: narrative reports of a succeeded job. A request answers at once:
//! 200 with a stored report, or 202 with one that the background writers
//! (`report/writers.rs`) are writing, to poll at its URL or to hear of by webhook.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::api::idempotency::{self, Idempotency, Made};
use crate::api::rate::{self, Limit};
use crate::auth::Caller;
use crate::report::service::{Rejection, ReportFailure, ReportRequest, Requested};
use crate::report::{Report, ReportStatus};
use crate::views::report::ReportView;

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
            // Language models are called by the background writers, whose failures are stored
            // on the report (`report::service::fault`), not answered here.
            ReportFailure::Provider(e) => ApiError::internal(e),
            ReportFailure::Store(e) => ApiError::internal(e),
        }
    }
}

/// Asks for a narrative report on a succeeded job. A report with the same language, provider
/// and model that is stored answers 200; otherwise the answer is 202 at once, with the report to
/// poll at `Location` (or to hear of by the job's `report.*` webhook), and background writers
/// write it. A second identical request while it is written joins it (202, the same report). An
/// empty body takes every default. With an `Idempotency-Key`, a retry gets the first request's
/// report and status.
#[utoipa::path(post, path = "/v1/jobs/{id}/report", tag = "reports", params(super::JobId,
        ("Idempotency-Key" = Option<String>, Header, description = "Up to 255 printable ASCII characters. A retry with a key this API key used before on this job (within `limits.idempotency_ttl_secs`) gets the first request's report and status, with `Idempotent-Replayed: true`; with a different body it gets 422 `idempotency_key_reused`.")),
    request_body(content = Option<ReportRequest>, content_type = "application/json", description = "Language, provider and model; all optional"),
    responses(
    (status = 200, description = "The stored report with these parameters", body = ReportView),
    (status = 202, description = "Being written: poll `Location` until `status` is `succeeded` or `failed`", body = ReportView,
        headers(("Location" = String, description = "The report's URL"))),
    (status = 400, description = "Bad JSON, language, provider or model; a malformed `Idempotency-Key` (`invalid_idempotency_key`)", body = ErrorBody),
    (status = 404, description = "No such job", body = ErrorBody),
    (status = 409, description = "The job has not succeeded (yet): `job_not_succeeded`; the first request with this `Idempotency-Key` failed or is still running: `idempotency_key_in_use`", body = ErrorBody),
    (status = 422, description = "This `Idempotency-Key` was used for a different request: `idempotency_key_reused`", body = ErrorBody),
    (status = 429, description = "Too many report requests from this key (`rate_limits.reports_per_minute`): `rate_limited`, with `Retry-After`", body = ErrorBody),
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
        let (status, report) = ask(&state, &caller, &job, &request).await?;
        return Ok(answer(status, report, false));
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
        let report = state.store.report(&id, &report_id).await?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::NoReport,
                "the report of the first request is gone",
            )
        })?;
        return Ok(answer(status, report, true));
    }
    let made = ask(&state, &caller, &job, &request)
        .await
        .map(|(status, report)| Made {
            id: report.id.clone(),
            value: answer(status, report, false),
            status,
            fingerprint,
        });
    claim.finish(&state, made).await
}

/// Finds or queues the report: 200 when stored, 202 while it is written.
async fn ask(
    state: &AppState,
    caller: &Caller,
    job: &crate::jobs::Job,
    request: &ReportRequest,
) -> ApiResult<(StatusCode, Report)> {
    rate::take(state, caller, Limit::Reports).await?;
    let (report, how) = state
        .reporter
        .request(state.store.as_ref(), job, request)
        .await?;
    if how == Requested::Queued {
        state.report_wake.notify_one();
    }
    let status = if report.status == ReportStatus::Succeeded {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, report))
}

fn answer(status: StatusCode, report: Report, replayed: bool) -> Response {
    let location =
        HeaderValue::from_str(&format!("/v1/jobs/{}/reports/{}", report.job_id, report.id));
    let mut response = (status, Json(ReportView::from(report))).into_response();
    if let Ok(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if replayed {
        response.headers_mut().insert(
            header::HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        );
    }
    response
}

/// One report of a job, in whatever state it is.
#[utoipa::path(get, path = "/v1/jobs/{id}/reports/{report_id}", tag = "reports", params(super::JobId,
        ("report_id" = String, Path, description = "Report id, as returned by `POST /v1/jobs/{id}/report`")),
    responses(
    (status = 200, description = "The report", body = ReportView),
    (status = 404, description = "No such job or report", body = ErrorBody),
))]
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, report_id)): Path<(String, String)>,
) -> ApiResult<Json<ReportView>> {
    super::load(&state, &caller, &id).await?;
    let report = state
        .store
        .report(&id, &report_id)
        .await?
        .ok_or_else(|| ApiError::not_found("report"))?;
    Ok(Json(report.into()))
}

/// The newest finished report of a job.
#[utoipa::path(get, path = "/v1/jobs/{id}/report", tag = "reports", params(super::JobId), responses(
    (status = 200, description = "The newest succeeded report", body = ReportView),
    (status = 404, description = "No such job (`not_found`), or no report yet (`no_report`)", body = ErrorBody),
))]
pub async fn latest_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ReportView>> {
    super::load(&state, &caller, &id).await?;
    let report = state
        .store
        .reports(&id)
        .await?
        .into_iter()
        .find(|r| r.status == ReportStatus::Succeeded);
    report.map(|r| Json(r.into())).ok_or_else(|| {
        ApiError::new(
            ErrorCode::NoReport,
            "this job has no finished report yet; POST one, or poll the one asked for",
        )
    })
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
