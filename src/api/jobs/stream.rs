//! `POST /v1/jobs` with `{"source_url": …}`: a stream (RTSP, RTMP, HLS, HTTP) followed as it
//! plays by this process (see `jobs/stream.rs`). The URL is checked here like a video URL (its
//! scheme, and every address its host resolves to) so that a bad one is a 400; the stream is
//! then read through the egress path (`egress/stream.rs`), which checks and pins every
//! connection again, the playlist's variants, segments and redirects included.

use axum::response::Response;
use reqwest::Url;

use super::create::{accepted, callback_url, warnings};
use super::options::{SentOptions, display_name, resolved};
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::idempotency::Made;
use crate::auth::Caller;
use crate::egress::policy::MAX_URL_CHARS;
use crate::egress::stream::{default_port, is_stream, uses_tls};
use crate::jobs::download::source::redact;
use crate::jobs::options::Purpose;
use crate::jobs::stream::{self, StreamJob};
use crate::jobs::{JobSource, NewJob};
use crate::live::Refused;
use crate::pipeline::probe::VideoInfo;

/// The stream's URL, if its form and addresses are allowed.
pub(super) async fn check(state: &AppState, raw: &str) -> ApiResult<Url> {
    let bad = |m: String| ApiError::new(ErrorCode::InvalidVideoUrl, m);
    if raw.len() > MAX_URL_CHARS {
        return Err(bad(format!(
            "source_url is longer than {MAX_URL_CHARS} characters"
        )));
    }
    let url = Url::parse(raw.trim()).map_err(|e| bad(format!("source_url is not a URL: {e}")))?;
    if !is_stream(&url) {
        return Err(bad(format!(
            "source_url must be rtsp, rtmp, http or https, not {}",
            url.scheme()
        )));
    }
    if !uses_tls(url.scheme()) && !state.config.downloads.allow_http {
        return Err(bad(format!(
            "source_url uses {} without TLS, which this server does not allow (downloads.allow_http)",
            url.scheme()
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| bad("source_url has no host".into()))?;
    let port = url.port().unwrap_or(default_port(url.scheme()));
    state
        .downloads
        .policy()
        .resolve_host(host, port, "source_url")
        .await
        .map_err(|e| bad(e.to_string()))?;
    Ok(url)
}

/// Stores the job `running`, held by this process, and starts reading the stream.
pub(super) async fn create(
    state: &AppState,
    caller: &Caller,
    url: Url,
    fields: SentOptions,
    fingerprint: String,
) -> ApiResult<Made<Response>> {
    let live = state.live.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::LiveUnavailable,
            "this process runs no model (--api-only); send streams to a process with workers",
        )
    })?;
    let asked = fields.parse(state)?;
    let (options, _) = resolved(state, &asked, Purpose::Stream);
    let callback_url = callback_url(state, caller, asked.callback_url.clone()).await?;
    let place = live.admit(caller).map_err(|r| {
        let n = match r {
            Refused::Full(n) | Refused::KeyFull(n) => n,
        };
        ApiError::new(
            ErrorCode::TooManySessions,
            format!("{n} live sessions or streams are open; try again later"),
        )
        .retry_after(5)
    })?;
    let id = uuid::Uuid::now_v7().to_string();
    let holder = format!("{}-{id}", live.holder);
    let shown = redact(&url);
    let last = url
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let job = NewJob {
        id: id.clone(),
        video_name: asked.filename.or_else(|| display_name(&last)),
        warnings: warnings(state, &options),
        options: options.clone(),
        source: JobSource::Stream {
            shown: shown.clone(),
            reader: holder.clone(),
        },
        video_bytes: 0,
        keep_video: false,
        // Nothing is known of the stream yet.
        video: VideoInfo::unknown("stream"),
        progress_total: 0,
        max_attempts: 1,
        owner: caller.owner().map(str::to_string),
        callback_url,
    };
    let job = state
        .store
        .create(job, 0)
        .await?
        .ok_or_else(|| ApiError::internal("the stream job was not stored"))?;
    let fps = match options.sample_fps {
        f if f > 0.0 => f.min(state.config.limits.max_live_fps),
        _ => state.config.limits.max_live_fps,
    };
    tracing::info!(job = %id, source = %shown, "job made from a stream");
    let stream = StreamJob {
        id: id.clone(),
        url: url.to_string(),
        shown,
        options,
        fps,
        holder,
    };
    stream::start(live, state.store.clone(), place, stream).map_err(ApiError::internal)?;
    let response = accepted(job)?;
    Ok(Made {
        status: response.status(),
        value: response,
        id,
        fingerprint,
    })
}
