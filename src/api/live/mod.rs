//! `GET /v1/live`: a live session over a WebSocket, and `POST /v1/live/tickets`: a one-use
//! ticket for a browser to open one. The client sends frames (binary JPEG, PNG or WebP
//! messages) and control messages (text JSON); the server answers each analysed frame, sends
//! the people so far every few seconds, and ends with `ended` (with the job, when kept). The
//! messages are described in the README ("Live analysis") and in the contract (`LiveMessage`).

mod socket;

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use super::jobs::options::SentOptions;
use super::rate::{self, Limit};
use crate::auth::Caller;
use crate::jobs::options::Purpose;
use crate::live::tickets::NoTicket;
use crate::live::{LiveSessions, Place, Refused, tickets};
use crate::pipeline::AnalysisOptions;
use crate::views::live::LiveMessage;

/// Messages waiting to be written to a slow client; past this, frame results are dropped.
const OUTBOX: usize = 32;

/// A client that reads nothing for this long is cut off.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the socket's own queued bytes (pongs) are pushed out when there is no message.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// A session's options: `model`, `detector`, `min_face_px` and `tracking` as for a job;
/// `callback_url` for the webhooks of the job the session may be kept as.
// The contract's: the query is read by name, each value checked as a job's.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct LiveQuery {
    #[param(example = "emonet")]
    model: Option<String>,
    #[param(value_type = Option<crate::views::results::DetectorKind>)]
    detector: Option<String>,
    #[param(minimum = 0, value_type = Option<u32>)]
    min_face_px: Option<String>,
    #[param(value_type = Option<bool>)]
    tracking: Option<String>,
    callback_url: Option<String>,
    /// Keep the session as a job however it ends (otherwise only when its `end` message asks).
    #[param(value_type = Option<bool>)]
    keep: Option<String>,
}

/// A text message from the client.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    /// The client's time for the next binary frame.
    Frame { time_ms: u64 },
    /// No more frames; `keep` stores the session as a job.
    End {
        #[serde(default)]
        keep: bool,
    },
}

/// Opens a live session (WebSocket): frames in, per-person results out.
///
/// Authenticate with `Authorization: Bearer KEY`, or, from a browser, with a ticket from `POST /v1/live/tickets` sent as the subprotocol
/// `emoscope.ticket.TICKET` beside `emoscope`. Send frames as binary messages (JPEG, PNG or
/// WebP, up to `limits.max_live_frame_bytes` and `limits.max_live_frame_pixels`), optionally each
/// after `{"type":"frame","time_ms":N}`; end with `{"type":"end","keep":true}` to store the
/// session as a job. The server sends `ready`, then a `frame` per analysed frame (the latest
/// frame wins: older waiting ones are dropped and counted), a `summary` every
/// `limits.live_summary_secs`, an `error` for a bad frame (the session goes on), and `ended`.
#[utoipa::path(get, path = "/v1/live", tag = "live", params(LiveQuery), responses(
    (status = 101, description = "Switching to the WebSocket protocol; then server messages as `LiveMessage`", body = LiveMessage),
    (status = 400, description = "A bad option (`invalid_option`, `unknown_model`, `invalid_callback_url`), or not a WebSocket request", body = ErrorBody),
    (status = 401, description = "No key, or a ticket that is unknown, used or expired", body = ErrorBody),
    (status = 429, description = "`limits.max_live_sessions` open, or `limits.max_live_sessions_per_key` for this key: `too_many_sessions`", body = ErrorBody),
    (status = 503, description = "This process runs no model (`--api-only`): `live_unavailable`", body = ErrorBody),
))]
pub async fn open_live(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<Vec<(String, String)>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let live = live(&state)?.clone();
    let (options, callback_url, keep) = options(&state, &caller, query).await?;
    let ws = ws.map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidOption,
            "GET /v1/live is a WebSocket: send an upgrade request",
        )
    })?;
    let place = live.admit(&caller).map_err(|r| {
        let message = match r {
            Refused::Full(n) => format!("{n} live sessions are open; try again later"),
            Refused::KeyFull(n) => format!("this key has {n} live sessions open"),
        };
        ApiError::new(ErrorCode::TooManySessions, message).retry_after(5)
    })?;
    // Frames up to twice the limit are read and answered with an error; larger messages close
    // the socket (1009).
    let max_message = usize::try_from(state.config.limits.max_live_frame_bytes)
        .unwrap_or(usize::MAX)
        .saturating_mul(2)
        .saturating_add(64 << 10);
    let session = Session {
        live,
        place,
        caller,
        options,
        callback_url,
        keep,
        shutdown: state.shutdown.clone(),
        store: state.store.clone(),
    };
    Ok(ws
        .protocols(["emoscope"])
        .max_message_size(max_message)
        .max_write_buffer_size(state.config.limits.max_live_write_buffer_bytes)
        .on_upgrade(move |socket| session.serve(socket)))
}

