//! The PostgreSQL store, on a real server: the whole API on it, concurrent claims that never hand
//! out a job twice, and two services (think two machines) sharing one queue. Each test gets a
//! database of its own, dropped at the end. The server is `EMOSCOPE_TEST_POSTGRES_URL`, by default
//! the one `scripts/setup.sh --test` starts (role `emoscope`, allowed to create databases).

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::pg::TestDb;
use common::synth::Codec;
use common::{TestApp, happy_spec, main_spec, new_job, video};
use emoscope::config::DatabaseUrl;
use emoscope::db::{JobStore, QueueStore, SqlStore};
use emoscope::jobs::JobStatus;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_works_on_postgresql() {
    let db = TestDb::create().await;
    let url = db.url.clone();
    let app = TestApp::start(move |c| c.database_url = DatabaseUrl::new(url)).await;
    let (status, ready) = app.get("/readyz").await;
    assert_eq!((status, ready["database"].as_str()), (200, Some("ok")));

    let (status, job) = app
        .upload(
            &video("main", main_spec, Codec::H264Mp4),
            &[("sample_fps", "5")],
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    let job = app.wait(&id, WAIT).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["attempts"], 1);
    assert_eq!(
        job["video"]["stored"], false,
        "the upload is deleted after analysis"
    );

    let (_, emotions) = app.get(&format!("/v1/jobs/{id}/emotions")).await;
    assert_eq!(emotions["frames_analyzed"], 50);
    assert_eq!(emotions["dominant"], "happy");
    let sum: f64 = emotions["percentages"]
        .as_object()
        .expect("percentages")
        .values()
        .filter_map(Value::as_f64)
        .sum();
    assert!((sum - 100.0).abs() < 0.011, "{sum}");

    // The timeline pages through all 50 frames in order, with no frame twice.
    let mut frames = Vec::new();
    let mut cursor: Option<u64> = None;
    loop {
        let q = cursor.map_or(String::new(), |c| format!("&cursor={c}"));
        let (status, page) = app
            .get(&format!("/v1/jobs/{id}/timeline?limit=16{q}"))
            .await;
        assert_eq!(status, 200, "{page}");
        frames.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|f| f["frame"].as_u64().expect("frame")),
        );
        match page["next_cursor"].as_u64() {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(frames.len(), 50);
    assert!(frames.windows(2).all(|w| w[0] < w[1]), "{frames:?}");

    let (status, report) = app
        .post_report(&id, serde_json::json!({"provider": "template"}))
        .await;
    assert_eq!(status, 202, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let (_, reports) = app.get(&format!("/v1/jobs/{id}/reports")).await;
    assert_eq!(reports["items"].as_array().map(Vec::len), Some(1));

    let (_, list) = app.get("/v1/jobs?status=succeeded").await;
    assert_eq!(list["items"][0]["id"], id.as_str());
    let (status, _) = app.delete(&format!("/v1/jobs/{id}")).await;
    assert_eq!(status, 204);
    let (status, _) = app.get(&format!("/v1/jobs/{id}/reports")).await;
    assert_eq!(status, 404);

    common::people::check_people_api(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_end_of_the_job_joins_a_person_seen_in_several_shots_on_postgresql() {
    let db = TestDb::create().await;
    let url = db.url.clone();
    let app = TestApp::start(move |c| {
        c.database_url = DatabaseUrl::new(url);
        c.tracking.reid_ms = 0;
    })
    .await;
    common::people::check_joined_people(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_keep_jobs_apart_on_postgresql() {
    let db = TestDb::create().await;
    let url = db.url.clone();
    let app = TestApp::start(move |c| {
        c.database_url = DatabaseUrl::new(url);
        c.workers = 0;
    })
    .await;
    common::keys::check_isolation(&app).await;
    common::keys::check_idempotent_uploads(&app).await;
    app.stop().await;
}

/// The triggers, the claim of deliveries and reports, and the attempt log, on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_retried_and_recorded_on_postgresql() {
    let db = TestDb::create().await;
    let url = db.url.clone();
    let app = TestApp::start(move |c| {
        c.database_url = DatabaseUrl::new(url);
        common::receiver::allow_local_receivers(c);
    })
    .await;
    common::receiver::check_signed_retried_delivery(&app).await;
    app.stop().await;
}

/// `emoscope migrate` says which database it migrated, without the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_names_the_database_without_its_password() {
    let db = TestDb::create().await;
    let (ok, said) = migrate(&db.url);
    assert!(ok, "{said}");
    let password = db
        .url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('@').next())
        .and_then(|creds| creds.split_once(':'))
        .map(|(_, p)| p.to_string())
        .expect("the test URL has a password");
    assert!(said.contains(":***@"), "{said}");
    assert!(!said.contains(&format!(":{password}@")), "{said}");
}

/// `emoscope migrate` against `database_url`: whether it succeeded, and what it said.
fn migrate(database_url: &str) -> (bool, String) {
    let dir = tempfile::tempdir().expect("dir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emoscope"))
        .arg("migrate")
        .env("EMOSCOPE_DATA_DIR", dir.path())
        .env("EMOSCOPE_DATABASE_URL", database_url)
        .output()
        .expect("run");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// A fresh database migrated up to `version`, holding `rows`, then opened (and so migrated to
/// today's schema) by the store.
async fn migrated_from(db: &TestDb, version: i64, rows: &str) -> SqlStore {
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    common::schema_until(sqlx::migrate!("./migrations/postgres"), version)
        .run(&pool)
        .await
        .expect("the earlier schema");
    sqlx::raw_sql(rows).execute(&pool).await.expect("old rows");
    pool.close().await;
    SqlStore::open(&DatabaseUrl::new(db.url.clone()))
        .await
        .expect("migrated")
}

/// Rows of the first schema survive the migrations to today's, JSONB included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_of_the_first_schema_are_read_on_postgres() {
    let db = TestDb::create().await;
    let store = migrated_from(&db, common::FIRST_SCHEMA, common::FIRST_SCHEMA_ROWS).await;
    common::check_first_schema_rows(&store).await;
}

/// Jobs stored before the `kind` column are named by what they left (migration 0009).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_before_kinds_are_named_on_postgres() {
    let db = TestDb::create().await;
    let store = migrated_from(&db, common::KINDLESS_SCHEMA, &common::kindless_rows()).await;
    common::check_kinds_named(&store).await;
}

