//! Narrative reports. The unique key (job, language, provider, model) decides: a second report
//! for the same key is not stored beside the first; it replaces it only when asked.

use async_trait::async_trait;
use sqlx::types::Json;

use super::rows::{REPORT_COLUMNS, ReportRow, StoredInputs, StoredUsage};
use super::{ReportStore, SqlStore, StoreError, StoreResult, with_pool};
use crate::report::Report;

#[async_trait]
impl ReportStore for SqlStore {
    async fn save_report(&self, r: &Report, replace: bool) -> StoreResult<Report> {
        let on_conflict = if replace {
            "DO UPDATE SET id = excluded.id, text = excluded.text, inputs = excluded.inputs, \
             usage = excluded.usage, created_at = excluded.created_at"
        } else {
            "DO NOTHING"
        };
        let sql = format!(
            "INSERT INTO reports ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (job_id, language, provider, model) {on_conflict}"
        );
        with_pool!(self, pool => sqlx::query(&sql)
            .bind(&r.id)
            .bind(&r.job_id)
            .bind(&r.provider)
            .bind(&r.model)
            .bind(&r.language)
            .bind(&r.text)
            .bind(Json(StoredInputs::from(&r.inputs)))
            .bind(r.usage.as_ref().map(|u| Json(StoredUsage::from(u))))
            .bind(r.created_at)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        self.find_report(&r.job_id, &r.provider, &r.model, &r.language)
            .await?
            .ok_or_else(|| StoreError("the report vanished as it was stored".into()))
    }

    async fn find_report(
        &self,
        job_id: &str,
        provider: &str,
        model: &str,
        language: &str,
    ) -> StoreResult<Option<Report>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports \
             WHERE job_id = $1 AND provider = $2 AND model = $3 AND language = $4"
        );
        let row: Option<ReportRow> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(job_id)
            .bind(provider)
            .bind(model)
            .bind(language)
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(Report::from))
    }

    async fn reports(&self, job_id: &str) -> StoreResult<Vec<Report>> {
        let sql =
            format!("SELECT {REPORT_COLUMNS} FROM reports WHERE job_id = $1 ORDER BY id DESC");
        let rows: Vec<ReportRow> =
            with_pool!(self, pool => sqlx::query_as(&sql).bind(job_id).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(Report::from).collect())
    }
}
