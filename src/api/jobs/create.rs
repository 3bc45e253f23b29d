//! `POST /v1/jobs`: streams the video to disk (never whole in memory), checks that it is a video
//! within the limits, and queues the job. Every other field a client sends is capped at
//! `limits.max_field_bytes`, and an unknown one is refused before it is read.

use std::path::Path;
use std::time::Duration;

use axum::Json;
use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::upload::{RawVideo, UploadForm, UploadOptions};
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::api::idempotency::{self, Idempotency};
use crate::auth::Caller;
use crate::jobs::uploads::Uploads;
use crate::jobs::{JobStatus, NewJob};
use crate::pipeline::AnalysisOptions;
use crate::pipeline::decode::Sampler;
use crate::pipeline::detect::DetectorKind;
use crate::pipeline::people::Focus;
use crate::pipeline::probe::{self, VideoInfo};
use crate::views::job::JobView;

pub(super) const OPTION_NAMES: [&str; 11] = [
    "sample_fps",
    "detector",
    "min_face_px",
    "model",
    "tracking",
    "min_track_ms",
    "focus",
    "annotate",
    "keep_video",
    "filename",
    "callback_url",
];

/// Longest display name kept for a video, in characters.
const MAX_NAME_CHARS: usize = 255;

/// Uploads a video and queues its analysis. Poll the job at `Location` until it has finished.
/// With an `Idempotency-Key`, a retry of the same upload returns the first one's job.
#[utoipa::path(post, path = "/v1/jobs", tag = "jobs", params(UploadOptions,
        ("Idempotency-Key" = Option<String>, Header, description = "Up to 255 printable ASCII characters. A request with a key this API key used before (within `limits.idempotency_ttl_secs`) is not stored again: it gets the first request's job and status, with `Idempotent-Replayed: true`; with a different video or options it gets 422 `idempotency_key_reused`.")),
    request_body(description = "The video, up to `limits.max_upload_bytes`: any container and codec FFmpeg reads (MP4, WebM, AVI, MOV, MKV…)", content(
        (UploadForm = "multipart/form-data"),
        (RawVideo = "application/octet-stream"),
        (RawVideo = "video/*"),
    )),
    responses(
    (status = 202, description = "Queued", body = JobView,
        headers(("Location" = String, description = "The job's URL"))),
    (status = 400, description = "Bad or unknown option, a field longer than `limits.max_field_bytes` (`field_too_large`), empty video, broken form or upload, a malformed `Idempotency-Key` (`invalid_idempotency_key`), a `callback_url` that is malformed, not https, or resolves to a refused address (`invalid_callback_url`, with the reason)", body = ErrorBody),
    (status = 409, description = "The first request with this `Idempotency-Key` failed, or is still running after `limits.request_timeout_secs`: `idempotency_key_in_use`", body = ErrorBody),
    (status = 408, description = "The body stopped arriving for `limits.upload_idle_secs` (`upload_idle`)", body = ErrorBody),
    (status = 413, description = "Larger than `limits.max_upload_bytes`: `video_too_large`", body = ErrorBody),
    (status = 415, description = "Neither multipart/form-data nor a video/* or application/octet-stream body", body = ErrorBody),
    (status = 422, description = "Not a video FFmpeg can read (`unsupported_video`), too long (`video_too_long`) or frames too large (`frame_too_large`); an `Idempotency-Key` used for a different request (`idempotency_key_reused`)", body = ErrorBody),
    (status = 429, description = "Too many jobs waiting (`limits.max_queued_jobs`): `queue_full`; too many uploads from this key (`rate_limits.uploads_per_minute`): `rate_limited`, with `Retry-After`", body = ErrorBody),
    (status = 503, description = "The media store is unavailable (`store_unavailable`, with `Retry-After`): nothing was stored", body = ErrorBody),
    (status = 507, description = "The server's disk is full (`insufficient_storage`, with `Retry-After`): nothing was stored", body = ErrorBody),
))]
pub async fn create_job(
    State(state): State<AppState>,
    caller: Caller,
    request: Request,
) -> ApiResult<Response> {
    let key = match idempotency::key(request.headers()) {
        Ok(key) => key,
        Err(e) => return Err(refuse_unread(&state, request, e).await),
    };
    let Some(key) = key else {
        return Ok(create(&state, &caller, request).await?.0);
    };
    let claim = match Idempotency::claim(&state, &caller, "job", key).await {
        Ok(claim) => claim,
        Err(e) => return Err(refuse_unread(&state, request, e).await),
    };
    if !claim.first {
        return replay(&state, &caller, &claim, request).await;
    }
    match create(&state, &caller, request).await {
        Ok((response, id, fingerprint)) => {
            claim
                .complete(&state, &fingerprint, &id, response.status())
                .await?;
            Ok(response)
        }
        Err(e) => {
            claim.release(&state).await;
            Err(e)
        }
    }
}

