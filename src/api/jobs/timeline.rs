use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::api::query::ApiQuery;
use crate::auth::Caller;
use crate::jobs::JobStatus;
use crate::pipeline::FrameResult;
use crate::pipeline::aggregate::EMOTIONS;
use crate::pipeline::people::Person;
use crate::pipeline::smooth::smooth;
use crate::views::results;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    /// `json` (default) or `csv`; `Accept: text/csv` also selects CSV.
    #[param(value_type = Option<TimelineFormat>)]
    pub format: Option<String>,
    /// Frames per page, 1 to `limits.max_page_size`; JSON default 100, CSV default all.
    #[param(minimum = 1)]
    pub limit: Option<u32>,
    /// Frame index after which the page starts (`next_cursor` of the previous page).
    #[param(minimum = 0)]
    pub cursor: Option<i64>,
    /// One person's timeline only (JSON): each face also gets `smoothed`, the mean of the
    /// person's probabilities over the faces within half this many milliseconds before and
    /// after it, and its top class. 1 to `limits.max_smooth_ms`; 1000 is a good start.
    #[param(minimum = 1)]
    pub smooth_ms: Option<u32>,
}

/// A page of analysed frames, in video order.
#[derive(Serialize, ToSchema)]
pub struct TimelinePage {
    pub job_id: String,
    pub items: Vec<results::FrameResult>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<u64>,
}

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)] // Only documents the values of `format`.
pub enum TimelineFormat {
    Json,
    Csv,
}

/// Per analysed frame: its time and each face's box, score, emotion and probabilities.
/// JSON is paginated; CSV gives the whole timeline unless `limit` is set.
#[utoipa::path(get, path = "/v1/jobs/{id}/timeline", tag = "results", params(super::JobId, TimelineQuery), responses(
    (status = 200, description = "Analysed frames in video order. CSV has one row per face (a frame without faces has one row with empty face columns)", content(
        (TimelinePage = "application/json"),
        (String = "text/csv", example = "frame,time_ms,face,x,y,w,h,score,emotion,angry,disgust,fear,happy,neutral,sad,surprise,track_id\n0,0,0,412,188,270,270,0.93,happy,0.01,0,0.01,0.95,0.02,0.01,0,1\n"),
    )),
    (status = 400, description = "Bad `format`, `limit` or `cursor`", body = ErrorBody),
    (status = 404, description = "No such job", body = ErrorBody),
    (status = 409, description = "The job is neither running nor succeeded: `job_not_succeeded`", body = ErrorBody),
))]
pub async fn get_timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<Response> {
    let request = PageRequest::parse(&state, &q, &headers)?;
    let job = super::load(&state, &caller, &id).await?;
    if !matches!(job.status, JobStatus::Succeeded | JobStatus::Running) {
        return Err(ApiError::new(
            ErrorCode::JobNotSucceeded,
            format!(
                "the timeline exists while the job runs and once it succeeds; it is {}",
                job.status.as_str()
            ),
        ));
    }
    request.respond(&state, &id, None).await
}

/// What a timeline request asks for, checked before anything is read.
pub struct PageRequest {
    csv: bool,
    cursor: Option<u64>,
    limit: Option<u32>,
    smooth_ms: Option<u64>,
}

impl PageRequest {
    pub fn parse(state: &AppState, q: &TimelineQuery, headers: &HeaderMap) -> ApiResult<Self> {
        let csv = match q.format.as_deref() {
            Some("csv") => true,
            Some("json") => false,
            Some(other) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidFormat,
                    format!("unknown format {other:?}: use json or csv"),
                ));
            }
            None => headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|a| a.contains("text/csv")),
        };
        let max = state.config.limits.max_page_size;
        if q.limit.is_some_and(|l| l == 0 || l > max) {
            return Err(ApiError::new(
                ErrorCode::InvalidLimit,
                format!("limit must be between 1 and {max}"),
            ));
        }
        // Frame indices are stored as SQLite integers: a cursor past i64 was never given out.
        let cursor = match q.cursor {
            None => None,
            Some(c) => Some(u64::try_from(c).map_err(|_| {
                ApiError::new(
                    ErrorCode::InvalidCursor,
                    "cursor must be a frame index from 0",
                )
            })?),
        };
        let max_smooth = state.config.limits.max_smooth_ms;
        if q.smooth_ms
            .is_some_and(|w| w == 0 || u64::from(w) > max_smooth)
        {
            return Err(ApiError::new(
                ErrorCode::InvalidOption,
                format!("smooth_ms must be between 1 and {max_smooth}"),
            ));
        }
        if q.smooth_ms.is_some() && csv {
            return Err(ApiError::new(
                ErrorCode::InvalidOption,
                "smooth_ms is for the JSON timeline; the CSV has each face's own probabilities",
            ));
        }
        Ok(Self {
            csv,
            cursor,
            limit: q.limit,
            smooth_ms: q.smooth_ms.map(u64::from),
        })
    }

    /// The page (JSON) or the rows (CSV) of the job's timeline, or of one person's.
    pub async fn respond(
        self,
        state: &AppState,
        id: &str,
        person: Option<&Person>,
    ) -> ApiResult<Response> {
        if self.csv {
            return csv_response(state, id, person, self.cursor, self.limit).await;
        }
        let limit = self.limit.unwrap_or(100);
        let (items, next_cursor) = match (person, self.smooth_ms) {
            (Some(person), Some(window_ms)) => {
                smoothed_page(state, id, person, self.cursor, limit, window_ms).await?
            }
            (None, Some(_)) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidOption,
                    "smooth_ms is for one person's timeline (/people/{person}/timeline): a person's expression is smoothed over their own faces",
                ));
            }
            _ => {
                let mut frames = frames(state, id, person, self.cursor, limit + 1).await?;
                let more = frames.len() > limit as usize;
                frames.truncate(limit as usize);
                let next = more.then(|| frames.last().map(|f| f.frame)).flatten();
                (frames.into_iter().map(Into::into).collect(), next)
            }
        };
        Ok(Json(TimelinePage {
            job_id: id.to_string(),
            items,
            next_cursor,
        })
        .into_response())
    }
}

