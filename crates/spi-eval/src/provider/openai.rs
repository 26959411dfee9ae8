//! The OpenAI-compatible chat-completions provider (`openai:MODEL`, any server via `--base-url`:
//! OpenAI, vLLM, llama.cpp server, Ollama, `spi serve`).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::error::{EvalError, ProviderError};
use crate::provider::http::{clean_body, post_json};
use crate::provider::{ApiKey, ChatRequest, ChatResponse, Provider};

/// Default endpoint when no `--base-url` is given.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// A chat-completions endpoint.
#[derive(Debug)]
pub struct OpenAiProvider {
    model: String,
    base_url: String,
    key: Option<ApiKey>,
    client: reqwest::Client,
    timeout: Duration,
}

impl OpenAiProvider {
    /// A provider for `model` at `base_url` (default OpenAI's). A key is required only for the
    /// default endpoint; local servers usually need none.
    pub fn new(
        model: &str,
        base_url: Option<String>,
        key: Option<ApiKey>,
        timeout: Duration,
    ) -> Result<Self, EvalError> {
        let explicit = base_url.is_some();
        let base_url = base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string())
            .trim_end_matches('/')
            .to_string();
        if !explicit && key.is_none() {
            return Err(EvalError::ProviderSetup {
                provider: format!("openai:{model}"),
                message: "set OPENAI_API_KEY (or pass --base-url for a server that needs no key)"
                    .into(),
            });
        }
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| EvalError::ProviderSetup {
                provider: format!("openai:{model}"),
                message: e.to_string(),
            })?;
        Ok(OpenAiProvider {
            model: model.to_string(),
            base_url,
            key,
            client,
            timeout,
        })
    }
}

/// The request body for a chat request.
pub fn request_body(model: &str, req: &ChatRequest) -> Value {
    let mut body = json!({
        "model": model,
        "messages": req.messages,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
    });
    if let Some(seed) = req.seed {
        body["seed"] = json!(seed);
    }
    if !req.stop.is_empty() {
        body["stop"] = json!(req.stop);
    }
    body
}

/// Reads a chat-completions response; any missing piece is `Malformed` (and so retried).
pub fn parse_response(v: &Value, key: Option<&ApiKey>) -> Result<ChatResponse, ProviderError> {
    let malformed = |reason: &str| ProviderError::Malformed {
        reason: reason.to_string(),
        body: clean_body(&v.to_string(), key),
    };
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(|| malformed("no choices[0]"))?;
    let text = match choice.get("message").and_then(|m| m.get("content")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) => String::new(),
        _ => return Err(malformed("no choices[0].message.content")),
    };
    let finish_reason = choice
        .get("finish_reason")
        .and_then(Value::as_str)
        .unwrap_or("stop")
        .to_string();
    let usage = v.get("usage");
    let n = |k: &str| {
        usage
            .and_then(|u| u.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    Ok(ChatResponse {
        text,
        prompt_tokens: n("prompt_tokens"),
        completion_tokens: n("completion_tokens"),
        finish_reason,
    })
}

#[async_trait]
impl Provider for OpenAiProvider {
    fn name(&self) -> String {
        format!("openai:{}", self.model)
    }
    fn cache_identity(&self) -> String {
        format!("openai:{}@{}", self.model, self.base_url)
    }
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(k) = &self.key {
            let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", k.expose()))
                .map_err(|_| {
                ProviderError::Rejected("API key is not a valid header value".into())
            })?;
            v.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        let url = format!("{}/chat/completions", self.base_url);
        let v = post_json(
            &self.client,
            &url,
            headers,
            &request_body(&self.model, request),
            self.timeout,
            self.key.as_ref(),
        )
        .await?;
        parse_response(&v, self.key.as_ref())
    }
}
