//! API keys (only their hashes).

use async_trait::async_trait;

use super::{DbResult, KeyStore, SqlStore, with_pool};

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
