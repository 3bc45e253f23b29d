//! The rate limits' buckets (`api/rate.rs`) in the database, so that a limit holds across every
//! process that shares it: GCRA, one row per account and kind holding when the bucket is full
//! again (its theoretical arrival time), taken in one statement.

use async_trait::async_trait;

use super::{DbResult, Dialect, RateStore, SqlStore, with_pool};

#[async_trait]
impl RateStore for SqlStore {
    async fn take_token(
        &self,
        account: &str,
        kind: &str,
        now: i64,
        interval_ms: i64,
        burst: i64,
    ) -> DbResult<Option<i64>> {
        let greatest = match self.dialect() {
            Dialect::Sqlite => "MAX",
            Dialect::Postgres => "GREATEST",
        };
        // Taken when, after it, the bucket is full again within `burst` intervals from now.
        let take = format!(
            "INSERT INTO rate_buckets (account, kind, tat) VALUES ($1, $2, $3 + $4) \
             ON CONFLICT (account, kind) DO UPDATE SET tat = {greatest}(rate_buckets.tat, $3) + $4 \
             WHERE {greatest}(rate_buckets.tat, $3) + $4 - $3 <= $4 * $5 \
             RETURNING tat"
        );
        let tat = "SELECT tat FROM rate_buckets WHERE account = $1 AND kind = $2";
        with_pool!(self, pool => {
            let taken: Option<i64> = sqlx::query_scalar(&take)
                .bind(account)
                .bind(kind)
                .bind(now)
                .bind(interval_ms)
                .bind(burst)
                .fetch_optional(pool)
                .await?;
            if taken.is_some() {
                return Ok(None);
            }
            let full_at: i64 = sqlx::query_scalar(tat)
                .bind(account)
                .bind(kind)
                .fetch_one(pool)
                .await?;
            // The next token comes when one interval of the bucket has drained.
            Ok(Some((full_at + interval_ms - interval_ms * burst - now).max(1)))
        })
    }
}
