//! Model providers: the `Provider` trait, the chat types every provider speaks, model specs
//! (`provider:model`) and the secret type API keys live in.
//!
//! Providers do one request and report what happened; retries, rate limiting, caching and cost
//! accounting live in [`crate::client`], so every provider gets the same policy.

pub mod anthropic;
pub mod http;
#[cfg(feature = "local")]
pub mod local;
pub mod mock;
pub mod openai;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::{EvalError, ProviderError};

/// Who speaks a chat turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions that frame the conversation.
    System,
    /// The evaluator (or a tool result fed back to the model).
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// The wire name (`"system"`, `"user"`, `"assistant"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One chat turn.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Speaker.
    pub role: Role,
    /// Text.
    pub content: String,
}

impl ChatMessage {
    /// A system turn.
    pub fn system(s: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::System,
            content: s.into(),
        }
    }
    /// A user turn.
    pub fn user(s: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::User,
            content: s.into(),
        }
    }
    /// An assistant turn.
    pub fn assistant(s: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::Assistant,
            content: s.into(),
        }
    }
}

/// A complete generation request; its canonical JSON is the response-cache key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// Generation cap.
    pub max_tokens: u32,
    /// Sampling temperature; 0 means greedy.
    pub temperature: f32,
    /// Sampling seed, passed to providers that accept one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
}

/// What a provider returned for one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The generated text.
    pub text: String,
    /// Prompt tokens billed.
    pub prompt_tokens: u64,
    /// Completion tokens billed.
    pub completion_tokens: u64,
    /// `stop`, `length`, or the provider's own word.
    pub finish_reason: String,
}

/// USD per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Per million prompt tokens.
    pub input_per_mtok: f64,
    /// Per million completion tokens.
    pub output_per_mtok: f64,
}

impl Price {
    /// Cost of one response.
    pub fn cost(&self, r: &ChatResponse) -> f64 {
        (r.prompt_tokens as f64 * self.input_per_mtok
            + r.completion_tokens as f64 * self.output_per_mtok)
            / 1e6
    }

    /// List prices for models we know; unknown models cost 0 unless `--price` says otherwise.
    pub fn known(spec: &ModelSpec) -> Price {
        let p = |i, o| Price {
            input_per_mtok: i,
            output_per_mtok: o,
        };
        match (spec.provider.as_str(), spec.model.as_str()) {
            ("openai", m) if m.starts_with("gpt-4o-mini") => p(0.15, 0.6),
            ("openai", m) if m.starts_with("gpt-4o") => p(2.5, 10.0),
            ("openai", m) if m.starts_with("gpt-4.1-mini") => p(0.4, 1.6),
            ("openai", m) if m.starts_with("gpt-4.1") => p(2.0, 8.0),
            ("anthropic", m) if m.contains("haiku") => p(0.8, 4.0),
            ("anthropic", m) if m.contains("sonnet") => p(3.0, 15.0),
            ("anthropic", m) if m.contains("opus") => p(15.0, 75.0),
            _ => Price::default(),
        }
    }
}

/// A model that answers chat requests. One call, no retries: see [`crate::client::ModelClient`].
#[async_trait]
pub trait Provider: Send + Sync {
    /// The `provider:model` name, used in logs and reports.
    fn name(&self) -> String;
    /// Everything besides the request that changes the answer (name, endpoint), for cache keys.
    fn cache_identity(&self) -> String {
        self.name()
    }
    /// Sends one request.
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError>;
}

/// A parsed `provider:model` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec {
    /// `openai`, `anthropic`, `local` or `mock`.
    pub provider: String,
    /// Everything after the first colon.
    pub model: String,
}

