//! An HTTP(S) stream fed to FFmpeg through a pipe, so that FFmpeg makes no request of its own:
//! a plain stream's body is poured into the pipe as it comes; an HLS playlist is read here
//! ([`super::hls`]) and its segments (the best variant's, after its initialisation section)
//! are fetched one after another and poured in, a live playlist reloaded as it grows. Every
//! request goes through [`super::http::get`]: checked, pinned, redirects checked.
//!
//! The feeder runs on a thread of its own. It ends, closing the pipe (FFmpeg then sees the end
//! of the stream), when the stream ends, when nothing comes for `silence`, when `stop` is set,
//! or when a request is refused or fails; then `failure` says why. FFmpeg closing its end ends
//! it too (the next write fails).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::Url;

use super::hls::{self, Playlist};
use super::http::{self, GetError};
use super::policy::Policy;
use super::{FailureSlot, Refusal, SILENCE};
use crate::jobs::download::source::redact;

/// What bounds a feed.
#[derive(Debug, Clone)]
pub struct FeedLimits {
    pub max_redirects: u32,
    /// Connecting and waiting for an answer.
    pub wait: Duration,
    /// A body that sends nothing, or a live playlist that adds nothing, for this long ends.
    pub silence: Duration,
    pub max_playlist_bytes: u64,
    pub max_segment_bytes: u64,
}

impl FeedLimits {
    pub fn of(config: &crate::config::Config) -> Self {
        let d = &config.downloads;
        Self {
            max_redirects: d.max_redirects,
            wait: Duration::from_secs(d.connect_timeout_secs.max(1)),
            silence: SILENCE,
            max_playlist_bytes: d.max_playlist_bytes,
            max_segment_bytes: config.limits.max_upload_bytes,
        }
    }
}

/// Starts feeding `url` into a new pipe; FFmpeg reads its other end.
pub fn start(
    rt: tokio::runtime::Handle,
    policy: Policy,
    url: Url,
    limits: FeedLimits,
    stop: Arc<AtomicBool>,
    failure: FailureSlot,
) -> std::io::Result<std::io::PipeReader> {
    let (reader, writer) = std::io::pipe()?;
    std::thread::Builder::new()
        .name("emoscope-feed".into())
        .spawn(move || {
            let mut feeder = Feeder {
                rt,
                policy,
                limits,
                stop,
                writer,
            };
            if let Err(Stop::Failed(refusal)) = feeder.run(url) {
                tracing::warn!(error = %refusal.message, "a stream's feed ended");
                if let Ok(mut slot) = failure.lock() {
                    *slot = Some(refusal);
                }
            }
        })?;
    Ok(reader)
}

/// Why feeding stopped early.
enum Stop {
    /// FFmpeg closed its end, or the job was stopped: nothing to report.
    Quiet,
    Failed(Refusal),
}

impl From<GetError> for Stop {
    fn from(e: GetError) -> Self {
        let (not_allowed, message) = match e {
            GetError::Refused(m) => (true, m),
            GetError::Unreachable(m) | GetError::BadRedirect(m) => (false, m),
        };
        Stop::Failed(Refusal {
            not_allowed,
            message,
        })
    }
}

fn failed(message: String) -> Stop {
    Stop::Failed(Refusal {
        not_allowed: false,
        message,
    })
}

struct Feeder {
    rt: tokio::runtime::Handle,
    policy: Policy,
    limits: FeedLimits,
    stop: Arc<AtomicBool>,
    writer: std::io::PipeWriter,
}

type Step = Result<(), Stop>;

impl Feeder {
    fn run(&mut self, url: Url) -> Step {
        let (url, mut response) = self.get(url)?;
        let first = self.chunk(&mut response, &url)?.unwrap_or_default();
        if !first.trim_ascii_start().starts_with(b"#EXTM3U") {
            self.pour(&first)?;
            return self.body(response, &url, first.len() as u64);
        }
        let text = self.rest_of_playlist(response, &url, first)?;
        let (playlist_url, media) = match hls::parse(&text).map_err(failed)? {
            Playlist::Media(media) => (url, media),
            Playlist::Master(variants) => {
                let best = hls::best(&variants).ok_or_else(|| failed("no variant".into()))?;
                let variant = self.join(&url, &best.uri)?;
                let media = self.media_playlist(&variant)?;
                (variant, media)
            }
        };
        self.segments(&playlist_url, media)
    }

    /// Reads a media playlist's segments as they come: all of a finished one, the last three of
    /// a live one and then each one added.
    fn segments(&mut self, playlist: &Url, mut media: hls::Media) -> Step {
        let mut next: Option<u64> = None;
        let mut map_written: Option<Url> = None;
        let mut last_new = Instant::now();
        loop {
            let mut added = false;
            let live_start = media.segments.len().saturating_sub(3);
            for (i, segment) in media.segments.iter().enumerate() {
                let number = media.first_sequence + i as u64;
                let seen = next.is_some_and(|n| number < n);
                if seen || (next.is_none() && !media.ended && i < live_start) {
                    continue;
                }
                if let Some(map) = &media.map {
                    let map = self.join(playlist, map)?;
                    if map_written.as_ref() != Some(&map) {
                        self.segment(&map)?;
                        map_written = Some(map);
                    }
                }
                let url = self.join(playlist, segment)?;
                self.segment(&url)?;
                next = Some(number + 1);
                added = true;
            }
            if media.ended {
                return Ok(());
            }
            if added {
                last_new = Instant::now();
            } else if last_new.elapsed() > self.limits.silence.max(secs(3.0 * media.target_secs)) {
                return Ok(()); // a live stream that stopped growing has ended
            }
            // As players do: reload after a target duration, or half of one when nothing came.
            let wait = if added { 1.0 } else { 0.5 } * media.target_secs;
            self.sleep(secs(wait.clamp(0.5, 10.0)))?;
            media = self.media_playlist(playlist)?;
        }
    }