/// A retry of a request whose `Idempotency-Key` an earlier one holds: its body is read (to
/// check that it asks for the same) but not stored, and it gets the first request's job.
async fn replay(
    state: &AppState,
    caller: &Caller,
    claim: &Idempotency,
    request: Request,
) -> ApiResult<Response> {
    let mut fields = query_options(state, &request)?;
    let mut digest = Sha256::new();
    receive(state, request, None, &mut fields, &mut digest).await?;
    let fingerprint = fields.fingerprint(digest);
    let (id, status) = claim.replayed(state, &fingerprint).await?;
    let job = super::load(state, caller, &id).await?;
    let mut response = accepted(job)?;
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    );
    Ok(response)
}

/// Options in the query, checked before the body is read, so a bad request costs no upload.
fn query_options(state: &AppState, request: &Request) -> ApiResult<OptionFields> {
    let mut fields = OptionFields::default();
    if let Some(query) = request.uri().query() {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.to_string()))?;
        for (name, value) in pairs {
            fields.set(state, &name, &value)?;
        }
    }
    Ok(fields)
}

/// What can be refused before the body is read: the key's rate, a full queue, a declared size
/// over the limit. A cheap early refusal; the binding queue check is the atomic one when the
/// job is stored.
async fn admit(state: &AppState, caller: &Caller, declared: Option<u64>) -> ApiResult<()> {
    state.rates.upload(caller)?;
    let limits = &state.config.limits;
    let queued = state.store.count_with_status(JobStatus::Queued).await?;
    if queued >= limits.max_queued_jobs {
        return Err(queue_full(queued));
    }
    if declared.is_some_and(|n| n > limits.max_upload_bytes) {
        return Err(too_large(limits.max_upload_bytes));
    }
    Ok(())
}

