//! `GET /metrics`: Prometheus text that a Prometheus parser reads, guarded by its own token, and
//! counters that move as a real job runs. (One test: the recorder is per process.)

// Only some of the helpers serve this binary.
#[allow(dead_code, unused_imports)]
#[path = "../it/common/mod.rs"]
mod common;

use std::time::Duration;

use common::synth::Codec;
use common::{TestApp, error_code, main_spec, status_and_json, video};
use emoscope::config::Secret;
use prometheus_parse::{Scrape, Value};

const TOKEN: &str = "scrape-token-7f3a";

async fn scrape(app: &TestApp) -> (String, Scrape) {
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("scrape");
    assert_eq!(resp.status(), 200);
    let content_type = resp.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = resp.text().await.expect("text");
    let parsed = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text");
    (text, parsed)
}

/// The value of the sample `name` whose labels include `labels` (0 when there is none yet); a
/// histogram gives its count.
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    s.samples
        .iter()
        .filter(|x| x.metric == name && labels.iter().all(|(k, v)| x.labels.get(k) == Some(*v)))
        .map(|x| match &x.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Value::Summary(_) => f64::NAN,
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_prometheus_text_and_move_as_jobs_run() {
    let app = TestApp::start(|c| {
        c.metrics_token = Secret::new(TOKEN);
        c.report.api_key = Secret::new("sk-never-shown-1234");
    })
    .await;
    let (status, body) = app.get("/metrics").await;
    assert_eq!((status, error_code(&body).as_str()), (401, "unauthorized"));
    let (_, before) = scrape(&app).await;

    let path = video("main", main_spec, Codec::H264Mp4);
    let (status, job) = app.upload(&path, &[("sample_fps", "1")]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id");
    assert_eq!(
        app.wait(id, Duration::from_secs(180)).await["status"],
        "succeeded"
    );
    let (_, emotions) =
        status_and_json(app.client.get(app.url(&format!("/v1/jobs/{id}/emotions")))).await;
    let faces = emotions["faces_classified"].as_f64().expect("faces");
    assert!(faces > 0.0);
    let (status, _) = app
        .post_report(id, serde_json::json!({"provider": "template"}))
        .await;
    assert_eq!(status, 202);

    let (text, after) = scrape(&app).await;
    assert_eq!(
        value(&after, "emoscope_jobs", &[("status", "succeeded")]),
        1.0
    );
    assert_eq!(value(&after, "emoscope_jobs", &[("status", "queued")]), 0.0);
    assert_eq!(value(&after, "emoscope_queue_oldest_age_seconds", &[]), 0.0);
    let moved = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(
        moved("emoscope_jobs_ended_total", &[("outcome", "succeeded")]),
        1.0
    );
    assert_eq!(moved("emoscope_faces_classified_total", &[]), faces);
    assert_eq!(moved("emoscope_job_duration_seconds", &[]), 1.0);
    assert_eq!(moved("emoscope_job_frames_per_second", &[]), 1.0);
    assert_eq!(
        moved(
            "emoscope_report_requests_total",
            &[("provider", "template"), ("outcome", "created")]
        ),
        1.0
    );
    // Requests are counted by their route's template, not by the job's id.
    let polls = [
        ("method", "GET"),
        ("route", "/v1/jobs/:id"),
        ("status", "200"),
    ];
    assert!(
        moved("emoscope_http_requests_total", &polls) >= 1.0,
        "{text}"
    );
    assert!(
        moved(
            "emoscope_http_request_duration_seconds",
            &[("route", "/v1/jobs")]
        ) >= 1.0
    );
    assert!(!text.contains(id), "no series per job id");
    assert!(
        !text.contains(TOKEN) && !text.contains("sk-never"),
        "no secrets in the metrics"
    );
    app.stop().await;
}
