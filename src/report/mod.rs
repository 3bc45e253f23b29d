//! Narrative reports: the numbers of a finished job turned into prose, by an OpenAI-compatible
//! chat model or, with no network, by a deterministic template.

pub mod inputs;
pub mod openai;
pub mod prompt;
pub mod service;
pub mod template;
pub mod writers;

use async_trait::async_trait;

pub use crate::db::reports::{
    OtherPeople, Provider, Report, ReportFault, ReportFaultCode, ReportInputs, ReportStatus,
    SegmentSummary, Usage, Written,
};

/// What a provider writes.
#[derive(Debug, Clone)]
pub struct Narrative {
    pub text: String,
    pub model: String,
    pub usage: Option<Usage>,
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

/// A language the templates are written in. Other BCP 47 tags are for the language model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Ru,
}

impl Language {
    pub const ALL: [Self; 2] = [Self::En, Self::Ru];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ru => "ru",
        }
    }
}

/// The template language of a BCP 47 tag, by its primary subtag (`ru-RU` → `ru`), if there is one.
pub fn template_language(tag: &str) -> Option<Language> {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Language::ALL.into_iter().find(|l| l.as_str() == primary)
}
