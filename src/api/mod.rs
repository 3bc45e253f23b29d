//! The HTTP API: one file per resource or action.

pub mod auth;
pub mod error;
pub mod guard;
pub mod health;
pub mod idempotency;
pub mod images;
pub mod info;
pub mod jobs;
pub mod live;
pub mod metrics;
pub mod openapi;
pub mod query;
pub mod rate;
pub mod unread;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{Method, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::config::Config;
use crate::db::Store;
use crate::jobs::uploads::Uploads;
use crate::pipeline::catalogue::Catalogue;
use crate::report::service::Reporter;
use crate::runtime::ExecutionProvider;
use error::{ApiError, ErrorCode};

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The models and detectors jobs may ask for.
    pub catalogue: Arc<Catalogue>,
    /// Where this process's workers run the models; `None` without workers.
    pub provider: Option<ExecutionProvider>,
    pub config: Arc<Config>,
    pub uploads: Uploads,
    /// Uploads being checked with FFmpeg at once (`limits.max_concurrent_probes`).
    pub probes: Arc<Semaphore>,
    pub wake: Arc<Notify>,
    pub reporter: Arc<Reporter>,
    /// Woken when a report is queued, for this process's report writers.
    pub report_wake: Arc<Notify>,
    /// Where webhooks may go (`webhooks.*`), checked once at start.
    pub webhooks: Arc<crate::egress::policy::Policy>,
    pub keys: auth::KeysInUse,
    /// Places for open event streams (`limits.max_event_streams`).
    pub streams: Arc<Semaphore>,
    /// Cancelled when the server stops, so that event streams end.
    pub shutdown: CancellationToken,
    /// Fetches the videos of jobs made from a URL.
    pub downloads: crate::jobs::download::Downloads,
    /// Live sessions (`GET /v1/live`); `None` in a process without models.
    pub live: Option<crate::live::LiveSessions>,
    /// Analyses pictures (`POST /v1/images`); `None` in a process without models.
    pub images: Option<crate::pipeline::image::ImageAnalysers>,
}

/// How long a handler may take before the client gets `503 timeout`.
#[derive(Clone, Copy)]
struct Deadlines {
    request: Duration,
}

impl Deadlines {
    fn of(c: &Config) -> Self {
        Self {
            request: Duration::from_secs(c.limits.request_timeout_secs),
        }
    }
}

/// Every request but an upload (which has its own idle timeout while the body arrives) ends
/// within its deadline, so that a stuck handler cannot hold a connection forever. Report
/// requests need no more: the language model is called in the background.
async fn deadline(
    State(d): State<Deadlines>,
    request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let path = request.uri().path();
    // An upload has its own idle timeout; an event stream lasts as long as its job.
    let unbounded = (request.method() == Method::POST && path == "/v1/jobs")
        || (request.method() == Method::GET && path.ends_with("/events"));
    if unbounded {
        return next.run(request).await;
    }
    let limit = d.request;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            ErrorCode::Timeout,
            format!("the server did not answer within {} s", limit.as_secs()),
        )
        .into_response(),
    }
}

/// Every route of the API with its contract: a handler is routed by the path and methods of its
/// `#[utoipa::path]`, so a route cannot exist without its documentation. `max_form` caps a
/// multipart upload as a whole.
pub fn api_routes(max_form: usize, max_image: usize) -> OpenApiRouter<AppState> {
    let (schemas, paths, uploads) = routes!(jobs::create::create_job, jobs::list::list_jobs);
    let uploads = uploads.layer(DefaultBodyLimit::max(max_form));
    let (image_schemas, image_paths, images) = routes!(images::analyse_image);
    let images = images.layer(DefaultBodyLimit::max(max_image));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes((schemas, paths, uploads))
        .routes((image_schemas, image_paths, images))
        .routes(routes!(jobs::get::get_job, jobs::delete::delete_job))
        .routes(routes!(jobs::cancel::cancel_job))
        .routes(routes!(jobs::events::job_events))
        .routes(routes!(jobs::emotions::get_emotions))
        .routes(routes!(jobs::timeline::get_timeline))
        .routes(routes!(jobs::people::list_people))
        .routes(routes!(jobs::people::get_person_timeline))
        .routes(routes!(jobs::annotated::get_annotated))
        .routes(routes!(
            jobs::report::create_report,
            jobs::report::latest_report
        ))
        .routes(routes!(jobs::report::list_reports))
        .routes(routes!(jobs::report::get_report))
        .routes(routes!(jobs::deliveries::list_deliveries))
        .routes(routes!(live::open_live))
        .routes(routes!(live::create_ticket))
        .routes(routes!(info::info))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::metrics))
}

pub fn router(state: AppState) -> Router {
    // Installed before the first request, so that no counter or gauge is set on no recorder.
    metrics::handle();
    // Uploads are streamed to disk and measured there; the form as a whole may hold the video
    // and a few small fields beside it.
    let max_form = usize::try_from(state.config.limits.max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    let deadlines = Deadlines::of(&state.config);
    let guard = Arc::new(guard::Guard::new(&state.config));
    // A picture's form holds the picture and its boundaries.
    let max_image = usize::try_from(state.config.limits.max_image_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 << 10);
    let (api, _contract) = api_routes(max_form, max_image).split_for_parts();
    let app = Router::new()
        .merge(api)
        .merge(web::routes())
        .route_layer(middleware::from_fn(metrics::track))
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                "method not allowed on this route",
            )
        })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(deadlines, deadline));
    // Preflights are answered before anything asks for a key; the Host check comes first of all.
    let app = match guard.cors() {
        Some(cors) => app.layer(cors),
        None => app,
    };
    app.layer(middleware::from_fn_with_state(guard, guard::check))
        // Outside every early answer (the guard's, auth's, the handlers'), so that each of them
        // reaches a client still sending its body.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            unread::drain_unread,
        ))
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