/// The loss rule and the atomic admission of `tests/recovery.rs`, on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_rules_on_postgres() {
    let db = TestDb::create().await;
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::new(db.url.clone()))
            .await
            .expect("open store"),
    );
    common::check_loss_rule(store.as_ref()).await;
    common::check_download_states(store.as_ref()).await;
    common::check_so_far_rules(store.as_ref()).await;
    common::check_ticket_rules(store.as_ref()).await;
    common::check_rate_rules(store.as_ref()).await;
    common::check_atomic_admission(store).await;
}

/// Eight workers claim forty jobs at once: every job is handed out exactly once. (The claim's
/// re-check of the status is what prevents a double claim; `SKIP LOCKED` spares a worker from
/// waiting on a row another is claiming.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_never_hand_out_a_job_twice() {
    let db = TestDb::create().await;
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::new(db.url.clone()))
            .await
            .expect("open store"),
    );
    let mut created = HashSet::new();
    for i in 0..40 {
        created.insert(
            store
                .create(new_job(i), u64::MAX)
                .await
                .expect("create")
                .expect("room in the queue")
                .id,
        );
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(job) = store.claim(&format!("worker-{w}")).await.expect("claim") {
                assert_eq!(job.status, JobStatus::Running);
                assert_eq!(job.attempts, 1);
                got.push(job.id);
            }
            got
        }));
    }
    let mut claimed = Vec::new();
    for t in tasks {
        claimed.extend(t.await.expect("worker task"));
    }
    let unique: HashSet<String> = claimed.iter().cloned().collect();
    assert_eq!(claimed.len(), 40, "a job was claimed twice or not at all");
    assert_eq!(unique, created);
    assert_eq!(
        store
            .count_with_status(JobStatus::Queued)
            .await
            .expect("count"),
        0
    );
}

/// A service on `db` with `workers` workers, sharing the upload folder `dir` with the others.
fn one_queue(
    db: &TestDb,
    dir: &std::path::Path,
    workers: usize,
    poll_ms: u64,
) -> impl FnOnce(&mut emoscope::config::Config) + use<> {
    let (url, dir) = (db.url.clone(), dir.to_path_buf());
    move |c| {
        c.database_url = DatabaseUrl::new(url);
        c.data_dir = dir;
        c.workers = workers;
        c.queue.poll_ms = poll_ms;
    }
}

/// Two services on one database and one upload folder, like two machines: one with the API only
/// (`serve --api-only`), one with a worker. Jobs uploaded to either are processed once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_services_share_one_queue() {
    let db = TestDb::create().await;
    let shared = tempfile::tempdir().expect("shared data dir");
    let a = TestApp::start(one_queue(&db, shared.path(), 0, 100)).await;
    let b = TestApp::start(one_queue(&db, shared.path(), 1, 100)).await;
    let clip = video("happy", happy_spec, Codec::H264Mp4);
    let mut ids = Vec::new();
    for i in 0..4 {
        let app = if i % 2 == 0 { &a } else { &b };
        let (status, job) = app.upload(&clip, &[("sample_fps", "2")]).await;
        assert_eq!(status, 202, "{job}");
        ids.push(job["id"].as_str().expect("id").to_string());
    }
    for id in &ids {
        // Either service answers for any job.
        let job = b.wait(id, WAIT).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(job["attempts"], 1, "{job}");
        let (_, emotions) = a.get(&format!("/v1/jobs/{id}/emotions")).await;
        assert_eq!(emotions["frames_analyzed"], 24, "{emotions}");
        assert_eq!(emotions["dominant"], "happy");
    }
    a.stop().await;
    b.stop().await;
}

