//! Past one machine: one `serve --api-only` and two `worker` processes, each with a data folder
//! of its own, that share nothing but a real PostgreSQL and a real S3-protocol store (`s3s-fs`).
//! Jobs are spread over both workers and succeed once each, no object outlives its job, and a
//! worker killed mid-job (SIGKILL) leaves its job to the other. A store outage answers 503 and
//! fails `/readyz` without storing anything or showing a credential.

use crate::common;

use std::time::{Duration, Instant};

use common::pg::TestDb;
use common::s3::{BUCKET, S3Server, SECRET_KEY};
use common::server::{Server, finished, poll_job};
use common::synth::Codec;
use common::{happy_spec, long_spec, media_files, status_and_json, video};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(180);

async fn upload(
    client: &reqwest::Client,
    api: &Server,
    path: &std::path::Path,
    query: &str,
) -> (u16, Value) {
    status_and_json(
        client
            .post(api.url(&format!("/v1/jobs?{query}")))
            .header("content-type", "video/mp4")
            .body(std::fs::read(path).expect("read")),
    )
    .await
}

/// Whether the process logged that it started the job.
fn took(process: &Server, id: &str) -> bool {
    process
        .log()
        .iter()
        .any(|l| l.contains("job started") && l.contains(id))
}

/// Waits until no object is left in the bucket.
async fn wait_for_empty_bucket(s3: &S3Server) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left = s3.objects().await;
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "objects left: {left:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_and_two_workers_share_only_postgresql_and_s3() {
    let db = TestDb::create().await;
    let s3 = S3Server::start();
    let mut env: Vec<(&str, String)> = s3.env();
    env.push(("EMOSCOPE_DATABASE_URL", db.url.clone()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let api = Server::start(dirs[0].path(), 0, &env);
    let workers = [
        Server::worker(dirs[1].path(), 1, &env),
        Server::worker(dirs[2].path(), 1, &env),
    ];
    let client = reqwest::Client::new();

    let (status, ready) = status_and_json(client.get(api.url("/readyz"))).await;
    assert_eq!(
        (status, ready["storage"].as_str()),
        (200, Some("s3")),
        "{ready}"
    );

    // Six short jobs: each is analysed once, by one worker or the other.
    let clip = video("happy", happy_spec, Codec::H264Mp4);
    let mut ids = Vec::new();
    for _ in 0..6 {
        let (status, job) = upload(&client, &api, &clip, "sample_fps=2").await;
        assert_eq!(status, 202, "{job}");
        ids.push(job["id"].as_str().expect("id").to_string());
    }
    for id in &ids {
        let job = poll_job(&client, &api.base, id, WAIT, finished).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(job["attempts"], 1, "{job}");
        let (_, emotions) =
            status_and_json(client.get(api.url(&format!("/v1/jobs/{id}/emotions")))).await;
        assert_eq!(emotions["frames_analyzed"], 24, "{emotions}");
        assert_eq!(emotions["dominant"], "happy");
        let takers = workers.iter().filter(|w| took(w, id)).count();
        assert_eq!(takers, 1, "job {id} was started by {takers} workers");
    }
    for (n, w) in workers.iter().enumerate() {
        assert!(
            ids.iter().any(|id| took(w, id)),
            "worker {n} took none of the jobs"
        );
    }
    wait_for_empty_bucket(&s3).await;

    // With both workers idle, the time from upload to a claim (for docs/benchmarks.md).
    let mut waits = Vec::new();
    for _ in 0..3 {
        let (status, job) = upload(&client, &api, &clip, "sample_fps=1").await;
        assert_eq!(status, 202, "{job}");
        let id = job["id"].as_str().expect("id");
        let job = poll_job(&client, &api.base, id, WAIT, finished).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        waits.push(common::claim_wait_ms(&job));
    }
    eprintln!("upload -> claim through PostgreSQL NOTIFY and S3, ms: {waits:?}");
    wait_for_empty_bucket(&s3).await;
    for dir in &dirs {
        assert_eq!(
            media_files(dir.path()),
            Vec::<String>::new(),
            "local files left"
        );
    }

    // A worker killed in the middle of a job: the other one finishes it.
    let long = video("long", long_spec, Codec::H264Mp4);
    let (status, job) = upload(&client, &api, &long, "sample_fps=0").await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    poll_job(&client, &api.base, &id, WAIT, |j| {
        j["progress"]["frames_done"].as_u64().unwrap_or(0) > 25 || finished(j)
    })
    .await;
    let [mut a, mut b] = workers;
    if !took(&a, &id) {
        std::mem::swap(&mut a, &mut b);
    }
    assert!(took(&a, &id), "no worker logged the job");
    a.kill();
    let job = poll_job(&client, &api.base, &id, WAIT, finished).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert!(took(&b, &id), "the other worker did not take the job over");
    let (_, emotions) =
        status_and_json(client.get(api.url(&format!("/v1/jobs/{id}/emotions")))).await;
    assert_eq!(emotions["frames_analyzed"], 600, "{emotions}");
    wait_for_empty_bucket(&s3).await;

    for process in [&api, &b] {
        for line in process.log() {
            assert!(
                !line.contains(SECRET_KEY),
                "the secret key was logged: {line}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_outage_answers_503_stores_nothing_and_shows_no_credential() {
    let mut s3 = S3Server::start();
    let mut env: Vec<(&str, String)> = s3.env();
    env.push(("EMOSCOPE_QUEUE__SWEEP_SECS", "1".into()));
    env.push(("EMOSCOPE_QUEUE__ORPHAN_GRACE_SECS", "2".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let data = tempfile::tempdir().expect("dir");
    let server = Server::start(data.path(), 1, &env);
    let client = reqwest::Client::new();
    let clip = video("happy", happy_spec, Codec::H264Mp4);

    s3.stop();
    let (status, body) = upload(&client, &server, &clip, "sample_fps=2").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(common::error_code(&body), "store_unavailable");
    let (status, ready) = status_and_json(client.get(server.url("/readyz"))).await;
    assert_eq!(status, 503, "{ready}");
    let message = ready["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(BUCKET) && message.contains(&s3.endpoint()),
        "{ready}"
    );
    let (_, jobs) = status_and_json(client.get(server.url("/v1/jobs"))).await;
    assert_eq!(
        jobs["items"],
        serde_json::json!([]),
        "a refused upload left a job"
    );
    assert_eq!(media_files(data.path()), Vec::<String>::new());

    // A process cannot start on a store that does not answer, and says which one.
    let c = common::test_config(data.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emoscope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--api-only"])
        .env("EMOSCOPE_DATA_DIR", data.path().join("other"))
        .env("EMOSCOPE_MODELS_DIR", &c.models_dir)
        .envs(env.iter().copied())
        .output()
        .expect("run");
    let printed = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !out.status.success(),
        "started without its store: {printed}"
    );
    assert!(
        printed.contains(BUCKET) && printed.contains(&s3.endpoint()),
        "{printed}"
    );

    // Back: the same upload goes through and the job runs.
    s3.resume();
    let (status, job) = upload(&client, &server, &clip, "sample_fps=2").await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id");
    let done = poll_job(&client, &server.base, id, WAIT, finished).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    wait_for_empty_bucket(&s3).await;

    // The sweeper removes an object of no job once it is older than the grace time, and leaves
    // alone what is not the service's.
    let scratch = tempfile::tempdir().expect("dir");
    for name in [
        format!("{}.video", uuid::Uuid::now_v7()),
        "notes.txt".into(),
    ] {
        let file = scratch.path().join(&name);
        std::fs::write(&file, b"not a job's").expect("write");
        s3.store().put_file(&name, &file).await.expect("put");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while s3.objects().await != ["notes.txt"] {
        assert!(Instant::now() < deadline, "left: {:?}", s3.objects().await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let mut shown: Vec<String> = server.log();
    shown.push(printed);
    shown.push(body.to_string());
    shown.push(ready.to_string());
    let (_, info) = status_and_json(client.get(server.url("/v1/info"))).await;
    shown.push(info.to_string());
    for text in shown {
        assert!(
            !text.contains(SECRET_KEY),
            "the secret key was shown: {text}"
        );
    }
}

/// A video larger than one part (10 MiB) goes up as an S3 multipart upload and comes back whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_upload_goes_up_in_parts_and_comes_back_whole() {
    let s3 = S3Server::start();
    let store = s3.store();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("big.part");
    let bytes: Vec<u8> = (0..23 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&file, &bytes).expect("write");
    store
        .put_file("big.video", &file)
        .await
        .expect("multipart put");
    assert_eq!(
        store.size("big.video").await.expect("head"),
        Some(bytes.len() as u64)
    );
    let scratch = dir.path().join("scratch");
    std::fs::create_dir(&scratch).expect("scratch");
    let (copy, is_copy) = store.fetch("big.video", &scratch).await.expect("fetch");
    assert!(is_copy);
    assert!(
        std::fs::read(&copy).expect("read") == bytes,
        "the object came back changed"
    );
    assert!(store.delete("big.video").await.expect("delete"));
    assert_eq!(s3.objects().await, Vec::<String>::new());
}