/// Answers `error` to a request whose body was not read. A server that closes a connection with
/// unread data in it makes the kernel reset it, and a client still sending then loses the answer
/// (a broken pipe instead of the 429 and its `Retry-After`). So up to
/// `limits.refused_body_drain_bytes` of the body is read and dropped first, within
/// `limits.upload_idle_secs`; a body declared larger than that is not waited for. A client that
/// sent `Expect: 100-continue` has sent no body yet: hyper answers it without asking for one.
async fn refuse_unread(state: &AppState, request: Request, error: ApiError) -> ApiError {
    let limits = &state.config.limits;
    let cap = limits.refused_body_drain_bytes;
    let expects_continue = request
        .headers()
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if cap == 0 || expects_continue || content_length(request.headers()).is_some_and(|n| n > cap) {
        return error;
    }
    let mut body = request.into_body().into_data_stream();
    let drain = async {
        let mut read = 0u64;
        while let Some(Ok(chunk)) = body.next().await {
            read += chunk.len() as u64;
            if read > cap {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(limits.upload_idle_secs), drain).await;
    error
}

/// Stores the upload and queues its job; returns the response, the job's id and what the
/// request asked for (its idempotency fingerprint).
async fn create(
    state: &AppState,
    caller: &Caller,
    request: Request,
) -> ApiResult<(Response, String, String)> {
    let limits = &state.config.limits;
    let declared = content_length(request.headers());
    let admitted = admit(state, caller, declared).await;
    // The options in the query are checked before the body is read too.
    let mut fields = match admitted.and_then(|()| query_options(state, &request)) {
        Ok(fields) => fields,
        Err(e) => return Err(refuse_unread(state, request, e).await),
    };

    let id = uuid::Uuid::now_v7().to_string();
    let mut upload = PendingUpload::new(&state.uploads, &id);
    if let Some(scratch) = upload.partial.parent() {
        tokio::fs::create_dir_all(scratch)
            .await
            .map_err(ApiError::internal)?;
    }
    let mut digest = Sha256::new();
    let (bytes, sent_name) = receive(
        state,
        request,
        Some(&upload.partial),
        &mut fields,
        &mut digest,
    )
    .await?;
    if bytes == 0 {
        return Err(ApiError::new(
            ErrorCode::EmptyVideo,
            "the uploaded video is empty",
        ));
    }
    let fingerprint = fields.fingerprint(digest);
    let sent_callback = fields.callback_url.take();
    let (options, keep_video, name) = fields.resolve(state);
    let info = probe_upload(state, &upload.partial).await?;
    check_video(state, &info)?;
    let callback_url = callback_url(state, caller, sent_callback).await?;

    let mut warnings = Vec::new();
    if state.catalogue.effective_detector(options.detector) != options.detector {
        warnings.push("the YuNet face detector is unavailable on this server; the Haar cascade is used, which misses more faces".into());
    }
    let video_path = upload.commit().await?;
    let job = NewJob {
        id: id.clone(),
        progress_total: Sampler::expected(options.sample_fps, info.fps, info.frame_count),
        options,
        video_name: name.or(sent_name.as_deref().and_then(display_name)),
        video_path,
        video_bytes: bytes,
        keep_video,
        video: info,
        warnings,
        max_attempts: state.config.queue.max_attempts,
        owner: caller.owner().map(str::to_string),
        callback_url,
    };
    let Some(job) = state.store.create(job, limits.max_queued_jobs).await? else {
        return Err(queue_full(limits.max_queued_jobs));
    };
    upload.keep();
    state.wake.notify_waiters();
    tracing::info!(job = %id, bytes, "job queued");
    Ok((accepted(job)?, id, fingerprint))
}

/// The job's callback URL (the one sent, or the server's default), checked: its form, and that
/// its host resolves only to addresses webhooks may go to. Jobs made without a key are signed
/// with the server's secret, so they can have webhooks only when one is configured.
async fn callback_url(
    state: &AppState,
    caller: &Caller,
    sent: Option<String>,
) -> ApiResult<Option<String>> {
    let w = &state.config.webhooks;
    let url = match sent {
        Some(url) if url.is_empty() => return Ok(None),
        Some(url) => url,
        None if w.default_callback_url.is_empty() => return Ok(None),
        None => w.default_callback_url.clone(),
    };
    let bad = |m: String| ApiError::new(ErrorCode::InvalidCallbackUrl, m);
    if caller.owner().is_none() && w.secret.expose().is_none() {
        return Err(bad("webhooks of jobs made without an API key are signed with the server's secret, and none is configured (webhooks.secret)".into()));
    }
    let checked = state.webhooks.check(&url).await.map_err(bad)?;
    Ok(Some(checked.to_string()))
}

fn accepted(job: crate::jobs::Job) -> ApiResult<Response> {
    let location =
        HeaderValue::from_str(&format!("/v1/jobs/{}", job.id)).map_err(ApiError::internal)?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(JobView::from(job)),
    )
        .into_response())
}

