//! [`LocalModel`]: a loaded GGUF Llama-architecture model with its tokenizer and chat template,
//! and generation through the continuous-batching scheduler (`batch.rs`): one request alone, or
//! many at once, by the same code path.

use std::io::{Cursor, Seek};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::sync::Arc;

use candle_core::Device;
use candle_core::quantized::gguf_file::{self, Content};
use candle_core::quantized::{GgmlDType, QTensor};

use crate::batch::{BatchOptions, Chunk, Finished, Scheduler, StepModel, TextCodec};
use crate::llama::{Llama, SequenceCache};
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
/// `chat`/`complete`/`generate` take `&mut self` and run one request; [`LocalModel::generate_batch`]
/// runs many together, and [`crate::ModelServer`] serves concurrent callers from its own thread.
pub struct LocalModel {
    /// The forward pass over per-sequence KV caches.
    llama: Llama,
    /// Tokenizer and chat template, shared with a [`crate::ModelServer`]'s callers (they render
    /// and tokenize on their own threads).
    text: Arc<TextSide>,
    /// `llama.context_length`: prompt plus generated tokens must fit.
    context_length: usize,
    /// Threads in candle's kernel pool (fixed for the process).
    threads: usize,
    /// The file this was loaded from, for messages.
    path: PathBuf,
    /// Timing of the last call.
    last_stats: GenerationStats,
}

/// The model's text side: what turns messages into token ids and ids back into text.
pub(crate) struct TextSide {
    /// Byte-level BPE rebuilt from the file's metadata.
    pub(crate) tokenizer: GgufTokenizer,
    /// `tokenizer.chat_template` from the file.
    pub(crate) template: ChatTemplate,
}

impl TextSide {
    /// Prompt ids for raw text: BOS if the model wants one, then the text with control tokens
    /// parsed.
    pub(crate) fn prompt_ids(&self, prompt: &str) -> Result<Vec<u32>, LocalError> {
        let mut ids = Vec::new();
        if self.tokenizer.add_bos
            && let Some(bos) = self.tokenizer.bos_id
        {
            ids.push(bos);
        }
        ids.extend(self.tokenizer.encode(prompt)?);
        Ok(ids)
    }

    /// Prompt ids for a conversation rendered with the chat template.
    pub(crate) fn chat_ids(&self, messages: &[ChatMessage]) -> Result<Vec<u32>, LocalError> {
        self.prompt_ids(&self.template.render(messages)?)
    }
}

impl TextCodec for TextSide {
    fn decode(&self, ids: &[u32]) -> Result<String, LocalError> {
        self.tokenizer.decode(ids)
    }
    fn is_end(&self, id: u32) -> bool {
        self.tokenizer.end_of_generation.contains(&id)
    }
}

