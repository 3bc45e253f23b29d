use axum::Json;
use axum::extract::{Path, State};

use super::view::JobView;
use crate::api::AppState;
use crate::api::error::ApiResult;

pub async fn get_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<JobView>> {
    Ok(Json(super::load(&state, &id).await?.into()))
}
