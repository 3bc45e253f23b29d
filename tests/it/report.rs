//! Narrative reports: the real OpenAI client against a local fake OpenAI-compatible server, the
//! template provider on real job results, and the report endpoints end to end.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::synth::Codec;
use common::{TestApp, error_code, main_spec, status_and_json, video};
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Default)]
struct Fake {
    requests: Mutex<Vec<(String, HeaderMap, Value)>>,
    flaky_calls: AtomicUsize,
}

const ANSWER: &str = "The person mostly shows happy expressions.";

async fn chat(
    State(fake): State<Arc<Fake>>,
    Path(mode): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    fake.requests
        .lock()
        .await
        .push((mode.clone(), headers, body.clone()));
    let ok = || {
        Json(json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}
        }))
        .into_response()
    };
    match mode.as_str() {
        "ok" => ok(),
        "flaky" => {
            if fake.flaky_calls.fetch_add(1, Ordering::SeqCst) == 0 {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "0")],
                    Json(json!({"error": {"message": "slow down"}})),
                )
                    .into_response()
            } else {
                ok()
            }
        }
        "broken" => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "model exploded"}})),
        )
            .into_response(),
        "unauthorized" => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"message": "Incorrect API key provided: sk-test-key. Find your key at …"}})),
        )
            .into_response(),
        "slowish" => {
            tokio::time::sleep(Duration::from_millis(700)).await;
            ok()
        }
        "slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            ok()
        }
        "empty" => Json(json!({"choices": []})).into_response(),
        _ => (StatusCode::OK, "{not json").into_response(),
    }
}

async fn fake_server() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let app = axum::Router::new()
        .route("/{mode}/chat/completions", axum::routing::post(chat))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), fake)
}

