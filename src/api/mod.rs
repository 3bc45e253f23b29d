//! The HTTP API: one file per resource or action.

pub mod error;
pub mod health;
pub mod info;
pub mod jobs;
pub mod openapi;
pub mod query;
pub mod schema;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{Notify, Semaphore};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::jobs::store::Store;
use crate::jobs::uploads::Uploads;
use crate::pipeline::Engine;
use crate::report::service::Reporter;
use error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub engine: Arc<Engine>,
    pub config: Arc<Config>,
    pub uploads: Uploads,
    /// Uploads being checked with FFmpeg at once (`limits.max_concurrent_probes`).
    pub probes: Arc<Semaphore>,
    pub wake: Arc<Notify>,
    pub reporter: Arc<Reporter>,
}

/// How long a handler may take before the client gets `503 timeout`.
#[derive(Clone, Copy)]
struct Deadlines {
    request: Duration,
    /// A report may wait on a language model through all its retries.
    report: Duration,
}

impl Deadlines {
    fn of(c: &Config) -> Self {
        let r = &c.report;
        let tries = u64::from(r.retries) + 1;
        let report =
            r.timeout_secs.saturating_mul(tries) + r.max_backoff_secs.saturating_mul(tries);
        Self {
            request: Duration::from_secs(c.limits.request_timeout_secs),
            report: Duration::from_secs(report.max(c.limits.request_timeout_secs)),
        }
    }
}

/// Every request but an upload (which has its own idle timeout while the body arrives) ends
/// within its deadline, so that a stuck handler cannot hold a connection forever.
async fn deadline(
    State(d): State<Deadlines>,
    request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let limit = if request.method() == Method::POST && path == "/v1/jobs" {
        return next.run(request).await;
    } else if request.method() == Method::POST && path.ends_with("/report") {
        d.report
    } else {
        d.request
    };
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the server did not answer within {} s", limit.as_secs()),
        )
        .into_response(),
    }
}

pub fn router(state: AppState) -> Router {
    // Uploads are streamed to disk and measured there; the form as a whole may hold the video
    // and a few small fields beside it.
    let max_form = usize::try_from(state.config.limits.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    let deadlines = Deadlines::of(&state.config);
    let jobs = Router::new()
        .route(
            "/v1/jobs",
            post(jobs::create::create_job)
                .layer(DefaultBodyLimit::max(max_form))
                .get(jobs::list::list_jobs),
        )
        .route(
            "/v1/jobs/{id}",
            get(jobs::get::get_job).delete(jobs::delete::delete_job),
        )
        .route("/v1/jobs/{id}/cancel", post(jobs::cancel::cancel_job))
        .route("/v1/jobs/{id}/emotions", get(jobs::emotions::get_emotions))
        .route("/v1/jobs/{id}/timeline", get(jobs::timeline::get_timeline))
        .route(
            "/v1/jobs/{id}/report",
            post(jobs::report::create_report).get(jobs::report::latest_report),
        )
        .route("/v1/jobs/{id}/reports", get(jobs::report::list_reports));
    Router::new()
        .merge(jobs)
        .merge(web::routes())
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/v1/info", get(info::info))
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed on this route")
        })
        .layer(middleware::from_fn_with_state(deadlines, deadline))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
