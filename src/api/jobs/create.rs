//! `POST /v1/jobs`: the upload's options and body (`options.rs`, `receive.rs`), a check that it
//! is a video within the limits, the video into the media store, and the job queued; with an
//! `Idempotency-Key`, a retry gets the first request's job.

use std::path::Path;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::from_url;
use super::options::UploadOptions;
use super::options::{SentOptions, resolved};
use super::receive::{receive, too_large};
use super::upload::{RawVideo, UploadForm};
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::api::idempotency::{self, Idempotency, Made};
use crate::api::rate::{self, Limit};
use crate::api::unread::content_length;
use crate::auth::Caller;
use crate::jobs::options::Purpose;
use crate::jobs::{JobSource, JobStatus, NewJob};
use crate::pipeline::decode::Sampler;
use crate::pipeline::probe::{self, OverLimit, VideoInfo};
use crate::views::job::JobView;

/// Uploads a video and queues its analysis, or, with a JSON body, fetches the video from a URL
/// first (the job is `downloading` until its video is in, then `queued`; a failed download
/// fails it with `download_failed`, `too_large`, `not_a_video`, `video_too_long`,
/// `frame_too_large` or `target_not_allowed`). Poll the job at `Location` until it has
/// finished. With an `Idempotency-Key`, a retry of the same request returns the first one's job.
#[utoipa::path(post, path = "/v1/jobs", tag = "jobs", params(UploadOptions,
        ("Idempotency-Key" = Option<String>, Header, description = "Up to 255 printable ASCII characters. A request with a key this API key used before (within `limits.idempotency_ttl_secs`) is not stored again: it gets the first request's job and status, with `Idempotent-Replayed: true`; with a different video or options it gets 422 `idempotency_key_reused`.")),
    request_body(description = "The video, up to `limits.max_upload_bytes`: any container and codec FFmpeg reads (MP4, WebM, AVI, MOV, MKV…)", content(
        (UploadForm = "multipart/form-data"),
        (RawVideo = "application/octet-stream"),
        (RawVideo = "video/*"),
        (from_url::VideoByUrl = "application/json"),
    )),
    responses(
    (status = 202, description = "Queued, or `downloading` (a video URL)", body = JobView,
        headers(("Location" = String, description = "The job's URL"))),
    (status = 400, description = "Bad or unknown option, a field longer than `limits.max_field_bytes` (`field_too_large`), empty video, broken form or upload, a malformed `Idempotency-Key` (`invalid_idempotency_key`), a `callback_url` that is malformed, not https, or resolves to a refused address (`invalid_callback_url`, with the reason); a `video_url` that is missing, malformed, not https, or names a bucket not allowed (`invalid_video_url`); a JSON body that is not an object (`invalid_json`)", body = ErrorBody),
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
    let Some(key) = idempotency::key(request.headers())? else {
        return Ok(made(&state, &caller, request).await?.value);
    };
    let claim = Idempotency::claim(&state, &caller, "job", key).await?;
    if !claim.first {
        return replay(&state, &caller, &claim, request).await;
    }
    claim
        .finish(&state, made(&state, &caller, request).await)
        .await
}

