//! The job store's SQL, written once for SQLite and PostgreSQL: `$N` placeholders, `TRUE`,
//! `ON CONFLICT … DO UPDATE` and `RETURNING` mean the same in both. The claim re-checks
//! `status = 'queued'` on the row it updates, which makes a double claim impossible in both; the
//! one difference is PostgreSQL's `FOR UPDATE SKIP LOCKED`, so that concurrent workers pass over
//! a job another is claiming instead of waiting for it (SQLite has one writer at a time).
//!
//! `sql_store!(Store, RowType, "lock clause")` implements `JobStore` for a struct with a `pool`
//! field; it brings the names it uses into the calling module.

macro_rules! sql_store {
    ($store:ty, $row:ty, $claim_lock:literal) => {
        use async_trait::async_trait;
        use sqlx::Row as _;
        use $crate::jobs::store::{Finish, Holding, JobStore, StoreError, StoreResult};
        use $crate::jobs::{Job, JobStatus, NewJob, now_ms};
        use $crate::pipeline::FrameResult;
        use $crate::report::Report;

        const REPORT_COLUMNS: &str =
            "id, job_id, provider, model, language, text, inputs, usage, created_at";

        fn row_to_report(row: &$row) -> StoreResult<Report> {
            Ok(Report {
                id: row.try_get("id")?,
                job_id: row.try_get("job_id")?,
                provider: row.try_get("provider")?,
                model: row.try_get("model")?,
                language: row.try_get("language")?,
                text: row.try_get("text")?,
                inputs: serde_json::from_str(row.try_get("inputs")?)?,
                usage: match row.try_get::<Option<String>, _>("usage")? {
                    Some(u) => Some(serde_json::from_str(&u)?),
                    None => None,
                },
                created_at: row.try_get("created_at")?,
            })
        }

        const COLUMNS: &str = "id, status, options, video_name, video_path, video_bytes, keep_video, video, \
            progress_done, progress_total, summary, warnings, error_code, error_message, attempts, max_attempts, \
            cancel_requested, created_at, started_at, finished_at, updated_at";

        fn row_to_job(row: &$row) -> StoreResult<Job> {
            let status: String = row.try_get("status")?;
            let opt_i64 =
                |name: &str| -> StoreResult<Option<i64>> { Ok(row.try_get::<Option<i64>, _>(name)?) };
            Ok(Job {
                id: row.try_get("id")?,
                status: JobStatus::parse(&status)
                    .ok_or_else(|| StoreError(format!("unknown status {status}")))?,
                options: serde_json::from_str(row.try_get("options")?)?,
                video_name: row.try_get("video_name")?,
                video_path: row.try_get("video_path")?,
                video_bytes: row.try_get::<i64, _>("video_bytes")? as u64,
                keep_video: row.try_get("keep_video")?,
                video: serde_json::from_str(row.try_get("video")?)?,
                progress_done: row.try_get::<i64, _>("progress_done")? as u64,
                progress_total: row.try_get::<i64, _>("progress_total")? as u64,
                summary: match row.try_get::<Option<String>, _>("summary")? {
                    Some(s) => Some(serde_json::from_str(&s)?),
                    None => None,
                },
                warnings: serde_json::from_str(row.try_get("warnings")?)?,
                error_code: row.try_get("error_code")?,
                error_message: row.try_get("error_message")?,
                attempts: row.try_get::<i64, _>("attempts")? as u32,
                max_attempts: row.try_get::<i64, _>("max_attempts")? as u32,
                cancel_requested: row.try_get("cancel_requested")?,
                created_at: row.try_get("created_at")?,
                started_at: opt_i64("started_at")?,
                finished_at: opt_i64("finished_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        fn holding(row: Option<$row>) -> StoreResult<Holding> {
            Ok(match row {
                None => Holding::Lost,
                Some(r) if r.try_get::<bool, _>("cancel_requested")? => Holding::CancelRequested,
                Some(_) => Holding::Held,
            })
        }

        #[async_trait]
        impl JobStore for $store {
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn create(&self, job: NewJob) -> StoreResult<Job> {
                let now = now_ms();
                let sql = format!(
                    "INSERT INTO jobs (id, status, options, video_name, video_path, video_bytes, keep_video, video, \
                     progress_total, warnings, max_attempts, run_after, created_at, updated_at) \
                     VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(&job.id)
                    .bind(serde_json::to_string(&job.options)?)
                    .bind(&job.video_name)
                    .bind(&job.video_path)
                    .bind(job.video_bytes as i64)
                    .bind(job.keep_video)
                    .bind(serde_json::to_string(&job.video)?)
                    .bind(job.progress_total as i64)
                    .bind(serde_json::to_string(&job.warnings)?)
                    .bind(job.max_attempts as i64)
                    .bind(now)
                    .bind(now)
                    .bind(now)
                    .fetch_one(&self.pool)
                    .await?;
                row_to_job(&row)
            }

            async fn get(&self, id: &str) -> StoreResult<Option<Job>> {
                let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(row_to_job).transpose()
            }

            async fn list(
                &self,
                status: Option<JobStatus>,
                before: Option<&str>,
                limit: u32,
            ) -> StoreResult<Vec<Job>> {
                let sql = format!(
                    "SELECT {COLUMNS} FROM jobs WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR id < $2) \
                     ORDER BY id DESC LIMIT $3"
                );
                let rows = sqlx::query(&sql)
                    .bind(status.map(JobStatus::as_str))
                    .bind(before)
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(row_to_job).collect()
            }

            async fn count_with_status(&self, status: JobStatus) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = $1")
                    .bind(status.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n as u64)
            }

            async fn delete(&self, id: &str) -> StoreResult<Option<Job>> {
                let sql = format!("DELETE FROM jobs WHERE id = $1 RETURNING {COLUMNS}");
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(row_to_job).transpose()
            }

            async fn request_cancel(&self, id: &str) -> StoreResult<Option<Job>> {
                let now = now_ms();
                sqlx::query(
                    "UPDATE jobs SET \
                       status = CASE WHEN status = 'queued' THEN 'canceled' ELSE status END, \
                       finished_at = CASE WHEN status = 'queued' THEN $2 ELSE finished_at END, \
                       cancel_requested = TRUE, updated_at = $2 \
                     WHERE id = $1 AND status IN ('queued', 'running')",
                )
                .bind(id)
                .bind(now)
                .execute(&self.pool)
                .await?;
                self.get(id).await
            }

            async fn claim(&self, worker: &str) -> StoreResult<Option<Job>> {
                let now = now_ms();
                let mut tx = self.pool.begin().await?;
                let sql = format!(
                    "UPDATE jobs SET status = 'running', worker_id = $1, heartbeat_at = $2, attempts = attempts + 1, \
                       started_at = COALESCE(started_at, $2), progress_done = 0, updated_at = $2 \
                     WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= $2 ORDER BY id LIMIT 1 {lock}) \
                       AND status = 'queued' \
                     RETURNING {COLUMNS}",
                    lock = $claim_lock
                );
                let row = sqlx::query(&sql)
                    .bind(worker)
                    .bind(now)
                    .fetch_optional(&mut *tx)
                    .await?;
                let job = row.as_ref().map(row_to_job).transpose()?;
                if let Some(job) = &job {
                    // An earlier attempt may have written some frames before its worker died.
                    sqlx::query("DELETE FROM frames WHERE job_id = $1")
                        .bind(&job.id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(job)
            }

            async fn heartbeat(&self, id: &str, worker: &str) -> StoreResult<Holding> {
                let row = sqlx::query(
                    "UPDATE jobs SET heartbeat_at = $3 WHERE id = $1 AND worker_id = $2 AND status = 'running' \
                     RETURNING cancel_requested",
                )
                .bind(id)
                .bind(worker)
                .bind(now_ms())
                .fetch_optional(&self.pool)
                .await?;
                holding(row)
            }

            async fn record(
                &self,
                id: &str,
                worker: &str,
                frames: &[FrameResult],
                done: u64,
                total: u64,
            ) -> StoreResult<Holding> {
                let now = now_ms();
                let mut tx = self.pool.begin().await?;
                let row = sqlx::query(
                    "UPDATE jobs SET progress_done = $3, progress_total = $4, heartbeat_at = $5, updated_at = $5 \
                     WHERE id = $1 AND worker_id = $2 AND status = 'running' RETURNING cancel_requested",
                )
                .bind(id)
                .bind(worker)
                .bind(done as i64)
                .bind(total as i64)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
                let state = holding(row)?;
                if state == Holding::Lost {
                    return Ok(state);
                }
                for f in frames {
                    sqlx::query(
                        "INSERT INTO frames (job_id, frame, time_ms, faces) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (job_id, frame) DO UPDATE SET time_ms = excluded.time_ms, faces = excluded.faces",
                    )
                    .bind(id)
                    .bind(f.frame as i64)
                    .bind(f.time_ms as i64)
                    .bind(serde_json::to_string(&f.faces)?)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(state)
            }

            async fn finish(&self, id: &str, worker: &str, finish: Finish) -> StoreResult<bool> {
                let now = now_ms();
                let mut tx = self.pool.begin().await?;
                let held = "WHERE id = $1 AND worker_id = $2 AND status = 'running'";
                let changed = match finish {
                    Finish::Succeeded { video, summary } => {
                        sqlx::query(&format!(
                            "UPDATE jobs SET status = 'succeeded', video = $3, summary = $4, progress_done = $5, \
                               progress_total = $5, worker_id = NULL, finished_at = $6, updated_at = $6 {held}"
                        ))
                        .bind(id)
                        .bind(worker)
                        .bind(serde_json::to_string(&video)?)
                        .bind(serde_json::to_string(&summary)?)
                        .bind(summary.frames_analyzed as i64)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                    }
                    Finish::Canceled => {
                        let n = sqlx::query(&format!(
                            "UPDATE jobs SET status = 'canceled', worker_id = NULL, finished_at = $3, updated_at = $3 {held}"
                        ))
                        .bind(id)
                        .bind(worker)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        sqlx::query("DELETE FROM frames WHERE job_id = $1").bind(id).execute(&mut *tx).await?;
                        n
                    }
                    Finish::Failed { code, message, retry_in_ms } => {
                        let n = sqlx::query(&format!(
                            "UPDATE jobs SET \
                               status = CASE WHEN $5 IS NOT NULL AND attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
                               run_after = $6 + COALESCE($5, 0), \
                               finished_at = CASE WHEN $5 IS NOT NULL AND attempts < max_attempts THEN NULL ELSE $6 END, \
                               error_code = $3, error_message = $4, worker_id = NULL, updated_at = $6 {held}"
                        ))
                        .bind(id)
                        .bind(worker)
                        .bind(&code)
                        .bind(&message)
                        .bind(retry_in_ms)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        sqlx::query("DELETE FROM frames WHERE job_id = $1").bind(id).execute(&mut *tx).await?;
                        n
                    }
                };
                tx.commit().await?;
                Ok(changed == 1)
            }

            async fn recover_stale(&self, stale_ms: i64) -> StoreResult<u64> {
                let now = now_ms();
                let n = sqlx::query(
                    "UPDATE jobs SET \
                       status = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END, \
                       finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE $1 END, \
                       error_code = CASE WHEN attempts < max_attempts THEN error_code ELSE 'worker_lost' END, \
                       error_message = CASE WHEN attempts < max_attempts THEN error_message \
                         ELSE 'the worker processing this job stopped responding too many times' END, \
                       worker_id = NULL, run_after = $1, updated_at = $1 \
                     WHERE status = 'running' AND heartbeat_at < $2",
                )
                .bind(now)
                .bind(now - stale_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(n)
            }

            async fn forget_video(&self, id: &str) -> StoreResult<()> {
                sqlx::query("UPDATE jobs SET video_path = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn timeline(
                &self,
                id: &str,
                after: Option<u64>,
                limit: u32,
            ) -> StoreResult<Vec<FrameResult>> {
                let rows = sqlx::query(
                    "SELECT frame, time_ms, faces FROM frames WHERE job_id = $1 AND ($2 IS NULL OR frame > $2) \
                     ORDER BY frame LIMIT $3",
                )
                .bind(id)
                .bind(after.map(|a| a as i64))
                .bind(limit as i64)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(FrameResult {
                            frame: r.try_get::<i64, _>("frame")? as u64,
                            time_ms: r.try_get::<i64, _>("time_ms")? as u64,
                            faces: serde_json::from_str(r.try_get("faces")?)?,
                        })
                    })
                    .collect()
            }

            async fn save_report(&self, r: &Report) -> StoreResult<()> {
                sqlx::query(&format!(
                    "INSERT INTO reports ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ))
                .bind(&r.id)
                .bind(&r.job_id)
                .bind(&r.provider)
                .bind(&r.model)
                .bind(&r.language)
                .bind(&r.text)
                .bind(serde_json::to_string(&r.inputs)?)
                .bind(r.usage.as_ref().map(serde_json::to_string).transpose()?)
                .bind(r.created_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn find_report(
                &self,
                job_id: &str,
                provider: &str,
                model: &str,
                language: &str,
            ) -> StoreResult<Option<Report>> {
                let sql = format!(
                    "SELECT {REPORT_COLUMNS} FROM reports WHERE job_id = $1 AND provider = $2 AND model = $3 AND language = $4 \
                     ORDER BY id DESC LIMIT 1"
                );
                let row = sqlx::query(&sql)
                    .bind(job_id)
                    .bind(provider)
                    .bind(model)
                    .bind(language)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(row_to_report).transpose()
            }

            async fn reports(&self, job_id: &str) -> StoreResult<Vec<Report>> {
                let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE job_id = $1 ORDER BY id DESC");
                let rows = sqlx::query(&sql).bind(job_id).fetch_all(&self.pool).await?;
                rows.iter().map(row_to_report).collect()
            }
        }
    };
}

pub(crate) use sql_store;
