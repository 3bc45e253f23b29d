//! A report as the API, its event stream and its webhooks show it.

use serde::Serialize;
use utoipa::ToSchema;

use super::job::rfc3339;
use super::results::ReportInputs;
use crate::report::{Provider, Report, ReportFault, ReportStatus, Usage};

/// A narrative report on a job's numbers: `queued` and `running` while it is written, then
/// `succeeded` with its `text`, or `failed` with its `error`.
#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub job_id: String,
    pub status: ReportStatus,
    pub provider: Provider,
    /// The chat model, or the template's name.
    pub model: String,
    #[schema(example = "en")]
    pub language: String,
    /// The narrative, in Markdown; `null` until it has succeeded.
    pub text: Option<String>,
    /// When it was asked for.
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    pub usage: Option<Usage>,
    /// The numbers the text was written from; `null` until it has succeeded.
    pub inputs: Option<ReportInputs>,
    /// Why it failed (`llm_error`, `llm_timeout`, `worker_lost`, …); ask again to retry.
    pub error: Option<ReportFault>,
    pub links: ReportLinks,
    pub note: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ReportLinks {
    #[serde(rename = "self")]
    pub this: String,
}

const TEMPLATE_NOTE: &str = "Written from a fixed template (no language model was used). \
    Facial expressions are not a measure of feelings; this is not a diagnosis.";
const LLM_NOTE: &str = "Written by a language model from the numbers in `inputs`. \
    Facial expressions are not a measure of feelings; this is not a diagnosis.";

impl From<Report> for ReportView {
    fn from(r: Report) -> Self {
        Self {
            note: if r.provider == Provider::Template {
                TEMPLATE_NOTE
            } else {
                LLM_NOTE
            },
            links: ReportLinks {
                this: format!("/v1/jobs/{}/reports/{}", r.job_id, r.id),
            },
            id: r.id,
            job_id: r.job_id,
            status: r.status,
            provider: r.provider,
            model: r.model,
            language: r.language,
            text: r.text,
            created_at: rfc3339(r.created_at),
            finished_at: r.finished_at.map(rfc3339),
            usage: r.usage,
            inputs: r.inputs.map(Into::into),
            error: r.error,
        }
    }
}
