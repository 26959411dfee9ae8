//! `spi eval run|report|export|compare|merge|list`: argument parsing and printing over spi-eval.
//!
//! API keys are read here, from `OPENAI_API_KEY` and `ANTHROPIC_API_KEY` only, and handed to the
//! library as `ApiKey`s. Exit codes: 0 a complete run, 1 a run that finished with sample errors or
//! an unspent plan (resume it), 2 bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use spi_eval::export::Format;
use spi_eval::provider::{ApiKey, ModelSpec, Price, ProviderEnv, build_provider};
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

/// The provider environment: keys from the environment, the base URL and timeout from flags.
pub fn provider_env(base_url: Option<String>, timeout_s: f64) -> ProviderEnv {
    let key = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|k| !k.is_empty())
            .map(ApiKey::new)
    };
    ProviderEnv {
        openai_key: key("OPENAI_API_KEY"),
        anthropic_key: key("ANTHROPIC_API_KEY"),
        base_url,
        timeout: Some(std::time::Duration::from_secs_f64(timeout_s.max(0.001))),
        local: super::serve::local_factory(),
    }
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
        EvalCommand::Export(a) => export(a),
        EvalCommand::Compare(a) => compare(a),
        EvalCommand::Merge(a) => merge(a),
        EvalCommand::List(a) => list(a),
    }
}

fn run_suite(a: RunArgs) -> Result<()> {
    let suite = Suite::load(&a.suite)?;
    let spec = ModelSpec::parse(&a.model)?;
    let env = provider_env(a.base_url.clone(), a.timeout);
    let provider = build_provider(&spec, &env)?;
    let price = match &a.price {
        None => None,
        Some(p) => {
            let (i, o) = p.split_once('/').ok_or_else(|| {
                anyhow!("--price `{p}`: expected INPUT/OUTPUT USD per million tokens, e.g. 2.5/10")
            })?;
            Some(Price {
                input_per_mtok: i
                    .trim()
                    .parse()
                    .with_context(|| format!("--price `{p}`: input price"))?,
                output_per_mtok: o
                    .trim()
                    .parse()
                    .with_context(|| format!("--price `{p}`: output price"))?,
            })
        }
    };
    let opts = RunOptions {
        limit: a.limit,
        sample_ids: a.sample_id.clone(),
        epochs: a.epochs.max(1),
        shard: a.shard.as_deref().map(Shard::parse).transpose()?,
        max_connections: a.max_connections.max(1),
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
    };
    let mut tools = ToolRegistry::new();
    tools.register(Arc::new(ArithmeticTool));
    let mut checks = CheckRegistry::with_builtins();
    spi_suites::engine::register(&mut checks, &mut tools);
    let services = RunServices { checks, tools, env };
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
        let mut v = serde_json::to_value(&summary)?;
        v["schema"] = json!("spi.eval.run.v1");
        v["log_dir"] = json!(a.log_dir.display().to_string());
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

fn report(a: ReportArgs) -> Result<()> {
    let store = open(&a.log_dir)?;
    let run = store.run(&a.run)?;
    let records = store.samples(&run.run_id)?;
    let rep = spi_eval::report::RunReport::new(&run, &records, parse_reducer(&a.reducer)?);
    if a.json {
        let mut v = serde_json::to_value(&rep)?;
        v["schema"] = json!("spi.eval.report.v1");
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let out = a
        .out
        .unwrap_or_else(|| a.log_dir.join("reports").join(&run.run_id));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let (md, html) = (out.join("report.md"), out.join("report.html"));
    std::fs::write(&md, rep.markdown()).with_context(|| format!("writing {}", md.display()))?;
    std::fs::write(&html, rep.html()).with_context(|| format!("writing {}", html.display()))?;
    println!("{}\n{}", md.display(), html.display());
    Ok(())
}

fn export(a: ExportArgs) -> Result<()> {
    let format = Format::parse(&a.format)
        .ok_or_else(|| anyhow!("--format `{}`: expected inspect, jsonl or csv", a.format))?;
    let store = open(&a.log_dir)?;
    let run = store.run(&a.run)?;
    let records = store.samples(&run.run_id)?;
    let text = spi_eval::export::export(&run, &records, format);
    let out = a.out.unwrap_or_else(|| {
        a.log_dir
            .join("exports")
            .join(format!("{}.{}", run.run_id, format.extension()))
    });
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
    println!("{}", out.display());
    Ok(())
}

fn compare(a: CompareArgs) -> Result<()> {
    let sa = open(&a.log_dir)?;
    let sb = match &a.log_dir_b {
        Some(d) => open(d)?,
        None => open(&a.log_dir)?,
    };
    let (ra, rb) = (sa.run(&a.run_a)?, sb.run(&a.run_b)?);
    let (xa, xb) = (sa.samples(&ra.run_id)?, sb.samples(&rb.run_id)?);
    let scorer = match a.scorer {
        Some(s) => s,
        None => spi_eval::stats::scorer_names(&xa)
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
        let mut v = serde_json::to_value(&c)?;
        v["schema"] = json!("spi.eval.compare.v1");
        v["scorer"] = json!(scorer);
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
        let n = out.samples(&run.run_id)?.len();
        let planned = run
            .config
            .get("planned")
            .and_then(|p| p.as_u64())
            .unwrap_or(0);
        println!(
            "run {}: {} sample record(s) (this shard planned {})",
            run.run_id, n, planned
        );
    }
    Ok(())
}

fn list(a: ListArgs) -> Result<()> {
    let store = open(&a.log_dir)?;
    let mut out = std::io::stdout().lock();
    for run in store.runs()? {
        let recs = store.samples(&run.run_id)?;
        let errors = recs
            .iter()
            .filter(|r| r.status == spi_eval::store::SampleStatus::Error)
            .count();
        let line = format!(
            "{}  {}  {}  {}  {} records ({} errors)",
            run.run_id,
            run.status,
            run.suite_name,
            run.model,
            recs.len(),
            errors
        );
        // A closed pipe (`spi eval list | head`) ends the listing quietly.
        if writeln!(out, "{line}").is_err() {
            return Ok(());
        }
    }
    Ok(())
}
