//! `GET /v1/jobs/{id}/deliveries`: the job's webhooks and every attempt to send them, so that a
//! caller can see why one did not arrive.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::AppState;
use crate::api::error::{ApiResult, ErrorBody};
use crate::auth::Caller;
use crate::views::job::rfc3339;
use crate::webhooks::{Attempt, Delivery, DeliveryStatus, Event};

/// One webhook event and its attempts.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    /// The `webhook-id` header of every attempt: receivers drop an id they have seen.
    pub id: String,
    pub event: Event,
    /// The report the event is about, for `report.*` events.
    pub report_id: Option<String>,
    pub url: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// When the next attempt is due, while `pending`.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    pub last_error: Option<String>,
    /// Oldest first.
    pub attempt_log: Vec<AttemptView>,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub attempt: u32,
    #[schema(format = DateTime)]
    pub at: String,
    pub duration_ms: u64,
    /// The receiver's HTTP status; `null` when it did not answer.
    pub status_code: Option<u16>,
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
}

impl DeliveryView {
    fn new(d: Delivery, log: Vec<Attempt>) -> Self {
        Self {
            next_attempt_at: (d.status == DeliveryStatus::Pending)
                .then(|| rfc3339(d.next_attempt_at)),
            id: d.id,
            event: d.event,
            report_id: d.report_id,
            url: d.url,
            status: d.status,
            attempts: d.attempts,
            created_at: rfc3339(d.created_at),
            finished_at: d.finished_at.map(rfc3339),
            last_error: d.last_error,
            attempt_log: log
                .into_iter()
                .map(|a| AttemptView {
                    attempt: a.attempt,
                    at: rfc3339(a.at),
                    duration_ms: a.duration_ms,
                    status_code: a.status_code,
                    error: a.error,
                })
                .collect(),
        }
    }
}

/// The job's webhook deliveries, oldest first, with their attempts.
#[utoipa::path(get, path = "/v1/jobs/{id}/deliveries", tag = "jobs", params(super::JobId), responses(
    (status = 200, description = "The deliveries", body = DeliveryList),
    (status = 404, description = "No such job", body = ErrorBody),
))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryList>> {
    super::load(&state, &caller, &id).await?;
    let items = state
        .store
        .deliveries(&id)
        .await?
        .into_iter()
        .map(|(d, log)| DeliveryView::new(d, log))
        .collect();
    Ok(Json(DeliveryList { items }))
}
