//! API keys end to end, on whichever database the app runs: keys made in the store as
//! `emoscope keys create` makes them, then what each key may see and do.

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;

use super::synth::Codec;
use super::{TestApp, error_code, happy_spec, status_and_json, video};
use emoscope::auth::NewKey;

/// Makes a key in the app's database; returns its id and token.
pub async fn make_key(app: &TestApp, name: &str, admin: bool) -> (String, String) {
    let new = make_full_key(app, name, admin).await;
    (new.key.id, new.token)
}

/// Makes a key; returns all of it, the webhook secret too.
pub async fn make_full_key(app: &TestApp, name: &str, admin: bool) -> NewKey {
    let store = emoscope::app::open_store(&app.config)
        .await
        .expect("open store");
    let new = NewKey::generate(name, admin, emoscope::clock::now_ms()).expect("key");
    store.create_key(&new).await.expect("store key");
    new
}

/// A client that sends `Authorization: Bearer {token}` on every request.
pub fn client_with(token: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("header");
    headers.insert(AUTHORIZATION, value);
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

pub async fn get_as(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, Value) {
    status_and_json(client.get(app.url(path))).await
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|j| j["id"].as_str().expect("id").to_string())
        .collect()
}

/// Two keys cannot see or touch each other's jobs, an admin sees all, a revoked key is refused,
/// and a request without a key gets 401 once a key exists. The app runs without workers.
pub async fn check_isolation(app: &TestApp) {
    let clip = video("keys-happy", happy_spec, Codec::H264Mp4);
    // Before any key: open, on loopback.
    let (status, _) = app.get("/v1/jobs").await;
    assert_eq!(status, 200);

    let (_, alice_token) = make_key(app, "alice", false).await;
    let (bob_id, bob_token) = make_key(app, "bob", false).await;
    let (_, admin_token) = make_key(app, "ops", true).await;
    let (alice, bob, admin) = (
        client_with(&alice_token),
        client_with(&bob_token),
        client_with(&admin_token),
    );

    // Without a key, with a malformed one, with an unknown one: 401 in the one error shape.
    let resp = app
        .client
        .get(app.url("/v1/jobs"))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let body: Value = resp.json().await.expect("json");
    assert_eq!(error_code(&body), "unauthorized");
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "emo_0123"] {
        let (status, body) = status_and_json(
            app.client
                .get(app.url("/v1/info"))
                .header(AUTHORIZATION, header),
        )
        .await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (401, "unauthorized"),
            "{header}"
        );
    }
    let (status, body) = get_as(app, &client_with("emo_not-a-key"), "/v1/jobs").await;
    assert_eq!((status, error_code(&body).as_str()), (401, "unauthorized"));
    // Health, readiness, metrics and the page stay open.
    for path in ["/healthz", "/readyz", "/metrics", "/", "/openapi.json"] {
        let status = app
            .client
            .get(app.url(path))
            .send()
            .await
            .expect("request")
            .status();
        assert_eq!(status, 200, "{path}");
    }

    let (status, a_job) = app.upload_as(&alice, &clip, &[]).await;
    assert_eq!(status, 202, "{a_job}");
    let a_id = a_job["id"].as_str().expect("id").to_string();
    let (status, b_job) = app.upload_as(&bob, &clip, &[]).await;
    assert_eq!(status, 202, "{b_job}");
    let b_id = b_job["id"].as_str().expect("id").to_string();

    // Each key lists only its own; the admin lists both.
    let (_, page) = get_as(app, &alice, "/v1/jobs").await;
    assert_eq!(ids(&page), vec![a_id.clone()]);
    let (_, page) = get_as(app, &bob, "/v1/jobs?status=queued").await;
    assert_eq!(ids(&page), vec![b_id.clone()]);
    let (_, page) = get_as(app, &admin, "/v1/jobs").await;
    assert_eq!(ids(&page), vec![b_id.clone(), a_id.clone()]);

    // Another key's job is 404 (not 403) on every route, and stays untouched.
    for path in [
        "",
        "/emotions",
        "/timeline",
        "/people",
        "/report",
        "/reports",
        "/deliveries",
        "/annotated.mp4",
    ] {
        let (status, body) = get_as(app, &bob, &format!("/v1/jobs/{a_id}{path}")).await;
        assert_eq!(
            (status, error_code(&body).as_str()),
            (404, "not_found"),
            "{path}"
        );
    }
    let (status, _) = status_and_json(bob.delete(app.url(&format!("/v1/jobs/{a_id}")))).await;
    assert_eq!(status, 404);
    let (status, _) = status_and_json(bob.post(app.url(&format!("/v1/jobs/{a_id}/cancel")))).await;
    assert_eq!(status, 404);
    let (status, _) = status_and_json(bob.post(app.url(&format!("/v1/jobs/{a_id}/report")))).await;
    assert_eq!(status, 404);
    let (status, job) = get_as(app, &alice, &format!("/v1/jobs/{a_id}")).await;
    assert_eq!((status, job["status"].as_str()), (200, Some("queued")));

    // The admin sees and deletes anyone's job.
    let (status, _) = get_as(app, &admin, &format!("/v1/jobs/{b_id}")).await;
    assert_eq!(status, 200);
    let (status, _) = status_and_json(admin.delete(app.url(&format!("/v1/jobs/{b_id}")))).await;
    assert_eq!(status, 204);

    // A revoked key is refused; its owner's other keys are not affected.
    let store = emoscope::app::open_store(&app.config).await.expect("store");
    store
        .revoke_key(&bob_id, emoscope::clock::now_ms())
        .await
        .expect("revoke")
        .expect("bob's key");
    let (status, body) = get_as(app, &bob, "/v1/jobs").await;
    assert_eq!((status, error_code(&body).as_str()), (401, "unauthorized"));
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("revoked")
    );
    let (status, _) = get_as(app, &alice, &format!("/v1/jobs/{a_id}")).await;
    assert_eq!(status, 200);

    // Tokens never come back in any answer.
    let (_, info) = get_as(app, &alice, "/v1/info").await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    let text = format!("{info} {}", metrics.text().await.expect("text"));
    for token in [&alice_token, &bob_token, &admin_token] {
        assert!(!text.contains(token.as_str()));
    }
}

