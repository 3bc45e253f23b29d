//! `/v1/jobs` and everything under it.

pub mod cancel;
pub mod create;
pub mod delete;
pub mod emotions;
pub mod get;
pub mod list;
pub mod report;
pub mod timeline;
pub mod view;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::jobs::Job;

/// Loads a job or answers 404; ids that cannot exist are 404 too.
pub async fn load(state: &AppState, id: &str) -> ApiResult<Job> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(ApiError::not_found("job"));
    }
    state
        .store
        .get(id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))
}
