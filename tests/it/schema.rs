//! Rows written by earlier schemas and the code of their time are read by today's store after
//! its migrations (`tests/postgres.rs` does the same on PostgreSQL, where JSON became JSONB).

use crate::common;

use emoscope::config::DatabaseUrl;
use emoscope::db::SqlStore;

/// A SQLite database migrated up to `version`, holding `rows`, then opened (and so migrated to
/// today's schema) by the store; the folder holds it.
async fn migrated_from(version: i64, rows: &str) -> (tempfile::TempDir, SqlStore) {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
    common::schema_until(sqlx::migrate!("./migrations/sqlite"), version)
        .run(&pool)
        .await
        .expect("the earlier schema");
    sqlx::raw_sql(rows).execute(&pool).await.expect("old rows");
    pool.close().await;
    let store = SqlStore::open(&DatabaseUrl::new(url))
        .await
        .expect("migrated");
    (dir, store)
}

#[tokio::test]
async fn rows_of_the_first_schema_are_read_on_sqlite() {
    let (_dir, store) = migrated_from(common::FIRST_SCHEMA, common::FIRST_SCHEMA_ROWS).await;
    common::check_first_schema_rows(&store).await;
}

/// Jobs stored before the `kind` column are named by what they left (migration 0009).
#[tokio::test]
async fn jobs_before_kinds_are_named_on_sqlite() {
    let (_dir, store) = migrated_from(common::KINDLESS_SCHEMA, &common::kindless_rows()).await;
    common::check_kinds_named(&store).await;
}
