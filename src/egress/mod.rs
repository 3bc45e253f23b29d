//! The one way out to addresses a client chose: video URLs, webhooks and streams. A URL is
//! checked for its form and every address its host resolves to ([`policy`]); the connection
//! goes to the checked address (pinned), and every further request (a redirect, a playlist's
//! variant or segment) is checked the same way. FFmpeg never opens a client's URL itself: a
//! stream reaches it through a pipe ([`feed`], HTTP and HLS) or a loopback relay ([`relay`],
//! RTSP and RTMP), with only the protocols and demuxers that need ([`stream`]).

pub mod feed;
pub mod hls;
pub mod http;
pub mod policy;
pub mod relay;
pub mod stream;

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why the egress path ended a stream before the stream did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The policy refused an address (a segment, a variant, a redirect), not a failure.
    pub not_allowed: bool,
    pub message: String,
}

/// The shared slot a feed or relay leaves its refusal in.
pub type FailureSlot = Arc<Mutex<Option<Refusal>>>;

/// A stream that sends nothing for this long has ended: the feed's reads and FFmpeg's alike.
pub const SILENCE: Duration = Duration::from_secs(10);
