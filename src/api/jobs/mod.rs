//! `/v1/jobs` and everything under it.

pub mod annotated;
pub mod cancel;
pub mod create;
pub mod delete;
pub mod emotions;
pub mod get;
pub mod list;
pub mod people;
pub mod report;
pub mod timeline;
pub mod upload;
pub mod view;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::jobs::Job;

/// The `{id}` of every route under `/v1/jobs/{id}`, for the contract.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // Handlers take `Path<String>`; this only documents it.
pub struct JobId {
    /// Job id, as returned by `POST /v1/jobs`
    id: String,
}

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
