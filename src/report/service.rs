//! Making a report for a job: shared by the API and the `report` subcommand.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::inputs::{Segmenter, split_people};
use super::openai::OpenAiNarrator;
use super::template::TemplateNarrator;
use super::{Narrator, Report, ReportError, ReportInputs, template_language};
use crate::config::{ProviderChoice, ReportConfig};
use crate::jobs::store::{Store, StoreError};
use crate::jobs::{Job, JobStatus, now_ms};

/// What report to write; every field is optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// BCP 47 tag; default `en`.
    #[schema(example = "en")]
    pub language: Option<String>,
    /// `openai` or `template`; default: openai when configured, else template.
    #[schema(example = "template")]
    pub provider: Option<String>,
    /// Chat model for the openai provider.
    pub model: Option<String>,
    /// Write a new report even if one with the same parameters exists.
    #[serde(default)]
    pub regenerate: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportFailure {
    #[error("reports exist once the job has succeeded; it is {0}")]
    NotSucceeded(&'static str),
    #[error("{1}")]
    BadRequest(Rejection, String),
    #[error(transparent)]
    Provider(#[from] ReportError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who writes a report. Stored and shown by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// An OpenAI-compatible chat model.
    Openai,
    /// The deterministic template, with no network.
    Template,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Openai => "openai",
            Self::Template => "template",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Openai, Self::Template]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// Why a report request is refused before any work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    InvalidLanguage,
    /// The template provider writes only the languages it has templates for.
    UnsupportedLanguage,
    /// `openai` was asked for, and no language model is configured.
    ProviderUnavailable,
    InvalidProvider,
}

pub struct Reporter {
    openai: Option<OpenAiNarrator>,
    template: TemplateNarrator,
    default_model: String,
    /// One writer per (job, language, provider, model) in this process: an identical request
    /// waits for the first and gets its report instead of calling the model again. Across
    /// processes the database's unique key keeps one stored report.
    writing: std::sync::Mutex<HashMap<ReportKey, Arc<tokio::sync::Mutex<()>>>>,
}

/// What a report is stored under: one per job and these.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ReportKey {
    job_id: String,
    language: String,
    provider: Provider,
    model: String,
}

/// How many time segments the prompt describes.
const SEGMENTS: usize = 6;

