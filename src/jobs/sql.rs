//! The job store's SQL, written once for SQLite and PostgreSQL: `$N` placeholders, `TRUE`,
//! `ON CONFLICT … DO UPDATE` and `RETURNING` mean the same in both. The claim re-checks
//! `status = 'queued'` on the row it updates, which makes a double claim impossible in both; the
//! one difference is PostgreSQL's `FOR UPDATE SKIP LOCKED`, so that concurrent workers pass over
//! a job another is claiming instead of waiting for it (SQLite has one writer at a time).
//!
//! `sql_store!(Store, RowType, "claim lock clause", "admission lock statement")` implements
//! `JobStore` for a struct with a `pool` field; it brings the names it uses into the calling
//! module. The admission lock serialises uploads on PostgreSQL, where two transactions could
//! otherwise both count the queue before either inserts (SQLite has one writer at a time).

/// What a lost worker's job becomes: requeued, unless it was lost at the same point (frames done)
/// `$1` times in a row, which marks it as the job that kills its worker. `$2` is now. Only the
/// `WHERE` clause differs between the stale-heartbeat recovery and a restart's take-back.
pub(crate) const LOST_JOB_UPDATE: &str = "UPDATE jobs SET \
       crashes = CASE WHEN progress_done = crash_progress THEN crashes + 1 ELSE 1 END, \
       crash_progress = progress_done, \
       attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
       status = CASE WHEN (CASE WHEN progress_done = crash_progress THEN crashes + 1 ELSE 1 END) >= $1 \
         THEN 'failed' ELSE 'queued' END, \
       finished_at = CASE WHEN (CASE WHEN progress_done = crash_progress THEN crashes + 1 ELSE 1 END) >= $1 \
         THEN $2 ELSE NULL END, \
       error_code = CASE WHEN (CASE WHEN progress_done = crash_progress THEN crashes + 1 ELSE 1 END) >= $1 \
         THEN 'worker_lost' ELSE error_code END, \
       error_message = CASE WHEN (CASE WHEN progress_done = crash_progress THEN crashes + 1 ELSE 1 END) >= $1 \
         THEN 'the worker analysing this job died at the same point several times in a row' ELSE error_message END, \
       worker_id = NULL, run_after = $2, updated_at = $2 \
     WHERE status = 'running' AND ";

/// A count or size from the database, which stores them signed.
pub(crate) fn unsigned(v: i64, column: &str) -> Result<u64, super::store::StoreError> {
    u64::try_from(v).map_err(|_| super::store::StoreError(format!("{column} is negative: {v}")))
}

/// A count or size for the database, which stores them signed.
pub(crate) fn signed(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

macro_rules! sql_store {
    ($store:ty, $row:ty, $claim_lock:literal, $admission_lock:literal) => {
        use async_trait::async_trait;
        use sqlx::Row as _;
        use $crate::jobs::store::{Finish, Holding, JobStore, StoreError, StoreResult};
        use $crate::jobs::sql::{LOST_JOB_UPDATE, signed, unsigned};
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
                video_bytes: unsigned(row.try_get("video_bytes")?, "video_bytes")?,
                keep_video: row.try_get("keep_video")?,
                video: serde_json::from_str(row.try_get("video")?)?,
                progress_done: unsigned(row.try_get("progress_done")?, "progress_done")?,
                progress_total: unsigned(row.try_get("progress_total")?, "progress_total")?,
                summary: match row.try_get::<Option<String>, _>("summary")? {
                    Some(s) => Some(serde_json::from_str(&s)?),
                    None => None,
                },
                warnings: serde_json::from_str(row.try_get("warnings")?)?,
                error_code: row.try_get("error_code")?,
                error_message: row.try_get("error_message")?,
                attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                max_attempts: u32::try_from(row.try_get::<i64, _>("max_attempts")?).unwrap_or(u32::MAX),
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

            async fn create(&self, job: NewJob, max_queued: u64) -> StoreResult<Option<Job>> {
                let now = now_ms();
                let mut tx = self.pool.begin().await?;
                if !$admission_lock.is_empty() {
                    sqlx::query($admission_lock).execute(&mut *tx).await?;
                }
                // The count and the insert are one statement, under the admission lock: two
                // uploads cannot both take the queue's last place.
                let sql = format!(
                    "INSERT INTO jobs (id, status, options, video_name, video_path, video_bytes, keep_video, video, \
                     progress_total, warnings, max_attempts, run_after, created_at, updated_at) \
                     SELECT $1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 \
                     WHERE (SELECT COUNT(*) FROM jobs WHERE status = 'queued') < $14 RETURNING {COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(&job.id)
                    .bind(serde_json::to_string(&job.options)?)
                    .bind(&job.video_name)
                    .bind(&job.video_path)
                    .bind(signed(job.video_bytes))
                    .bind(job.keep_video)
                    .bind(serde_json::to_string(&job.video)?)
                    .bind(signed(job.progress_total))
                    .bind(serde_json::to_string(&job.warnings)?)
                    .bind(i64::from(job.max_attempts))
                    .bind(now)
                    .bind(now)
                    .bind(now)
                    .bind(signed(max_queued))
                    .fetch_optional(&mut *tx)
                    .await?;
                let job = row.as_ref().map(row_to_job).transpose()?;
                tx.commit().await?;
                Ok(job)
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
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(row_to_job).collect()
            }

            async fn count_with_status(&self, status: JobStatus) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = $1")
                    .bind(status.as_str())
                    .fetch_one(&self.pool)
                    .await?;
                unsigned(n, "count")
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
                .bind(signed(done))
                .bind(signed(total))
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
                    .bind(signed(f.frame))
                    .bind(signed(f.time_ms))
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
                        .bind(signed(summary.frames_analyzed))
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

            async fn recover_stale(&self, stale_ms: i64, max_crashes: u32) -> StoreResult<u64> {
                let now = now_ms();
                let n = sqlx::query(&format!("{LOST_JOB_UPDATE} heartbeat_at < $3"))
                    .bind(i64::from(max_crashes))
                    .bind(now)
                    .bind(now - stale_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(n)
            }

            async fn take_back(&self, worker_prefix: &str, max_crashes: u32) -> StoreResult<u64> {
                let n = sqlx::query(&format!(
                    "{LOST_JOB_UPDATE} substr(worker_id, 1, length($3)) = $3"
                ))
                .bind(i64::from(max_crashes))
                .bind(now_ms())
                .bind(worker_prefix)
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
                .bind(after.map(signed))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(FrameResult {
                            frame: unsigned(r.try_get("frame")?, "frame")?,
                            time_ms: unsigned(r.try_get("time_ms")?, "time_ms")?,
                            faces: serde_json::from_str(r.try_get("faces")?)?,
                        })
                    })
                    .collect()
            }

            async fn save_report(&self, r: &Report, replace: bool) -> StoreResult<Report> {
                // The unique key (job, language, provider, model) decides: a second report for
                // the same key is not stored beside the first; it replaces it only when asked.
                let on_conflict = if replace {
                    "DO UPDATE SET id = excluded.id, text = excluded.text, inputs = excluded.inputs, \
                     usage = excluded.usage, created_at = excluded.created_at"
                } else {
                    "DO NOTHING"
                };
                sqlx::query(&format!(
                    "INSERT INTO reports ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (job_id, language, provider, model) {on_conflict}"
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
