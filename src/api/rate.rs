//! Per-key rate limits on what costs the server most: uploads, pictures, report requests and
//! live tickets. Token
//! buckets per account (API key, or everyone together without keys) in this process, refilled
//! evenly over a minute; a refusal says when to come back (`Retry-After`).

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::{ApiError, ApiResult, ErrorCode};
use crate::auth::Caller;
use crate::config::RateLimitConfig;

pub struct RateLimits {
    uploads: Option<DefaultKeyedRateLimiter<String>>,
    reports: Option<DefaultKeyedRateLimiter<String>>,
    images: Option<DefaultKeyedRateLimiter<String>>,
    tickets: Option<DefaultKeyedRateLimiter<String>>,
}

fn limiter(per_minute: u32) -> Option<DefaultKeyedRateLimiter<String>> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

impl RateLimits {
    pub fn new(c: &RateLimitConfig) -> Self {
        Self {
            uploads: limiter(c.uploads_per_minute),
            reports: limiter(c.reports_per_minute),
            images: limiter(c.images_per_minute),
            tickets: limiter(c.tickets_per_minute),
        }
    }

    pub fn upload(&self, caller: &Caller) -> ApiResult<()> {
        check(self.uploads.as_ref(), caller, "uploads")
    }

    pub fn report(&self, caller: &Caller) -> ApiResult<()> {
        check(self.reports.as_ref(), caller, "report requests")
    }

    pub fn image(&self, caller: &Caller) -> ApiResult<()> {
        check(self.images.as_ref(), caller, "pictures")
    }

    pub fn ticket(&self, caller: &Caller) -> ApiResult<()> {
        check(self.tickets.as_ref(), caller, "live tickets")
    }
}

fn check(
    limiter: Option<&DefaultKeyedRateLimiter<String>>,
    caller: &Caller,
    what: &str,
) -> ApiResult<()> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    limiter
        .check_key(&caller.account().to_string())
        .map_err(|until| {
            let wait = until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError::new(
                ErrorCode::RateLimited,
                format!("too many {what}; try again in {secs} s"),
            )
            .retry_after(secs)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_bucket() {
        let limits = RateLimits::new(&RateLimitConfig {
            uploads_per_minute: 2,
            reports_per_minute: 0,
            images_per_minute: 0,
            tickets_per_minute: 0,
        });
        let a = Caller::Key {
            id: "a".into(),
            admin: false,
        };
        let b = Caller::Key {
            id: "b".into(),
            admin: false,
        };
        assert!(limits.upload(&a).is_ok() && limits.upload(&a).is_ok());
        let refused = limits.upload(&a).expect_err("third in a minute");
        assert_eq!(refused.code, ErrorCode::RateLimited);
        assert!(refused.retry_after.is_some_and(|s| (1..=30).contains(&s)));
        assert!(limits.upload(&b).is_ok());
        for _ in 0..100 {
            assert!(limits.report(&a).is_ok(), "0 means no limit");
        }
    }
}
