//! `ModelClient`: one provider wrapped in the run's policies — adaptive concurrency, retries with
//! capped exponential backoff and jitter, per-request timeout (in the provider), the response
//! cache, and token/cost accounting against a budget.
//!
//! The concurrency limit is AIMD, the rule TCP uses: each 429 halves it (never below 1) and
//! pauses every caller until the server's `Retry-After` has passed; each run of `limit`
//! consecutive successes raises it by one, up to the configured maximum.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::{ProviderError, should_retry};
use crate::provider::{ChatRequest, ChatResponse, Price, Provider};

/// How often and how long to retry transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff.
    pub base: Duration,
    /// Longest single backoff (a server's `Retry-After` may ask for longer, up to `max_retry_after`).
    pub cap: Duration,
    /// Longest `Retry-After` honoured; longer requests are clamped to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 6,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0-based): `min(cap, base·2^attempt)` scaled by a
    /// jitter factor `u` in [0.5, 1] ("equal jitter", so waits never collapse to zero), and never
    /// shorter than the server's `Retry-After`.
    pub fn backoff(&self, attempt: u32, jitter_u: f64, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX));
        let capped = exp.min(self.cap);
        let jittered = capped.mul_f64(0.5 + 0.5 * jitter_u.clamp(0.0, 1.0));
        match retry_after {
            Some(ra) => jittered.max(ra.min(self.max_retry_after)),
            None => jittered,
        }
    }
}

#[derive(Debug)]
struct LimitState {
    limit: usize,
    in_use: usize,
    successes: usize,
    paused_until: Option<Instant>,
}

/// An AIMD concurrency limit shared by every request to one model.
#[derive(Debug)]
pub struct AdaptiveLimit {
    max: usize,
    state: Mutex<LimitState>,
    notify: Notify,
}

/// A held slot; dropping it frees the slot.
pub struct Permit<'a> {
    owner: &'a AdaptiveLimit,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.owner.state.lock() {
            s.in_use -= 1;
        }
        self.owner.notify.notify_waiters();
    }
}

impl AdaptiveLimit {
    /// A limit starting (and capped) at `max` concurrent requests.
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        AdaptiveLimit {
            max,
            state: Mutex::new(LimitState {
                limit: max,
                in_use: 0,
                successes: 0,
                paused_until: None,
            }),
            notify: Notify::new(),
        }
    }

    /// The current limit.
    pub fn current(&self) -> usize {
        self.state.lock().map(|s| s.limit).unwrap_or(1)
    }

    /// Waits for a slot (and for any rate-limit pause to end).
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            let notified = self.notify.notified();
            let wait_until = {
                let mut s = self.state.lock().expect("limit state poisoned");
                match s.paused_until {
                    Some(t) if t > Instant::now() => Some(t),
                    _ => {
                        s.paused_until = None;
                        if s.in_use < s.limit {
                            s.in_use += 1;
                            return Permit { owner: self };
                        }
                        None
                    }
                }
            };
            match wait_until {
                Some(t) => tokio::time::sleep_until(t).await,
                None => notified.await,
            }
        }
    }

    /// A 429: halve the limit and pause everyone until `retry_after` has passed.
    pub fn on_rate_limit(&self, retry_after: Option<Duration>) {
        let mut s = self.state.lock().expect("limit state poisoned");
        s.limit = (s.limit / 2).max(1);
        s.successes = 0;
        if let Some(ra) = retry_after {
            let until = Instant::now() + ra;
            s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        }
    }

    /// A success: after `limit` of them in a row, allow one more concurrent request.
    pub fn on_success(&self) {
        let mut s = self.state.lock().expect("limit state poisoned");
        s.successes += 1;
        if s.successes >= s.limit && s.limit < self.max {
            s.limit += 1;
            s.successes = 0;
            drop(s);
            self.notify.notify_waiters();
        }
    }
}

