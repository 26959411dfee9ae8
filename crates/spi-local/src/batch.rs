//! Continuous batching: the [`Scheduler`] that runs many generations through one model, several
//! sequences per forward pass, as llama.cpp's server does with its slots.
//!
//! Each [`Scheduler::step`] is one forward pass over every running sequence: a sequence that has
//! just joined contributes its whole prompt, one that is decoding contributes the token it sampled
//! last. Waiting requests join between steps (up to [`BatchOptions::max_sequences`] running, and
//! while the step's prompt tokens stay within [`BatchOptions::step_tokens`]; one prompt is always
//! admitted so a long prompt cannot starve), and a sequence leaves in the step it finishes.
//!
//! Why prompts are never split across steps: a sequence alone is prefilled in one pass and then
//! decoded a token at a time, and its attention products have exactly those shapes. Keeping the
//! same shapes inside a batch (with the model's row-independent linear layers, `llama.rs`) is what
//! makes a batched greedy completion equal the unbatched one token for token.
//!
//! The scheduler is generic over the forward pass ([`StepModel`]) and the text side
//! ([`TextCodec`]), so its tests drive it with a fake model.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};

use crate::model::GenerationStats;
use crate::{Completion, GenerationParams, LocalError};

/// One sequence's share of a step: the tokens to feed after what `cache` holds.
pub(crate) struct Chunk<'a, C> {
    /// Tokens to feed (a whole prompt, or one sampled token).
    pub(crate) tokens: &'a [u32],
    /// That sequence's cache; the step appends to it.
    pub(crate) cache: &'a mut C,
}

/// A forward pass over several sequences with their own caches.
pub(crate) trait StepModel {
    /// One sequence's KV cache.
    type Cache;
    /// An empty cache.
    fn new_cache(&self) -> Self::Cache;
    /// Feeds each chunk's tokens after its cache and returns each chunk's next-token logits.
    fn step(&mut self, chunks: &mut [Chunk<'_, Self::Cache>]) -> Result<Vec<Vec<f32>>, LocalError>;
}

/// What the scheduler needs from the tokenizer: text for stop strings, and end-of-turn tokens.
pub(crate) trait TextCodec {
    /// Text of generated ids (control tokens dropped).
    fn decode(&self, ids: &[u32]) -> Result<String, LocalError>;
    /// Whether `id` ends generation.
    fn is_end(&self, id: u32) -> bool;
}

/// Limits of one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Sequences decoded together at most; later requests wait for a place.
    pub max_sequences: usize,
    /// Prompt tokens admitted into one step at most (one prompt always is): bounds the latency
    /// a burst of new prompts adds to the sequences already decoding.
    pub step_tokens: usize,
}

impl Default for BatchOptions {
    /// Sixteen sequences: more than the harness's usual `--max-connections 8`, and on the
    /// default 135M model a step of sixteen costs little more than a step of eight (the weights
    /// are read once per step either way). 2048 prompt tokens: eight typical suite prompts.
    fn default() -> BatchOptions {
        BatchOptions {
            max_sequences: 16,
            step_tokens: 2048,
        }
    }
}

/// A finished generation: the completion and its timing.
#[derive(Debug, Clone)]
pub(crate) struct Finished {
    pub(crate) completion: Completion,
    pub(crate) stats: GenerationStats,
}

/// One request inside the scheduler.
struct Sequence<C, T> {
    /// The caller's handle, returned with the result.
    tag: T,
    prompt: Vec<u32>,
    params: GenerationParams,
    sampler: LogitsProcessor,
    /// Created when the sequence joins the batch.
    cache: Option<C>,
    generated: Vec<u32>,
    /// The last sampled token, to be fed next step; `None` until the prompt has been fed.
    pending: Option<u32>,
    /// Wall time of the step that fed the prompt.
    prefill: Duration,
    /// Wall time of the decode steps so far.
    decode: Duration,
}

/// Continuous-batching state: waiting and running sequences.
pub(crate) struct Scheduler<C, T> {
    options: BatchOptions,
    context_length: usize,
    waiting: VecDeque<Sequence<C, T>>,
    running: Vec<Sequence<C, T>>,
}

impl<C, T> Scheduler<C, T> {
    /// An empty scheduler for a model with this context window.
    pub(crate) fn new(options: BatchOptions, context_length: usize) -> Scheduler<C, T> {
        Scheduler {
            options: BatchOptions {
                max_sequences: options.max_sequences.max(1),
                step_tokens: options.step_tokens.max(1),
            },
            context_length,
            waiting: VecDeque::new(),
            running: Vec::new(),
        }
    }

