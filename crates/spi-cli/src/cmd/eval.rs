//! `spi eval run|report|export|compare|merge|list`: argument parsing and printing over spi-eval.
//!
//! API keys are read in `super::model::provider_env`, from `OPENAI_API_KEY` and
//! `ANTHROPIC_API_KEY` only, and handed to the library as `ApiKey`s. Exit codes: 0 a complete run, 1 a run that finished with sample errors or
//! an unspent plan (resume it), 2 bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use spi_eval::export::Format;
use spi_eval::provider::{ModelSpec, Price, build_provider};
use spi_eval::runner::{RunOptions, RunServices, Shard};
use spi_eval::scorer::CheckRegistry;
use spi_eval::stats::Reducer;
use spi_eval::store::Store;
use spi_eval::suite::Suite;
use spi_eval::tools::{ArithmeticTool, ToolRegistry};

use super::DomainRejection;

/// Run evaluation suites and read their results.
#[derive(Subcommand)]
pub enum EvalCommand {
    /// Run (or resume) a suite against a model.
    Run(RunArgs),
    /// Write a Markdown and a self-contained HTML report of a run.
    Report(ReportArgs),
    /// Export a run as Inspect eval-log JSON, JSON Lines or CSV.
    Export(ExportArgs),
    /// Paired comparison of two runs on the samples both scored.
    Compare(CompareArgs),
    /// Merge the stores of shards (array jobs) into one log directory.
    Merge(MergeArgs),
    /// List the runs in a log directory.
    List(ListArgs),
    /// Print a run's samples one per line, or one sample's transcript (turns, options as shown,
    /// target, scores and the scorers' explanations).
    Show(ShowArgs),
}

/// `spi eval show`.
#[derive(Args)]
pub struct ShowArgs {
    /// Run id, or `latest`.
    pub run: String,
    /// A sample (`id` or `dataset/id`); without it, every sample in one line each.
    pub sample: Option<String>,
    /// The epoch to show (default: every epoch of the sample).
    #[arg(long)]
    pub epoch: Option<u32>,
    /// Log directory holding the run store.
    #[arg(long, default_value = "logs")]
    pub log_dir: PathBuf,
}

