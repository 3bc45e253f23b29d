//! Jobs made from a URL, against a real HTTP server on loopback (allowed by the test's
//! `downloads.allowed_networks`) and the real S3 server: a signed link analysed and never shown,
//! a 5xx retried, a 404 not retried, a stalled body, a body over the limit, redirects to a
//! private address and in a loop, a body that is not a video, a cancel mid-download, refused
//! forms, an `Idempotency-Key`; an object from an allowed bucket and a missing one.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::receiver::Receiver;
use crate::common::server::{Server, finished, poll_job};
use crate::common::synth::Codec;
use crate::common::video_host::VideoHost;
use crate::common::{self, happy_spec, status_and_json, video};

const TOKEN: &str = "sig-s3cr3t-9f2c";
const SECRET: &str = "whsec_dGVzdC1zZXJ2ZXItc2VjcmV0LTEyMzQ1Njc4";
const WAIT: Duration = Duration::from_secs(120);

async fn post(client: &reqwest::Client, server: &Server, body: Value) -> (u16, Value) {
    status_and_json(client.post(server.url("/v1/jobs")).json(&body)).await
}

/// Makes a job from `url`; returns it as it ended.
async fn job_from(client: &reqwest::Client, server: &Server, url: &str, extra: Value) -> Value {
    let mut body = json!({"video_url": url, "sample_fps": 2});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let (status, job) = post(client, server, body).await;
    assert_eq!(status, 202, "{url}: {job}");
    assert_eq!(job["status"], "downloading", "{job}");
    let id = job["id"].as_str().expect("id");
    poll_job(client, &server.base, id, WAIT, finished).await
}

fn failure(job: &Value) -> (&str, &str) {
    (
        job["error"]["code"].as_str().unwrap_or_default(),
        job["error"]["message"].as_str().unwrap_or_default(),
    )
}

