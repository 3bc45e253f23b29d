//! Values parsed from the configuration's text into types that cannot be wrong afterwards:
//! lists (an array in the file, comma-separated in the environment), address ranges, origins.

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderValue;
use serde::Deserialize;

/// Values of one kind: an array of strings in the file, comma-separated in the environment;
/// each is parsed when read, so a bad one stops the start with its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List<T = String>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: FromStr<Err: std::fmt::Display>> FromStr for List<T> {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse().map_err(|e| format!("{e}")))
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl<'de, T: FromStr<Err: std::fmt::Display>> Deserialize<'de> for List<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Text {
            One(String),
            Many(Vec<String>),
        }
        let items = match Text::deserialize(d)? {
            Text::One(s) => return s.parse().map_err(serde::de::Error::custom),
            Text::Many(v) => v,
        };
        items
            .iter()
            .map(|v| v.trim().parse().map_err(serde::de::Error::custom))
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// An address range the operator allows although it is not public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    /// `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not an IP address or CIDR range");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Network {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is checked as the IPv4 it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// A web page's origin (`https://app.example.com`, `http://localhost:3000`): scheme, host and
/// port only, kept without a trailing slash, and as the header value CORS answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(HeaderValue);

impl Origin {
    pub fn as_str(&self) -> &str {
        // Made from a `&str`, so always text.
        self.0.to_str().unwrap_or_default()
    }

    pub fn header(&self) -> HeaderValue {
        self.0.clone()
    }
}

impl FromStr for Origin {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let origin = s.trim().trim_end_matches('/');
        let host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        if !host.is_some_and(|h| !h.is_empty() && !h.contains(['/', '?', '#', '*'])) {
            return Err(format!(
                "an origin is a scheme, host and port, such as https://app.example.com, not {s:?}"
            ));
        }
        let header =
            HeaderValue::from_str(origin).map_err(|_| format!("{s:?} is not a header value"))?;
        Ok(Self(header))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_as_arrays_or_comma_separated_and_each_value_is_parsed() {
        let from_env: List<Network> = "127.0.0.1, 10.0.0.0/8".parse().expect("networks");
        let from_file: List<Network> = toml::from_str::<
            std::collections::BTreeMap<String, List<Network>>,
        >(r#"n = ["127.0.0.1", "10.0.0.0/8"]"#)
        .expect("array")
        .remove("n")
        .expect("n");
        assert_eq!(from_env, from_file);
        assert!("127.0.0.1, 10.0.0.0/99".parse::<List<Network>>().is_err());
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        let o: Origin = "https://app.example.com/".parse().expect("origin");
        assert_eq!(o.as_str(), "https://app.example.com");
        for bad in [
            "app.example.com",
            "https://",
            "https://a.com/path",
            "https://*.a.com",
        ] {
            assert!(bad.parse::<Origin>().is_err(), "{bad}");
        }
    }
}
