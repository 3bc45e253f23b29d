//! A live session's socket: frames read and checked (size, pixels) and put in the
//! session's slot, control messages obeyed, results written by a task of their own that cuts
//! off a client that stops reading; at the end, the analysis joined, the session kept as a job
//! when asked, and `ended` sent.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{ClientMessage, OUTBOX, Session, WRITE_TIMEOUT};
use crate::live::session::{self, Frame, Pace, Slot};
use crate::pipeline::image::picture_size;
use crate::views::job::JobView;
use crate::views::live::{LiveEnded, LiveError, LiveLimits, LiveMessage, LiveReady};

/// How a session's reading ended.
struct Ending {
    reason: &'static str,
    keep: bool,
}

/// The reading side's state.
struct Reader {
    slot: Arc<Slot>,
    out: mpsc::Sender<LiveMessage>,
    seq: u64,
    /// The client's time for the next frame, and its first one (times are made relative).
    next_time: Option<u64>,
    first_client_time: Option<u64>,
    first_arrival: Option<Instant>,
}

impl Session {
    pub(super) async fn serve(self, socket: WebSocket) {
        let id = uuid::Uuid::now_v7().to_string();
        let l = &self.live.config.limits;
        let (mut sink, mut stream) = socket.split();
        let (out, mut outbox) = mpsc::channel::<LiveMessage>(OUTBOX);
        let slot = Arc::new(Slot::default());
        let ready = LiveMessage::Ready(LiveReady {
            session: id.clone(),
            model: self.options.model.clone(),
            tracking: self.options.tracking,
            limits: LiveLimits {
                max_frame_bytes: l.max_live_frame_bytes,
                max_frame_pixels: l.max_live_frame_pixels,
                max_fps: l.max_live_fps,
                max_secs: l.max_live_secs,
            },
        });
        let pace = Pace {
            min_gap: Duration::from_secs_f64(1.0 / l.max_live_fps),
            summary_every: Duration::from_secs(l.live_summary_secs),
        };
        let engine = self.live.engine.clone();
        let thread = session::spawn(
            engine,
            self.options.clone(),
            slot.clone(),
            out.clone(),
            ready,
            pace,
        );
        let Ok(thread) = thread else {
            let _ = send(
                &mut sink,
                &ended("failed", 0, 0, None, Some("cannot start".into())),
            )
            .await;
            return;
        };
        tracing::info!(session = %id, "live session opened");
        let broken = CancellationToken::new();
        let writer_broken = broken.clone();
        let writer = tokio::spawn(async move {
            while let Some(message) = outbox.recv().await {
                if send(&mut sink, &message).await.is_err() {
                    writer_broken.cancel();
                    return None;
                }
            }
            Some(sink)
        });
        let mut reader = Reader {
            slot: slot.clone(),
            out,
            seq: 0,
            next_time: None,
            first_client_time: None,
            first_arrival: None,
        };
        let ending = self.read(&mut reader, &mut stream, &broken).await;
        slot.end();
        drop(reader);
        let finished = tokio::task::spawn_blocking(move || thread.join()).await;
        let sink = writer.await.ok().flatten();
        let dropped = slot.dropped.load(Ordering::Relaxed);
        let message = self.last_message(&id, &ending, finished, dropped).await;
        tracing::info!(session = %id, reason = ending.reason, dropped, "live session ended");
        if let Some(mut sink) = sink {
            let _ = send(&mut sink, &message).await;
            let _ = tokio::time::timeout(WRITE_TIMEOUT, sink.close()).await;
        }
    }

    /// `ended`: how the session ended, and its job when it was kept.
    async fn last_message(
        &self,
        id: &str,
        ending: &Ending,
        finished: Result<std::thread::Result<session::Finished>, tokio::task::JoinError>,
        dropped: u64,
    ) -> LiveMessage {
        match finished {
            Ok(Ok(Ok((outcome, frames)))) => {
                let analysed = frames.len() as u64;
                let (job, error) = match ending.keep {
                    true => self.keep(id, outcome, &frames).await,
                    false => (None, None),
                };
                ended(ending.reason, analysed, dropped, job, error)
            }
            Ok(Ok(Err(e))) => ended("failed", 0, dropped, None, Some(e.message)),
            _ => ended(
                "failed",
                0,
                dropped,
                None,
                Some("the analysis stopped".into()),
            ),
        }
    }

