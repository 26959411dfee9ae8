//! [`LocalModel`]: a loaded GGUF Llama-architecture model with its tokenizer and chat template,
//! and the generation loop (prompt prefill, KV-cached decoding, greedy or seeded sampling, stop
//! strings and end-of-generation tokens).

use std::io::{Cursor, Seek};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use candle_core::quantized::gguf_file::{self, Content};
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use candle_transformers::models::quantized_llama::ModelWeights;

use crate::template::ChatTemplate;
use crate::tokenizer::GgufTokenizer;
use crate::{ChatMessage, Completion, GenerationParams, LocalError};

/// How the weights are held in memory after loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightFormat {
    /// Exactly as stored in the file (Q4_1 for the default model).
    #[default]
    AsStored,
    /// Q4_0/Q4_1/Q5_0/Q5_1 matrices re-quantized to Q8_0 at load time: candle 0.11 has an AVX
    /// kernel for Q8_0 but not for Q4_1. Costs about twice the memory for those matrices and a
    /// small rounding difference (each Q4_1 value is re-rounded to 1/127 of its block's maximum).
    Q8_0,
}

/// Options for [`LocalModel::load_with`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Threads for the matrix kernels; `None` takes whatever candle's pool has. See
    /// [`LocalModel::load`] for why this is checked rather than set.
    pub threads: Option<usize>,
    /// In-memory weight format.
    pub weights: WeightFormat,
}

/// Wall-clock split of the last generation call, for tokens-per-second figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GenerationStats {
    /// Tokens in the prompt.
    pub prompt_tokens: usize,
    /// Time to run the prompt through the model and sample the first token.
    pub prefill: Duration,
    /// Tokens produced after the first one (each took one decode step).
    pub decode_tokens: usize,
    /// Time spent on those decode steps.
    pub decode: Duration,
}

impl GenerationStats {
    /// Decode speed in tokens per second (0 when nothing was decoded).
    pub fn decode_tokens_per_second(&self) -> f64 {
        let s = self.decode.as_secs_f64();
        if s > 0.0 {
            self.decode_tokens as f64 / s
        } else {
            0.0
        }
    }
}

/// A GGUF model loaded for in-process generation.
///
/// One model serves one request at a time (`chat` takes `&mut self`: the KV cache is state).
pub struct LocalModel {
    /// candle's quantized Llama with its per-layer KV cache.
    weights: ModelWeights,
    /// Byte-level BPE rebuilt from the file's metadata.
    tokenizer: GgufTokenizer,
    /// `tokenizer.chat_template` from the file.
    template: ChatTemplate,
    /// `llama.context_length`: prompt plus generated tokens must fit.
    context_length: usize,
    /// Threads in candle's kernel pool (fixed for the process).
    threads: usize,
    /// The file this was loaded from, for messages.
    path: PathBuf,
    /// Timing of the last call.
    last_stats: GenerationStats,
}

/// Threads candle's quantized kernels run on in this process: its barrier pool's workers plus
/// the calling thread. The pool is created on first use from `CANDLE_NUM_THREADS` (or
/// `RAYON_NUM_THREADS`, or the number of physical cores) and never resized.
pub fn candle_threads() -> usize {
    candle_core::utils::barrier_pool().n_workers() + 1
}

impl LocalModel {
    /// Loads the GGUF at `path` with its weights as stored.
    ///
    /// `threads`: candle 0.11 runs its quantized kernels on one process-wide pool sized from the
    /// environment the first time it is used, and offers no way to resize it. A library cannot
    /// set that environment safely after start-up, so `Some(n)` is *checked*: if the pool has a
    /// different size the call fails with [`LocalError::Threads`], which tells the user to start
    /// the process with `CANDLE_NUM_THREADS=n`. `None` accepts the pool as it is.
    pub fn load(path: &Path, threads: Option<usize>) -> Result<LocalModel, LocalError> {
        Self::load_with(
            path,
            &LoadOptions {
                threads,
                ..LoadOptions::default()
            },
        )
    }

