//! Restarts: a server killed mid-job (SIGKILL, no chance to clean up) takes its jobs back as soon
//! as it is started again, without waiting for their heartbeats to go stale and without counting
//! its death against them; every frame is counted once. Only a job that keeps dying at the same
//! point (a poison job) fails, and its upload goes with it.

use crate::common;

use std::time::{Duration, Instant};

use common::server::{Server, finished, poll_job};
use common::synth::Codec;
use common::{status_and_json, video};
use serde_json::Value;

async fn upload_every_frame(
    client: &reqwest::Client,
    server: &Server,
    path: &std::path::Path,
) -> String {
    let resp = client
        .post(server.url("/v1/jobs?sample_fps=0"))
        .header("content-type", "video/mp4")
        .body(std::fs::read(path).expect("read"))
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), 202);
    let job: Value = resp.json().await.expect("json");
    job["id"].as_str().expect("id").to_string()
}

/// Waits until the job is running with more than `after` frames done (and not yet half).
async fn part_way(client: &reqwest::Client, server: &Server, id: &str, after: u64) -> u64 {
    let job = poll_job(client, &server.base, id, Duration::from_secs(120), |j| {
        let done = j["progress"]["frames_done"].as_u64().unwrap_or(0);
        let total = j["progress"]["frames_total"].as_u64().unwrap_or(1);
        finished(j) || (j["status"] == "running" && done > after && done < total / 2)
    })
    .await;
    assert!(
        !finished(&job),
        "the job finished before it could be killed; make the video longer"
    );
    job["progress"]["frames_done"].as_u64().unwrap_or(0)
}

async fn check_every_frame_once(client: &reqwest::Client, server: &Server, id: &str, n: u64) {
    let (_, emotions) =
        status_and_json(client.get(server.url(&format!("/v1/jobs/{id}/emotions")))).await;
    assert_eq!(emotions["frames_analyzed"], n, "{emotions}");
    let csv = client
        .get(server.url(&format!("/v1/jobs/{id}/timeline?format=csv")))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let mut frames: Vec<u64> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse().ok())
        .collect();
    frames.dedup();
    assert_eq!(frames.len() as u64, n, "every frame once");
}

