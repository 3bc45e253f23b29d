//! The HTTP API: one file per resource or action.

pub mod error;
pub mod health;
pub mod info;
pub mod jobs;
pub mod openapi;
pub mod query;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::routing::{get, post};
use tokio::sync::Notify;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::jobs::store::JobStore;
use crate::pipeline::Engine;
use crate::report::service::Reporter;
use error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn JobStore>,
    pub engine: Arc<Engine>,
    pub config: Arc<Config>,
    pub wake: Arc<Notify>,
    pub reporter: Arc<Reporter>,
}

pub fn router(state: AppState) -> Router {
    let jobs = Router::new()
        .route(
            "/v1/jobs",
            // Uploads are streamed to disk and measured there, against limits.max_upload_bytes.
            post(jobs::create::create_job)
                .layer(DefaultBodyLimit::disable())
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
