//! HTTP(S) to an address a client chose: the host resolved and every address checked by the
//! [`Policy`], the connection pinned to those addresses (no second DNS answer can swap them),
//! and redirects followed by hand, each hop checked like the first URL.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{LOCATION, USER_AGENT};

use super::policy::{Policy, Refused};
use crate::jobs::download::source::redact;

/// Why a GET got no answer to read.
#[derive(Debug)]
pub enum GetError {
    /// The URL, or a redirect's, is refused by the policy (its form or its addresses).
    Refused(String),
    /// The host did not resolve or answer, or not in time: another try may succeed.
    Unreachable(String),
    /// A redirect without a usable `Location`, or more of them than allowed.
    BadRedirect(String),
}

/// A client bound to `addrs` for `url`'s host, following no redirect.
pub fn pinned_client(
    url: &Url,
    addrs: &[SocketAddr],
    connect_timeout: Duration,
    timeout: Option<Duration>,
) -> reqwest::Result<reqwest::Client> {
    let host = url.host_str().unwrap_or_default();
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .resolve_to_addrs(host, addrs);
    match timeout {
        Some(t) => builder.timeout(t),
        None => builder,
    }
    .build()
}

/// Resolves and checks `url`'s host; the addresses to pin.
pub async fn checked_addrs(policy: &Policy, url: &Url) -> Result<Vec<SocketAddr>, GetError> {
    policy.resolve(url).await.map_err(|e| match e {
        Refused::Unresolved(m) => GetError::Unreachable(m),
        Refused::Form(m) | Refused::NotPublic(m) => GetError::Refused(m),
    })
}

/// GETs `url` through at most `max_redirects` checked redirects; the URL that answered (not a
/// redirect) and its response, whatever its status.
pub async fn get(
    policy: &Policy,
    mut url: Url,
    max_redirects: u32,
    wait: Duration,
) -> Result<(Url, reqwest::Response), GetError> {
    for _ in 0..=max_redirects {
        let addrs = checked_addrs(policy, &url).await?;
        let client = pinned_client(&url, &addrs, wait, None)
            .map_err(|e| GetError::Unreachable(e.without_url().to_string()))?;
        let request = client
            .get(url.clone())
            .header(USER_AGENT, concat!("Emoscope/", env!("CARGO_PKG_VERSION")));
        let response = tokio::time::timeout(wait, request.send())
            .await
            .map_err(|_| {
                GetError::Unreachable(format!("{} did not answer within {wait:?}", redact(&url)))
            })?
            .map_err(|e| GetError::Unreachable(format!("{}: {}", redact(&url), e.without_url())))?;
        if !response.status().is_redirection() {
            return Ok((url, response));
        }
        url = next_hop(policy, &url, response.headers().get(LOCATION))?;
    }
    Err(GetError::BadRedirect(format!(
        "more than {max_redirects} redirects"
    )))
}

/// A redirect's target, checked for its form like the first URL (its addresses are checked
/// when it is resolved).
fn next_hop(
    policy: &Policy,
    from: &Url,
    location: Option<&reqwest::header::HeaderValue>,
) -> Result<Url, GetError> {
    let location = location.and_then(|v| v.to_str().ok()).ok_or_else(|| {
        GetError::BadRedirect(format!("{} redirected without a Location", redact(from)))
    })?;
    let next = from.join(location).map_err(|e| {
        GetError::BadRedirect(format!("{} redirected to a bad URL: {e}", redact(from)))
    })?;
    let mut next = policy
        .parse(next.as_str())
        .map_err(|e| GetError::Refused(format!("a redirect: {e}")))?;
    next.set_fragment(None);
    Ok(next)
}