/// `spi eval run`.
#[derive(Args)]
pub struct RunArgs {
    /// Suite file (TOML).
    pub suite: PathBuf,
    /// Model as provider:model (openai:gpt-4o, anthropic:claude-..., local:smollm2, mock:echo).
    #[arg(long)]
    pub model: String,
    /// Base URL of an OpenAI-compatible (or Anthropic) server.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Log directory holding the run store.
    #[arg(long, default_value = "logs")]
    pub log_dir: PathBuf,
    /// Run only the first N samples (after shuffling).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Run only this sample (id or dataset/id); repeatable.
    #[arg(long = "sample-id")]
    pub sample_id: Vec<String>,
    /// Epochs per sample.
    #[arg(long, default_value_t = 1)]
    pub epochs: u32,
    /// Run shard i of n (1-based), e.g. --shard "$((SLURM_ARRAY_TASK_ID+1))/$SLURM_ARRAY_TASK_COUNT".
    #[arg(long)]
    pub shard: Option<String>,
    /// Concurrent samples (and the starting request limit, lowered on 429s).
    #[arg(long, default_value_t = 16)]
    pub max_connections: usize,
    /// Stop starting samples once this many USD are spent.
    #[arg(long)]
    pub max_cost: Option<f64>,
    /// Prices as INPUT/OUTPUT USD per million tokens, overriding the built-in table.
    #[arg(long)]
    pub price: Option<String>,
    /// Continue the newest unfinished run of the same suite, model and options.
    #[arg(long)]
    pub resume: bool,
    /// Name the run (shards of one array job should share it).
    #[arg(long)]
    pub run_id: Option<String>,
    /// Override the suite's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 120.0)]
    pub timeout: f64,
    /// Retries per request for transient errors.
    #[arg(long, default_value_t = 6)]
    pub max_retries: u32,
    /// Do not read or write the response cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Run the suite's `[[arm]]` of this name (default: `baseline`, the suite as written).
    #[arg(long)]
    pub arm: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `spi eval report`.
#[derive(Args)]
pub struct ReportArgs {
    /// Run id, or `latest`.
    pub run: String,
    /// Log directory.
    #[arg(long, default_value = "logs")]
    pub log_dir: PathBuf,
    /// Where to write report.md and report.html (default: LOG_DIR/reports/RUN).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Epoch reducer: mean, mode or max.
    #[arg(long, default_value = "mean")]
    pub reducer: String,
    /// Print the report data as JSON instead of paths.
    #[arg(long)]
    pub json: bool,
}

/// `spi eval export`.
#[derive(Args)]
pub struct ExportArgs {
    /// Run id, or `latest`.
    pub run: String,
    /// inspect, jsonl or csv.
    #[arg(long)]
    pub format: String,
    /// Log directory.
    #[arg(long, default_value = "logs")]
    pub log_dir: PathBuf,
    /// Output file (default: LOG_DIR/exports/RUN.EXT).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `spi eval compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// Baseline run id.
    pub run_a: String,
    /// Other run id.
    pub run_b: String,
    /// Log directory of both runs (or of A when --log-dir-b is given).
    #[arg(long, default_value = "logs")]
    pub log_dir: PathBuf,
    /// Log directory of B.
    #[arg(long)]
    pub log_dir_b: Option<PathBuf>,
    /// Scorer to compare (default: the first).
    #[arg(long)]
    pub scorer: Option<String>,
    /// Epoch reducer.
    #[arg(long, default_value = "mean")]
    pub reducer: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `spi eval merge`.
#[derive(Args)]
pub struct MergeArgs {
    /// Log directory to merge into (created if needed).
    pub out: PathBuf,
    /// Log directories of the shards.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
}

/// `spi eval list`.
#[derive(Args)]
pub struct ListArgs {
    /// Log directory.
    #[arg(long, default_value = "logs")]
    pub log_dir: PathBuf,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn parse_reducer(s: &str) -> Result<Reducer> {
    Reducer::parse(s).ok_or_else(|| anyhow!("--reducer `{s}`: expected mean, mode or max"))
}

/// Runs an `spi eval` subcommand.
pub fn run(cmd: EvalCommand) -> Result<()> {
    match cmd {
        EvalCommand::Run(a) => run_suite(a),
        EvalCommand::Report(a) => report(a),
        EvalCommand::Show(a) => show(a),
        EvalCommand::Export(a) => export(a),
        EvalCommand::Compare(a) => compare(a),
        EvalCommand::Merge(a) => merge(a),
        EvalCommand::List(a) => list(a),
    }
}

/// A per-request timeout in seconds: finite, positive and at most a day (`Duration` cannot
/// hold 1e300 s, and a request that may take longer than a day is not a timeout).
pub(crate) fn parse_timeout(secs: f64) -> Result<std::time::Duration> {
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        bail!("--timeout {secs}: expected a number of seconds in (0, 86400]");
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// `INPUT/OUTPUT` USD per million tokens, each finite and non-negative.
fn parse_price(p: &str) -> Result<Price> {
    let (i, o) = p.split_once('/').ok_or_else(|| {
        anyhow!("--price `{p}`: expected INPUT/OUTPUT USD per million tokens, e.g. 2.5/10")
    })?;
    let num = |what: &str, t: &str| -> Result<f64> {
        let v: f64 = t
            .trim()
            .parse()
            .with_context(|| format!("--price `{p}`: {what} price"))?;
        if !(v.is_finite() && v >= 0.0) {
            bail!("--price `{p}`: {what} price {v}: expected a finite number >= 0");
        }
        Ok(v)
    };
    Ok(Price {
        input_per_mtok: num("input", i)?,
        output_per_mtok: num("output", o)?,
    })
}

/// Builds the provider behind a spinner on a terminal: a local model reads and lays out its
/// weights first (seconds), and a bar that sits at 0/N meanwhile looks like a hang.
fn loading<T>(model: &str, show: bool, build: impl FnOnce() -> T) -> T {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return build();
    }
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("loading {model}"));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let started = std::time::Instant::now();
    let built = build();
    spinner.finish_with_message(format!(
        "loaded {model} in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    built
}

fn run_suite(a: RunArgs) -> Result<()> {
    let suite = Suite::load(&a.suite)?;
    let spec = ModelSpec::parse(&a.model)?;
    let env = super::model::provider_env(a.base_url.clone(), parse_timeout(a.timeout)?);
    let provider = loading(&a.model, !a.json, || build_provider(&spec, &env))?;
    let price = a.price.as_deref().map(parse_price).transpose()?;
    if let Some(c) = a.max_cost
        && !(c.is_finite() && c >= 0.0)
    {
        bail!("--max-cost {c}: expected a finite number of USD >= 0");
    }
    let opts = RunOptions {
        limit: a.limit,
        sample_ids: a.sample_id.clone(),
        epochs: a.epochs,
        shard: a.shard.as_deref().map(Shard::parse).transpose()?,
        max_connections: a.max_connections,
        max_cost: a.max_cost,
        seed: a.seed,
        resume: a.resume,
        run_id: a.run_id.clone(),
        cache: !a.no_cache,
        progress: !a.json,
        retry: spi_eval::client::RetryPolicy {
            max_retries: a.max_retries,
            ..Default::default()
        },
        price,
        arm: a.arm.clone(),
    };
    let mut tools = ToolRegistry::new();
    tools.register(Arc::new(ArithmeticTool));
    let mut checks = CheckRegistry::with_builtins();
    spi_suites::engine::register(&mut checks, &mut tools);
    let services = RunServices {
        checks,
        tools,
        env,
        solvers: Default::default(),
    };
    let store = Store::open(&a.log_dir)?;
    let rt = runtime()?;
    let summary = rt.block_on(spi_eval::runner::run_suite_until(
        Arc::new(suite),
        provider,
        &store,
        &opts,
        &services,
        async {
            // Ctrl-C stops new samples; those in flight finish and are committed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        },
    ))?;
    if a.json {
        let v = spi_eval::documents::run_document(&summary, &a.log_dir)?;
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!(
            "run {} ({}): {} planned, {} already done, {} ok, {} errors, {} not run; {} retries, {} cache hits; tokens {} + {}; cost ${:.4}; {:.2}s",
            summary.run_id,
            summary.status,
            summary.planned,
            summary.already_done,
            summary.ok,
            summary.errors,
            summary.not_run,
            summary.retries,
            summary.cache_hits,
            summary.prompt_tokens,
            summary.completion_tokens,
            summary.cost,
            summary.elapsed_s
        );
        println!("store: {}", store.path().display());
    }
    if summary.status != "success" {
        return Err(DomainRejection(format!(
            "run {} is incomplete ({} errors, {} not run); finish it with the same command and --resume",
            summary.run_id, summary.errors, summary.not_run
        ))
        .into());
    }
    Ok(())
}

fn open(log_dir: &Path) -> Result<Store> {
    Store::open_existing(log_dir)
        .with_context(|| format!("opening the run store in {}", log_dir.display()))
}

/// Refuses an output path that is the run store or one of its companion files: writing a
/// report or an export there would destroy the runs it was made from.
fn refuse_store_path(out: &Path, store: &Store) -> Result<()> {
    let canon = |p: &Path| -> Option<PathBuf> {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(parent.canonicalize().ok()?.join(p.file_name()?))
    };
    let (Some(o), Some(st)) = (canon(out), canon(store.path())) else {
        return Ok(());
    };
    let name = st
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let companions = [
        name.clone(),
        format!("{name}-wal"),
        format!("{name}-shm"),
        format!("{name}-journal"),
    ];
    if o.parent() == st.parent()
        && o.file_name()
            .is_some_and(|n| companions.iter().any(|c| c.as_str() == n))
    {
        bail!(
            "--out {}: that is the run store; choose another file",
            out.display()
        );
    }
    Ok(())
}

fn report(a: ReportArgs) -> Result<()> {
    let store = open(&a.log_dir)?;
    let run = store.run(&a.run)?;
    let rep = spi_eval::report::RunReport::from_store(&store, &run, parse_reducer(&a.reducer)?)?;
    if a.json {
        let v = spi_eval::documents::report_document(&rep)?;
        return print_out(&serde_json::to_string_pretty(&v)?);
    }
    let out = a
        .out
        .unwrap_or_else(|| a.log_dir.join("reports").join(&run.run_id));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let (md, html) = (out.join("report.md"), out.join("report.html"));
    for (path, text) in [(&md, rep.markdown()), (&html, rep.html())] {
        refuse_store_path(path, &store)?;
        crate::cmd::game::write_atomically(path, &text)?;
    }
    print_out(&format!("{}\n{}", md.display(), html.display()))
}

/// Prints a result; a closed stdout (`spi … | head`) is not an error worth a message.
fn print_out(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}") {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(e.into()),
        r => Ok(r?),
    }
}

fn export(a: ExportArgs) -> Result<()> {
    let format = Format::parse(&a.format)
        .ok_or_else(|| anyhow!("--format `{}`: expected inspect, jsonl or csv", a.format))?;
    let store = open(&a.log_dir)?;
    let run = store.run(&a.run)?;
    let out = a.out.unwrap_or_else(|| {
        a.log_dir
            .join("exports")
            .join(format!("{}.{}", run.run_id, format.extension()))
    });
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    refuse_store_path(&out, &store)?;
    spi_eval::export::write_atomically(&out, |w| {
        spi_eval::export::write_export(&store, &run, format, w)
    })
    .with_context(|| format!("writing {}", out.display()))?;
    print_out(&out.display().to_string())
}

/// A run's records without their conversations: what statistics need, streamed from the store.
fn light_records(store: &Store, run_id: &str) -> Result<Vec<spi_eval::store::SampleRecord>> {
    let mut v = Vec::new();
    store.for_each_sample(run_id, |r| {
        v.push(r.light());
        Ok(())
    })?;
    Ok(v)
}

fn compare(a: CompareArgs) -> Result<()> {
    let sa = open(&a.log_dir)?;
    let sb = match &a.log_dir_b {
        Some(d) => open(d)?,
        None => open(&a.log_dir)?,
    };
    let (ra, rb) = (sa.run(&a.run_a)?, sb.run(&a.run_b)?);
    let (xa, xb) = (
        light_records(&sa, &ra.run_id)?,
        light_records(&sb, &rb.run_id)?,
    );
    let names = spi_eval::stats::scorer_names(&xa);
    let scorer = match a.scorer {
        Some(s) if names.contains(&s) => s,
        Some(s) => bail!(
            "--scorer `{s}`: unknown scorer for run {} (its scorers: {})",
            ra.run_id,
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ),
        None => names
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("run {} has no scored samples", ra.run_id))?,
    };
    let (c, md) = spi_eval::report::comparison_markdown(
        &ra,
        &xa,
        &rb,
        &xb,
        &scorer,
        parse_reducer(&a.reducer)?,
    );
    if c.n == 0 {
        bail!(
            "runs {} and {} share no scored samples",
            ra.run_id,
            rb.run_id
        );
    }
    if a.json {
        let v = spi_eval::documents::comparison_document(&c, &scorer, &ra, &rb)?;
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print!("{md}");
    }
    Ok(())
}

fn merge(a: MergeArgs) -> Result<()> {
    let out = Store::open(&a.out)?;
    for d in &a.inputs {
        let s = open(d)?;
        let st = out
            .merge_from(&s)
            .with_context(|| format!("merging {}", d.display()))?;
        println!(
            "{}: {} run(s), {} sample record(s) added, {} already present",
            d.display(),
            st.runs,
            st.samples,
            st.duplicates
        );
    }
    for run in out.runs()? {
        let acc = out.accounting(&run)?;
        println!(
            "run {}: {} planned, {} ok, {} errors, {} not run",
            run.run_id, acc.planned, acc.ok, acc.errors, acc.not_run
        );
    }
    Ok(())
}

fn list(a: ListArgs) -> Result<()> {
    let store = open(&a.log_dir)?;
    let mut out = std::io::stdout().lock();
    for run in store.runs()? {
        let acc = store.accounting(&run)?;
        let line = format!(
            "{}  {}  {}  {}  arm {}  {} planned: {} ok, {} errors, {} not run",
            run.run_id,
            run.status,
            run.suite_name,
            run.model,
            run.arm,
            acc.planned,
            acc.ok,
            acc.errors,
            acc.not_run
        );
        // A closed pipe (`spi eval list | head`) ends the listing quietly.
        if writeln!(out, "{line}").is_err() {
            return Ok(());
        }
    }
    Ok(())
}

fn show(a: ShowArgs) -> Result<()> {
    let store = open(&a.log_dir)?;
    let run = store.run(&a.run)?;
    let records = store.samples(&run.run_id)?;
    let Some(want) = &a.sample else {
        return print_out(&spi_eval::report::sample_lines(&records));
    };
    let picked: Vec<_> = records
        .iter()
        .filter(|r| r.key == *want || r.sample.id == *want)
        .filter(|r| a.epoch.is_none_or(|e| r.epoch == e))
        .collect();
    if picked.is_empty() {
        bail!(
            "run {} has no sample {want:?}{} (`spi eval show {}` lists them)",
            run.run_id,
            a.epoch
                .map(|e| format!(" at epoch {e}"))
                .unwrap_or_default(),
            a.run
        );
    }
    let text: Vec<String> = picked
        .iter()
        .map(|r| spi_eval::report::transcript(r))
        .collect();
    print_out(&text.join("\n"))
}
