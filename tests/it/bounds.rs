//! The live and picture surfaces under attack, each a reproduction, bounded and on loopback: a
//! client that pings and never reads, a progressive JPEG of thousands of scans, one key asking
//! for every live ticket, a WebSocket opened from another site's page, and a ticket whose key
//! was revoked.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::common::keys::{client_with, make_key};
use crate::common::scans::many_scans;
use crate::common::server::Server;
use crate::common::{self, TestApp, error_code, status_and_json};

/// Opens `/v1/live` at `base` with extra headers; the socket, or the refusal's status.
async fn open(
    base: &str,
    headers: &[(&'static str, &str)],
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    let url = format!("{}/v1/live", base.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).expect("header"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("connect: {e}"),
    }
}

async fn open_sessions(base: &str) -> u64 {
    let info: Value = reqwest::get(format!("{base}/v1/info"))
        .await
        .expect("info")
        .json()
        .await
        .expect("json");
    info["live"]["open_sessions"].as_u64().expect("open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_pings_and_never_reads_is_cut_off_with_memory_bounded() {
    let data = tempfile::tempdir().expect("dir");
    let server = Server::start(data.path(), 1, &[]);
    let mut socket = open(&server.base, &[]).await.expect("a session");
    // Once `ready` has come, the session's own model sessions are loaded.
    let ready = tokio::time::timeout(Duration::from_secs(30), socket.next())
        .await
        .expect("ready in time");
    assert!(matches!(ready, Some(Ok(Message::Text(_)))), "{ready:?}");
    let (before, _) = server.memory();
    // 125-byte pings as fast as they go for up to 3 s, never reading: each one costs the server
    // a pong it cannot send.
    let started = Instant::now();
    let mut sent = 0u32;
    let mut peak = before;
    while started.elapsed() < Duration::from_secs(3) {
        let ping = Message::Ping(vec![7u8; 125].into());
        match tokio::time::timeout(Duration::from_millis(500), socket.send(ping)).await {
            Ok(Ok(())) => sent += 1,
            _ => break,
        }
        if sent.is_multiple_of(50) {
            peak = peak.max(server.memory().0);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while open_sessions(&server.base).await > 0 {
        assert!(Instant::now() < deadline, "the flooding session stays open");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let peak = peak.max(server.memory().0);
    eprintln!(
        "ping flood: {sent} pings in {:.2} s; resident {} MB before, at most {} MB",
        started.elapsed().as_secs_f64(),
        before >> 20,
        peak >> 20
    );
    // A pong queue that grew without bound reached +380 MB in 1.3 s.
    assert!(
        peak.saturating_sub(before) < 32 << 20,
        "{sent} pings: resident memory {before} → {peak} at most"
    );
    assert!(server.log().iter().any(|l| l.contains("too_many_messages")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jpeg_of_thousands_of_scans_is_refused_unread_while_another_key_is_answered() {
    let app = TestApp::start(|c| {
        c.limits.image_workers = 1;
        c.rate_limits.images_per_minute = 0;
    })
    .await;
    let (_, a) = make_key(&app, "a", false).await;
    let (_, b) = make_key(&app, "b", false).await;
    let bomb = many_scans(4096, 20_000).expect("jpeg");
    let post = |token: &str, body: Vec<u8>| {
        client_with(token)
            .post(app.url("/v1/images"))
            .header("content-type", "image/jpeg")
            .body(body)
    };
    let attack = tokio::spawn(status_and_json(post(&a, bomb)));
    let faces = common::synth::two_faces_picture(".jpg");
    let (status, answer) = status_and_json(post(&b, faces)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["faces"].as_array().map(Vec::len),
        Some(2),
        "{answer}"
    );
    let (status, refused) = attack.await.expect("attack");
    assert_eq!(
        (status, error_code(&refused).as_str()),
        (422, "unsupported_image"),
        "{refused}"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("scans")),
        "{refused}"
    );
    // An ordinary progressive JPEG (about ten scans) is analysed.
    let (status, answer) = status_and_json(post(&a, many_scans(320, 0).expect("jpeg"))).await;
    assert_eq!(status, 200, "{answer}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_are_capped_per_key_die_with_their_key_and_upgrades_check_the_origin() {
    let app = TestApp::start(|c| {
        c.rate_limits.tickets_per_minute = 0;
        c.limits.max_live_tickets_per_key = 5;
    })
    .await;
    let (a_id, a) = make_key(&app, "a", false).await;
    let (_, b) = make_key(&app, "b", false).await;
    let (a, b) = (client_with(&a), client_with(&b));
    // One key asking for many tickets gets its few; another key still gets one.
    let mut given = Vec::new();
    for _ in 0..200 {
        let (status, t) = status_and_json(a.post(app.url("/v1/live/tickets"))).await;
        match status {
            201 => given.push(t["protocol"].as_str().expect("protocol").to_string()),
            429 => assert_eq!(error_code(&t), "too_many_sessions", "{t}"),
            other => panic!("{other}: {t}"),
        }
    }
    assert_eq!(given.len(), 5);
    let (status, t) = status_and_json(b.post(app.url("/v1/live/tickets"))).await;
    assert_eq!(status, 201, "{t}");

    // From another site's page, the upgrade is refused; from the server's own page it opens.
    let protocol = format!("emoscope, {}", t["protocol"].as_str().expect("protocol"));
    let evil = open(
        &app.base,
        &[
            ("sec-websocket-protocol", &protocol),
            ("origin", "https://evil.example"),
        ],
    )
    .await;
    assert_eq!(evil.err(), Some(403));
    let same = app.base.clone();
    let own = open(
        &app.base,
        &[("sec-websocket-protocol", &protocol), ("origin", &same)],
    )
    .await;
    assert!(own.is_ok(), "the server's own page: {:?}", own.err());
    drop(own);

    // A ticket given before its key was revoked opens nothing.
    let store = emoscope::app::open_store(&app.config).await.expect("store");
    store
        .revoke_key(&a_id, emoscope::clock::now_ms())
        .await
        .expect("revoke")
        .expect("a's key");
    let protocol = format!("emoscope, {}", given[0]);
    let revoked = open(&app.base, &[("sec-websocket-protocol", &protocol)]).await;
    assert_eq!(revoked.err(), Some(401));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_are_rate_limited_per_key() {
    let app = TestApp::start(|c| c.rate_limits.tickets_per_minute = 3).await;
    let (_, a) = make_key(&app, "a", false).await;
    let a = client_with(&a);
    for _ in 0..3 {
        let (status, t) = status_and_json(a.post(app.url("/v1/live/tickets"))).await;
        assert_eq!(status, 201, "{t}");
    }
    let (status, t) = status_and_json(a.post(app.url("/v1/live/tickets"))).await;
    assert_eq!((status, error_code(&t).as_str()), (429, "rate_limited"));
    app.stop().await;
}
