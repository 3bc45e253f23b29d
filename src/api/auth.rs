//! Who is calling: `Authorization: Bearer KEY` on every `/v1` route once keys are in use (as
//! soon as one exists, or always with `auth.require_keys`). The caller travels with the request
//! as a [`Caller`] for handlers to check ownership: another key's job is 404, not 403, so that
//! ids do not leak.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorCode};
use crate::auth::{Caller, hash_token};
use crate::db::Store;
use crate::live::tickets;

/// Whether keys are asked for. Once a key exists it never stops being asked for (revoking every
/// key does not open the server), so the answer is cached from the first `true`.
#[derive(Clone, Default)]
pub struct KeysInUse {
    seen: Arc<AtomicBool>,
    always: bool,
}

impl KeysInUse {
    pub fn new(always: bool) -> Self {
        Self {
            seen: Arc::default(),
            always,
        }
    }

    pub async fn check(&self, store: &dyn Store) -> ApiResult<bool> {
        if self.always || self.seen.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let any = store.any_key().await?;
        if any {
            self.seen.store(true, Ordering::Relaxed);
        }
        Ok(any)
    }
}

/// Puts the [`Caller`] on every `/v1` request, or answers 401.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !request.uri().path().starts_with("/v1/") {
        return next.run(request).await;
    }
    let who = match live_ticket(&request) {
        Some(ticket) => redeem(&state, &ticket).await,
        None => caller(&state, request.headers()).await,
    };
    match who {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}

/// The ticket of a live session opened with one (a browser's WebSocket, which cannot set
/// `Authorization`); `None` when the request carries no ticket.
fn live_ticket(request: &Request) -> Option<String> {
    if request.uri().path() != "/v1/live" || request.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    crate::live::tickets::from_protocols(request.headers())
}

/// The ticket's caller, once, while its key is still there and not revoked: a ticket dies with
/// its key. Any process that runs live sessions takes one, wherever it was given; one without
/// them refuses it and leaves it unused.
async fn redeem(state: &AppState, ticket: &str) -> ApiResult<Caller> {
    let unknown = || unauthorized("unknown, used or expired live ticket");
    if state.live.is_none() {
        return Err(unknown());
    }
    let Some(key_id) = tickets::redeem(state.store.as_ref(), ticket).await? else {
        return Err(unknown());
    };
    let Some(id) = key_id else {
        return Ok(Caller::Open);
    };
    let keys = state.store.keys().await?;
    match keys.iter().find(|k| k.id == id) {
        Some(key) if key.revoked_at.is_none() => Ok(Caller::Key {
            id,
            admin: key.admin,
        }),
        _ => Err(unauthorized("this live ticket's API key has been revoked")),
    }
}

async fn caller(state: &AppState, headers: &HeaderMap) -> ApiResult<Caller> {
    let Some(token) = bearer(headers)? else {
        return if state.keys.check(state.store.as_ref()).await? {
            Err(unauthorized(
                "this server needs an API key: send `Authorization: Bearer KEY` (keys are made with `emoscope keys create`)",
            ))
        } else {
            Ok(Caller::Open)
        };
    };
    match state.store.key_by_hash(&hash_token(token)).await? {
        Some(key) if key.revoked_at.is_none() => Ok(Caller::Key {
            id: key.id,
            admin: key.admin,
        }),
        Some(_) => Err(unauthorized("this API key has been revoked")),
        None => Err(unauthorized("unknown API key")),
    }
}

/// The token of an `Authorization: Bearer` header; a header of another form is an error, not
/// an anonymous request, so that a client's mistake is told, not silently served open.
pub fn bearer(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty() && t.len() <= 256);
    token
        .map(Some)
        .ok_or_else(|| unauthorized("malformed Authorization header: send `Bearer KEY`"))
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Unauthorized, message)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> ApiResult<Self> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::internal("a /v1 route ran without authentication"))
    }
}
