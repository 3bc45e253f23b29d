//! `webhooks.*`: where webhooks may go, how they are signed and retried.

use serde::Deserialize;

use super::{List, Network, WebhookSecret};

/// Webhooks: where they may go, how they are signed, how long they are retried.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// `callback_url` of jobs uploaded without one; empty: none.
    pub default_callback_url: String,
    /// Signs the webhooks of jobs made without an API key (Standard Webhooks `whsec_…` form);
    /// jobs made with a key are signed with that key's own secret.
    pub secret: WebhookSecret,
    /// Accept `http://` callback URLs (otherwise only `https://`).
    pub allow_http: bool,
    /// Addresses or CIDR ranges (`127.0.0.1`, `10.0.0.0/8`) that callbacks may reach although
    /// they are loopback, private, link-local or cloud metadata addresses (refused otherwise).
    pub allowed_networks: List<Network>,
    /// How long one attempt may take.
    pub timeout_secs: u64,
    /// Wait before the first retry; it doubles after each failure, with jitter.
    pub retry_base_ms: u64,
    pub max_backoff_secs: u64,
    /// A delivery not done this long after its event is given up.
    pub give_up_after_secs: u64,
    /// Deliveries sent at once by this process.
    pub concurrency: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            default_callback_url: String::new(),
            secret: WebhookSecret::default(),
            allow_http: false,
            allowed_networks: List::default(),
            timeout_secs: 10,
            retry_base_ms: 5000,
            max_backoff_secs: 3600,
            give_up_after_secs: 86_400,
            concurrency: 4,
        }
    }
}