fn live(state: &AppState) -> ApiResult<&LiveSessions> {
    state.live.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::LiveUnavailable,
            "this process runs no model (--api-only); open live sessions at a process with workers",
        )
    })
}

/// The session's options, checked as a job's are.
async fn options(
    state: &AppState,
    caller: &Caller,
    query: Vec<(String, String)>,
) -> ApiResult<(AnalysisOptions, Option<String>, bool)> {
    let mut sent = SentOptions::default();
    let mut keep = false;
    for (name, value) in query {
        if name == "keep" {
            keep = match value.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => {
                    return Err(ApiError::new(
                        ErrorCode::InvalidOption,
                        "keep must be true or false",
                    ));
                }
            };
            continue;
        }
        let known = crate::fields::names::<LiveQuery>();
        if !known.contains(&name.as_str()) {
            let shown: String = name.chars().take(40).collect();
            return Err(ApiError::new(
                ErrorCode::UnknownOption,
                format!(
                    "unknown option {shown:?}; a live session takes {}",
                    known.join(", ")
                ),
            ));
        }
        sent.push(state, &name, &value)?;
    }
    let asked = sent.parse(state)?;
    let (options, _) = super::jobs::options::resolved(state, &asked, Purpose::Live);
    let callback = match asked.callback_url {
        Some(url) => super::jobs::create::callback_url(state, caller, Some(url)).await?,
        None => None,
    };
    Ok((options, callback, keep))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TicketView {
    /// Good once, for `expires_in_secs`, at this server process.
    ticket: String,
    /// The subprotocol to open `/v1/live` with, beside `emoscope`.
    #[schema(example = "emoscope.ticket.3f2a…")]
    protocol: String,
    expires_in_secs: u64,
}

/// A one-use ticket to open a live session from a browser.
///
/// A browser cannot set an `Authorization` header on a WebSocket: it opens one with
/// `new WebSocket(url, ["emoscope", protocol])`.
#[utoipa::path(post, path = "/v1/live/tickets", tag = "live", responses(
    (status = 201, description = "A ticket for the caller's key", body = TicketView),
    (status = 429, description = "This key holds `limits.max_live_tickets_per_key` unused tickets (`too_many_sessions`), or asked for more than `rate_limits.tickets_per_minute` (`rate_limited`)", body = ErrorBody),
    (status = 503, description = "Too many tickets outstanding (`busy`), or no live analysis here (`live_unavailable`)", body = ErrorBody),
))]
pub async fn create_ticket(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<TicketView>)> {
    // Only a process that runs live sessions gives tickets (`live_unavailable` otherwise).
    live(&state)?;
    rate::take(&state, &caller, Limit::Tickets).await?;
    let per_key = state.config.limits.max_live_tickets_per_key;
    let issued = tickets::issue(state.store.as_ref(), &caller, per_key).await?;
    let ticket = issued.map_err(|why| match why {
        NoTicket::Full => {
            ApiError::new(ErrorCode::Busy, "too many live tickets are outstanding").retry_after(5)
        }
        NoTicket::KeyFull(n) => ApiError::new(
            ErrorCode::TooManySessions,
            format!("this key holds {n} unused live tickets (limits.max_live_tickets_per_key); use or let them expire"),
        )
        .retry_after(5),
    })?;
    Ok((
        StatusCode::CREATED,
        Json(TicketView {
            protocol: format!("{}{ticket}", tickets::PROTOCOL_PREFIX),
            ticket,
            expires_in_secs: tickets::TICKET_TTL.as_secs(),
        }),
    ))
}

/// One session, from its upgrade to its end.
struct Session {
    live: LiveSessions,
    /// Its place among the open sessions, given back when the session is dropped.
    #[allow(dead_code)]
    place: Place,
    caller: Caller,
    options: AnalysisOptions,
    callback_url: Option<String>,
    /// Keep the session as a job however it ends.
    keep: bool,
    shutdown: tokio_util::sync::CancellationToken,
    store: Arc<dyn crate::db::Store>,
}
