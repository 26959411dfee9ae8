//! The OpenAI-compatible chat-completions provider (`openai:MODEL`, any server via `--base-url`:
//! OpenAI, vLLM, llama.cpp server, Ollama, `spi serve`).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::error::{EvalError, ProviderError};
use crate::provider::http::{Endpoint, malformed, usage_count};
use crate::provider::{ApiKey, ChatRequest, ChatResponse, Provider};

/// Default endpoint when no `--base-url` is given.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// A chat-completions endpoint.
#[derive(Debug)]
pub struct OpenAiProvider {
    model: String,
    endpoint: Endpoint,
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
        let provider = format!("openai:{model}");
        if base_url.is_none() && key.is_none() {
            return Err(EvalError::ProviderSetup {
                provider,
                message: "set OPENAI_API_KEY (or pass --base-url for a server that needs no key)"
                    .into(),
            });
        }
        Ok(OpenAiProvider {
            model: model.to_string(),
            endpoint: Endpoint::new(&provider, base_url, DEFAULT_BASE_URL, key, timeout)?,
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
    let malformed = |reason: &str| malformed(v, key, reason);
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
    // A server that echoes the key in a successful reply must not put it in the store, the
    // cache and every export: successful text is scrubbed like error bodies are.
    let text = match key {
        Some(k) => k.redact(&text),
        None => text,
    };
    Ok(ChatResponse {
        text,
        prompt_tokens: usage_count(v, "prompt_tokens"),
        completion_tokens: usage_count(v, "completion_tokens"),
        finish_reason,
    })
}

#[async_trait]
impl Provider for OpenAiProvider {
    fn name(&self) -> String {
        format!("openai:{}", self.model)
    }
    fn cache_identity(&self) -> String {
        format!("openai:{}@{}", self.model, self.endpoint.base_url)
    }
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(v) = self.endpoint.key_header("Bearer ")? {
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        let body = request_body(&self.model, request);
        let v = self
            .endpoint
            .post("/chat/completions", headers, &body)
            .await?;
        parse_response(&v, self.endpoint.key.as_ref())
    }
}
