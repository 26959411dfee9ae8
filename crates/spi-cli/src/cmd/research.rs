//! `spi research`: the Part III benchmark. `list` the classes, `generate` (or `--check`) the
//! frozen release, `run` a model in a collaboration mode (an ordinary `spi eval` run underneath,
//! with its store, resume and fault handling), and `report` solve rates across log directories.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use spi_eval::provider::{ModelSpec, Provider, build_provider};
use spi_eval::runner::{RunOptions, RunServices};
use spi_eval::store::Store;
use spi_eval::suite::Suite;
use spi_research::classes::{CLASSES, class_task};
use spi_research::modes::{LineOverseer, Mode, Overseer};
use spi_research::reference::ReferenceProvider;
use spi_research::{Class, handwritten, release, report, suite};

use super::DomainRejection;

/// The benchmark of SPI research ability (Part III).
#[derive(Subcommand)]
pub enum ResearchCommand {
    /// List the task classes with their task counts and chance rates.
    List(ListArgs),
    /// Write (or with --check, compare) the frozen release research/<class>/tasks.jsonl.
    Generate(GenerateArgs),
    /// Run a model on the benchmark in one collaboration mode.
    Run(RunArgs),
    /// Solve rates per model, class, tier and mode over one or more log directories.
    Report(ReportArgs),
}

/// `spi research list`.
#[derive(Args)]
pub struct ListArgs {
    /// The benchmark folder.
    #[arg(long, default_value = "research")]
    pub root: PathBuf,
}

/// `spi research generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// The benchmark folder.
    #[arg(long, default_value = "research")]
    pub root: PathBuf,
    /// Only this class (slug or number); repeatable.
    #[arg(long)]
    pub class: Vec<String>,
    /// Tasks per tier.
    #[arg(long, default_value_t = release::PER_TIER)]
    pub per_tier: usize,
    /// Base seed.
    #[arg(long, default_value_t = release::RELEASE_SEED)]
    pub seed: u64,
    /// Compare with the files instead of writing them, and lint every line (harness fields, canary,
    /// version, spec, reference answer graded right); exit 1 on any difference or finding.
    #[arg(long)]
    pub check: bool,
}

/// `spi research run`.
#[derive(Args)]
pub struct RunArgs {
    /// provider:model (local:smollm2, openai:..., mock:...), or `reference` for the engine.
    #[arg(long)]
    pub model: String,
    /// end_to_end, decomposed, engine_loop or human.
    #[arg(long)]
    pub mode: String,
    /// Only this class (slug or number); repeatable. Default: every checkable class.
    #[arg(long)]
    pub class: Vec<String>,
    /// Only this tier (1-3).
    #[arg(long)]
    pub tier: Option<u8>,
    /// Only the first N tasks (over all classes, in file order).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Log directory holding the run store.
    #[arg(long)]
    pub log_dir: PathBuf,
    /// The benchmark folder.
    #[arg(long, default_value = "research")]
    pub root: PathBuf,
    /// Proposals allowed in the engine_loop mode.
    #[arg(long, default_value_t = 3)]
    pub rounds: u32,
    /// Cap on generated tokens per model turn.
    #[arg(long, default_value_t = 512)]
    pub max_tokens: u32,
    /// Epochs per task (pass@k reads them).
    #[arg(long, default_value_t = 1)]
    pub epochs: u32,
    /// Judge model for the open-questions rubric (repeatable; needed for that class).
    #[arg(long)]
    pub judge: Vec<String>,
    /// Concurrent tasks (the human mode always uses 1).
    #[arg(long, default_value_t = 4)]
    pub max_connections: usize,
    /// Stop starting tasks once this many USD are spent.
    #[arg(long)]
    pub max_cost: Option<f64>,
    /// Continue the newest unfinished run of the same mode, classes and model.
    #[arg(long)]
    pub resume: bool,
    /// Base URL of an OpenAI-compatible (or Anthropic) server.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 600.0)]
    pub timeout: f64,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// `spi research report`.
#[derive(Args)]
pub struct ReportArgs {
    /// Log directories (each a run store).
    #[arg(required = true)]
    pub log_dirs: Vec<PathBuf>,
    /// JSON rows instead of Markdown.
    #[arg(long)]
    pub json: bool,
}

/// Runs a research subcommand.
pub fn run(cmd: ResearchCommand) -> Result<()> {
    match cmd {
        ResearchCommand::List(a) => list(a),
        ResearchCommand::Generate(a) => generate(a),
        ResearchCommand::Run(a) => run_research(a),
        ResearchCommand::Report(a) => report_cmd(a),
    }
}

fn classes(names: &[String]) -> Result<Vec<Class>> {
    if names.is_empty() {
        return Ok(CLASSES.iter().map(|c| c.class()).collect());
    }
    names.iter().map(|n| Ok(Class::parse(n)?)).collect()
}

fn tasks_path(root: &Path, c: Class) -> PathBuf {
    let file = if c.is_checkable() {
        "tasks.jsonl"
    } else {
        "items.jsonl"
    };
    root.join(c.slug()).join(file)
}

fn list(a: ListArgs) -> Result<()> {
    println!(
        "{:<3} {:<18} {:>6}  {:<11} about",
        "#", "class", "tasks", "chance t1-3"
    );
    for c in Class::ALL {
        let path = tasks_path(&a.root, c);
        let n = std::fs::read_to_string(&path)
            .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count());
        let count = n.map_or("-".to_string(), |n| n.to_string());
        match class_task(c) {
            Some(t) => println!(
                "{:<3} {:<18} {:>6}  {:<11} {}",
                c.number(),
                c.slug(),
                count,
                format!(
                    "{:.0e}/{:.0e}/{:.0e}",
                    t.chance(1),
                    t.chance(2),
                    t.chance(3)
                ),
                t.about()
            ),
            None if c.is_checkable() => println!(
                "{:<3} {:<18} {:>6}  {:<11} not implemented yet",
                c.number(),
                c.slug(),
                count,
                "-"
            ),
            None => println!(
                "{:<3} {:<18} {:>6}  {:<11} hand-written, reported separately",
                c.number(),
                c.slug(),
                count,
                "-"
            ),
        }
    }
    Ok(())
}

