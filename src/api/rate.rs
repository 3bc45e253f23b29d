//! Per-key rate limits on what costs the server most: uploads, pictures, report requests and
//! live tickets. Token buckets per account (API key, or everyone together without keys),
//! refilled evenly over a minute, kept in the database (`db/rates.rs`), so that a limit holds
//! across every API process that shares it; a refusal says when to come back (`Retry-After`).

use super::error::{ApiError, ApiResult, ErrorCode};
use crate::auth::Caller;
use crate::clock::now_ms;
use crate::config::RateLimitConfig;
use crate::db::Store;

pub struct RateLimits {
    per_minute: RateLimitConfig,
}

impl RateLimits {
    pub fn new(c: &RateLimitConfig) -> Self {
        Self {
            per_minute: c.clone(),
        }
    }

    pub async fn upload(&self, store: &dyn Store, caller: &Caller) -> ApiResult<()> {
        let n = self.per_minute.uploads_per_minute;
        take(store, caller, ("uploads", "uploads"), n).await
    }

    pub async fn report(&self, store: &dyn Store, caller: &Caller) -> ApiResult<()> {
        let n = self.per_minute.reports_per_minute;
        take(store, caller, ("reports", "report requests"), n).await
    }

    pub async fn image(&self, store: &dyn Store, caller: &Caller) -> ApiResult<()> {
        let n = self.per_minute.images_per_minute;
        take(store, caller, ("images", "pictures"), n).await
    }

    pub async fn ticket(&self, store: &dyn Store, caller: &Caller) -> ApiResult<()> {
        let n = self.per_minute.tickets_per_minute;
        take(store, caller, ("tickets", "live tickets"), n).await
    }
}

/// Takes one from the caller's bucket of `kind` (its name in the database, and what the
/// refusal calls it), `per_minute` a minute (0: no limit).
async fn take(
    store: &dyn Store,
    caller: &Caller,
    (kind, what): (&str, &str),
    per_minute: u32,
) -> ApiResult<()> {
    if per_minute == 0 {
        return Ok(());
    }
    let interval_ms = (60_000 / i64::from(per_minute)).max(1);
    let wait_ms = store
        .take_token(
            caller.account(),
            kind,
            now_ms(),
            interval_ms,
            i64::from(per_minute),
        )
        .await?;
    match wait_ms {
        None => Ok(()),
        Some(ms) => {
            let secs = (ms as u64).div_ceil(1000).max(1);
            Err(ApiError::new(
                ErrorCode::RateLimited,
                format!("too many {what}; try again in {secs} s"),
            )
            .retry_after(secs))
        }
    }
}