    /// Loads the GGUF at `path` with explicit options.
    pub fn load_with(path: &Path, opts: &LoadOptions) -> Result<LocalModel, LocalError> {
        let active = candle_threads();
        if let Some(requested) = opts.threads
            && requested != active
        {
            return Err(LocalError::Threads { requested, active });
        }
        let gguf_err = |source| LocalError::Gguf {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(|source| LocalError::Io {
            action: "opening",
            path: path.to_owned(),
            source,
        })?;
        let content = Content::read(&mut file).map_err(gguf_err)?;
        let tokenizer = GgufTokenizer::from_gguf(&content, path)?;
        let template_key = "tokenizer.chat_template";
        let template_src = content
            .metadata
            .get(template_key)
            .ok_or_else(|| LocalError::Metadata {
                path: path.to_owned(),
                key: template_key.to_owned(),
                detail: "missing (the model has no chat template)".to_owned(),
            })?
            .to_string()
            .map_err(|e| LocalError::Metadata {
                path: path.to_owned(),
                key: template_key.to_owned(),
                detail: e.to_string(),
            })?
            .clone();
        let token_str = |id: Option<u32>| {
            id.and_then(|i| tokenizer.token(i))
                .unwrap_or_default()
                .to_owned()
        };
        let template = ChatTemplate::new(
            template_src,
            token_str(tokenizer.bos_id),
            token_str(Some(tokenizer.eos_id)),
        )?;
        let ctx_key = "llama.context_length";
        let context_length = content
            .metadata
            .get(ctx_key)
            .and_then(|v| v.to_u32().ok())
            .ok_or_else(|| LocalError::Metadata {
                path: path.to_owned(),
                key: ctx_key.to_owned(),
                detail: "missing or not an integer".to_owned(),
            })? as usize;
        let device = Device::Cpu;
        let weights = match opts.weights {
            WeightFormat::AsStored => {
                ModelWeights::from_gguf(content, &mut file, &device).map_err(gguf_err)?
            }
            WeightFormat::Q8_0 => {
                let mut bytes = requantize_q8_0(&content, &mut file, &device).map_err(gguf_err)?;
                bytes.rewind().map_err(|source| LocalError::Io {
                    action: "rewinding the in-memory copy of",
                    path: path.to_owned(),
                    source,
                })?;
                let content = Content::read(&mut bytes).map_err(gguf_err)?;
                ModelWeights::from_gguf(content, &mut bytes, &device).map_err(gguf_err)?
            }
        };
        Ok(LocalModel {
            weights,
            tokenizer,
            template,
            context_length,
            threads: active,
            path: path.to_owned(),
            last_stats: GenerationStats::default(),
        })
    }

    /// Renders `messages` with the model's chat template and generates the assistant's reply.
    pub fn chat(
        &mut self,
        messages: &[ChatMessage],
        params: &GenerationParams,
    ) -> Result<Completion, LocalError> {
        let prompt = self.render_chat(messages)?;
        self.complete(&prompt, params)
    }

    /// Generates a continuation of raw prompt text (control tokens in it are parsed).
    pub fn complete(
        &mut self,
        prompt: &str,
        params: &GenerationParams,
    ) -> Result<Completion, LocalError> {
        let mut ids = Vec::new();
        if self.tokenizer.add_bos
            && let Some(bos) = self.tokenizer.bos_id
        {
            ids.push(bos);
        }
        ids.extend(self.tokenizer.encode(prompt)?);
        self.generate(&ids, params)
    }

    /// The prompt text the chat template produces for `messages`.
    pub fn render_chat(&self, messages: &[ChatMessage]) -> Result<String, LocalError> {
        self.template.render(messages)
    }

    /// Token ids for `text` as the model sees it (control tokens parsed, no BOS added).
    pub fn tokenize(&self, text: &str) -> Result<Vec<u32>, LocalError> {
        self.tokenizer.encode(text)
    }

    /// Text for token ids, without control tokens.
    pub fn detokenize(&self, ids: &[u32]) -> Result<String, LocalError> {
        self.tokenizer.decode(ids)
    }

    /// Threads candle's kernels use in this process.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The model's context window in tokens.
    pub fn context_length(&self) -> usize {
        self.context_length
    }

    /// The file this model was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Timing of the most recent `chat`/`complete`/`generate` call.
    pub fn last_stats(&self) -> GenerationStats {
        self.last_stats
    }

    /// Generates from prompt token ids. The KV cache is cleared first, so calls are independent.
    pub fn generate(
        &mut self,
        prompt_ids: &[u32],
        params: &GenerationParams,
    ) -> Result<Completion, LocalError> {
        let sampling = sampling_for(params)?;
        if prompt_ids.is_empty() {
            return Err(LocalError::InvalidParams {
                detail: "the prompt has no tokens".to_owned(),
            });
        }
        if prompt_ids.len() >= self.context_length {
            return Err(LocalError::ContextOverflow {
                prompt_tokens: prompt_ids.len(),
                context_length: self.context_length,
            });
        }
        let mut sampler = LogitsProcessor::from_sampling(params.seed, sampling);
        self.weights.clear_kv_cache();

        let t0 = Instant::now();
        let mut next = self.step(prompt_ids, 0, &mut sampler)?;
        let prefill = t0.elapsed();

        let t1 = Instant::now();
        let mut generated: Vec<u32> = Vec::new();
        let mut text = String::new();
        let mut pos = prompt_ids.len();
        let finish_reason = loop {
            generated.push(next);
            if self.tokenizer.end_of_generation.contains(&next) {
                break "stop";
            }
            text = self.tokenizer.decode(&generated)?;
            if let Some(cut) = earliest_stop(&text, &params.stop) {
                text.truncate(cut);
                break "stop";
            }
            pos += 1;
            if generated.len() >= params.max_tokens as usize || pos >= self.context_length {
                break "length";
            }
            next = self.step(&[next], pos - 1, &mut sampler)?;
        };
        self.last_stats = GenerationStats {
            prompt_tokens: prompt_ids.len(),
            prefill,
            decode_tokens: generated.len() - 1,
            decode: t1.elapsed(),
        };
        Ok(Completion {
            text,
            prompt_tokens: prompt_ids.len() as u32,
            completion_tokens: generated.len() as u32,
            finish_reason: finish_reason.to_owned(),
        })
    }
}

impl LocalModel {
    /// Feeds `tokens` (the prompt, or one new token) at position `pos` through the model, with
    /// the KV cache holding everything before `pos`, and samples the next token.
    fn step(
        &mut self,
        tokens: &[u32],
        pos: usize,
        sampler: &mut LogitsProcessor,
    ) -> Result<u32, LocalError> {
        let infer = |source| LocalError::Inference { source };
        let input = Tensor::new(tokens, &Device::Cpu)
            .and_then(|t| t.unsqueeze(0))
            .map_err(infer)?;
        let logits = self
            .weights
            .forward(&input, pos)
            .and_then(|l| l.squeeze(0))
            .map_err(infer)?;
        sampler.sample(&logits).map_err(infer)
    }