    /// Reads until the client ends, leaves or stops reading, the session's time is up, or the
    /// server stops.
    async fn read(
        &self,
        r: &mut Reader,
        stream: &mut SplitStream<WebSocket>,
        broken: &CancellationToken,
    ) -> Ending {
        let keep = self.keep;
        let limit = tokio::time::sleep(Duration::from_secs(self.live.config.limits.max_live_secs));
        tokio::pin!(limit);
        loop {
            let message = tokio::select! {
                m = stream.next() => m,
                _ = &mut limit => return Ending { reason: "max_secs", keep },
                _ = self.shutdown.cancelled() => return Ending { reason: "shutdown", keep },
                _ = broken.cancelled() => return Ending { reason: "not_reading", keep },
            };
            match message {
                None | Some(Err(_)) => {
                    return Ending {
                        reason: "disconnected",
                        keep,
                    };
                }
                Some(Ok(Message::Close(_))) => {
                    return Ending {
                        reason: "closed",
                        keep,
                    };
                }
                Some(Ok(Message::Binary(bytes))) => self.frame(r, bytes),
                Some(Ok(Message::Text(text))) => match serde_json::from_str(&text) {
                    Ok(ClientMessage::Frame { time_ms }) => r.next_time = Some(time_ms),
                    Ok(ClientMessage::End { keep: asked }) => {
                        return Ending {
                            reason: "client",
                            keep: keep || asked,
                        };
                    }
                    Err(e) => r.error(
                        "invalid_message",
                        format!("not a message this session knows: {e}"),
                        None,
                    ),
                },
                Some(Ok(_)) => {} // pings are answered by the library
            }
        }
    }

    /// A binary message: checked, timed, and put in the slot (or refused with an error, or
    /// dropped past the frame rate).
    fn frame(&self, r: &mut Reader, bytes: Bytes) {
        let l = &self.live.config.limits;
        r.seq += 1;
        let seq = Some(r.seq);
        let client_time = r.next_time.take();
        if bytes.len() as u64 > l.max_live_frame_bytes {
            let m = format!("the frame is larger than {} bytes", l.max_live_frame_bytes);
            return r.error("frame_too_large", m, seq);
        }
        let Some(size) = picture_size(&bytes) else {
            let m = "the frame is not a JPEG, PNG or WebP picture".to_string();
            return r.error("not_a_picture", m, seq);
        };
        let pixels = u64::from(size.width) * u64::from(size.height);
        if pixels > l.max_live_frame_pixels || size.width.max(size.height) > l.max_frame_side {
            let m = format!(
                "the frame is {}×{}; the limit is {} pixels ({} a side)",
                size.width, size.height, l.max_live_frame_pixels, l.max_frame_side
            );
            return r.error("too_many_pixels", m, seq);
        }
        let arrived = *r.first_arrival.get_or_insert_with(Instant::now);
        let time_ms = match client_time {
            Some(t) => t.saturating_sub(*r.first_client_time.get_or_insert(t)),
            None => arrived.elapsed().as_millis() as u64,
        };
        r.slot.put(Frame {
            seq: r.seq,
            time_ms,
            bytes,
        });
    }

    /// Stores the session as a job; the job, or why it could not be stored.
    async fn keep(
        &self,
        id: &str,
        outcome: crate::pipeline::Outcome,
        frames: &[crate::pipeline::FrameResult],
    ) -> (Option<Box<JobView>>, Option<String>) {
        let holder = format!("{}-{id}", self.live.holder);
        let kept = crate::live::keep::keep(
            self.store.as_ref(),
            &self.caller,
            &holder,
            self.options.clone(),
            self.callback_url.clone(),
            outcome,
            frames,
        )
        .await;
        match kept {
            Ok(job) => (Some(Box::new(JobView::from(job))), None),
            Err(e) => {
                tracing::error!(session = %id, error = %e, "cannot keep a live session");
                (None, Some(e))
            }
        }
    }
}

impl Reader {
    fn error(&self, code: &str, message: String, seq: Option<u64>) {
        let error = LiveMessage::Error(LiveError {
            code: code.into(),
            message,
            seq,
        });
        let _ = self.out.try_send(error);
    }
}

fn ended(
    reason: &str,
    frames: u64,
    dropped: u64,
    job: Option<Box<JobView>>,
    error: Option<String>,
) -> LiveMessage {
    LiveMessage::Ended(LiveEnded {
        reason: reason.into(),
        frames,
        dropped,
        job,
        error,
    })
}

/// Writes one message, giving up after [`WRITE_TIMEOUT`].
async fn send<S>(sink: &mut S, message: &LiveMessage) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    let text = serde_json::to_string(message).map_err(|_| ())?;
    match tokio::time::timeout(WRITE_TIMEOUT, sink.send(Message::Text(text.into()))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