/// The job ends succeeded, on the one attempt counted, with each of its 600 frames once.
async fn succeeds_whole_on_one_attempt(client: &reqwest::Client, server: &Server, id: &str) {
    let job = poll_job(client, &server.base, id, Duration::from_secs(300), finished).await;
    assert_eq!(
        (&job["status"], &job["attempts"]),
        (&"succeeded".into(), &1.into()),
        "{job}"
    );
    check_every_frame_once(client, server, id, 600).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_takes_its_jobs_back_at_once_and_they_lose_no_attempt() {
    let path = video("long", common::long_spec, Codec::H264Mp4);
    let data = tempfile::tempdir().expect("dir");
    let client = reqwest::Client::new();
    // Heartbeats would only go stale after a minute: the restart must not wait for that.
    let env = [("EMOSCOPE_QUEUE__STALE_AFTER_SECS", "60")];
    let mut server = Server::start(data.path(), 1, &env);
    let id = upload_every_frame(&client, &server, &path).await;

    // Killed at a different point each time, as random crashes are (three kills at one point
    // would make it a poison job: see the next tests).
    let mut killed_at = 0;
    for _ in 0..3 {
        killed_at = part_way(&client, &server, &id, killed_at).await;
        server = server.restart();
        // Taken back by the new process and claimed again well before a minute.
        let started = Instant::now();
        let job = poll_job(&client, &server.base, &id, Duration::from_secs(20), |j| {
            j["status"] == "running" || finished(j)
        })
        .await;
        assert!(started.elapsed() < Duration::from_secs(20), "{job}");
    }
    // Three restarts cost the job nothing.
    succeeds_whole_on_one_attempt(&client, &server, &id).await;
    server.wait_for_no_uploads().await;
}

/// A server given `grace_secs` to stop, sent SIGTERM part way through an every-frame job of
/// `path`, and seen to exit well within `wait`: its data folder and the job's id.
async fn stopped_part_way(
    client: &reqwest::Client,
    path: &std::path::Path,
    grace_secs: &str,
    wait: Duration,
) -> (tempfile::TempDir, String) {
    let data = tempfile::tempdir().expect("dir");
    let grace = [("EMOSCOPE_QUEUE__STOP_GRACE_SECS", grace_secs)];
    let mut server = Server::start(data.path(), 1, &grace);
    let id = upload_every_frame(client, &server, path).await;
    part_way(client, &server, &id, 0).await;
    let exit = server.terminate(wait);
    assert!(exit.success(), "{exit:?}");
    (data, id)
}

/// SIGTERM: the worker takes no new job and finishes the one it holds within
/// `queue.stop_grace_secs`; past that, the job goes back to the queue at once, its frames dropped
/// and its attempt not counted, and the next process does it whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_worker_finishes_its_job_or_hands_it_back_without_spending_an_attempt() {
    use emoscope::config::DatabaseUrl;
    use emoscope::db::{FrameStore, JobStore, SqlStore};
    use emoscope::jobs::JobStatus;
    let path = video("long", common::long_spec, Codec::H264Mp4);
    let client = reqwest::Client::new();
    let stored = |dir: &std::path::Path| {
        let url = format!("sqlite://{}", dir.join("emoscope.db").display());
        async move {
            SqlStore::open(&DatabaseUrl::new(url))
                .await
                .expect("the server's database")
        }
    };

    // No grace: the job is handed back as the process stops.
    let (data, id) = stopped_part_way(&client, &path, "0", Duration::from_secs(30)).await;
    let store = stored(data.path()).await;
    let job = store.get(&id).await.expect("get").expect("job");
    assert_eq!(
        (job.status, job.attempts, job.progress_done),
        (JobStatus::Queued, 0, 0),
        "handed back, its attempt not counted"
    );
    assert!(
        store
            .timeline(&id, None, 10)
            .await
            .expect("frames")
            .is_empty()
    );
    drop(store);
    let server = Server::start(data.path(), 1, &[]);
    succeeds_whole_on_one_attempt(&client, &server, &id).await;
    drop(server);

    // Time enough: the job ends before the process does.
    let (data, id) = stopped_part_way(&client, &path, "300", Duration::from_secs(300)).await;
    let job = stored(data.path())
        .await
        .get(&id)
        .await
        .expect("get")
        .expect("job");
    assert_eq!((job.status, job.attempts), (JobStatus::Succeeded, 1));
    assert_eq!(job.summary.map(|s| s.frames_analyzed), Some(600));
}

/// The store's rules, on a real SQLite file (`tests/postgres.rs` runs the same on PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_rules_on_sqlite() {
    let data = tempfile::tempdir().expect("dir");
    let config = common::test_config(data.path());
    let store = emoscope::app::open_store(&config).await.expect("store");
    common::check_loss_rule(store.as_ref()).await;
    common::check_download_states(store.as_ref()).await;
    common::check_so_far_rules(store.as_ref()).await;
    common::check_ticket_rules(store.as_ref()).await;
    common::check_rate_rules(store.as_ref()).await;
    common::check_atomic_admission(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_job_fails_for_good_and_its_upload_is_removed() {
    let path = video("long", common::long_spec, Codec::H264Mp4);
    let data = tempfile::tempdir().expect("dir");
    let client = reqwest::Client::new();
    // One death is enough to call a job poison here, so one kill fails it for good.
    let env = [("EMOSCOPE_QUEUE__MAX_CRASHES", "1")];
    let server = Server::start(data.path(), 1, &env);
    let id = upload_every_frame(&client, &server, &path).await;
    part_way(&client, &server, &id, 0).await;
    assert_eq!(server.uploads().len(), 1);
    let server = server.restart();
    let job = poll_job(
        &client,
        &server.base,
        &id,
        Duration::from_secs(20),
        finished,
    )
    .await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "worker_lost", "{job}");
    // The sweeper removes the file, then records it: wait for both.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, now) = status_and_json(client.get(server.url(&format!("/v1/jobs/{id}")))).await;
        if server.uploads().is_empty() && now["video"]["stored"] == false {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "upload left behind: {:?} {now}",
            server.uploads()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
