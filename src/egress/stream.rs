//! A stream's URL turned into what FFmpeg may open: never the URL itself. HTTP(S) and HLS come
//! through a pipe fed by [`super::feed`]; RTSP and RTMP through a [`super::relay`] on loopback.
//! FFmpeg is told which protocols and demuxers it may use for each, so a playlist, a `concat:`
//! or a `file:` inside the stream cannot make it open anything else.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use reqwest::Url;

use super::feed::{self, FeedLimits};
use super::policy::{Policy, Refused};
use super::relay::{self, Relay, Upstream};
use super::{FailureSlot, Refusal};

/// Demuxers FFmpeg may use on a fed stream: containers that hold their media, and open nothing.
const FED_FORMATS: &str = "mpegts,mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,flv";

/// How this process reaches streams.
#[derive(Clone)]
pub struct Streams {
    pub policy: Policy,
    pub limits: FeedLimits,
    pub rt: tokio::runtime::Handle,
}

/// What FFmpeg opens for a stream, and what must live while it reads.
pub struct StreamInput {
    /// A pipe (`pipe:N`) or the relay's loopback URL.
    pub url: String,
    /// FFmpeg's options: the protocols and demuxers it may use.
    pub options: Vec<(&'static str, String)>,
    /// Why the feed or relay stopped the stream early, if it did.
    pub failure: FailureSlot,
    _hold: Hold,
}

enum Hold {
    Pipe(#[allow(dead_code)] std::io::PipeReader),
    Relay(#[allow(dead_code)] Relay),
}

impl StreamInput {
    /// The refusal that ended the stream early, if any.
    pub fn refusal(&self) -> Option<Refusal> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }
}

impl Streams {
    /// The service's way to streams: the download policy and limits.
    pub fn for_service(config: &crate::config::Config, rt: tokio::runtime::Handle) -> Self {
        Self {
            policy: Policy::for_streams(&config.downloads),
            limits: FeedLimits::of(config),
            rt,
        }
    }

    /// The command line's (`emoscope live URL`): the operator names the stream, so any
    /// address is allowed; the connection is still pinned and FFmpeg still reads it through
    /// the pipe or relay.
    pub fn for_operator(config: &crate::config::Config, rt: tokio::runtime::Handle) -> Self {
        let mut downloads = config.downloads.clone();
        downloads.allow_http = true;
        downloads.allowed_networks = "0.0.0.0/0,::/0".parse().unwrap_or_default();
        Self {
            policy: Policy::for_streams(&downloads),
            limits: FeedLimits::of(config),
            rt,
        }
    }

    /// Opens the way to `url` (its form already checked); `stop` ends a feed. Blocks on the
    /// runtime: call it from a thread of its own.
    pub fn open(&self, url: &Url, stop: Arc<AtomicBool>) -> Result<StreamInput, Refusal> {
        let failure = FailureSlot::default();
        let io = |e: std::io::Error| Refusal {
            not_allowed: false,
            message: format!("cannot start reading the stream: {e}"),
        };
        match url.scheme() {
            "http" | "https" => {
                let reader = feed::start(
                    self.rt.clone(),
                    self.policy.clone(),
                    url.clone(),
                    self.limits.clone(),
                    stop,
                    failure.clone(),
                )
                .map_err(io)?;
                Ok(StreamInput {
                    url: format!("pipe:{}", std::os::fd::AsRawFd::as_raw_fd(&reader)),
                    options: vec![
                        ("protocol_whitelist", "pipe".into()),
                        ("format_whitelist", FED_FORMATS.into()),
                    ],
                    failure,
                    _hold: Hold::Pipe(reader),
                })
            }
            scheme @ ("rtsp" | "rtsps" | "rtmp" | "rtmps") => {
                let rtsp = scheme.starts_with("rtsp");
                let tls = uses_tls(scheme);
                let addrs = self.addrs(url)?;
                let upstream = Upstream {
                    addrs,
                    tls_host: tls.then(|| url.host_str().unwrap_or_default().to_string()),
                    rtsp,
                    connect_timeout: self.limits.wait,
                };
                let relay = self
                    .rt
                    .block_on(relay::start(upstream, failure.clone()))
                    .map_err(io)?;
                let (url, options) = through(url, relay.local, rtsp);
                Ok(StreamInput {
                    url,
                    options,
                    failure,
                    _hold: Hold::Relay(relay),
                })
            }
            other => Err(Refusal {
                not_allowed: true,
                message: format!("a stream must be rtsp, rtmp, http or https, not {other}"),
            }),
        }
    }