fn valid_language(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl Reporter {
    pub fn new(config: &ReportConfig) -> Result<Self, ReportError> {
        let use_openai = match config.provider {
            ProviderChoice::Openai => true,
            ProviderChoice::Template => false,
            ProviderChoice::Auto => config.api_key.expose().is_some(),
        };
        Ok(Self {
            openai: if use_openai {
                Some(OpenAiNarrator::new(config.clone())?)
            } else {
                None
            },
            template: TemplateNarrator,
            default_model: config.model.clone(),
            writing: std::sync::Mutex::new(HashMap::new()),
        })
    }

    pub fn default_provider(&self) -> Provider {
        if self.openai.is_some() {
            Provider::Openai
        } else {
            Provider::Template
        }
    }

    /// Returns the stored report for these parameters, or writes and stores a new one. The flag
    /// tells whether it is new.
    pub async fn report(
        &self,
        store: &dyn Store,
        job: &Job,
        req: &ReportRequest,
    ) -> Result<(Report, bool), ReportFailure> {
        if job.status != JobStatus::Succeeded {
            return Err(ReportFailure::NotSucceeded(job.status.as_str()));
        }
        let language = req.language.clone().unwrap_or_else(|| "en".into());
        if !valid_language(&language) {
            return Err(ReportFailure::BadRequest(
                Rejection::InvalidLanguage,
                format!("{language:?} is not a BCP 47 language tag"),
            ));
        }
        let provider = match req.provider.as_deref() {
            None => self.default_provider(),
            Some(name) => Provider::parse(name).ok_or_else(|| {
                ReportFailure::BadRequest(
                    Rejection::InvalidProvider,
                    format!("provider must be openai or template, not {name:?}"),
                )
            })?,
        };
        let narrator: &dyn Narrator = match provider {
            Provider::Template => {
                if template_language(&language).is_none() {
                    return Err(ReportFailure::BadRequest(Rejection::UnsupportedLanguage,
                        format!("the template provider writes en and ru, not {language:?}"),
                    ));
                }
                &self.template
            }
            Provider::Openai => self.openai.as_ref().map(|n| n as &dyn Narrator).ok_or_else(|| {
                ReportFailure::BadRequest(Rejection::ProviderUnavailable,
                    "no language model is configured on this server (set EMOSCOPE_REPORT__API_KEY or report.provider = openai)".into(),
                )
            })?,
        };
        let model = match provider {
            Provider::Template => super::template::MODEL.to_string(),
            Provider::Openai => req
                .model
                .clone()
                .unwrap_or_else(|| self.default_model.clone()),
        };
        let key = ReportKey {
            job_id: job.id.clone(),
            language,
            provider,
            model,
        };
        let lock = self.writer_lock(&key);
        let written = {
            let _turn = lock.lock().await;
            self.write_once(store, job, &key, req.regenerate, narrator)
                .await
        };
        drop(lock);
        self.forget_writer(&key);
        let outcome = match &written {
            Ok((_, true)) => "created",
            Ok((_, false)) => "stored",
            Err(_) => "failed",
        };
        metrics::counter!("emoscope_report_requests_total",
            "provider" => key.provider.as_str(), "outcome" => outcome)
        .increment(1);
        written
    }

    fn writer_lock(&self, key: &ReportKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(key.clone()).or_default().clone()
    }

    fn forget_writer(&self, key: &ReportKey) {
        let mut map = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        if map.get(key).is_some_and(|l| Arc::strong_count(l) == 1) {
            map.remove(key);
        }
    }

    async fn write_once(
        &self,
        store: &dyn Store,
        job: &Job,
        key: &ReportKey,
        regenerate: bool,
        narrator: &dyn Narrator,
    ) -> Result<(Report, bool), ReportFailure> {
        let provider = key.provider.as_str();
        if !regenerate
            && let Some(existing) = store
                .find_report(&job.id, provider, &key.model, &key.language)
                .await?
        {
            return Ok((existing, false));
        }
        let inputs = self.inputs(store, job).await?;
        let narrative = narrator
            .write(&inputs, &key.language, Some(&key.model))
            .await?;
        let report = Report {
            id: uuid::Uuid::now_v7().to_string(),
            job_id: job.id.clone(),
            provider: provider.to_string(),
            // The model asked for is the cache key; the one that answered may add a version.
            model: key.model.clone(),
            language: key.language.clone(),
            text: narrative.text,
            created_at: now_ms(),
            usage: narrative.usage,
            inputs,
        };
        // Another process may have stored one for the same key meanwhile: then that one stands.
        let stored = store.save_report(&report, regenerate).await?;
        let created = stored.id == report.id;
        Ok((stored, created))
    }

    async fn inputs(&self, store: &dyn Store, job: &Job) -> Result<ReportInputs, ReportFailure> {
        let summary = job
            .summary
            .as_ref()
            .ok_or(ReportFailure::NotSucceeded("missing its results"))?;
        let mut segmenter = Segmenter::new(job.video.duration_ms, SEGMENTS);
        let mut after = None;
        loop {
            let frames = store.timeline(&job.id, after, 1000).await?;
            for f in &frames {
                segmenter.add(f);
            }
            match frames.last() {
                Some(last) if frames.len() == 1000 => after = Some(last.frame),
                _ => break,
            }
        }
        let mut inputs = segmenter.finish(summary);
        if job.options.tracking {
            (inputs.people, inputs.others) = split_people(store.people(&job.id).await?);
        }
        Ok(inputs)
    }
}

#[cfg(test)]
mod tests {
    use super::valid_language;

    #[test]
    fn language_tags() {
        for ok in ["en", "ru", "en-US", "zh-Hant-TW", "ast"] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["", "e", "english", "en_US", "en-", "1a", "ru-ЖЖ"] {
            assert!(!valid_language(bad), "{bad}");
        }
    }
}
