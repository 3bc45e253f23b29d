//! `POST /v1/images`: one still picture (JPEG, PNG or WebP) analysed at once, in the request:
//! each face's box, its seven probabilities and its most likely expression, and the faces
//! together. Nothing is stored. The picture's size is read from its header and checked before
//! it is decoded, so a small file that claims a huge picture is refused unread.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody, ErrorCode};
use super::jobs::options::known_model;
use super::jobs::receive::content_type;
use super::query::ApiQuery;
use super::rate::{self, Limit};
use crate::auth::Caller;
use crate::jobs::options::{JobOptions, Purpose};
use crate::pipeline::AnalysisOptions;
use crate::pipeline::detect::DetectorKind;
use crate::pipeline::image::{ImageError, ImageOutcome, PictureLimits, Unfit, check_picture};
use crate::views::{NOTE, results};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImageQuery {
    /// Emotion model (`/v1/info`); default: the server's.
    pub model: Option<String>,
    /// `yunet` or `haar`; default: `defaults.detector`.
    pub detector: Option<String>,
    /// Faces smaller than this (shorter side, pixels) are ignored; default: `defaults.min_face_px`.
    pub min_face_px: Option<u32>,
}

/// What a picture shows.
#[derive(Serialize, ToSchema)]
pub struct ImageView {
    pub width: u32,
    pub height: u32,
    #[schema(example = "emonet_ferplus_flip_int8")]
    pub model: String,
    /// The detector used (YuNet, or the Haar cascade when YuNet is unavailable).
    pub detector: results::DetectorKind,
    /// Each face found, most confident first; `track_id` is always null.
    pub faces: Vec<results::FaceResult>,
    /// The faces' expressions together (`frames_analyzed` is 1).
    pub emotions: results::EmotionSummary,
    pub note: &'static str,
}

/// A raw picture body (`image/jpeg`, `image/png`, `image/webp` or `application/octet-stream`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only documents the body.
pub struct RawImage(Vec<u8>);

/// The multipart form: the picture in the field `image`.
#[derive(ToSchema)]
#[allow(dead_code)] // Only documents the body.
pub struct ImageForm {
    #[schema(value_type = String, format = Binary)]
    image: Vec<u8>,
}

/// The faces of one picture, analysed now; nothing is kept.
#[utoipa::path(post, path = "/v1/images", tag = "images", params(ImageQuery),
    request_body(description = "The picture, up to `limits.max_image_bytes` and `limits.max_image_pixels`: JPEG, PNG or WebP", content(
        (RawImage = "image/jpeg"),
        (RawImage = "image/png"),
        (RawImage = "image/webp"),
        (RawImage = "application/octet-stream"),
        (ImageForm = "multipart/form-data"),
    )),
    responses(
    (status = 200, description = "The faces and their expressions", body = ImageView),
    (status = 400, description = "Empty picture (`empty_image`), a form without `image` (`missing_image`) or with another field (`unknown_option`), a bad option (`invalid_option`, `invalid_query`), an unknown model (`unknown_model`)", body = ErrorBody),
    (status = 413, description = "Larger than `limits.max_image_bytes`: `image_too_large`", body = ErrorBody),
    (status = 415, description = "Neither a picture content type nor multipart/form-data", body = ErrorBody),
    (status = 422, description = "Not a JPEG, PNG or WebP picture that decodes, or a JPEG of more than `limits.max_jpeg_scans` scans (`unsupported_image`); more pixels than `limits.max_image_pixels` or a side over `limits.max_frame_side` (`too_many_pixels`)", body = ErrorBody),
    (status = 429, description = "Too many pictures from this key (`rate_limits.images_per_minute`): `rate_limited`, with `Retry-After`", body = ErrorBody),
    (status = 503, description = "Every analyser busy and `limits.image_queue` pictures waiting (`busy`, with `Retry-After`); a process without models (`images_unavailable`)", body = ErrorBody),
))]
pub async fn analyse_image(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ImageQuery>,
    request: Request,
) -> ApiResult<Json<ImageView>> {
    let Some(analysers) = state.images.clone() else {
        return Err(ApiError::new(
            ErrorCode::ImagesUnavailable,
            "this process runs no models (serve --api-only): send pictures to one with workers",
        ));
    };
    rate::take(&state, &caller, Limit::Images).await?;
    let options = options(&state, q)?;
    // A place first: a body is read only when an analyser or the queue can take it.
    let place = analysers.admit().map_err(image_error)?;
    let bytes = receive(&state, request).await?;
    check_size(&state, &bytes)?;
    let model = options.model.clone();
    let detector = state.catalogue.effective_detector(options.detector);
    let outcome = analysers
        .analyse(place, bytes, options)
        .await
        .map_err(image_error)?;
    Ok(Json(view(outcome, model, detector)))
}