    /// Runs the prompt, then exactly `steps` greedy decode steps whatever tokens come out (an
    /// end-of-turn token does not stop it), and returns the timing. For speed measurements that
    /// must compare equal token counts across implementations; `generate` is the real API.
    pub fn timed_greedy_run(
        &mut self,
        prompt_ids: &[u32],
        steps: usize,
    ) -> Result<GenerationStats, LocalError> {
        if prompt_ids.is_empty() || prompt_ids.len() + steps >= self.context_length {
            return Err(LocalError::ContextOverflow {
                prompt_tokens: prompt_ids.len() + steps,
                context_length: self.context_length,
            });
        }
        let mut sampler = LogitsProcessor::from_sampling(0, Sampling::ArgMax);
        self.weights.clear_kv_cache();
        let t0 = Instant::now();
        let mut next = self.step(prompt_ids, 0, &mut sampler)?;
        let prefill = t0.elapsed();
        let t1 = Instant::now();
        for i in 0..steps {
            next = self.step(&[next], prompt_ids.len() + i, &mut sampler)?;
        }
        let stats = GenerationStats {
            prompt_tokens: prompt_ids.len(),
            prefill,
            decode_tokens: steps,
            decode: t1.elapsed(),
        };
        self.last_stats = stats;
        Ok(stats)
    }
}

/// Greedy for temperature 0, plain temperature sampling (seeded) otherwise.
fn sampling_for(params: &GenerationParams) -> Result<Sampling, LocalError> {
    if params.max_tokens == 0 {
        return Err(LocalError::InvalidParams {
            detail: "max_tokens must be at least 1".to_owned(),
        });
    }
    let t = params.temperature;
    if !t.is_finite() || t < 0.0 {
        return Err(LocalError::InvalidParams {
            detail: format!("temperature must be finite and >= 0, got {t}"),
        });
    }
    Ok(if t == 0.0 {
        Sampling::ArgMax
    } else {
        Sampling::All {
            temperature: f64::from(t),
        }
    })
}

/// Byte offset where the first stop string starts in `text`, if any stop string occurs.
pub(crate) fn earliest_stop(text: &str, stops: &[String]) -> Option<usize> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
}

