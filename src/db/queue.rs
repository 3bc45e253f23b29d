//! The queue as workers see it: claim, heartbeat, progress, the end of a job, and taking back the
//! jobs of workers that died. The claim re-checks `status = 'queued'` on the row it updates,
//! which makes a double claim impossible in both databases.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::types::Json;

use super::Job;
use super::rows::{
    FrameRow, JOB_COLUMNS, JobRow, StoredFace, StoredPerson, StoredSummary, StoredVideo, signed,
};
use super::{DbResult, Finish, Holding, QueueStore, SqlStore, with_pool};
use crate::clock::now_ms;
use crate::pipeline::FrameResult;
use crate::pipeline::aggregate::EmotionSummary;
use crate::pipeline::people::Person;
use crate::pipeline::probe::VideoInfo;

/// What a lost worker's job becomes: requeued, without counting the attempt, unless it was lost
/// at the same point (frames done) `$1` times in a row, which marks it as the job that kills its
/// worker. `$2` is now. Only the `WHERE` clause differs between the stale-heartbeat recovery and
/// a restart's take-back. A running job without a video (a stream, a live session being kept)
/// cannot be taken up again: `recover_downloads` fails it.
const LOST_JOB_UPDATE: &str = "UPDATE jobs SET \
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
         THEN 'the worker analysing this job died at the same point several times in a row' \
         ELSE error_message END, \
       worker_id = NULL, run_after = $2, updated_at = $2 \
     WHERE status = 'running' AND video_path IS NOT NULL AND ";

/// Applies only while the job is still this worker's.
const HELD: &str = "WHERE id = $1 AND worker_id = $2 AND status = 'running'";

/// A stream's people so far, wiped when it ends otherwise than succeeding, or replaced.
const WIPE_PEOPLE: &str = "DELETE FROM people WHERE job_id = $1";

