//! The shared store for many workers on many machines: PostgreSQL. Workers claim with
//! `FOR UPDATE SKIP LOCKED`, so two never take the same job and none waits for another's claim.
//! The SQL itself is in `sql.rs`. Uploads must then sit on a disk that the API and every worker
//! see at the same path (`data_dir`).

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgPoolOptions, PgRow};

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (which must exist) and applies the migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await
            .map_err(|e| StoreError(format!("migration failed: {e}")))
    }
}

super::sql::sql_store!(
    PgStore,
    PgRow,
    "FOR UPDATE SKIP LOCKED",
    "SELECT pg_advisory_xact_lock(7215001)"
);
