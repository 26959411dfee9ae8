//! `spi lockout`: the lock-out checklist, the scenario library with its witnesses, the policy
//! auditor (text, JSON or SARIF, with `--fail-on` for CI), the auditor's scores on the labelled
//! corpus, and the pitch's numbers. Everything but reading files lives in `spi-lockout`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use spi_lockout::documents;
use spi_lockout::library::{BUILTIN_CHECKLIST, BUILTIN_RULES, Library, fill_pitch};

use crate::cmd::DomainRejection;
use crate::cmd::game::print_json;

/// The `spi lockout` subcommands.
#[derive(Subcommand)]
pub enum LockoutCommand {
    /// Print the risk-factor checklist (text, Markdown or JSON).
    Checklist(ChecklistArgs),
    /// Audit a policy document clause by clause for lock-out risk factors.
    Check(CheckArgs),
    /// List the scenario library with each witness's computed cost of the lock-out.
    Scenarios(LibraryArgs),
    /// Show one scenario and its witness, regime by regime.
    Witness(WitnessArgs),
    /// Check the library: witnesses hold, every factor is exhibited, ids unique (exit 1 on findings).
    Lint(LibraryArgs),
    /// The auditor's precision and recall on the labelled corpus and on the scenarios' policies.
    Score(ScoreArgs),
    /// Recompute the numbers the pitch cites (`--write` updates the file; `--check` fails if stale).
    Pitch(PitchArgs),
}

/// Where the library is.
#[derive(Args)]
pub struct LibraryArgs {
    /// The library folder (checklist.toml, rules.toml, scenarios/, corpus/).
    #[arg(long, default_value = "lockout")]
    pub library: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Output formats of the checklist.
#[derive(Clone, Copy, ValueEnum)]
pub enum ChecklistFormat {
    /// Plain text.
    Text,
    /// Markdown.
    Markdown,
    /// JSON (`spi-lockout-checklist/1`).
    Json,
}

/// Arguments of `spi lockout checklist`.
#[derive(Args)]
pub struct ChecklistArgs {
    /// The library folder; the checklist built into spi is used when it has none.
    #[arg(long, default_value = "lockout")]
    pub library: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ChecklistFormat,
}

/// Output formats of an audit.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AuditFormat {
    /// One block per finding.
    Text,
    /// `spi-lockout-audit/1`.
    Json,
    /// SARIF 2.1.0 for code-scanning UIs.
    Sarif,
}

/// Arguments of `spi lockout check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The policy document (Markdown or plain text).
    pub policy: PathBuf,
    /// The library folder; the built-in checklist and rules are used when it has none.
    #[arg(long, default_value = "lockout")]
    pub library: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AuditFormat,
    /// Shorthand for `--format json`.
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 when this factor (an id such as RF01, or `any`) is found.
    #[arg(long, value_name = "FACTOR|any")]
    pub fail_on: Vec<String>,
    #[command(flatten)]
    pub model: ModelArgs,
}

/// The model-assisted pass.
#[derive(Args)]
pub struct ModelArgs {
    /// Also run the model-assisted pass with this model (`provider:model`, as in `spi eval run`);
    /// its findings are marked `model:NAME`.
    #[arg(long)]
    pub model: Option<String>,
    /// Base URL for OpenAI-compatible or Anthropic servers.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Per-request timeout in seconds for the model pass.
    #[arg(long, default_value_t = 120.0)]
    pub timeout: f64,
    /// Generation cap per clause for the model pass.
    #[arg(long, default_value_t = 256)]
    pub max_tokens: u32,
    /// Requests in flight at once for the model pass (a local model batches them).
    #[arg(long, default_value_t = 8)]
    pub max_connections: usize,
}

/// Arguments of `spi lockout score`.
#[derive(Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub lib: LibraryArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// With --model: score N clauses of each corpus, spread evenly over its genres (the model pass
    /// is one request per clause).
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Arguments of `spi lockout witness`.
#[derive(Args)]
pub struct WitnessArgs {
    /// The scenario id.
    pub id: String,
    #[command(flatten)]
    pub lib: LibraryArgs,
}

