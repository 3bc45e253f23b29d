//! Live sessions over a real WebSocket, against the real server and model: the frames of a
//! scene with three people sent as JPEG; faces, person numbers, summaries and the kept job;
//! bad frames answered and survived; the latest frame winning; a ticket for browsers; too many
//! sessions; a connection cut mid-session freeing its place.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use opencv::core::Vector;
use opencv::prelude::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::common::keys::{client_with, make_key};
use crate::common::{self, TestApp, status_and_json};

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const WAIT: Duration = Duration::from_secs(60);

/// Every `step`-th frame of the scene, as JPEG.
fn jpeg_frames(step: usize) -> Vec<Vec<u8>> {
    let path = common::scenes::scene_file("crossing", &common::scenes::crossing());
    let mut cap = opencv::videoio::VideoCapture::from_file(
        &*path.to_string_lossy(),
        opencv::videoio::CAP_FFMPEG,
    )
    .expect("open");
    let mut frames = Vec::new();
    let mut frame = Mat::default();
    let mut i = 0;
    while cap.read(&mut frame).expect("read") && !frame.empty() {
        if i % step == 0 {
            let mut jpeg = Vector::<u8>::new();
            opencv::imgcodecs::imencode(".jpg", &frame, &mut jpeg, &Vector::new()).expect("jpeg");
            frames.push(jpeg.to_vec());
        }
        i += 1;
    }
    frames
}