/// Rewrites the file with every 4- and 5-bit matrix re-quantized to Q8_0, into memory.
fn requantize_q8_0(
    content: &Content,
    file: &mut std::fs::File,
    device: &Device,
) -> candle_core::Result<Cursor<Vec<u8>>> {
    let mut names: Vec<&String> = content.tensor_infos.keys().collect();
    names.sort();
    let mut tensors: Vec<(String, QTensor)> = Vec::with_capacity(names.len());
    for name in names {
        let q = content.tensor(file, name, device)?;
        let q = match q.dtype() {
            GgmlDType::Q4_0 | GgmlDType::Q4_1 | GgmlDType::Q5_0 | GgmlDType::Q5_1 => {
                QTensor::quantize(&q.dequantize(device)?, GgmlDType::Q8_0)?
            }
            _ => q,
        };
        tensors.push((name.clone(), q));
    }
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let tensor_refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut out = Cursor::new(Vec::new());
    gguf_file::write(&mut out, &metadata, &tensor_refs)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(temperature: f32, max_tokens: u32) -> GenerationParams {
        GenerationParams {
            max_tokens,
            temperature,
            seed: 0,
            stop: vec![],
        }
    }

    #[test]
    fn earliest_stop_picks_first_occurrence_of_any_stop() {
        let stops = vec!["END".to_owned(), "\n\n".to_owned(), String::new()];
        assert_eq!(earliest_stop("abc\n\nxyzEND", &stops), Some(3));
        assert_eq!(earliest_stop("abcENDx\n\n", &stops), Some(3));
        assert_eq!(earliest_stop("no stop here", &stops), None);
        // An empty stop string never matches (it would stop before the first token).
        assert_eq!(earliest_stop("x", &[String::new()]), None);
    }

    #[test]
    fn sampling_rejects_bad_parameters() {
        assert!(matches!(
            sampling_for(&params(0.0, 1)),
            Ok(Sampling::ArgMax)
        ));
        assert!(matches!(
            sampling_for(&params(0.7, 1)),
            Ok(Sampling::All { .. })
        ));
        for bad in [params(-0.1, 4), params(f32::NAN, 4), params(0.0, 0)] {
            assert!(matches!(
                sampling_for(&bad),
                Err(LocalError::InvalidParams { .. })
            ));
        }
    }
}
