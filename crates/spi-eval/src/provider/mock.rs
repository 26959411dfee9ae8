//! The scripted `mock:` provider for tests, benches and `spi serve` demos.
//!
//! Specs: `mock:echo` repeats the last user turn; `mock:const:TEXT` always answers TEXT;
//! `mock:script:PATH` answers by the first rule in a JSON file whose regex matches the last user
//! turn: `{"rules": [{"match": "REGEX", "reply": "TEMPLATE"}], "default": "TEMPLATE"}`, where a
//! template is minijinja over `prompt` (last user turn), `system` and `captures` (the match's
//! groups). Tokens are counted as whitespace-separated words.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;

use crate::error::{EvalError, ProviderError};
use crate::provider::{ChatRequest, ChatResponse, Provider, Role};

/// A scripted reply function for tests.
pub type ReplyFn = Arc<dyn Fn(&ChatRequest) -> Result<String, ProviderError> + Send + Sync>;

enum Behaviour {
    Echo,
    Const(String),
    Script {
        rules: Vec<(regex::Regex, String)>,
        default: Option<String>,
        env: Box<minijinja::Environment<'static>>,
    },
    Fn(ReplyFn),
}

/// A provider that answers from a script, with no network and no latency.
pub struct MockProvider {
    name: String,
    behaviour: Behaviour,
}

impl std::fmt::Debug for MockProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MockProvider({})", self.name)
    }
}

#[derive(Deserialize)]
struct ScriptFile {
    rules: Vec<ScriptRule>,
    #[serde(default)]
    default: Option<String>,
}

#[derive(Deserialize)]
struct ScriptRule {
    #[serde(rename = "match")]
    pattern: String,
    reply: String,
}

impl MockProvider {
    /// Builds a mock from the part of the spec after `mock:`.
    pub fn from_spec(spec: &str) -> Result<MockProvider, EvalError> {
        let name = format!("mock:{spec}");
        if spec == "echo" {
            return Ok(MockProvider {
                name,
                behaviour: Behaviour::Echo,
            });
        }
        if let Some(text) = spec.strip_prefix("const:") {
            return Ok(MockProvider {
                name,
                behaviour: Behaviour::Const(text.replace("\\n", "\n")),
            });
        }
        if let Some(path) = spec.strip_prefix("script:") {
            let p = std::path::Path::new(path);
            let text = std::fs::read_to_string(p).map_err(|source| EvalError::Io {
                path: p.to_path_buf(),
                source,
            })?;
            let file: ScriptFile = serde_json::from_str(&text).map_err(|e| EvalError::Suite {
                path: p.to_path_buf(),
                message: format!("expected a mock script {{\"rules\": [...]}}: {e}"),
            })?;
            let mut rules = Vec::new();
            for (i, r) in file.rules.into_iter().enumerate() {
                let re = regex::Regex::new(&r.pattern).map_err(|e| EvalError::Suite {
                    path: p.to_path_buf(),
                    message: format!("rules[{i}].match: {e}"),
                })?;
                rules.push((re, r.reply));
            }
            let mut env = minijinja::Environment::new();
            env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
            return Ok(MockProvider {
                name,
                behaviour: Behaviour::Script {
                    rules,
                    default: file.default,
                    env: Box::new(env),
                },
            });
        }
        Err(EvalError::ModelSpec {
            spec: name,
            expected: "mock:echo, mock:const:TEXT or mock:script:PATH".into(),
        })
    }

    /// A mock whose replies come from a closure (tests).
    pub fn from_fn(name: &str, f: ReplyFn) -> MockProvider {
        MockProvider {
            name: format!("mock:{name}"),
            behaviour: Behaviour::Fn(f),
        }
    }

    fn reply(&self, req: &ChatRequest) -> Result<String, ProviderError> {
        let last_user = req
            .messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(|m| m.content.as_str())
            .unwrap_or("");
        match &self.behaviour {
            Behaviour::Echo => Ok(last_user.to_string()),
            Behaviour::Const(t) => Ok(t.clone()),
            Behaviour::Fn(f) => f(req),
            Behaviour::Script {
                rules,
                default,
                env,
            } => {
                let system = req
                    .messages
                    .iter()
                    .find(|m| m.role == Role::System)
                    .map(|m| m.content.as_str())
                    .unwrap_or("");
                for (re, reply) in rules {
                    if let Some(caps) = re.captures(last_user) {
                        let captures: Vec<String> = caps
                            .iter()
                            .map(|c| c.map(|m| m.as_str().to_string()).unwrap_or_default())
                            .collect();
                        return env
                            .render_str(reply, minijinja::context! { prompt => last_user, system => system, captures => captures })
                            .map_err(|e| ProviderError::Rejected(format!("mock script: {e}")));
                    }
                }
                match default {
                    Some(d) => env
                        .render_str(d, minijinja::context! { prompt => last_user, system => system, captures => Vec::<String>::new() })
                        .map_err(|e| ProviderError::Rejected(format!("mock script: {e}"))),
                    None => Err(ProviderError::Rejected("mock script: no rule matches".into())),
                }
            }
        }
    }
}

/// Counts whitespace-separated words, the mock's stand-in for tokens.
pub fn word_count(s: &str) -> u64 {
    s.split_whitespace().count() as u64
}

#[async_trait]
impl Provider for MockProvider {
    fn name(&self) -> String {
        self.name.clone()
    }
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let mut text = self.reply(request)?;
        let mut finish = "stop";
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.len() as u64 > request.max_tokens as u64 {
            text = words[..request.max_tokens as usize].join(" ");
            finish = "length";
        }
        Ok(ChatResponse {
            prompt_tokens: request
                .messages
                .iter()
                .map(|m| word_count(&m.content))
                .sum(),
            completion_tokens: word_count(&text),
            text,
            finish_reason: finish.to_string(),
        })
    }
}