/// A worker in another process that polls once a minute still takes a new job at once: queueing
/// sends NOTIFY, and its process LISTENs. Prints the time from upload to claim.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_in_another_process_wakes_on_notify() {
    let db = TestDb::create().await;
    let shared = tempfile::tempdir().expect("shared data dir");
    let api = TestApp::start(one_queue(&db, shared.path(), 0, 60_000)).await;
    let worker = TestApp::start(one_queue(&db, shared.path(), 1, 60_000)).await;
    // The worker has looked at the empty queue and is waiting out its poll.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waits = common::claim_waits(&api, 3, Duration::from_secs(30)).await;
    eprintln!("upload to claim over NOTIFY, ms (sorted): {waits:?}");
    assert!(waits.iter().all(|w| *w < 30_000), "{waits:?}");
    api.stop().await;
    worker.stop().await;
}

/// TLS to PostgreSQL: `database_url` with `sslmode=verify-full&sslrootcert=CA`. The local server
/// of `scripts/setup.sh --test` serves a certificate from the tests' own CA
/// (`/var/lib/postgresql/emoscope-tls/ca.crt`, or `EMOSCOPE_TEST_POSTGRES_CA` for another
/// server). With the CA
/// the service starts (`emoscope migrate`) on an encrypted connection; without it, or with a CA
/// that did not sign the server's certificate, it refuses to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_is_reached_over_verified_tls_with_its_ca_and_refused_without() {
    let db = TestDb::create().await;
    let ca = std::env::var("EMOSCOPE_TEST_POSTGRES_CA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| "/var/lib/postgresql/emoscope-tls/ca.crt".into());
    assert!(
        ca.exists(),
        "{} is missing: `scripts/setup.sh --test` makes it",
        ca.display()
    );
    let other_ca = std::path::Path::new("/etc/ssl/certs/ca-certificates.crt");
    let with = |query: String| format!("{}?{query}", db.url);

    let url = with(format!("sslmode=verify-full&sslrootcert={}", ca.display()));
    let (ok, said) = migrate(&url);
    assert!(ok, "refused with its CA: {said}");
    let pool = sqlx::PgPool::connect(&url)
        .await
        .expect("connect with the CA");
    let (ssl, version): (bool, Option<String>) =
        sqlx::query_as("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&pool)
            .await
            .expect("pg_stat_ssl");
    assert!(ssl, "the connection is not encrypted");
    assert!(version.is_some_and(|v| v.starts_with("TLS")));
    pool.close().await;

    for query in [
        "sslmode=verify-full".to_string(),
        format!("sslmode=verify-full&sslrootcert={}", other_ca.display()),
    ] {
        let (ok, said) = migrate(&with(query.clone()));
        assert!(!ok, "started with {query}: {said}");
        assert!(
            said.to_lowercase().contains("certificate"),
            "{query}: the refusal does not say why: {said}"
        );
        assert!(!said.contains(":emoscope@"), "the password shows: {said}");
    }
}

/// Two API processes on one database act as one: a live ticket given by one opens a session at
/// the other (no sticky sessions needed), once; and a key's rate limit holds across both
/// together, not at each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_ticket_and_a_rate_limit_hold_across_two_processes() {
    let db = TestDb::create().await;
    let url = db.url.clone();
    let on_db = |url: String| {
        move |c: &mut emoscope::config::Config| {
            c.database_url = DatabaseUrl::new(url);
            c.rate_limits.tickets_per_minute = 2;
        }
    };
    let first = TestApp::start(on_db(url.clone())).await;
    let second = TestApp::start(on_db(url)).await;
    let (_, token) = common::keys::make_key(&first, "browser", false).await;
    let client = common::keys::client_with(&token);
    let ask = |app: &TestApp| common::status_and_json(client.post(app.url("/v1/live/tickets")));
    let (status, ticket) = ask(&first).await;
    assert_eq!(status, 201, "{ticket}");
    let (status, body) = ask(&second).await;
    assert_eq!(status, 201, "the second of two a minute: {body}");
    for app in [&first, &second] {
        let (status, body) = ask(app).await;
        assert_eq!(status, 429, "a third at either process: {body}");
        assert_eq!(body["error"]["code"], "rate_limited");
    }
    let protocol = format!(
        "emoscope, {}",
        ticket["protocol"].as_str().expect("protocol")
    );
    let header = ("sec-websocket-protocol", protocol.as_str());
    let mut socket = crate::live::connect(&second, "", header)
        .await
        .expect("the other process takes the ticket");
    assert_eq!(crate::live::next(&mut socket).await["type"], "ready");
    drop(socket);
    for app in [&first, &second] {
        let again = crate::live::connect(app, "", header).await;
        assert_eq!(again.err(), Some(401), "a second use");
    }
    first.stop().await;
    second.stop().await;
}
