//! Webhooks: telling the caller that a job or report has ended. The database writes each event
//! as a delivery in the transaction that ends the job or report (triggers in migration 0007);
//! [`deliver`] sends them, signed ([`sign`]), to addresses that the egress [`Policy`](crate::egress::policy::Policy) allows, and retries
//! with backoff until the receiver answers 2xx or `webhooks.give_up_after_secs` has passed.

pub mod deliver;
pub mod sign;

pub use crate::db::deliveries::{Attempt, Delivery, DeliveryStatus, Event, Outcome};