fn view(o: ImageOutcome, model: String, detector: DetectorKind) -> ImageView {
    ImageView {
        width: o.width,
        height: o.height,
        model,
        detector: detector.into(),
        faces: o.faces.into_iter().map(Into::into).collect(),
        emotions: o.summary.into(),
        note: NOTE,
    }
}

/// The job options that apply to a picture, checked, then resolved for a picture.
fn options(state: &AppState, q: ImageQuery) -> ApiResult<AnalysisOptions> {
    let c = &state.config;
    let invalid = |m: String| ApiError::new(ErrorCode::InvalidOption, m);
    if q.min_face_px.is_some_and(|px| px > c.limits.max_frame_side) {
        return Err(invalid(format!(
            "min_face_px must be a whole number from 0 to {}",
            c.limits.max_frame_side
        )));
    }
    let asked = JobOptions {
        detector: q.detector.map(|d| d.parse().map_err(invalid)).transpose()?,
        min_face_px: q.min_face_px,
        model: q.model.map(|m| known_model(state, m)).transpose()?,
        ..JobOptions::default()
    };
    let resolved = asked.resolve(Purpose::Picture, c, &state.catalogue.default_model);
    Ok(resolved.analysis)
}

/// The picture's bytes, from a raw body or the form's `image` field, at most
/// `limits.max_image_bytes`.
async fn receive(state: &AppState, request: Request) -> ApiResult<Bytes> {
    let max = usize::try_from(state.config.limits.max_image_bytes).unwrap_or(usize::MAX);
    let content_type = content_type(request.headers());
    let bytes = if content_type.starts_with("multipart/form-data") {
        let form = Multipart::from_request(request, state)
            .await
            .map_err(|e| ApiError::new(ErrorCode::InvalidMultipart, e.body_text()))?;
        image_field(form, max).await?
    } else if content_type.starts_with("image/")
        || content_type.starts_with("application/octet-stream")
    {
        axum::body::to_bytes(request.into_body(), max)
            .await
            .map_err(|_| too_large(max))?
    } else {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the picture as a raw body (image/jpeg, image/png, image/webp) or as multipart/form-data (field `image`)",
        ));
    };
    if bytes.is_empty() {
        return Err(ApiError::new(ErrorCode::EmptyImage, "the picture is empty"));
    }
    Ok(bytes)
}

/// The form's `image` field, read a chunk at a time up to `max` bytes; any other field is
/// refused before its value is read.
async fn image_field(mut form: Multipart, max: usize) -> ApiResult<Bytes> {
    let broken = |e: axum::extract::multipart::MultipartError| {
        ApiError::new(ErrorCode::InvalidMultipart, e.body_text())
    };
    let mut image = None;
    while let Some(mut field) = form.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        if name != "image" || image.is_some() {
            return Err(ApiError::new(
                ErrorCode::UnknownOption,
                format!("the form holds one field, `image`, not {name:?}"),
            ));
        }
        let mut bytes = BytesMut::new();
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            if bytes.len() + chunk.len() > max {
                return Err(too_large(max));
            }
            bytes.extend_from_slice(&chunk);
        }
        image = Some(bytes.freeze());
    }
    image.ok_or_else(|| ApiError::new(ErrorCode::MissingImage, "the form has no `image` field"))
}

fn too_large(max: usize) -> ApiError {
    ApiError::new(
        ErrorCode::ImageTooLarge,
        format!("the picture is larger than {max} bytes"),
    )
}

/// A JPEG, PNG or WebP picture of at most `limits.max_image_pixels` (by its header) and, for a
/// JPEG, `limits.max_jpeg_scans`.
fn check_size(state: &AppState, bytes: &[u8]) -> ApiResult<()> {
    let l = &state.config.limits;
    let limits = PictureLimits {
        max_pixels: l.max_image_pixels,
        max_side: l.max_frame_side,
        max_jpeg_scans: l.max_jpeg_scans,
    };
    check_picture(bytes, &limits).map(drop).map_err(|unfit| {
        let code = match unfit {
            Unfit::TooManyPixels(_) => ErrorCode::TooManyPixels,
            Unfit::NotAPicture | Unfit::TooManyScans(_) => ErrorCode::UnsupportedImage,
        };
        ApiError::new(code, unfit.message(&limits))
    })
}

fn image_error(e: ImageError) -> ApiError {
    match e {
        ImageError::NotAPicture => ApiError::new(
            ErrorCode::UnsupportedImage,
            "the picture does not decode (damaged, or not what its header says)",
        ),
        ImageError::Busy => ApiError::new(
            ErrorCode::Busy,
            "every picture analyser is busy and the queue is full; try again in a moment",
        )
        .retry_after(1),
        ImageError::Stopped => ApiError::new(ErrorCode::NotReady, "the server is stopping"),
        ImageError::Pipeline(e) => ApiError::internal(e),
    }
}
