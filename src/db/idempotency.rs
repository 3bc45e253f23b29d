//! The idempotency keys of retried requests: who claimed which key in which scope, and what
//! the first request answered.

use async_trait::async_trait;

use super::{DbResult, IdempotencyStore, SqlStore, with_pool};

/// What the first request with an idempotency key left behind.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdempotentRequest {
    /// `None` while the first request is still being handled.
    pub fingerprint: Option<String>,
    pub resource_id: Option<String>,
    pub status: Option<i64>,
    pub created_at: i64,
}

#[async_trait]
impl IdempotencyStore for SqlStore {
    async fn claim_idempotency(
        &self,
        owner: &str,
        scope: &str,
        key: &str,
        now: i64,
        expired_before: i64,
    ) -> DbResult<Option<IdempotentRequest>> {
        let expire = "DELETE FROM idempotency_keys WHERE created_at < $1";
        let claim = "INSERT INTO idempotency_keys (owner, scope, key, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
        let claimed = with_pool!(self, pool => {
            sqlx::query(expire).bind(expired_before).execute(pool).await?;
            sqlx::query(claim)
                .bind(owner)
                .bind(scope)
                .bind(key)
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })?;
        if claimed == 1 {
            return Ok(None);
        }
        self.idempotent_request(owner, scope, key).await
    }

    async fn idempotent_request(
        &self,
        owner: &str,
        scope: &str,
        key: &str,
    ) -> DbResult<Option<IdempotentRequest>> {
        let sql = "SELECT fingerprint, resource_id, status, created_at FROM idempotency_keys \
                   WHERE owner = $1 AND scope = $2 AND key = $3";
        let row: Option<IdempotentRequest> = with_pool!(self, pool => sqlx::query_as(sql)
            .bind(owner)
            .bind(scope)
            .bind(key)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    async fn complete_idempotency(
        &self,
        owner: &str,
        scope: &str,
        key: &str,
        fingerprint: &str,
        resource_id: &str,
        status: u16,
    ) -> DbResult<()> {
        let sql = "UPDATE idempotency_keys SET fingerprint = $4, resource_id = $5, status = $6 \
                   WHERE owner = $1 AND scope = $2 AND key = $3";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(owner)
            .bind(scope)
            .bind(key)
            .bind(fingerprint)
            .bind(resource_id)
            .bind(i64::from(status))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    async fn release_idempotency(&self, owner: &str, scope: &str, key: &str) -> DbResult<()> {
        let sql = "DELETE FROM idempotency_keys \
                   WHERE owner = $1 AND scope = $2 AND key = $3 AND fingerprint IS NULL";
        with_pool!(self, pool => sqlx::query(sql)
            .bind(owner)
            .bind(scope)
            .bind(key)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
