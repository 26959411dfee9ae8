//! The Anthropic Messages provider (`anthropic:MODEL`).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::error::{EvalError, ProviderError};
use crate::provider::http::{Endpoint, malformed, usage_count};
use crate::provider::{ApiKey, ChatRequest, ChatResponse, Provider, Role};

/// Default endpoint when no `--base-url` is given.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// The Messages API.
#[derive(Debug)]
pub struct AnthropicProvider {
    model: String,
    endpoint: Endpoint,
}

impl AnthropicProvider {
    /// A provider for `model`; the key is required.
    pub fn new(
        model: &str,
        base_url: Option<String>,
        key: Option<ApiKey>,
        timeout: Duration,
    ) -> Result<Self, EvalError> {
        let provider = format!("anthropic:{model}");
        if key.is_none() {
            return Err(EvalError::ProviderSetup {
                provider,
                message: "set ANTHROPIC_API_KEY".into(),
            });
        }
        Ok(AnthropicProvider {
            model: model.to_string(),
            endpoint: Endpoint::new(&provider, base_url, DEFAULT_BASE_URL, key, timeout)?,
        })
    }
}

/// The request body: system turns go to the top-level `system` field, the API's rule.
pub fn request_body(model: &str, req: &ChatRequest) -> Value {
    let system: Vec<&str> = req
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| m.content.as_str())
        .collect();
    let messages: Vec<Value> = req
        .messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(|m| json!({"role": m.role.as_str(), "content": m.content}))
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": req.max_tokens,
        "temperature": req.temperature,
        "messages": messages,
    });
    if !system.is_empty() {
        body["system"] = json!(system.join("\n\n"));
    }
    if !req.stop.is_empty() {
        body["stop_sequences"] = json!(req.stop);
    }
    body
}

/// Reads a Messages response.
pub fn parse_response(v: &Value, key: Option<&ApiKey>) -> Result<ChatResponse, ProviderError> {
    let malformed = |reason: &str| malformed(v, key, reason);
    let content = v
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no content array"))?;
    let text: String = content
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    let finish_reason = match v.get("stop_reason").and_then(Value::as_str) {
        Some("max_tokens") => "length".to_string(),
        Some("end_turn") | Some("stop_sequence") | None => "stop".to_string(),
        Some(other) => other.to_string(),
    };
    // A server that echoes the key in a successful reply must not put it in the store, the
    // cache and every export: successful text is scrubbed like error bodies are.
    let text = match key {
        Some(k) => k.redact(&text),
        None => text,
    };
    Ok(ChatResponse {
        text,
        prompt_tokens: usage_count(v, "input_tokens"),
        completion_tokens: usage_count(v, "output_tokens"),
        finish_reason,
    })
}

#[async_trait]
impl Provider for AnthropicProvider {
    fn name(&self) -> String {
        format!("anthropic:{}", self.model)
    }
    fn cache_identity(&self) -> String {
        format!("anthropic:{}@{}", self.model, self.endpoint.base_url)
    }
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(v) = self.endpoint.key_header("")? {
            headers.insert("x-api-key", v);
        }
        headers.insert(
            "anthropic-version",
            reqwest::header::HeaderValue::from_static("2023-06-01"),
        );
        let body = request_body(&self.model, request);
        let v = self.endpoint.post("/v1/messages", headers, &body).await?;
        parse_response(&v, self.endpoint.key.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ChatMessage;

    #[test]
    fn system_goes_to_top_level_and_stop_reason_maps() {
        let req = ChatRequest {
            messages: vec![ChatMessage::system("be brief"), ChatMessage::user("hi")],
            max_tokens: 5,
            temperature: 0.0,
            seed: None,
            stop: vec![],
        };
        let b = request_body("claude-x", &req);
        assert_eq!(b["system"], "be brief");
        assert_eq!(b["messages"].as_array().unwrap().len(), 1);
        let r = parse_response(
            &json!({"content":[{"type":"text","text":"hello"}],"stop_reason":"max_tokens","usage":{"input_tokens":3,"output_tokens":5}}),
            None,
        )
        .unwrap();
        assert_eq!(
            (
                r.text.as_str(),
                r.finish_reason.as_str(),
                r.prompt_tokens,
                r.completion_tokens
            ),
            ("hello", "length", 3, 5)
        );
        assert!(matches!(
            parse_response(&json!({"x":1}), None),
            Err(ProviderError::Malformed { .. })
        ));
    }
}
