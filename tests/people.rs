//! Results per person through the HTTP API on SQLite (PostgreSQL: `tests/postgres.rs`).

mod common;

use common::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_listed_paged_and_deleted_with_their_job() {
    let app = TestApp::start(|_| {}).await;
    common::people::check_people_api(&app).await;
    app.stop().await;
}