pub(crate) async fn connect(
    app: &TestApp,
    query: &str,
    auth: (&'static str, &str),
) -> Result<Socket, u16> {
    let url = format!("{}/v1/live{query}", app.base.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request
        .headers_mut()
        .insert(auth.0, HeaderValue::from_str(auth.1).expect("header"));
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("connect: {e}"),
    }
}

/// The next JSON message (pings and pongs skipped).
pub(crate) async fn next(socket: &mut Socket) -> Value {
    loop {
        let m = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a message in time")
            .expect("open")
            .expect("message");
        if let Message::Text(t) = m {
            return serde_json::from_str(&t).expect("json");
        }
    }
}

/// Messages until one of `kind` (returned with those before it).
async fn until(socket: &mut Socket, kind: &str) -> (Value, Vec<Value>) {
    let mut before = Vec::new();
    loop {
        let m = next(socket).await;
        if m["type"] == kind {
            return (m, before);
        }
        before.push(m);
    }
}

async fn start(tweak: impl FnOnce(&mut emoscope::config::Config)) -> (TestApp, String) {
    let app = TestApp::start(|c| {
        c.limits.max_live_sessions_per_key = 1;
        c.limits.max_live_frame_bytes = 200_000;
        c.limits.live_summary_secs = 1;
        tweak(c);
    })
    .await;
    let (_, token) = make_key(&app, "live", false).await;
    (app, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_session_follows_people_survives_bad_frames_and_is_kept_as_a_job() {
    let (app, token) = start(|_| {}).await;
    let bearer = format!("Bearer {token}");
    let mut socket = connect(&app, "?tracking=true", ("authorization", &bearer))
        .await
        .expect("open");
    let ready = next(&mut socket).await;
    assert_eq!(ready["type"], "ready", "{ready}");
    assert_eq!(ready["limits"]["max_frame_bytes"], 200_000);

    // One key, one session: a second is refused before the upgrade.
    let second = connect(&app, "", ("authorization", &bearer)).await;
    assert_eq!(second.err(), Some(429));

    // The scene at 5 frames a second, each sent when the last one's result is in.
    let frames = jpeg_frames(5);
    let mut results = Vec::new();
    let mut summaries = 0;
    for (i, jpeg) in frames.iter().enumerate() {
        let t = json!({"type": "frame", "time_ms": 1_000_000 + i as u64 * 200});
        socket
            .send(Message::Text(t.to_string().into()))
            .await
            .expect("time");
        socket
            .send(Message::Binary(jpeg.clone().into()))
            .await
            .expect("frame");
        let (frame, before) = until(&mut socket, "frame").await;
        summaries += before.iter().filter(|m| m["type"] == "summary").count();
        results.push(frame);
    }
    assert_eq!(results[0]["seq"], 1);
    assert_eq!(results[0]["time_ms"], 0, "times are from the first frame");
    assert_eq!(results[3]["time_ms"], 600);
    let persons: std::collections::BTreeSet<u64> = results
        .iter()
        .flat_map(|f| f["faces"].as_array().expect("faces").clone())
        .filter_map(|f| f["track_id"].as_u64())
        .collect();
    assert!(persons.len() >= 3, "people seen: {persons:?}");
    let with_three = results
        .iter()
        .filter(|f| f["faces"].as_array().is_some_and(|a| a.len() == 3))
        .count();
    assert!(
        with_three * 2 > results.len(),
        "three faces in most frames: {with_three} of {}",
        results.len()
    );
    assert!(summaries >= 1, "no summary in {} frames", results.len());
    bad_frames(&mut socket).await;

    socket
        .send(Message::Text(
            json!({"type": "end", "keep": true}).to_string().into(),
        ))
        .await
        .expect("end");
    let (ended, _) = until(&mut socket, "ended").await;
    assert_eq!(ended["reason"], "client", "{ended}");
    assert_eq!(
        ended["frames"].as_u64(),
        Some(results.len() as u64 + 1),
        "{ended}"
    );
    let job = &ended["job"];
    assert_eq!(job["status"], "succeeded", "{ended}");
    let id = job["id"].as_str().expect("id");
    let client = client_with(&token);
    let (status, people) =
        status_and_json(client.get(app.url(&format!("/v1/jobs/{id}/people")))).await;
    assert_eq!(status, 200, "{people}");
    assert!(
        people["people"].as_array().is_some_and(|p| p.len() >= 3),
        "{people}"
    );
    let (status, timeline) =
        status_and_json(client.get(app.url(&format!("/v1/jobs/{id}/timeline?limit=1000")))).await;
    assert_eq!(status, 200, "{timeline}");
    assert_eq!(
        timeline["items"].as_array().map(Vec::len),
        Some(results.len() + 1)
    );
    assert_eq!(app.uploads_count(), 0, "no media is stored");
    app.stop().await;
}

/// Bad frames and messages get an error each; the session goes on.
async fn bad_frames(socket: &mut Socket) {
    let huge_png = {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        png
    };
    for (bytes, code) in [
        (Vec::new(), "not_a_picture"),
        (b"not a picture at all".to_vec(), "not_a_picture"),
        (huge_png, "too_many_pixels"),
        (vec![0xff; 300_000], "frame_too_large"),
    ] {
        socket
            .send(Message::Binary(bytes.into()))
            .await
            .expect("bad frame");
        let (error, _) = until(socket, "error").await;
        assert_eq!(error["code"], code, "{error}");
    }
    // A JPEG header on garbage passes the header check, then fails to decode.
    let mut broken = jpeg_frames(50).remove(0);
    broken.truncate(600);
    socket
        .send(Message::Binary(broken.into()))
        .await
        .expect("broken");
    let (error, _) = until(socket, "error").await;
    assert_eq!(error["code"], "not_a_picture", "{error}");
    socket
        .send(Message::Text("{\"type\":\"dance\"}".into()))
        .await
        .expect("text");
    let (error, _) = until(socket, "error").await;
    assert_eq!(error["code"], "invalid_message", "{error}");
    // And a good frame still gets its answer.
    socket
        .send(Message::Binary(jpeg_frames(50).remove(0).into()))
        .await
        .expect("frame");
    let (frame, _) = until(socket, "frame").await;
    assert!(
        frame["faces"].as_array().is_some_and(|f| !f.is_empty()),
        "{frame}"
    );
}

/// Live sessions open in this app's process (`/v1/info`; the metrics gauge is the process's,
/// which the tests running beside this one share).
async fn open_sessions(app: &TestApp, client: &reqwest::Client) -> f64 {
    let (_, info) = status_and_json(client.get(app.url("/v1/info"))).await;
    info["live"]["open_sessions"]
        .as_f64()
        .expect("open sessions")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latest_frame_wins_tickets_open_sessions_and_a_cut_connection_frees_its_place() {
    let (app, token) = start(|c| c.limits.max_live_fps = 100.0).await;
    let client = client_with(&token);

    // A browser's way in: a ticket as a subprotocol, good once.
    let (status, ticket) = status_and_json(client.post(app.url("/v1/live/tickets"))).await;
    assert_eq!(status, 201, "{ticket}");
    let protocol = format!(
        "emoscope, {}",
        ticket["protocol"].as_str().expect("protocol")
    );
    let mut socket = connect(&app, "", ("sec-websocket-protocol", &protocol))
        .await
        .expect("ticket");
    assert_eq!(next(&mut socket).await["type"], "ready");
    assert!(open_sessions(&app, &client).await >= 1.0);

    // Thirty frames at once: the server analyses the latest it has and drops the rest.
    let frames = jpeg_frames(5);
    for jpeg in frames.iter().cycle().take(30) {
        socket
            .send(Message::Binary(jpeg.clone().into()))
            .await
            .expect("frame");
    }
    let mut last = Value::Null;
    while last["seq"] != 30 {
        last = until(&mut socket, "frame").await.0;
    }
    assert!(
        last["dropped"].as_u64() > Some(0),
        "nothing dropped: {last}"
    );
    assert!(last["analysis_ms"].as_f64() > Some(0.0), "{last}");

    // Cut without a close: the place is freed.
    drop(socket);
    let deadline = std::time::Instant::now() + WAIT;
    while open_sessions(&app, &client).await > 0.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the session's place was not freed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The ticket was used; no key, no ticket: 401.
    let again = connect(&app, "", ("sec-websocket-protocol", &protocol)).await;
    assert_eq!(again.err(), Some(401));
    let none = connect(&app, "", ("user-agent", "test")).await;
    assert_eq!(none.err(), Some(401));
    // A bad option is refused before the upgrade.
    let bearer = format!("Bearer {token}");
    let bad = connect(&app, "?sample_fps=3", ("authorization", &bearer)).await;
    assert_eq!(bad.err(), Some(400));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_url_becomes_a_job_that_shows_its_results_so_far_and_ends_with_the_stream_or_a_cancel()
 {
    let (app, token) = start(|c| {
        c.downloads.allow_http = true;
        c.downloads.allowed_networks = "127.0.0.1".parse().expect("networks");
    })
    .await;
    let client = client_with(&token);
    let scene = common::scenes::scene_file("crossing", &common::scenes::crossing());
    let (playlist, _served) = common::video_host::hls(&scene, false).await;
    let url = format!("{playlist}?token=stream-s3cr3t");
    let body = json!({"source_url": url, "sample_fps": 5});
    let (status, job) = status_and_json(client.post(app.url("/v1/jobs")).json(&body)).await;
    assert_eq!(
        (status, job["status"].as_str()),
        (202, Some("running")),
        "{job}"
    );
    assert_eq!(job["video"]["url"], format!("{playlist}?…"));
    let id = job["id"].as_str().expect("id");
    let done = poll(&client, &app, id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert!(
        done["progress"]["frames_done"].as_u64() > Some(30),
        "{done}"
    );
    let (_, people) = status_and_json(client.get(app.url(&format!("/v1/jobs/{id}/people")))).await;
    assert!(
        people["people"].as_array().is_some_and(|p| p.len() >= 3),
        "{people}"
    );
    assert!(!done.to_string().contains("stream-s3cr3t"));

    // A stream read as it comes: its results so far while it runs, and a cancel.
    let (paced, _served) = common::video_host::hls(&scene, true).await;
    let body = json!({"source_url": paced});
    let (status, job) = status_and_json(client.post(app.url("/v1/jobs")).json(&body)).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id");
    // While it runs, its results so far.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (status, people) =
            status_and_json(client.get(app.url(&format!("/v1/jobs/{id}/people")))).await;
        assert_eq!(status, 200, "{people}");
        if people["people"].as_array().is_some_and(|p| !p.is_empty()) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no people so far: {people}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (status, emotions) =
        status_and_json(client.get(app.url(&format!("/v1/jobs/{id}/emotions")))).await;
    assert_eq!(status, 200, "{emotions}");
    assert!(
        emotions["faces_classified"].as_u64() > Some(0),
        "{emotions}"
    );
    let (status, canceled) =
        status_and_json(client.post(app.url(&format!("/v1/jobs/{id}/cancel")))).await;
    let (_, now) = status_and_json(client.get(app.url(&format!("/v1/jobs/{id}")))).await;
    assert_eq!(status, 202, "{canceled} {now}");
    let ended = poll(&client, &app, id).await;
    assert_eq!(ended["status"], "canceled", "{ended}");

    for (source, why) in [
        ("ftp://127.0.0.1/a", "rtsp, rtmp, http or https"),
        ("rtsp://10.1.2.3/stream", "private address"),
    ] {
        let (status, e) = status_and_json(
            client
                .post(app.url("/v1/jobs"))
                .json(&json!({"source_url": source})),
        )
        .await;
        assert_eq!(
            (status, common::error_code(&e).as_str()),
            (400, "invalid_video_url"),
            "{e}"
        );
        assert!(
            e["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(why)),
            "{e}"
        );
    }
    app.stop().await;
}

async fn poll(client: &reqwest::Client, app: &TestApp, id: &str) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let (_, job) = status_and_json(client.get(app.url(&format!("/v1/jobs/{id}")))).await;
        if matches!(
            job["status"].as_str(),
            Some("succeeded" | "failed" | "canceled")
        ) {
            return job;
        }
        assert!(std::time::Instant::now() < deadline, "{job}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A connection cut in the middle of a frame (its header promises 100 kB, 10 kB come): the
/// session ends and its place is freed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_frame_frees_its_place() {
    use tokio::io::AsyncWriteExt;
    let (app, token) = start(|_| {}).await;
    let client = client_with(&token);
    let addr = app.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let mut request = format!("ws://{addr}/v1/live")
        .into_client_request()
        .expect("request");
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).expect("header");
    request.headers_mut().insert("authorization", bearer);
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    let (mut socket, _) = tokio_tungstenite::client_async(request, stream)
        .await
        .expect("open");
    assert_eq!(next(&mut socket).await["type"], "ready");
    assert_eq!(open_sessions(&app, &client).await, 1.0);
    // A masked binary frame of 100000 bytes, cut after 10000.
    let mut raw = vec![0x82, 0x80 | 127];
    raw.extend_from_slice(&100_000u64.to_be_bytes());
    raw.extend_from_slice(&[1, 2, 3, 4]);
    raw.extend(std::iter::repeat_n(0x55, 10_000));
    let tokio_tungstenite::MaybeTlsStream::Plain(tcp) = socket.get_mut() else {
        panic!("a plain TCP stream");
    };
    tcp.write_all(&raw).await.expect("part of a frame");
    tcp.flush().await.expect("flush");
    drop(socket);
    let deadline = std::time::Instant::now() + WAIT;
    while open_sessions(&app, &client).await > 0.0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the session's place was not freed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.stop().await;
}
