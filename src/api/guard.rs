//! Browser safety. A page on another site can make a visitor's browser send requests to
//! Emoscope: through DNS rebinding (its own host name pointed at 127.0.0.1, so the browser
//! thinks the server is that site) or with a plain cross-origin form POST. The first is refused
//! by checking `Host` against the names the server answers to, the second by refusing
//! state-changing requests (WebSocket upgrades included) from origins not allowed by
//! `http.cors_origins`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::error::{ApiError, ErrorCode};
use crate::config::{Config, Origin};

#[derive(Debug, Clone)]
pub struct Guard {
    /// Host names (lower case, IPv6 in brackets) requests may name; `None` allows any.
    hosts: Option<Vec<String>>,
    origins: Vec<Origin>,
}

impl Guard {
    pub fn new(config: &Config) -> Self {
        let configured = &config.http.allowed_hosts.0;
        let hosts = if configured.iter().any(|h| h == "*") {
            None
        } else if !configured.is_empty() {
            Some(configured.iter().map(|h| h.to_ascii_lowercase()).collect())
        } else if listens_on_loopback(&config.listen) {
            Some(vec!["localhost".into(), "127.0.0.1".into(), "[::1]".into()])
        } else {
            None
        };
        Self {
            hosts,
            origins: config.http.cors_origins.0.clone(),
        }
    }

    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(allowed) = &self.hosts else {
            return true;
        };
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(host_name);
        host.is_some_and(|h| allowed.contains(&h))
    }

    /// A browser names the page's origin on every cross-origin POST and DELETE (and says
    /// `Sec-Fetch-Site`); other clients send neither and are not a browser's victims.
    fn origin_allowed(&self, headers: &HeaderMap) -> bool {
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let Some(origin) = origin else {
            let site = headers
                .get("sec-fetch-site")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("none");
            return matches!(site, "same-origin" | "none");
        };
        let same = origin.split_once("://").is_some_and(|(_, authority)| {
            headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|host| host.eq_ignore_ascii_case(authority))
        });
        same || self.origins.iter().any(|o| o.as_str() == origin)
    }

    /// Answers preflights and adds CORS headers for the allowed origins; `None` without any.
    pub fn cors(&self) -> Option<CorsLayer> {
        if self.origins.is_empty() {
            return None;
        }
        let origins: Vec<HeaderValue> = self.origins.iter().map(Origin::header).collect();
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST, Method::DELETE])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::HeaderName::from_static("idempotency-key"),
                ])
                .expose_headers([header::LOCATION, header::RETRY_AFTER])
                .max_age(std::time::Duration::from_secs(600)),
        )
    }
}

/// `host[:port]` without the port, lower case; an IPv6 address keeps its brackets.
fn host_name(host: &str) -> String {
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(name, _)| name)
    };
    name.to_ascii_lowercase()
}

fn listens_on_loopback(listen: &str) -> bool {
    match listen.parse::<SocketAddr>() {
        Ok(addr) => addr.ip().is_loopback(),
        Err(_) => host_name(listen) == "localhost",
    }
}

/// Probes name the address they reach (a pod's IP, `127.0.0.1` inside a container), not the
/// service's public name, and the probe routes tell a browser nothing worth a rebinding attack.
const PROBES: [&str; 2] = ["/healthz", "/readyz"];

pub async fn check(State(guard): State<Arc<Guard>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if !PROBES.contains(&request.uri().path()) && !guard.host_allowed(headers) {
        return ApiError::new(
            ErrorCode::HostNotAllowed,
            "this server does not answer to that Host name (see http.allowed_hosts)",
        )
        .into_response();
    }
    // A WebSocket upgrade is a GET that starts a session (and may store a job): a page on
    // another site can open one, so it is checked as a state-changing request.
    let upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let safe = !upgrade
        && matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
    if !safe && !guard.origin_allowed(headers) {
        return ApiError::new(
            ErrorCode::OriginNotAllowed,
            "requests from pages on other sites are refused unless their origin is in http.cors_origins",
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("LocalHost:8080"), "localhost");
        assert_eq!(host_name("[::1]:8080"), "[::1]");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("evil.example:80"), "evil.example");
    }

    #[test]
    fn on_loopback_only_loopback_names_are_served() {
        let guard = Guard::new(&Config::default());
        assert!(guard.host_allowed(&headers(&[("host", "127.0.0.1:8080")])));
        assert!(guard.host_allowed(&headers(&[("host", "localhost")])));
        assert!(!guard.host_allowed(&headers(&[("host", "rebind.evil.example:8080")])));
        assert!(!guard.host_allowed(&headers(&[])));
        let open = Config {
            listen: "0.0.0.0:8080".into(),
            ..Config::default()
        };
        assert!(Guard::new(&open).host_allowed(&headers(&[("host", "emoscope.internal")])));
    }

    #[test]
    fn only_same_or_allowed_origins_may_change_state() {
        let mut config = Config::default();
        config.http.cors_origins.0 = vec!["https://app.example.com".parse().expect("origin")];
        let guard = Guard::new(&config);
        let same = headers(&[
            ("host", "localhost:8080"),
            ("origin", "http://localhost:8080"),
        ]);
        let listed = headers(&[
            ("host", "localhost:8080"),
            ("origin", "https://app.example.com"),
        ]);
        let other = headers(&[
            ("host", "localhost:8080"),
            ("origin", "https://evil.example"),
        ]);
        let null = headers(&[("host", "localhost:8080"), ("origin", "null")]);
        let no_origin_cross =
            headers(&[("host", "localhost:8080"), ("sec-fetch-site", "cross-site")]);
        let curl = headers(&[("host", "localhost:8080")]);
        assert!(guard.origin_allowed(&same));
        assert!(guard.origin_allowed(&listed));
        assert!(guard.origin_allowed(&curl));
        assert!(!guard.origin_allowed(&other));
        assert!(!guard.origin_allowed(&null));
        assert!(!guard.origin_allowed(&no_origin_cross));
    }
}
