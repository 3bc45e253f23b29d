use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::auth::Caller;

/// Removes the job, its results and its video. A running job's worker notices and stops.
#[utoipa::path(delete, path = "/v1/jobs/{id}", tag = "jobs", params(super::JobId), responses(
    (status = 204, description = "Deleted, with its results, reports and video"),
    (status = 404, description = "No such job", body = ErrorBody),
))]
pub async fn delete_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    super::load(&state, &caller, &id).await?;
    let job = state
        .store
        .delete(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    // A running job's worker finds the job gone at its next batch and writes nothing more.
    state.uploads.remove(&job.id).await;
    Ok(StatusCode::NO_CONTENT)
}
