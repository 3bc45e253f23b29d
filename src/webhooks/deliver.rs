//! Sending webhooks: claim a due delivery, render its body from the job or report as it is now,
//! sign it with the secret of the key that made the job (or the server's), and POST it to the
//! address that was checked, without following redirects. A 2xx ends it; anything else is tried
//! again after a backoff that doubles (with jitter) until `webhooks.give_up_after_secs`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{Attempt, Delivery, Event, Outcome, sign};
use crate::background::claimer::Claimer;
use crate::clock::now_ms;
use crate::config::{Config, WebhookConfig};
use crate::db::Store;
use crate::egress::policy::Policy;
use crate::views::job::JobView;
use crate::views::report::ReportView;

/// The body of every webhook (the Standard Webhooks payload form): the event, when it was sent,
/// and the job or report as `GET` returns it.
#[derive(Serialize)]
struct Payload<T: Serialize> {
    #[serde(rename = "type")]
    kind: Event,
    timestamp: String,
    data: T,
}

#[derive(Clone)]
pub struct Dispatcher {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub policy: Arc<Policy>,
    /// This process's sender id (see `background/instance.rs`).
    pub worker_id: String,
    pub cancel: CancellationToken,
}

impl Dispatcher {
    /// Sends due deliveries, `webhooks.concurrency` at a time, until cancelled.
    pub async fn run(self) {
        let poll = Duration::from_millis(self.config.queue.poll_ms.clamp(10, 1000));
        let claimer = Claimer {
            slots: self.config.webhooks.concurrency,
            poll,
            wake: None,
            cancel: &self.cancel,
            what: "a webhook delivery",
        };
        claimer
            .run(
                || self.store.claim_delivery(&self.worker_id, now_ms()),
                |d| {
                    let me = self.clone();
                    async move { me.attempt(d).await }
                },
            )
            .await;
    }

    async fn attempt(&self, d: Delivery) {
        let at = now_ms();
        let started = Instant::now();
        let result = tokio::select! {
            r = self.send(&d, at) => r,
            _ = self.cancel.cancelled() => return, // the next start sends it again
        };
        let (status_code, error, outcome) = match result {
            Ok(code) if (200..300).contains(&code) => (Some(code), None, Outcome::Delivered),
            Ok(code) => (
                Some(code),
                Some(format!("the receiver answered HTTP {code}")),
                retry(&self.config.webhooks, &d, now_ms()),
            ),
            Err(Failure::Retry(e)) => (None, Some(e), retry(&self.config.webhooks, &d, now_ms())),
            Err(Failure::Final(e)) => (None, Some(e), Outcome::GiveUp),
        };
        let attempt = Attempt {
            attempt: d.attempts,
            at,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            status_code,
            error,
        };
        let label = match outcome {
            Outcome::Delivered => "delivered",
            Outcome::RetryAt(_) => "retried",
            Outcome::GiveUp => "given_up",
        };
        metrics::counter!("emoscope_webhook_deliveries_total",
            "event" => d.event.as_str(), "outcome" => label)
        .increment(1);
        let host = reqwest::Url::parse(&d.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        tracing::info!(delivery = %d.id, event = d.event.as_str(), %host, attempt = d.attempts,
            status = ?attempt.status_code, error = ?attempt.error, outcome = label, "webhook attempt");
        if let Err(e) = self
            .store
            .record_attempt(&d.id, &self.worker_id, &attempt, outcome)
            .await
        {
            tracing::error!(delivery = %d.id, error = %e, "cannot record a webhook attempt");
        }
    }

    /// One POST; the receiver's status, or why there was none.
    async fn send(&self, d: &Delivery, at: i64) -> Result<u16, Failure> {
        let (body, owner) = self.body(d).await?;
        let secret = self.secret(owner.as_deref()).await?;
        let url = self
            .policy
            .parse(&d.url)
            .map_err(|e| Failure::Final(e.to_string()))?;
        // Resolved and checked now, and the request pinned to those addresses: the name cannot
        // be pointed elsewhere between the check and the connection.
        let addrs = self
            .policy
            .resolve(&url)
            .await
            .map_err(|e| Failure::Retry(e.to_string()))?;
        let timeout = Duration::from_secs(self.config.webhooks.timeout_secs.max(1));
        let client = crate::egress::http::pinned_client(&url, &addrs, timeout, Some(timeout))
            .map_err(|e| Failure::Retry(e.to_string()))?;
        let timestamp = at / 1000;
        let signature = sign::signature(&secret, &d.id, timestamp, &body)
            .map_err(|e| Failure::Final(e.to_string()))?;
        let mut headers = HeaderMap::new();
        let value = |v: &str| HeaderValue::from_str(v).map_err(|e| Failure::Final(e.to_string()));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("Emoscope-Webhooks/", env!("CARGO_PKG_VERSION"))),
        );
        headers.insert("webhook-id", value(&d.id)?);
        headers.insert("webhook-timestamp", value(&timestamp.to_string())?);
        headers.insert("webhook-signature", value(&signature)?);
        let response = client
            .post(url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| Failure::Retry(describe(&e, timeout)))?;
        Ok(response.status().as_u16())
    }

    /// The event's body and the key that owns the job.
    async fn body(&self, d: &Delivery) -> Result<(Vec<u8>, Option<String>), Failure> {
        let store_err = |e: crate::db::DbError| Failure::Retry(e.to_string());
        let job = self
            .store
            .get(&d.job_id)
            .await
            .map_err(store_err)?
            .ok_or_else(|| Failure::Final("the job was deleted".into()))?;
        let owner = job.owner.clone();
        let timestamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let kind = d.event;
        let body = match &d.report_id {
            None => serde_json::to_vec(&Payload {
                kind,
                timestamp,
                data: JobView::from(job),
            }),
            Some(report_id) => {
                let report = self
                    .store
                    .report(&d.job_id, report_id)
                    .await
                    .map_err(store_err)?
                    .ok_or_else(|| Failure::Final("the report was replaced or deleted".into()))?;
                serde_json::to_vec(&Payload {
                    kind,
                    timestamp,
                    data: ReportView::from(report),
                })
            }
        };
        Ok((body.map_err(|e| Failure::Final(e.to_string()))?, owner))
    }

    /// The job's key's secret, or the server's for jobs made without a key.
    async fn secret(&self, owner: Option<&str>) -> Result<String, Failure> {
        match owner {
            Some(key) => self
                .store
                .webhook_secret(key)
                .await
                .map_err(|e| Failure::Retry(e.to_string()))?
                .ok_or_else(|| Failure::Final("the job's API key has no webhook secret".into())),
            None => self
                .config
                .webhooks
                .secret
                .expose()
                .map(str::to_string)
                .ok_or_else(|| Failure::Final("no webhooks.secret is configured to sign webhooks of jobs made without an API key".into())),
        }
    }
}