/// Arguments of `spi lockout pitch`.
#[derive(Args)]
pub struct PitchArgs {
    /// The pitch.
    #[arg(long, default_value = "docs/pitch.md")]
    pub file: PathBuf,
    /// The library folder.
    #[arg(long, default_value = "lockout")]
    pub library: PathBuf,
    /// Write the recomputed numbers into the file.
    #[arg(long)]
    pub write: bool,
    /// Fail (exit 1) if any number in the file differs from the engine's or is not filled in.
    #[arg(long)]
    pub check: bool,
}

/// Policies and library files go through the one bounded reader every input uses.
fn read(path: &Path) -> Result<String> {
    crate::input::read_text(&path.to_string_lossy())
}

/// The files of a folder with an extension, sorted by name (missing folder: none).
fn files(dir: &Path, ext: &str) -> Result<Vec<(String, String)>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| Ok((p.display().to_string(), read(&p)?)))
        .collect()
}

fn load(dir: &Path, with_content: bool) -> Result<Library> {
    let file_or_builtin = |name: &str, builtin: &'static str| -> Result<(String, String)> {
        let p = dir.join(name);
        if p.exists() {
            Ok((p.display().to_string(), read(&p)?))
        } else {
            Ok((format!("(built-in) {name}"), builtin.to_string()))
        }
    };
    let checklist = file_or_builtin("checklist.toml", BUILTIN_CHECKLIST)?;
    let rules = file_or_builtin("rules.toml", BUILTIN_RULES)?;
    let (scenarios, corpus, heldout) = if with_content {
        (
            files(&dir.join("scenarios"), "toml")?,
            files(&dir.join("corpus"), "jsonl")?,
            files(&dir.join("heldout"), "jsonl")?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    Ok(Library::load(
        (&checklist.0, &checklist.1),
        (&rules.0, &rules.1),
        &scenarios,
        &corpus,
        &heldout,
    )?)
}

fn model_pass(
    model: &str,
    a: &ModelArgs,
    clauses: &[spi_lockout::Clause],
    checklist: &spi_lockout::Checklist,
) -> Result<spi_lockout::model_pass::ModelPass> {
    let timeout = crate::cmd::eval::parse_timeout(a.timeout)?;
    if a.max_tokens == 0 {
        bail!("--max-tokens 0: expected at least 1");
    }
    if a.max_connections == 0 {
        bail!("--max-connections 0: expected at least 1");
    }
    let spec =
        spi_eval::provider::ModelSpec::parse(model).with_context(|| format!("--model {model}"))?;
    let env = crate::cmd::model::provider_env(a.base_url.clone(), timeout);
    let provider = spi_eval::provider::build_provider(&spec, &env)
        .with_context(|| format!("--model {model}"))?;
    let client = spi_eval::client::ModelClient::new(provider, a.max_connections);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    Ok(rt.block_on(spi_lockout::model_pass::run(
        &client,
        model,
        clauses,
        checklist,
        a.max_tokens,
    )))
}

/// Runs a `spi lockout` subcommand.
pub fn run(cmd: LockoutCommand) -> Result<()> {
    match cmd {
        LockoutCommand::Checklist(a) => {
            let lib = load(&a.library, true)?;
            let by = |id: &str| lib.exhibited_by(id);
            match a.format {
                ChecklistFormat::Text => print!("{}", lib.checklist.to_text(&by)),
                ChecklistFormat::Markdown => print!("{}", lib.checklist.to_markdown(&by)),
                ChecklistFormat::Json => print_json(&lib.checklist.to_value(&by)),
            }
        }
        LockoutCommand::Check(a) => {
            let lib = load(&a.library, false)?;
            for f in &a.fail_on {
                if f != "any" && lib.checklist.factor(f).is_none() {
                    bail!(
                        "--fail-on {f}: expected `any` or a factor id of the checklist ({})",
                        lib.checklist
                            .factors
                            .iter()
                            .map(|f| f.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            let text = read(&a.policy)?;
            let file = a.policy.display().to_string();
            let mut report = lib.auditor.audit(&text);
            if let Some(m) = &a.model.model {
                let pass = model_pass(m, &a.model, &report.clauses, &lib.checklist)?;
                for (clause, why) in &pass.invalid {
                    eprintln!("note: model pass, clause {}: {why}", clause + 1);
                }
                eprintln!(
                    "model pass: {} finding(s), {} clause(s) without a verdict; tokens {} + {}",
                    pass.findings.len(),
                    pass.invalid.len(),
                    pass.log.prompt_tokens,
                    pass.log.completion_tokens
                );
                report.findings.extend(pass.findings);
                report.findings.sort_by(|x, y| {
                    (x.clause, &x.pass, &x.factor).cmp(&(y.clause, &y.pass, &y.factor))
                });
            }
            let format = if a.json { AuditFormat::Json } else { a.format };
            match format {
                AuditFormat::Text => print!("{}", report.to_text(&file)),
                AuditFormat::Json => print_json(&report.to_value(&file)),
                AuditFormat::Sarif => print_json(&report.to_sarif(&file, &lib.checklist)),
            }
            let failing: Vec<String> = report
                .factors()
                .into_iter()
                .filter(|f| a.fail_on.iter().any(|g| g == "any" || g == f))
                .collect();
            if !failing.is_empty() {
                return Err(DomainRejection(format!(
                    "{file}: risk factors found: {}",
                    failing.join(", ")
                ))
                .into());
            }
        }
        LockoutCommand::Scenarios(a) => {
            let lib = load(&a.library, true)?;
            if a.json {
                print_json(&documents::scenarios_document(&lib));
            } else {
                for s in &lib.scenarios {
                    let w = match &s.witness {
                        None => "no witness".to_string(),
                        Some(w) => {
                            let r = w.evaluate();
                            let loss: Vec<String> = r
                                .players
                                .iter()
                                .zip(&r.loss)
                                .map(|(p, l)| format!("{p} {l}"))
                                .collect();
                            if r.holds() {
                                format!("witness: the policy costs {}", loss.join(", "))
                            } else {
                                "witness: DOES NOT HOLD".into()
                            }
                        }
                    };
                    println!(
                        "{:<44} {:<14} {:<20} {:<14} {w}",
                        s.id,
                        s.mechanism.name(),
                        s.forecloses
                            .iter()
                            .map(|f| f.name())
                            .collect::<Vec<_>>()
                            .join(","),
                        s.risk_factors.join(",")
                    );
                }
                println!(
                    "{} scenario(s), {} with a witness",
                    lib.scenarios.len(),
                    lib.scenarios.iter().filter(|s| s.witness.is_some()).count()
                );
            }
        }
        LockoutCommand::Witness(a) => {
            let lib = load(&a.lib.library, true)?;
            let s = lib.scenario(&a.id).with_context(|| {
                format!(
                    "{}: no scenario with this id in {}",
                    a.id,
                    a.lib.library.display()
                )
            })?;
            let w = s
                .witness
                .as_ref()
                .with_context(|| format!("{}: the scenario has no witness", a.id))?;
            let r = w.evaluate();
            if a.lib.json {
                print_json(&documents::witness_document(&s.id, &r));
            } else {
                println!("{}: {}", s.id, s.title);
                for (from, outs) in &r.rows {
                    println!("  from ({})", from.join(", "));
                    for o in outs {
                        let u: Vec<String> = o.payoffs.iter().map(ToString::to_string).collect();
                        println!(
                            "    {:<16} ({}) -> {}",
                            o.regime.name(),
                            o.profile.join(", "),
                            u.join(", ")
                        );
                    }
                }
                let line = |v: &[spi_games::Rational]| {
                    r.players
                        .iter()
                        .zip(v)
                        .map(|(p, x)| format!("{p} {x}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                println!("  SPI gain:            {}", line(&r.gain));
                println!("  lost to the policy:  {}", line(&r.loss));
                println!("  restored by the fix: {}", line(&r.restored));
                if r.holds() {
                    println!(
                        "  the witness holds: available without the policy, locked out with it, available with the mitigation"
                    );
                } else {
                    for p in &r.problems {
                        println!("  PROBLEM: {p}");
                    }
                    return Err(
                        DomainRejection(format!("{}: the witness does not hold", s.id)).into(),
                    );
                }
            }
        }
        LockoutCommand::Lint(a) => {
            let lib = load(&a.library, true)?;
            let findings = lib.lint();
            if a.json {
                print_json(&documents::lint_document(&findings));
            } else {
                for f in &findings {
                    println!("{}: [{}] {}", f.at, f.rule, f.message);
                }
                println!(
                    "{} scenario(s) ({} with witnesses), {} factor(s), {} corpus and {} held-out clause(s): {} finding(s)",
                    lib.scenarios.len(),
                    lib.scenarios.iter().filter(|s| s.witness.is_some()).count(),
                    lib.checklist.factors.len(),
                    lib.corpus.len(),
                    lib.heldout.len(),
                    findings.len()
                );
            }
            if !findings.is_empty() {
                return Err(DomainRejection(format!("{} lint finding(s)", findings.len())).into());
            }
        }
        LockoutCommand::Score(a) => {
            let lib = load(&a.lib.library, true)?;
            let (c, h, s) = match &a.model.model {
                None => (
                    lib.score_corpus(),
                    lib.score_heldout(),
                    lib.score_scenarios(),
                ),
                Some(m) => {
                    let limit = a.limit.unwrap_or(usize::MAX);
                    if limit == 0 {
                        bail!("--limit 0: expected at least 1 clause");
                    }
                    let by_model = |items: &[spi_lockout::library::CorpusClause]| -> Result<spi_lockout::library::CorpusScore> {
                        let items = spi_lockout::library::spread_sample(items, limit);
                        let clauses = spi_lockout::library::as_clauses(&items);
                        let pass = model_pass(m, &a.model, &clauses, &lib.checklist)?;
                        Ok(spi_lockout::library::score_model_pass(&items, &pass, &lib.checklist))
                    };
                    (
                        by_model(&lib.corpus)?,
                        by_model(&lib.heldout)?,
                        lib.score_scenarios(),
                    )
                }
            };
            let pass = a
                .model
                .model
                .as_deref()
                .map_or("rules".to_string(), |m| format!("model:{m}"));
            if a.lib.json {
                print_json(&documents::score_document(&pass, &c, &h, &s));
            } else {
                print!("{}", c.to_text(&format!("{pass} pass on the development corpus (lockout/corpus: the rules were written against it)")));
                println!();
                print!("{}", h.to_text(&format!("{pass} pass on the held-out corpus (lockout/heldout: written apart, never used to tune the rules)")));
                println!();
                print!("{}", s.to_text("rules pass on the scenarios' policies (labelled) and fixed policies (no factor)"));
            }
        }
        LockoutCommand::Pitch(a) => {
            let lib = load(&a.library, true)?;
            let text = read(&a.file)?;
            let file = a.file.display().to_string();
            let (filled, seen) =
                fill_pitch(&text, &lib).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
            let stale = seen.iter().filter(|n| n.stale.is_some()).count();
            for n in &seen {
                match &n.stale {
                    Some(b) => println!("{} = {} (the text said {b})", n.at, n.value),
                    None => println!("{} = {}", n.at, n.value),
                }
            }
            if a.write {
                std::fs::write(&a.file, &filled)
                    .with_context(|| format!("{file}: cannot write the file"))?;
                println!("wrote {} number(s) into {file}", seen.len());
            } else if a.check && (filled != text || stale > 0) {
                return Err(DomainRejection(format!("{file}: numbers differ from the engine's or are not filled in; run `spi lockout pitch --write`")).into());
            }
        }
    }
    Ok(())
}
