//! RTSP and RTMP through a relay on loopback: FFmpeg connects to the relay, and the relay to
//! the address the policy checked (pinned: no second DNS lookup), over TLS for `rtsps` and
//! `rtmps` (the relay checks the server's certificate for the URL's host name). What an RTSP
//! server answers is read on its way through: a redirect (3xx) ends the connection before
//! FFmpeg sees it, since FFmpeg would follow it to any host. FFmpeg's RTMP client reconnects
//! only to the address it was given (the relay).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::{FailureSlot, Refusal};

/// Connections one relay takes (FFmpeg's RTMP reconnects once to authenticate).
const MAX_CONNECTIONS: usize = 4;

/// Longest head of an RTSP answer.
const MAX_RTSP_HEAD: usize = 64 << 10;

/// A running relay; dropping it ends its connections.
pub struct Relay {
    pub local: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where a relay goes.
#[derive(Clone)]
pub struct Upstream {
    /// The checked addresses of the URL's host.
    pub addrs: Vec<SocketAddr>,
    /// The host name to check the certificate for, when the scheme asks for TLS.
    pub tls_host: Option<String>,
    /// Read the answers as RTSP and refuse redirects.
    pub rtsp: bool,
    pub connect_timeout: Duration,
}

/// Starts a relay on `127.0.0.1` (a port of its own) to `upstream`.
pub async fn start(upstream: Upstream, failure: FailureSlot) -> std::io::Result<Relay> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let local = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        let mut taken = 0;
        loop {
            tokio::select! {
                accepted = listener.accept(), if taken < MAX_CONNECTIONS => {
                    let Ok((inbound, _)) = accepted else { return };
                    taken += 1;
                    connections.spawn(relay_one(inbound, upstream.clone(), failure.clone()));
                }
                Some(_) = connections.join_next() => {}
                else => return,
            }
        }
    });
    Ok(Relay { local, task })
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

async fn relay_one(inbound: TcpStream, up: Upstream, failure: FailureSlot) {
    let refuse = |message: String, not_allowed: bool| {
        if let Ok(mut slot) = failure.lock() {
            slot.get_or_insert(Refusal {
                not_allowed,
                message,
            });
        }
    };
    let connected = tokio::time::timeout(up.connect_timeout, TcpStream::connect(&up.addrs[..]));
    let tcp = match connected.await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => return refuse(format!("cannot connect to the stream: {e}"), false),
        Err(_) => return refuse("the stream did not answer in time".into(), false),
    };
    let outbound: Box<dyn Io> = match &up.tls_host {
        None => Box::new(tcp),
        Some(host) => match tls(host, tcp).await {
            Ok(stream) => Box::new(stream),
            Err(e) => return refuse(format!("TLS with the stream failed: {e}"), false),
        },
    };
    let (mut from_server, mut to_server) = tokio::io::split(outbound);
    let (mut from_ffmpeg, mut to_ffmpeg) = inbound.into_split();
    let upward = tokio::io::copy(&mut from_ffmpeg, &mut to_server);
    let downward = async {
        let mut watch = up.rtsp.then(RtspWatch::default);
        let mut buf = vec![0u8; 16 << 10];
        loop {
            let n = from_server.read(&mut buf).await?;
            if n == 0 {
                return Ok::<(), std::io::Error>(());
            }
            if let Some(Err(e)) = watch.as_mut().map(|w| w.feed(&buf[..n])) {
                refuse(e, true);
                return Ok(());
            }
            to_ffmpeg.write_all(&buf[..n]).await?;
        }
    };
    // Either side ending ends both.
    tokio::select! {
        _ = upward => {}
        _ = downward => {}
    }
}

async fn tls(
    host: &str,
    tcp: TcpStream,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name =
        rustls::pki_types::ServerName::try_from(host.to_string()).map_err(std::io::Error::other)?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
}

/// Follows what an RTSP server sends (answers, each a head and a body of `Content-Length`, and
/// RTP interleaved as `$`, channel, length, data) and refuses a redirect.
#[derive(Default)]
struct RtspWatch {
    state: State,
    head: Vec<u8>,
}

#[derive(Default, Clone, Copy)]
enum State {
    #[default]
    Start,
    /// Inside `$ channel length`: the bytes of it read so far.
    Interleaved(usize, [u8; 3]),
    /// Bytes to pass unread (a body, RTP data).
    Skip(usize),
    Head,
}

impl RtspWatch {
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), String> {
        while let Some(&byte) = bytes.first() {
            match self.state {
                State::Start if byte == b'$' => {
                    self.state = State::Interleaved(0, [0; 3]);
                    bytes = &bytes[1..];
                }
                State::Start => self.state = State::Head,
                State::Interleaved(n, mut header) => {
                    header[n] = byte;
                    bytes = &bytes[1..];
                    self.state = match n + 1 {
                        3 => skip(u16::from_be_bytes([header[1], header[2]]) as usize),
                        read => State::Interleaved(read, header),
                    };
                }
                State::Skip(n) => {
                    let k = n.min(bytes.len());
                    bytes = &bytes[k..];
                    self.state = skip(n - k);
                }
                State::Head => {
                    self.head.push(byte);
                    bytes = &bytes[1..];
                    if self.head.len() > MAX_RTSP_HEAD {
                        return Err("an RTSP answer with an endless head".into());
                    }
                    if self.head.ends_with(b"\r\n\r\n") {
                        let body = answer(&self.head)?;
                        self.head.clear();
                        self.state = skip(body);
                    }
                }
            }
        }
        Ok(())
    }
}

fn skip(n: usize) -> State {
    match n {
        0 => State::Start,
        n => State::Skip(n),
    }
}

/// The length of an answer's body, or an error for a redirect.
fn answer(head: &[u8]) -> Result<usize, String> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let status = lines.next().unwrap_or_default();
    let code = status
        .strip_prefix("RTSP/")
        .and_then(|s| s.split_whitespace().nth(1))
        .and_then(|c| c.parse::<u16>().ok());
    if let Some(code @ 300..=399) = code {
        return Err(format!(
            "the RTSP server redirected the stream (RTSP {code}); redirects are not followed"
        ));
    }
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_bodies_and_interleaved_data_pass_and_a_redirect_is_refused() {
        let mut watch = RtspWatch::default();
        let sdp = "v=0\r\nm=video 0 RTP/AVP 96\r\n";
        let describe = format!(
            "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len()
        );
        // Split anywhere: the watch reads across reads.
        for part in describe.as_bytes().chunks(7) {
            assert_eq!(watch.feed(part), Ok(()));
        }
        // RTP whose bytes look like a redirect are data, not an answer.
        let mut rtp = vec![b'$', 0, 0, 30];
        rtp.extend(b"RTSP/1.0 302 Found\r\n\r\nxxxxxxx");
        assert_eq!(watch.feed(&rtp), Ok(()));
        assert_eq!(watch.feed(b"RTSP/1.0 200 OK\r\nCSeq: 3\r\n\r\n"), Ok(()));
        let redirect = b"RTSP/1.0 302 Moved\r\nCSeq: 4\r\nLocation: rtsp://10.0.0.1/x\r\n\r\n";
        assert!(watch.feed(redirect).is_err_and(|e| e.contains("302")));
    }
}
