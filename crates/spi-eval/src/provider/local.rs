//! The `local:` provider: a GGUF model run in-process by `spi-local` (default SmolLM2-135M).
//!
//! The model runs on its own thread behind `spi_local::ModelServer`, which decodes concurrent
//! requests together (continuous batching: a request that arrives joins the running batch at the
//! next forward pass). Each request waits for its reply on tokio's blocking pool, so the async
//! runner never blocks on inference and `--max-connections N` means N sequences per forward pass.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{EvalError, ProviderError};
use crate::provider::{ChatRequest, ChatResponse, LocalFactory, Provider};

/// One loaded local model.
pub struct LocalProvider {
    name: String,
    model: Arc<spi_local::ModelServer>,
}

impl std::fmt::Debug for LocalProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalProvider({})", self.name)
    }
}

#[async_trait]
impl Provider for LocalProvider {
    fn name(&self) -> String {
        self.name.clone()
    }
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let messages: Vec<spi_local::ChatMessage> = request
            .messages
            .iter()
            .map(|m| spi_local::ChatMessage {
                role: m.role.as_str().to_string(),
                content: m.content.clone(),
            })
            .collect();
        let params = spi_local::GenerationParams {
            max_tokens: request.max_tokens,
            temperature: request.temperature,
            seed: request.seed.unwrap_or(0),
            stop: request.stop.clone(),
        };
        let model = self.model.clone();
        let c = tokio::task::spawn_blocking(move || {
            model
                .chat(&messages, &params)
                .map_err(|e| ProviderError::Local(e.to_string()))
        })
        .await
        .map_err(|e| ProviderError::Local(format!("inference task failed: {e}")))??;
        Ok(ChatResponse {
            text: c.text,
            prompt_tokens: c.prompt_tokens as u64,
            completion_tokens: c.completion_tokens as u64,
            finish_reason: c.finish_reason,
        })
    }
}

/// Loads local models from a cache directory (filled by `spi model fetch`).
#[derive(Debug, Clone)]
pub struct LocalModels {
    /// Where `spi model fetch` put the GGUF files.
    pub cache_dir: PathBuf,
    /// Kernel threads to require (see `spi_local::LocalModel::load`).
    pub threads: Option<usize>,
}

/// Splits `NAME[:q8]`: the suffix asks for the 4- and 5-bit matrices re-quantized to Q8_0 at
/// load (candle has AVX kernels for Q8_0 only; about 1.3x faster decoding and 2x faster prompt
/// processing on SmolLM2, at a small rounding difference from the file's weights).
fn weights_for(spec: &str) -> Result<(&str, spi_local::WeightFormat), String> {
    match spec.split_once(':') {
        None => Ok((spec, spi_local::WeightFormat::AsStored)),
        Some((name, "q8")) => Ok((name, spi_local::WeightFormat::Q8_0)),
        Some((_, other)) => Err(format!(
            "unknown weight option `{other}`: expected `local:NAME` or `local:NAME:q8`"
        )),
    }
}

impl LocalFactory for LocalModels {
    fn load(&self, spec: &str) -> Result<Arc<dyn Provider>, EvalError> {
        let setup = |message: String| EvalError::ProviderSetup {
            provider: format!("local:{spec}"),
            message,
        };
        let (name, weights) = weights_for(spec).map_err(setup)?;
        let path = spi_local::resolve_model(name, &self.cache_dir)
            // spi-local's own message says what to do (fetch a known model, or which ones exist).
            .map_err(|e| setup(e.to_string()))?;
        let opts = spi_local::LoadOptions {
            threads: self.threads,
            weights,
        };
        let model = spi_local::LocalModel::load_with(&path, &opts)
            .map_err(|e| setup(format!("{}: {e}", path.display())))?;
        let model = spi_local::ModelServer::start(model, spi_local::BatchOptions::default())
            .map_err(|e| setup(e.to_string()))?;
        Ok(Arc::new(LocalProvider {
            // The name (and so the response cache's key) keeps the suffix: the two weight
            // formats can answer differently.
            name: format!("local:{spec}"),
            model: Arc::new(model),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_suffix() {
        assert!(matches!(
            weights_for("smollm2"),
            Ok(("smollm2", spi_local::WeightFormat::AsStored))
        ));
        assert!(matches!(
            weights_for("smollm2:q8"),
            Ok(("smollm2", spi_local::WeightFormat::Q8_0))
        ));
        let e = weights_for("smollm2:q4").unwrap_err();
        assert!(e.contains("`q4`") && e.contains("local:NAME:q8"), "{e}");
    }
}
