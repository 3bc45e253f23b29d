//! A job's analysed frames, read in pages, and its people.

use async_trait::async_trait;
use sqlx::types::Json;

use super::rows::{FrameRow, StoredPerson, signed};
use super::{DbResult, FrameStore, SqlStore, with_pool};
use crate::pipeline::FrameResult;
use crate::pipeline::people::Person;

/// Frames read at a time while looking for one person's faces.
const SCAN_CHUNK: u32 = 500;

impl SqlStore {
    /// Frames after `after` up to `until` (inclusive), in order.
    async fn frames_between(
        &self,
        id: &str,
        after: Option<u64>,
        until: Option<u64>,
        limit: u32,
    ) -> DbResult<Vec<FrameResult>> {
        let sql = "SELECT frame, time_ms, faces FROM frames \
             WHERE job_id = $1 AND ($2 IS NULL OR frame > $2) AND ($3 IS NULL OR frame <= $3) \
             ORDER BY frame LIMIT $4";
        let rows: Vec<FrameRow> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(id)
            .bind(after.map(signed))
            .bind(until.map(signed))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(FrameResult::try_from).collect()
    }
}

#[async_trait]
impl FrameStore for SqlStore {
    async fn timeline(
        &self,
        id: &str,
        after: Option<u64>,
        limit: u32,
    ) -> DbResult<Vec<FrameResult>> {
        self.frames_between(id, after, None, limit).await
    }

    async fn people(&self, id: &str) -> DbResult<Vec<Person>> {
        let sql = "SELECT data FROM people WHERE job_id = $1 ORDER BY rank";
        let rows: Vec<Json<StoredPerson>> = with_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(id)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(|r| r.0.into()).collect())
    }

    async fn person(&self, id: &str, person: u32) -> DbResult<Option<Person>> {
        let sql = "SELECT data FROM people WHERE job_id = $1 AND person = $2";
        let row: Option<Json<StoredPerson>> = with_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(id)
            .bind(i64::from(person))
            .fetch_optional(pool)
            .await)?;
        Ok(row.map(|r| r.0.into()))
    }

    async fn person_timeline(
        &self,
        id: &str,
        person: &Person,
        after: Option<u64>,
        limit: u32,
    ) -> DbResult<Vec<FrameResult>> {
        // The person's frames lie between its first and last: scan that range only, a chunk at
        // a time, keeping that person's face of each frame that has one.
        let mut cursor = match after {
            Some(a) if a >= person.first_frame => Some(a),
            _ => person.first_frame.checked_sub(1),
        };
        let mut out = Vec::new();
        while out.len() < limit as usize {
            let chunk = self
                .frames_between(id, cursor, Some(person.last_frame), SCAN_CHUNK)
                .await?;
            let Some(last) = chunk.last().map(|f| f.frame) else {
                break;
            };
            let full = chunk.len() == SCAN_CHUNK as usize;
            for mut f in chunk {
                f.faces.retain(|face| face.track_id == Some(person.id));
                if !f.faces.is_empty() {
                    out.push(f);
                    if out.len() == limit as usize {
                        break;
                    }
                }
            }
            if !full {
                break;
            }
            cursor = Some(last);
        }
        Ok(out)
    }
}
