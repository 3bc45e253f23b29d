//! Values that must never be printed: API keys, tokens, passwords in database URLs, the
//! webhook signing secret. `Debug` and `Display` show them redacted, none has `Serialize`, and
//! only `expose` gives the real text, where it is sent.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

/// A database URL. It may hold a password (in the user part or as `?password=`), so `Debug` and
/// `Display` show it redacted; only [`DatabaseUrl::expose`] gives the real text, for connecting.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_url(&self.0))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", redact_url(&self.0))
    }
}

/// The URL with any password replaced by `***`: the user part's and every query parameter whose
/// name mentions a password, secret or key. A string that is not a URL shows only its scheme.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return if url.is_empty() {
            String::new()
        } else {
            "***".into()
        };
    };
    let (scheme, rest) = url.split_at(scheme_end + 3);
    let (before_query, query) = match rest.find('?') {
        Some(q) => (&rest[..q], Some(&rest[q + 1..])),
        None => (rest, None),
    };
    let authority_end = before_query.find('/').unwrap_or(before_query.len());
    let (authority, path) = before_query.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let user = authority[..at].split(':').next().unwrap_or("");
            format!("{user}:***{}", &authority[at..])
        }
        None => authority.to_string(),
    };
    let mut out = format!("{scheme}{authority}{path}");
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| {
                let name = pair.split('=').next().unwrap_or("");
                let lower = name.to_ascii_lowercase();
                if ["pass", "secret", "key", "token"]
                    .iter()
                    .any(|w| lower.contains(w))
                {
                    format!("{name}=***")
                } else {
                    pair.to_string()
                }
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// A secret string (an API key): its `Debug` shows `***`, and it has no `Serialize`.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value, only where it is sent; `None` when empty.
    pub fn expose(&self) -> Option<&str> {
        (!self.0.is_empty()).then_some(self.0.as_str())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "(unset)" } else { "***" })
    }
}

/// The key bytes of a Standard Webhooks secret (`whsec_` and base64; the prefix may be left
/// out); `None` when it is not base64. The one decoder, for the server's secret and the keys'.
pub fn webhook_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()
}

/// The secret that signs webhooks (Standard Webhooks: `whsec_` and base64), checked when it is
/// read, so that signing cannot fail later. Empty: none.
#[derive(Clone, Default, Debug)]
pub struct WebhookSecret(Secret);

impl WebhookSecret {
    pub fn expose(&self) -> Option<&str> {
        self.0.expose()
    }
}

impl std::str::FromStr for WebhookSecret {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !s.is_empty() && webhook_key(s).is_none() {
            // The value itself is never repeated in the message.
            return Err("the webhook secret is not whsec_ and base64".into());
        }
        Ok(Self(Secret::new(s)))
    }
}

impl<'de> Deserialize<'de> for WebhookSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_webhook_secret_is_refused_without_being_repeated() {
        let err = "whsec_not base64 hunter2"
            .parse::<WebhookSecret>()
            .expect_err("not base64");
        assert!(!err.contains("hunter2"), "{err}");
        let ok: WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
            .parse()
            .expect("ok");
        assert!(ok.expose().is_some());
        assert!(!format!("{ok:?}").contains("MfKQ"));
    }
}
