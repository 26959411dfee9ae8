//! `spi serve`: an OpenAI-compatible `/v1/chat/completions` endpoint over any provider, so mock
//! and local models can be driven by any OpenAI client (including our own HTTP provider and
//! Inspect). Non-streaming only; `temperature` defaults to 0 so answers are reproducible.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::error::ProviderError;
use crate::provider::{ChatMessage, ChatRequest, Provider, Role};

#[derive(Clone)]
struct AppState {
    provider: Arc<dyn Provider>,
    counter: Arc<AtomicU64>,
}

/// The router (exposed for in-process tests).
pub fn router(provider: Arc<dyn Provider>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .with_state(AppState {
            provider,
            counter: Arc::new(AtomicU64::new(0)),
        })
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    provider: Arc<dyn Provider>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(provider))
        .with_graceful_shutdown(shutdown)
        .await
}

fn error(status: StatusCode, kind: &str, message: String) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": kind}})),
    )
        .into_response()
}

/// Reads an OpenAI chat request into ours; the error completes "expected ...".
pub fn parse_request(body: &Value) -> Result<ChatRequest, String> {
    if body.get("stream").and_then(Value::as_bool) == Some(true) {
        return Err("`stream` to be false (streaming is not supported)".into());
    }
    let msgs = body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("a `messages` array")?;
    let mut messages = Vec::with_capacity(msgs.len());
    for (i, m) in msgs.iter().enumerate() {
        let role = match m.get("role").and_then(Value::as_str) {
            Some("system") | Some("developer") => Role::System,
            Some("user") | Some("tool") => Role::User,
            Some("assistant") => Role::Assistant,
            other => {
                return Err(format!(
                    "messages[{i}].role to be system, user or assistant, found {other:?}"
                ));
            }
        };
        let content = match m.get("content") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(""),
            Some(Value::Null) | None => String::new(),
            Some(_) => {
                return Err(format!(
                    "messages[{i}].content to be a string or a list of text parts"
                ));
            }
        };
        messages.push(ChatMessage { role, content });
    }
    // A field that is present but malformed is refused, never silently replaced by a default:
    // the caller would otherwise get an answer to a request it did not make.
    let present = |k: &str| body.get(k).filter(|v| !v.is_null());
    let (tokens_field, tokens) = match present("max_completion_tokens") {
        Some(v) => ("max_completion_tokens", Some(v)),
        None => ("max_tokens", present("max_tokens")),
    };
    let max_tokens = match tokens {
        None => 512,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => n.min(u64::from(u32::MAX)) as u32,
            _ => return Err(format!("`{tokens_field}` to be an integer >= 1, found {v}")),
        },
    };
    let temperature = match present("temperature") {
        None => 0.0,
        Some(v) => match v.as_f64() {
            Some(t) if (0.0..=2.0).contains(&t) => t as f32,
            _ => {
                return Err(format!(
                    "`temperature` to be a number from 0 to 2, found {v}"
                ));
            }
        },
    };
    let seed = match present("seed") {
        None => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| format!("`seed` to be a non-negative integer, found {v}"))?,
        ),
    };
    let bad_stop = |v: &Value| format!("`stop` to be a string or a list of strings, found {v}");
    let stop = match present("stop") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(v @ Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(String::from))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad_stop(v))?,
        Some(v) => return Err(bad_stop(v)),
    };
    Ok(ChatRequest {
        messages,
        max_tokens,
        temperature,
        seed,
        stop,
    })
}

async fn chat(State(st): State<AppState>, body: axum::body::Bytes) -> Response {
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                format!("expected a JSON body: {e}"),
            );
        }
    };
    let req = match parse_request(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                format!("expected {e}"),
            );
        }
    };
    match st.provider.chat(&req).await {
        Ok(r) => {
            let n = st.counter.fetch_add(1, Ordering::Relaxed);
            let created = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            Json(json!({
                "id": format!("chatcmpl-spi-{n}"),
                "object": "chat.completion",
                "created": created,
                "model": body.get("model").cloned().unwrap_or(json!(st.provider.name())),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": r.text}, "finish_reason": r.finish_reason}],
                "usage": {"prompt_tokens": r.prompt_tokens, "completion_tokens": r.completion_tokens, "total_tokens": r.prompt_tokens + r.completion_tokens},
            }))
            .into_response()
        }
        Err(ProviderError::Status { status, body, .. }) => error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
            "upstream_error",
            body,
        ),
        Err(e) => error(StatusCode::BAD_GATEWAY, "upstream_error", e.to_string()),
    }
}

async fn models(State(st): State<AppState>) -> Json<Value> {
    Json(
        json!({"object": "list", "data": [{"id": st.provider.name(), "object": "model", "owned_by": "spi"}]}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(extra: Value) -> Value {
        let mut body = json!({"model": "m", "messages": [{"role": "user", "content": "hi"}]});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    }

    #[test]
    fn defaults_and_explicit_fields() {
        let r = parse_request(&with(json!({}))).unwrap();
        assert_eq!((r.max_tokens, r.temperature, r.seed), (512, 0.0, None));
        assert!(r.stop.is_empty());
        let r = parse_request(&with(json!({
            "max_tokens": 7, "temperature": 0.5, "seed": 3, "stop": ["a", "b"], "max_completion_tokens": null
        })))
        .unwrap();
        assert_eq!((r.max_tokens, r.temperature, r.seed), (7, 0.5, Some(3)));
        assert_eq!(r.stop, ["a", "b"]);
        // The newer field wins over the older one.
        let r = parse_request(&with(json!({"max_tokens": 7, "max_completion_tokens": 9}))).unwrap();
        assert_eq!(r.max_tokens, 9);
    }

    #[test]
    fn malformed_fields_are_refused_by_name() {
        for (extra, field) in [
            (json!({"max_tokens": -3}), "`max_tokens`"),
            (json!({"max_tokens": 0}), "`max_tokens`"),
            (json!({"max_tokens": "12"}), "`max_tokens`"),
            (
                json!({"max_completion_tokens": 1.5}),
                "`max_completion_tokens`",
            ),
            (json!({"temperature": 5}), "`temperature`"),
            (json!({"temperature": "hot"}), "`temperature`"),
            (json!({"seed": -1}), "`seed`"),
            (json!({"stop": [1]}), "`stop`"),
            (json!({"stop": 3}), "`stop`"),
        ] {
            let e = parse_request(&with(extra.clone())).unwrap_err();
            assert!(e.starts_with(field), "{extra}: {e}");
        }
        let e =
            parse_request(&json!({"messages": [{"role": "robot", "content": "x"}]})).unwrap_err();
        assert!(e.starts_with("messages[0].role"), "{e}");
    }
}