async fn succeeded_job(app: &TestApp) -> String {
    let path = video("main", main_spec, Codec::H264Mp4);
    let (status, job) = app.upload(&path, &[("sample_fps", "5")]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    assert_eq!(
        app.wait(&id, Duration::from_secs(180)).await["status"],
        "succeeded"
    );
    id
}

fn with_llm(base: &str) -> impl FnOnce(&mut emoscope::config::Config) + '_ {
    move |c| {
        c.report.base_url = format!("{base}/ok");
        c.report.api_key = emoscope::config::Secret::new("sk-test-key");
        c.report.model = "gpt-4o".into();
        c.report.timeout_secs = 1;
        c.report.retries = 2;
        c.report.backoff_ms = 10;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_provider_sends_the_job_s_numbers_and_stores_the_answer() {
    let (base, fake) = fake_server().await;
    let app = TestApp::start(with_llm(&base)).await;
    let id = succeeded_job(&app).await;
    let (_, emotions) = app.get(&format!("/v1/jobs/{id}/emotions")).await;

    let (status, report) = app.post_report(&id, json!({"language": "ru"})).await;
    assert_eq!(status, 202, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    assert_eq!(report["provider"], "openai");
    assert_eq!(report["model"], "gpt-4o");
    assert_eq!(report["language"], "ru");
    assert_eq!(report["text"], ANSWER);
    assert_eq!(report["usage"]["total_tokens"], 366);
    assert_eq!(
        report["inputs"]["faces_classified"],
        emotions["faces_classified"]
    );
    assert!(
        report["note"]
            .as_str()
            .expect("note")
            .contains("not a diagnosis")
    );

    let requests = fake.requests.lock().await.clone();
    assert_eq!(requests.len(), 1);
    let (mode, headers, body) = &requests[0];
    assert_eq!(mode, "ok");
    assert_eq!(headers["authorization"], "Bearer sk-test-key");
    assert_eq!(body["model"], "gpt-4o");
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages[0]["role"], "system");
    let prompt = messages[1]["content"].as_str().expect("prompt");
    assert!(
        prompt.contains("Вы опытный психолог"),
        "Russian template: {prompt}"
    );
    assert!(
        prompt.contains("не является определением"),
        "the limits are stated: {prompt}"
    );
    assert!(
        prompt.contains(&format!(
            "классифицировано лиц: {}",
            emotions["faces_classified"]
        )),
        "{prompt}"
    );
    let happy = emotions["percentages"]["happy"].as_f64().expect("happy");
    assert!(
        prompt.contains(&format!("радость {happy:.1}%")),
        "percentages in the prompt: {prompt}"
    );
    assert!(
        prompt.contains("лиц нет"),
        "the segments without faces are described: {prompt}"
    );

    // Same parameters: the stored report. regenerate: a new one. Another model: a new one.
    let (status, again) = app.post_report(&id, json!({"language": "ru"})).await;
    assert_eq!((status, &again["id"]), (200, &report["id"]));
    let (status, fresh) = app
        .post_report(&id, json!({"language": "ru", "regenerate": true}))
        .await;
    assert_eq!(status, 202);
    assert_eq!(fresh["id"], report["id"], "rewritten under its id");
    let (status, other) = app
        .post_report(&id, json!({"language": "en", "model": "llama3.1"}))
        .await;
    assert_eq!(status, 202);
    assert_eq!(other["model"], "llama3.1");
    assert_eq!(fake.requests.lock().await.len(), 3);
    assert!(
        fake.requests.lock().await[2].2["messages"][1]["content"]
            .as_str()
            .expect("en")
            .contains("experienced psychologist")
    );

    let (status, latest) = app.get(&format!("/v1/jobs/{id}/report")).await;
    assert_eq!((status, &latest["id"]), (200, &other["id"]));
    // One report per job, language, provider and model: the regenerated one took the first's place.
    let (_, all) = app.get(&format!("/v1/jobs/{id}/reports")).await;
    let ids: Vec<&Value> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, vec![&other["id"], &fresh["id"]], "{all}");

    // Reports go with their job.
    let resp = app
        .client
        .delete(app.url(&format!("/v1/jobs/{id}")))
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status(), 204);
    let (status, _) = app.get(&format!("/v1/jobs/{id}/reports")).await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_failures_are_retried_then_answered_clearly() {
    let (base, fake) = fake_server().await;
    let app = TestApp::start(with_llm(&base)).await;
    let id = succeeded_job(&app).await;
    // Point the same server's client at each behaviour through the model's base URL.
    let cases = [
        ("flaky", None, 2),
        ("broken", Some("llm_error"), 3),
        ("unauthorized", Some("llm_error"), 1),
        ("slow", Some("llm_timeout"), 3),
        ("empty", Some("llm_error"), 1),
        ("garbage", Some("llm_error"), 1),
    ];
    for (mode, want_code, calls) in cases {
        let mut config = emoscope::config::Config::default();
        with_llm(&base)(&mut config);
        config.report.base_url = format!("{base}/{mode}");
        let reporter = emoscope::report::service::Reporter::new(&config.report).expect("reporter");
        let store = emoscope::app::open_store(&common::test_config(app.data_dir.path()))
            .await
            .expect("store");
        let job = store.get(&id).await.expect("get").expect("job");
        let before = fake.requests.lock().await.len();
        let started = std::time::Instant::now();
        let result = reporter
            .report(
                store.as_ref(),
                &job,
                &emoscope::report::service::ReportRequest {
                    regenerate: true,
                    ..Default::default()
                },
            )
            .await;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{mode}: no hang"
        );
        let made = fake.requests.lock().await.len() - before;
        assert_eq!(made, calls, "{mode}: calls made");
        match (result, want_code) {
            (Ok((report, _)), None) => assert_eq!(report.text.as_deref(), Some(ANSWER)),
            (Err(e), Some(code)) => {
                let fault = emoscope::report::service::fault(&e);
                assert_eq!(fault.code.as_str(), code, "{mode}: {}", fault.message);
                // The upstream's status is told; its words (which can quote the key) are not.
                if mode == "broken" {
                    assert!(fault.message.contains("HTTP 500"), "{}", fault.message);
                    assert!(
                        !fault.message.contains("model exploded"),
                        "{}",
                        fault.message
                    );
                }
                if mode == "unauthorized" {
                    assert!(fault.message.contains("HTTP 401"), "{}", fault.message);
                    assert!(!fault.message.contains("sk-test"), "{}", fault.message);
                }
            }
            (other, _) => panic!("{mode}: unexpected {:?}", other.map(|r| r.0.text)),
        }
    }
    app.stop().await;
}

