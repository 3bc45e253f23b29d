//! Drives live sessions of a running server for `scripts/bench-live.sh`:
//!     bench_live WS_URL VIDEO MODE [SESSIONS FPS SECONDS]
//! The video's frames are sent as JPEG (quality 90). MODE `closed`: one frame at a time, each
//! sent when the last one's result is in; prints the server's time per frame (`analysis_ms`)
//! and the round trip, median and p95. MODE `open`: SESSIONS sessions at once, each sending
//! FPS frames a second for SECONDS; prints the results per second each got and the frames
//! dropped.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use opencv::core::Vector;
use opencv::prelude::*;
use tokio_tungstenite::tungstenite::Message;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn frames(video: &str) -> Result<Vec<Vec<u8>>, Error> {
    let mut cap = opencv::videoio::VideoCapture::from_file(video, opencv::videoio::CAP_FFMPEG)?;
    let (mut out, mut frame) = (Vec::new(), Mat::default());
    let params = Vector::from_slice(&[opencv::imgcodecs::IMWRITE_JPEG_QUALITY, 90]);
    while cap.read(&mut frame)? && !frame.empty() {
        let mut jpeg = Vector::<u8>::new();
        opencv::imgcodecs::imencode(".jpg", &frame, &mut jpeg, &params)?;
        out.push(jpeg.to_vec());
    }
    Ok(out)
}

fn percentile(values: &mut [f64], p: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let i = ((values.len() as f64 - 1.0) * p).round() as usize;
    values.get(i).copied().unwrap_or(f64::NAN)
}

/// The next message of a type in `kinds`, as JSON.
async fn next_of<S>(socket: &mut S, kinds: &[&str]) -> Result<serde_json::Value, Error>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let m = socket.next().await.ok_or("the socket closed")??;
        if let Message::Text(t) = m {
            let v: serde_json::Value = serde_json::from_str(&t)?;
            if kinds.iter().any(|k| v["type"] == *k) {
                return Ok(v);
            }
        }
    }
}

async fn closed(url: &str, frames: &[Vec<u8>]) -> Result<(), Error> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    next_of(&mut socket, &["ready"]).await?;
    let (mut server, mut round, mut faces) = (Vec::new(), Vec::new(), 0);
    for jpeg in frames {
        let sent = Instant::now();
        socket.send(Message::Binary(jpeg.clone().into())).await?;
        let result = next_of(&mut socket, &["frame", "error"]).await?;
        round.push(sent.elapsed().as_secs_f64() * 1000.0);
        server.push(result["analysis_ms"].as_f64().unwrap_or(f64::NAN));
        faces += result["faces"].as_array().map_or(0, Vec::len);
    }
    println!(
        "closed loop: {} frames, {:.2} faces a frame; server ms median {:.1} p95 {:.1}; round trip ms median {:.1} p95 {:.1}",
        frames.len(),
        faces as f64 / frames.len() as f64,
        percentile(&mut server.clone(), 0.5),
        percentile(&mut server, 0.95),
        percentile(&mut round.clone(), 0.5),
        percentile(&mut round, 0.95),
    );
    Ok(())
}

/// One session sending `fps` frames a second for `seconds`; (results, dropped).
async fn open_session(
    url: String,
    frames: Vec<Vec<u8>>,
    fps: f64,
    seconds: f64,
) -> Result<(u64, u64), Error> {
    let (socket, _) = tokio_tungstenite::connect_async(&url).await?;
    let (mut tx, mut rx) = socket.split();
    next_of(&mut rx, &["ready"]).await?;
    let reader = tokio::spawn(async move {
        let (mut results, mut dropped) = (0u64, 0u64);
        while let Ok(v) = next_of(&mut rx, &["frame", "ended"]).await {
            if v["type"] == "ended" {
                break;
            }
            results += 1;
            dropped = v["dropped"].as_u64().unwrap_or(dropped);
        }
        (results, dropped)
    });
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / fps));
    let start = Instant::now();
    for jpeg in frames.iter().cycle() {
        if start.elapsed().as_secs_f64() >= seconds {
            break;
        }
        tick.tick().await;
        tx.send(Message::Binary(jpeg.clone().into())).await?;
    }
    tx.send(Message::Text(r#"{"type":"end"}"#.into())).await?;
    Ok(reader.await?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_live WS_URL VIDEO closed|open [SESSIONS FPS SECONDS]";
    let (url, video, mode) = match &args[..] {
        [u, v, m, ..] => (u.clone(), v.clone(), m.clone()),
        _ => return Err(usage.into()),
    };
    let frames = frames(&video)?;
    let num = |i: usize, d: f64| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(d);
    if mode == "closed" {
        return closed(&url, &frames).await;
    }
    let (sessions, fps, seconds) = (num(3, 1.0) as usize, num(4, 10.0), num(5, 20.0));
    let runs: Vec<_> = (0..sessions)
        .map(|_| tokio::spawn(open_session(url.clone(), frames.clone(), fps, seconds)))
        .collect();
    for (i, run) in runs.into_iter().enumerate() {
        let (results, dropped) = run.await??;
        println!(
            "open loop: session {i}: sent {fps} frames/s for {seconds} s; {:.2} results/s, {dropped} dropped",
            results as f64 / seconds
        );
    }
    Ok(())
}
