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
    let max_tokens = body
        .get("max_completion_tokens")
        .or(body.get("max_tokens"))
        .and_then(Value::as_u64)
        .unwrap_or(512)
        .min(u32::MAX as u64) as u32;
    let temperature = body
        .get("temperature")
        .and_then(Value::as_f64)
        .unwrap_or(0.0) as f32;
    let stop = match body.get("stop") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    };
    Ok(ChatRequest {
        messages,
        max_tokens,
        temperature,
        seed: body.get("seed").and_then(Value::as_u64),
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
