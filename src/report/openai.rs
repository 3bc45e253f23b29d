//! The `openai` provider: Chat Completions over HTTP, for OpenAI and any compatible server
//! (Azure OpenAI, vLLM, Ollama, LM Studio, llama.cpp). Timeouts, connection errors, 429 and 5xx
//! are retried with backoff (honouring `Retry-After`); everything else fails at once.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::prompt::{system_message, user_message};
use super::{Language, Narrative, Narrator, ReportError, ReportInputs, Usage, template_language};
use crate::config::ReportConfig;

pub struct OpenAiNarrator {
    http: reqwest::Client,
    config: ReportConfig,
}

impl OpenAiNarrator {
    pub fn new(config: ReportConfig) -> Result<Self, ReportError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .build()
            .map_err(|e| ReportError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, config })
    }

    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp =
            Duration::from_millis(self.config.backoff_ms.saturating_mul(1 << attempt.min(10)));
        retry_after
            .unwrap_or(exp)
            .min(Duration::from_secs(self.config.max_backoff_secs))
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let v = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// The upstream's own error message, when it sent one in the usual shape.
fn upstream_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.chars().take(200).collect())
}

/// The text with the API key, and anything shaped like one (`sk-…`), replaced by `***`: an
/// upstream's error message may quote the key it was sent.
pub fn redact_secrets(text: &str, key: Option<&str>) -> String {
    let text = match key {
        Some(k) if k.len() >= 4 => text.replace(k, "***"),
        _ => text.to_string(),
    };
    text.split_inclusive(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '.'))
        .map(|word| {
            let token = word.trim_end_matches(|c: char| {
                c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '.')
            });
            if token.starts_with("sk-") && token.len() > 8 {
                word.replacen(token, "sk-***", 1)
            } else {
                word.to_string()
            }
        })
        .collect()
}

fn parse_answer(body: &Value) -> Result<(String, Option<Usage>), ReportError> {
    let text = body["choices"][0]["message"]["content"]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ReportError::Upstream {
            status: Some(200),
            message: "the answer has no text in choices[0].message.content".into(),
        })?;
    let usage = serde_json::from_value::<Usage>(body["usage"].clone()).ok();
    Ok((text.to_string(), usage))
}

#[async_trait]
impl Narrator for OpenAiNarrator {
    fn name(&self) -> &'static str {
        "openai"
    }

    async fn write(
        &self,
        inputs: &ReportInputs,
        language: &str,
        model: Option<&str>,
    ) -> Result<Narrative, ReportError> {
        let model = model.unwrap_or(&self.config.model).to_string();
        let body = self.request_body(inputs, language, &model);
        let url = format!(
            "{}/chat/completions",
            self.config.base_url.trim_end_matches('/')
        );
        let mut last = ReportError::Upstream {
            status: None,
            message: "no attempt was made".into(),
        };
        for attempt in 0..=self.config.retries {
            let wait = match self.attempt(&url, &body, &model).await {
                Try::Done(result) => return result,
                Try::Again { error, wait } => {
                    last = error;
                    wait
                }
            };
            if attempt < self.config.retries {
                let pause = self.backoff(attempt, wait);
                tracing::warn!(attempt, ?pause, error = %last, "language model call failed; retrying");
                tokio::time::sleep(pause).await;
            }
        }
        Err(last)
    }
}

/// What one call to the language model leads to.
enum Try {
    /// An answer, or an error another try would not mend.
    Done(Result<Narrative, ReportError>),
    /// Worth another try, after `wait` if the service said so (`Retry-After`).
    Again {
        error: ReportError,
        wait: Option<Duration>,
    },
}

impl OpenAiNarrator {
    fn request_body(&self, inputs: &ReportInputs, language: &str, model: &str) -> Value {
        let lang = template_language(language).unwrap_or(Language::En);
        let mut user = user_message(lang, inputs);
        if template_language(language).is_none() {
            user.push_str(&format!(
                "\n(Write the conclusion in the language with BCP 47 tag {language}.)\n"
            ));
        }
        json!({
            "model": model,
            "temperature": self.config.temperature,
            "messages": [
                {"role": "system", "content": system_message(lang)},
                {"role": "user", "content": user},
            ],
        })
    }

    async fn attempt(&self, url: &str, body: &Value, model: &str) -> Try {
        let mut request = self.http.post(url).json(body);
        if let Some(key) = self.config.api_key.expose() {
            request = request.bearer_auth(key);
        }
        let timeout = || ReportError::Timeout(self.config.timeout_secs);
        let resp = match request.send().await {
            Ok(resp) => resp,
            Err(e) if e.is_timeout() => return again(timeout(), None),
            Err(e) => {
                let message = format!("cannot reach {url}: {}", e.without_url());
                let error = ReportError::Upstream {
                    status: None,
                    message,
                };
                return again(error, None);
            }
        };
        let status = resp.status();
        if !status.is_success() {
            let wait = retry_after(&resp);
            let message = redact_secrets(
                &upstream_message(&resp.text().await.unwrap_or_default()),
                self.config.api_key.expose(),
            );
            let error = ReportError::Upstream {
                status: Some(status.as_u16()),
                message,
            };
            if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                return Try::Done(Err(error));
            }
            return again(error, wait);
        }
        let upstream = |message: String| ReportError::Upstream {
            status: Some(status.as_u16()),
            message,
        };
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) if e.is_timeout() => return again(timeout(), None),
            Err(e) => return Try::Done(Err(upstream(e.to_string()))),
        };
        Try::Done(answer(&text, model).map_err(|e| match e {
            AnswerError::NotJson => upstream("the answer is not JSON".into()),
            AnswerError::Report(e) => e,
        }))
    }
}

fn again(error: ReportError, wait: Option<Duration>) -> Try {
    Try::Again { error, wait }
}

enum AnswerError {
    NotJson,
    Report(ReportError),
}

/// The narrative in a successful answer's body.
fn answer(text: &str, model: &str) -> Result<Narrative, AnswerError> {
    let json: Value = serde_json::from_str(text).map_err(|_| AnswerError::NotJson)?;
    let (text, usage) = parse_answer(&json).map_err(AnswerError::Report)?;
    let model = json["model"].as_str().unwrap_or(model).to_string();
    Ok(Narrative { text, model, usage })
}

#[cfg(test)]
mod tests {
    use super::redact_secrets;

    #[test]
    fn keys_are_redacted_from_upstream_messages() {
        let m = "Incorrect API key provided: sk-proj-abcdef123456. You can find your key at …";
        let r = redact_secrets(m, None);
        assert!(!r.contains("abcdef123456"), "{r}");
        assert!(r.contains("sk-***"), "{r}");
        let r = redact_secrets("bad key 'my-own-secret-key'", Some("my-own-secret-key"));
        assert_eq!(r, "bad key '***'");
    }
}
