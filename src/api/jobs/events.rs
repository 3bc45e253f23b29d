//! `GET /v1/jobs/{id}/events`: the job as server-sent events, so that a client learns of its
//! progress and its end without polling. The stream reads the job from the database (any process
//! may be running it), sends it whenever it changes, and ends with its final state.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use futures_util::stream;
use tokio::sync::OwnedSemaphorePermit;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::auth::Caller;
use crate::jobs::Job;
use crate::views::job::JobView;

/// One event of the stream, as `text/event-stream` carries it (the contract's schema of each
/// event; the handler writes them with axum's `Event`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct JobEvent {
    /// `job`: the job changed, or `gone`: it was deleted.
    #[schema(pattern = "^(job|gone)$")]
    event: String,
    /// JSON: a `JobView` for `job`, an `ErrorBody` for `gone`.
    data: String,
}

/// How often an open stream looks at its job.
const POLL: Duration = Duration::from_millis(500);

/// Server-sent events: `job` (the job, as `GET /v1/jobs/{id}` returns it) at once and whenever
/// its status or progress changes; the stream ends after the job has finished. `gone` (an error
/// body) if it is deleted meanwhile. The connection is kept alive with comments.
#[utoipa::path(get, path = "/v1/jobs/{id}/events", tag = "jobs", params(super::JobId), responses(
    (status = 200, description = "`text/event-stream`: `event: job` with a JobView as `data`, until the job has finished", content_type = "text/event-stream", body = JobEvent),
    (status = 404, description = "No such job", body = ErrorBody),
    (status = 429, description = "`limits.max_event_streams` streams are open: `too_many_streams`, with `Retry-After`", body = ErrorBody),
))]
pub async fn job_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let job = super::load(&state, &caller, &id).await?;
    let permit = state.streams.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            ErrorCode::TooManyStreams,
            "too many event streams are open; poll the job instead, or try again later",
        )
        .retry_after(5)
    })?;
    let watch = Watch {
        state,
        id,
        first: Some(job),
        last: None,
        done: false,
        _permit: permit,
    };
    Ok(Sse::new(stream::unfold(watch, Watch::next)).keep_alive(KeepAlive::default()))
}

struct Watch {
    state: AppState,
    id: String,
    first: Option<Job>,
    /// What was last sent: status and frames done.
    last: Option<(crate::jobs::JobStatus, u64)>,
    done: bool,
    /// Holds one of `limits.max_event_streams` places while the stream is open.
    _permit: OwnedSemaphorePermit,
}

impl Watch {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        if self.done {
            return None;
        }
        loop {
            let job = match self.first.take() {
                Some(job) => Some(job),
                None => {
                    tokio::select! {
                        () = tokio::time::sleep(POLL) => {}
                        () = self.state.shutdown.cancelled() => return None,
                    }
                    match self.state.store.get(&self.id).await {
                        Ok(job) => job,
                        // A database hiccup: try again at the next tick.
                        Err(e) => {
                            tracing::warn!(error = %e, "event stream cannot read its job");
                            continue;
                        }
                    }
                }
            };
            let Some(job) = job else {
                self.done = true;
                let body = serde_json::json!({"error": {"code": "not_found", "message": "the job was deleted"}});
                return Some((
                    Ok(Event::default().event("gone").data(body.to_string())),
                    self,
                ));
            };
            let now = (job.status, job.progress_done);
            if self.last == Some(now) {
                continue;
            }
            self.last = Some(now);
            self.done = job.status.is_finished();
            let data = serde_json::to_string(&JobView::from(job)).unwrap_or_default();
            return Some((Ok(Event::default().event("job").data(data)), self));
        }
    }
}
