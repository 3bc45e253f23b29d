//! `/v1/jobs` and everything under it.

pub mod annotated;
pub mod cancel;
pub mod create;
pub mod delete;
pub mod deliveries;
pub mod emotions;
pub mod events;
pub mod from_url;
pub mod get;
pub mod list;
pub mod options;
pub mod people;
pub mod receive;
pub mod report;
pub mod so_far;
pub mod stream;
pub mod timeline;
pub mod upload;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::auth::Caller;
use crate::jobs::Job;

/// The `{id}` of every route under `/v1/jobs/{id}`, for the contract.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // Handlers take `Path<String>`; this only documents it.
pub struct JobId {
    /// Job id, as returned by `POST /v1/jobs`
    id: String,
}

/// Loads a job the caller may see, or answers 404: ids that cannot exist, and another key's
/// jobs, are 404 too, so that a caller learns nothing about jobs that are not theirs.
pub async fn load(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Job> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(ApiError::not_found("job"));
    }
    state
        .store
        .get(id)
        .await?
        .filter(|job| caller.sees(job.owner.as_deref()))
        .ok_or_else(|| ApiError::not_found("job"))
}
