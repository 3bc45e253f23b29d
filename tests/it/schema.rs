//! Rows written by the first schema and the code of that time are read by today's store after
//! its migrations (`tests/postgres.rs` does the same on PostgreSQL, where JSON became JSONB).

use crate::common;

use emoscope::config::DatabaseUrl;
use emoscope::db::SqlStore;

#[tokio::test]
async fn rows_of_the_first_schema_are_read_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
    common::first_schema(sqlx::migrate!("./migrations/sqlite"))
        .run(&pool)
        .await
        .expect("first schema");
    sqlx::raw_sql(common::FIRST_SCHEMA_ROWS)
        .execute(&pool)
        .await
        .expect("old rows");
    pool.close().await;

    let store = SqlStore::open(&DatabaseUrl::new(url))
        .await
        .expect("migrated");
    common::check_first_schema_rows(&store).await;
}

/// Jobs stored before the `kind` column are named by what they left (migration 0009).
#[tokio::test]
async fn jobs_before_kinds_are_named_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
    common::schema_until(
        sqlx::migrate!("./migrations/sqlite"),
        common::KINDLESS_SCHEMA,
    )
    .run(&pool)
    .await
    .expect("schema before kinds");
    sqlx::raw_sql(&common::kindless_rows())
        .execute(&pool)
        .await
        .expect("old rows");
    pool.close().await;
    let store = SqlStore::open(&DatabaseUrl::new(url))
        .await
        .expect("migrated");
    common::check_kinds_named(&store).await;
}
