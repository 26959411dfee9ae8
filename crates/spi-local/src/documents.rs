//! The versioned JSON documents of `spi model`: `model-list/1` (the cache, each file hashed) and
//! `model-chat/1` (one generation with its speed). Built here, beside the types they show.

use std::path::Path;

use serde_json::{Value, json};

use crate::Completion;
use crate::fetch::CachedModel;
use crate::model::GenerationStats;

/// `model-list/1`: every known model in `cache_dir`, with its digest and whether it is the pinned
/// one.
pub fn model_list_document(cache_dir: &Path, models: &[CachedModel]) -> Value {
    let rows: Vec<Value> = models
        .iter()
        .map(|m| {
            json!({
                "name": m.spec.name,
                "path": m.path.display().to_string(),
                "size": m.size,
                "sha256": m.sha256,
                "verified": m.verified,
            })
        })
        .collect();
    json!({"schema": "model-list/1", "cache_dir": cache_dir.display().to_string(), "models": rows})
}

/// `model-chat/1`: a completion of `model` with its token counts and speed on `threads` threads.
pub fn model_chat_document(
    model: &str,
    out: &Completion,
    threads: usize,
    stats: &GenerationStats,
) -> Value {
    json!({
        "schema": "model-chat/1",
        "model": model,
        "text": out.text,
        "prompt_tokens": out.prompt_tokens,
        "completion_tokens": out.completion_tokens,
        "finish_reason": out.finish_reason,
        "threads": threads,
        "prefill_ms": stats.prefill.as_secs_f64() * 1e3,
        "decode_tokens_per_second": stats.decode_tokens_per_second(),
    })
}
