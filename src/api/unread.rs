//! Answers that a client can read although its body was not. Many answers come before a
//! request's body is read (a wrong `Host` or `Origin`, no key, a rate limit, a full queue, a
//! declared size over the limit). A server that then closes the connection with the body unread
//! makes the kernel reset it, and a client still sending (most plain HTTP clients send the whole
//! body before they read) gets a broken pipe instead of the answer and its `Retry-After`. So
//! the body a handler left unread is read and dropped before the answer goes out: up to
//! `limits.refused_body_drain_bytes`, within `limits.upload_idle_secs`. A body declared larger
//! than that is not waited for, and a client that sent `Expect: 100-continue` has sent none yet.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;

use super::AppState;

/// The request's body, shared between the handler (which may read it) and this layer (which
/// reads what is left); `None` once it has ended.
type Shared = Arc<Mutex<Option<Body>>>;

pub async fn drain_unread(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limits = &state.config.limits;
    let cap = limits.refused_body_drain_bytes;
    let headers = request.headers();
    let declared = content_length(headers);
    let expects_continue = headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if cap == 0 || expects_continue || declared.is_some_and(|n| n == 0 || n > cap) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let shared: Shared = Arc::new(Mutex::new(Some(body)));
    let response = next
        .run(Request::from_parts(parts, passing(shared.clone())))
        .await;
    let left = shared.lock().ok().and_then(|mut b| b.take());
    if let Some(body) = left {
        let idle = Duration::from_secs(limits.upload_idle_secs);
        let _ = tokio::time::timeout(idle, drain(body, cap)).await;
    }
    response
}

/// The body's size as the request declares it.
pub fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// A body that reads `shared`, and lets it go (`None`) when it ends.
fn passing(shared: Shared) -> Body {
    let frames = futures_util::stream::poll_fn(move |cx| {
        let Ok(mut guard) = shared.lock() else {
            return Poll::Ready(None);
        };
        let Some(body) = guard.as_mut() else {
            return Poll::Ready(None);
        };
        loop {
            match Pin::new(&mut *body).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    *guard = None;
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        return Poll::Ready(Some(Ok::<Bytes, axum::Error>(data)));
                    } // Trailers carry nothing a handler reads.
                }
            }
        }
    });
    Body::from_stream(frames)
}

/// Reads and drops up to `cap` bytes of what is left of `body`.
async fn drain(body: Body, cap: u64) {
    let mut stream = body.into_data_stream();
    let mut read = 0u64;
    while let Some(Ok(chunk)) = stream.next().await {
        read += chunk.len() as u64;
        if read > cap {
            break;
        }
    }
}
