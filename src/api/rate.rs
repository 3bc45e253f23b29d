//! Per-key rate limits on what costs the server most: uploads, pictures, report requests and
//! live tickets. Token buckets per account (API key, or everyone together without keys),
//! refilled evenly over a minute, kept in the database (`db/rates.rs`), so that a limit holds
//! across every API process that shares it; a refusal says when to come back (`Retry-After`).

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorCode};
use crate::auth::Caller;
use crate::clock::now_ms;

/// What is limited, each by its `rate_limits.*_per_minute`.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    Uploads,
    Reports,
    Images,
    Tickets,
}

impl Limit {
    /// Its bucket's name in the database, and what a refusal calls it.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Uploads => ("uploads", "uploads"),
            Self::Reports => ("reports", "report requests"),
            Self::Images => ("images", "pictures"),
            Self::Tickets => ("tickets", "live tickets"),
        }
    }
}

/// Takes one from the caller's bucket of `limit` (a limit of 0 takes nothing).
pub async fn take(state: &AppState, caller: &Caller, limit: Limit) -> ApiResult<()> {
    let c = &state.config.rate_limits;
    let per_minute = match limit {
        Limit::Uploads => c.uploads_per_minute,
        Limit::Reports => c.reports_per_minute,
        Limit::Images => c.images_per_minute,
        Limit::Tickets => c.tickets_per_minute,
    };
    if per_minute == 0 {
        return Ok(());
    }
    let (kind, what) = limit.names();
    let interval_ms = (60_000 / i64::from(per_minute)).max(1);
    let wait_ms = state
        .store
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