fn generate(a: GenerateArgs) -> Result<()> {
    let mut differ = Vec::new();
    for c in classes(&a.class)? {
        let Some(t) = class_task(c) else {
            if c.is_checkable() {
                bail!("class {} has no generator yet", c.slug());
            }
            continue;
        };
        let text = release::jsonl(&release::generate(t, a.per_tier, a.seed));
        let path = tasks_path(&a.root, c);
        if a.check {
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            let same = old == text;
            println!(
                "{}: {}",
                path.display(),
                if same {
                    "matches its regeneration"
                } else {
                    "DIFFERS from its regeneration"
                }
            );
            if !same {
                differ.push(path.display().to_string());
            }
        } else {
            std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
                .with_context(|| format!("creating {}", path.display()))?;
            std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
            println!("{}: {} tasks", path.display(), text.lines().count());
        }
    }
    if !differ.is_empty() {
        return Err(DomainRejection(format!(
            "{} file(s) differ; run `spi research generate`",
            differ.len()
        ))
        .into());
    }
    Ok(())
}

/// The hand-written classes, converted to harness samples under the log directory.
fn convert_handwritten(root: &Path, c: Class, log_dir: &Path) -> Result<PathBuf> {
    let src = tasks_path(root, c);
    let text =
        std::fs::read_to_string(&src).with_context(|| format!("reading {}", src.display()))?;
    let name = src.display().to_string();
    let samples: Vec<serde_json::Value> = match c {
        Class::Critique => handwritten::parse_critiques(&name, &text)?
            .iter()
            .map(handwritten::critique_sample)
            .collect(),
        _ => handwritten::parse_open_questions(&name, &text)?
            .iter()
            .map(handwritten::open_question_sample)
            .collect(),
    };
    let dir = log_dir.join("converted");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let out = dir.join(format!("{}.jsonl", c.slug()));
    std::fs::write(&out, release::jsonl(&samples))
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(out)
}

