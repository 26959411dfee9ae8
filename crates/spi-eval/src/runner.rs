//! The runner: plans which sample-epochs to run (filters, seeded shuffle, limit, shard, resume),
//! runs them concurrently through one `ModelClient` per model, scores them, and hands each record
//! to the store the moment it completes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::client::{CallLog, Meter, ModelClient, ResponseCache, RetryPolicy};
use crate::error::EvalError;
use crate::provider::{ModelSpec, Price, Provider, ProviderEnv, build_provider};
use crate::scorer::{CheckRegistry, Judges, Score, score_sample};
use crate::solver::{PreparedSolver, SolveContext, SolverRegistry, TaskState};
use crate::store::{RunInfo, SampleRecord, SampleStatus, Store, StoreFailure};
use crate::suite::{ScorerConfig, SolverConfig, Suite};
use crate::tools::ToolRegistry;

/// One shard of a run spread over array jobs: shard `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based index.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// Parses `i/n` with 1 <= i <= n.
    pub fn parse(s: &str) -> Result<Shard, EvalError> {
        let bad = || {
            EvalError::Config(format!(
                "--shard `{s}`: expected i/n with 1 <= i <= n, e.g. 2/8"
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether a sample key belongs to this shard: by hash of the key, so shards do not depend
    /// on order and every key lands in exactly one shard.
    pub fn contains(&self, key: &str) -> bool {
        let d = Sha256::digest(key.as_bytes());
        let h = u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
        (h % self.count as u64) as u32 == self.index - 1
    }
}

/// Options for one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunOptions {
    /// Run only the first N samples (after shuffling).
    pub limit: Option<usize>,
    /// Run only these samples (`id` or `dataset/id`).
    pub sample_ids: Vec<String>,
    /// Epochs per sample.
    pub epochs: u32,
    /// Shard.
    pub shard: Option<Shard>,
    /// Concurrent samples and the starting per-model request limit.
    pub max_connections: usize,
    /// Budget in USD.
    pub max_cost: Option<f64>,
    /// Overrides the suite's seed.
    pub seed: Option<u64>,
    /// Continue the newest unfinished run with the same fingerprint.
    pub resume: bool,
    /// Name the run (shards of one array job share it).
    pub run_id: Option<String>,
    /// Use the response cache.
    pub cache: bool,
    /// Draw a progress bar on a terminal.
    pub progress: bool,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Prices overriding the built-in table.
    pub price: Option<Price>,
    /// The suite arm to run (`None` or `baseline`: the suite as written).
    #[serde(default)]
    pub arm: Option<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            limit: None,
            sample_ids: Vec::new(),
            epochs: 1,
            shard: None,
            max_connections: 16,
            max_cost: None,
            seed: None,
            resume: false,
            run_id: None,
            cache: true,
            progress: false,
            retry: RetryPolicy::default(),
            price: None,
            arm: None,
        }
    }
}

/// What the run needs besides the suite: engine checks, tools, and how to build judges.
#[derive(Debug, Clone, Default)]
pub struct RunServices {
    /// Engine checks for `check` scorers.
    pub checks: CheckRegistry,
    /// Tools for agent solvers.
    pub tools: ToolRegistry,
    /// Keys and endpoints for judge models.
    pub env: ProviderEnv,
    /// Solvers by kind (the built-ins unless more are registered).
    pub solvers: SolverRegistry,
}

/// One unit of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    /// Index into `suite.datasets`.
    pub dataset: usize,
    /// Index into that dataset's samples.
    pub sample: usize,
    /// `dataset/id`.
    pub key: String,
    /// 1-based epoch.
    pub epoch: u32,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run.
    pub run_id: String,
    /// Whether an earlier run was continued.
    pub resumed: bool,
    /// Sample-epochs in the plan.
    pub planned: usize,
    /// Already done before this invocation.
    pub already_done: usize,
    /// Finished ok now.
    pub ok: u64,
    /// Finished with an error now.
    pub errors: u64,
    /// Not started because the budget ran out.
    pub not_run: usize,
    /// Retries made.
    pub retries: u64,
    /// Cache hits.
    pub cache_hits: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// USD.
    pub cost: f64,
    /// Wall time in seconds.
    pub elapsed_s: f64,
    /// `success`, `incomplete` (errors or budget) or `cancelled` (Ctrl-C).
    pub status: String,
}

/// RFC 3339 with milliseconds, UTC.
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

