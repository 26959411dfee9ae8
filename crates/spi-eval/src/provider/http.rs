//! Shared HTTP plumbing for the OpenAI-compatible and Anthropic providers: one POST with a
//! deadline, errors classified for the retry policy, bodies truncated and API keys redacted.

use std::time::Duration;

use serde_json::Value;

use crate::error::{EvalError, ProviderError};
use crate::provider::ApiKey;

/// One HTTP API endpoint as both providers hold it: the normalised base URL, a pooled client, the
/// per-request deadline and the key (whose text is redacted from every error built here).
#[derive(Debug)]
pub struct Endpoint {
    /// Base URL without a trailing slash.
    pub base_url: String,
    /// The API key, if the endpoint takes one.
    pub key: Option<ApiKey>,
    client: reqwest::Client,
    timeout: Duration,
}

impl Endpoint {
    /// An endpoint at `base_url`, or `default` when none is given. `provider` names it in a
    /// set-up error.
    pub fn new(
        provider: &str,
        base_url: Option<String>,
        default: &str,
        key: Option<ApiKey>,
        timeout: Duration,
    ) -> Result<Self, EvalError> {
        let base_url = base_url
            .as_deref()
            .unwrap_or(default)
            .trim_end_matches('/')
            .to_string();
        // Concurrency up to a few hundred requests reuses connections instead of reconnecting.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| EvalError::ProviderSetup {
                provider: provider.to_string(),
                message: e.to_string(),
            })?;
        Ok(Endpoint {
            base_url,
            key,
            client,
            timeout,
        })
    }

    /// The key as a header value marked sensitive, so that reqwest never prints it.
    pub fn key_header(
        &self,
        prefix: &str,
    ) -> Result<Option<reqwest::header::HeaderValue>, ProviderError> {
        let Some(k) = &self.key else { return Ok(None) };
        let mut v = reqwest::header::HeaderValue::from_str(&format!("{prefix}{}", k.expose()))
            .map_err(|_| ProviderError::Rejected("API key is not a valid header value".into()))?;
        v.set_sensitive(true);
        Ok(Some(v))
    }

    /// POSTs `body` to `base_url + path` with the deadline; see [`post_json`].
    pub async fn post(
        &self,
        path: &str,
        headers: reqwest::header::HeaderMap,
        body: &Value,
    ) -> Result<Value, ProviderError> {
        let url = format!("{}{path}", self.base_url);
        post_json(
            &self.client,
            &url,
            headers,
            body,
            self.timeout,
            self.key.as_ref(),
        )
        .await
    }
}

/// A `Malformed` error (retried as transient) for response `v`, its body cleaned of the key.
pub fn malformed(v: &Value, key: Option<&ApiKey>, reason: &str) -> ProviderError {
    ProviderError::Malformed {
        reason: reason.to_string(),
        body: clean_body(&v.to_string(), key),
    }
}

/// `usage.<field>` of a response as a count; absent or non-numeric counts are 0 (servers differ
/// in what they report, and a missing count must not fail a sample that has its answer).
pub fn usage_count(v: &Value, field: &str) -> u64 {
    v.get("usage")
        .and_then(|u| u.get(field))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Longest body kept in an error message.
const BODY_LIMIT: usize = 2000;

/// Shortens a body for an error and removes the key from it.
pub fn clean_body(body: &str, key: Option<&ApiKey>) -> String {
    let mut s: String = body.chars().take(BODY_LIMIT).collect();
    if body.chars().count() > BODY_LIMIT {
        s.push('…');
    }
    match key {
        Some(k) => k.redact(&s),
        None => s,
    }
}

/// `Retry-After` in seconds (integer or decimal) or `retry-after-ms`; HTTP dates are ignored.
pub fn parse_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    if let Some(ms) = headers.get("retry-after-ms").and_then(|v| v.to_str().ok())
        && let Ok(ms) = ms.trim().parse::<f64>()
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

/// Sends `body` as JSON and returns the parsed JSON of a 2xx answer.
pub async fn post_json(
    client: &reqwest::Client,
    url: &str,
    headers: reqwest::header::HeaderMap,
    body: &serde_json::Value,
    timeout: Duration,
    key: Option<&ApiKey>,
) -> Result<serde_json::Value, ProviderError> {
    let fut = async {
        let resp = client
            .post(url)
            .headers(headers)
            .json(body)
            .send()
            .await
            .map_err(|e| classify(e, key))?;
        let status = resp.status();
        let retry_after = parse_retry_after(resp.headers());
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ProviderError::Body(clean_body(&source_chain(&e), key)))?;
        let text = String::from_utf8_lossy(&bytes);
        if !status.is_success() {
            return Err(ProviderError::Status {
                status: status.as_u16(),
                body: clean_body(&text, key),
                retry_after,
            });
        }
        serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| ProviderError::Malformed {
            reason: format!("not JSON: {e}"),
            body: clean_body(&text, key),
        })
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(ProviderError::Timeout(timeout)),
    }
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn classify(e: reqwest::Error, key: Option<&ApiKey>) -> ProviderError {
    let msg = clean_body(&source_chain(&e), key);
    if e.is_timeout() {
        ProviderError::Timeout(Duration::ZERO)
    } else if e.is_body() || e.is_decode() {
        ProviderError::Body(msg)
    } else if e.is_builder() {
        ProviderError::Rejected(msg)
    } else {
        // Connect failures and connections closed before a complete response head.
        ProviderError::Connect(msg)
    }
}
