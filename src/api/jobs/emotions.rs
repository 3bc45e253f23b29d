use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult};
use crate::jobs::JobStatus;
use crate::pipeline::aggregate::EmotionSummary;

#[derive(Serialize)]
pub struct EmotionsView {
    pub job_id: String,
    pub model: String,
    #[serde(flatten)]
    pub summary: EmotionSummary,
    pub note: &'static str,
}

pub const NOTE: &str = "Shares of facial expressions as classified by a model trained on FER2013; \
    expressions are not a measure of what a person feels and this is not a diagnosis.";

pub async fn get_emotions(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<EmotionsView>> {
    let job = super::load(&state, &id).await?;
    let summary = match (job.status, job.summary) {
        (JobStatus::Succeeded, Some(s)) => s,
        (status, _) => {
            return Err(ApiError::conflict(
                "job_not_succeeded",
                format!(
                    "results exist once the job has succeeded; it is {}",
                    status.as_str()
                ),
            ));
        }
    };
    Ok(Json(EmotionsView {
        job_id: job.id,
        model: job.options.model,
        summary,
        note: NOTE,
    }))
}