/// Run-wide counters, read by the progress bar and the budget check.
#[derive(Debug, Default)]
pub struct Meter {
    /// Samples finished (ok or error).
    pub done: AtomicU64,
    /// Samples finished with an error.
    pub errors: AtomicU64,
    /// Retries made (all requests).
    pub retries: AtomicU64,
    /// Requests waiting out a backoff right now.
    pub backing_off: AtomicU64,
    /// Prompt tokens.
    pub prompt_tokens: AtomicU64,
    /// Completion tokens.
    pub completion_tokens: AtomicU64,
    /// Spend in micro-dollars (atomics have no f64).
    pub cost_micros: AtomicU64,
    /// Responses served from the cache.
    pub cache_hits: AtomicU64,
    /// Samples scored by their dataset's headline (first) scorer, for the running accuracy.
    pub scored: AtomicU64,
    /// Sum of those headline scores, in millionths (scores lie in [0, 1]).
    pub score_micros: AtomicU64,
}

impl Meter {
    /// Spend so far in USD.
    pub fn cost(&self) -> f64 {
        self.cost_micros.load(Ordering::Relaxed) as f64 / 1e6
    }
    /// Counts one sample's headline score.
    pub fn record_score(&self, value: f64) {
        let micros = (value.clamp(0.0, 1.0) * 1e6).round() as u64;
        self.score_micros.fetch_add(micros, Ordering::Relaxed);
        self.scored.fetch_add(1, Ordering::Relaxed);
    }
    /// The mean headline score so far and how many samples it covers (`None` before the first).
    pub fn running_score(&self) -> Option<(f64, u64)> {
        let n = self.scored.load(Ordering::Relaxed);
        (n > 0).then(|| {
            (
                self.score_micros.load(Ordering::Relaxed) as f64 / 1e6 / n as f64,
                n,
            )
        })
    }
    /// Prompt plus completion tokens.
    pub fn tokens(&self) -> u64 {
        self.prompt_tokens.load(Ordering::Relaxed) + self.completion_tokens.load(Ordering::Relaxed)
    }
}

/// A store of responses keyed by the full request.
pub trait ResponseCache: Send + Sync {
    /// A cached response.
    fn get(&self, key: &str) -> Option<ChatResponse>;
    /// Remembers a response.
    fn put(&self, key: &str, response: &ChatResponse);
}

/// The cache key: SHA-256 over the provider identity (model and endpoint), the canonical request
/// JSON, and a salt (the epoch) so that sampled epochs are independent draws.
pub fn cache_key(identity: &str, request: &ChatRequest, salt: &str) -> String {
    let mut h = Sha256::new();
    h.update(identity.as_bytes());
    h.update([0]);
    h.update(serde_json::to_vec(request).unwrap_or_default());
    h.update([0]);
    h.update(salt.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What one sample's model calls cost and how they went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallLog {
    /// Requests sent (including retries and cache hits).
    pub calls: u32,
    /// Retries.
    pub retries: u32,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// USD.
    pub cost: f64,
    /// Responses served from the cache.
    pub cache_hits: u32,
    /// The errors that were retried, in order.
    pub retried_errors: Vec<String>,
}

impl CallLog {
    /// Adds another log's counts to this one (calls made concurrently, each with its own log).
    pub fn absorb(&mut self, other: CallLog) {
        self.calls += other.calls;
        self.retries += other.retries;
        self.prompt_tokens += other.prompt_tokens;
        self.completion_tokens += other.completion_tokens;
        self.cost += other.cost;
        self.cache_hits += other.cache_hits;
        self.retried_errors.extend(other.retried_errors);
    }
}

/// Why a model call gave up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CallError {
    /// The provider failed and retrying did not help (or the error was not transient).
    #[error("{error} (after {attempts} attempt(s))")]
    Provider {
        /// The last error.
        error: ProviderError,
        /// Attempts made.
        attempts: u32,
    },
    /// The run's `--max-cost` was reached before this call.
    #[error("cost budget of ${budget:.4} reached")]
    Budget {
        /// The budget in USD.
        budget: f64,
    },
}

