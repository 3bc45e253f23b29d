//! Jobs as users see them.

use async_trait::async_trait;
use sqlx::types::Json;

use super::rows::{JOB_COLUMNS, JobRow, StoredOptions, StoredVideo, signed, unsigned};
use super::{JobStore, SqlStore, StoreResult, with_pool};
use crate::jobs::{Job, JobStatus, NewJob, now_ms};

fn job(row: Option<JobRow>) -> StoreResult<Option<Job>> {
    row.map(Job::try_from).transpose()
}

#[async_trait]
impl JobStore for SqlStore {
    async fn ping(&self) -> StoreResult<()> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    async fn create(&self, new: NewJob, max_queued: u64) -> StoreResult<Option<Job>> {
        let now = now_ms();
        let lock = self.dialect().admission_lock();
        // The count and the insert are one statement, under the admission lock: two uploads
        // cannot both take the queue's last place.
        let sql = format!(
            "INSERT INTO jobs (id, status, options, video_name, video_path, video_bytes, keep_video, \
             video, progress_total, warnings, max_attempts, run_after, created_at, updated_at, owner, \
             callback_url) \
             SELECT $1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11, $13, $14 \
             WHERE (SELECT COUNT(*) FROM jobs WHERE status = 'queued') < $12 RETURNING {JOB_COLUMNS}"
        );
        let row: Option<JobRow> = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).execute(&mut *tx).await?;
            }
            let row = sqlx::query_as(&sql)
                .bind(&new.id)
                .bind(Json(StoredOptions::from(&new.options)))
                .bind(&new.video_name)
                .bind(&new.video_path)
                .bind(signed(new.video_bytes))
                .bind(new.keep_video)
                .bind(Json(StoredVideo::from(&new.video)))
                .bind(signed(new.progress_total))
                .bind(Json(&new.warnings))
                .bind(i64::from(new.max_attempts))
                .bind(now)
                .bind(signed(max_queued))
                .bind(&new.owner)
                .bind(&new.callback_url)
                .fetch_optional(&mut *tx)
                .await?;
            if let (Some(notice), Some(_)) = (self.dialect().queued_notice(), &row) {
                sqlx::query(notice).bind(super::notify::JOB).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            row
        });
        job(row)
    }

    async fn get(&self, id: &str) -> StoreResult<Option<Job>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row: Option<JobRow> = with_pool!(self, pool =>
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        job(row)
    }

    async fn list(
        &self,
        owner: Option<&str>,
        status: Option<JobStatus>,
        before: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Job>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR status = $1) \
             AND ($2 IS NULL OR id < $2) AND ($4 IS NULL OR owner = $4) ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<JobRow> = with_pool!(self, pool => sqlx::query_as(&sql)
            .bind(status.map(JobStatus::as_str))
            .bind(before)
            .bind(i64::from(limit))
            .bind(owner)
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(Job::try_from).collect()
    }

    async fn count_with_status(&self, status: JobStatus) -> StoreResult<u64> {
        let sql = "SELECT COUNT(*) FROM jobs WHERE status = $1";
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(status.as_str())
            .fetch_one(pool)
            .await)?;
        unsigned(n, "count")
    }

    async fn oldest_queued_at(&self) -> StoreResult<Option<i64>> {
        let sql = "SELECT MIN(created_at) FROM jobs WHERE status = 'queued'";
        let at: Option<i64> =
            with_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await)?;
        Ok(at)
    }

    async fn delete(&self, id: &str) -> StoreResult<Option<Job>> {
        let sql = format!("DELETE FROM jobs WHERE id = $1 RETURNING {JOB_COLUMNS}");
        let row: Option<JobRow> = with_pool!(self, pool =>
            sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        job(row)
    }

    async fn request_cancel(&self, id: &str) -> StoreResult<Option<Job>> {
        let sql = "UPDATE jobs SET \
               status = CASE WHEN status = 'queued' THEN 'canceled' ELSE status END, \
               finished_at = CASE WHEN status = 'queued' THEN $2 ELSE finished_at END, \
               cancel_requested = TRUE, updated_at = $2 \
             WHERE id = $1 AND status IN ('queued', 'running')";
        with_pool!(self, pool => sqlx::query(sql).bind(id).bind(now_ms()).execute(pool).await.map(|r| r.rows_affected()))?;
        self.get(id).await
    }

    async fn forget_video(&self, id: &str) -> StoreResult<()> {
        let sql = "UPDATE jobs SET video_path = NULL WHERE id = $1";
        with_pool!(self, pool => sqlx::query(sql).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
