//! `/v1/jobs/{id}/people`: the job's result per person (face track).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::timeline::{PageRequest, TimelineQuery};
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::api::query::ApiQuery;
use crate::auth::Caller;
use crate::jobs::{Job, JobStatus};
use crate::views::NOTE;
use crate::views::results::{Focus, Person};

/// The people of a job, longest on screen first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "job_id": "019ac6a1-7441-76ea-a89d-2fb3757ceca0", "focus": "all", "min_track_ms": 1000,
    "people": [{
        "id": 1, "first_ms": 0, "last_ms": 9800, "first_frame": 0, "last_frame": 294,
        "faces": 50, "screen_ms": 10000, "screen_share": 1.0,
        "percentages": {"angry": 0.0, "disgust": 0.0, "fear": 0.0, "happy": 96.0,
                        "neutral": 4.0, "sad": 0.0, "surprise": 0.0},
        "counts": {"angry": 0, "disgust": 0, "fear": 0, "happy": 48, "neutral": 2, "sad": 0,
                   "surprise": 0},
        "dominant": "happy",
        "mean_probabilities": {"angry": 0.01, "disgust": 0.0, "fear": 0.01, "happy": 0.9,
                               "neutral": 0.06, "sad": 0.01, "surprise": 0.01},
        "representative": {"frame": 120, "time_ms": 4000,
                           "box": {"x": 412, "y": 188, "w": 270, "h": 270}},
        "periods": [{"start_ms": 0, "end_ms": 1000, "faces": 5, "dominant": "happy",
                     "percentages": {"angry": 0.0, "disgust": 0.0, "fear": 0.0, "happy": 100.0,
                                     "neutral": 0.0, "sad": 0.0, "surprise": 0.0}}]
    }],
    "note": NOTE
}))]
pub struct PeopleView {
    pub job_id: String,
    pub focus: Focus,
    /// People seen for less than this were left out.
    pub min_track_ms: u64,
    pub people: Vec<Person>,
    pub note: &'static str,
}

/// The `{person}` of the per-person routes.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // Handlers take `Path<(String, String)>`; this only documents it.
pub struct PersonId {
    /// Job id, as returned by `POST /v1/jobs`
    id: String,
    /// Person id, as listed by `/people` (the faces' `track_id`)
    person: u32,
}

/// A succeeded job that was tracked, or the 409 that says why there are no people.
async fn tracked_job(state: &AppState, caller: &Caller, id: &str) -> ApiResult<Job> {
    let job = super::load(state, caller, id).await?;
    if job.status != JobStatus::Succeeded && !super::so_far::is_live(&job) {
        return Err(ApiError::new(
            ErrorCode::JobNotSucceeded,
            format!(
                "people exist once the job has succeeded; it is {}",
                job.status.as_str()
            ),
        ));
    }
    if !job.options.tracking {
        return Err(ApiError::new(
            ErrorCode::NotTracked,
            "this job was analysed without tracking (tracking=false, or before tracking existed), so it has no people; its overall result is at /emotions",
        ));
    }
    Ok(job)
}

/// One entry per person (face track): when they were seen, for how long, and the share of each
/// expression on their face. The job's `/emotions` still counts every face.
#[utoipa::path(get, path = "/v1/jobs/{id}/people", tag = "results", params(super::JobId), responses(
    (status = 200, description = "People, longest on screen first; for a stream still being read, the people so far (the job's end may join two of them)", body = PeopleView),
    (status = 404, description = "No such job", body = ErrorBody),
    (status = 409, description = "The job has not succeeded (`job_not_succeeded`) or was not tracked (`not_tracked`)", body = ErrorBody),
))]
pub async fn list_people(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<PeopleView>> {
    let job = tracked_job(&state, &caller, &id).await?;
    let people = match super::so_far::is_live(&job) {
        true => super::so_far::so_far(&state, &job).await?.1,
        false => state.store.people(&id).await?,
    };
    Ok(Json(PeopleView {
        job_id: job.id,
        focus: job.options.focus.into(),
        min_track_ms: job.options.min_track_ms,
        people: people.into_iter().map(Into::into).collect(),
        note: NOTE,
    }))
}

/// One person's faces, frame by frame: paginated like the job's timeline, JSON or CSV.
#[utoipa::path(get, path = "/v1/jobs/{id}/people/{person}/timeline", tag = "results", params(PersonId, TimelineQuery), responses(
    (status = 200, description = "The frames that show this person, with only this person's face. CSV has one row per face", content(
        (super::timeline::TimelinePage = "application/json"),
        (String = "text/csv", example = "frame,time_ms,face,x,y,w,h,score,emotion,angry,disgust,fear,happy,neutral,sad,surprise,track_id\n0,0,0,412,188,270,270,0.93,happy,0.01,0,0.01,0.95,0.02,0.01,0,1\n"),
    )),
    (status = 400, description = "Bad `format`, `limit` or `cursor`", body = ErrorBody),
    (status = 404, description = "No such job, or no such person in it", body = ErrorBody),
    (status = 409, description = "The job has not succeeded (`job_not_succeeded`) or was not tracked (`not_tracked`)", body = ErrorBody),
))]
pub async fn get_person_timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, person)): Path<(String, String)>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<Response> {
    let request = PageRequest::parse(&state, &q, &headers)?;
    tracked_job(&state, &caller, &id).await?;
    let not_found = || ApiError::not_found("person");
    let person_id: u32 = person.parse().map_err(|_| not_found())?;
    let person = state
        .store
        .person(&id, person_id)
        .await?
        .ok_or_else(not_found)?;
    request.respond(&state, &id, Some(&person)).await
}
