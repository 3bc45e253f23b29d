//! Reading an upload's body: a multipart form (the `video` file field and the options as text
//! fields) or a raw video body, streamed to a file (never whole in memory) and hashed as it
//! arrives. Every text field is capped at `limits.max_field_bytes`, an unknown one is refused
//! before its value is read, and a body that stalls for `limits.upload_idle_secs` is dropped.

use std::path::Path;
use std::time::Duration;

use axum::extract::multipart::Field;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::options::{SentOptions, UploadOptions, field_too_large, unknown_option};
use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorCode};

/// The body, as multipart or raw, written to `path` (or only read, without one) and hashed into
/// `digest`; returns its size and the file name sent.
pub async fn receive(
    state: &AppState,
    request: Request,
    path: Option<&Path>,
    fields: &mut SentOptions,
    digest: &mut Sha256,
) -> ApiResult<(u64, Option<String>)> {
    let content_type = content_type(request.headers());
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

/// A request's `Content-Type`, lower-cased; empty when it has none.
pub fn content_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

async fn receive_form(
    state: &AppState,
    mut multipart: Multipart,
    path: Option<&Path>,
    fields: &mut SentOptions,
    digest: &mut Sha256,
) -> ApiResult<(u64, Option<String>)> {
    let limits = &state.config.limits;
    let idle = Duration::from_secs(limits.upload_idle_secs);
    let mut got = None;
    loop {
        let next = multipart_part(idle, multipart.next_field()).await?;
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
            if !UploadOptions::names().contains(&name.as_str()) {
                return Err(unknown_option(&name));
            }
            let value = read_small_field(field, limits.max_field_bytes, idle).await?;
            fields.push(state, &name, &value)?;
        }
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
        let chunk = multipart_part(idle, field.chunk()).await?;
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

/// The next part of the multipart body (a field, a chunk), unless the client goes quiet for `idle`.
async fn multipart_part<T>(
    idle: Duration,
    next: impl Future<Output = Result<T, axum::extract::multipart::MultipartError>>,
) -> ApiResult<T> {
    tokio::time::timeout(idle, next)
        .await
        .map_err(|_| idle_error(idle))?
        .map_err(multipart_error)
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

pub fn too_large(max: u64) -> ApiError {
    ApiError::new(
        ErrorCode::VideoTooLarge,
        format!("the upload is larger than the limit of {max} bytes"),
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
