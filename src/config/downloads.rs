//! `downloads.*`: videos and streams fetched from a URL.

use serde::Deserialize;

use super::{List, Network};

/// Videos fetched from a URL (`POST /v1/jobs` with `video_url`). The size, duration and idle
/// limits are an upload's (`limits.*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DownloadConfig {
    /// Accept `http://` video URLs (otherwise only `https://`).
    pub allow_http: bool,
    /// Addresses or CIDR ranges a video URL (or a redirect) may reach although they are
    /// loopback, private, link-local or cloud metadata addresses (refused otherwise).
    pub allowed_networks: List<Network>,
    /// Buckets `s3://bucket/key` URLs may name; they are read with the `storage.*` endpoint,
    /// region and credentials. Empty: `s3://` URLs are refused.
    pub s3_buckets: List,
    /// Redirects followed, each checked like the first URL.
    pub max_redirects: u32,
    /// Tries of a download whose far side answered 5xx (or 408, 429) or timed out.
    pub attempts: u32,
    /// Wait before the second try; it doubles after each.
    pub retry_base_ms: u64,
    /// Connecting and waiting for the answer's headers, per try.
    pub connect_timeout_secs: u64,
    /// A whole download, all tries together.
    pub max_secs: u64,
    /// Downloads at once in this process; more wait their turn (still `downloading`).
    pub concurrency: usize,
    /// Largest HLS playlist a stream job reads (each reload of a live one too).
    pub max_playlist_bytes: u64,
}

impl Default for DownloadConfig {
    fn default() -> Self {
        Self {
            allow_http: false,
            allowed_networks: List::default(),
            s3_buckets: List::default(),
            max_redirects: 5,
            attempts: 3,
            retry_base_ms: 1000,
            connect_timeout_secs: 10,
            max_secs: 1800,
            concurrency: 4,
            max_playlist_bytes: 1 << 20,
        }
    }
}
