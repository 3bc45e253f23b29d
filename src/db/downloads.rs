//! Jobs made from a URL while their video is fetched: `downloading`, held by the process that
//! fetches it (`worker_id`, `heartbeat_at`), then queued with the video's facts, or failed. Only
//! that process knows the whole URL, so a job whose downloader went silent cannot be resumed:
//! it fails, and its webhook says so.

use async_trait::async_trait;
use sqlx::types::Json;

use super::jobs::JobFailure;
use super::rows::{StoredVideo, signed};
use super::{DbResult, DownloadStore, LostWriters, SqlStore, with_pool};
use crate::clock::now_ms;
use crate::pipeline::probe::VideoInfo;

/// What a finished download gives its job.
pub struct Downloaded<'a> {
    pub video_path: &'a str,
    pub video_bytes: u64,
    pub video: &'a VideoInfo,
    pub progress_total: u64,
}

/// Applies only while the job is still this downloader's.
const HELD: &str = "WHERE id = $1 AND worker_id = $2 AND status = 'downloading'";

#[async_trait]
impl DownloadStore for SqlStore {
    async fn download_heartbeat(&self, id: &str, downloader: &str) -> DbResult<bool> {
        let sql = format!("UPDATE jobs SET heartbeat_at = $3 {HELD}");
        let n = with_pool!(self, pool => sqlx::query(&sql)
            .bind(id)
            .bind(downloader)
            .bind(now_ms())
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    async fn downloaded(&self, id: &str, downloader: &str, d: Downloaded<'_>) -> DbResult<bool> {
        let now = now_ms();
        let sql = format!(
            "UPDATE jobs SET status = 'queued', video_path = $3, video_bytes = $4, video = $5, \
               progress_total = $6, worker_id = NULL, heartbeat_at = NULL, run_after = $7, \
               updated_at = $7 {HELD}"
        );
        let notice = self.dialect().queued_notice();
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query(&sql)
                .bind(id)
                .bind(downloader)
                .bind(d.video_path)
                .bind(signed(d.video_bytes))
                .bind(Json(StoredVideo::from(d.video)))
                .bind(signed(d.progress_total))
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if let (Some(notice), 1) = (notice, n) {
                sqlx::query(notice).bind(super::notify::JOB).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    async fn download_failed(
        &self,
        id: &str,
        downloader: &str,
        code: JobFailure,
        message: &str,
    ) -> DbResult<bool> {
        let sql = format!(
            "UPDATE jobs SET status = 'failed', error_code = $3, error_message = $4, \
               worker_id = NULL, finished_at = $5, updated_at = $5 {HELD}"
        );
        let n = with_pool!(self, pool => sqlx::query(&sql)
            .bind(id)
            .bind(downloader)
            .bind(code.as_str())
            .bind(message)
            .bind(now_ms())
            .execute(pool)
            .await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    async fn recover_downloads(&self, lost: LostWriters<'_>) -> DbResult<u64> {
        let which = lost.condition("heartbeat_at", "$3");
        // A stream's job (running, without a video) is lost the same way: its URL went too.
        let sql = format!(
            "UPDATE jobs SET status = 'failed', \
               error_code = CASE WHEN status = 'downloading' THEN 'download_failed' ELSE 'worker_lost' END, \
               error_message = CASE WHEN status = 'downloading' THEN $1 ELSE $4 END, \
               worker_id = NULL, finished_at = $2, updated_at = $2 \
             WHERE (status = 'downloading' OR (status = 'running' AND video_path IS NULL)) \
               AND {which}"
        );
        let download =
            "the server downloading the video stopped before it was done; send the URL again";
        let stream = "the server reading the stream stopped; send it again";
        let n = with_pool!(self, pool => {
            let q = sqlx::query(&sql).bind(download).bind(now_ms());
            let q = match lost {
                LostWriters::SilentSince(ms) => q.bind(ms),
                LostWriters::OfInstance(prefix) => q.bind(prefix),
            };
            q.bind(stream).execute(pool).await.map(|r| r.rows_affected())
        })?;
        Ok(n)
    }
}