    fn media_playlist(&mut self, url: &Url) -> Result<hls::Media, Stop> {
        let (url, response) = self.get(url.clone())?;
        let text = self.rest_of_playlist(response, &url, Bytes::new())?;
        match hls::parse(&text).map_err(failed)? {
            Playlist::Media(media) => Ok(media),
            Playlist::Master(_) => Err(failed("a variant playlist lists variants".into())),
        }
    }

    /// A playlist's whole text, up to `max_playlist_bytes`.
    fn rest_of_playlist(
        &mut self,
        mut response: reqwest::Response,
        url: &Url,
        first: Bytes,
    ) -> Result<String, Stop> {
        let mut text = first.to_vec();
        while let Some(chunk) = self.chunk(&mut response, url)? {
            text.extend_from_slice(&chunk);
            if text.len() as u64 > self.limits.max_playlist_bytes {
                return Err(failed(format!(
                    "{}: a playlist larger than {} bytes (downloads.max_playlist_bytes)",
                    redact(url),
                    self.limits.max_playlist_bytes
                )));
            }
        }
        String::from_utf8(text).map_err(|_| failed(format!("{}: not a text playlist", redact(url))))
    }

    /// One segment (or initialisation section) poured into the pipe.
    fn segment(&mut self, url: &Url) -> Step {
        let (url, response) = self.get(url.clone())?;
        self.body(response, &url, 0)
    }

    /// The rest of a body poured into the pipe, within `max_segment_bytes` for a segment.
    fn body(&mut self, mut response: reqwest::Response, url: &Url, mut bytes: u64) -> Step {
        while let Some(chunk) = self.chunk(&mut response, url)? {
            bytes += chunk.len() as u64;
            if bytes > self.limits.max_segment_bytes {
                return Err(failed(format!(
                    "{}: more than {} bytes (limits.max_upload_bytes)",
                    redact(url),
                    self.limits.max_segment_bytes
                )));
            }
            self.pour(&chunk)?;
        }
        Ok(())
    }

    /// A GET through the egress path; a status other than 2xx ends the feed.
    fn get(&mut self, url: Url) -> Result<(Url, reqwest::Response), Stop> {
        self.stopped()?;
        let (max, wait) = (self.limits.max_redirects, self.limits.wait);
        let (url, response) = self.rt.block_on(http::get(&self.policy, url, max, wait))?;
        let status = response.status();
        if !status.is_success() {
            return Err(failed(format!(
                "{} answered HTTP {}",
                redact(&url),
                status.as_u16()
            )));
        }
        Ok((url, response))
    }

    /// The body's next chunk; `None` at its end. Silence past `silence` ends the feed.
    fn chunk(
        &mut self,
        response: &mut reqwest::Response,
        url: &Url,
    ) -> Result<Option<Bytes>, Stop> {
        self.stopped()?;
        let silence = self.limits.silence;
        // The timer is made inside the runtime, which this thread is not.
        let next = self
            .rt
            .block_on(async { tokio::time::timeout(silence, response.chunk()).await });
        match next {
            Err(_) => Err(failed(format!(
                "{} sent nothing for {} s",
                redact(url),
                silence.as_secs()
            ))),
            Ok(Err(e)) => Err(failed(format!("{}: {}", redact(url), e.without_url()))),
            Ok(Ok(chunk)) => Ok(chunk),
        }
    }

    /// A relative or absolute URI from a playlist, checked for its form by the policy (a
    /// `file:` or `data:` URI, or `http` where only `https` is allowed, is refused here).
    fn join(&self, base: &Url, uri: &str) -> Result<Url, Stop> {
        let joined = base
            .join(uri)
            .map_err(|e| failed(format!("{}: a bad URI in the playlist: {e}", redact(base))))?;
        self.policy
            .parse(joined.as_str())
            .map_err(|e| GetError::Refused(format!("a playlist entry: {e}")).into())
    }

    fn pour(&mut self, bytes: &[u8]) -> Step {
        self.writer.write_all(bytes).map_err(|_| Stop::Quiet)
    }

    fn stopped(&self) -> Step {
        match self.stop.load(Ordering::Relaxed) {
            true => Err(Stop::Quiet),
            false => Ok(()),
        }
    }

    /// Sleeps, waking early when stopped.
    fn sleep(&self, total: Duration) -> Step {
        let until = Instant::now() + total;
        while Instant::now() < until {
            self.stopped()?;
            std::thread::sleep(Duration::from_millis(100).min(until - Instant::now()));
        }
        Ok(())
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}
