//! Built to be called by other services: API keys and what each may see, the refusal to serve an
//! open network without keys, browser safety (Host and Origin), per-key rate limits, idempotent
//! uploads and job event streams, all against the real server on SQLite (`tests/postgres.rs`
//! repeats the key and idempotency checks there).

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::keys::{
    check_idempotent_uploads, check_isolation, client_with, get_as, make_key, upload_with_key,
};
use common::synth::Codec;
use common::{TestApp, error_code, happy_spec, status_and_json, test_config, video};
use emoscope::app::Service;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_keep_jobs_apart() {
    let app = TestApp::start(|c| c.workers = 0).await;
    check_isolation(&app).await;
    app.stop().await;
}

fn cli(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_emoscope"))
        .args(args)
        .env("EMOSCOPE_DATA_DIR", data_dir)
        .output()
        .expect("run emoscope")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keys_command_makes_lists_and_revokes_keys() {
    let app = TestApp::start(|c| c.workers = 0).await;
    let dir = app.data_dir.path();
    let out = cli(dir, &["keys", "create", "--name", "ci runner"]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    };
    let (id, token, secret) = (field("id:"), field("key:"), field("webhook secret:"));
    assert!(
        token.starts_with("emo_") && secret.starts_with("whsec_"),
        "{text}"
    );

    // The server asks for keys from now on, and takes this one.
    let (status, _) = app.get("/v1/jobs").await;
    assert_eq!(status, 401);
    let (status, _) = get_as(&app, &client_with(&token), "/v1/jobs").await;
    assert_eq!(status, 200);

    // The list names keys but never shows a token or a secret.
    let out = cli(dir, &["keys", "list", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !listed.contains(&token) && !listed.contains(&secret),
        "{listed}"
    );
    let keys: Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(keys[0]["id"], id.as_str());
    assert_eq!(keys[0]["name"], "ci runner");
    assert_eq!(keys[0]["revoked_at"], Value::Null);

    let out = cli(dir, &["keys", "revoke", &id]);
    assert!(out.status.success(), "{out:?}");
    let (status, _) = get_as(&app, &client_with(&token), "/v1/jobs").await;
    assert_eq!(status, 401);
    // Revoking every key does not open the server again.
    let (status, _) = app.get("/v1/jobs").await;
    assert_eq!(status, 401);

    // Mistakes get a clear message and a failing exit status.
    for (args, says) in [
        (vec!["keys", "revoke", "no-such-key"], "no key"),
        (vec!["keys", "create", "--name", " "], "--name"),
    ] {
        let out = cli(dir, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(says),
            "{args:?}: {stderr}"
        );
    }
    app.stop().await;
}

async fn start_on(
    addr: &str,
    tweak: impl FnOnce(&mut emoscope::config::Config),
) -> anyhow::Result<Service> {
    let data = tempfile::tempdir().expect("dir").keep();
    let mut config = test_config(&data);
    tweak(&mut config);
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    Service::start(config, listener, 0).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_network_needs_keys_or_an_explicit_opt_out() {
    let err = match start_on("0.0.0.0:0", |_| {}).await {
        Ok(_) => panic!("served every address without keys"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        err.contains("emoscope keys create") && err.contains("auth.allow_anonymous"),
        "{err}"
    );
    let opted_out = start_on("0.0.0.0:0", |c| c.auth.allow_anonymous = true).await;
    opted_out
        .expect("allowed in so many words")
        .stop()
        .await
        .expect("stop");
    let required = start_on("0.0.0.0:0", |c| c.auth.require_keys = true).await;
    required.expect("keys required").stop().await.expect("stop");
    let loopback = start_on("127.0.0.1:0", |_| {}).await;
    loopback
        .expect("loopback is fine")
        .stop()
        .await
        .expect("stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_sites_cannot_drive_the_server_from_a_browser() {
    let app = TestApp::start(|c| {
        c.workers = 0;
        c.http.cors_origins.0 = vec!["https://app.example.com".parse().expect("origin")];
    })
    .await;
    let clip = video("keys-happy", happy_spec, Codec::H264Mp4);
    let form = || {
        reqwest::multipart::Form::new().part(
            "video",
            reqwest::multipart::Part::bytes(std::fs::read(&clip).expect("clip")).file_name("a.mp4"),
        )
    };
    // DNS rebinding: a foreign name pointed at 127.0.0.1 is not served, not even a GET.
    let (status, body) = status_and_json(
        app.client
            .get(app.url("/v1/jobs"))
            .header("host", "rebind.attacker.example"),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "host_not_allowed")
    );
    // Health probes name whatever address they reach; they are answered.
    let (status, body) = status_and_json(
        app.client
            .get(app.url("/readyz"))
            .header("host", "10.1.2.3:8080"),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ready")),
        "{body}"
    );
    // A cross-origin form POST from another site, as a browser sends it.
    let (status, body) = status_and_json(
        app.client
            .post(app.url("/v1/jobs"))
            .header("origin", "https://attacker.example")
            .multipart(form()),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "origin_not_allowed")
    );
    let (status, _) = status_and_json(
        app.client
            .delete(app.url("/v1/jobs/0190aaaa-0000-7000-8000-000000000000"))
            .header("sec-fetch-site", "cross-site"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = app.get("/v1/jobs").await;
    assert_eq!(
        (status, body["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );

    // The page's own origin and an allowed one may; the preflight names only allowed ones.
    let own = app.base.clone();
    for origin in [own.as_str(), "https://app.example.com"] {
        let (status, job) = status_and_json(
            app.client
                .post(app.url("/v1/jobs"))
                .header("origin", origin)
                .multipart(form()),
        )
        .await;
        assert_eq!(status, 202, "{origin}: {job}");
    }
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/v1/jobs"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,idempotency-key",
            )
            .send()
    };
    let ok = preflight("https://app.example.com")
        .await
        .expect("preflight");
    assert_eq!(
        ok.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://app.example.com")
    );
    let refused = preflight("https://attacker.example")
        .await
        .expect("preflight");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_rate_limited_per_key() {
    let app = TestApp::start(|c| {
        c.workers = 0;
        c.rate_limits.uploads_per_minute = 2;
    })
    .await;
    let clip = video("keys-happy", happy_spec, Codec::H264Mp4);
    let (_, a) = make_key(&app, "a", false).await;
    let (_, b) = make_key(&app, "b", false).await;
    let (a, b) = (client_with(&a), client_with(&b));
    for _ in 0..2 {
        assert_eq!(app.upload_as(&a, &clip, &[]).await.0, 202);
    }
    let resp = a
        .post(app.url("/v1/jobs"))
        .header("content-type", "video/mp4")
        .body(std::fs::read(&clip).expect("clip"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=30).contains(&wait), "{wait}");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(error_code(&body), "rate_limited");
    // Another key has its own allowance.
    assert_eq!(app.upload_as(&b, &clip, &[]).await.0, 202);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_upload_makes_one_job() {
    let app = TestApp::start(|c| c.workers = 0).await;
    check_idempotent_uploads(&app).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_is_forgotten_after_its_time() {
    let app = TestApp::start(|c| {
        c.workers = 0;
        c.limits.idempotency_ttl_secs = 1;
    })
    .await;
    let bytes = std::fs::read(video("keys-happy", happy_spec, Codec::H264Mp4)).expect("clip");
    let client = app.client.clone();
    let (_, first, _) = upload_with_key(&app, &client, "k", bytes.clone(), "").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, later, replayed) = upload_with_key(&app, &client, "k", bytes, "").await;
    assert_eq!((status, replayed), (202, false));
    assert_ne!(first["id"], later["id"]);
    app.stop().await;
}

/// Reads a server-sent event stream to its end: (event, data) pairs.
async fn read_events(resp: reqwest::Response) -> Vec<(String, Value)> {
    use futures_util::StreamExt;
    let mut body = resp.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    while let Some(chunk) = body.next().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut event = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if !event.is_empty() {
                events.push((event, serde_json::from_str(&data).expect("JSON data")));
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_events_stream_progress_to_the_end() {
    let app = TestApp::start(|c| c.limits.max_event_streams = 1).await;
    let (_, token) = make_key(&app, "watcher", false).await;
    let (_, other) = make_key(&app, "other", false).await;
    let client = client_with(&token);
    let clip = video("keys-happy", happy_spec, Codec::H264Mp4);
    let (status, job) = app.upload_as(&client, &clip, &[("sample_fps", "10")]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    let url = app.url(&format!("/v1/jobs/{id}/events"));

    let (status, body) = status_and_json(client_with(&other).get(&url)).await;
    assert_eq!((status, error_code(&body).as_str()), (404, "not_found"));

    let resp = client.get(&url).send().await.expect("events");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/event-stream"))
    );
    // One stream at a time here: a second is refused while the first is open.
    let (status, body) = status_and_json(client.get(&url)).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (429, "too_many_streams")
    );

    let events = tokio::time::timeout(Duration::from_secs(120), read_events(resp))
        .await
        .expect("the stream ends when the job does");
    assert!(events.len() >= 2, "{events:?}");
    assert!(events.iter().all(|(e, _)| e == "job"));
    let done: Vec<u64> = events
        .iter()
        .map(|(_, j)| j["progress"]["frames_done"].as_u64().expect("frames_done"))
        .collect();
    assert!(
        done.windows(2).all(|w| w[0] <= w[1]),
        "progress only grows: {done:?}"
    );
    let last = &events.last().expect("last").1;
    assert_eq!(last["status"], "succeeded", "{last}");
    assert_eq!(last["id"], id.as_str());
    // The last event is the job as GET shows it.
    let (_, now) = get_as(&app, &client, &format!("/v1/jobs/{id}")).await;
    assert_eq!(&now, last);

    // A finished job's stream sends its state once and ends; the place is free again.
    let resp = client.get(&url).send().await.expect("events");
    let events = read_events(resp).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1["status"], "succeeded");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_report_request_gets_the_first_answer() {
    let app = TestApp::start(|_| {}).await;
    let clip = video("keys-happy", happy_spec, Codec::H264Mp4);
    let (status, job) = app.upload(&clip, &[("sample_fps", "1")]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    let job = app.wait(&id, Duration::from_secs(120)).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let ask = |key: &'static str, body: Value| {
        let request = app
            .client
            .post(app.url(&format!("/v1/jobs/{id}/report")))
            .header("idempotency-key", key)
            .json(&body)
            .send();
        async move {
            let resp = request.await.expect("request");
            let replayed = resp.headers().get("idempotent-replayed").is_some();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.expect("json"), replayed)
        }
    };
    let template = serde_json::json!({"provider": "template"});
    let (s1, first, r1) = ask("report-1", template.clone()).await;
    let (s2, again, r2) = ask("report-1", template.clone()).await;
    assert_eq!((s1, s2, r1, r2), (202, 202, false, true), "{first} {again}");
    assert_eq!(first["id"], again["id"]);
    let (status, body, _) = ask(
        "report-1",
        serde_json::json!({"provider": "template", "language": "ru"}),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (422, "idempotency_key_reused")
    );
    // Without a key the stored report is found as before, once written.
    assert_eq!(app.wait_report(&first).await["status"], "succeeded");
    let (status, stored) = app.post_report(&id, template).await;
    assert_eq!((status, &stored["id"]), (200, &first["id"]));
    app.stop().await;
}

/// Two processes on one SQLite file, as on one machine: the API queues, a worker elsewhere finds
/// the job at its next poll (SQLite has no NOTIFY). Prints the time from upload to claim, the
/// figure to compare with `postgres.rs`'s NOTIFY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_in_another_process_finds_jobs_by_polling_on_sqlite() {
    let shared = tempfile::tempdir().expect("shared data dir");
    let config = |dir: std::path::PathBuf, workers: usize| {
        move |c: &mut emoscope::config::Config| {
            c.data_dir = dir;
            c.workers = workers;
            c.queue.poll_ms = 500;
        }
    };
    let api = TestApp::start(config(shared.path().to_path_buf(), 0)).await;
    let worker = TestApp::start(config(shared.path().to_path_buf(), 1)).await;
    let waits = common::claim_waits(&api, 3, Duration::from_secs(60)).await;
    eprintln!("upload to claim by polling every 500 ms, ms (sorted): {waits:?}");
    api.stop().await;
    worker.stop().await;
}
