//! The Anthropic Messages provider (`anthropic:MODEL`).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::error::{EvalError, ProviderError};
use crate::provider::http::{clean_body, post_json};
use crate::provider::{ApiKey, ChatRequest, ChatResponse, Provider, Role};

/// Default endpoint when no `--base-url` is given.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// The Messages API.
#[derive(Debug)]
pub struct AnthropicProvider {
    model: String,
    base_url: String,
    key: ApiKey,
    client: reqwest::Client,
    timeout: Duration,
}

impl AnthropicProvider {
    /// A provider for `model`; the key is required.
    pub fn new(
        model: &str,
        base_url: Option<String>,
        key: Option<ApiKey>,
        timeout: Duration,
    ) -> Result<Self, EvalError> {
        let key = key.ok_or_else(|| EvalError::ProviderSetup {
            provider: format!("anthropic:{model}"),
            message: "set ANTHROPIC_API_KEY".into(),
        })?;
        let base_url = base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string())
            .trim_end_matches('/')
            .to_string();
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| EvalError::ProviderSetup {
                provider: format!("anthropic:{model}"),
                message: e.to_string(),
            })?;
        Ok(AnthropicProvider {
            model: model.to_string(),
            base_url,
            key,
            client,
            timeout,
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
    let malformed = |reason: &str| ProviderError::Malformed {
        reason: reason.to_string(),
        body: clean_body(&v.to_string(), key),
    };
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
    let usage = v.get("usage");
    let n = |k: &str| {
        usage
            .and_then(|u| u.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    Ok(ChatResponse {
        text,
        prompt_tokens: n("input_tokens"),
        completion_tokens: n("output_tokens"),
        finish_reason,
    })
}

#[async_trait]
impl Provider for AnthropicProvider {
    fn name(&self) -> String {
        format!("anthropic:{}", self.model)
    }
    fn cache_identity(&self) -> String {
        format!("anthropic:{}@{}", self.model, self.base_url)
    }
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let mut headers = reqwest::header::HeaderMap::new();
        let mut v = reqwest::header::HeaderValue::from_str(self.key.expose())
            .map_err(|_| ProviderError::Rejected("API key is not a valid header value".into()))?;
        v.set_sensitive(true);
        headers.insert("x-api-key", v);
        headers.insert(
            "anthropic-version",
            reqwest::header::HeaderValue::from_static("2023-06-01"),
        );
        let url = format!("{}/v1/messages", self.base_url);
        let v = post_json(
            &self.client,
            &url,
            headers,
            &request_body(&self.model, request),
            self.timeout,
            Some(&self.key),
        )
        .await?;
        parse_response(&v, Some(&self.key))
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
