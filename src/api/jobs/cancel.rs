use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::auth::Caller;
use crate::views::job::JobView;

/// A queued job is canceled at once; a running one stops at its next batch of frames.
#[utoipa::path(post, path = "/v1/jobs/{id}/cancel", tag = "jobs", params(super::JobId), responses(
    (status = 200, description = "Canceled at once (the job was queued)", body = JobView),
    (status = 202, description = "Cancel requested; the running job stops at its next batch of frames", body = JobView),
    (status = 404, description = "No such job", body = ErrorBody),
    (status = 409, description = "The job has already finished (`job_finished`)", body = ErrorBody),
))]
pub async fn cancel_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    let job = super::load(&state, &caller, &id).await?;
    if job.status.is_finished() {
        return Err(ApiError::new(
            ErrorCode::JobFinished,
            format!("the job has already {}", job.status.as_str()),
        ));
    }
    let job = state
        .store
        .request_cancel(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    state.uploads.release(state.store.as_ref(), &job).await;
    let status = if job.status.is_finished() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(job.into())))
}
