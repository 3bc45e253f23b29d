//! Webhooks: telling the caller that a job or report has ended. The database writes each event
//! as a delivery in the transaction that ends the job or report (triggers in migration 0007);
//! [`deliver`] sends them, signed ([`sign`]), to addresses that [`target`] allows, and retries
//! with backoff until the receiver answers 2xx or `webhooks.give_up_after_secs` has passed.

pub mod deliver;
pub mod sign;
pub mod target;

use serde::Serialize;

/// One event for one receiver; its id is the `webhook-id` of every attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: String,
    pub job_id: String,
    pub report_id: Option<String>,
    /// `job.succeeded`, `job.failed`, `job.canceled`, `report.succeeded`, `report.failed`.
    pub event: String,
    pub url: String,
    pub status: DeliveryStatus,
    /// Attempts made (or being made).
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// An attempt is under way.
    Sending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: no 2xx within `webhooks.give_up_after_secs`, or nothing left to send.
    Failed,
}

impl DeliveryStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "sending" => Self::Sending,
            "delivered" => Self::Delivered,
            _ => Self::Failed,
        }
    }
}

/// One try of a delivery.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub attempt: u32,
    /// When it started, in milliseconds since the Unix epoch.
    pub at: i64,
    pub duration_ms: u64,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    RetryAt(i64),
    GiveUp,
}
