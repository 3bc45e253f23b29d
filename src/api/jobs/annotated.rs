//! `GET /v1/jobs/{id}/annotated.mp4`: the annotated video of a job that asked for one, served
//! with Range support so that a browser can seek.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::auth::Caller;
use crate::jobs::JobStatus;

/// The analysed frames with each face's box, person and most likely expression drawn on them
/// (H.264 MP4, at the job's sampling rate). Made only when the job was uploaded with
/// `annotate=true`; deleted with the job.
#[utoipa::path(get, path = "/v1/jobs/{id}/annotated.mp4", tag = "results", params(super::JobId), responses(
    (status = 200, description = "The whole video", content_type = "video/mp4", body = Vec<u8>),
    (status = 206, description = "The byte range asked for with `Range`", content_type = "video/mp4", body = Vec<u8>),
    (status = 404, description = "No such job, or its annotated video was not kept (too large: see the job's warnings)", body = ErrorBody),
    (status = 409, description = "The job has not succeeded (`job_not_succeeded`), or did not ask for an annotated video (`not_annotated`)", body = ErrorBody),
    (status = 416, description = "The range is outside the file: `range_not_satisfiable`", body = ErrorBody),
))]
pub async fn get_annotated(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let job = super::load(&state, &caller, &id).await?;
    if job.status != JobStatus::Succeeded {
        return Err(ApiError::new(
            ErrorCode::JobNotSucceeded,
            format!(
                "the annotated video exists once the job has succeeded; it is {}",
                job.status.as_str()
            ),
        ));
    }
    if !job.options.annotate {
        return Err(ApiError::new(
            ErrorCode::NotAnnotated,
            "this job did not ask for an annotated video (upload with annotate=true)",
        ));
    }
    let path = state.uploads.annotated_path(&job.id);
    if !path.is_file() {
        return Err(ApiError::not_found("annotated video"));
    }
    // Only the headers that ServeFile reads: the range and the conditional ones.
    let mut forward = Request::new(Body::empty());
    for name in [
        "range",
        "if-range",
        "if-modified-since",
        "if-unmodified-since",
    ] {
        if let Some(v) = request.headers().get(name) {
            forward.headers_mut().insert(name, v.clone());
        }
    }
    let served = ServeFile::new_with_mime(&path, &"video/mp4".parse().map_err(ApiError::internal)?)
        .oneshot(forward)
        .await
        .map_err(ApiError::internal)?;
    if served.status() == axum::http::StatusCode::RANGE_NOT_SATISFIABLE {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        return Err(ApiError::new(
            ErrorCode::RangeNotSatisfiable,
            format!("the range is outside the file, which has {size} bytes"),
        ));
    }
    Ok(served.map(Body::new).into_response())
}
