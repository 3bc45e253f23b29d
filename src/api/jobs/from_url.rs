//! `POST /v1/jobs` with a JSON body: a job whose video is fetched from `video_url` (see
//! `jobs/download`). The options are an upload's, checked the same way; the job is stored
//! `downloading` and answered at once. The URL is shown redacted everywhere.

use std::time::Duration;

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::create::{accepted, admit, callback_url, query_options, queue_full, warnings};
use super::options::{SentOptions, UploadOptions, display_name, resolved};
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorCode};
use crate::api::idempotency::Made;
use crate::auth::Caller;
use crate::jobs::download::source::Source;
use crate::jobs::options::Purpose;
use crate::jobs::{JobSource, NewJob};
use crate::pipeline::probe::VideoInfo;
use crate::views::results;

/// Largest JSON body: a URL of at most 2048 characters and the options, each capped too.
const MAX_JSON_BYTES: usize = 64 * 1024;

/// A job whose video the server fetches from a URL, or a stream it follows, with the options of
/// an upload (see the query parameters of `POST /v1/jobs`: the same names, meanings and
/// limits). One of `video_url` and `source_url`.
// Only the contract's: the body is read field by field, so that an option's value may be a
// string or a JSON number or boolean, as in a form. Its names are the upload's (a test checks).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct VideoByUrl {
    /// `https://…` (`http://` only where `downloads.allow_http`), fetched by the server: every
    /// address the host resolves to, and every redirect's, must be public or listed in
    /// `downloads.allowed_networks`; or `s3://bucket/key` of a bucket listed in
    /// `downloads.s3_buckets`. A user, password or query in it (a signed link) is used but
    /// never shown: the job shows the URL without them.
    #[schema(example = "https://cdn.example.com/videos/interview.mp4?token=…")]
    video_url: Option<String>,
    /// Instead of `video_url`: a stream to follow as it plays (`rtsp://`, `rtmp://`, an HLS
    /// `https://…m3u8`, `http(s)://`; those without TLS only where `downloads.allow_http`),
    /// checked like `video_url`. The job is `running` at once, read and analysed by the server
    /// process that accepted it (one with workers), `sample_fps` frames a second, until the
    /// stream ends, `limits.max_duration_secs`, or a cancel; its timeline grows as it runs.
    #[schema(example = "rtsp://camera.example.com/stream1")]
    source_url: Option<String>,
    #[schema(minimum = 0, example = 5)]
    sample_fps: Option<f64>,
    #[schema(value_type = Option<results::DetectorKind>)]
    detector: Option<String>,
    #[schema(minimum = 0)]
    min_face_px: Option<u32>,
    model: Option<String>,
    tracking: Option<bool>,
    #[schema(minimum = 0, maximum = 86400000)]
    min_track_ms: Option<u64>,
    #[schema(value_type = Option<results::Focus>)]
    focus: Option<String>,
    annotate: Option<bool>,
    keep_video: Option<bool>,
    /// Name to show for the video; default: the last part of the URL's path.
    filename: Option<String>,
    callback_url: Option<String>,
}

/// Whether the request's body is JSON (a video URL) rather than a video.
pub fn is_json(headers: &HeaderMap) -> bool {
    let content_type = super::receive::content_type(headers);
    content_type.starts_with("application/json")
}

/// What the JSON body names: a video to fetch, or a stream to follow.
enum Target {
    Video(Source),
    Stream(reqwest::Url),
}

