//! `spi serve`: an OpenAI-compatible `/v1/chat/completions` endpoint over any provider, so mock
//! and local models can be driven by any OpenAI client (including our own HTTP provider and
//! Inspect). Non-streaming only; `temperature` defaults to 0 so answers are reproducible.
//!
//! The accept loop is ours, not `axum::serve`'s: a hostile test held 150 idle connections open
//! (past the file limit of 128) and locked a real request out, and slow-header connections stayed
//! open for minutes. Here a connection is accepted only while fewer than
//! [`ServeLimits::max_connections`] are open (the rest wait in the kernel's backlog, costing no
//! descriptor), must send its first byte and its headers within [`ServeLimits::header_timeout`],
//! and serves one request (no keep-alive, so an idle client cannot hold a slot). Every error,
//! 404, 405 and 413 included, has OpenAI's JSON error shape.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::dataset::describe_role;
use crate::error::ProviderError;
use crate::provider::{ChatMessage, ChatRequest, Provider, Role};

/// What one server lets its clients hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// Connections open at once; further clients wait to be accepted.
    pub max_connections: usize,
    /// From accepting a connection to the end of its request headers.
    pub header_timeout: Duration,
    /// The largest request body; larger ones get 413 before the body is read.
    pub max_body: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            max_connections: 64,
            header_timeout: Duration::from_secs(10),
            max_body: 4 << 20,
        }
    }
}

#[derive(Clone)]
struct AppState {
    provider: Arc<dyn Provider>,
    counter: Arc<AtomicU64>,
    max_body: usize,
}

/// The router (exposed for in-process tests).
pub fn router(provider: Arc<dyn Provider>) -> Router {
    router_with(provider, ServeLimits::default())
}

fn router_with(provider: Arc<dyn Provider>, limits: ServeLimits) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(AppState {
            provider,
            counter: Arc::new(AtomicU64::new(0)),
            max_body: limits.max_body,
        })
}

async fn not_found(uri: axum::http::Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found_error",
        format!(
            "no endpoint at {}: expected /v1/chat/completions or /v1/models",
            uri.path()
        ),
    )
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let allowed = if uri.path() == "/v1/models" {
        "GET"
    } else {
        "POST"
    };
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request_error",
        format!("{} does not take {method}: expected {allowed}", uri.path()),
    )
}

/// Serves until `shutdown` resolves, with the default [`ServeLimits`].
pub async fn serve(
    provider: Arc<dyn Provider>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(provider, listener, ServeLimits::default(), shutdown).await
}

