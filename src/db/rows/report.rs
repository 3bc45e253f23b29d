//! A report's row, and the JSON of its inputs and usage.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use super::job::StoredSummary;
use super::person::StoredPerson;
use crate::db::reports::{
    OtherPeople, Provider, Report, ReportFault, ReportFaultCode, ReportInputs, ReportStatus,
    SegmentSummary, Usage,
};
use crate::db::{DbError, DbResult};
use crate::pipeline::aggregate::{Emotion, PerEmotion};

#[derive(sqlx::FromRow)]
pub struct ReportRow {
    id: String,
    job_id: String,
    provider: String,
    model: String,
    language: String,
    status: String,
    text: Option<String>,
    inputs: Option<Json<StoredInputs>>,
    usage: Option<Json<StoredUsage>>,
    created_at: i64,
    finished_at: Option<i64>,
    error_code: Option<String>,
    error_message: Option<String>,
}

pub const REPORT_COLUMNS: &str = "id, job_id, provider, model, language, status, text, inputs, \
     usage, created_at, finished_at, error_code, error_message";

impl TryFrom<ReportRow> for Report {
    type Error = DbError;
    fn try_from(r: ReportRow) -> DbResult<Report> {
        let status = ReportStatus::parse(&r.status);
        let provider = Provider::parse(&r.provider)
            .ok_or_else(|| DbError::Other(format!("unknown report provider {:?}", r.provider)))?;
        let error = match (r.error_code, status) {
            (Some(code), _) => Some(ReportFault {
                code: ReportFaultCode::parse(&code),
                message: r.error_message.unwrap_or_default(),
            }),
            (None, None) => Some(ReportFault {
                code: ReportFaultCode::Internal,
                message: format!("unknown report status {:?} in the database", r.status),
            }),
            (None, Some(_)) => None,
        };
        Ok(Report {
            id: r.id,
            job_id: r.job_id,
            provider,
            model: r.model,
            language: r.language,
            status: status.unwrap_or(ReportStatus::Failed),
            text: r.text,
            created_at: r.created_at,
            finished_at: r.finished_at,
            usage: r.usage.map(|u| u.0.into()),
            inputs: r.inputs.map(|i| i.0.into()),
            error,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredInputs {
    #[serde(flatten)]
    summary: StoredSummary,
    duration_ms: u64,
    segments: Vec<StoredSegment>,
    people: Vec<StoredPerson>,
    others: Option<StoredOthers>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredOthers {
    count: u64,
    faces: u64,
    percentages: PerEmotion<f64>,
    dominant: Option<Emotion>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredSegment {
    start_ms: u64,
    end_ms: u64,
    faces: u64,
    dominant: Option<Emotion>,
    dominant_percent: f64,
}

impl From<&ReportInputs> for StoredInputs {
    fn from(i: &ReportInputs) -> Self {
        Self {
            summary: (&i.summary).into(),
            duration_ms: i.duration_ms,
            segments: i
                .segments
                .iter()
                .map(|s| StoredSegment {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    faces: s.faces,
                    dominant: s.dominant,
                    dominant_percent: s.dominant_percent,
                })
                .collect(),
            people: i.people.iter().map(StoredPerson::from).collect(),
            others: i.others.as_ref().map(|o| StoredOthers {
                count: o.count,
                faces: o.faces,
                percentages: o.percentages,
                dominant: o.dominant,
            }),
        }
    }
}

impl From<StoredInputs> for ReportInputs {
    fn from(i: StoredInputs) -> Self {
        Self {
            summary: i.summary.into(),
            duration_ms: i.duration_ms,
            segments: i
                .segments
                .into_iter()
                .map(|s| SegmentSummary {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    faces: s.faces,
                    dominant: s.dominant,
                    dominant_percent: s.dominant_percent,
                })
                .collect(),
            people: i.people.into_iter().map(Into::into).collect(),
            others: i.others.map(|o| OtherPeople {
                count: o.count,
                faces: o.faces,
                percentages: o.percentages,
                dominant: o.dominant,
            }),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoredUsage {
    prompt_tokens: u64,
    completion_tokens: u64,
    total_tokens: u64,
}

impl From<&Usage> for StoredUsage {
    fn from(u: &Usage) -> Self {
        Self {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
        }
    }
}

impl From<StoredUsage> for Usage {
    fn from(u: StoredUsage) -> Self {
        Self {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
        }
    }
}