    /// Queues a request. Invalid parameters and prompts that do not fit are refused here, before
    /// they cost a step.
    pub(crate) fn submit(
        &mut self,
        tag: T,
        prompt: Vec<u32>,
        params: GenerationParams,
    ) -> Result<(), (T, LocalError)> {
        let sampling = match validate(&prompt, &params, self.context_length) {
            Ok(s) => s,
            Err(e) => return Err((tag, e)),
        };
        self.waiting.push_back(Sequence {
            tag,
            sampler: LogitsProcessor::from_sampling(params.seed, sampling),
            prompt,
            params,
            cache: None,
            generated: Vec::new(),
            pending: None,
            prefill: Duration::ZERO,
            decode: Duration::ZERO,
        });
        Ok(())
    }

    /// Nothing waiting and nothing running.
    pub(crate) fn is_idle(&self) -> bool {
        self.waiting.is_empty() && self.running.is_empty()
    }

    /// Sequences in the running batch.
    #[cfg(test)]
    pub(crate) fn running(&self) -> usize {
        self.running.len()
    }

    /// Admits waiting requests, runs one forward pass over the batch, samples a token for every
    /// sequence, and returns the sequences that finished (they leave the batch). A failed forward
    /// pass fails every sequence that was in it; the scheduler stays usable.
    pub(crate) fn step<M, X>(
        &mut self,
        model: &mut M,
        text: &X,
    ) -> Vec<(T, Result<Finished, LocalError>)>
    where
        M: StepModel<Cache = C>,
        X: TextCodec,
    {
        self.admit(model);
        if self.running.is_empty() {
            return Vec::new();
        }
        let t0 = Instant::now();
        let result = {
            let mut chunks: Vec<Chunk<'_, C>> = self
                .running
                .iter_mut()
                .filter_map(|s| {
                    let tokens = match &s.pending {
                        Some(t) => std::slice::from_ref(t),
                        None => s.prompt.as_slice(),
                    };
                    s.cache.as_mut().map(|cache| Chunk { tokens, cache })
                })
                .collect();
            model.step(&mut chunks)
        };
        let elapsed = t0.elapsed();
        let logits = match result {
            Ok(l) if l.len() == self.running.len() => l,
            Ok(l) => {
                let detail = format!(
                    "{} logit rows for {} sequences",
                    l.len(),
                    self.running.len()
                );
                return self.fail_all(|| inference_error(&detail));
            }
            Err(e) => {
                let detail = e.to_string();
                let mut first = Some(e);
                return self.fail_all(|| first.take().unwrap_or_else(|| inference_error(&detail)));
            }
        };
        let mut finished = Vec::new();
        let mut still = Vec::with_capacity(self.running.len());
        for (mut s, row) in std::mem::take(&mut self.running).into_iter().zip(logits) {
            if s.pending.is_none() {
                s.prefill = elapsed;
            } else {
                s.decode += elapsed;
            }
            match advance(&mut s, row, text, self.context_length) {
                Ok(None) => still.push(s),
                Ok(Some(done)) => finished.push((s.tag, Ok(done))),
                Err(e) => finished.push((s.tag, Err(e))),
            }
        }
        self.running = still;
        finished
    }

    /// Moves waiting requests into the batch while there is room.
    fn admit<M: StepModel<Cache = C>>(&mut self, model: &M) {
        let mut prompt_tokens = 0;
        let mut admitted = 0;
        while self.running.len() < self.options.max_sequences {
            let Some(next) = self.waiting.front() else {
                break;
            };
            if admitted > 0 && prompt_tokens + next.prompt.len() > self.options.step_tokens {
                break;
            }
            let Some(mut s) = self.waiting.pop_front() else {
                break;
            };
            prompt_tokens += s.prompt.len();
            admitted += 1;
            s.cache = Some(model.new_cache());
            self.running.push(s);
        }
    }