/// Serves until `shutdown` resolves; connections in progress are dropped with the server.
pub async fn serve_with(
    provider: Arc<dyn Provider>,
    listener: tokio::net::TcpListener,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router_with(provider, limits);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A slot first, then accept: a full server leaves new clients in the backlog.
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return Ok(()),
            },
            () = &mut shutdown => return Ok(()),
        };
        let (stream, _) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                // Out of descriptors or a reset before accept: wait a moment and go on, as a
                // server must not die of one client.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let app = app.clone();
        tokio::spawn(async move {
            let _permit = permit;
            serve_connection(stream, app, limits.header_timeout).await;
        });
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, app: Router, header_timeout: Duration) {
    let started = tokio::time::Instant::now();
    // hyper's header timer starts with the first byte; a client that sends nothing is ours to end.
    let mut first = [0u8; 1];
    match tokio::time::timeout(header_timeout, stream.peek(&mut first)).await {
        Ok(Ok(n)) if n > 0 => {}
        _ => return,
    }
    let left = header_timeout.saturating_sub(started.elapsed());
    let service = hyper_util::service::TowerToHyperService::new(app);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(left.max(Duration::from_millis(1)))
        .keep_alive(false);
    let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    let _ = conn.await;
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
    match body.get("stream") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            return Err("`stream` to be false (streaming is not supported)".into());
        }
        Some(v) => return Err(format!("`stream` to be true or false, found {v}")),
    }
    let msgs = body
        .get("messages")
        .and_then(Value::as_array)
        .ok_or("a `messages` array")?;
    if msgs.is_empty() {
        return Err("`messages` to hold at least one message, found an empty list".into());
    }
    let mut messages = Vec::with_capacity(msgs.len());
    for (i, m) in msgs.iter().enumerate() {
        let role = match m.get("role").and_then(Value::as_str) {
            Some("system") | Some("developer") => Role::System,
            Some("user") | Some("tool") => Role::User,
            Some("assistant") => Role::Assistant,
            other => {
                return Err(format!(
                    "messages[{i}].role to be system, user or assistant, found {}",
                    describe_role(other)
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

async fn chat(State(st): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        if !ct
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("application/json")
        {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                format!("expected `Content-Type: application/json`, found {ct:?}"),
            );
        }
    }
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request_error",
            format!("expected a request body of at most {} bytes", st.max_body),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > st.max_body as u64) {
        return too_large();
    }
    let Ok(body) = axum::body::to_bytes(body, st.max_body).await else {
        return too_large();
    };
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
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server on a free port with tight limits; returns its address.
    async fn start(limits: ServeLimits) -> std::net::SocketAddr {
        let provider: Arc<dyn Provider> =
            Arc::new(crate::provider::mock::MockProvider::from_spec("echo").unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve_with(
            provider,
            listener,
            limits,
            std::future::pending(),
        ));
        addr
    }

    /// Sends raw bytes, reads until the server closes; returns (status line's code, body JSON).
    async fn raw(addr: std::net::SocketAddr, request: &str) -> (u16, Value) {
        let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
        c.write_all(request.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), c.read_to_end(&mut out))
            .await
            .expect("the server answers and closes")
            .unwrap();
        let text = String::from_utf8_lossy(&out);
        let code = text[9..12].parse().unwrap();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
        (code, serde_json::from_str(body).unwrap_or(Value::Null))
    }

    fn post(body: &str, content_type: &str) -> String {
        format!(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    }

    #[tokio::test]
    async fn every_error_has_the_openai_shape_and_names_what_is_wrong() {
        let addr = start(ServeLimits {
            max_body: 1000,
            ..ServeLimits::default()
        })
        .await;
        let ok = r#"{"model":"m","messages":[{"role":"user","content":"hi there"}]}"#;
        let (code, v) = raw(addr, &post(ok, "application/json")).await;
        assert_eq!(code, 200, "{v}");
        assert_eq!(v["choices"][0]["message"]["content"], "hi there");
        let cases = [
            ("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n".to_string(), 404, "/nowhere"),
            ("GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\n".into(), 405, "expected POST"),
            (post(ok, "text/plain"), 400, "Content-Type"),
            (post(r#"{"messages":[{"role":"user","content":"x"}],"stream":"true"}"#, "application/json"), 400, "`stream`"),
            (post(r#"{"messages":[{"role":"user","content":"x"}],"stream":1}"#, "application/json"), 400, "`stream`"),
            (post(r#"{"messages":[]}"#, "application/json"), 400, "`messages`"),
            (
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{".into(),
                413,
                "at most 1000 bytes",
            ),
        ];
        for (request, want, needle) in cases {
            let (code, v) = raw(addr, &request).await;
            assert_eq!(code, want, "{request:.60}: {v}");
            let message = v["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(needle), "{request:.60}: {v}");
            assert!(v["error"]["type"].is_string(), "{v}");
        }
    }

    #[tokio::test]
    async fn idle_and_slow_clients_cannot_hold_the_server() {
        let addr = start(ServeLimits {
            max_connections: 2,
            header_timeout: Duration::from_millis(300),
            ..ServeLimits::default()
        })
        .await;
        // Two idle clients fill every slot; one more sends half its headers and stalls.
        let mut idle = Vec::new();
        for _ in 0..2 {
            idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"POST /v1/chat/completions HTTP/1.1\r\nHost:")
            .await
            .unwrap();
        // A real request still gets through once the idle ones are timed out.
        let ok = r#"{"messages":[{"role":"user","content":"still served"}]}"#;
        let (code, v) = raw(addr, &post(ok, "application/json")).await;
        assert_eq!(code, 200, "{v}");
        // And the idle clients were closed by the server.
        for mut c in idle {
            let mut buf = Vec::new();
            let n = tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut buf))
                .await
                .expect("closed by the server")
                .unwrap();
            assert_eq!(n, 0);
        }
    }

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