/// A job from an uploaded video, or from a video URL (a JSON body).
async fn made(state: &AppState, caller: &Caller, request: Request) -> ApiResult<Made<Response>> {
    if from_url::is_json(request.headers()) {
        from_url::create(state, caller, request).await
    } else {
        create(state, caller, request).await
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
    let fingerprint = if from_url::is_json(request.headers()) {
        from_url::fingerprint(state, request).await?
    } else {
        let mut fields = query_options(state, &request)?;
        let mut digest = Sha256::new();
        receive(state, request, None, &mut fields, &mut digest).await?;
        fields.fingerprint(digest)
    };
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
pub(super) fn query_options(state: &AppState, request: &Request) -> ApiResult<SentOptions> {
    let mut fields = SentOptions::default();
    if let Some(query) = request.uri().query() {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|e| ApiError::new(ErrorCode::InvalidQuery, e.to_string()))?;
        for (name, value) in pairs {
            fields.push(state, &name, &value)?;
        }
        fields.parse(state)?;
    }
    Ok(fields)
}

/// What can be refused before the body is read: the key's rate, a full queue, a declared size
/// over the limit. A cheap early refusal; the binding queue check is the atomic one when the
/// job is stored.
pub(super) async fn admit(
    state: &AppState,
    caller: &Caller,
    declared: Option<u64>,
) -> ApiResult<()> {
    rate::take(state, caller, Limit::Uploads).await?;
    let limits = &state.config.limits;
    // Jobs still downloading will be queued soon: they take places too.
    let queued = state.store.count_with_status(JobStatus::Queued).await?
        + state
            .store
            .count_with_status(JobStatus::Downloading)
            .await?;
    if queued >= limits.max_queued_jobs {
        return Err(queue_full(queued));
    }
    if declared.is_some_and(|n| n > limits.max_upload_bytes) {
        return Err(too_large(limits.max_upload_bytes));
    }
    Ok(())
}

/// Stores the upload and queues its job; answers with the job, its id and what the request
/// asked for (its idempotency fingerprint).
async fn create(state: &AppState, caller: &Caller, request: Request) -> ApiResult<Made<Response>> {
    let limits = &state.config.limits;
    admit(state, caller, content_length(request.headers())).await?;
    // The options in the query are checked before the body is read too.
    let mut fields = query_options(state, &request)?;
    let id = uuid::Uuid::now_v7().to_string();
    let mut upload = state.uploads.incoming(&id);
    if let Some(scratch) = upload.path.parent() {
        tokio::fs::create_dir_all(scratch)
            .await
            .map_err(ApiError::internal)?;
    }
    let mut digest = Sha256::new();
    let (bytes, sent_name) =
        receive(state, request, Some(&upload.path), &mut fields, &mut digest).await?;
    if bytes == 0 {
        return Err(ApiError::new(
            ErrorCode::EmptyVideo,
            "the uploaded video is empty",
        ));
    }
    // A bad value is answered once the body is in, as a client that sends one expects.
    let asked = fields.parse(state)?;
    let fingerprint = fields.fingerprint(digest);
    let (options, keep_video) = resolved(state, &asked, Purpose::Video);
    let info = probe_upload(state, &upload.path).await?;
    check_video(state, &info)?;
    let callback_url = callback_url(state, caller, asked.callback_url).await?;
    let warnings = warnings(state, &options);
    let video_path = upload.commit().await.map_err(|e| {
        tracing::error!(job = %id, error = %e, "cannot store an upload");
        ApiError::new(
            ErrorCode::StoreUnavailable,
            "the media store is unavailable; nothing was stored, try again later",
        )
        .retry_after(5)
    })?;
    let job = NewJob {
        id: id.clone(),
        progress_total: Sampler::expected(options.sample_fps, info.fps, info.frame_count),
        options,
        video_name: asked
            .filename
            .or(sent_name.as_deref().and_then(super::options::display_name)),
        source: JobSource::Upload { video_path },
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
    let response = accepted(job)?;
    Ok(Made {
        status: response.status(),
        value: response,
        id,
        fingerprint,
    })
}

/// What makes the job's result less reliable, known before it runs.
pub(super) fn warnings(
    state: &AppState,
    options: &crate::pipeline::AnalysisOptions,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if state.catalogue.effective_detector(options.detector) != options.detector {
        warnings.push("the YuNet face detector is unavailable on this server; the Haar cascade is used, which misses more faces".into());
    }
    warnings
}

/// The job's callback URL (the one sent, or the server's default), checked: its form, and that
/// its host resolves only to addresses webhooks may go to. Jobs made without a key are signed
/// with the server's secret, so they can have webhooks only when one is configured.
pub(crate) async fn callback_url(
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
    let checked = state
        .webhooks
        .check(&url)
        .await
        .map_err(|e| bad(e.to_string()))?;
    Ok(Some(checked.to_string()))
}

pub(super) fn accepted(job: crate::jobs::Job) -> ApiResult<Response> {
    let location =
        HeaderValue::from_str(&format!("/v1/jobs/{}", job.id)).map_err(ApiError::internal)?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(JobView::from(job)),
    )
        .into_response())
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

pub(super) fn check_video(state: &AppState, info: &VideoInfo) -> ApiResult<()> {
    probe::within_limits(&state.config.limits, info).map_err(|over| match over {
        OverLimit::TooLong(m) => ApiError::new(ErrorCode::VideoTooLong, m),
        OverLimit::FrameTooLarge(m) => ApiError::new(ErrorCode::FrameTooLarge, m),
    })
}

pub(super) fn queue_full(queued: u64) -> ApiError {
    ApiError::new(
        ErrorCode::QueueFull,
        format!("{queued} jobs are waiting; try again later"),
    )
}