/// Inserts one person of job `$id` at `$rank`, in the transaction `$tx`.
macro_rules! insert_person {
    ($tx:expr, $id:expr, $rank:expr, $p:expr) => {{
        sqlx::query(
            "INSERT INTO people (job_id, person, rank, first_frame, last_frame, data) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind($id)
        .bind(i64::from($p.id))
        .bind($rank as i64)
        .bind(signed($p.first_frame))
        .bind(signed($p.last_frame))
        .bind(Json(StoredPerson::from($p)))
        .execute(&mut *$tx)
        .await?;
    }};
}

fn holding(cancel_requested: Option<bool>) -> Holding {
    match cancel_requested {
        None => Holding::Lost,
        Some(true) => Holding::CancelRequested,
        Some(false) => Holding::Held,
    }
}

#[async_trait]
impl QueueStore for SqlStore {
    async fn claim(&self, worker: &str) -> DbResult<Option<Job>> {
        let now = now_ms();
        let sql = format!(
            "UPDATE jobs SET status = 'running', worker_id = $1, heartbeat_at = $2, \
               attempts = attempts + 1, started_at = COALESCE(started_at, $2), progress_done = 0, \
               updated_at = $2 \
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_after <= $2 \
                         ORDER BY id LIMIT 1 {lock}) \
               AND status = 'queued' \
             RETURNING {JOB_COLUMNS}",
            lock = self.dialect().claim_lock()
        );
        let row: Option<JobRow> = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let row: Option<JobRow> = sqlx::query_as(&sql)
                .bind(worker)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(r) = &row {
                // An earlier attempt may have written some frames before its worker died.
                sqlx::query("DELETE FROM frames WHERE job_id = $1")
                    .bind(r.id())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            row
        });
        row.map(Job::try_from).transpose()
    }

    async fn heartbeat(&self, id: &str, worker: &str) -> DbResult<Holding> {
        let sql = format!("UPDATE jobs SET heartbeat_at = $3 {HELD} RETURNING cancel_requested");
        let cancel: Option<bool> = with_pool!(self, pool => sqlx::query_scalar(&sql)
            .bind(id)
            .bind(worker)
            .bind(now_ms())
            .fetch_optional(pool)
            .await)?;
        Ok(holding(cancel))
    }

    async fn record(
        &self,
        id: &str,
        worker: &str,
        frames: &[FrameResult],
        done: u64,
        total: u64,
    ) -> DbResult<Holding> {
        let progress = format!(
            "UPDATE jobs SET progress_done = $3, progress_total = $4, heartbeat_at = $5, \
             updated_at = $5 {HELD} RETURNING cancel_requested"
        );
        let insert = "INSERT INTO frames (job_id, frame, time_ms, faces) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job_id, frame) DO UPDATE SET time_ms = excluded.time_ms, faces = excluded.faces";
        let cancel: Option<bool> = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let cancel: Option<bool> = sqlx::query_scalar(&progress)
                .bind(id)
                .bind(worker)
                .bind(signed(done))
                .bind(signed(total))
                .bind(now_ms())
                .fetch_optional(&mut *tx)
                .await?;
            if cancel.is_some() {
                for f in frames {
                    let faces: Vec<StoredFace> = f.faces.iter().map(StoredFace::from).collect();
                    sqlx::query(insert)
                        .bind(id)
                        .bind(signed(f.frame))
                        .bind(signed(f.time_ms))
                        .bind(Json(faces))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            cancel
        });
        Ok(holding(cancel))
    }

    async fn record_so_far(
        &self,
        id: &str,
        worker: &str,
        summary: &EmotionSummary,
        people: &[Person],
    ) -> DbResult<bool> {
        let sql = format!("UPDATE jobs SET summary = $3 {HELD}");
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(&sql)
                .bind(id)
                .bind(worker)
                .bind(Json(StoredSummary::from(summary)))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                sqlx::query(WIPE_PEOPLE).bind(id).execute(&mut *tx).await?;
                for (rank, p) in people.iter().enumerate() {
                    insert_person!(tx, id, rank, p);
                }
                tx.commit().await?;
            }
            n == 1
        }))
    }

    async fn finish(&self, id: &str, worker: &str, finish: Finish) -> DbResult<bool> {
        let held = Held { id, worker };
        let changed = match finish {
            Finish::Succeeded {
                video,
                summary,
                people,
                warnings,
                merged,
            } => {
                let result = Succeeded {
                    video: &video,
                    summary: &summary,
                    people: people.as_deref().unwrap_or_default(),
                    warnings: &warnings,
                    merged: &merged,
                };
                self.finish_succeeded(held, result).await?
            }
            Finish::Canceled => self.finish_canceled(held).await?,
            Finish::HandedBack => self.hand_back(held).await?,
            Finish::Failed {
                code,
                message,
                retry_in_ms,
            } => {
                self.finish_failed(held, code.as_str(), &message, retry_in_ms)
                    .await?
            }
        };
        Ok(changed == 1)
    }

    async fn recover_stale(&self, stale_ms: i64, max_crashes: u32) -> DbResult<u64> {
        let now = now_ms();
        let sql = format!("{LOST_JOB_UPDATE} heartbeat_at < $3");
        let done = with_pool!(self, pool => sqlx::query(&sql)
            .bind(i64::from(max_crashes))
            .bind(now)
            .bind(now - stale_ms)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(done)
    }

    fn listen(
        &self,
        jobs: std::sync::Arc<tokio::sync::Notify>,
        reports: std::sync::Arc<tokio::sync::Notify>,
        cancel: tokio_util::sync::CancellationToken,
    ) -> bool {
        self.listen_for_work(jobs, reports, cancel)
    }

    async fn take_back(&self, worker_prefix: &str, max_crashes: u32) -> DbResult<u64> {
        let sql = format!("{LOST_JOB_UPDATE} substr(worker_id, 1, length($3)) = $3");
        let done = with_pool!(self, pool => sqlx::query(&sql)
            .bind(i64::from(max_crashes))
            .bind(now_ms())
            .bind(worker_prefix)
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(done)
    }
}

/// A job and the worker that must still hold it for a write to apply.
#[derive(Clone, Copy)]
struct Held<'a> {
    id: &'a str,
    worker: &'a str,
}

struct Succeeded<'a> {
    video: &'a VideoInfo,
    summary: &'a EmotionSummary,
    people: &'a [Person],
    warnings: &'a [String],
    merged: &'a BTreeMap<u32, u32>,
}

/// Runs `$sql`, an update of the job `$held` holds (`$1` its id, `$2` its worker, `$3` now), in
/// the transaction `$tx`; the rows it changed.
macro_rules! update_held {
    ($tx:ident, $sql:expr, $held:expr) => {
        sqlx::query($sql)
            .bind($held.id)
            .bind($held.worker)
            .bind(now_ms())
            .execute(&mut *$tx)
            .await?
            .rows_affected()
    };
}

/// Deletes the job's frames and people in the transaction `$tx`: what a job that ends without
/// its result must not keep.
macro_rules! wipe_results {
    ($tx:ident, $id:expr) => {
        sqlx::query(WIPE_FRAMES)
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query(WIPE_PEOPLE)
            .bind($id)
            .execute(&mut *$tx)
            .await?;
    };
}

/// Frames relabelled per read when tracks were merged.
const RELABEL_CHUNK: i64 = 200;

