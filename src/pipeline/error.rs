//! Why an analysis stops: a kind for machines, a message for people.

/// Why an analysis stopped. Each kind has a stable wire name (the job's `error.code`) and says
/// whether another try could succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// FFmpeg cannot open the file as a video.
    UnreadableVideo,
    /// Decoding broke off in the middle.
    DecodeFailed,
    /// The file ends well before the container says it does.
    TruncatedVideo,
    /// The upload is gone from disk.
    VideoMissing,
    /// A model could not be loaded or run.
    ModelError,
    UnknownModel,
    /// Our own fault: retried.
    Internal,
    /// The media store failed (an outage): retried.
    StoreUnavailable,
    /// The process is stopping: retried by the next worker.
    Shutdown,
    /// A user canceled the job.
    Canceled,
    /// The job is no longer this worker's (deleted, or taken over): nothing is written.
    Lost,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::UnreadableVideo => "unreadable_video",
            Self::DecodeFailed => "decode_failed",
            Self::TruncatedVideo => "truncated_video",
            Self::VideoMissing => "video_missing",
            Self::ModelError => "model_error",
            Self::UnknownModel => "unknown_model",
            Self::Internal => "internal",
            Self::StoreUnavailable => "store_unavailable",
            Self::Shutdown => "shutdown",
            Self::Canceled => "canceled",
            Self::Lost => "lost",
        }
    }

    /// Whether another try may succeed: our faults and shutdowns, not bad videos.
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::Internal | Self::StoreUnavailable | Self::Shutdown
        )
    }
}

/// A failure with a kind for machines and a message a person understands.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct PipelineError {
    pub kind: ErrorKind,
    pub message: String,
}

impl PipelineError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
    pub fn unreadable(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::UnreadableVideo, m)
    }
    pub fn decode(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::DecodeFailed, m)
    }
    pub fn model(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::ModelError, m)
    }
    pub fn internal(m: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, m)
    }
    pub fn canceled() -> Self {
        Self::new(ErrorKind::Canceled, "the job was canceled")
    }
    pub fn opencv(e: opencv::Error) -> Self {
        Self::internal(format!("OpenCV: {e}"))
    }
    pub fn ort(e: ort::Error) -> Self {
        Self::model(format!("ONNX Runtime: {e}"))
    }
}