fn server(data: &std::path::Path, extra: &[(&str, &str)]) -> Server {
    let mut env = vec![
        ("RUST_LOG", "debug"),
        ("EMOSCOPE_WEBHOOKS__SECRET", SECRET),
        ("EMOSCOPE_WEBHOOKS__ALLOW_HTTP", "true"),
        ("EMOSCOPE_WEBHOOKS__ALLOWED_NETWORKS", "127.0.0.1"),
        ("EMOSCOPE_DOWNLOADS__ALLOW_HTTP", "true"),
        ("EMOSCOPE_DOWNLOADS__ALLOWED_NETWORKS", "127.0.0.1"),
        ("EMOSCOPE_DOWNLOADS__RETRY_BASE_MS", "100"),
        ("EMOSCOPE_DOWNLOADS__ATTEMPTS", "2"),
        ("EMOSCOPE_LIMITS__UPLOAD_IDLE_SECS", "2"),
        ("EMOSCOPE_LIMITS__MAX_UPLOAD_BYTES", "4000000"),
    ];
    env.extend_from_slice(extra);
    Server::start(data, 1, &env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn videos_by_url_are_fetched_within_limits_and_never_show_their_credentials() {
    let clip = std::fs::read(video("happy", happy_spec, Codec::H264Mp4)).expect("clip");
    let host = VideoHost::start(clip).await;
    let receiver = Receiver::start(&[], 200).await;
    let data = tempfile::tempdir().expect("dir");
    let server = server(data.path(), &[]);
    let client = reqwest::Client::new();
    let mut jobs = Vec::new();

    // A signed link: analysed; the job shows the URL without its query.
    let signed = format!("{}?token={TOKEN}", host.url("signed.mp4"));
    let extra = json!({"callback_url": receiver.url});
    let done = job_from(&client, &server, &signed, extra).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        done["video"]["url"],
        format!("{}?…", host.url("signed.mp4"))
    );
    assert_eq!(done["video"]["name"], "signed.mp4");
    assert!(done["video"]["frame_count"].as_u64() > Some(0), "{done}");
    let (_, emotions) = status_and_json(client.get(server.url(&format!(
        "/v1/jobs/{}/emotions",
        done["id"].as_str().expect("id")
    ))))
    .await;
    assert!(
        emotions["frames_with_face"].as_u64() > Some(0),
        "{emotions}"
    );
    jobs.push(done);

    // A 500, then the video: tried again.
    let done = job_from(&client, &server, &host.url("flaky.mp4"), json!({})).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(host.hits("flaky.mp4").await, 2);
    // A redirect to a relative path on the same allowed host is followed.
    let done = job_from(&client, &server, &host.url("to-flaky.mp4"), json!({})).await;
    assert_eq!(done["status"], "succeeded", "{done}");

    // What fails, and how.
    for (name, code, says, hits) in [
        ("missing.mp4", "download_failed", "HTTP 404", Some(1)),
        (
            "slow.mp4",
            "download_failed",
            "sent nothing for 2 s",
            Some(2),
        ),
        ("huge.mp4", "too_large", "4000000 bytes", Some(1)),
        (
            "to-private.mp4",
            "target_not_allowed",
            "10.1.2.3, a private address",
            Some(1),
        ),
        ("loop.mp4", "download_failed", "redirects", None),
        ("notes.mp4", "not_a_video", "", Some(1)),
    ] {
        let done = job_from(&client, &server, &host.url(name), json!({})).await;
        assert_eq!(done["status"], "failed", "{name}: {done}");
        let (got, message) = failure(&done);
        assert_eq!(got, code, "{name}: {done}");
        assert!(message.contains(says), "{name}: {message}");
        if let Some(hits) = hits {
            assert_eq!(host.hits(name).await, hits, "{name}");
        }
        jobs.push(done);
    }
    server.wait_for_no_uploads().await;

    // A cancel while the body stalls ends the job at once and the download soon after.
    let (status, job) = post(&client, &server, json!({"video_url": host.url("slow.mp4")})).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, canceled) =
        status_and_json(client.post(server.url(&format!("/v1/jobs/{id}/cancel")))).await;
    assert_eq!(
        (status, canceled["status"].as_str()),
        (200, Some("canceled")),
        "{canceled}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (_, later) = status_and_json(client.get(server.url(&format!("/v1/jobs/{id}")))).await;
    assert_eq!(later["status"], "canceled", "{later}");
    server.wait_for_no_uploads().await;

    refused_forms(&client, &server, &host).await;
    idempotent(&client, &server, &host).await;
    never_shown(&server, &receiver, &client, data.path()).await;

    // A process killed mid-download: its URL died with it, so at the restart the job fails.
    let (status, job) = post(&client, &server, json!({"video_url": host.url("slow.mp4")})).await;
    assert_eq!(status, 202, "{job}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let server = server.restart();
    let id = job["id"].as_str().expect("id");
    let done = poll_job(&client, &server.base, id, WAIT, finished).await;
    assert_eq!(failure(&done).0, "download_failed", "{done}");
    assert!(
        failure(&done).1.contains("stopped before it was done"),
        "{done}"
    );
    server.wait_for_no_uploads().await;
}

async fn refused_forms(client: &reqwest::Client, server: &Server, host: &VideoHost) {
    for (body, code) in [
        (
            json!({"video_url": "ftp://example.com/a.mp4"}),
            "invalid_video_url",
        ),
        (
            json!({"video_url": "file:///etc/passwd"}),
            "invalid_video_url",
        ),
        (
            json!({"video_url": "s3://emoscope-test/a.mp4"}),
            "invalid_video_url",
        ),
        (json!({"video_url": 7}), "invalid_video_url"),
        (json!({"sample_fps": 2}), "invalid_video_url"),
        (json!(["not", "an", "object"]), "invalid_json"),
        (
            json!({"video_url": host.url("signed.mp4"), "colour": "red"}),
            "unknown_option",
        ),
        (
            json!({"video_url": host.url("signed.mp4"), "sample_fps": "fast"}),
            "invalid_option",
        ),
        (
            json!({"video_url": host.url("signed.mp4"), "tracking": [true]}),
            "invalid_option",
        ),
    ] {
        let (status, e) = post(client, server, body.clone()).await;
        assert_eq!(
            (status, common::error_code(&e).as_str()),
            (400, code),
            "{body}: {e}"
        );
    }
    let huge = json!({"video_url": format!("{}?{}", host.url("a.mp4"), "x".repeat(70_000))});
    let (status, e) = post(client, server, huge).await;
    assert_eq!(status, 400, "{e}");
}

async fn idempotent(client: &reqwest::Client, server: &Server, host: &VideoHost) {
    let body = json!({"video_url": host.url("missing.mp4"), "sample_fps": 1});
    let send = |body: Value| {
        client
            .post(server.url("/v1/jobs"))
            .header("Idempotency-Key", "url-job-1")
            .json(&body)
    };
    let (status, first) = status_and_json(send(body.clone())).await;
    assert_eq!(status, 202, "{first}");
    let again = send(body).send().await.expect("again");
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["id"], first["id"]);
    let other = json!({"video_url": host.url("missing.mp4"), "sample_fps": 3});
    let (status, e) = status_and_json(send(other)).await;
    assert_eq!(
        (status, common::error_code(&e).as_str()),
        (422, "idempotency_key_reused")
    );
}

/// The token is in no answer, webhook, log line or database page.
async fn never_shown(
    server: &Server,
    receiver: &Receiver,
    client: &reqwest::Client,
    data: &std::path::Path,
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let hooks = loop {
        let got = receiver.received().await;
        if !got.is_empty() || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!hooks.is_empty(), "no webhook came");
    let hook = hooks[0].json();
    assert_eq!(hook["type"], "job.succeeded", "{hook}");
    assert!(
        hook["data"]["video"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("?…")),
        "{hook}"
    );
    let (_, list) = status_and_json(client.get(server.url("/v1/jobs?limit=100"))).await;
    assert!(list.to_string().contains("signed.mp4"), "{list}");
    let mut texts = vec![("the job list", list.to_string())];
    texts.extend(
        hooks
            .iter()
            .map(|h| ("a webhook", String::from_utf8_lossy(&h.body).into_owned())),
    );
    texts.extend(server.log().into_iter().map(|l| ("the log", l)));
    for file in ["emoscope.db", "emoscope.db-wal"] {
        if let Ok(bytes) = std::fs::read(data.join(file)) {
            texts.push(("the database", String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    assert!(
        texts
            .iter()
            .any(|(w, t)| *w == "the log" && t.contains("signed.mp4")),
        "the log names the download"
    );
    for (what, text) in texts {
        assert!(!text.contains(TOKEN), "{what} shows the token: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_from_an_allowed_bucket_is_fetched_and_a_missing_object_fails() {
    use crate::common::s3::{BUCKET, S3Server};
    let s3 = S3Server::start();
    let mut config = emoscope::config::Config::default();
    s3.config(&mut config);
    let bucket = emoscope::storage::s3_bucket(&config, BUCKET).expect("bucket");
    let clip = std::fs::read(video("happy", happy_spec, Codec::H264Mp4)).expect("clip");
    bucket
        .put(
            &object_store::path::Path::from("incoming/talk.mp4"),
            clip.into(),
        )
        .await
        .expect("put");
    let data = tempfile::tempdir().expect("dir");
    // The media store stays local: only the source bucket is S3.
    let env: Vec<(&str, String)> = s3
        .env()
        .into_iter()
        .filter(|(k, _)| *k != "EMOSCOPE_STORAGE__BACKEND" && *k != "EMOSCOPE_STORAGE__BUCKET")
        .collect();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("EMOSCOPE_DOWNLOADS__S3_BUCKETS", BUCKET));
    let server = server(data.path(), &env);
    let client = reqwest::Client::new();

    let url = format!("s3://{BUCKET}/incoming/talk.mp4");
    let done = job_from(&client, &server, &url, json!({})).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["video"]["url"], url);
    assert_eq!(done["video"]["name"], "talk.mp4");
    let missing = job_from(
        &client,
        &server,
        &format!("s3://{BUCKET}/incoming/none.mp4"),
        json!({}),
    )
    .await;
    assert_eq!(failure(&missing).0, "download_failed", "{missing}");
    assert!(failure(&missing).1.contains("no such object"), "{missing}");
    // The source object is the caller's: it stays.
    let kept = bucket
        .head(&object_store::path::Path::from("incoming/talk.mp4"))
        .await;
    assert!(kept.is_ok(), "the source object was removed");
    let (status, e) = post(
        &client,
        &server,
        json!({"video_url": "s3://other-bucket/a.mp4"}),
    )
    .await;
    assert_eq!(
        (status, common::error_code(&e).as_str()),
        (400, "invalid_video_url"),
        "{e}"
    );
}