    fn fail_all(
        &mut self,
        mut error: impl FnMut() -> LocalError,
    ) -> Vec<(T, Result<Finished, LocalError>)> {
        std::mem::take(&mut self.running)
            .into_iter()
            .map(|s| (s.tag, Err(error())))
            .collect()
    }
}

fn inference_error(detail: &str) -> LocalError {
    LocalError::Inference {
        cause: candle_core::Error::Msg(format!("in a batch that failed: {detail}")),
    }
}

/// Samples the next token of `s` from its logits and decides whether it is done: an
/// end-of-generation token or a stop string ends it with `"stop"`, `max_tokens` or the context
/// window with `"length"` (the same rules, in the same order, as a lone generation).
fn advance<C, T, X: TextCodec>(
    s: &mut Sequence<C, T>,
    logits: Vec<f32>,
    text: &X,
    context_length: usize,
) -> Result<Option<Finished>, LocalError> {
    let infer = |cause| LocalError::Inference { cause };
    let n = logits.len();
    let logits = Tensor::from_vec(logits, n, &Device::Cpu).map_err(infer)?;
    let next = s.sampler.sample(&logits).map_err(infer)?;
    s.generated.push(next);
    let (out, reason) = if text.is_end(next) {
        // The end-of-turn token is counted but not shown.
        (text.decode(&s.generated[..s.generated.len() - 1])?, "stop")
    } else {
        let mut out = text.decode(&s.generated)?;
        if let Some(cut) = earliest_stop(&out, &s.params.stop) {
            out.truncate(cut);
            (out, "stop")
        } else if s.generated.len() >= s.params.max_tokens as usize
            || s.prompt.len() + s.generated.len() >= context_length
        {
            (out, "length")
        } else {
            s.pending = Some(next);
            return Ok(None);
        }
    };
    Ok(Some(Finished {
        completion: Completion {
            text: out,
            prompt_tokens: s.prompt.len() as u32,
            completion_tokens: s.generated.len() as u32,
            token_ids: s.generated.clone(),
            finish_reason: reason.to_owned(),
        },
        stats: GenerationStats {
            prompt_tokens: s.prompt.len(),
            prefill: s.prefill,
            decode_tokens: s.generated.len() - 1,
            decode: s.decode,
        },
    }))
}

/// Checks a request and picks its sampling: greedy for temperature 0, seeded temperature
/// sampling otherwise.
fn validate(
    prompt: &[u32],
    params: &GenerationParams,
    context_length: usize,
) -> Result<Sampling, LocalError> {
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
    if prompt.is_empty() {
        return Err(LocalError::InvalidParams {
            detail: "the prompt has no tokens".to_owned(),
        });
    }
    if prompt.len() >= context_length {
        return Err(LocalError::ContextOverflow {
            prompt_tokens: prompt.len(),
            context_length,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Vocabulary of the fake model; token 0 ends generation.
    const VOCAB: usize = 16;
    const END: u32 = 0;

    /// A fake forward pass whose logits depend only on the sequence's own history (its cache is
    /// the list of tokens fed so far), and which records what every step was given.
    #[derive(Default)]
    struct FakeModel {
        /// Per step, the (cache length before, tokens fed) of every chunk.
        steps: Vec<Vec<(usize, Vec<u32>)>>,
        /// Fail the step with this index.
        fail_at: Option<usize>,
    }

    impl StepModel for FakeModel {
        type Cache = Vec<u32>;
        fn new_cache(&self) -> Vec<u32> {
            Vec::new()
        }
        fn step(
            &mut self,
            chunks: &mut [Chunk<'_, Vec<u32>>],
        ) -> Result<Vec<Vec<f32>>, LocalError> {
            self.steps.push(
                chunks
                    .iter()
                    .map(|c| (c.cache.len(), c.tokens.to_vec()))
                    .collect(),
            );
            if self.fail_at == Some(self.steps.len() - 1) {
                return Err(LocalError::Inference {
                    cause: candle_core::Error::Msg("injected".into()),
                });
            }
            Ok(chunks
                .iter_mut()
                .map(|c| {
                    c.cache.extend_from_slice(c.tokens);
                    logits_for(c.cache)
                })
                .collect())
        }
    }

    /// A deterministic hash of the history, spread over the vocabulary.
    fn logits_for(history: &[u32]) -> Vec<f32> {
        let mut h: u64 = 1469598103934665603;
        for t in history {
            h = (h ^ u64::from(*t)).wrapping_mul(1099511628211);
        }
        (0..VOCAB as u64)
            .map(|v| (((h ^ v).wrapping_mul(0x9E3779B97F4A7C15) >> 40) % 1000) as f32 / 100.0)
            .collect()
    }

    /// Token `t` decodes to the letter `a + t`; the end token to nothing.
    struct Letters;
    impl TextCodec for Letters {
        fn decode(&self, ids: &[u32]) -> Result<String, LocalError> {
            Ok(ids
                .iter()
                .filter(|&&t| t != END)
                .map(|&t| char::from(b'a' + t as u8))
                .collect())
        }
        fn is_end(&self, id: u32) -> bool {
            id == END
        }
    }

    fn params(max_tokens: u32, temperature: f32, seed: u64, stop: &[&str]) -> GenerationParams {
        GenerationParams {
            max_tokens,
            temperature,
            seed,
            stop: stop.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    type Request = (Vec<u32>, GenerationParams);

    /// Runs `requests` alone, one after another, each in its own scheduler.
    fn alone(requests: &[Request], context: usize) -> Vec<Result<Completion, String>> {
        requests
            .iter()
            .map(|(p, g)| {
                let mut model = FakeModel::default();
                let mut s = Scheduler::new(BatchOptions::default(), context);
                s.submit((), p.clone(), g.clone())
                    .map_err(|(_, e)| e.to_string())?;
                let mut out = None;
                while !s.is_idle() {
                    for (_, r) in s.step(&mut model, &Letters) {
                        out = Some(r.map(|f| f.completion).map_err(|e| e.to_string()));
                    }
                }
                out.unwrap_or_else(|| Err("no result".into()))
            })
            .collect()
    }

    /// Runs `requests` through one scheduler, submitting request `i` before step `arrive[i]`.
    fn batched(
        requests: &[Request],
        arrive: &[usize],
        options: BatchOptions,
        context: usize,
    ) -> (Vec<Result<Completion, String>>, FakeModel) {
        let mut model = FakeModel::default();
        let mut s = Scheduler::new(options, context);
        let mut out: Vec<Option<Result<Completion, String>>> = vec![None; requests.len()];
        let mut step = 0;
        loop {
            for (i, (p, g)) in requests.iter().enumerate() {
                if arrive[i] == step
                    && let Err((i, e)) = s.submit(i, p.clone(), g.clone())
                {
                    out[i] = Some(Err(e.to_string()));
                }
            }
            let pending_arrivals = arrive.iter().any(|&a| a > step);
            if s.is_idle() && !pending_arrivals {
                break;
            }
            for (i, r) in s.step(&mut model, &Letters) {
                out[i] = Some(r.map(|f| f.completion).map_err(|e| e.to_string()));
            }
            step += 1;
        }
        let out = out
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err("no result".into())))
            .collect();
        (out, model)
    }

    fn request() -> impl Strategy<Value = Request> {
        (
            prop::collection::vec(1u32..VOCAB as u32, 1..12),
            1u32..10,
            prop_oneof![Just(0.0f32), Just(0.8f32)],
            0u64..4,
            prop_oneof![Just(vec![]), Just(vec!["c"]), Just(vec!["", "ab"])],
        )
            .prop_map(|(p, max, t, seed, stop)| (p, params(max, t, seed, &stop)))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Continuous batching changes nothing a request sees: whatever the batch limits and
        /// however the arrivals interleave, each completion (greedy or seeded) equals the one the
        /// request gets alone.
        #[test]
        fn batched_completions_equal_lone_ones(
            requests in prop::collection::vec(request(), 1..9),
            arrivals in prop::collection::vec(0usize..6, 9),
            max_sequences in 1usize..5,
            step_tokens in 1usize..30,
            context in prop_oneof![Just(10usize), Just(64usize)],
        ) {
            let arrive = &arrivals[..requests.len()];
            let options = BatchOptions { max_sequences, step_tokens };
            let (got, model) = batched(&requests, arrive, options, context);
            prop_assert_eq!(got, alone(&requests, context));
            for step in &model.steps {
                // Never more sequences than allowed; prompts beyond the first stay in budget.
                prop_assert!(step.len() <= max_sequences);
                let prompts: Vec<usize> = step.iter().filter(|(before, _)| *before == 0).map(|(_, t)| t.len()).collect();
                prop_assert!(prompts.len() <= 1 || prompts.iter().sum::<usize>() <= step_tokens);
                // A sequence feeds its whole prompt when it joins, then one token per step.
                for (before, tokens) in step {
                    prop_assert!(*before == 0 || tokens.len() == 1);
                    prop_assert!(before + tokens.len() < context);
                }
            }
        }
    }

    /// A request that arrives while others decode joins the next step (it does not wait for the
    /// batch to drain), and a finished one leaves in the step it finishes.
    #[test]
    fn requests_join_and_leave_between_steps() {
        let mut model = FakeModel::default();
        let mut s = Scheduler::new(BatchOptions::default(), 1000);
        let long = params(6, 0.0, 0, &[]);
        let short = params(1, 0.0, 0, &[]);
        // Prompt [1, 1] is chosen so greedy decoding does not hit END within 6 tokens.
        let first = (1..VOCAB as u32)
            .map(|t| vec![t, t])
            .find(|p| {
                alone(&[(p.clone(), long.clone())], 1000)[0]
                    .as_ref()
                    .is_ok_and(|c| c.completion_tokens == 6)
            })
            .expect("some prompt decodes 6 tokens");
        s.submit("long", first, long).unwrap();
        assert!(s.step(&mut model, &Letters).is_empty());
        s.submit("short", vec![3, 4, 5], short).unwrap();
        let done = s.step(&mut model, &Letters);
        assert_eq!(done.iter().map(|d| d.0).collect::<Vec<_>>(), ["short"]);
        assert_eq!(
            model.steps[1].len(),
            2,
            "the newcomer shared the step: {:?}",
            model.steps[1]
        );
        assert_eq!(model.steps[1][1], (0, vec![3, 4, 5]));
        assert_eq!(s.running(), 1);
        while !s.is_idle() {
            s.step(&mut model, &Letters);
        }
        assert!(model.steps[2..].iter().all(|step| step.len() == 1));
    }

    /// A failing forward pass fails the sequences in it, and the scheduler keeps serving.
    #[test]
    fn a_failed_step_fails_its_sequences_only() {
        let mut model = FakeModel {
            fail_at: Some(0),
            ..FakeModel::default()
        };
        let mut s = Scheduler::new(BatchOptions::default(), 100);
        s.submit(0, vec![1, 2], params(3, 0.0, 0, &[])).unwrap();
        s.submit(1, vec![2], params(3, 0.0, 0, &[])).unwrap();
        let failed = s.step(&mut model, &Letters);
        assert_eq!(failed.len(), 2);
        assert!(
            failed
                .iter()
                .all(|(_, r)| matches!(r, Err(LocalError::Inference { .. })))
        );
        s.submit(2, vec![1, 2], params(3, 0.0, 0, &[])).unwrap();
        let mut ok = Vec::new();
        while !s.is_idle() {
            ok.extend(s.step(&mut model, &Letters));
        }
        assert!(matches!(&ok[..], [(2, Ok(_))]));
    }

    #[test]
    fn invalid_requests_are_refused_before_they_cost_a_step() {
        let mut s: Scheduler<Vec<u32>, u8> = Scheduler::new(BatchOptions::default(), 4);
        let bad = [
            (vec![1], params(0, 0.0, 0, &[])),
            (vec![1], params(4, -0.1, 0, &[])),
            (vec![1], params(4, f32::NAN, 0, &[])),
            (vec![], params(4, 0.0, 0, &[])),
            (vec![1, 2, 3, 4], params(4, 0.0, 0, &[])),
        ];
        for (p, g) in bad {
            assert!(s.submit(0, p, g).is_err());
        }
        assert!(s.is_idle());
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
}
