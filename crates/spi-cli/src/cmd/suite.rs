//! `spi suite list|show|lint|render|generate|export`: the Part I content tools. Thin: every
//! computation is in `spi-suites`; this file reads arguments, writes the files it is asked to and
//! prints. Exit codes: 0 clean, 1 lint errors or a stale render under `--check`, 2 bad input.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use spi_suites::family::Family;
use spi_suites::library::Library;
use spi_suites::{generate, lint, render, show};

use crate::cmd::DomainRejection;
use crate::cmd::game::print_json;

/// The `spi suite` subcommands.
#[derive(Subcommand)]
pub enum SuiteCommand {
    /// List the suites under the root with their family and item counts.
    List(RootArgs),
    /// Show a family (each option's claim under the main and control models, and the keys).
    Show(ShowArgs),
    /// Lint families, rendered and generated items, suite files and attitude items.
    Lint(RootArgs),
    /// Render families to each suite's items.jsonl (or check that they are up to date).
    Render(RenderArgs),
    /// Generate engine-checked capability items (seeded, regenerable byte for byte).
    Generate(GenerateArgs),
    /// Export every suite's items into one folder with a manifest of counts and versions.
    Export(ExportArgs),
    /// Compare every arm's latest run of a suite with its baseline run (per failure mode).
    Report(ReportArgs),
}

