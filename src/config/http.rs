//! `auth.*`, `http.*` and `rate_limits.*`: who may call the API, from which pages, how often.

use serde::Deserialize;

use super::{List, Origin};

/// Who may call the API. Keys are made with `emoscope keys create`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Ask for a key on every `/v1` request even before one exists (otherwise keys are asked for
    /// as soon as the first one is made).
    pub require_keys: bool,
    /// Serve without keys on an address other than loopback (anyone who reaches the port can
    /// read and delete every job). Without it such a start is refused while no key exists.
    pub allow_anonymous: bool,
}

/// What browsers may do: the `Host` names served and the other sites allowed to call the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Host names (without port) requests may be addressed to; `*` allows any. Empty: on a
    /// loopback address only `localhost`, `127.0.0.1` and `[::1]`, elsewhere any.
    pub allowed_hosts: List,
    /// Origins (`https://app.example.com`) whose pages may call the API (CORS). Empty: only
    /// pages served by Emoscope itself.
    pub cors_origins: List<Origin>,
}

/// Per API key (or, without keys, for everyone together), across every process that shares the
/// database.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Uploads per minute, in bursts of up to as many; 0: no limit.
    pub uploads_per_minute: u32,
    /// Report requests per minute; 0: no limit.
    pub reports_per_minute: u32,
    /// Pictures (`POST /v1/images`) per minute; 0: no limit.
    pub images_per_minute: u32,
    /// Live tickets (`POST /v1/live/tickets`) per minute; 0: no limit.
    pub tickets_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            uploads_per_minute: 60,
            reports_per_minute: 30,
            images_per_minute: 120,
            tickets_per_minute: 60,
        }
    }
}
