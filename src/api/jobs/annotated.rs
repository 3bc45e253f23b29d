//! `GET /v1/jobs/{id}/annotated.mp4`: the annotated video of a job that asked for one, streamed
//! from the media store with single-range support, so that a browser can seek.

use std::ops::Range;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;

use crate::api::AppState;
use crate::api::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use crate::auth::Caller;
use crate::jobs::JobStatus;
/// The analysed frames with each face's box, person and most likely expression drawn on them
/// (H.264 MP4, at the job's sampling rate). Made only when the job was uploaded with
/// `annotate=true`; deleted with the job.
#[utoipa::path(get, path = "/v1/jobs/{id}/annotated.mp4", tag = "results", params(super::JobId), responses(
    (status = 200, description = "The whole video", content_type = "video/mp4", body = Vec<u8>),
    (status = 206, description = "The byte range asked for with `Range`", content_type = "video/mp4", body = Vec<u8>),
    (status = 404, description = "No such job, or its annotated video was not kept (too large: see the job's warnings)", body = ErrorBody),
    (status = 409, description = "The job has not succeeded (`job_not_succeeded`), or did not ask for an annotated video (`not_annotated`)", body = ErrorBody),
    (status = 416, description = "The range is outside the file: `range_not_satisfiable`", body = ErrorBody),
))]
pub async fn get_annotated(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult<Response> {
    let job = super::load(&state, &caller, &id).await?;
    if job.status != JobStatus::Succeeded {
        return Err(ApiError::new(
            ErrorCode::JobNotSucceeded,
            format!(
                "the annotated video exists once the job has succeeded; it is {}",
                job.status.as_str()
            ),
        ));
    }
    if !job.options.annotate {
        return Err(ApiError::new(
            ErrorCode::NotAnnotated,
            "this job did not ask for an annotated video (upload with annotate=true)",
        ));
    }
    let media = state.uploads.media();
    let name = state.uploads.annotated(&job.id);
    let unavailable = |e: crate::storage::MediaError| {
        tracing::error!(job = %job.id, error = %e, "cannot read the annotated video");
        ApiError::new(
            ErrorCode::StoreUnavailable,
            "the media store is unavailable; try again later",
        )
        .retry_after(5)
    };
    let Some(size) = media.size(&name).await.map_err(unavailable)? else {
        return Err(ApiError::not_found("annotated video"));
    };
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let (status, range) = match byte_range(range, size) {
        Ok(Some(r)) => (StatusCode::PARTIAL_CONTENT, r),
        Ok(None) => (StatusCode::OK, 0..size),
        Err(()) => {
            return Err(ApiError::new(
                ErrorCode::RangeNotSatisfiable,
                format!("the range is outside the file, which has {size} bytes"),
            ));
        }
    };
    let body = if range.is_empty() {
        Body::empty()
    } else {
        let stream = media
            .read(&name, range.clone())
            .await
            .map_err(unavailable)?;
        Body::from_stream(stream.map_err(|e| std::io::Error::other(e.to_string())))
    };
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("video/mp4"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(range.end - range.start),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let value = format!("bytes {}-{}/{size}", range.start, range.end - 1);
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&value).map_err(ApiError::internal)?,
        );
    }
    Ok(response)
}

/// The one byte range a `Range` header asks for, within `size` bytes. `Ok(None)`: send the
/// whole file (no header, another unit, several ranges or a malformed one, all of which a
/// server may ignore); `Err`: a range that starts past the end.
fn byte_range(header: Option<&str>, size: u64) -> Result<Option<Range<u64>>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => start..end.saturating_add(1).min(size),
        (Ok(start), Err(_)) if last.is_empty() => start..size,
        (Err(_), Ok(suffix)) if first.is_empty() => {
            if suffix == 0 {
                return Err(());
            }
            size.saturating_sub(suffix)..size
        }
        _ => return Ok(None),
    };
    if range.start >= size {
        return Err(());
    }
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(byte_range(None, 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=2-4"), 10), Ok(Some(2..5)));
        assert_eq!(byte_range(Some("bytes=2-"), 10), Ok(Some(2..10)));
        assert_eq!(byte_range(Some("bytes=-3"), 10), Ok(Some(7..10)));
        assert_eq!(byte_range(Some("bytes=-30"), 10), Ok(Some(0..10)));
        assert_eq!(byte_range(Some("bytes=5-100"), 10), Ok(Some(5..10)));
        assert_eq!(byte_range(Some("bytes=10-"), 10), Err(()));
        assert_eq!(byte_range(Some("bytes=-0"), 10), Err(()));
        assert_eq!(byte_range(Some("bytes=0-0"), 0), Err(()));
        assert_eq!(byte_range(Some("bytes=4-2"), 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-1,4-5"), 10), Ok(None));
        assert_eq!(byte_range(Some("items=0-1"), 10), Ok(None));
        assert_eq!(byte_range(Some("bytes=x-y"), 10), Ok(None));
    }
}