impl StepModel for Llama {
    type Cache = SequenceCache;
    fn new_cache(&self) -> SequenceCache {
        Llama::new_cache(self)
    }
    fn step(
        &mut self,
        chunks: &mut [Chunk<'_, SequenceCache>],
    ) -> Result<Vec<Vec<f32>>, LocalError> {
        self.forward(chunks)
            .map_err(|cause| LocalError::Inference { cause })
    }
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
            cause: source,
        };
        let mut file = std::fs::File::open(path).map_err(|source| LocalError::Io {
            action: "opening",
            path: path.to_owned(),
            cause: source,
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
        let llama = match opts.weights {
            WeightFormat::AsStored => Llama::from_gguf(&content, &mut file).map_err(gguf_err)?,
            WeightFormat::Q8_0 => {
                let mut bytes = requantize_q8_0(&content, &mut file, &device).map_err(gguf_err)?;
                bytes.rewind().map_err(|source| LocalError::Io {
                    action: "rewinding the in-memory copy of",
                    path: path.to_owned(),
                    cause: source,
                })?;
                let content = Content::read(&mut bytes).map_err(gguf_err)?;
                Llama::from_gguf(&content, &mut bytes).map_err(gguf_err)?
            }
        };
        Ok(LocalModel {
            llama,
            text: Arc::new(TextSide {
                tokenizer,
                template,
            }),
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
        let ids = self.text.prompt_ids(prompt)?;
        self.generate(&ids, params)
    }

    /// Prompt token ids for `messages`, as `chat` feeds them (template, BOS if any, tokens).
    pub fn chat_prompt_ids(&self, messages: &[ChatMessage]) -> Result<Vec<u32>, LocalError> {
        self.text.chat_ids(messages)
    }

    /// The prompt text the chat template produces for `messages`.
    pub fn render_chat(&self, messages: &[ChatMessage]) -> Result<String, LocalError> {
        self.text.template.render(messages)
    }

    /// Token ids for `text` as the model sees it (control tokens parsed, no BOS added).
    pub fn tokenize(&self, text: &str) -> Result<Vec<u32>, LocalError> {
        self.text.tokenizer.encode(text)
    }

    /// Text for token ids, without control tokens.
    pub fn detokenize(&self, ids: &[u32]) -> Result<String, LocalError> {
        self.text.tokenizer.decode(ids)
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

    /// Generates from prompt token ids. Each call starts from an empty KV cache, so calls are
    /// independent.
    pub fn generate(
        &mut self,
        prompt_ids: &[u32],
        params: &GenerationParams,
    ) -> Result<Completion, LocalError> {
        let mut results = self.run_batch(
            vec![(prompt_ids.to_vec(), params.clone())],
            BatchOptions::default(),
        );
        let done = results.pop().unwrap_or_else(|| Err(unfinished()))?;
        self.last_stats = done.stats;
        Ok(done.completion)
    }

    /// Generates for every request together with continuous batching (up to
    /// `options.max_sequences` at a time, the rest joining as places free up) and returns the
    /// results in request order. Each greedy completion equals, token for token, what
    /// [`LocalModel::generate`] returns for that request alone.
    pub fn generate_batch(
        &mut self,
        requests: Vec<(Vec<u32>, GenerationParams)>,
        options: BatchOptions,
    ) -> Vec<Result<Completion, LocalError>> {
        self.run_batch(requests, options)
            .into_iter()
            .map(|r| r.map(|f| f.completion))
            .collect()
    }

    fn run_batch(
        &mut self,
        requests: Vec<(Vec<u32>, GenerationParams)>,
        options: BatchOptions,
    ) -> Vec<Result<Finished, LocalError>> {
        let mut results: Vec<Option<Result<Finished, LocalError>>> =
            requests.iter().map(|_| None).collect();
        let mut scheduler: Scheduler<SequenceCache, usize> =
            Scheduler::new(options, self.context_length);
        for (i, (ids, params)) in requests.into_iter().enumerate() {
            if let Err((i, e)) = scheduler.submit(i, ids, params) {
                results[i] = Some(Err(e));
            }
        }
        while !scheduler.is_idle() {
            for (i, r) in scheduler.step(&mut self.llama, self.text.as_ref()) {
                results[i] = Some(r);
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(unfinished())))
            .collect()
    }

    /// Splits the model into its forward pass and its shared text side, for [`crate::ModelServer`].
    pub(crate) fn into_parts(self) -> (Llama, Arc<TextSide>, usize) {
        (self.llama, self.text, self.context_length)
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
        let mut cache = self.llama.new_cache();
        let t0 = Instant::now();
        let mut next = self.greedy_step(prompt_ids, &mut cache)?;
        let prefill = t0.elapsed();
        let t1 = Instant::now();
        for _ in 0..steps {
            next = self.greedy_step(&[next], &mut cache)?;
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

impl LocalModel {
    /// One forward pass of a lone sequence and its argmax (ties to the last maximum, as candle's
    /// `LogitsProcessor` breaks them).
    fn greedy_step(&self, tokens: &[u32], cache: &mut SequenceCache) -> Result<u32, LocalError> {
        let infer = |cause| LocalError::Inference { cause };
        let logits = self
            .llama
            .forward(&mut [Chunk { tokens, cache }])
            .map_err(infer)?;
        let row = logits.first().map(Vec::as_slice).unwrap_or_default();
        Ok(row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i as u32))
    }
}

/// A request the scheduler did not answer: a bug, reported rather than panicking.
fn unfinished() -> LocalError {
    LocalError::Inference {
        cause: candle_core::Error::Msg("internal error: a request was left unfinished".into()),
    }
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