/// One model with the run's policies around it. Cheap to clone.
#[derive(Clone)]
pub struct ModelClient {
    /// The model.
    pub provider: Arc<dyn Provider>,
    /// Its concurrency limit.
    pub limit: Arc<AdaptiveLimit>,
    /// Retry policy.
    pub policy: RetryPolicy,
    /// Prices for cost accounting.
    pub price: Price,
    /// Run-wide counters.
    pub meter: Arc<Meter>,
    /// `--max-cost` in USD.
    pub budget: Option<f64>,
    /// Response cache.
    pub cache: Option<Arc<dyn ResponseCache>>,
}

impl ModelClient {
    /// A client with default policy, no cache and no budget.
    pub fn new(provider: Arc<dyn Provider>, max_connections: usize) -> Self {
        ModelClient {
            provider,
            limit: Arc::new(AdaptiveLimit::new(max_connections)),
            policy: RetryPolicy::default(),
            price: Price::default(),
            meter: Arc::new(Meter::default()),
            budget: None,
            cache: None,
        }
    }

    /// Generates, retrying transient failures. `salt` separates cache entries (the epoch).
    pub async fn generate(
        &self,
        request: &ChatRequest,
        salt: &str,
        log: &mut CallLog,
    ) -> Result<ChatResponse, CallError> {
        let key = self
            .cache
            .as_ref()
            .map(|_| cache_key(&self.provider.cache_identity(), request, salt));
        if let (Some(cache), Some(key)) = (&self.cache, &key)
            && let Some(hit) = cache.get(key)
        {
            log.calls += 1;
            log.cache_hits += 1;
            self.meter.cache_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(hit);
        }
        let mut attempt = 0u32;
        loop {
            if let Some(budget) = self.budget
                && self.meter.cost() >= budget
            {
                return Err(CallError::Budget { budget });
            }
            log.calls += 1;
            let result = {
                let _permit = self.limit.acquire().await;
                self.provider.chat(request).await
            };
            match result {
                Ok(resp) => {
                    self.limit.on_success();
                    let cost = self.price.cost(&resp);
                    log.prompt_tokens += resp.prompt_tokens;
                    log.completion_tokens += resp.completion_tokens;
                    log.cost += cost;
                    self.meter
                        .prompt_tokens
                        .fetch_add(resp.prompt_tokens, Ordering::Relaxed);
                    self.meter
                        .completion_tokens
                        .fetch_add(resp.completion_tokens, Ordering::Relaxed);
                    self.meter
                        .cost_micros
                        .fetch_add((cost * 1e6).round() as u64, Ordering::Relaxed);
                    if let (Some(cache), Some(key)) = (&self.cache, &key) {
                        cache.put(key, &resp);
                    }
                    return Ok(resp);
                }
                Err(err) => {
                    if err.is_rate_limit() {
                        self.limit.on_rate_limit(
                            err.retry_after()
                                .map(|d| d.min(self.policy.max_retry_after)),
                        );
                    }
                    if !should_retry(&err) || attempt >= self.policy.max_retries {
                        return Err(CallError::Provider {
                            error: err,
                            attempts: attempt + 1,
                        });
                    }
                    let wait = self.policy.backoff(
                        attempt,
                        rand::rng().random::<f64>(),
                        err.retry_after(),
                    );
                    log.retries += 1;
                    log.retried_errors.push(err.to_string());
                    self.meter.retries.fetch_add(1, Ordering::Relaxed);
                    self.meter.backing_off.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(wait).await;
                    self.meter.backing_off.fetch_sub(1, Ordering::Relaxed);
                    attempt += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_running_score_is_the_mean_of_headline_scores_so_far() {
        let m = Meter::default();
        assert_eq!(m.running_score(), None);
        for v in [1.0, 0.0, 0.0, 1.0, 0.5] {
            m.record_score(v);
        }
        let (mean, n) = m.running_score().unwrap();
        assert_eq!(n, 5);
        assert!((mean - 0.5).abs() < 1e-9, "{mean}");
    }

    use super::*;
    use crate::provider::ChatMessage;
    use crate::provider::mock::MockProvider;
    use proptest::prelude::*;
    use std::sync::atomic::AtomicU32;

    fn req() -> ChatRequest {
        ChatRequest {
            messages: vec![ChatMessage::user("q")],
            max_tokens: 10,
            temperature: 0.0,
            seed: None,
            stop: vec![],
        }
    }

    #[test]
    fn should_retry_is_transient_only() {
        let st = |status| ProviderError::Status {
            status,
            body: String::new(),
            retry_after: None,
        };
        for s in [429, 408, 500, 502, 503, 529] {
            assert!(should_retry(&st(s)), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!should_retry(&st(s)), "{s}");
        }
        assert!(should_retry(&ProviderError::Connect("x".into())));
        assert!(should_retry(&ProviderError::Timeout(Duration::from_secs(
            1
        ))));
        assert!(should_retry(&ProviderError::Body("x".into())));
        assert!(should_retry(&ProviderError::Malformed {
            reason: "x".into(),
            body: String::new()
        }));
        assert!(!should_retry(&ProviderError::Rejected("x".into())));
    }

    proptest! {
        #[test]
        fn backoff_is_capped_jittered_and_honours_retry_after(attempt in 0u32..64, u in 0.0f64..=1.0, ra in proptest::option::of(0u64..300)) {
            let p = RetryPolicy::default();
            let ra = ra.map(Duration::from_secs);
            let w = p.backoff(attempt, u, ra);
            let nominal = p.base.saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX)).min(p.cap);
            prop_assert!(w >= nominal / 2 || ra.is_some());
            if let Some(ra) = ra {
                prop_assert!(w >= ra.min(p.max_retry_after));
                prop_assert!(w <= p.cap.max(ra.min(p.max_retry_after)));
            } else {
                prop_assert!(w <= p.cap);
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_non_transient_errors_are_not_retried() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let p = MockProvider::from_fn(
            "fail",
            Arc::new(move |_| {
                c.fetch_add(1, Ordering::SeqCst);
                Err(ProviderError::Status {
                    status: 503,
                    body: "busy".into(),
                    retry_after: None,
                })
            }),
        );
        let client = ModelClient::new(Arc::new(p), 4);
        let mut log = CallLog::default();
        let err = client.generate(&req(), "", &mut log).await.unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 7);
        assert_eq!(log.retries, 6);
        assert!(matches!(err, CallError::Provider { attempts: 7, .. }));

        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let p = MockProvider::from_fn(
            "bad",
            Arc::new(move |_| {
                c.fetch_add(1, Ordering::SeqCst);
                Err(ProviderError::Status {
                    status: 400,
                    body: "bad".into(),
                    retry_after: None,
                })
            }),
        );
        let client = ModelClient::new(Arc::new(p), 4);
        let mut log = CallLog::default();
        client.generate(&req(), "", &mut log).await.unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limit_halves_concurrency_and_waits_retry_after() {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let p = MockProvider::from_fn(
            "rl",
            Arc::new(move |_| {
                if c.fetch_add(1, Ordering::SeqCst) == 0 {
                    Err(ProviderError::Status {
                        status: 429,
                        body: String::new(),
                        retry_after: Some(Duration::from_secs(7)),
                    })
                } else {
                    Ok("fine".into())
                }
            }),
        );
        let client = ModelClient::new(Arc::new(p), 8);
        let start = Instant::now();
        let mut log = CallLog::default();
        let r = client.generate(&req(), "", &mut log).await.unwrap();
        assert_eq!(r.text, "fine");
        assert!(start.elapsed() >= Duration::from_secs(7));
        assert_eq!(client.limit.current(), 4);
        assert_eq!(log.retries, 1);
        for _ in 0..4 {
            client.limit.on_success();
        }
        assert_eq!(client.limit.current(), 5);
    }

    #[tokio::test]
    async fn budget_stops_calls() {
        let p = MockProvider::from_fn("x", Arc::new(|_| Ok("one two three".into())));
        let mut client = ModelClient::new(Arc::new(p), 1);
        client.price = Price {
            input_per_mtok: 1e6,
            output_per_mtok: 1e6,
        };
        client.budget = Some(3.5);
        let mut log = CallLog::default();
        client.generate(&req(), "", &mut log).await.unwrap();
        assert_eq!(client.meter.cost(), 4.0);
        assert!(matches!(
            client.generate(&req(), "", &mut log).await,
            Err(CallError::Budget { .. })
        ));
    }
}
