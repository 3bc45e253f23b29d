use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::api::query::ApiQuery;
use crate::auth::Caller;
use crate::jobs::JobStatus;
use crate::views::job::JobView;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only jobs with this status.
    #[param(value_type = Option<JobStatus>)]
    pub status: Option<String>,
    /// Page size, 1 to `limits.max_page_size` (1000 by default); default 50.
    #[param(minimum = 1)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(format = Uuid)]
    pub cursor: Option<String>,
}

/// A page of jobs, newest first.
#[derive(Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<JobView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The caller's jobs (an admin key's: all jobs), newest first.
#[utoipa::path(get, path = "/v1/jobs", tag = "jobs", params(ListQuery), responses(
    (status = 200, description = "A page of jobs", body = JobPage),
    (status = 400, description = "Bad `status`, `limit` or `cursor`", body = ErrorBody),
))]
pub async fn list_jobs(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<JobPage>> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(JobStatus::parse(s).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidStatus,
                format!("unknown status {s:?}: use queued, running, succeeded, failed or canceled"),
            )
        })?),
    };
    let max = state.config.limits.max_page_size;
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > max {
        return Err(ApiError::new(
            ErrorCode::InvalidLimit,
            format!("limit must be between 1 and {max}"),
        ));
    }
    if let Some(c) = &q.cursor
        && uuid::Uuid::parse_str(c).is_err()
    {
        return Err(ApiError::new(
            ErrorCode::InvalidCursor,
            "cursor is not one this API gave out",
        ));
    }
    let jobs = state
        .store
        .list(caller.only_owner(), status, q.cursor.as_deref(), limit + 1)
        .await?;
    let more = jobs.len() > limit as usize;
    let items: Vec<JobView> = jobs
        .into_iter()
        .take(limit as usize)
        .map(JobView::from)
        .collect();
    let next_cursor = if more {
        items.last().map(|j| j.id.clone())
    } else {
        None
    };
    Ok(Json(JobPage { items, next_cursor }))
}
