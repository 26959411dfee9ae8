//! A scripted OpenAI-compatible server on `127.0.0.1:0` for fault tests: rate limits with
//! `Retry-After`, server errors, hangs, malformed and truncated bodies, and connections dropped
//! mid-response. Written on raw TCP because a well-behaved HTTP framework cannot misbehave on cue.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A normal completion with this text.
    Text(String),
    /// 429 with `Retry-After: secs`.
    RateLimit(u64),
    /// This status with a JSON error body.
    Status(u16, String),
    /// Never answer (the client must time out).
    Hang,
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with JSON missing `choices`.
    NoChoices,
    /// Announce a longer body than is sent, then close.
    Truncated,
    /// Send the status line and half the headers, then close.
    Drop,
}

/// What the script sees of a request.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    /// 0-based arrival number.
    pub n: u64,
    /// How many earlier requests had the same last user message (0 on the first try).
    pub attempt: u32,
    /// The last user message.
    pub prompt: String,
    /// The parsed body.
    pub body: Value,
    /// The `Authorization` header as received (tests use it to echo keys back).
    pub authorization: Option<String>,
}

/// The script.
pub type Script = Arc<dyn Fn(&RequestInfo) -> Reply + Send + Sync>;

/// A running fake server.
pub struct FakeServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Requests received.
    pub requests: Arc<AtomicU64>,
    attempts: Arc<Mutex<HashMap<String, u32>>>,
}

impl FakeServer {
    /// Starts the server on the current tokio runtime; `latency` delays every answer.
    pub async fn start(script: Script, latency: Duration) -> std::io::Result<FakeServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(AtomicU64::new(0));
        let attempts = Arc::new(Mutex::new(HashMap::new()));
        let (rq, at) = (requests.clone(), attempts.clone());
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (script, rq, at) = (script.clone(), rq.clone(), at.clone());
                tokio::spawn(async move {
                    let _ = handle(sock, script, rq, at, latency).await;
                });
            }
        });
        Ok(FakeServer {
            addr,
            requests,
            attempts,
        })
    }

    /// The base URL to pass as `--base-url`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Requests seen per prompt.
    pub fn attempts(&self) -> HashMap<String, u32> {
        self.attempts.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

async fn handle(
    mut sock: TcpStream,
    script: Script,
    rq: Arc<AtomicU64>,
    at: Arc<Mutex<HashMap<String, u32>>>,
    latency: Duration,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        // Read one request head.
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let header = |name: &str| {
            head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        };
        let len: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body: Value =
            serde_json::from_slice(&buf[head_end..head_end + len]).unwrap_or(Value::Null);
        buf.drain(..head_end + len);
        let prompt = body
            .get("messages")
            .and_then(Value::as_array)
            .and_then(|ms| {
                ms.iter()
                    .rev()
                    .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            })
            .and_then(|m| m.get("content").and_then(Value::as_str))
            .unwrap_or("")
            .to_string();
        let attempt = {
            let mut m = at.lock().expect("attempts poisoned");
            let e = m.entry(prompt.clone()).or_insert(0);
            *e += 1;
            *e - 1
        };
        let info = RequestInfo {
            n: rq.fetch_add(1, Ordering::SeqCst),
            attempt,
            prompt,
            body,
            authorization: header("authorization"),
        };
        let reply = script(&info);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let send = |status: &str, extra: &str, body: &str| {
            format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra}\r\n{body}",
                body.len()
            )
        };
        match reply {
            Reply::Text(t) => {
                let words = t.split_whitespace().count();
                let b = json!({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 10, "completion_tokens": words, "total_tokens": 10 + words}});
                sock.write_all(send("200 OK", "", &b.to_string()).as_bytes())
                    .await?;
            }
            Reply::RateLimit(s) => {
                let b = json!({"error": {"message": "rate limited"}}).to_string();
                sock.write_all(
                    send(
                        "429 Too Many Requests",
                        &format!("retry-after: {s}\r\n"),
                        &b,
                    )
                    .as_bytes(),
                )
                .await?;
            }
            Reply::Status(code, msg) => {
                let b = json!({"error": {"message": msg}}).to_string();
                sock.write_all(send(&format!("{code} Error"), "", &b).as_bytes())
                    .await?;
            }
            Reply::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Ok(());
            }
            Reply::Malformed => {
                sock.write_all(send("200 OK", "", "<html>gateway hiccup</html>").as_bytes())
                    .await?
            }
            Reply::NoChoices => {
                sock.write_all(send("200 OK", "", "{\"object\": \"chat.completion\"}").as_bytes())
                    .await?
            }
            Reply::Truncated => {
                let b = "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"par";
                sock.write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{b}", b.len() + 100).as_bytes()).await?;
                sock.flush().await?;
                return Ok(());
            }
            Reply::Drop => {
                sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-ty").await?;
                sock.flush().await?;
                return Ok(());
            }
        }
    }
}
