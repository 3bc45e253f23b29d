//! Where a webhook may go. A callback URL is the client's to choose, so without checks it would
//! let any caller make the server send requests into its own network (SSRF): to the cloud
//! metadata service, to a database's admin page, to loopback. A URL is checked when a job is
//! uploaded and again, after resolving its host, before every attempt; the request then goes to
//! the address that was checked (no second DNS answer can swap it) and redirects are not followed.
//! Video URLs (`jobs/download`) go through the same checks, with their own settings, at every
//! redirect.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;

use crate::config::{DownloadConfig, Network, WebhookConfig, canonical};

/// Longest callback URL accepted.
pub const MAX_URL_CHARS: usize = 2048;

/// A name that does not resolve by then is refused (an upload waits for this).
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Why a callback URL is refused; the message says it for the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Its form: length, scheme, host, credentials, fragment.
    #[error("{0}")]
    Form(String),
    /// Its host did not resolve, or not in time: worth another try.
    #[error("{0}")]
    Unresolved(String),
    /// It resolves to an address webhooks may not go to.
    #[error("{0}")]
    NotPublic(String),
}

/// What the configuration allows.
#[derive(Debug, Clone)]
pub struct Policy {
    allow_http: bool,
    allowed: Vec<Network>,
    /// The field the URL came in, and the config section that governs it, for messages.
    field: &'static str,
    section: &'static str,
}

impl Policy {
    pub fn new(config: &WebhookConfig) -> Self {
        Self {
            allow_http: config.allow_http,
            allowed: config.allowed_networks.0.clone(),
            field: "callback_url",
            section: "webhooks",
        }
    }

    /// Where videos may be fetched from. Their URLs may hold credentials (a user and password,
    /// a signed query): the downloader shows them only redacted.
    pub fn for_downloads(config: &DownloadConfig) -> Self {
        Self {
            allow_http: config.allow_http,
            allowed: config.allowed_networks.0.clone(),
            field: "video_url",
            section: "downloads",
        }
    }

    /// Where streams are read from: the downloads' settings, messages naming `source_url`.
    pub fn for_streams(config: &DownloadConfig) -> Self {
        Self {
            field: "source_url",
            ..Self::for_downloads(config)
        }
    }

    fn callbacks(&self) -> bool {
        self.field == "callback_url"
    }

    /// The URL, if its form is acceptable; says why not otherwise.
    pub fn parse(&self, raw: &str) -> Result<Url, Refused> {
        let (field, section) = (self.field, self.section);
        if raw.len() > MAX_URL_CHARS {
            return Err(Refused::Form(format!(
                "{field} is longer than {MAX_URL_CHARS} characters"
            )));
        }
        // The parser's message never quotes the URL.
        let url =
            Url::parse(raw).map_err(|e| Refused::Form(format!("{field} is not a URL: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            "http" => {
                return Err(Refused::Form(format!(
                    "{field} must use https (this server does not allow http: {section}.allow_http)"
                )));
            }
            other => {
                return Err(Refused::Form(format!(
                    "{field} must use https, not {other}"
                )));
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Refused::Form(format!("{field} has no host")));
        }
        let credentials = !url.username().is_empty() || url.password().is_some();
        if self.callbacks() && credentials {
            return Err(Refused::Form(format!(
                "{field} must not hold a user name or password"
            )));
        }
        if self.callbacks() && url.fragment().is_some() {
            return Err(Refused::Form(format!("{field} must not have a #fragment")));
        }
        Ok(url)
    }

    /// Resolves the URL's host; every address must be public or allowed, so that a name with
    /// one public and one private address cannot be used to reach the private one.
    pub async fn resolve(&self, url: &Url) -> Result<Vec<SocketAddr>, Refused> {
        let field = self.field;
        let form = |m: String| Refused::Form(m);
        let host = url
            .host_str()
            .ok_or_else(|| form(format!("{field} has no host")))?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| form(format!("{field} has no port")))?;
        self.resolve_host(host, port, field).await
    }

