//! A job's analysed frames, read in pages.

use async_trait::async_trait;

use super::rows::{FrameRow, signed};
use super::{FrameStore, SqlStore, StoreResult, with_pool};
use crate::pipeline::FrameResult;

#[async_trait]
impl FrameStore for SqlStore {
    async fn timeline(
        &self,
        id: &str,
        after: Option<u64>,
        limit: u32,
    ) -> StoreResult<Vec<FrameResult>> {
        let sql = "SELECT frame, time_ms, faces FROM frames \
             WHERE job_id = $1 AND ($2 IS NULL OR frame > $2) ORDER BY frame LIMIT $3";
        let rows: Vec<FrameRow> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(id)
            .bind(after.map(signed))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(FrameResult::try_from).collect()
    }
}