fn new_run_id() -> String {
    let t = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let compact: String = t
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .collect();
    format!("{compact}-{:06x}", rand::rng().random::<u32>() & 0xff_ffff)
}

/// The ordered sample-epochs a run covers.
pub fn plan(suite: &Suite, opts: &RunOptions) -> Result<Vec<WorkItem>, EvalError> {
    let mut base: Vec<(usize, usize, String)> = Vec::new();
    for (di, d) in suite.datasets.iter().enumerate() {
        for (si, s) in d.samples.iter().enumerate() {
            base.push((di, si, format!("{}/{}", d.config.name, s.id)));
        }
    }
    if !opts.sample_ids.is_empty() {
        let wanted: HashSet<&str> = opts.sample_ids.iter().map(String::as_str).collect();
        base.retain(|(di, si, key)| {
            wanted.contains(key.as_str())
                || wanted.contains(suite.datasets[*di].samples[*si].id.as_str())
        });
        let found: HashSet<&str> = base
            .iter()
            .flat_map(|(di, si, k)| [k.as_str(), suite.datasets[*di].samples[*si].id.as_str()])
            .collect();
        if let Some(missing) = opts.sample_ids.iter().find(|w| !found.contains(w.as_str())) {
            return Err(EvalError::Config(format!(
                "--sample-id `{missing}`: no such sample in suite `{}`",
                suite.file.name
            )));
        }
    }
    if suite.file.shuffle {
        let seed = opts.seed.unwrap_or(suite.file.seed);
        base.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    }
    if let Some(n) = opts.limit {
        base.truncate(n);
    }
    if let Some(shard) = opts.shard {
        base.retain(|(_, _, k)| shard.contains(k));
    }
    let epochs = opts.epochs.max(1);
    Ok(base
        .into_iter()
        .flat_map(|(dataset, sample, key)| {
            (1..=epochs).map(move |epoch| WorkItem {
                dataset,
                sample,
                key: key.clone(),
                epoch,
            })
        })
        .collect())
}