/// Gives the stored faces of merged tracks their person's id, a chunk of frames at a time,
/// in the transaction `$tx` (a macro: the two databases' transactions are different types).
macro_rules! relabel_frames {
    ($tx:expr, $id:expr, $merged:expr) => {{
        let select = "SELECT frame, time_ms, faces FROM frames \
            WHERE job_id = $1 AND frame > $2 ORDER BY frame LIMIT $3";
        let update = "UPDATE frames SET faces = $3 WHERE job_id = $1 AND frame = $2";
        let mut after = -1i64;
        loop {
            let mut rows: Vec<FrameRow> = sqlx::query_as(select)
                .bind($id)
                .bind(after)
                .bind(RELABEL_CHUNK)
                .fetch_all(&mut *$tx)
                .await?;
            for row in &mut rows {
                if row.relabel($merged) {
                    sqlx::query(update)
                        .bind($id)
                        .bind(row.frame())
                        .bind(row.faces())
                        .execute(&mut *$tx)
                        .await?;
                }
            }
            match rows.last() {
                Some(last) if rows.len() as i64 == RELABEL_CHUNK => after = last.frame(),
                _ => break,
            }
        }
    }};
}

const WIPE_FRAMES: &str = "DELETE FROM frames WHERE job_id = $1";

/// How a held job ends, one statement (and its rows) per way; each returns the rows changed
/// (0: the job was no longer this worker's).
impl SqlStore {
    async fn finish_succeeded(&self, held: Held<'_>, r: Succeeded<'_>) -> DbResult<u64> {
        let sql = format!(
            "UPDATE jobs SET status = 'succeeded', video = $3, summary = $4, \
               progress_done = $5, progress_total = $5, worker_id = NULL, \
               warnings = $7, finished_at = $6, updated_at = $6 {HELD}"
        );
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(&sql)
                .bind(held.id)
                .bind(held.worker)
                .bind(Json(StoredVideo::from(r.video)))
                .bind(Json(StoredSummary::from(r.summary)))
                .bind(signed(r.summary.frames_analyzed))
                .bind(now_ms())
                .bind(Json(r.warnings))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                // A stream's people so far (record_so_far) give way to the final ones.
                sqlx::query(WIPE_PEOPLE).bind(held.id).execute(&mut *tx).await?;
                for (rank, p) in r.people.iter().enumerate() {
                    insert_person!(tx, held.id, rank, p);
                }
                if !r.merged.is_empty() {
                    relabel_frames!(tx, held.id, r.merged);
                }
            }
            tx.commit().await?;
            n
        }))
    }

    async fn finish_canceled(&self, held: Held<'_>) -> DbResult<u64> {
        let sql = format!(
            "UPDATE jobs SET status = 'canceled', summary = NULL, worker_id = NULL, \
             finished_at = $3, updated_at = $3 {HELD}"
        );
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = update_held!(tx, &sql, held);
            wipe_results!(tx, held.id);
            tx.commit().await?;
            n
        }))
    }

    /// Back to the queue at once, as if it had not been claimed: the attempt is given back.
    async fn hand_back(&self, held: Held<'_>) -> DbResult<u64> {
        let sql = format!(
            "UPDATE jobs SET status = 'queued', attempts = CASE WHEN attempts > 0 \
               THEN attempts - 1 ELSE 0 END, summary = NULL, progress_done = 0, \
               worker_id = NULL, heartbeat_at = NULL, run_after = $3, updated_at = $3 {HELD}"
        );
        let notice = self.dialect().queued_notice();
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = update_held!(tx, &sql, held);
            if n == 1 {
                sqlx::query(WIPE_FRAMES).bind(held.id).execute(&mut *tx).await?;
                if let Some(notice) = notice {
                    sqlx::query(notice).bind(super::notify::JOB).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            n
        }))
    }

    /// Back to the queue after `retry_in_ms` while attempts are left, else failed for good.
    async fn finish_failed(
        &self,
        held: Held<'_>,
        code: &str,
        message: &str,
        retry_in_ms: Option<i64>,
    ) -> DbResult<u64> {
        let retry = "$5 IS NOT NULL AND attempts < max_attempts";
        let sql = format!(
            "UPDATE jobs SET \
               status = CASE WHEN {retry} THEN 'queued' ELSE 'failed' END, \
               run_after = $6 + COALESCE($5, 0), \
               finished_at = CASE WHEN {retry} THEN NULL ELSE $6 END, \
               error_code = $3, error_message = $4, summary = NULL, worker_id = NULL, \
               updated_at = $6 {HELD}"
        );
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(&sql)
                .bind(held.id)
                .bind(held.worker)
                .bind(code)
                .bind(message)
                .bind(retry_in_ms)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            wipe_results!(tx, held.id);
            tx.commit().await?;
            n
        }))
    }
}
