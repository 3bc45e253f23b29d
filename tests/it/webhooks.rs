//! Webhooks against real receivers on 127.0.0.1: signed and retried, recorded, refused for
//! addresses they must not reach, kept through a SIGKILL, and given up when nobody answers.

use crate::common;

use std::time::Duration;

use common::receiver::{self, Receiver, allow_local_receivers, verify, wait_delivery};
use common::server::{Server, poll_job};
use common::synth::Codec;
use common::{TestApp, error_code, happy_spec, video};

/// The server's own secret, for jobs made without a key.
const SERVER_SECRET: &str = "whsec_dGVzdC1zZXJ2ZXItc2VjcmV0LTEyMzQ1Njc4";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_signed_retried_and_recorded() {
    let app = TestApp::start(allow_local_receivers).await;
    receiver::check_signed_retried_delivery(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callback_urls_are_checked_before_a_job_is_made() {
    let app = TestApp::start(|c| {
        c.workers = 0;
        c.webhooks.allowed_networks =
            emoscope::config::List(vec!["127.0.0.1".parse().expect("network")]);
    })
    .await;
    let clip = video("keys-happy", happy_spec, Codec::H264Mp4);
    // Without a key, webhooks are signed with the server's secret: none is configured.
    let (status, body) = app
        .upload(&clip, &[("callback_url", "https://127.0.0.1:9/hook")])
        .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_callback_url")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("webhooks.secret")
    );

    let (_, key) = common::keys::make_key(&app, "hooks", false).await;
    let client = common::keys::client_with(&key);
    for (url, why) in [
        ("http://127.0.0.1:9/hook", "https"),
        ("ftp://example.com/hook", "https"),
        ("not a url", "not a URL"),
        ("https://user:pw@127.0.0.1:9/", "password"),
        ("https://10.0.0.1/hook", "private"),
        (
            "https://169.254.169.254/latest/meta-data/",
            "cloud metadata",
        ),
        ("https://[::1]:9/hook", "loopback"),
    ] {
        let (status, body) = app
            .upload_as(&client, &clip, &[("callback_url", url)])
            .await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (400, "invalid_callback_url"),
            "{url}: {body}"
        );
        let message = body["error"]["message"].as_str().expect("message");
        assert!(message.contains(why), "{url}: {message}");
    }
    // An allowed address is accepted; nothing was stored for the refused ones.
    let (status, job) = app
        .upload_as(
            &client,
            &clip,
            &[("callback_url", "https://127.0.0.1:9/hook")],
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let (_, page) = common::keys::get_as(&app, &client, "/v1/jobs").await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "{page}");
    assert_eq!(app.uploads_count(), 1, "refused uploads leave no file");
    // A canceled job is told too: its delivery is waiting (no workers send it here).
    let id = job["id"].as_str().expect("id");
    let (status, _) =
        common::status_and_json(client.post(app.url(&format!("/v1/jobs/{id}/cancel")))).await;
    assert_eq!(status, 200);
    let (_, list) = common::keys::get_as(&app, &client, &format!("/v1/jobs/{id}/deliveries")).await;
    assert_eq!(list["items"][0]["event"], "job.canceled", "{list}");
    app.stop().await;
}

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("EMOSCOPE_WEBHOOKS__SECRET", SERVER_SECRET),
        ("EMOSCOPE_WEBHOOKS__ALLOW_HTTP", "true"),
        ("EMOSCOPE_WEBHOOKS__ALLOWED_NETWORKS", "127.0.0.1"),
        ("EMOSCOPE_WEBHOOKS__RETRY_BASE_MS", "200"),
        ("EMOSCOPE_WEBHOOKS__MAX_BACKOFF_SECS", "1"),
    ]
}

async fn job_with_callback(client: &reqwest::Client, server: &Server, url: &str) -> String {
    let clip = video("keys-happy", happy_spec, Codec::H264Mp4);
    let form = reqwest::multipart::Form::new()
        .text("sample_fps", "1")
        .text("callback_url", url.to_string())
        .part(
            "video",
            reqwest::multipart::Part::bytes(std::fs::read(&clip).expect("clip")).file_name("a.mp4"),
        );
    let resp = client
        .post(server.url("/v1/jobs"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status(), 202);
    let job: serde_json::Value = resp.json().await.expect("json");
    let id = job["id"].as_str().expect("id").to_string();
    let job = poll_job(client, &server.base, &id, Duration::from_secs(120), |j| {
        j["status"] == "succeeded"
    })
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    id
}

/// The receiver is down (500) when the server is killed with a delivery pending; the restarted
/// server delivers it once the receiver is back, signed with the server's secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_webhook_survives_sigkill() {
    let dir = tempfile::tempdir().expect("dir");
    let receiver = Receiver::start(&[], 500).await;
    let mut server = Server::start(dir.path(), 1, &env());
    let client = reqwest::Client::new();
    let id = job_with_callback(&client, &server, &receiver.url).await;
    // At least one failed attempt recorded (the receiver seeing it is not enough: the server
    // records it after the answer), and the delivery still pending.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let url = server.url(&format!("/v1/jobs/{id}/deliveries"));
        let (_, list) = common::status_and_json(client.get(url)).await;
        let recorded = list["items"].as_array().is_some_and(|items| {
            items.iter().any(|d| {
                d["attempt_log"]
                    .as_array()
                    .is_some_and(|log| log.iter().any(|a| a["status_code"] == 500))
            })
        });
        if recorded {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no failed attempt: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    receiver.answer(200).await;
    let before = receiver.received().await.len();
    let server = server.restart();
    let d = wait_delivery(
        &client,
        &server.base,
        &id,
        "job.succeeded",
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(d["status"], "delivered", "{d}");
    let got = receiver.received().await;
    assert!(got.len() > before, "delivered after the restart");
    let last = got.last().expect("last");
    assert_eq!(last.id, d["id"].as_str().expect("id"));
    assert!(verify(SERVER_SECRET, last), "{last:?}");
    assert_eq!(last.json()["data"]["id"], id.as_str());
    let log = d["attempt_log"].as_array().expect("log");
    assert_eq!(log.last().expect("last")["status_code"], 200, "{d}");
    assert!(log.iter().any(|a| a["status_code"] == 500), "{d}");
}

/// A receiver that accepts the connection and never answers: each attempt times out, and the
/// delivery is given up after `webhooks.give_up_after_secs`; the job is not touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_never_answers_is_given_up() {
    let dir = tempfile::tempdir().expect("dir");
    let url = receiver::silent().await;
    let mut env = env();
    env.extend([
        ("EMOSCOPE_WEBHOOKS__TIMEOUT_SECS", "1"),
        ("EMOSCOPE_WEBHOOKS__GIVE_UP_AFTER_SECS", "3"),
    ]);
    let server = Server::start(dir.path(), 1, &env);
    let client = reqwest::Client::new();
    let id = job_with_callback(&client, &server, &url).await;
    let d = wait_delivery(
        &client,
        &server.base,
        &id,
        "job.succeeded",
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(d["status"], "failed", "{d}");
    let log = d["attempt_log"].as_array().expect("log");
    assert!(!log.is_empty(), "{d}");
    for a in log {
        assert_eq!(a["status_code"], serde_json::Value::Null, "{d}");
        assert_eq!(a["error"], "no answer within 1 s", "{d}");
    }
    let (status, job) =
        common::status_and_json(client.get(server.url(&format!("/v1/jobs/{id}")))).await;
    assert_eq!((status, job["status"].as_str()), (200, Some("succeeded")));
}