pub async fn upload_with_key(
    app: &TestApp,
    client: &reqwest::Client,
    key: &str,
    bytes: Vec<u8>,
    query: &str,
) -> (u16, Value, bool) {
    let resp = client
        .post(app.url(&format!("/v1/jobs{query}")))
        .header("content-type", "video/mp4")
        .header("idempotency-key", key)
        .body(bytes)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let replayed = resp.headers().get("idempotent-replayed").is_some();
    (status, resp.json().await.unwrap_or(Value::Null), replayed)
}

/// The same upload twice, and twice at once, with one `Idempotency-Key` makes one job; the
/// same key for another upload is refused; another API key's same key is its own.
pub async fn check_idempotent_uploads(app: &TestApp) {
    let bytes = std::fs::read(video("keys-happy", happy_spec, Codec::H264Mp4)).expect("clip");
    let (_, token) = make_key(app, "retrier", false).await;
    let client = client_with(&token);
    let before = app.uploads_count();

    let (s1, first, r1) = upload_with_key(app, &client, "order-1", bytes.clone(), "").await;
    let (s2, again, r2) = upload_with_key(app, &client, "order-1", bytes.clone(), "").await;
    assert_eq!((s1, s2, r1, r2), (202, 202, false, true), "{first} {again}");
    assert_eq!(first["id"], again["id"]);
    assert_eq!(
        app.uploads_count(),
        before + 1,
        "the retry's video was not stored"
    );

    // The same key for something else is the client's bug.
    let (status, body, _) =
        upload_with_key(app, &client, "order-1", bytes.clone(), "?sample_fps=1").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (422, "idempotency_key_reused")
    );
    let mut other = bytes.clone();
    other.truncate(bytes.len() - 1000);
    let (status, _, _) = upload_with_key(app, &client, "order-1", other, "").await;
    assert_eq!(status, 422);

    // Two at once with a new key: one job between them.
    let (a, b) = tokio::join!(
        upload_with_key(app, &client, "order-2", bytes.clone(), ""),
        upload_with_key(app, &client, "order-2", bytes.clone(), ""),
    );
    assert_eq!((a.0, b.0), (202, 202), "{} {}", a.1, b.1);
    assert_eq!(a.1["id"], b.1["id"]);
    assert!(a.2 ^ b.2, "exactly one of them is the replay");

    let (_, page) = get_as(app, &client, "/v1/jobs").await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2), "{page}");
    let (status, body, _) =
        upload_with_key(app, &client, &"k".repeat(300), bytes.clone(), "").await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "invalid_idempotency_key")
    );

    // Keys are per API key: another key's "order-1" is a new job.
    let (_, token) = make_key(app, "other", false).await;
    let other = client_with(&token);
    let (status, job, replayed) = upload_with_key(app, &other, "order-1", bytes, "").await;
    assert_eq!((status, replayed), (202, false), "{job}");
    assert_ne!(job["id"], first["id"]);
}
