//! A real HTTP server on 127.0.0.1 that serves a video the ways far sides do: whole, after a
//! failure, too slowly, too much of it, not at all, through redirects, or not a video. It counts
//! the requests each path gets and keeps the query strings it was sent.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::Mutex;

#[derive(Default)]
struct Seen {
    hits: HashMap<String, u32>,
}

pub struct VideoHost {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    seen: Arc<Mutex<Seen>>,
}

#[derive(Clone)]
struct Host {
    video: Arc<Vec<u8>>,
    seen: Arc<Mutex<Seen>>,
}

/// What `/huge.mp4` streams: more than any limit a test sets.
pub const HUGE_BYTES: usize = 8 << 20;

async fn serve(
    State(host): State<Host>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let hits = {
        let mut seen = host.seen.lock().await;
        let n = seen.hits.entry(name.clone()).or_default();
        *n += 1;
        *n
    };
    let video = || {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "video/mp4")],
            host.video.to_vec(),
        )
    };
    match name.as_str() {
        // Only with its token, as a signed link.
        "signed.mp4" if query.as_deref() == Some("token=sig-s3cr3t-9f2c") => {
            video().into_response()
        }
        "signed.mp4" => StatusCode::FORBIDDEN.into_response(),
        "flaky.mp4" if hits == 1 => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        "flaky.mp4" => video().into_response(),
        "slow.mp4" => {
            // A few bytes, then nothing.
            let head = host.video[..1024].to_vec();
            let stream =
                futures_util::stream::once(
                    async move { Ok::<_, std::io::Error>(Bytes::from(head)) },
                )
                .chain(futures_util::stream::once(async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(Bytes::new())
                }));
            Body::from_stream(stream).into_response()
        }
        "huge.mp4" => {
            // No Content-Length: the size shows only as the bytes come.
            let chunks = (0..HUGE_BYTES / 65536)
                .map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![0u8; 65536])));
            Body::from_stream(futures_util::stream::iter(chunks)).into_response()
        }
        "to-private.mp4" => redirect("http://10.1.2.3/video.mp4"),
        "to-flaky.mp4" => redirect("flaky2.mp4"),
        "flaky2.mp4" => video().into_response(),
        "loop.mp4" => redirect("loop.mp4"),
        "notes.mp4" => (
            StatusCode::OK,
            "these are not the frames you are looking for",
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

impl VideoHost {
    /// Serves `video` under `/v/{name}` as the names in [`serve`] say.
    pub async fn start(video: Vec<u8>) -> Self {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let host = Host {
            video: Arc::new(video),
            seen: seen.clone(),
        };
        let app = axum::Router::new()
            .route("/v/{name}", axum::routing::get(serve))
            .with_state(host);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            base: format!("http://{addr}"),
            seen,
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("{}/v/{name}", self.base)
    }

    /// Requests `/v/{name}` got.
    pub async fn hits(&self, name: &str) -> u32 {
        self.seen.lock().await.hits.get(name).copied().unwrap_or(0)
    }
}

/// A scene cut into one-second HLS segments by ffmpeg and served over HTTP on loopback; returns
/// the playlist's URL and the folder (kept while the stream is served). `paced`: each segment is
/// answered after a second, as a live stream's come, so that reading the stream takes about as
/// long as the scene lasts.
pub async fn hls(video: &std::path::Path, paced: bool) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let playlist = dir.path().join("index.m3u8");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(video)
        .args(["-c:v", "libx264", "-preset", "ultrafast"])
        // A key frame every second, so that the segments are a second long.
        .args(["-force_key_frames", "expr:gte(t,n_forced*1)"])
        .args(["-f", "hls", "-hls_time", "1"])
        .args(["-hls_list_size", "0"])
        .arg(&playlist)
        .status()
        .expect("ffmpeg");
    assert!(made.success(), "cannot make the HLS stream");
    let served = dir.path().to_path_buf();
    let app = axum::Router::new().route(
        "/live/{file}",
        axum::routing::get(move |Path(file): Path<String>| {
            let path = served.join(file.replace('/', ""));
            async move {
                if paced && file.ends_with(".ts") {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                std::fs::read(path).map_err(|_| StatusCode::NOT_FOUND)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/live/index.m3u8"), dir)
}