/// Why an attempt got no status.
enum Failure {
    /// Worth trying again (the receiver or the network may come back).
    Retry(String),
    /// Trying again cannot help (the job is gone, nothing can sign it).
    Final(String),
}

/// Words for a failed request, without its URL (whose query may hold the receiver's token).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("no answer within {} s", timeout.as_secs())
    } else if e.is_connect() {
        "cannot connect to the receiver".into()
    } else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = s.to_string();
            source = s.source();
        }
        format!("the request failed: {text}")
    }
}

/// The next try: the base wait doubled per attempt, capped, with up to half of it taken off at
/// random so that many deliveries failing together do not come back together; none past the
/// give-up time.
fn retry(c: &WebhookConfig, d: &Delivery, now: i64) -> Outcome {
    let exp = d.attempts.saturating_sub(1).min(30);
    let cap = c.max_backoff_secs.saturating_mul(1000).max(1);
    let wait = c.retry_base_ms.saturating_mul(1u64 << exp).min(cap);
    let jitter = random_fraction();
    let wait = wait - (wait as f64 * 0.5 * jitter) as u64;
    let next = now.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX));
    let give_up_at = d.created_at.saturating_add(
        i64::try_from(c.give_up_after_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
    );
    if next > give_up_at {
        Outcome::GiveUp
    } else {
        Outcome::RetryAt(next)
    }
}

fn random_fraction() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::DeliveryStatus;

    fn delivery(attempts: u32, created_at: i64) -> Delivery {
        Delivery {
            id: "d".into(),
            job_id: "j".into(),
            report_id: None,
            event: Event::JobSucceeded,
            url: "https://example.com/".into(),
            status: DeliveryStatus::Sending,
            attempts,
            next_attempt_at: 0,
            created_at,
            finished_at: None,
            last_error: None,
        }
    }

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_give_up_time() {
        let c = WebhookConfig {
            retry_base_ms: 1000,
            max_backoff_secs: 10,
            give_up_after_secs: 60,
            ..WebhookConfig::default()
        };
        for (attempts, lo, hi) in [
            (1, 500, 1000),
            (2, 1000, 2000),
            (3, 2000, 4000),
            (9, 5000, 10_000),
        ] {
            match retry(&c, &delivery(attempts, 0), 0) {
                Outcome::RetryAt(t) => assert!((lo..=hi).contains(&t), "{attempts}: {t}"),
                other => panic!("{attempts}: {other:?}"),
            }
        }
        assert_eq!(retry(&c, &delivery(1, 0), 59_900), Outcome::GiveUp);
    }
}
