//! API keys (only their hashes) and the idempotency keys of retried requests.

use async_trait::async_trait;

use super::{DbResult, IdempotencyStore, KeyStore, SqlStore, with_pool};

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    name: String,
    prefix: String,
    admin: bool,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl From<KeyRow> for ApiKey {
    fn from(r: KeyRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            admin: r.admin,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

const KEY_COLUMNS: &str = "id, name, prefix, admin, created_at, revoked_at";

#[async_trait]
impl KeyStore for SqlStore {
    async fn create_key(&self, new: &NewKey) -> DbResult<()> {
        let sql = "INSERT INTO api_keys (id, name, prefix, hash, admin, webhook_secret, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let k = &new.key;
        with_pool!(self, pool => sqlx::query(sql)
            .bind(&k.id)
            .bind(&k.name)
            .bind(&k.prefix)
            .bind(&new.hash)
            .bind(k.admin)
            .bind(&new.webhook_secret)
            .bind(k.created_at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    async fn keys(&self) -> DbResult<Vec<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id");
        let rows: Vec<KeyRow> =
            with_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(ApiKey::from).collect())
    }

    async fn revoke_key(&self, id: &str, now: i64) -> DbResult<Option<ApiKey>> {
        let sql = format!(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 \
             RETURNING {KEY_COLUMNS}"
        );
        let row: Option<KeyRow> = with_pool!(self, pool =>
            sqlx::query_as(&sql).bind(id).bind(now).fetch_optional(pool).await)?;
        Ok(row.map(ApiKey::from))
    }

    async fn key_by_hash(&self, hash: &str) -> DbResult<Option<ApiKey>> {
        let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = $1");
        let row: Option<KeyRow> = with_pool!(self, pool =>
            sqlx::query_as(&sql).bind(hash).fetch_optional(pool).await)?;
        Ok(row.map(ApiKey::from))
    }

    async fn any_key(&self) -> DbResult<bool> {
        let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM api_keys LIMIT 1) AS k";
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    async fn webhook_secret(&self, key_id: &str) -> DbResult<Option<String>> {
        let sql = "SELECT webhook_secret FROM api_keys WHERE id = $1";
        let secret: Option<String> = with_pool!(self, pool =>
            sqlx::query_scalar(sql).bind(key_id).fetch_optional(pool).await)?;
        Ok(secret)
    }
}

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

/// An API key as stored: never its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The token's first characters.
    pub prefix: String,
    pub admin: bool,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A key just made: the only time its token and webhook secret are known outside the database.
pub struct NewKey {
    pub key: ApiKey,
    pub token: String,
    pub hash: String,
    /// Signs the webhooks of this key's jobs (Standard Webhooks `whsec_` form).
    pub webhook_secret: String,
}
