//! `Idempotency-Key`: a client that retries a request (a timeout, a dropped connection) with
//! the same key gets the first request's answer instead of a second job or report. Keys belong
//! to the caller's account and a scope (`job`, or `report:{job id}`), and are forgotten after
//! `limits.idempotency_ttl_secs`. The same key with a different request is refused (422): it is
//! a client's bug, and guessing which request it meant would hide it.

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorCode};
use crate::auth::Caller;
use crate::clock::now_ms;

pub const HEADER: &str = "idempotency-key";
const MAX_KEY_CHARS: usize = 255;

/// The request's `Idempotency-Key`, if it sent one: 1 to 255 printable ASCII characters.
pub fn key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_CHARS)
        .filter(|k| k.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
    key.map(|k| Some(k.to_string())).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidIdempotencyKey,
            format!("Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable ASCII characters"),
        )
    })
}

/// What a request asked for, in a form two retries of it share (not, say, a multipart
/// boundary): the SHA-256 of its parts.
pub fn fingerprint(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// What the first request with a key made: its answer, the resource's id and status, and the
/// fingerprint of what it asked for.
pub struct Made<T> {
    pub value: T,
    pub id: String,
    pub status: StatusCode,
    pub fingerprint: String,
}

/// One request's hold on its idempotency key.
pub struct Idempotency {
    owner: String,
    scope: String,
    key: String,
    /// Whether this request is the first with the key (it makes the resource).
    pub first: bool,
}

impl Idempotency {
    /// Claims the key, or finds that an earlier request holds it.
    pub async fn claim(
        state: &AppState,
        caller: &Caller,
        scope: &str,
        key: String,
    ) -> ApiResult<Self> {
        let now = now_ms();
        let ttl = i64::try_from(
            state
                .config
                .limits
                .idempotency_ttl_secs
                .saturating_mul(1000),
        )
        .unwrap_or(i64::MAX);
        let owner = caller.account().to_string();
        let earlier = state
            .store
            .claim_idempotency(&owner, scope, &key, now, now.saturating_sub(ttl))
            .await?;
        Ok(Self {
            owner,
            scope: scope.to_string(),
            key,
            first: earlier.is_none(),
        })
    }

    /// Records the first request's answer.
    async fn complete(
        &self,
        state: &AppState,
        fingerprint: &str,
        resource_id: &str,
        status: StatusCode,
    ) -> ApiResult<()> {
        state
            .store
            .complete_idempotency(
                &self.owner,
                &self.scope,
                &self.key,
                fingerprint,
                resource_id,
                status.as_u16(),
            )
            .await?;
        Ok(())
    }

    /// Ends the first request: records what it made, or, when it failed, lets the key go so
    /// that a retry may try again.
    pub async fn finish<T>(&self, state: &AppState, made: ApiResult<Made<T>>) -> ApiResult<T> {
        match made {
            Ok(made) => {
                self.complete(state, &made.fingerprint, &made.id, made.status)
                    .await?;
                Ok(made.value)
            }
            Err(e) => {
                self.release(state).await;
                Err(e)
            }
        }
    }

    /// The first request failed: a retry may try again.
    async fn release(&self, state: &AppState) {
        if let Err(e) = state
            .store
            .release_idempotency(&self.owner, &self.scope, &self.key)
            .await
        {
            tracing::warn!(error = %e, "could not release an idempotency key");
        }
    }

    /// A later request: waits (up to `limits.request_timeout_secs`) for the first one's answer
    /// and returns its resource id and status when it asked for the same thing.
    pub async fn replayed(
        &self,
        state: &AppState,
        fingerprint: &str,
    ) -> ApiResult<(String, StatusCode)> {
        let deadline =
            Instant::now() + Duration::from_secs(state.config.limits.request_timeout_secs);
        loop {
            let first = state
                .store
                .idempotent_request(&self.owner, &self.scope, &self.key)
                .await?;
            let Some(first) = first else {
                return Err(ApiError::new(
                    ErrorCode::IdempotencyKeyInUse,
                    "the first request with this Idempotency-Key failed; send the request again",
                ));
            };
            if let (Some(fp), Some(id), Some(status)) =
                (first.fingerprint, first.resource_id, first.status)
            {
                if fp != fingerprint {
                    return Err(ApiError::new(
                        ErrorCode::IdempotencyKeyReused,
                        "this Idempotency-Key was used for a different request",
                    ));
                }
                let status = u16::try_from(status)
                    .ok()
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::OK);
                return Ok((id, status));
            }
            if Instant::now() > deadline {
                return Err(ApiError::new(
                    ErrorCode::IdempotencyKeyInUse,
                    "a request with this Idempotency-Key is still being handled; try again later",
                )
                .retry_after(5));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn keys_are_printable_and_bounded() {
        let mut h = HeaderMap::new();
        assert_eq!(key(&h).expect("none"), None);
        h.insert(HEADER, HeaderValue::from_static("order-42"));
        assert_eq!(key(&h).expect("ok").as_deref(), Some("order-42"));
        h.insert(
            HEADER,
            HeaderValue::from_str(&"x".repeat(256)).expect("header"),
        );
        assert!(key(&h).is_err());
        h.insert(HEADER, HeaderValue::from_static(""));
        assert!(key(&h).is_err());
    }

    #[test]
    fn fingerprints_keep_parts_apart() {
        assert_ne!(fingerprint(&[b"ab", b"c"]), fingerprint(&[b"a", b"bc"]));
        assert_eq!(fingerprint(&[b"ab"]), fingerprint(&[b"ab"]));
    }
}