/// The URL's target, its options as sent, and what the request asked for (its fingerprint).
async fn read(state: &AppState, request: Request) -> ApiResult<(Target, SentOptions, String)> {
    // Options in the query count too, as for an upload; the body's win.
    let mut fields = query_options(state, &request)?;
    let idle = Duration::from_secs(state.config.limits.upload_idle_secs.max(1));
    let body = tokio::time::timeout(
        idle,
        axum::body::to_bytes(request.into_body(), MAX_JSON_BYTES),
    )
    .await
    .map_err(|_| ApiError::new(ErrorCode::UploadIdle, "the body stopped arriving"))?
    .map_err(|_| {
        ApiError::new(
            ErrorCode::FieldTooLarge,
            format!("the JSON body is longer than {MAX_JSON_BYTES} bytes"),
        )
    })?;
    let object: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&body)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidJson,
                format!("the body is not a JSON object: {e}"),
            )
        })?;
    let mut url: Option<(String, String)> = None;
    for (name, value) in object {
        if name == "video_url" || name == "source_url" {
            let raw = value.as_str().map(str::to_string).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidVideoUrl,
                    format!("{name} must be a string"),
                )
            })?;
            if url.replace((name, raw)).is_some() {
                return Err(ApiError::new(
                    ErrorCode::InvalidVideoUrl,
                    "send either video_url (a video to fetch) or source_url (a stream), not both",
                ));
            }
            continue;
        }
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => {
                if !UploadOptions::names().contains(&name.as_str()) {
                    return Err(super::options::unknown_option(&name));
                }
                return Err(ApiError::new(
                    ErrorCode::InvalidOption,
                    format!("{name} must be a string, a number or true/false"),
                ));
            }
        };
        fields.push(state, &name, &text)?;
    }
    let (name, raw) = url.ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidVideoUrl,
            "the JSON body needs a video_url (a video to fetch) or a source_url (a stream)",
        )
    })?;
    let target = match name.as_str() {
        "source_url" => Target::Stream(super::stream::check(state, &raw).await?),
        _ => Target::Video(
            Source::parse(&raw, state.downloads.policy(), &state.config)
                .map_err(|m| ApiError::new(ErrorCode::InvalidVideoUrl, m))?,
        ),
    };
    let mut digest = Sha256::new();
    digest.update(name.as_bytes());
    digest.update(b"\n");
    digest.update(raw.trim().as_bytes());
    let fingerprint = fields.fingerprint(digest);
    Ok((target, fields, fingerprint))
}

/// What the request asked for, for a retry with the same `Idempotency-Key`.
pub(super) async fn fingerprint(state: &AppState, request: Request) -> ApiResult<String> {
    let (_, fields, fingerprint) = read(state, request).await?;
    fields.parse(state)?;
    Ok(fingerprint)
}

/// Stores the job `downloading` and starts its download.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    request: Request,
) -> ApiResult<Made<Response>> {
    admit(state, caller, None).await?;
    let (target, fields, fingerprint) = read(state, request).await?;
    let source = match target {
        Target::Video(source) => source,
        Target::Stream(url) => {
            return super::stream::create(state, caller, url, fields, fingerprint).await;
        }
    };
    let asked = fields.parse(state)?;
    let (options, keep_video) = resolved(state, &asked, Purpose::Video);
    let callback_url = callback_url(state, caller, asked.callback_url.clone()).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let limits = &state.config.limits;
    let job = NewJob {
        id: id.clone(),
        warnings: warnings(state, &options),
        options,
        video_name: asked
            .filename
            .or_else(|| source.file_name().as_deref().and_then(display_name)),
        video_bytes: 0,
        keep_video,
        // Known once the video is in.
        video: VideoInfo::unknown(""),
        progress_total: 0,
        max_attempts: state.config.queue.max_attempts,
        owner: caller.owner().map(str::to_string),
        callback_url,
        source: JobSource::Url {
            shown: source.shown(),
            downloader: state.downloads.downloader().to_string(),
        },
    };
    let Some(job) = state.store.create(job, limits.max_queued_jobs).await? else {
        return Err(queue_full(limits.max_queued_jobs));
    };
    tracing::info!(job = %id, source = %source.shown(), "job made from a URL; downloading");
    state
        .downloads
        .start(id.clone(), source, job.options.sample_fps);
    let response = accepted(job)?;
    Ok(Made {
        status: response.status(),
        value: response,
        id,
        fingerprint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON body takes the upload's options by their names, and `video_url`.
    #[test]
    fn the_contract_names_the_upload_s_options() {
        let mut expected: Vec<&str> = UploadOptions::names().to_vec();
        expected.push("video_url");
        expected.push("source_url");
        expected.sort();
        let mut documented = crate::fields::names::<VideoByUrl>().to_vec();
        documented.sort();
        assert_eq!(documented, expected);
    }
}