    /// The same for a host and port of any scheme (a stream's `rtsp://`); messages name the
    /// request's `field`.
    pub async fn resolve_host(
        &self,
        host: &str,
        port: u16,
        field: &str,
    ) -> Result<Vec<SocketAddr>, Refused> {
        let section = self.section;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let lookup = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port)));
        let addrs: Vec<SocketAddr> = lookup
            .await
            .map_err(|_| Refused::Unresolved(format!("cannot resolve the host {host:?} in time")))?
            .map_err(|e| Refused::Unresolved(format!("cannot resolve the host {host:?}: {e}")))?
            .collect();
        if addrs.is_empty() {
            return Err(Refused::Unresolved(format!(
                "the host {host:?} has no address"
            )));
        }
        let goes = match self.field {
            "callback_url" => "webhooks go",
            "source_url" => "streams are read",
            _ => "videos are fetched",
        };
        for a in &addrs {
            let ip = a.ip();
            if let Some(kind) = not_public(ip)
                && !self.allowed.iter().any(|n| n.contains(ip))
            {
                return Err(Refused::NotPublic(format!(
                    "{field} resolves to {ip}, a {kind} address; {goes} only to public addresses unless {section}.allowed_networks lists it"
                )));
            }
        }
        Ok(addrs)
    }

    /// Both checks, as an upload makes them.
    pub async fn check(&self, raw: &str) -> Result<Url, Refused> {
        let url = self.parse(raw)?;
        self.resolve(&url).await?;
        Ok(url)
    }
}

/// What kind of non-public address this is, if it is one.
pub fn not_public(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => not_public_v4(v4),
        IpAddr::V6(v6) => not_public_v6(v6),
    }
}

fn not_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("cloud metadata")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if a == 0 || ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("multicast or reserved")
    } else {
        None
    }
}

fn not_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        // fd00:ec2::254, the AWS metadata service over IPv6, is in here too.
        Some("private (unique local)")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast or reserved")
    } else if first == 0x64 && ip.segments()[1] == 0xff9b {
        // NAT64 maps IPv4 into this range; the IPv4 inside could be anything.
        Some("NAT64")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{List, WebhookConfig};

    fn policy(allow_http: bool, allowed: &[&str]) -> Policy {
        Policy::new(&WebhookConfig {
            allow_http,
            allowed_networks: List(
                allowed
                    .iter()
                    .map(|s| s.parse().expect("network"))
                    .collect(),
            ),
            ..WebhookConfig::default()
        })
    }

    #[test]
    fn non_public_addresses_are_named() {
        for (ip, kind) in [
            ("127.0.0.1", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "cloud metadata"),
            ("169.254.1.1", "link-local"),
            ("100.64.0.1", "shared (carrier-grade NAT)"),
            ("0.0.0.0", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("fd00:ec2::254", "private (unique local)"),
            ("fe80::1", "link-local"),
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert_eq!(not_public(ip), Some(kind), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "8.8.8.8",
        ] {
            assert_eq!(not_public(ip.parse().expect("ip")), None, "{ip}");
        }
    }

    #[test]
    fn networks_match_by_prefix() {
        let n = Network::parse("10.0.0.0/8").expect("net");
        assert!(n.contains("10.200.1.1".parse().expect("ip")));
        assert!(n.contains("::ffff:10.0.0.1".parse().expect("ip")));
        assert!(!n.contains("11.0.0.1".parse().expect("ip")));
        assert!(
            Network::parse("127.0.0.1")
                .expect("one")
                .contains("127.0.0.1".parse().expect("ip"))
        );
        for bad in ["10.0.0.0/33", "localhost", "10.0.0/8", ""] {
            assert!(Network::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn url_forms_are_checked() {
        let strict = policy(false, &[]);
        assert!(strict.parse("https://hooks.example.com/emoscope").is_ok());
        for (bad, why) in [
            ("http://hooks.example.com/", "https"),
            ("ftp://hooks.example.com/", "https"),
            ("https://user:pw@hooks.example.com/", "password"),
            ("not a url", "not a URL"),
            ("https://hooks.example.com/#x", "fragment"),
        ] {
            let e = strict.parse(bad).expect_err(bad);
            assert!(matches!(e, Refused::Form(_)), "{bad}: {e}");
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
        assert!(policy(true, &[]).parse("http://hooks.example.com/").is_ok());
    }

    #[tokio::test]
    async fn private_targets_are_refused_unless_allowed() {
        let strict = policy(true, &[]);
        for url in [
            "http://127.0.0.1:9/",
            "http://localhost:9/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:9/",
            "http://10.0.0.1/",
        ] {
            let e = strict.check(url).await.expect_err(url);
            assert!(e.to_string().contains("address"), "{url}: {e}");
        }
        let allowed = policy(true, &["127.0.0.1", "::1"]);
        assert!(allowed.check("http://127.0.0.1:9/hook").await.is_ok());
        assert!(allowed.check("http://10.0.0.1/").await.is_err());
    }
}
