//! The egress path under attack, on loopback only. An allowed host (127.0.0.2, in
//! `downloads.allowed_networks`) serves streams whose playlists, variants, segments, keys or
//! redirects point at a refused one (127.0.0.3, playing an internal service): the refused host
//! receives nothing and the job fails `target_not_allowed` (or, for a key, is refused as
//! encrypted). An RTSP server that redirects to the refused host, and an uploaded playlist that
//! names it, reach it no more; a real RTMP stream is read through the relay.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{self, TestApp, status_and_json};

const WAIT: Duration = Duration::from_secs(60);

/// A service on 127.0.0.3 that counts every connection it gets (HTTP or not).
struct Internal {
    base: String,
    port: u16,
    connections: Arc<AtomicUsize>,
}

async fn internal() -> Internal {
    let listener = tokio::net::TcpListener::bind("127.0.0.3:0")
        .await
        .expect("bind 127.0.0.3");
    let port = listener.local_addr().expect("addr").port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    .await;
            });
        }
    });
    Internal {
        base: format!("http://127.0.0.3:{port}"),
        port,
        connections,
    }
}

type Files = Arc<HashMap<String, (u16, Vec<(String, String)>, Vec<u8>)>>;

/// The allowed host on 127.0.0.2: each path answers its status, headers and body.
async fn allowed(files: Files) -> String {
    async fn serve(State(files): State<Files>, Path(name): Path<String>) -> Response {
        match files.get(&name) {
            Some((status, headers, body)) => {
                let mut response =
                    (StatusCode::from_u16(*status).expect("status"), body.clone()).into_response();
                for (k, v) in headers {
                    response.headers_mut().insert(
                        header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                        v.parse().expect("value"),
                    );
                }
                response
            }
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }
    let app = axum::Router::new()
        .route("/s/{name}", axum::routing::get(serve))
        .with_state(files);
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind 127.0.0.2");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/s")
}

fn playlist(body: String) -> (u16, Vec<(String, String)>, Vec<u8>) {
    (200, Vec::new(), body.into_bytes())
}

async fn app() -> TestApp {
    TestApp::start(|c| {
        c.downloads.allow_http = true;
        c.downloads.allowed_networks = "127.0.0.2/32".parse().expect("networks");
        c.downloads.connect_timeout_secs = 3;
    })
    .await
}

