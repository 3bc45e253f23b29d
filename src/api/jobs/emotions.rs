use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::auth::Caller;
use crate::jobs::JobStatus;
use crate::views::NOTE;
use crate::views::results::EmotionSummary;

/// The share of each emotion over all classified faces.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "job_id": "019ac6a1-7441-76ea-a89d-2fb3757ceca0", "model": "emonet",
    "percentages": {"angry": 22.37, "disgust": 6.58, "fear": 7.89, "happy": 17.11,
                    "neutral": 17.1, "sad": 10.53, "surprise": 18.42},
    "counts": {"angry": 17, "disgust": 5, "fear": 6, "happy": 13, "neutral": 13, "sad": 8,
               "surprise": 14},
    "dominant": "angry",
    "mean_probabilities": {"angry": 0.2057, "disgust": 0.0693, "fear": 0.1248, "happy": 0.1634,
                           "neutral": 0.1375, "sad": 0.122, "surprise": 0.1773},
    "frames_analyzed": 40, "frames_with_face": 40, "faces_classified": 76,
    "note": NOTE
}))]
pub struct EmotionsView {
    pub job_id: String,
    pub model: String,
    #[serde(flatten)]
    pub summary: EmotionSummary,
    pub note: &'static str,
}

/// The emotion percentages of a succeeded job (or, for a stream still being read, so far).
#[utoipa::path(get, path = "/v1/jobs/{id}/emotions", tag = "results", params(super::JobId), responses(
    (status = 200, description = "Percentages (summing to 100), counts and mean probabilities", body = EmotionsView),
    (status = 404, description = "No such job", body = ErrorBody),
    (status = 409, description = "The job has not succeeded (yet): `job_not_succeeded`; a stream's job answers while it runs, with its results so far", body = ErrorBody),
))]
pub async fn get_emotions(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<EmotionsView>> {
    let job = super::load(&state, &caller, &id).await?;
    let summary = match (job.status, job.summary.clone()) {
        (JobStatus::Succeeded, Some(s)) => s,
        _ if super::so_far::is_live(&job) => super::so_far::so_far(&state, &job).await?.0,
        (status, _) => {
            return Err(ApiError::new(
                ErrorCode::JobNotSucceeded,
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
        summary: summary.into(),
        note: NOTE,
    }))
}
