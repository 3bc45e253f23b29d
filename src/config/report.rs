//! `report.*`: the narrative report's language model.

use serde::Deserialize;

use super::Secret;

/// The narrative report's language model. The key is a [`Secret`]: never printed.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// `openai`, `template`, or `auto` (openai when an API key is set, else template).
    pub provider: ProviderChoice,
    /// OpenAI-compatible base URL, e.g. `http://localhost:11434/v1` for Ollama.
    pub base_url: String,
    pub api_key: Secret,
    /// Default chat model; any name the server accepts.
    pub model: String,
    pub timeout_secs: u64,
    /// Retries after the first try, for timeouts, connection errors, 429 and 5xx.
    pub retries: u32,
    pub backoff_ms: u64,
    pub max_backoff_secs: u64,
    pub temperature: f64,
    /// Reports written at once by this process, in the background.
    pub workers: usize,
    /// Tries of one report whose writer died before it is failed.
    pub max_attempts: u32,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            provider: ProviderChoice::Auto,
            base_url: "https://api.openai.com/v1".into(),
            api_key: Secret::default(),
            model: "gpt-4o".into(),
            timeout_secs: 60,
            retries: 3,
            backoff_ms: 500,
            max_backoff_secs: 30,
            temperature: 0.7,
            workers: 4,
            max_attempts: 3,
        }
    }
}

/// Which narrative provider the server uses by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderChoice {
    /// `openai` when an API key is set, else `template`.
    Auto,
    Openai,
    Template,
}