fn run_research(a: RunArgs) -> Result<()> {
    let mode = Mode::parse(&a.mode)?;
    if a.tier.is_some_and(|t| !(1..=3).contains(&t)) {
        bail!("--tier {}: expected 1, 2 or 3", a.tier.unwrap_or(0));
    }
    let cs = classes(&a.class)?;
    if cs.contains(&Class::OpenQuestions) && a.judge.is_empty() {
        bail!("--class open-questions is graded by rubric judges: give at least one --judge MODEL");
    }
    std::fs::create_dir_all(&a.log_dir)
        .with_context(|| format!("creating {}", a.log_dir.display()))?;
    let mut datasets = Vec::new();
    for &c in &cs {
        let path = if c.is_checkable() {
            if class_task(c).is_none() {
                bail!("class {} has no tasks yet", c.slug());
            }
            tasks_path(&a.root, c)
        } else {
            convert_handwritten(&a.root, c, &a.log_dir)?
        };
        let abs = std::fs::canonicalize(&path)
            .with_context(|| format!("{}: run `spi research generate` first", path.display()))?;
        datasets.push((c.slug().to_string(), abs));
    }
    let refs: Vec<(String, &Path)> = datasets
        .iter()
        .map(|(n, p)| (n.clone(), p.as_path()))
        .collect();
    let suite_path = a.log_dir.join(format!("research-{}.toml", mode.name()));
    std::fs::write(
        &suite_path,
        suite::suite_toml(&refs, mode, a.rounds, a.max_tokens, &a.judge),
    )
    .with_context(|| format!("writing {}", suite_path.display()))?;
    let s = Suite::load(&suite_path)?;
    let mut sample_ids = Vec::new();
    if let Some(t) = a.tier {
        for d in &s.datasets {
            for smp in &d.samples {
                if smp.metadata.get("tier").and_then(|v| v.as_u64()) == Some(t as u64) {
                    sample_ids.push(format!("{}/{}", d.config.name, smp.id));
                }
            }
        }
        if sample_ids.is_empty() {
            bail!("--tier {t}: no task of the chosen classes has this tier");
        }
    }
    let env =
        super::model::provider_env(a.base_url.clone(), super::eval::parse_timeout(a.timeout)?);
    let provider: Arc<dyn Provider> = if a.model == "reference" {
        let all: Vec<_> = s
            .datasets
            .iter()
            .flat_map(|d| d.samples.iter().cloned())
            .collect();
        Arc::new(ReferenceProvider::new(&all))
    } else {
        build_provider(&ModelSpec::parse(&a.model)?, &env)?
    };
    let overseer: Option<Arc<dyn Overseer>> = (mode == Mode::Human).then(|| {
        Arc::new(LineOverseer::new(
            Box::new(std::io::BufReader::new(std::io::stdin())),
            Box::new(std::io::stderr()),
        )) as Arc<dyn Overseer>
    });
    let opts = RunOptions {
        limit: a.limit,
        sample_ids,
        epochs: a.epochs,
        max_connections: if mode == Mode::Human {
            1
        } else {
            a.max_connections
        },
        max_cost: a.max_cost,
        resume: a.resume,
        progress: !a.quiet && mode != Mode::Human,
        ..Default::default()
    };
    let services = RunServices {
        checks: suite::checks(),
        tools: Default::default(),
        env,
        solvers: suite::solvers(overseer),
    };
    let store = Store::open(&a.log_dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let summary = rt.block_on(spi_eval::runner::run_suite_until(
        Arc::new(s),
        provider,
        &store,
        &opts,
        &services,
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        },
    ))?;
    println!(
        "run {} ({}, mode {}): {} planned, {} already done, {} ok, {} errors, {} not run; tokens {} + {}; cost ${:.4}; {:.2}s",
        summary.run_id,
        summary.status,
        mode.name(),
        summary.planned,
        summary.already_done,
        summary.ok,
        summary.errors,
        summary.not_run,
        summary.prompt_tokens,
        summary.completion_tokens,
        summary.cost,
        summary.elapsed_s
    );
    println!("store: {}", store.path().display());
    if summary.status != "success" {
        return Err(DomainRejection(format!(
            "run {} is incomplete ({} errors, {} not run); finish it with the same command and --resume",
            summary.run_id, summary.errors, summary.not_run
        ))
        .into());
    }
    Ok(())
}

fn report_cmd(a: ReportArgs) -> Result<()> {
    let mut runs = Vec::new();
    for d in &a.log_dirs {
        let store = Store::open_existing(d)
            .with_context(|| format!("opening the run store in {}", d.display()))?;
        for run in store.runs()? {
            if !run.suite_name.starts_with("research-") {
                continue;
            }
            let recs = store.samples(&run.run_id)?;
            runs.push((run, recs));
        }
    }
    let (rows, families) = (report::rows(&runs), report::family_rows(&runs));
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report::document(&rows, &families))?
        );
    } else {
        print!("{}", report::markdown(&rows, &families));
    }
    Ok(())
}
