//! `POST /v1/jobs`: streams the video to disk (never whole in memory), checks that it is a video
//! within the limits, and queues the job.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use super::upload::{RawVideo, UploadForm, UploadOptions};
use super::view::JobView;
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::jobs::{JobStatus, NewJob};
use crate::pipeline::AnalysisOptions;
use crate::pipeline::decode::Sampler;
use crate::pipeline::detect::DetectorKind;
use crate::pipeline::probe::{self, VideoInfo};

pub(super) const OPTION_NAMES: [&str; 6] = [
    "sample_fps",
    "detector",
    "min_face_px",
    "model",
    "keep_video",
    "filename",
];

/// Uploads a video and queues its analysis. Poll the job at `Location` until it has finished.
#[utoipa::path(post, path = "/v1/jobs", tag = "jobs", params(UploadOptions),
    request_body(description = "The video, up to `limits.max_upload_bytes`: any container and codec FFmpeg reads (MP4, WebM, AVI, MOV, MKV…)", content(
        (UploadForm = "multipart/form-data"),
        (RawVideo = "application/octet-stream"),
        (RawVideo = "video/*"),
    )),
    responses(
    (status = 202, description = "Queued", body = JobView,
        headers(("Location" = String, description = "The job's URL"))),
    (status = 400, description = "Bad or unknown option, empty video, broken form or upload", body = ErrorBody),
    (status = 413, description = "Larger than `limits.max_upload_bytes`: `video_too_large`", body = ErrorBody),
    (status = 415, description = "Neither multipart/form-data nor a video/* or application/octet-stream body", body = ErrorBody),
    (status = 422, description = "Not a video FFmpeg can read (`unsupported_video`), too long (`video_too_long`) or frames too large (`frame_too_large`)", body = ErrorBody),
    (status = 429, description = "Too many jobs waiting (`limits.max_queued_jobs`): `queue_full`", body = ErrorBody),
))]
pub async fn create_job(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let limits = &state.config.limits;
    let queued = state.store.count_with_status(JobStatus::Queued).await?;
    if queued >= limits.max_queued_jobs {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "queue_full",
            format!("{queued} jobs are waiting; try again later"),
        ));
    }
    if let Some(len) = content_length(request.headers()) {
        if len > limits.max_upload_bytes {
            return Err(too_large(limits.max_upload_bytes));
        }
    }
    let mut fields: HashMap<String, String> = match request.uri().query() {
        Some(q) => serde_urlencoded::from_str(q)
            .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?,
        None => HashMap::new(),
    };
    check_names(&fields)?;
    // Options in the query are checked before the body is read, so a bad request costs no upload.
    parse_options(&state, &fields)?;

    let id = uuid::Uuid::now_v7().to_string();
    let dir = state.config.uploads_dir();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(ApiError::internal)?;
    let upload = Upload::new(dir.join(format!("{id}.video")));

    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (bytes, file_name) = if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
        let mut got = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?
        {
            let name = field.name().unwrap_or("").to_string();
            if name == "video" {
                if got.is_some() {
                    return Err(ApiError::bad_request(
                        "invalid_multipart",
                        "send one `video` field",
                    ));
                }
                let file_name = field.file_name().map(str::to_string);
                let stream = field.map(|r| r.map_err(|e| e.body_text()));
                got = Some((
                    write_stream(stream, &upload.path, limits.max_upload_bytes).await?,
                    file_name,
                ));
            } else {
                let value = field
                    .text()
                    .await
                    .map_err(|e| ApiError::bad_request("invalid_multipart", e.body_text()))?;
                if !OPTION_NAMES.contains(&name.as_str()) {
                    return Err(unknown_option(&name));
                }
                fields.insert(name, value);
            }
        }
        got.ok_or_else(|| {
            ApiError::bad_request("missing_video", "the form has no `video` file field")
        })?
    } else if content_type.starts_with("video/")
        || content_type.starts_with("application/octet-stream")
    {
        let stream = request
            .into_body()
            .into_data_stream()
            .map(|r| r.map_err(|e| e.to_string()));
        (
            write_stream(stream, &upload.path, limits.max_upload_bytes).await?,
            None,
        )
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the video as multipart/form-data (field `video`) or as a raw body with a video/* content type",
        ));
    };
    if bytes == 0 {
        return Err(ApiError::bad_request(
            "empty_video",
            "the uploaded video is empty",
        ));
    }
    let (options, keep_video) = parse_options(&state, &fields)?;
    let file_name = fields
        .get("filename")
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .or(file_name);

    let path = upload.path.clone();
    let info = tokio::task::spawn_blocking(move || probe::probe(&path))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unsupported_video",
                e.message,
            )
        })?;
    check_video(&state, &info)?;

    let mut warnings = Vec::new();
    if state.engine.effective_detector(options.detector) != options.detector {
        warnings.push("the YuNet face detector is unavailable on this server; the Haar cascade is used, which misses more faces".into());
    }
    let job = state
        .store
        .create(NewJob {
            id: id.clone(),
            progress_total: Sampler::expected(options.sample_fps, info.fps, info.frame_count),
            options,
            video_name: file_name,
            video_path: upload.path.to_string_lossy().into_owned(),
            video_bytes: bytes,
            keep_video,
            video: info,
            warnings,
            max_attempts: state.config.queue.max_attempts,
        })
        .await?;
    upload.keep();
    state.wake.notify_waiters();
    tracing::info!(job = %id, bytes, "job queued");
    let location = HeaderValue::from_str(&format!("/v1/jobs/{id}")).map_err(ApiError::internal)?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(JobView::from(job)),
    )
        .into_response())
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
        StatusCode::PAYLOAD_TOO_LARGE,
        "video_too_large",
        format!("the upload is larger than the limit of {max} bytes"),
    )
}

fn unknown_option(name: &str) -> ApiError {
    ApiError::bad_request(
        "unknown_option",
        format!(
            "unknown option {name:?}; known: {}",
            OPTION_NAMES.join(", ")
        ),
    )
}

fn check_names(fields: &HashMap<String, String>) -> ApiResult<()> {
    match fields.keys().find(|k| !OPTION_NAMES.contains(&k.as_str())) {
        Some(k) => Err(unknown_option(k)),
        None => Ok(()),
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request("invalid_option", message)
}

/// The job's options from query and form fields, falling back to the configured defaults.
fn parse_options(
    state: &AppState,
    fields: &HashMap<String, String>,
) -> ApiResult<(AnalysisOptions, bool)> {
    let c = &state.config;
    // An empty value is an error, not a default: `detector=` is more likely a client's bug.
    let get = |k: &str| fields.get(k).map(|v| v.trim());
    let max_fps = c.limits.max_sample_fps;
    let sample_fps = match get("sample_fps") {
        None => c.defaults.sample_fps,
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f <= max_fps)
            .ok_or_else(|| invalid(format!("sample_fps must be a number from 0 to {max_fps} (0 analyses every frame), not {v:?}")))?,
    };
    let detector_name = get("detector").unwrap_or(&c.defaults.detector);
    let detector = DetectorKind::parse(detector_name).ok_or_else(|| {
        invalid(format!(
            "detector must be yunet or haar, not {detector_name:?}"
        ))
    })?;
    let max_side = c.limits.max_frame_side;
    let min_face_px = match get("min_face_px") {
        None => c.defaults.min_face_px,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= max_side)
            .ok_or_else(|| {
                invalid(format!(
                    "min_face_px must be a whole number from 0 to {max_side}, not {v:?}"
                ))
            })?,
    };
    let model = match get("model") {
        None | Some("") => state.engine.default_model.clone(),
        Some(m) if state.engine.models.contains_key(m) => m.to_string(),
        Some(m) => {
            let known: Vec<&String> = state.engine.models.keys().collect();
            return Err(ApiError::bad_request(
                "unknown_model",
                format!("no model {m:?}; available: {known:?}"),
            ));
        }
    };
    let keep_video = match get("keep_video") {
        None => c.keep_videos,
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(v) => {
            return Err(invalid(format!(
                "keep_video must be true or false, not {v:?}"
            )));
        }
    };
    Ok((
        AnalysisOptions {
            sample_fps,
            detector,
            min_face_px,
            model,
        },
        keep_video,
    ))
}

fn check_video(state: &AppState, info: &VideoInfo) -> ApiResult<()> {
    let l = &state.config.limits;
    let unprocessable =
        |code, msg: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, msg);
    if info.duration_ms as f64 > l.max_duration_secs * 1000.0 {
        return Err(unprocessable(
            "video_too_long",
            format!(
                "the video lasts {:.0} s; the limit is {:.0} s",
                info.duration_ms as f64 / 1000.0,
                l.max_duration_secs
            ),
        ));
    }
    if info.width.max(info.height) > l.max_frame_side {
        return Err(unprocessable(
            "frame_too_large",
            format!(
                "frames are {}×{}; the limit is {} pixels a side",
                info.width, info.height, l.max_frame_side
            ),
        ));
    }
    Ok(())
}

/// Copies a body stream to `path`, stopping at `max` bytes.
async fn write_stream<S, E>(mut stream: S, path: &Path, max: u64) -> ApiResult<u64>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let file = tokio::fs::File::create(path)
        .await
        .map_err(ApiError::internal)?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let mut written = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request("upload_interrupted", format!("the upload broke off: {e}"))
        })?;
        written += chunk.len() as u64;
        if written > max {
            return Err(too_large(max));
        }
        out.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    out.flush().await.map_err(ApiError::internal)?;
    Ok(written)
}

/// The stored upload, removed again unless the job is created.
struct Upload {
    path: PathBuf,
    keep: bool,
}

impl Upload {
    fn new(path: PathBuf) -> Self {
        Self { path, keep: false }
    }
    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
