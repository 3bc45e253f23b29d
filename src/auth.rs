//! API keys and who is calling. A key is a random token shown once; the database keeps only its
//! SHA-256, which is enough for tokens of 256 random bits (nothing to guess, so no slow hash is
//! needed), and lets a request's key be found with one indexed lookup.

use sha2::{Digest, Sha256};

pub use crate::db::keys::{ApiKey, NewKey};

/// What every token starts with, so that a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "emo_";
/// Characters of the token kept in the clear to tell keys apart in `keys list`.
const SHOWN_CHARS: usize = 12;

impl NewKey {
    pub fn generate(name: &str, admin: bool, now_ms: i64) -> anyhow::Result<Self> {
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(random::<32>()?));
        let webhook_secret = format!(
            "whsec_{}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, random::<24>()?)
        );
        Ok(Self {
            key: ApiKey {
                id: uuid::Uuid::now_v7().to_string(),
                name: name.to_string(),
                prefix: token.chars().take(SHOWN_CHARS).collect(),
                admin,
                created_at: now_ms,
                revoked_at: None,
            },
            hash: hash_token(&token),
            token,
            webhook_secret,
        })
    }
}

fn random<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes)
}

/// How a token is looked up.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// No key, on a server that asks for none: sees every job, as a single-user tool does.
    Open,
    Key {
        id: String,
        admin: bool,
    },
}

impl Caller {
    /// The owner recorded on what this caller creates.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Self::Open => None,
            Self::Key { id, .. } => Some(id),
        }
    }

    /// Whether this caller may see a job made by `owner`.
    pub fn sees(&self, owner: Option<&str>) -> bool {
        match self {
            Self::Open | Self::Key { admin: true, .. } => true,
            Self::Key { id, .. } => owner == Some(id.as_str()),
        }
    }

    /// The owner a listing is narrowed to; `None` lists every job.
    pub fn only_owner(&self) -> Option<&str> {
        match self {
            Self::Open | Self::Key { admin: true, .. } => None,
            Self::Key { id, .. } => Some(id),
        }
    }

    /// Whose share of a rate limit a request uses, and whose idempotency keys it may reuse.
    pub fn account(&self) -> &str {
        self.owner().unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let a = NewKey::generate("a", false, 0).expect("key");
        let b = NewKey::generate("b", true, 0).expect("key");
        assert_ne!(a.token, b.token);
        assert!(a.token.starts_with(TOKEN_PREFIX) && a.token.len() == 4 + 64);
        assert_eq!(a.hash, hash_token(&a.token));
        assert!(!a.hash.contains(&a.token[4..]));
        assert!(a.token.starts_with(&a.key.prefix));
        assert!(a.webhook_secret.starts_with("whsec_"));
    }

    #[test]
    fn a_key_sees_its_own_jobs_and_an_admin_sees_all() {
        let user = Caller::Key {
            id: "k1".into(),
            admin: false,
        };
        let admin = Caller::Key {
            id: "k2".into(),
            admin: true,
        };
        assert!(user.sees(Some("k1")));
        assert!(!user.sees(Some("k2")));
        assert!(!user.sees(None));
        assert!(admin.sees(Some("k1")) && admin.sees(None));
        assert!(Caller::Open.sees(Some("k1")));
        assert_eq!(user.only_owner(), Some("k1"));
        assert_eq!(admin.only_owner(), None);
    }
}
