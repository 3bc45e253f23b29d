//! `GET /metrics` in the Prometheus text format, through the `metrics` facade and its Prometheus
//! exporter. Counters and histograms are this process's; the job gauges are read from the
//! database at each scrape, so every process of a deployment reports the same queue.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorCode};
use crate::clock::now_ms;
use crate::jobs::JobStatus;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

const BUCKETS: [(&str, &[f64]); 3] = [
    (
        "emoscope_http_request_duration_seconds",
        &[
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ],
    ),
    (
        "emoscope_job_duration_seconds",
        &[
            1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
        ],
    ),
    (
        "emoscope_job_frames_per_second",
        &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0],
    ),
];

/// The process's recorder, installed on first use; `None` if another recorder was installed.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let mut builder = PrometheusBuilder::new();
            for (name, buckets) in BUCKETS {
                builder = builder
                    .set_buckets_for_metric(Matcher::Full(name.into()), buckets)
                    .ok()?;
            }
            match builder.install_recorder() {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::warn!(error = %e, "no metrics: another recorder is installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Jobs by status, the queue's depth and age, HTTP requests by route and status with their
/// latency, job durations and speeds, faces classified, report requests by provider and outcome.
#[utoipa::path(get, path = "/metrics", tag = "service", responses(
    (status = 200, description = "Prometheus text format", content_type = "text/plain; version=0.0.4", body = String),
    (status = 401, description = "`metrics_token` is set and the request does not carry it", body = super::error::ErrorBody),
))]
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = state.config.metrics_token.expose() {
        let sent = super::auth::bearer(&headers).ok().flatten();
        if !sent.is_some_and(|s| same(s.as_bytes(), token.as_bytes())) {
            return Err(ApiError::new(
                ErrorCode::Unauthorized,
                "send the metrics token as `Authorization: Bearer …`",
            ));
        }
    }
    // The recorder must exist before the gauges are set, or the first scrape of a new process
    // sets them on no recorder and answers an empty page.
    let recorder = handle();
    for status in JobStatus::ALL {
        let n = state.store.count_with_status(status).await?;
        metrics::gauge!("emoscope_jobs", "status" => status.as_str()).set(n as f64);
    }
    let oldest = state.store.oldest_queued_at().await?;
    let age = oldest.map_or(0.0, |at| (now_ms() - at).max(0) as f64 / 1000.0);
    metrics::gauge!("emoscope_queue_oldest_age_seconds").set(age);
    let text = recorder.map(|h| h.render()).unwrap_or_default();
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        text,
    )
        .into_response())
}

/// Counts every routed request by its route's template (not its path, so ids do not make new
/// series), method and status, and records how long it took. Templates are written `:id`
/// rather than `{id}`: braces inside label values trip some Prometheus parsers.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || "unmatched".to_string(),
        |p| p.as_str().replace('{', ":").replace('}', ""),
    );
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("emoscope_http_requests_total",
        "method" => method.clone(), "route" => route.clone(), "status" => status)
    .increment(1);
    metrics::histogram!("emoscope_http_request_duration_seconds",
        "method" => method, "route" => route)
    .record(started.elapsed().as_secs_f64());
    response
}

/// Compares in time that does not depend on where the first difference is, so that the token
/// cannot be guessed a byte at a time from response times.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
