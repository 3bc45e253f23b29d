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