/// Makes a stream job of `url` and waits for its end.
async fn stream_job(app: &TestApp, url: &str) -> Value {
    let (status, job) = status_and_json(
        app.client
            .post(app.url("/v1/jobs"))
            .json(&json!({"source_url": url})),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    app.wait(job["id"].as_str().expect("id"), WAIT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_reaches_no_refused_address_through_its_playlist_segments_variants_keys_or_redirects()
 {
    let app = app().await;
    let inside = internal().await;
    let i = &inside.base;
    // A real first segment, so that the stream has started when the refused one comes.
    let scene = common::scenes::scene_file("crossing", &common::scenes::crossing());
    let (real, _served) = common::video_host::hls(&scene, false).await;
    let segment = reqwest::get(real.replace("index.m3u8", "index0.ts"))
        .await
        .expect("segment")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let media = |lines: &str| format!("#EXTM3U\n#EXT-X-TARGETDURATION:1\n{lines}");
    let files: HashMap<String, _> = [
        (
            "segments.m3u8",
            playlist(media(&format!(
                "#EXTINF:1,\nfirst.ts\n#EXTINF:1,\n{i}/latest/meta-data/iam/seg0.ts\n#EXTINF:1,\n{i}/admin/delete-all.ts\n#EXT-X-ENDLIST\n"
            ))),
        ),
        ("first.ts", (200, Vec::new(), segment)),
        (
            "master.m3u8",
            playlist(format!(
                "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n{i}/variant.m3u8\n"
            )),
        ),
        (
            "redirected.m3u8",
            playlist(media("#EXTINF:1,\nmoved.ts\n#EXT-X-ENDLIST\n")),
        ),
        (
            "moved.ts",
            (
                302,
                vec![("location".into(), format!("{i}/moved-here.ts"))],
                Vec::new(),
            ),
        ),
        (
            "keyed.m3u8",
            playlist(media(&format!(
                "#EXT-X-KEY:METHOD=AES-128,URI=\"{i}/key\"\n#EXTINF:1,\nfirst.ts\n#EXT-X-ENDLIST\n"
            ))),
        ),
        (
            "file.m3u8",
            playlist(media("#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let base = allowed(Arc::new(files)).await;

    for (name, code, why) in [
        ("segments.m3u8", "target_not_allowed", "127.0.0.3"),
        ("master.m3u8", "target_not_allowed", "127.0.0.3"),
        ("redirected.m3u8", "target_not_allowed", "127.0.0.3"),
        ("keyed.m3u8", "unreadable_video", "encrypted"),
        ("file.m3u8", "target_not_allowed", "file"),
    ] {
        let job = stream_job(&app, &format!("{base}/{name}")).await;
        assert_eq!(job["status"], "failed", "{name}: {job}");
        assert_eq!(job["error"]["code"], code, "{name}: {job}");
        assert!(
            job["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(why)),
            "{name}: {job}"
        );
        assert_eq!(
            inside.connections.load(Ordering::SeqCst),
            0,
            "{name} reached the refused host"
        );
    }
    app.stop().await;
}

/// A fake RTSP server on 127.0.0.2 that answers OPTIONS and redirects DESCRIBE to `to`.
async fn redirecting_rtsp(to: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let to = to.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut buf = [0u8; 2048];
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buf[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&seen[..end]).to_string();
                        seen.drain(..end + 4);
                        let cseq = head
                            .lines()
                            .find_map(|l| l.strip_prefix("CSeq:"))
                            .unwrap_or("1")
                            .trim()
                            .to_string();
                        let answer = if head.starts_with("OPTIONS") {
                            format!(
                                "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nPublic: DESCRIBE, SETUP, PLAY\r\n\r\n"
                            )
                        } else {
                            format!("RTSP/1.0 302 Found\r\nCSeq: {cseq}\r\nLocation: {to}\r\n\r\n")
                        };
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("rtsp://{addr}/cam")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rtsp_redirect_and_an_uploaded_playlist_reach_no_refused_address() {
    let app = app().await;
    let inside = internal().await;
    let rtsp = redirecting_rtsp(format!("rtsp://127.0.0.3:{}/x", inside.port)).await;
    let job = stream_job(&app, &rtsp).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert_eq!(job["error"]["code"], "target_not_allowed", "{job}");
    assert!(
        job["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("redirect")),
        "{job}"
    );
    assert_eq!(
        inside.connections.load(Ordering::SeqCst),
        0,
        "RTSP redirect"
    );

    // An upload is read with the file protocol alone: its playlist opens nothing.
    let dir = tempfile::tempdir().expect("dir");
    let upload = dir.path().join("video.m3u8");
    let list = format!(
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{}/seg.ts\n#EXT-X-ENDLIST\n",
        inside.base
    );
    std::fs::write(&upload, list).expect("write");
    let (status, body) = app.upload(&upload, &[]).await;
    assert!((400..500).contains(&status), "{status} {body}");
    assert_eq!(inside.connections.load(Ordering::SeqCst), 0, "an upload");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rtmp_stream_is_read_through_the_relay() {
    let app = TestApp::start(|c| {
        c.downloads.allow_http = true;
        c.downloads.allowed_networks = "127.0.0.2/32".parse().expect("networks");
    })
    .await;
    let scene = common::scenes::scene_file("crossing", &common::scenes::crossing());
    // ffmpeg as an RTMP server on the allowed host, playing the scene once to one client.
    let port = {
        let free = std::net::TcpListener::bind("127.0.0.2:0").expect("port");
        free.local_addr().expect("addr").port()
    };
    let url = format!("rtmp://127.0.0.2:{port}/live/cam");
    let mut server = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-re", "-i"])
        .arg(&scene)
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-f", "flv"])
        .args(["-listen", "1", &url])
        .spawn()
        .expect("ffmpeg");
    // The server listens once ffmpeg has opened its input, and takes one client only (so it
    // is not probed): a job that finds nobody listening yet is tried again.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let job = loop {
        let job = stream_job(&app, &url).await;
        let refused = job["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Connection refused"));
        if !refused || std::time::Instant::now() > deadline {
            break job;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(job["status"], "succeeded", "{job}");
    assert!(job["progress"]["frames_done"].as_u64() > Some(10), "{job}");
    app.stop().await;
}

/// A TLS server on 127.0.0.2 with a self-signed certificate (`tests/fixtures/untrusted.*`,
/// made for this test): whether a handshake with it completed.
async fn untrusted_tls() -> (u16, Arc<AtomicUsize>) {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let fixtures = common::repo().join("tests/fixtures");
    let cert = CertificateDer::from_pem_file(fixtures.join("untrusted.cert.pem")).expect("cert");
    let key = PrivateKeyDer::from_pem_file(fixtures.join("untrusted.key.pem")).expect("key");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let done = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            if acceptor.accept(socket).await.is_ok() {
                done.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, handshakes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rtsps_server_whose_certificate_is_not_trusted_is_refused() {
    let app = app().await;
    let (port, handshakes) = untrusted_tls().await;
    let job = stream_job(&app, &format!("rtsps://127.0.0.2:{port}/cam")).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("certificate")),
        "{job}"
    );
    assert_eq!(handshakes.load(Ordering::SeqCst), 0);
    app.stop().await;
}