/// Arguments of `spi suite report`.
#[derive(Args)]
pub struct ReportArgs {
    /// The suite's name (as in its suite.toml).
    pub suite: String,
    /// The log directory holding the runs.
    #[arg(long, default_value = "logs")]
    pub log_dir: PathBuf,
    /// Seed of the paired bootstrap.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print JSON (`spi-suite-report/1`) instead of Markdown.
    #[arg(long)]
    pub json: bool,
    /// Also draw the accuracies (with intervals and chance) and the paired differences from
    /// baseline (with intervals) as an SVG.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// The content root and output form.
#[derive(Args)]
pub struct RootArgs {
    /// The folder holding the suites.
    #[arg(long, default_value = "suites")]
    pub root: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `spi suite show`.
#[derive(Args)]
pub struct ShowArgs {
    /// A family id (or a family file).
    pub family: String,
    #[command(flatten)]
    pub root: RootArgs,
}

/// Arguments of `spi suite render`.
#[derive(Args)]
pub struct RenderArgs {
    /// Suites to render (default: every suite with families).
    pub suites: Vec<String>,
    /// Write nothing; fail (exit 1) when an items.jsonl differs from the render.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub root: RootArgs,
}

/// Arguments of `spi suite generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// The run seed (the frozen release uses 20260101).
    #[arg(long, default_value_t = generate::RELEASE_SEED)]
    pub seed: u64,
    /// How many items.
    #[arg(long, default_value_t = generate::RELEASE_COUNT)]
    pub count: usize,
    /// Write the JSONL here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Generate the interactive program-design items instead of the capability items.
    #[arg(long)]
    pub interactive: bool,
    /// Print a JSON summary (counts per kind and tier) instead of the items.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `spi suite export`.
#[derive(Args)]
pub struct ExportArgs {
    /// The folder to write `<suite>.jsonl` files and `manifest.json` into.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub root: RootArgs,
}

fn library(root: &Path) -> Result<Library> {
    Library::discover(root).with_context(|| format!("reading the suites under {}", root.display()))
}

/// Runs a `spi suite` subcommand.
pub fn run(cmd: SuiteCommand) -> Result<()> {
    match cmd {
        SuiteCommand::List(a) => {
            let lib = library(&a.root)?;
            if a.json {
                print_json(&show::list(&lib));
            } else {
                print!("{}", show::list_text(&lib));
            }
        }
        SuiteCommand::Show(a) => {
            let f = if a.family.ends_with(".toml") {
                Family::load(Path::new(&a.family), None)?
            } else {
                let lib = library(&a.root.root)?;
                match show::find_family(&lib, &a.family) {
                    Some(r) => r?,
                    None => bail!("no family `{}` under {}", a.family, a.root.root.display()),
                }
            };
            if a.root.json {
                print_json(&show::family(&f));
            } else {
                print!("{}", show::family_text(&f));
            }
        }
        SuiteCommand::Lint(a) => {
            let report = lint::lint_library(&library(&a.root)?);
            if a.json {
                print_json(&report.to_json());
            } else {
                print!("{}", report.to_text());
            }
            if report.errors() > 0 {
                return Err(DomainRejection(format!("lint: {} errors", report.errors())).into());
            }
        }
        SuiteCommand::Render(a) => render_cmd(a)?,
        SuiteCommand::Report(a) => report_cmd(a)?,
        SuiteCommand::Generate(a) => {
            let items = if a.interactive {
                generate::generate_interactive(a.seed, a.count)
            } else {
                generate::generate(a.seed, a.count)
            }
            .map_err(anyhow::Error::msg)?;
            let text = render::to_jsonl(&items);
            if let Some(out) = &a.out {
                std::fs::write(out, &text).with_context(|| format!("writing {}", out.display()))?;
            }
            if a.json {
                print_json(&generate::summary_document(a.seed, &items));
            } else if a.out.is_none() {
                print!("{text}");
            } else {
                eprintln!("wrote {} items (seed {})", items.len(), a.seed);
            }
        }
        SuiteCommand::Export(a) => {
            let lib = library(&a.root.root)?;
            let m = lib
                .export(&a.out)
                .with_context(|| format!("exporting to {}", a.out.display()))?;
            if a.root.json {
                print_json(&m);
            } else {
                println!(
                    "exported {} suites to {}",
                    m["suites"].as_array().map_or(0, Vec::len),
                    a.out.display()
                );
            }
        }
    }
    Ok(())
}

fn render_cmd(a: RenderArgs) -> Result<()> {
    let lib = library(&a.root.root)?;
    let r = render::render_library(&lib, &a.suites, a.check)?;
    if a.root.json {
        print_json(&r.document);
    } else {
        for s in r.document["rendered"].as_array().into_iter().flatten() {
            println!(
                "{}: {} families -> {} items ({})",
                s["suite"].as_str().unwrap_or(""),
                s["families"],
                s["items"],
                s["file"].as_str().unwrap_or("")
            );
        }
    }
    if !r.stale.is_empty() {
        return Err(DomainRejection(format!("stale renders: {}", r.stale.join(", "))).into());
    }
    Ok(())
}

fn report_cmd(a: ReportArgs) -> Result<()> {
    let store = spi_eval::store::Store::open_existing(&a.log_dir)
        .with_context(|| format!("opening the runs in {}", a.log_dir.display()))?;
    // The latest run of each arm (run ids are time-ordered).
    let mut latest: std::collections::BTreeMap<String, String> = Default::default();
    for r in store.runs()? {
        if r.suite_name == a.suite {
            let slot = latest.entry(r.arm.clone()).or_default();
            if r.run_id > *slot {
                *slot = r.run_id.clone();
            }
        }
    }
    let Some(base_id) = latest.remove("baseline") else {
        bail!(
            "no baseline run of suite `{}` in {}",
            a.suite,
            a.log_dir.display()
        );
    };
    let baseline = store.samples(&base_id)?;
    let mut arms = Vec::new();
    for (arm, id) in latest {
        arms.push((arm, store.samples(&id)?));
    }
    let v = spi_suites::report::report(&a.suite, &baseline, &arms, a.seed);
    if let Some(path) = &a.plot {
        let svg = spi_plot::render_intervals(
            &format!(
                "{}: accuracy by arm and failure mode, and the difference from baseline",
                a.suite
            ),
            "accuracy (dot, 95% interval, chance tick); difference from baseline (tick at 0)",
            (-0.05, 1.0),
            &report_rows(&v),
        )?;
        crate::cmd::game::write_atomically(path, &svg)?;
        eprintln!("wrote {}", path.display());
    }
    if a.json {
        print_json(&v);
    } else {
        print!("{}", spi_suites::report::markdown(&v));
    }
    Ok(())
}

/// The report's cells as chart rows: each arm's accuracy against chance, then each arm's paired
/// difference from baseline against 0.
fn report_rows(v: &serde_json::Value) -> Vec<spi_plot::IntervalRow> {
    let cells = v["cells"].as_array().cloned().unwrap_or_default();
    let num = |x: &serde_json::Value| x.as_f64().unwrap_or(0.0);
    let label = |c: &serde_json::Value| {
        format!(
            "{} · {}",
            c["arm"].as_str().unwrap_or(""),
            c["failure_mode"].as_str().unwrap_or("")
        )
    };
    let mut rows: Vec<spi_plot::IntervalRow> = cells
        .iter()
        .map(|c| spi_plot::IntervalRow {
            label: label(c),
            estimate: num(&c["accuracy"]),
            interval: (num(&c["ci"][0]), num(&c["ci"][1])),
            reference: c["chance"].as_f64(),
        })
        .collect();
    rows.extend(
        cells
            .iter()
            .filter(|c| c["vs_baseline"].is_object())
            .map(|c| {
                let d = &c["vs_baseline"];
                spi_plot::IntervalRow {
                    label: format!("difference: {}", label(c)),
                    estimate: num(&d["diff"]),
                    interval: (num(&d["diff_ci"][0]), num(&d["diff_ci"][1])),
                    reference: Some(0.0),
                }
            }),
    );
    rows
}