impl ModelSpec {
    /// Parses `provider:model`.
    pub fn parse(spec: &str) -> Result<ModelSpec, EvalError> {
        let bad = || {
            EvalError::ModelSpec {
            spec: spec.to_string(),
            expected: "provider:model with provider one of openai, anthropic, local, mock (e.g. openai:gpt-4o, mock:echo)".into(),
        }
        };
        let (p, m) = spec.split_once(':').ok_or_else(bad)?;
        if m.is_empty() || !matches!(p, "openai" | "anthropic" | "local" | "mock") {
            return Err(bad());
        }
        Ok(ModelSpec {
            provider: p.to_string(),
            model: m.to_string(),
        })
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.provider, self.model)
    }
}

/// An API key. Its `Debug` prints `[REDACTED]` and it has no `Display`, so it cannot reach a log
/// by formatting; [`ApiKey::redact`] scrubs it from server bodies that echo it back.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps a key read from the environment.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(SecretString::from(key.into()))
    }
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
    /// Replaces every occurrence of the key in `text`.
    pub fn redact(&self, text: &str) -> String {
        let k = self.expose();
        if k.len() < 4 {
            text.to_string()
        } else {
            text.replace(k, "[REDACTED]")
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

/// What building a provider may need from outside the crate; the CLI fills it from the
/// environment and flags, so this crate never reads environment variables itself.
#[derive(Debug, Clone, Default)]
pub struct ProviderEnv {
    /// `OPENAI_API_KEY`.
    pub openai_key: Option<ApiKey>,
    /// `ANTHROPIC_API_KEY`.
    pub anthropic_key: Option<ApiKey>,
    /// `--base-url` for the openai/anthropic providers.
    pub base_url: Option<String>,
    /// Per-request timeout.
    pub timeout: Option<std::time::Duration>,
    /// Builds `local:` providers (set by the CLI when the local model crate is linked).
    pub local: Option<Arc<dyn LocalFactory>>,
}

/// Creates in-process model providers (`local:NAME`).
pub trait LocalFactory: Send + Sync + fmt::Debug {
    /// Loads the named model.
    fn load(&self, name: &str) -> Result<Arc<dyn Provider>, EvalError>;
}

/// Builds the provider a spec names.
pub fn build_provider(spec: &ModelSpec, env: &ProviderEnv) -> Result<Arc<dyn Provider>, EvalError> {
    let timeout = env.timeout.unwrap_or(std::time::Duration::from_secs(120));
    match spec.provider.as_str() {
        "mock" => Ok(Arc::new(mock::MockProvider::from_spec(&spec.model)?)),
        "openai" => Ok(Arc::new(openai::OpenAiProvider::new(
            &spec.model,
            env.base_url.clone(),
            env.openai_key.clone(),
            timeout,
        )?)),
        "anthropic" => Ok(Arc::new(anthropic::AnthropicProvider::new(
            &spec.model,
            env.base_url.clone(),
            env.anthropic_key.clone(),
            timeout,
        )?)),
        "local" => match &env.local {
            Some(f) => f.load(&spec.model),
            None => Err(EvalError::ProviderSetup {
                provider: spec.to_string(),
                message: "this build has no local model support".into(),
            }),
        },
        _ => Err(EvalError::ModelSpec {
            spec: spec.to_string(),
            expected: "a known provider".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_never_formats() {
        let k = ApiKey::new("sk-very-secret-123");
        assert_eq!(format!("{k:?}"), "ApiKey([REDACTED])");
        let env = ProviderEnv {
            openai_key: Some(k.clone()),
            ..Default::default()
        };
        assert!(!format!("{env:?}").contains("very-secret"));
        assert_eq!(
            k.redact("auth sk-very-secret-123 echoed"),
            "auth [REDACTED] echoed"
        );
    }

    #[test]
    fn model_specs() {
        assert_eq!(ModelSpec::parse("openai:gpt-4o").unwrap().model, "gpt-4o");
        assert_eq!(
            ModelSpec::parse("mock:const:ANSWER: A").unwrap().model,
            "const:ANSWER: A"
        );
        assert!(ModelSpec::parse("gpt-4o").is_err());
        assert!(ModelSpec::parse("foo:bar").is_err());
    }
}