/// The body, as multipart or raw, written to `path` (or only read, without one) and hashed into
/// `digest`; returns its size and the file name sent.
async fn receive(
    state: &AppState,
    request: Request,
    path: Option<&Path>,
    fields: &mut OptionFields,
    digest: &mut Sha256,
) -> ApiResult<(u64, Option<String>)> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let limits = &state.config.limits;
    let idle = Duration::from_secs(limits.upload_idle_secs);
    if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(request, state)
            .await
            .map_err(|e| ApiError::new(ErrorCode::InvalidMultipart, e.body_text()))?;
        receive_form(state, multipart, path, fields, digest).await
    } else if content_type.starts_with("video/")
        || content_type.starts_with("application/octet-stream")
    {
        let stream = request
            .into_body()
            .into_data_stream()
            .map(|r| r.map_err(|e| e.to_string()));
        let bytes = write_stream(stream, path, digest, limits.max_upload_bytes, idle).await?;
        Ok((bytes, None))
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the video as multipart/form-data (field `video`) or as a raw body with a video/* content type",
        ))
    }
}

async fn receive_form(
    state: &AppState,
    mut multipart: Multipart,
    path: Option<&Path>,
    fields: &mut OptionFields,
    digest: &mut Sha256,
) -> ApiResult<(u64, Option<String>)> {
    let limits = &state.config.limits;
    let idle = Duration::from_secs(limits.upload_idle_secs);
    let mut got = None;
    // A bad value is answered once the body is in, as a client that sends one expects; only
    // what could cost the server (an unknown field, an oversized one) cuts the upload short.
    let mut bad_value = None;
    loop {
        let next = tokio::time::timeout(idle, multipart.next_field())
            .await
            .map_err(|_| idle_error(idle))?
            .map_err(multipart_error)?;
        let Some(field) = next else { break };
        let name = field.name().unwrap_or("").to_string();
        if name == "video" {
            if got.is_some() {
                return Err(ApiError::new(
                    ErrorCode::InvalidMultipart,
                    "send one `video` field",
                ));
            }
            let file_name = field.file_name().map(str::to_string);
            let stream = field.map(|r| r.map_err(|e| e.body_text()));
            let bytes = write_stream(stream, path, digest, limits.max_upload_bytes, idle).await?;
            got = Some((bytes, file_name));
        } else {
            // The name is checked before a byte of the value is read.
            if !OPTION_NAMES.contains(&name.as_str()) {
                return Err(unknown_option(&name));
            }
            let value = read_small_field(field, limits.max_field_bytes, idle).await?;
            if let Err(e) = fields.set(state, &name, &value) {
                bad_value.get_or_insert(e);
            }
        }
    }
    if let Some(e) = bad_value {
        return Err(e);
    }
    got.ok_or_else(|| {
        ApiError::new(
            ErrorCode::MissingVideo,
            "the form has no `video` file field",
        )
    })
}

/// A text field, refused as soon as it grows past `max` bytes.
async fn read_small_field(mut field: Field<'_>, max: usize, idle: Duration) -> ApiResult<String> {
    let name = field.name().unwrap_or("").to_string();
    let mut value = Vec::new();
    loop {
        let chunk = tokio::time::timeout(idle, field.chunk())
            .await
            .map_err(|_| idle_error(idle))?
            .map_err(multipart_error)?;
        let Some(chunk) = chunk else { break };
        if value.len() + chunk.len() > max {
            return Err(field_too_large(&name, max));
        }
        value.extend_from_slice(&chunk);
    }
    String::from_utf8(value).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidMultipart,
            format!("field {name:?} is not UTF-8 text"),
        )
    })
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorCode::VideoTooLarge,
            "the upload is larger than the limit",
        )
    } else {
        ApiError::new(ErrorCode::InvalidMultipart, e.body_text())
    }
}

/// FFmpeg's look at the upload, a few at a time: each open decoder holds frame buffers, and a
/// burst of uploads must not hold a hundred of them at once.
async fn probe_upload(state: &AppState, path: &Path) -> ApiResult<VideoInfo> {
    let _slot = state
        .probes
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || probe::probe(&path))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::new(ErrorCode::UnsupportedVideo, e.message))
}

/// Longest `min_track_ms` accepted: a day, far past any video the limits allow.
const MAX_MIN_TRACK_MS: u64 = 86_400_000;

fn boolean(name: &str, v: &str) -> ApiResult<bool> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(invalid(format!("{name} must be true or false, not {v:?}"))),
    }
}

/// The job's options as they arrive (query first, then form fields), each parsed once.
#[derive(Default)]
struct OptionFields {
    sample_fps: Option<f64>,
    detector: Option<DetectorKind>,
    min_face_px: Option<u32>,
    model: Option<String>,
    tracking: Option<bool>,
    min_track_ms: Option<u64>,
    focus: Option<Focus>,
    annotate: Option<bool>,
    keep_video: Option<bool>,
    filename: Option<String>,
    /// `Some("")` turns the server's default off.
    callback_url: Option<String>,
    /// Every option as sent, for the request's fingerprint.
    sent: Vec<(String, String)>,
}

impl OptionFields {
    /// Parses one option; an empty value is an error, not a default (`detector=` is more
    /// likely a client's bug).
    fn set(&mut self, state: &AppState, name: &str, value: &str) -> ApiResult<()> {
        let c = &state.config;
        if !OPTION_NAMES.contains(&name) {
            return Err(unknown_option(name));
        }
        if value.len() > c.limits.max_field_bytes {
            return Err(field_too_large(name, c.limits.max_field_bytes));
        }
        let v = value.trim();
        self.sent.push((name.to_string(), v.to_string()));
        match name {
            "sample_fps" => {
                let max = c.limits.max_sample_fps;
                let fps = v
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f >= 0.0 && *f <= max)
                    .ok_or_else(|| invalid(format!("sample_fps must be a number from 0 to {max} (0 analyses every frame), not {v:?}")))?;
                self.sample_fps = Some(fps);
            }
            "detector" => {
                self.detector = Some(v.parse().map_err(invalid)?);
            }
            "min_face_px" => {
                let max = c.limits.max_frame_side;
                let px = v.parse::<u32>().ok().filter(|n| *n <= max).ok_or_else(|| {
                    invalid(format!(
                        "min_face_px must be a whole number from 0 to {max}, not {v:?}"
                    ))
                })?;
                self.min_face_px = Some(px);
            }
            "model" => {
                if v.is_empty() {
                    return Err(invalid("model must name a model listed by /v1/info".into()));
                }
                if !state.catalogue.models.contains_key(v) {
                    let known: Vec<&String> = state.catalogue.models.keys().collect();
                    return Err(ApiError::new(
                        ErrorCode::UnknownModel,
                        format!("no model {v:?}; available: {known:?}"),
                    ));
                }
                self.model = Some(v.to_string());
            }
            "keep_video" => self.keep_video = Some(boolean(name, v)?),
            "tracking" => self.tracking = Some(boolean(name, v)?),
            "annotate" => self.annotate = Some(boolean(name, v)?),
            "min_track_ms" => {
                let max = MAX_MIN_TRACK_MS;
                let ms = v.parse::<u64>().ok().filter(|n| *n <= max).ok_or_else(|| {
                    invalid(format!(
                        "min_track_ms must be a whole number of milliseconds from 0 to {max}, not {v:?}"
                    ))
                })?;
                self.min_track_ms = Some(ms);
            }
            "focus" => self.focus = Some(v.parse().map_err(invalid)?),
            "callback_url" => self.callback_url = Some(v.to_string()),
            _ => {
                let name = display_name(value)
                    .ok_or_else(|| invalid("filename must hold a printable character".into()))?;
                self.filename = Some(name);
            }
        }
        Ok(())
    }

    /// What the request asked for: the video's digest and the options as sent.
    fn fingerprint(&self, video: Sha256) -> String {
        let mut sent = self.sent.clone();
        sent.sort();
        let options: String = sent.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        idempotency::fingerprint(&[&video.finalize(), options.as_bytes()])
    }

    /// The options, the server's defaults where a field was left out.
    fn resolve(self, state: &AppState) -> (AnalysisOptions, bool, Option<String>) {
        let c = &state.config;
        let options = AnalysisOptions {
            sample_fps: self.sample_fps.unwrap_or(c.defaults.sample_fps),
            detector: self.detector.unwrap_or(c.defaults.detector),
            min_face_px: self.min_face_px.unwrap_or(c.defaults.min_face_px),
            model: self
                .model
                .unwrap_or_else(|| state.catalogue.default_model.clone()),
            tracking: self.tracking.unwrap_or(c.defaults.tracking),
            min_track_ms: self.min_track_ms.unwrap_or(c.defaults.min_track_ms),
            focus: self.focus.unwrap_or(c.defaults.focus),
            annotate: self.annotate.unwrap_or(false),
        };
        (
            options,
            self.keep_video.unwrap_or(c.keep_videos),
            self.filename,
        )
    }
}

/// A name safe to store and show: the last path component, without control characters or the
/// invisible marks that reorder text (a right-to-left override can make `exe.mp4` read as
/// `mp4.exe`), at most 255 characters. `None` when nothing printable is left.
pub fn display_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large(max: u64) -> ApiError {
    ApiError::new(
        ErrorCode::VideoTooLarge,
        format!("the upload is larger than the limit of {max} bytes"),
    )
}

fn queue_full(queued: u64) -> ApiError {
    ApiError::new(
        ErrorCode::QueueFull,
        format!("{queued} jobs are waiting; try again later"),
    )
}

fn idle_error(idle: Duration) -> ApiError {
    ApiError::new(
        ErrorCode::UploadIdle,
        format!(
            "the upload sent nothing for {} s and was dropped",
            idle.as_secs()
        ),
    )
}

fn field_too_large(name: &str, max: usize) -> ApiError {
    let shown: String = name.chars().take(40).collect();
    ApiError::new(
        ErrorCode::FieldTooLarge,
        format!("field {shown:?} is longer than {max} bytes"),
    )
}

fn unknown_option(name: &str) -> ApiError {
    let shown: String = name.chars().take(40).collect();
    ApiError::new(
        ErrorCode::UnknownOption,
        format!(
            "unknown option {shown:?}; known: {}",
            OPTION_NAMES.join(", ")
        ),
    )
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidOption, message)
}

fn check_video(state: &AppState, info: &VideoInfo) -> ApiResult<()> {
    let l = &state.config.limits;
    if info.duration_ms as f64 > l.max_duration_secs * 1000.0 {
        return Err(ApiError::new(
            ErrorCode::VideoTooLong,
            format!(
                "the video lasts {:.0} s; the limit is {:.0} s",
                info.duration_ms as f64 / 1000.0,
                l.max_duration_secs
            ),
        ));
    }
    if info.width.max(info.height) > l.max_frame_side {
        return Err(ApiError::new(
            ErrorCode::FrameTooLarge,
            format!(
                "frames are {}×{}; the limit is {} pixels a side",
                info.width, info.height, l.max_frame_side
            ),
        ));
    }
    Ok(())
}

/// Copies a body stream to `path` (or nowhere) and into `digest`, stopping at `max` bytes or
/// after `idle` without a chunk.
async fn write_stream<S, E>(
    mut stream: S,
    path: Option<&Path>,
    digest: &mut Sha256,
    max: u64,
    idle: Duration,
) -> ApiResult<u64>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let sink: Box<dyn tokio::io::AsyncWrite + Unpin + Send> = match path {
        Some(path) => Box::new(
            tokio::fs::File::create(path)
                .await
                .map_err(ApiError::internal)?,
        ),
        None => Box::new(tokio::io::sink()),
    };
    let mut out = tokio::io::BufWriter::with_capacity(64 << 10, sink);
    let mut written = 0u64;
    loop {
        let next = tokio::time::timeout(idle, stream.next())
            .await
            .map_err(|_| idle_error(idle))?;
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                ErrorCode::UploadInterrupted,
                format!("the upload broke off: {e}"),
            )
        })?;
        written += chunk.len() as u64;
        if written > max {
            return Err(too_large(max));
        }
        digest.update(&chunk);
        out.write_all(&chunk).await.map_err(disk_error)?;
    }
    out.flush().await.map_err(disk_error)?;
    Ok(written)
}

/// A full disk is the server's state, not a fault: 507, and the client may try later.
fn disk_error(e: std::io::Error) -> ApiError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        tracing::error!(error = %e, "the scratch disk is full; an upload was refused");
        ApiError::new(
            ErrorCode::InsufficientStorage,
            "the server has no room for this upload now; nothing was stored, try again later",
        )
        .retry_after(60)
    } else {
        ApiError::internal(e)
    }
}

/// An upload that has no job yet: its file, and then its object, are removed when this is
/// dropped, unless the job is stored.
struct PendingUpload {
    uploads: Uploads,
    id: String,
    partial: std::path::PathBuf,
    committed: bool,
    kept: bool,
}

impl PendingUpload {
    fn new(uploads: &Uploads, id: &str) -> Self {
        Self {
            uploads: uploads.clone(),
            id: id.to_string(),
            partial: uploads.partial_path(id),
            committed: false,
            kept: false,
        }
    }

    /// The whole upload, moved into the media store where workers look for it; returns where.
    /// A store that fails leaves nothing behind (an S3 multipart upload is aborted) and answers
    /// 503, so that the client sends it again.
    async fn commit(&mut self) -> ApiResult<String> {
        let location = self
            .uploads
            .commit(&self.id, &self.partial)
            .await
            .map_err(|e| {
                tracing::error!(job = %self.id, error = %e, "cannot store an upload");
                ApiError::new(
                    ErrorCode::StoreUnavailable,
                    "the media store is unavailable; nothing was stored, try again later",
                )
                .retry_after(5)
            })?;
        self.committed = true;
        Ok(location)
    }

    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for PendingUpload {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let _ = std::fs::remove_file(&self.partial);
        if self.committed {
            // The job was refused after its video reached the store; the sweeper would take it
            // after its grace time, this takes it now.
            let (uploads, id) = (self.uploads.clone(), self.id.clone());
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move { uploads.remove(&id).await });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn display_names_are_cleaned() {
        assert_eq!(display_name("talk.mp4").as_deref(), Some("talk.mp4"));
        assert_eq!(
            display_name("C:\\videos\\talk.mp4").as_deref(),
            Some("talk.mp4")
        );
        assert_eq!(display_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(display_name("a\0b\nc\u{7}.mp4").as_deref(), Some("abc.mp4"));
        assert_eq!(
            display_name("invoice\u{202E}4pm.exe").as_deref(),
            Some("invoice4pm.exe")
        );
        assert_eq!(display_name("\u{202E}\0 ").as_deref(), None);
        assert_eq!(
            display_name(&"x".repeat(10_000)).map(|n| n.len()),
            Some(255)
        );
    }
}
