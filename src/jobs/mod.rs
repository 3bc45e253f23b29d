//! Jobs: what a user asked for, the queue that hands them to workers, and where results live.

pub mod claimer;
pub mod instance;
pub mod store;
pub mod uploads;
pub mod worker;

use serde::{Deserialize, Serialize};

use crate::pipeline::AnalysisOptions;
use crate::pipeline::aggregate::EmotionSummary;
use crate::pipeline::probe::VideoInfo;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Succeeded,
            Self::Failed,
            Self::Canceled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::Canceled,
    ];

    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Canceled)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub status: JobStatus,
    pub options: AnalysisOptions,
    pub video_name: Option<String>,
    pub video_path: Option<String>,
    pub video_bytes: u64,
    pub keep_video: bool,
    pub video: VideoInfo,
    pub progress_done: u64,
    pub progress_total: u64,
    pub summary: Option<EmotionSummary>,
    pub warnings: Vec<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub attempts: u32,
    pub max_attempts: u32,
    pub cancel_requested: bool,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub updated_at: i64,
    /// The API key that created it; `None` when made without one.
    pub owner: Option<String>,
    /// Where its webhooks go.
    pub callback_url: Option<String>,
}

/// What the API stores for a new upload.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: String,
    pub options: AnalysisOptions,
    pub video_name: Option<String>,
    pub video_path: String,
    pub video_bytes: u64,
    pub keep_video: bool,
    pub video: VideoInfo,
    pub progress_total: u64,
    pub warnings: Vec<String>,
    pub max_attempts: u32,
    pub owner: Option<String>,
    pub callback_url: Option<String>,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
