//! The one error shape of the API: `{"error": {"code": "…", "message": "…"}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbError;

/// Every error code the API answers with, and its HTTP status: the one list. The contract
/// shows it as the enum of `error.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    EmptyVideo,
    FieldTooLarge,
    InvalidCursor,
    InvalidFormat,
    InvalidJson,
    InvalidLimit,
    InvalidMultipart,
    InvalidOption,
    InvalidQuery,
    InvalidReportRequest,
    InvalidStatus,
    MissingVideo,
    UnknownModel,
    UnknownOption,
    UploadInterrupted,
    InvalidLanguage,
    UnsupportedLanguage,
    ProviderUnavailable,
    InvalidProvider,
    Unauthorized,
    NotFound,
    NoReport,
    MethodNotAllowed,
    UploadIdle,
    JobFinished,
    JobNotSucceeded,
    NotTracked,
    NotAnnotated,
    RangeNotSatisfiable,
    VideoTooLarge,
    UnsupportedMediaType,
    UnsupportedVideo,
    VideoTooLong,
    FrameTooLarge,
    QueueFull,
    Internal,
    LlmError,
    NotReady,
    DatabaseUnavailable,
    Conflict,
    StoreUnavailable,
    InsufficientStorage,
    Timeout,
    LlmTimeout,
    HostNotAllowed,
    OriginNotAllowed,
    RateLimited,
    InvalidIdempotencyKey,
    IdempotencyKeyReused,
    IdempotencyKeyInUse,
    TooManyStreams,
    InvalidCallbackUrl,
    InvalidVideoUrl,
    LiveUnavailable,
    TooManySessions,
    EmptyImage,
    MissingImage,
    ImageTooLarge,
    UnsupportedImage,
    TooManyPixels,
    ImagesUnavailable,
    Busy,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmptyVideo => "empty_video",
            Self::FieldTooLarge => "field_too_large",
            Self::InvalidCursor => "invalid_cursor",
            Self::InvalidFormat => "invalid_format",
            Self::InvalidJson => "invalid_json",
            Self::InvalidLimit => "invalid_limit",
            Self::InvalidMultipart => "invalid_multipart",
            Self::InvalidOption => "invalid_option",
            Self::InvalidQuery => "invalid_query",
            Self::InvalidReportRequest => "invalid_report_request",
            Self::InvalidStatus => "invalid_status",
            Self::MissingVideo => "missing_video",
            Self::UnknownModel => "unknown_model",
            Self::UnknownOption => "unknown_option",
            Self::UploadInterrupted => "upload_interrupted",
            Self::InvalidLanguage => "invalid_language",
            Self::UnsupportedLanguage => "unsupported_language",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::InvalidProvider => "invalid_provider",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::NoReport => "no_report",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UploadIdle => "upload_idle",
            Self::JobFinished => "job_finished",
            Self::JobNotSucceeded => "job_not_succeeded",
            Self::NotTracked => "not_tracked",
            Self::NotAnnotated => "not_annotated",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
            Self::VideoTooLarge => "video_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::UnsupportedVideo => "unsupported_video",
            Self::VideoTooLong => "video_too_long",
            Self::FrameTooLarge => "frame_too_large",
            Self::QueueFull => "queue_full",
            Self::Internal => "internal",
            Self::LlmError => "llm_error",
            Self::NotReady => "not_ready",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::Conflict => "conflict",
            Self::StoreUnavailable => "store_unavailable",
            Self::InsufficientStorage => "insufficient_storage",
            Self::Timeout => "timeout",
            Self::LlmTimeout => "llm_timeout",
            Self::HostNotAllowed => "host_not_allowed",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::RateLimited => "rate_limited",
            Self::InvalidIdempotencyKey => "invalid_idempotency_key",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::IdempotencyKeyInUse => "idempotency_key_in_use",
            Self::TooManyStreams => "too_many_streams",
            Self::InvalidCallbackUrl => "invalid_callback_url",
            Self::InvalidVideoUrl => "invalid_video_url",
            Self::LiveUnavailable => "live_unavailable",
            Self::TooManySessions => "too_many_sessions",
            Self::EmptyImage => "empty_image",
            Self::MissingImage => "missing_image",
            Self::ImageTooLarge => "image_too_large",
            Self::UnsupportedImage => "unsupported_image",
            Self::TooManyPixels => "too_many_pixels",
            Self::ImagesUnavailable => "images_unavailable",
            Self::Busy => "busy",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::EmptyVideo
            | Self::FieldTooLarge
            | Self::InvalidCursor
            | Self::InvalidFormat
            | Self::InvalidJson
            | Self::InvalidLimit
            | Self::InvalidMultipart
            | Self::InvalidOption
            | Self::InvalidQuery
            | Self::InvalidReportRequest
            | Self::InvalidStatus
            | Self::MissingVideo
            | Self::UnknownModel
            | Self::UnknownOption
            | Self::UploadInterrupted
            | Self::InvalidLanguage
            | Self::UnsupportedLanguage
            | Self::ProviderUnavailable
            | Self::InvalidProvider
            | Self::HostNotAllowed
            | Self::InvalidIdempotencyKey
            | Self::InvalidCallbackUrl
            | Self::InvalidVideoUrl
            | Self::EmptyImage
            | Self::MissingImage => StatusCode::BAD_REQUEST,
            Self::OriginNotAllowed => StatusCode::FORBIDDEN,
            Self::IdempotencyKeyInUse | Self::Conflict => StatusCode::CONFLICT,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited | Self::TooManyStreams | Self::TooManySessions => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound | Self::NoReport => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UploadIdle => StatusCode::REQUEST_TIMEOUT,
            Self::JobFinished | Self::JobNotSucceeded | Self::NotTracked | Self::NotAnnotated => {
                StatusCode::CONFLICT
            }
            Self::VideoTooLarge | Self::ImageTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::UnsupportedVideo
            | Self::VideoTooLong
            | Self::FrameTooLarge
            | Self::UnsupportedImage
            | Self::TooManyPixels => StatusCode::UNPROCESSABLE_ENTITY,
            Self::QueueFull => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::LlmError => StatusCode::BAD_GATEWAY,
            Self::NotReady
            | Self::StoreUnavailable
            | Self::DatabaseUnavailable
            | Self::Timeout
            | Self::ImagesUnavailable
            | Self::LiveUnavailable
            | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::LlmTimeout => StatusCode::GATEWAY_TIMEOUT,
            Self::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Seconds to wait before trying again (`Retry-After`).
    pub retry_after: Option<u64>,
}

