//! What a live session (`GET /v1/live`) sends: JSON text messages, each with a `type`.

use serde::Serialize;
use utoipa::ToSchema;

use crate::pipeline::aggregate::{self, Emotion, PerEmotion as DomainPerEmotion};
use crate::views::job::JobView;
use crate::views::results::{FaceResult, PerEmotion};

/// One message of a live session, server to client.
#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveMessage {
    /// The session's models are loaded: send frames.
    Ready(LiveReady),
    /// One analysed frame.
    Frame(LiveFrame),
    /// The people so far, every `limits.live_summary_secs`.
    Summary(LiveSummary),
    /// Something was wrong with one frame or message; the session goes on.
    Error(LiveError),
    /// The session is over; the last message before the connection closes.
    Ended(LiveEnded),
}

#[derive(Serialize, ToSchema)]
pub struct LiveReady {
    #[schema(example = "019ac6a1-7441-76ea-a89d-2fb3757ceca0")]
    pub session: String,
    /// The model, detector, least face size and tracking the session uses.
    pub model: String,
    pub tracking: bool,
    pub limits: LiveLimits,
}

/// What the session accepts.
#[derive(Serialize, ToSchema)]
pub struct LiveLimits {
    pub max_frame_bytes: u64,
    pub max_frame_pixels: u64,
    /// Frames are analysed at most this often; of frames sent faster, the latest wins.
    pub max_fps: f64,
    pub max_secs: u64,
}

#[derive(Serialize, ToSchema)]
pub struct LiveFrame {
    /// The frame's number in the session: 1 for the first binary message, counting every frame
    /// sent, dropped ones too.
    pub seq: u64,
    /// The client's `time_ms` for it, or the time since the session's first frame.
    pub time_ms: u64,
    /// Faces, most confident first; `track_id` is the person within this session.
    pub faces: Vec<FaceResult>,
    /// Frames dropped so far: replaced by a newer one while they waited for their turn (the
    /// latest wins; turns come at most `limits.max_live_fps` times a second).
    pub dropped: u64,
    /// From the frame's turn to its result: decoding, detection, tracking, classification.
    pub analysis_ms: f64,
}

#[derive(Serialize, ToSchema)]
pub struct LiveSummary {
    pub time_ms: u64,
    /// Frames analysed so far.
    pub frames: u64,
    /// Each person's expressions so far, most seen first.
    pub people: Vec<LivePerson>,
    /// All faces' expressions together.
    pub overall: LiveShares,
}

#[derive(Serialize, ToSchema)]
pub struct LivePerson {
    #[schema(example = 1)]
    pub person: u32,
    #[serde(flatten)]
    pub shares: LiveShares,
}

/// Shares of the most likely expression of the faces seen.
#[derive(Serialize, ToSchema)]
pub struct LiveShares {
    pub faces: u64,
    pub percentages: PerEmotion<f64>,
    pub dominant: Option<Emotion>,
}

impl From<&[u64; 7]> for LiveShares {
    fn from(counts: &[u64; 7]) -> Self {
        Self {
            faces: counts.iter().sum(),
            percentages: DomainPerEmotion::from(aggregate::percentages(counts)).into(),
            dominant: aggregate::dominant(counts),
        }
    }
}

/// Why a frame or message was refused; the session goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiveErrorCode {
    /// Not a JPEG, PNG or WebP picture (by its header, or it does not decode).
    NotAPicture,
    /// Over `limits.max_live_frame_bytes`.
    FrameTooLarge,
    /// Over `limits.max_live_frame_pixels` or `limits.max_frame_side`.
    TooManyPixels,
    /// A JPEG of more than `limits.max_jpeg_scans` scans.
    TooManyScans,
    /// A text message this session does not know.
    InvalidMessage,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiveEndReason {
    /// The client sent `end`.
    Client,
    /// The client closed the socket.
    Closed,
    /// The connection broke.
    Disconnected,
    /// The client read nothing for 10 s, or left more than
    /// `limits.max_live_write_buffer_bytes` unread.
    NotReading,
    /// Pings past `limits.max_live_control_per_sec`.
    TooManyMessages,
    /// The session lasted `limits.max_live_secs`.
    MaxSecs,
    /// The server is stopping.
    Shutdown,
    /// The analysis could not go on.
    Failed,
}

impl LiveEndReason {
    /// The name the contract gives it (its JSON string), for the log.
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            _ => format!("{self:?}"),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LiveError {
    pub code: LiveErrorCode,
    pub message: String,
    /// The frame it is about, if any.
    pub seq: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct LiveEnded {
    pub reason: LiveEndReason,
    pub frames: u64,
    pub dropped: u64,
    /// The job the session was kept as (`keep`), as `GET /v1/jobs/{id}` shows it.
    pub job: Option<Box<JobView>>,
    /// Why the session could not go on, or could not be kept.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_reasons_are_logged_as_the_contract_names_them() {
        assert_eq!(LiveEndReason::TooManyMessages.name(), "too_many_messages");
        assert_eq!(LiveEndReason::NotReading.name(), "not_reading");
    }
}
