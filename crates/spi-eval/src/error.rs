//! The crate's one error enum, `EvalError`, and the provider-level `ProviderError`.
//!
//! Errors carry the context a user needs to fix the input (file, line, JSON path, model spec); a
//! sample that fails at run time is not an `EvalError` but a recorded per-sample outcome.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can stop a harness operation (loading, running, storing, reporting).
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A dataset line that is not a valid sample.
    #[error("{path}:{line}: expected {expected}")]
    Dataset {
        /// The JSONL file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What the line should have been, with what was found.
        expected: String,
    },
    /// A suite file that does not parse or names something missing.
    #[error("{path}: {message}")]
    Suite {
        /// The suite file.
        path: PathBuf,
        /// What is wrong, with the TOML location when there is one.
        message: String,
    },
    /// A file that could not be read or written.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A `provider:model` string that names no provider we have.
    #[error("model `{spec}`: expected {expected}")]
    ModelSpec {
        /// The spec as given.
        spec: String,
        /// What a valid spec looks like.
        expected: String,
    },
    /// The SQLite run store failed.
    #[error("run store {path}")]
    Store {
        /// The store file.
        path: PathBuf,
        /// The SQLite error.
        #[source]
        source: rusqlite::Error,
    },
    /// The run store holds data we cannot interpret (written by another version, edited by hand).
    #[error("run store {path}: {message}")]
    StoreFormat {
        /// The store file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// No run with that id (or no run at all) in the log directory.
    #[error("no run `{run}` in {path}")]
    RunNotFound {
        /// The id asked for.
        run: String,
        /// The store searched.
        path: PathBuf,
    },
    /// A prompt template that does not compile or render.
    #[error("template for dataset `{dataset}`: {message}")]
    Template {
        /// The dataset whose template failed.
        dataset: String,
        /// minijinja's message (with its line).
        message: String,
    },
    /// A provider that could not be set up (missing key, bad base URL).
    #[error("provider {provider}: {message}")]
    ProviderSetup {
        /// The provider spec.
        provider: String,
        /// What is missing.
        message: String,
    },
    /// Options that contradict each other or the suite.
    #[error("{0}")]
    Config(String),
    /// Two shards disagree about the same sample when merging.
    #[error("merge conflict: run {run}, sample {sample} epoch {epoch} differs between inputs")]
    MergeConflict {
        /// The run id.
        run: String,
        /// The sample key.
        sample: String,
        /// The epoch.
        epoch: u32,
    },
    /// The store stopped accepting records during a run; the run stopped.
    #[error(transparent)]
    StoreFailed(#[from] StoreFailure),
    /// `spi serve` could not bind or serve.
    #[error("serve on {addr}")]
    Serve {
        /// The address asked for.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// The writer thread failed: nothing more can be committed. Carries what was kept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "run store {path}: writing failed ({message}); {committed} sample(s) were committed before the failure and are kept"
)]
pub struct StoreFailure {
    /// The store file.
    pub path: PathBuf,
    /// The first error the writer met.
    pub message: String,
    /// Samples committed by this writer before it failed.
    pub committed: u64,
}

/// A failed model call. Kept as data (status, body, cause) so the retry policy can be a pure
/// function of it and so each sample's error is recorded with its cause.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ProviderError {
    /// The server answered with a non-success HTTP status.
    #[error("HTTP {status}: {body}")]
    Status {
        /// HTTP status code.
        status: u16,
        /// Response body, truncated and with any API key redacted.
        body: String,
        /// Parsed `Retry-After` (or `retry-after-ms`) header.
        retry_after: Option<Duration>,
    },
    /// The TCP/TLS connection could not be made or was reset before a response.
    #[error("connection failed: {0}")]
    Connect(String),
    /// No complete response within the per-request timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The response body ended early or the connection dropped while it was read.
    #[error("response body interrupted: {0}")]
    Body(String),
    /// A complete body that is not the JSON shape the API promises.
    #[error("malformed response ({reason}): {body}")]
    Malformed {
        /// What was missing or wrong.
        reason: String,
        /// The body, truncated and redacted.
        body: String,
    },
    /// A request the provider refuses for good (bad request, auth, unsupported); not retried.
    #[error("request rejected: {0}")]
    Rejected(String),
    /// The in-process local model failed.
    #[error("local model: {0}")]
    Local(String),
}

impl ProviderError {
    /// The `Retry-After` the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// True for a 429: the signal to lower concurrency.
    pub fn is_rate_limit(&self) -> bool {
        matches!(self, ProviderError::Status { status: 429, .. })
    }
}

/// Whether a failed call is worth repeating: rate limits, server errors, connection failures,
/// timeouts and broken bodies are transient; any other 4xx and rejected requests are not.
///
/// Pure so the policy can be tested exhaustively and read in one place.
pub fn should_retry(err: &ProviderError) -> bool {
    match err {
        ProviderError::Status { status, .. } => {
            *status == 429 || *status == 408 || (500..600).contains(status)
        }
        ProviderError::Connect(_) | ProviderError::Timeout(_) | ProviderError::Body(_) => true,
        ProviderError::Malformed { .. } => true,
        ProviderError::Rejected(_) | ProviderError::Local(_) => false,
    }
}

/// The message of a panicked task, for the sample's recorded error.
pub fn panic_text(e: tokio::task::JoinError) -> String {
    if e.is_cancelled() {
        return "cancelled".into();
    }
    match e.try_into_panic() {
        Ok(p) => panic_payload_text(p.as_ref()),
        Err(e) => e.to_string(),
    }
}

/// A panic payload as text (`&str` and `String` payloads; others are named as such).
pub fn panic_payload_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