/// Every error response of the API has this shape.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"error": {"code": "not_found", "message": "job not found"}}))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable.
    pub code: ErrorCode,
    /// For people; may change between versions.
    pub message: String,
}

impl ApiError {
    /// An error with its code's status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }
    /// Logs the cause; the client only learns that something failed on our side.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorCode::Internal, "internal server error")
    }
}

/// A database that does not answer is the server's state, not a fault: 503, try again soon. A
/// unique key already taken is a conflict (another request made the same thing at once).
impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(cause) => {
                tracing::error!(error = %cause, "the database is unavailable");
                Self::new(
                    ErrorCode::DatabaseUnavailable,
                    "the database is unavailable; try again shortly",
                )
                .retry_after(5)
            }
            DbError::Conflict(cause) => {
                tracing::warn!(error = %cause, "a request met another that made the same thing");
                Self::new(
                    ErrorCode::Conflict,
                    "another request changed the same thing at the same time; try again",
                )
            }
            DbError::Other(_) => Self::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.code == ErrorCode::Unauthorized {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"emoscope\""),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A real unique violation and a pool that gives no connection, as SQLite gives them.
    #[tokio::test]
    async fn database_errors_keep_their_kind_to_the_answer() {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_millis(50))
            .connect("sqlite::memory:")
            .await
            .expect("sqlite");
        sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY)")
            .execute(&pool)
            .await
            .expect("table");
        let insert = || sqlx::query("INSERT INTO t VALUES ('a')").execute(&pool);
        insert().await.expect("first");
        let twice = ApiError::from(DbError::from(insert().await.expect_err("twice")));
        assert_eq!(
            (twice.status, twice.code),
            (StatusCode::CONFLICT, ErrorCode::Conflict)
        );

        let held = pool.acquire().await.expect("the one connection");
        let busy = ApiError::from(DbError::from(pool.acquire().await.expect_err("none left")));
        drop(held);
        assert_eq!(
            (busy.status, busy.code, busy.retry_after),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::DatabaseUnavailable,
                Some(5)
            )
        );
        let other = ApiError::from(DbError::Other("a bad row".into()));
        assert_eq!(other.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!other.message.contains("bad row"));
    }
}
