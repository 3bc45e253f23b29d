//! A live session's socket: frames read and checked (size, pixels, scans) and put in the
//! session's slot, control messages obeyed, results written by a task of their own that cuts
//! off a client that stops reading; at the end, the analysis joined, the session kept as a job
//! when asked, and `ended` sent.
//!
//! Bounded in every direction: the bytes waiting to be written (pongs included) are capped by
//! the socket's write buffer (`limits.max_live_write_buffer_bytes`), the writer flushes them
//! every second even when it has nothing of its own to send, so a client that pings and never
//! reads is cut off after `WRITE_TIMEOUT` (`not_reading`), and pings and pongs past
//! `limits.max_live_control_per_sec` end the session (`too_many_messages`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{ClientMessage, FLUSH_EVERY, OUTBOX, Session, WRITE_TIMEOUT};
use crate::live::session::{self, Frame, Pace, Slot};
use crate::pipeline::image::{PictureLimits, Unfit, check_picture};
use crate::views::job::JobView;
use crate::views::live::{
    LiveEndReason, LiveEnded, LiveError, LiveErrorCode, LiveLimits, LiveMessage, LiveReady,
};

/// How a session's reading ended.
struct Ending {
    reason: LiveEndReason,
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
                &ended(
                    LiveEndReason::Failed,
                    0,
                    0,
                    None,
                    Some("cannot start".into()),
                ),
            )
            .await;
            return;
        };
        tracing::info!(session = %id, "live session opened");
        let broken = CancellationToken::new();
        let writer_broken = broken.clone();
        let writer = tokio::spawn(async move {
            loop {
                let written = match tokio::time::timeout(FLUSH_EVERY, outbox.recv()).await {
                    Ok(Some(message)) => send(&mut sink, &message).await,
                    Ok(None) => return Some(sink),
                    // Nothing of ours to send: what the socket queued itself (pongs) must
                    // still leave, or the client is not reading.
                    Err(_) => flush(&mut sink).await,
                };
                if written.is_err() {
                    writer_broken.cancel();
                    return None;
                }
            }
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
        tracing::info!(session = %id, reason = ending.reason.name(), dropped, "live session ended");
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
            Ok(Ok(Err(e))) => ended(LiveEndReason::Failed, 0, dropped, None, Some(e.message)),
            _ => ended(
                LiveEndReason::Failed,
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
        let l = &self.live.config.limits;
        let limit = tokio::time::sleep(Duration::from_secs(l.max_live_secs));
        tokio::pin!(limit);
        let mut control = Bucket::new(l.max_live_control_per_sec);
        loop {
            let message = tokio::select! {
                m = stream.next() => m,
                _ = &mut limit => return Ending { reason: LiveEndReason::MaxSecs, keep },
                _ = self.shutdown.cancelled() => return Ending { reason: LiveEndReason::Shutdown, keep },
                _ = broken.cancelled() => return Ending { reason: LiveEndReason::NotReading, keep },
            };
            match message {
                None | Some(Err(_)) => {
                    return Ending {
                        reason: LiveEndReason::Disconnected,
                        keep,
                    };
                }
                Some(Ok(Message::Close(_))) => {
                    return Ending {
                        reason: LiveEndReason::Closed,
                        keep,
                    };
                }
                Some(Ok(Message::Binary(bytes))) => self.frame(r, bytes),
                Some(Ok(Message::Text(text))) => match serde_json::from_str(&text) {
                    Ok(ClientMessage::Frame { time_ms }) => r.next_time = Some(time_ms),
                    Ok(ClientMessage::End { keep: asked }) => {
                        return Ending {
                            reason: LiveEndReason::Client,
                            keep: keep || asked,
                        };
                    }
                    Err(e) => r.error(
                        LiveErrorCode::InvalidMessage,
                        format!("not a message this session knows: {e}"),
                        None,
                    ),
                },
                // Pings are answered by the library; each one costs a pong, so they are counted.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {
                    if !control.take() {
                        return Ending {
                            reason: LiveEndReason::TooManyMessages,
                            keep,
                        };
                    }
                }
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
            return r.error(LiveErrorCode::FrameTooLarge, m, seq);
        }
        let limits = PictureLimits {
            max_pixels: l.max_live_frame_pixels,
            max_side: l.max_frame_side,
            max_jpeg_scans: l.max_jpeg_scans,
        };
        if let Err(unfit) = check_picture(&bytes, &limits) {
            let code = match unfit {
                Unfit::NotAPicture => LiveErrorCode::NotAPicture,
                Unfit::TooManyPixels(_) => LiveErrorCode::TooManyPixels,
                Unfit::TooManyScans(_) => LiveErrorCode::TooManyScans,
            };
            return r.error(code, unfit.message(&limits), seq);
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
        let kept = crate::jobs::keep::keep(
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
    fn error(&self, code: LiveErrorCode, message: String, seq: Option<u64>) {
        let error = LiveMessage::Error(LiveError { code, message, seq });
        let _ = self.out.try_send(error);
    }
}

fn ended(
    reason: LiveEndReason,
    frames: u64,
    dropped: u64,
    job: Option<Box<JobView>>,
    error: Option<String>,
) -> LiveMessage {
    LiveMessage::Ended(LiveEnded {
        reason,
        frames,
        dropped,
        job,
        error,
    })
}

/// Control messages allowed a second, in bursts of up to a second's worth.
struct Bucket {
    per_sec: f64,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn new(per_sec: u32) -> Self {
        let per_sec = f64::from(per_sec);
        Self {
            per_sec,
            tokens: per_sec,
            at: Instant::now(),
        }
    }

    /// Takes one; `false` when none is left.
    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.per_sec;
        self.tokens = (self.tokens + refill).min(self.per_sec);
        self.at = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

/// Writes out what the socket holds (pongs it queued itself), giving up after [`WRITE_TIMEOUT`].
async fn flush<S>(sink: &mut S) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    match tokio::time::timeout(WRITE_TIMEOUT, sink.flush()).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages_are_allowed_a_second_worth_at_once_then_at_their_rate() {
        let mut bucket = Bucket::new(5);
        assert!((0..5).all(|_| bucket.take()));
        assert!(!bucket.take(), "the sixth at once");
        std::thread::sleep(Duration::from_millis(250));
        assert!(bucket.take(), "refilled at 5 a second");
    }
}
