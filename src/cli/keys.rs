//! `emoscope keys`: API keys are made, listed and revoked from the command line, against the
//! configured database, so that no HTTP route can mint one.

use anyhow::{Result, bail};

use crate::auth::{ApiKey, NewKey};
use crate::clock::now_ms;
use crate::config::Config;

const MAX_NAME_CHARS: usize = 100;

/// Makes a key and prints its token and webhook secret: the only time they are shown.
pub async fn create(config: &Config, name: &str, admin: bool) -> Result<()> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        bail!("--name must be 1 to {MAX_NAME_CHARS} printable characters");
    }
    let store = crate::app::open_store(config).await?;
    let new = NewKey::generate(name, admin, now_ms())?;
    store.create_key(&new).await?;
    println!("id:             {}", new.key.id);
    println!("name:           {}", new.key.name);
    println!("admin:          {}", new.key.admin);
    println!("key:            {}", new.token);
    println!("webhook secret: {}", new.webhook_secret);
    eprintln!(
        "\nStore the key and the webhook secret now: they are not shown again. From now on every \
         /v1 request needs `Authorization: Bearer KEY`."
    );
    Ok(())
}

pub async fn list(config: &Config, json: bool) -> Result<()> {
    let store = crate::app::open_store(config).await?;
    let keys = store.keys().await?;
    if json {
        let rows: Vec<serde_json::Value> = keys.iter().map(key_json).collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if keys.is_empty() {
        println!("no keys: the server is open on loopback addresses only");
        return Ok(());
    }
    println!(
        "{:<36}  {:<14}  {:<5}  {:<20}  {:<20}  name",
        "id", "starts with", "admin", "created", "revoked"
    );
    for k in &keys {
        println!(
            "{:<36}  {:<14}  {:<5}  {:<20}  {:<20}  {}",
            k.id,
            k.prefix,
            k.admin,
            time(Some(k.created_at)),
            time(k.revoked_at),
            k.name
        );
    }
    Ok(())
}

pub async fn revoke(config: &Config, id: &str) -> Result<()> {
    let store = crate::app::open_store(config).await?;
    match store.revoke_key(id, now_ms()).await? {
        Some(k) => {
            println!("revoked {} ({})", k.id, k.name);
            Ok(())
        }
        None => bail!("no key {id}; `emoscope keys list` shows them"),
    }
}

fn key_json(k: &ApiKey) -> serde_json::Value {
    serde_json::json!({
        "id": k.id,
        "name": k.name,
        "prefix": k.prefix,
        "admin": k.admin,
        "created_at": time(Some(k.created_at)),
        "revoked_at": k.revoked_at.map(|t| time(Some(t))),
    })
}

fn time(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "-".into())
}