/// The same failure through the API: the request is answered at once, the report ends
/// `failed` with the error, and asking again starts a new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_background_report_says_why_and_can_be_asked_for_again() {
    let (base, _fake) = fake_server().await;
    let app = TestApp::start(|c| {
        with_llm(&base)(c);
        c.report.base_url = format!("{base}/broken");
    })
    .await;
    let id = succeeded_job(&app).await;
    let (status, failed) = app.post_report(&id, json!({})).await;
    assert_eq!(status, 202, "{failed}");
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], "llm_error", "{failed}");
    let message = failed["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("HTTP 500") && !message.contains("model exploded"),
        "{message}"
    );
    assert!(failed["text"].is_null());
    let (status, body) = app.get(&format!("/v1/jobs/{id}/report")).await;
    assert_eq!((status, error_code(&body).as_str()), (404, "no_report"));
    let (status, again) = app.post_report(&id, json!({})).await;
    assert_eq!(status, 202);
    assert_eq!(again["id"], failed["id"], "tried again under its id");
    assert_eq!(
        again["status"], "failed",
        "the model is still broken: {again}"
    );
    let (status, body) = app
        .get(&format!(
            "/v1/jobs/{id}/reports/019ac6a1-7441-76ea-a89d-2fb3757ceca0"
        ))
        .await;
    assert_eq!((status, error_code(&body).as_str()), (404, "not_found"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_reports_in_english_and_russian_without_a_network() {
    // No API key: the template provider is the default, and the response says so.
    let app = TestApp::start(|_| {}).await;
    let id = succeeded_job(&app).await;
    let (_, emotions) = app.get(&format!("/v1/jobs/{id}/emotions")).await;
    let dominant = emotions["dominant"].as_str().expect("dominant").to_string();

    let (status, en) = app.post_report(&id, json!({})).await;
    assert_eq!(status, 202, "{en}");
    assert_eq!(
        (
            en["provider"].as_str(),
            en["model"].as_str(),
            en["language"].as_str()
        ),
        (Some("template"), Some("template-v1"), Some("en"))
    );
    assert!(
        en["note"]
            .as_str()
            .expect("note")
            .contains("no language model")
    );
    let text = en["text"].as_str().expect("text");
    assert!(text.contains(&format!("\"{dominant}\"")), "{text}");
    assert!(
        text.contains(&format!("{} faces", emotions["faces_classified"])),
        "{text}"
    );
    assert!(text.contains("not a diagnosis"), "{text}");
    assert!(
        text.contains("Over time the leading expression changes")
            || text.contains("Over time the picture is stable"),
        "{text}"
    );

    let (status, ru) = app
        .post_report(&id, json!({"language": "ru-RU", "provider": "template"}))
        .await;
    assert_eq!(status, 202, "{ru}");
    let text = ru["text"].as_str().expect("text");
    assert!(text.contains("Анализ опирается на"), "{text}");
    assert!(text.contains("это не диагноз"), "{text}");
    // Deterministic: the same numbers give the same text.
    let (_, ru2) = app
        .post_report(
            &id,
            json!({"language": "ru-RU", "provider": "template", "regenerate": true}),
        )
        .await;
    assert_eq!(ru2["text"], ru["text"]);

    for (body, status, code) in [
        (json!({"provider": "openai"}), 400, "provider_unavailable"),
        (json!({"provider": "magic"}), 400, "invalid_provider"),
        (
            json!({"language": "de", "provider": "template"}),
            400,
            "unsupported_language",
        ),
        (json!({"language": "not a tag"}), 400, "invalid_language"),
        (json!({"colour": 1}), 400, "invalid_json"),
    ] {
        let (got, err) = app.post_report(&id, body.clone()).await;
        assert_eq!((got, error_code(&err).as_str()), (status, code), "{body}");
    }
    let resp = app
        .client
        .post(app.url(&format!("/v1/jobs/{id}/report")))
        .body("{oops")
        .send()
        .await
        .expect("req");
    assert_eq!(resp.status(), 400);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_has_not_succeeded_has_no_report() {
    let app = TestApp::start(|c| c.workers = 0).await;
    let path = video("main", main_spec, Codec::H264Mp4);
    let (_, job) = app.upload(&path, &[]).await;
    let id = job["id"].as_str().expect("id");
    let (status, body) = app.post_report(id, json!({})).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (409, "job_not_succeeded")
    );
    let (status, body) = app.get(&format!("/v1/jobs/{id}/report")).await;
    assert_eq!((status, error_code(&body).as_str()), (404, "no_report"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_written_in_the_background_and_identical_requests_join_it() {
    let (base, fake) = fake_server().await;
    let app = TestApp::start(|c| {
        with_llm(&base)(c);
        // The model takes 5 s to answer.
        c.report.base_url = format!("{base}/slow");
        c.report.timeout_secs = 30;
    })
    .await;
    let id = succeeded_job(&app).await;
    let body = json!({"provider": "openai", "language": "en"});
    let post = || {
        status_and_json(
            app.client
                .post(app.url(&format!("/v1/jobs/{id}/report")))
                .json(&body),
        )
    };
    let (a, b) = tokio::join!(post(), post());
    // Both are answered while the model has not: the report is still on its way.
    for (status, r) in [&a, &b] {
        assert_eq!(*status, 202, "{r}");
        assert!(
            matches!(r["status"].as_str(), Some("queued" | "running")),
            "{r}"
        );
        assert!(r["text"].is_null(), "{r}");
    }
    assert_eq!(a.1["id"], b.1["id"], "the second joined the first");
    let (_, all) = app.get(&format!("/v1/jobs/{id}/reports")).await;
    assert_eq!(
        all["items"][0]["status"].as_str().map(|s| s != "succeeded"),
        Some(true)
    );
    let done = app.wait_report(&a.1).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["text"], ANSWER);
    assert_eq!(fake.requests.lock().await.len(), 1, "one call to the model");
    // Now it is stored: answered at once, with 200.
    let (status, stored) = post().await;
    assert_eq!((status, &stored["id"]), (200, &done["id"]));
    let (_, all) = app.get(&format!("/v1/jobs/{id}/reports")).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(1), "{all}");
    app.stop().await;
}

/// A video of three people: both providers speak of each by number, with their own numbers, and
/// the prompt tells the model not to guess who anyone is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_speak_of_each_person_without_guessing_who_they_are() {
    let (base, fake) = fake_server().await;
    let app = TestApp::start(with_llm(&base)).await;
    let path = common::scenes::scene_file("crossing", &common::scenes::crossing());
    let (status, job) = app.upload(&path, &[]).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    assert_eq!(
        app.wait(&id, Duration::from_secs(300)).await["status"],
        "succeeded"
    );
    let (_, people) = app.get(&format!("/v1/jobs/{id}/people")).await;
    let people = people["people"].as_array().expect("people").clone();
    assert_eq!(people.len(), 3);

    let (status, report) = app.post_report(&id, json!({"provider": "template"})).await;
    assert_eq!(status, 202, "{report}");
    assert_eq!(report["status"], "succeeded", "{report}");
    let text = report["text"].as_str().expect("text");
    assert!(text.contains("as 3 different people"), "{text}");
    assert!(text.contains("nobody is identified"), "{text}");
    for p in &people {
        let dominant = p["dominant"].as_str().expect("dominant");
        let share = p["percentages"][dominant].as_f64().expect("share");
        assert!(
            text.contains(&format!("Person {} (", p["id"]))
                && text.contains(&format!(
                    "mostly \"{dominant}\" ({share:.1}% of their faces)"
                )),
            "person {}: {text}",
            p["id"]
        );
    }
    assert_eq!(report["inputs"]["people"].as_array().map(Vec::len), Some(3));
    let (_, ru) = app
        .post_report(&id, json!({"provider": "template", "language": "ru"}))
        .await;
    assert!(
        ru["text"].as_str().expect("ru").contains("Человек "),
        "{ru}"
    );

    let (status, _) = app.post_report(&id, json!({"provider": "openai"})).await;
    assert_eq!(status, 202);
    let requests = fake.requests.lock().await.clone();
    let prompt = requests[0].2["messages"][1]["content"]
        .as_str()
        .expect("prompt")
        .to_string();
    assert!(prompt.contains("do not guess who anyone is"), "{prompt}");
    for p in &people {
        let line = prompt
            .lines()
            .find(|l| l.starts_with(&format!("- Person {}:", p["id"])))
            .unwrap_or_else(|| panic!("no line for person {}: {prompt}", p["id"]));
        assert!(line.contains(&format!("({} faces)", p["faces"])), "{line}");
        assert!(line.contains("leading expression over time: 0–"), "{line}");
    }
    app.stop().await;
}

/// The process writing a report is killed while the model is answering: the restarted server
/// takes the report back and writes it, under the same id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_being_written_survives_a_sigkill() {
    let (base, fake) = fake_server().await;
    let dir = tempfile::tempdir().expect("dir");
    let slow = format!("{base}/slow");
    let server = common::server::Server::start(
        dir.path(),
        1,
        &[
            ("EMOSCOPE_REPORT__BASE_URL", slow.as_str()),
            ("EMOSCOPE_REPORT__API_KEY", "sk-test-key"),
            ("EMOSCOPE_REPORT__TIMEOUT_SECS", "30"),
            ("EMOSCOPE_REPORT__RETRIES", "0"),
        ],
    );
    let client = reqwest::Client::new();
    let clip = video("main", main_spec, Codec::H264Mp4);
    let form = reqwest::multipart::Form::new()
        .text("sample_fps", "2")
        .part(
            "video",
            reqwest::multipart::Part::bytes(std::fs::read(&clip).expect("clip")).file_name("a.mp4"),
        );
    let (status, job) = status_and_json(client.post(server.url("/v1/jobs")).multipart(form)).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    let job = common::server::poll_job(&client, &server.base, &id, Duration::from_secs(180), |j| {
        common::server::finished(j)
    })
    .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let (status, report) = status_and_json(
        client
            .post(server.url(&format!("/v1/jobs/{id}/report")))
            .json(&json!({})),
    )
    .await;
    assert_eq!(status, 202, "{report}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while fake.requests.lock().await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the model was not called"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let server = server.restart();
    let path = report["links"]["self"].as_str().expect("self").to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let done = loop {
        let (status, r) = status_and_json(client.get(server.url(&path))).await;
        assert_eq!(status, 200, "{r}");
        if r["status"] == "succeeded" || r["status"] == "failed" {
            break r;
        }
        assert!(std::time::Instant::now() < deadline, "not written: {r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["text"], ANSWER);
    assert_eq!(done["id"], report["id"]);
    assert_eq!(
        fake.requests.lock().await.len(),
        2,
        "asked again after the restart"
    );
}
