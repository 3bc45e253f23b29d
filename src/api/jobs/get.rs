use axum::Json;
use axum::extract::{Path, State};

use crate::api::AppState;
use crate::api::error::{ApiResult, ErrorBody};
use crate::auth::Caller;
use crate::views::job::JobView;

/// A job's status, progress, video, options and error.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs", params(super::JobId), responses(
    (status = 200, description = "The job", body = JobView),
    (status = 404, description = "No such job", body = ErrorBody),
))]
pub async fn get_job(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobView>> {
    Ok(Json(super::load(&state, &caller, &id).await?.into()))
}
