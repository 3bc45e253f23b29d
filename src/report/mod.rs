//! Narrative reports: the numbers of a finished job turned into prose, by an OpenAI-compatible
//! chat model or, with no network, by a deterministic template.

pub mod inputs;
pub mod openai;
pub mod prompt;
pub mod service;
pub mod template;
pub mod writers;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use inputs::ReportInputs;

/// What a provider writes.
#[derive(Debug, Clone)]
pub struct Narrative {
    pub text: String,
    pub model: String,
    pub usage: Option<Usage>,
}

/// Tokens the language model counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// A report as stored and returned: asked for (`queued`), being written (`running`), then
/// `succeeded` with its text and inputs, or `failed` with its error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub job_id: String,
    pub provider: String,
    pub model: String,
    pub language: String,
    pub status: ReportStatus,
    pub text: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub usage: Option<Usage>,
    pub inputs: Option<ReportInputs>,
    pub error: Option<ReportFault>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// Why a report failed, in the API's error codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportFault {
    pub code: String,
    pub message: String,
}

/// What a narrator's work leaves to store.
#[derive(Debug, Clone)]
pub struct Written {
    pub text: String,
    pub usage: Option<Usage>,
    pub inputs: ReportInputs,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the language model did not answer within {0} s")]
    Timeout(u64),
    #[error("the language model service failed: {message}")]
    Upstream {
        status: Option<u16>,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Writes the narrative for a job's numbers.
#[async_trait]
pub trait Narrator: Send + Sync {
    fn name(&self) -> &'static str;
    async fn write(
        &self,
        inputs: &ReportInputs,
        language: &str,
        model: Option<&str>,
    ) -> Result<Narrative, ReportError>;
}

/// The language's primary subtag if a template exists for it (`ru-RU` → `ru`).
pub fn template_language(tag: &str) -> Option<&'static str> {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    prompt::LANGUAGES.iter().copied().find(|l| *l == primary)
}
