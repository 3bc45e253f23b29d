//! A real webhook receiver on 127.0.0.1: it answers with the statuses it is told to (or not at
//! all), records what arrives, and verifies Standard Webhooks signatures on its own (HMAC-SHA256
//! over `id.timestamp.body`, as a receiver's code would), not with Emoscope's signer.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::Mutex;

use super::status_and_json;

#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inbox {
    /// Statuses to answer with, in order; then `then`.
    script: VecDeque<u16>,
    then: u16,
    got: Vec<Received>,
}

pub struct Receiver {
    /// Where to send webhooks (`http://127.0.0.1:PORT/hook?token=t0ps3cret`).
    pub url: String,
    inbox: Arc<Mutex<Inbox>>,
}

async fn hook(
    State(inbox): State<Arc<Mutex<Inbox>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut inbox = inbox.lock().await;
    inbox.got.push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: body.to_vec(),
    });
    let status = inbox.script.pop_front().unwrap_or(inbox.then);
    StatusCode::from_u16(status).expect("status")
}

impl Receiver {
    /// Answers `script` in order, then `then` to every request.
    pub async fn start(script: &[u16], then: u16) -> Self {
        let inbox = Arc::new(Mutex::new(Inbox {
            script: script.iter().copied().collect(),
            then,
            got: Vec::new(),
        }));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            url: format!("http://{addr}/hook?token=t0ps3cret"),
            inbox,
        }
    }

    /// From now on every request gets `status`.
    pub async fn answer(&self, status: u16) {
        let mut inbox = self.inbox.lock().await;
        inbox.script.clear();
        inbox.then = status;
    }

    pub async fn received(&self) -> Vec<Received> {
        self.inbox.lock().await.got.clone()
    }
}

/// A receiver that accepts connections and never answers.
pub async fn silent() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}/hook")
}

/// Whether the webhook carries a valid signature by `secret` (`whsec_…`), made within the last
/// five minutes, as the Standard Webhooks libraries check it.
pub fn verify(secret: &str, r: &Received) -> bool {
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else {
        return false;
    };
    let Ok(ts) = r.timestamp.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - ts).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{}.{}.", r.id, r.timestamp).as_bytes());
    mac.update(&r.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signature.split(' ').any(|s| s == expected)
}

/// Polls the job's deliveries until the one for `event` has ended (delivered or failed).
pub async fn wait_delivery(
    client: &reqwest::Client,
    base: &str,
    job_id: &str,
    event: &str,
    timeout: Duration,
) -> Value {
    let start = Instant::now();
    loop {
        let (status, list) =
            status_and_json(client.get(format!("{base}/v1/jobs/{job_id}/deliveries"))).await;
        assert_eq!(status, 200, "{list}");
        let found = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|d| d["event"] == event)
            .cloned();
        if let Some(d) = &found
            && matches!(d["status"].as_str(), Some("delivered" | "failed"))
        {
            return d.clone();
        }
        assert!(
            start.elapsed() < timeout,
            "no finished {event} delivery: {list}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Lets callbacks reach this machine's receivers (loopback, over http), and retries fast.
pub fn allow_local_receivers(c: &mut emoscope::config::Config) {
    c.webhooks.allow_http = true;
    c.webhooks.allowed_networks =
        emoscope::config::List(vec!["127.0.0.1".parse().expect("network")]);
    c.webhooks.retry_base_ms = 200;
    c.webhooks.max_backoff_secs = 1;
    c.webhooks.timeout_secs = 5;
}

/// A key's job with a callback: the receiver answers 500 twice, then 200; the webhook is
/// retried with the same id, each attempt is recorded, every signature verifies with the key's
/// secret, and the body is the job as the API shows it. Then a report's webhook.
pub async fn check_signed_retried_delivery(app: &super::TestApp) {
    let receiver = Receiver::start(&[500, 500], 200).await;
    let key = super::keys::make_full_key(app, "hooks", false).await;
    let client = super::keys::client_with(&key.token);
    let clip = super::video(
        "keys-happy",
        super::happy_spec,
        super::synth::Codec::H264Mp4,
    );
    let (status, job) = app
        .upload_as(
            &client,
            &clip,
            &[("sample_fps", "1"), ("callback_url", &receiver.url)],
        )
        .await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["options"]["callback_url"], receiver.url.as_str());
    let id = job["id"].as_str().expect("id").to_string();
    let d = wait_delivery(
        &client,
        &app.base,
        &id,
        "job.succeeded",
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(d["status"], "delivered", "{d}");
    assert_eq!(d["attempts"], 3, "{d}");
    let codes: Vec<&Value> = d["attempt_log"]
        .as_array()
        .expect("log")
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [500, 500, 200], "{d}");
    assert_eq!(
        d["attempt_log"][0]["error"],
        "the receiver answered HTTP 500"
    );
    let got = receiver.received().await;
    assert_eq!(got.len(), 3);
    for r in &got {
        assert_eq!(
            r.id,
            d["id"].as_str().expect("id"),
            "one id on every attempt"
        );
        assert!(verify(&key.webhook_secret, r), "signature of {r:?}");
        assert!(
            !verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", r),
            "a wrong secret fails"
        );
    }
    let body = got[2].json();
    assert_eq!(body["type"], "job.succeeded");
    assert_eq!(body["data"]["id"], id.as_str());
    assert_eq!(body["data"]["status"], "succeeded");
    assert_eq!(body["data"]["links"]["self"], format!("/v1/jobs/{id}"));
    // A body altered on the way fails verification.
    let mut forged = got[2].clone();
    forged.body = String::from_utf8_lossy(&forged.body)
        .replacen("succeeded", "failed", 1)
        .into_bytes();
    assert!(!verify(&key.webhook_secret, &forged));

    // The report's end is told too, with the report as its body.
    let (status, report) = status_and_json(
        client
            .post(app.url(&format!("/v1/jobs/{id}/report")))
            .json(&serde_json::json!({"provider": "template"})),
    )
    .await;
    assert_eq!(status, 202, "{report}");
    let d = wait_delivery(
        &client,
        &app.base,
        &id,
        "report.succeeded",
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_u64()),
        (Some("delivered"), Some(1)),
        "{d}"
    );
    assert_eq!(d["report_id"], report["id"]);
    let last = receiver.received().await.pop().expect("report webhook");
    assert!(verify(&key.webhook_secret, &last));
    let body = last.json();
    assert_eq!(body["type"], "report.succeeded");
    assert_eq!(body["data"]["id"], report["id"]);
    assert_eq!(body["data"]["status"], "succeeded");
    assert!(body["data"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    // Neither the key nor its secret is in what the API shows.
    let (_, list) =
        status_and_json(client.get(app.url(&format!("/v1/jobs/{id}/deliveries")))).await;
    let shown = list.to_string();
    assert!(!shown.contains(&key.webhook_secret) && !shown.contains(&key.token));
}