/// A page of one person's timeline, each face with its smoothed probabilities. The smoothing
/// needs the faces on either side of the page, so the person's whole timeline is read (at most
/// the job's frames, which its limits bound).
async fn smoothed_page(
    state: &AppState,
    id: &str,
    person: &Person,
    cursor: Option<u64>,
    limit: u32,
    window_ms: u64,
) -> ApiResult<(Vec<results::FrameResult>, Option<u64>)> {
    let mut all = state
        .store
        .person_timeline(id, person, None, u32::MAX)
        .await?;
    // Each frame of a person's timeline holds their face; `smooth` gives one value a face.
    all.retain(|f| !f.faces.is_empty());
    let smoothed = smooth(&all, window_ms);
    let start = all.partition_point(|f| cursor.is_some_and(|c| f.frame <= c));
    let end = (start + limit as usize).min(all.len());
    let next = (end < all.len()).then(|| all[end - 1].frame);
    let items = all[start..end]
        .iter()
        .zip(&smoothed[start..end])
        .map(|(f, s)| {
            let mut view: results::FrameResult = f.clone().into();
            if let Some(face) = view.faces.first_mut() {
                face.smoothed = Some(results::SmoothedView {
                    emotion: s.emotion,
                    probabilities: s.probabilities.into(),
                });
            }
            view
        })
        .collect();
    Ok((items, next))
}

async fn frames(
    state: &AppState,
    id: &str,
    person: Option<&Person>,
    after: Option<u64>,
    limit: u32,
) -> ApiResult<Vec<FrameResult>> {
    Ok(match person {
        Some(p) => state.store.person_timeline(id, p, after, limit).await?,
        None => state.store.timeline(id, after, limit).await?,
    })
}

async fn csv_response(
    state: &AppState,
    id: &str,
    person: Option<&Person>,
    cursor: Option<u64>,
    limit: Option<u32>,
) -> ApiResult<Response> {
    let mut out = String::from("frame,time_ms,face,x,y,w,h,score,emotion");
    for e in EMOTIONS {
        out.push(',');
        out.push_str(e);
    }
    out.push_str(",track_id\n");
    let page = state.config.limits.max_page_size;
    let (mut after, mut left) = (cursor, limit.map(u64::from));
    loop {
        let want = left.map_or(page, |l| l.min(u64::from(page)) as u32);
        if want == 0 {
            break;
        }
        let frames = frames(state, id, person, after, want).await?;
        for f in &frames {
            write_frame(&mut out, f);
        }
        if let Some(l) = &mut left {
            *l -= frames.len() as u64;
        }
        match frames.last() {
            Some(last) if frames.len() == want as usize => after = Some(last.frame),
            _ => break,
        }
    }
    let name = match person {
        Some(p) => format!("{id}-person-{}-timeline.csv", p.id),
        None => format!("{id}-timeline.csv"),
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// One row per face; a frame without faces still gets a row, with the face columns empty.
fn write_frame(out: &mut String, f: &FrameResult) {
    use std::fmt::Write;
    if f.faces.is_empty() {
        let _ = writeln!(
            out,
            "{},{},,,,,,,{},",
            f.frame,
            f.time_ms,
            ",".repeat(EMOTIONS.len() - 1)
        );
        return;
    }
    for (i, face) in f.faces.iter().enumerate() {
        let b = face.bbox;
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            f.frame, f.time_ms, i, b.x, b.y, b.w, b.h, face.score, face.emotion
        );
        for p in face.probabilities.to_array() {
            let _ = write!(out, ",{p}");
        }
        match face.track_id {
            Some(t) => {
                let _ = writeln!(out, ",{t}");
            }
            None => out.push_str(",\n"),
        }
    }
}