/// What identifies "the same run" for `--resume`.
pub fn fingerprint(suite: &Suite, model: &str, opts: &RunOptions) -> String {
    let mut h = Sha256::new();
    h.update(suite.fingerprint.as_bytes());
    h.update(model.as_bytes());
    let key = serde_json::json!({
        "limit": opts.limit, "sample_ids": opts.sample_ids, "epochs": opts.epochs,
        "shard": opts.shard, "seed": opts.seed,
    });
    h.update(key.to_string().as_bytes());
    // Arms are separate runs: `--resume --arm X` never continues the baseline. Baseline
    // fingerprints are unchanged from before arms existed.
    if let Some(arm) = opts
        .arm
        .as_deref()
        .filter(|a| *a != crate::suite::BASELINE_ARM)
    {
        h.update(b"\0arm=");
        h.update(arm.as_bytes());
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs (or resumes) a suite against a model, recording into `store`.
pub async fn run_suite(
    suite: Arc<Suite>,
    model: Arc<dyn Provider>,
    store: &Store,
    opts: &RunOptions,
    services: &RunServices,
) -> Result<RunSummary, EvalError> {
    run_suite_until(suite, model, store, opts, services, std::future::pending()).await
}

impl RunOptions {
    /// Refuses options that cannot describe a run: zero epochs or connections, a budget or
    /// price that is not a finite non-negative number, an unsafe run id.
    pub fn validate(&self) -> Result<(), EvalError> {
        let bad = |m: String| Err(EvalError::Config(m));
        if self.epochs == 0 {
            return bad("--epochs 0: expected at least 1 epoch".into());
        }
        if self.max_connections == 0 {
            return bad("--max-connections 0: expected at least 1".into());
        }
        if let Some(c) = self.max_cost
            && !(c.is_finite() && c >= 0.0)
        {
            return bad(format!(
                "--max-cost {c}: expected a finite non-negative number of USD"
            ));
        }
        if let Some(p) = &self.price {
            for (what, v) in [("input", p.input_per_mtok), ("output", p.output_per_mtok)] {
                if !(v.is_finite() && v >= 0.0) {
                    return bad(format!(
                        "--price: {what} price {v}: expected a finite non-negative USD per million tokens"
                    ));
                }
            }
        }
        if let Some(id) = &self.run_id {
            crate::store::validate_run_id(id)?;
        }
        if self.limit == Some(0) {
            return bad("--limit 0: expected at least 1 sample".into());
        }
        Ok(())
    }
}

/// Checks everything a run needs before the first call: every engine check kind is
/// registered and accepts its spec, every agent tool is registered, every rubric has judges
/// and items. A configuration error found here costs nothing and leaves no run behind.
pub fn validate_services(suite: &Suite, services: &RunServices) -> Result<(), EvalError> {
    for d in &suite.datasets {
        let name = &d.config.name;
        let kind = d.config.solver.kind();
        let solver = services.solvers.get(kind).ok_or_else(|| {
            EvalError::Config(format!(
                "dataset `{name}`: solver `{kind}` is not registered (registered: {})",
                services.solvers.names().join(", ")
            ))
        })?;
        solver
            .validate(&d.config.solver.options())
            .map_err(|e| EvalError::Config(format!("dataset `{name}`: solver `{kind}`: {e}")))?;
        if let SolverConfig::Agent { tools, .. } = &d.config.solver {
            for t in tools {
                if services.tools.get(t).is_none() {
                    return Err(EvalError::Config(format!(
                        "dataset `{name}`: agent tool `{t}` is not registered (registered: {})",
                        services.tools.names().join(", ")
                    )));
                }
            }
        }
        for sc in &d.config.scorers {
            match sc {
                ScorerConfig::Check => {
                    for s in &d.samples {
                        if let Some(spec) = &s.check {
                            services.checks.validate(spec).map_err(|e| {
                                EvalError::Config(format!(
                                    "dataset `{name}`, sample `{}`: {e}",
                                    s.id
                                ))
                            })?;
                        }
                    }
                }
                ScorerConfig::Rubric { judges, rubric } => {
                    if judges.is_empty() {
                        return Err(EvalError::Config(format!(
                            "dataset `{name}`: a rubric scorer needs at least one judge"
                        )));
                    }
                    if rubric.is_empty()
                        && let Some(s) = d.samples.iter().find(|s| {
                            s.metadata
                                .get("rubric")
                                .and_then(|r| r.as_array())
                                .is_none_or(|a| a.is_empty())
                        })
                    {
                        return Err(EvalError::Config(format!(
                            "dataset `{name}`, sample `{}`: the rubric scorer has no rubric in the suite and none in metadata.rubric",
                            s.id
                        )));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// What one sample task reports back to the runner.
struct TaskOutcome {
    ok: bool,
    stored: Result<(), StoreFailure>,
}

/// Solves and scores one sample. Runs as its own task so that a panic anywhere in it (a
/// provider, the solver, a scorer) surfaces as a `JoinError` the caller records, never as a
/// sample that silently vanishes.
async fn solve_and_score(
    suite: Arc<Suite>,
    solvers: Arc<Vec<PreparedSolver>>,
    client: ModelClient,
    judges: Arc<Judges>,
    checks: Arc<CheckRegistry>,
    tools: Arc<ToolRegistry>,
    registry: Arc<SolverRegistry>,
    item: WorkItem,
    seed: u64,
    log: Arc<std::sync::Mutex<CallLog>>,
) -> (Option<TaskState>, BTreeMap<String, Score>, Option<String>) {
    let ds = &suite.datasets[item.dataset];
    let sample = &ds.samples[item.sample];
    let mut local = CallLog::default();
    let ctx = SolveContext {
        model: &client,
        tools: &tools,
        seed,
        epoch: item.epoch,
        key: &item.key,
        tool_budget: checks.budget(),
        solvers: &registry,
    };
    let out = match solvers[item.dataset].solve(sample, &ctx, &mut local).await {
        Err(e) => (None, Default::default(), Some(e.to_string())),
        Ok(state) => match score_sample(
            &ds.config.scorers,
            sample,
            &state,
            &checks,
            &judges,
            &mut local,
        )
        .await
        {
            Ok(scores) => (Some(state), scores, None),
            Err(e) => (Some(state), Default::default(), Some(e.to_string())),
        },
    };
    if let Ok(mut l) = log.lock() {
        *l = local;
    }
    out
}

/// Like [`run_suite`], but stops starting samples when `shutdown` resolves (Ctrl-C in the CLI):
/// samples in flight finish and are committed, the rest stay unrun for `--resume`, and the run
/// is marked `cancelled`.
///
/// Every planned sample-epoch ends as exactly one of ok, error (with its cause, a panic
/// included) or not run, so `planned = already_done + ok + errors + not_run` always holds. If
/// the store stops accepting records, no further sample is started, those in flight are
/// abandoned, and the error says how many were committed.
pub async fn run_suite_until(
    suite: Arc<Suite>,
    model: Arc<dyn Provider>,
    store: &Store,
    opts: &RunOptions,
    services: &RunServices,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<RunSummary, EvalError> {
    let started = Instant::now();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut cancelled = false;
    opts.validate()?;
    let suite = match &opts.arm {
        Some(arm) => Arc::new(suite.with_arm(arm)?),
        None => suite,
    };
    validate_services(&suite, services)?;
    let work = plan(&suite, opts)?;
    if work.is_empty() {
        return Err(EvalError::Config(format!(
            "suite `{}`: the plan is empty (no samples after filters, limit and shard)",
            suite.file.name
        )));
    }
    let model_name = model.name();
    let fp = fingerprint(&suite, &model_name, opts);

    // Everything that can fail on configuration is set up before the run is recorded, so a
    // bad judge spec leaves no phantom "running" run behind.
    let meter = Arc::new(Meter::default());
    let mut judges = Judges::new();
    for d in &suite.datasets {
        for s in &d.config.scorers {
            if let ScorerConfig::Rubric { judges: specs, .. } = s {
                for j in specs {
                    if !judges.contains_key(j) {
                        let js = ModelSpec::parse(j)?;
                        let mut jc = ModelClient::new(
                            build_provider(&js, &services.env)?,
                            opts.max_connections,
                        );
                        jc.meter = meter.clone();
                        jc.policy = opts.retry;
                        jc.budget = opts.max_cost;
                        jc.price = Price::known(&js);
                        judges.insert(j.clone(), jc);
                    }
                }
            }
        }
    }
    let judges = Arc::new(judges);
    let solvers: Arc<Vec<PreparedSolver>> = Arc::new(
        suite
            .datasets
            .iter()
            .map(PreparedSolver::for_dataset)
            .collect::<Result<_, _>>()?,
    );
    for (d, solver) in suite.datasets.iter().zip(solvers.iter()) {
        for s in &d.samples {
            solver.preview(s)?;
        }
    }

    let existing = match (&opts.run_id, opts.resume) {
        (Some(id), _) => store.runs()?.into_iter().find(|r| &r.run_id == id),
        (None, true) => store.find_resumable(&fp)?,
        (None, false) => None,
    };
    if let Some(run) = &existing {
        if !opts.resume && opts.shard.is_none() {
            return Err(EvalError::Config(format!(
                "run `{}` already exists in {}; pass --resume to continue it",
                run.run_id,
                store.path().display()
            )));
        }
        if run.fingerprint != fp && opts.shard.is_none() {
            return Err(EvalError::Config(format!(
                "run `{}` was made with a different suite, model or options; it cannot be resumed with these",
                run.run_id
            )));
        }
    }
    let resumed = existing.is_some();
    let run_id = match existing {
        Some(r) => r.run_id,
        None => opts.run_id.clone().unwrap_or_else(new_run_id),
    };
    // The lock comes before the run row, so two resumers never both run the missing samples.
    // Shards of one run (one `--run-id`, disjoint samples) may share a log directory and run
    // at once; the same shard twice may not.
    let lock_name = match opts.shard {
        Some(sh) => format!("{run_id}.shard-{}-of-{}", sh.index, sh.count),
        None => run_id.clone(),
    };
    let _lock = store.lock_run(&lock_name)?;
    if !resumed {
        let run = RunInfo {
            run_id: run_id.clone(),
            suite_name: suite.file.name.clone(),
            suite_path: suite.path.display().to_string(),
            fingerprint: fp.clone(),
            model: model_name.clone(),
            created_at: now_rfc3339(),
            finished_at: None,
            status: "running".into(),
            config: serde_json::json!({
                "options": opts,
                "suite": suite.file,
                "planned": work.len(),
            }),
            arm: suite.arm.clone(),
        };
        store.create_run(&run)?;
    } else {
        store.mark_running(&run_id)?;
    }
    store.add_plan(&run_id, work.iter().map(|w| (w.key.as_str(), w.epoch)))?;
    let done = store.completed(&run_id)?;
    let todo: Vec<WorkItem> = work
        .iter()
        .filter(|w| !done.contains(&(w.key.clone(), w.epoch)))
        .cloned()
        .collect();
    let already_done = work.len() - todo.len();

    let writer = store.writer()?;
    let cache: Option<Arc<dyn ResponseCache>> = if opts.cache {
        Some(Arc::new(store.cache(&writer)?))
    } else {
        None
    };
    let spec = ModelSpec::parse(&model_name).ok();
    let mut client = ModelClient::new(model, opts.max_connections);
    client.meter = meter.clone();
    client.policy = opts.retry;
    client.budget = opts.max_cost;
    client.cache = cache.clone();
    client.price = opts
        .price
        .or_else(|| spec.as_ref().map(Price::known))
        .unwrap_or_default();
    let checks = Arc::new(services.checks.clone());
    let tools = Arc::new(services.tools.clone());
    let registry = Arc::new(services.solvers.clone());
    let seed = opts.seed.unwrap_or(suite.file.seed);

    let bar = progress_bar(
        opts.progress,
        todo.len() as u64,
        &suite.file.name,
        &model_name,
    );
    let ticker = bar.clone().map(|bar| {
        let meter = meter.clone();
        let limit = client.limit.clone();
        tokio::spawn(async move {
            loop {
                bar.set_message(progress_message(&meter, limit.current()));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    });

    let sem = Arc::new(Semaphore::new(opts.max_connections.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut in_flight: HashMap<tokio::task::Id, usize> = HashMap::new();
    let (mut ok, mut errors) = (0u64, 0u64);
    let mut store_failure: Option<StoreFailure> = None;
    let sink = writer.sink();
    // Reaps one finished task: counts it, and notes a store failure. A task that itself
    // panicked (outside the guarded solve) is recorded here as an error.
    let mut reap = |joined: Result<(tokio::task::Id, TaskOutcome), tokio::task::JoinError>,
                    in_flight: &mut HashMap<tokio::task::Id, usize>,
                    store_failure: &mut Option<StoreFailure>| {
        match joined {
            Ok((id, outcome)) => {
                in_flight.remove(&id);
                if outcome.ok {
                    ok += 1;
                } else {
                    errors += 1;
                }
                if let Err(f) = outcome.stored {
                    store_failure.get_or_insert(f);
                }
            }
            Err(e) if e.is_cancelled() => {
                in_flight.remove(&e.id());
            }
            Err(e) => {
                let idx = in_flight.remove(&e.id());
                errors += 1;
                if let Some(i) = idx {
                    let item: &WorkItem = &todo[i];
                    let ds = &suite.datasets[item.dataset];
                    let now = now_rfc3339();
                    let r = sink.record(SampleRecord {
                        run_id: run_id.clone(),
                        key: item.key.clone(),
                        epoch: item.epoch,
                        dataset: ds.config.name.clone(),
                        status: SampleStatus::Error,
                        sample: ds.samples[item.sample].clone(),
                        state: None,
                        scores: Default::default(),
                        error: Some(format!(
                            "internal error (a bug in spi): {}",
                            crate::error::panic_text(e)
                        )),
                        calls: CallLog::default(),
                        started_at: now.clone(),
                        completed_at: now,
                        latency_ms: 0.0,
                    });
                    if let Err(f) = r {
                        store_failure.get_or_insert(f);
                    }
                }
            }
        }
    };
    for (i, item) in todo.iter().enumerate() {
        if store_failure.is_none() {
            store_failure = sink.failure();
        }
        if store_failure.is_some() {
            break;
        }
        let permit = tokio::select! {
            p = sem.clone().acquire_owned() => p.map_err(|_| EvalError::Config("runner semaphore closed".into()))?,
            _ = &mut shutdown => {
                cancelled = true;
                break;
            }
        };
        if opts.max_cost.is_some_and(|b| meter.cost() >= b) {
            break;
        }
        let (suite2, solvers, client, judges, checks, tools, registry, sink, meter, bar, run_id) = (
            suite.clone(),
            solvers.clone(),
            client.clone(),
            judges.clone(),
            checks.clone(),
            tools.clone(),
            registry.clone(),
            sink.clone(),
            meter.clone(),
            bar.clone(),
            run_id.clone(),
        );
        let item = item.clone();
        let handle = tasks.spawn(async move {
            let _permit = permit;
            let t0 = Instant::now();
            let started_at = now_rfc3339();
            let log = Arc::new(std::sync::Mutex::new(CallLog::default()));
            let guarded = tokio::spawn(solve_and_score(
                suite2.clone(),
                solvers,
                client,
                judges,
                checks,
                tools,
                registry,
                item.clone(),
                seed,
                log.clone(),
            ));
            // Dropping this task (store failure) must also stop the guarded one.
            let abort = guarded.abort_handle();
            let _stop = AbortOnDrop(abort);
            let (state, scores, error) = match guarded.await {
                Ok(r) => r,
                Err(e) => (
                    None,
                    Default::default(),
                    Some(format!(
                        "internal error while solving or scoring (a bug in spi): {}",
                        crate::error::panic_text(e)
                    )),
                ),
            };
            let ds = &suite2.datasets[item.dataset];
            let sample = &ds.samples[item.sample];
            let status = if error.is_some() {
                SampleStatus::Error
            } else {
                SampleStatus::Ok
            };
            meter.done.fetch_add(1, Ordering::Relaxed);
            if error.is_none()
                && let Some(headline) = ds.config.scorers.first().and_then(|c| scores.get(c.name()))
            {
                meter.record_score(headline.value);
            }
            if error.is_some() {
                meter.errors.fetch_add(1, Ordering::Relaxed);
            }
            let calls = log.lock().map(|l| l.clone()).unwrap_or_default();
            let ok = error.is_none();
            let stored = sink.record(SampleRecord {
                run_id,
                key: item.key.clone(),
                epoch: item.epoch,
                dataset: ds.config.name.clone(),
                status,
                sample: sample.clone(),
                state,
                scores,
                error,
                calls,
                started_at,
                completed_at: now_rfc3339(),
                latency_ms: t0.elapsed().as_secs_f64() * 1e3,
            });
            if let Some(b) = &bar {
                b.inc(1);
            }
            TaskOutcome { ok, stored }
        });
        in_flight.insert(handle.id(), i);
        // Reap finished tasks as we go so the set stays small on large runs.
        while let Some(j) = tasks.try_join_next_with_id() {
            reap(j, &mut in_flight, &mut store_failure);
        }
    }
    if store_failure.is_some() {
        // Nothing more can be kept: stop paying for requests whose results would be lost.
        tasks.abort_all();
    }
    while let Some(j) = tasks.join_next_with_id().await {
        reap(j, &mut in_flight, &mut store_failure);
        if store_failure.is_some() {
            tasks.abort_all();
        }
    }
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(b) = &bar {
        b.set_message(progress_message(&meter, client.limit.current()));
        b.finish();
    }
    drop(sink);
    drop(client);
    drop(cache);
    let closed = writer.close();
    if let Some(f) = store_failure {
        let _ = store.finish_run(&run_id, "incomplete", &now_rfc3339());
        return Err(EvalError::StoreFailed(f));
    }
    closed?;

    // The status is the store's, not this session's: a resumed run is a success only when
    // every planned sample-epoch is recorded ok.
    let run = store.run(&run_id)?;
    let acc = store.accounting(&run)?;
    let not_run = todo.len() - (ok + errors) as usize;
    let status = if cancelled {
        "cancelled"
    } else if acc.ok == acc.planned && not_run == 0 && errors == 0 {
        "success"
    } else {
        "incomplete"
    };
    store.finish_run(&run_id, status, &now_rfc3339())?;
    Ok(RunSummary {
        run_id,
        resumed,
        planned: work.len(),
        already_done,
        ok,
        errors,
        not_run,
        retries: meter.retries.load(Ordering::Relaxed),
        cache_hits: meter.cache_hits.load(Ordering::Relaxed),
        prompt_tokens: meter.prompt_tokens.load(Ordering::Relaxed),
        completion_tokens: meter.completion_tokens.load(Ordering::Relaxed),
        cost: meter.cost(),
        elapsed_s: started.elapsed().as_secs_f64(),
        status: status.into(),
    })
}

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn progress_message(m: &Meter, limit: usize) -> String {
    let backoff = m.backing_off.load(Ordering::Relaxed);
    let score = match m.running_score() {
        Some((mean, n)) => format!("score {mean:.3} (n={n}) | "),
        None => String::new(),
    };
    format!(
        "{score}err {} | retries {}{} | conc {} | tok {} | ${:.4}",
        m.errors.load(Ordering::Relaxed),
        m.retries.load(Ordering::Relaxed),
        if backoff > 0 {
            format!(" ({backoff} backing off)")
        } else {
            String::new()
        },
        limit,
        m.tokens(),
        m.cost()
    )
}

fn progress_bar(
    enabled: bool,
    len: u64,
    suite: &str,
    model: &str,
) -> Option<indicatif::ProgressBar> {
    if !enabled || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    let style = indicatif::ProgressStyle::with_template(
        "{prefix} {bar:25} {pos}/{len} {msg} [{elapsed_precise}<{eta}]",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_prefix(format!("{suite} · {model}"));
    Some(bar)
}
