//! Making a report for a job: shared by the API and the `report` subcommand.

use serde::Deserialize;

use super::inputs::{Segmenter, split_people};
use super::openai::OpenAiNarrator;
use super::template::TemplateNarrator;
use super::{
    Narrator, Report, ReportError, ReportFault, ReportInputs, ReportStatus, Written,
    template_language,
};
use crate::clock::now_ms;
use crate::config::{ProviderChoice, ReportConfig};
use crate::db::{DbError, Provider, ReportFaultCode, Store};
use crate::jobs::{Job, JobStatus};

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
    Store(#[from] DbError),
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
}

/// What a report is stored under: one per job and these. The database's unique key on them is
/// what makes an identical request join a report being written instead of calling the model
/// again, in any process.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportKey {
    pub job_id: String,
    pub language: String,
    pub provider: Provider,
    pub model: String,
}

impl ReportKey {
    /// The key of a stored report.
    pub fn of(r: &Report) -> Self {
        Self {
            job_id: r.job_id.clone(),
            language: r.language.clone(),
            provider: r.provider,
            model: r.model.clone(),
        }
    }
}

/// How a report request was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// A report with these parameters was stored before.
    Stored,
    /// A new report was queued.
    Queued,
    /// One with these parameters was already queued or being written: this request joined it.
    Joined,
}

impl Requested {
    fn as_str(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Queued => "queued",
            Self::Joined => "joined",
        }
    }
}

/// A failure as a report stores and shows it, in the API's error codes. An upstream's own words
/// stay in the log: they can quote the key, the account or the prompt.
pub fn fault(f: &ReportFailure) -> ReportFault {
    let code = match f {
        ReportFailure::NotSucceeded(_) => ReportFaultCode::JobNotSucceeded,
        ReportFailure::BadRequest(..) | ReportFailure::Provider(ReportError::Invalid(_)) => {
            ReportFaultCode::InvalidReportRequest
        }
        ReportFailure::Provider(ReportError::Timeout(_)) => ReportFaultCode::LlmTimeout,
        ReportFailure::Provider(ReportError::Upstream { .. }) => ReportFaultCode::LlmError,
        ReportFailure::Store(_) => ReportFaultCode::Internal,
    };
    let message = match f {
        ReportFailure::Provider(ReportError::Upstream { status, message }) => {
            tracing::warn!(upstream_status = ?status, upstream_message = %message, "language model call failed");
            let upstream = status.map_or("no answer".to_string(), |s| format!("HTTP {s}"));
            format!(
                "the language model service failed ({upstream}); the server's log has the details"
            )
        }
        ReportFailure::Store(e) => {
            tracing::error!(error = %e, "a report could not be stored");
            "the report could not be stored; the server's log has the details".into()
        }
        other => other.to_string(),
    };
    ReportFault { code, message }
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
        })
    }

    pub fn default_provider(&self) -> Provider {
        if self.openai.is_some() {
            Provider::Openai
        } else {
            Provider::Template
        }
    }

    /// Checks a request against the job and this server: what it would be stored under.
    pub fn resolve(&self, job: &Job, req: &ReportRequest) -> Result<ReportKey, ReportFailure> {
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
        if provider == Provider::Template && template_language(&language).is_none() {
            return Err(ReportFailure::BadRequest(
                Rejection::UnsupportedLanguage,
                format!("the template provider writes en and ru, not {language:?}"),
            ));
        }
        self.narrator(provider)?;
        let model = match provider {
            Provider::Template => super::template::MODEL.to_string(),
            Provider::Openai => req
                .model
                .clone()
                .unwrap_or_else(|| self.default_model.clone()),
        };
        Ok(ReportKey {
            job_id: job.id.clone(),
            language,
            provider,
            model,
        })
    }

    fn narrator(&self, provider: Provider) -> Result<&dyn Narrator, ReportFailure> {
        match provider {
            Provider::Template => Ok(&self.template),
            Provider::Openai => self.openai.as_ref().map(|n| n as &dyn Narrator).ok_or_else(|| {
                ReportFailure::BadRequest(Rejection::ProviderUnavailable,
                    "no language model is configured on this server (set EMOSCOPE_REPORT__API_KEY or report.provider = openai)".into(),
                )
            }),
        }
    }

    /// Queues a report for the background writers, unless one with these parameters is stored
    /// (and not to be regenerated) or already on its way: then that one is returned.
    pub async fn request(
        &self,
        store: &dyn Store,
        job: &Job,
        req: &ReportRequest,
    ) -> Result<(Report, Requested), ReportFailure> {
        let key = self.resolve(job, req)?;
        let ticket = Report {
            id: uuid::Uuid::now_v7().to_string(),
            job_id: key.job_id,
            provider: key.provider,
            model: key.model,
            language: key.language,
            status: ReportStatus::Queued,
            text: None,
            created_at: now_ms(),
            finished_at: None,
            usage: None,
            inputs: None,
            error: None,
        };
        let (stands, queued) = store.request_report(&ticket, req.regenerate).await?;
        let how = if queued {
            Requested::Queued
        } else if stands.status == ReportStatus::Succeeded {
            Requested::Stored
        } else {
            Requested::Joined
        };
        metrics::counter!("emoscope_report_requests_total",
            "provider" => key.provider.as_str(), "outcome" => how.as_str())
        .increment(1);
        Ok((stands, how))
    }

    /// Writes the narrative (the slow part: a language model may take minutes).
    pub async fn write(
        &self,
        store: &dyn Store,
        job: &Job,
        key: &ReportKey,
    ) -> Result<Written, ReportFailure> {
        if job.status != JobStatus::Succeeded {
            return Err(ReportFailure::NotSucceeded(job.status.as_str()));
        }
        let narrator = self.narrator(key.provider)?;
        let inputs = self.inputs(store, job).await?;
        let narrative = narrator
            .write(&inputs, &key.language, Some(&key.model))
            .await?;
        Ok(Written {
            text: narrative.text,
            usage: narrative.usage,
            inputs,
        })
    }

    /// Returns the stored report for these parameters, or writes and stores a new one, while
    /// the caller waits (the `report` subcommand). The flag tells whether it is new.
    pub async fn report(
        &self,
        store: &dyn Store,
        job: &Job,
        req: &ReportRequest,
    ) -> Result<(Report, bool), ReportFailure> {
        let key = self.resolve(job, req)?;
        let provider = key.provider;
        if !req.regenerate
            && let Some(existing) = store
                .find_report(&job.id, provider, &key.model, &key.language)
                .await?
            && existing.status == ReportStatus::Succeeded
        {
            return Ok((existing, false));
        }
        let written = self.write(store, job, &key).await;
        let outcome = if written.is_ok() { "created" } else { "failed" };
        metrics::counter!("emoscope_report_requests_total", "provider" => provider.as_str(), "outcome" => outcome)
            .increment(1);
        let written = written?;
        let now = now_ms();
        let report = Report {
            id: uuid::Uuid::now_v7().to_string(),
            job_id: job.id.clone(),
            provider,
            // The model asked for is the key; the one that answered may add a version.
            model: key.model.clone(),
            language: key.language.clone(),
            status: ReportStatus::Succeeded,
            text: Some(written.text),
            created_at: now,
            finished_at: Some(now),
            usage: written.usage,
            inputs: Some(written.inputs),
            error: None,
        };
        // Another process may have stored one for the same key meanwhile: then that one stands.
        Ok(store.save_report(&report, req.regenerate).await?)
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