    /// The host's addresses, every one allowed by the policy.
    fn addrs(&self, url: &Url) -> Result<Vec<SocketAddr>, Refusal> {
        let host = url.host_str().unwrap_or_default();
        let port = url.port().unwrap_or(default_port(url.scheme()));
        let resolved = self
            .rt
            .block_on(self.policy.resolve_host(host, port, "source_url"));
        resolved.map_err(|e| Refusal {
            not_allowed: !matches!(e, Refused::Unresolved(_)),
            message: e.to_string(),
        })
    }
}

/// The schemes a stream may have.
pub const SCHEMES: [&str; 6] = ["http", "https", "rtsp", "rtsps", "rtmp", "rtmps"];

/// Whether `url` is a stream the egress path reads.
pub fn is_stream(url: &Url) -> bool {
    SCHEMES.contains(&url.scheme())
}

/// Whether the scheme asks for TLS (`https`, `rtsps`, `rtmps`).
pub fn uses_tls(scheme: &str) -> bool {
    scheme.ends_with('s')
}

/// A stream scheme's port when the URL names none.
pub fn default_port(scheme: &str) -> u16 {
    match scheme {
        "https" | "rtmps" => 443,
        "rtsps" => 322,
        "http" => 80,
        "rtsp" => 554,
        _ => 1935,
    }
}

/// The URL FFmpeg opens to reach `url` through the relay at `local` (plain: the relay speaks
/// TLS), and its options. RTSP is read over TCP only, so no UDP port is opened to an address the
/// server names; RTMP keeps its original `tcUrl`, which servers read for the application.
fn through(url: &Url, local: SocketAddr, rtsp: bool) -> (String, Vec<(&'static str, String)>) {
    let mut relayed = url.clone();
    let _ = relayed.set_scheme(if rtsp { "rtsp" } else { "rtmp" });
    let _ = relayed.set_ip_host(local.ip());
    let _ = relayed.set_port(Some(local.port()));
    let mut options = vec![
        ("protocol_whitelist", format!("{},tcp", relayed.scheme())),
        (
            "format_whitelist",
            if rtsp { "rtsp" } else { "flv,live_flv" }.into(),
        ),
    ];
    if rtsp {
        options.push(("rtsp_transport", "tcp".into()));
    } else {
        let mut tc = url.clone();
        tc.set_query(None);
        let app = url.path().trim_start_matches('/').split('/').next();
        tc.set_path(app.unwrap_or_default());
        options.push(("rtmp_tcurl", tc.to_string()));
    }
    (relayed.to_string(), options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ffmpeg_opens_the_relay_with_only_the_protocols_the_scheme_needs() {
        let local: SocketAddr = "127.0.0.1:4100".parse().expect("addr");
        let url = Url::parse("rtsps://user:pw@cam.example:8322/live/1?x=1").expect("url");
        let (opened, options) = through(&url, local, true);
        assert_eq!(opened, "rtsp://user:pw@127.0.0.1:4100/live/1?x=1");
        assert!(options.contains(&("protocol_whitelist", "rtsp,tcp".into())));
        assert!(options.contains(&("rtsp_transport", "tcp".into())));
        let url = Url::parse("rtmp://media.example/app/key").expect("url");
        let (opened, options) = through(&url, local, false);
        assert_eq!(opened, "rtmp://127.0.0.1:4100/app/key");
        assert!(options.contains(&("rtmp_tcurl", "rtmp://media.example/app".into())));
        assert!(options.contains(&("protocol_whitelist", "rtmp,tcp".into())));
    }
}
