//! `spi program …`: run matches between bargaining programs, tournaments, commitment races and SPI
//! checks on program spaces.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use spi_games::{Game, Rational};
use spi_programs::agents::{self, Agent, AgentMatch, Proposal};
use spi_programs::modal::ModalSystem;
use spi_programs::{Limits, MatchReport, Outcome, Program, ProgramGame, documents, library};

use crate::cmd::DomainRejection;
use crate::cmd::game::{load_game, print_json};

/// The `spi program` subcommands.
#[derive(Subcommand)]
pub enum ProgramCommand {
    /// List the built-in agents (programs and modal agents).
    List,
    /// Print a built-in agent's source, with line numbers, so that fault positions
    /// (`agent.spl:LINE:COL`) and its action names can be read.
    Show {
        /// A built-in agent's name (see `spi program list`).
        agent: String,
    },
    /// Parse and check a program file; errors name the file, line and column.
    Check {
        /// A `.spl` program file or a `.modal` agent file.
        file: String,
    },
    /// Play A (player 1) against B (player 2).
    Run {
        /// A program file (.spl), a modal file (.modal, optionally FILE.modal:AGENT) or a built-in agent.
        a: String,
        /// The counterpart, in the same forms.
        b: String,
        #[command(flatten)]
        opts: MatchOpts,
        /// Print JSON (`match/1`).
        #[arg(long)]
        json: bool,
    },
    /// Commitment races: lock-in times, verification delay, with and without renegotiation clauses.
    Race(RaceArgs),
    /// Check that a program transformation is an SPI on a finite space of default programs
    /// (spi-theory's verifier), and whether it preserves demands.
    SpiCheck(SpiCheckArgs),
    /// Play every ordered pair of agents; print the payoff matrix and the program game's pure equilibria.
    Tournament {
        /// A directory of .spl/.modal files, or a comma-separated list of agents.
        agents: String,
        #[command(flatten)]
        opts: MatchOpts,
        /// Write the induced program game to this file (our JSON game format).
        #[arg(long)]
        export: Option<String>,
        /// Print JSON (`tournament/1`).
        #[arg(long)]
        json: bool,
        /// Also draw the payoff matrix as a heatmap with the pure equilibria outlined (SVG).
        #[arg(long, value_name = "FILE")]
        plot: Option<std::path::PathBuf>,
    },
}

/// `spi program race` arguments.
#[derive(Args)]
pub struct RaceArgs {
    /// Verification delay (commitment times are uniform on [0, 1]); exact, e.g. 1/10.
    #[arg(long, default_value = "1/10")]
    pub delay: String,
    /// Blind (hawkish) demands of the two agents, as shares of 1: "3/5,3/5".
    #[arg(long, default_value = "3/5,3/5", allow_hyphen_values = true)]
    pub demands: String,
    /// Payoffs in conflict.
    #[arg(long, default_value = "-1,-1", allow_hyphen_values = true)]
    pub conflict: String,
    /// Payoffs when both renegotiation clauses replace conflict (the SPI fallback).
    #[arg(long, default_value = "0,0", allow_hyphen_values = true)]
    pub fallback: String,
    /// Runs per configuration (seeds seed, seed+1, …).
    #[arg(long, default_value_t = 10_000)]
    pub runs: u64,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print JSON (`race/1`).
    #[arg(long)]
    pub json: bool,
    /// Also draw each scenario's conflict rate with its 95% interval (SVG).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<std::path::PathBuf>,
}

/// `spi program spi-check` arguments.
#[derive(Args)]
pub struct SpiCheckArgs {
    /// Default programs (files or built-ins), comma-separated: the space is every pair of them.
    #[arg(long)]
    pub defaults: String,
    /// The transformed programs, in the same order (f(p) for each default p).
    #[arg(long, conflicts_with_all = ["wrap_proposal", "wrap_disarm"])]
    pub transformed: Option<String>,
    /// Transform by wrapping each default in a renegotiation program proposing this profile ("A,B").
    #[arg(long)]
    pub wrap_proposal: Option<String>,
    /// Transform by wrapping each default in agenda B.4's renegotiation program (disarm doomsday devices).
    #[arg(long)]
    pub wrap_disarm: bool,
    #[command(flatten)]
    pub opts: MatchOpts,
    /// Print JSON (`program-spi-check/1`).
    #[arg(long)]
    pub json: bool,
}

/// Options every match shares.
#[derive(Args, Clone)]
pub struct MatchOpts {
    /// The base game: a file or a built-in example name.
    #[arg(long)]
    pub game: String,
    /// The seed of the match's random stream (runs replay exactly).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Steps each player's evaluation may take.
    #[arg(long, default_value_t = Limits::default().fuel)]
    pub fuel: u64,
    /// Nested calls and simulations allowed.
    #[arg(long, default_value_t = Limits::default().max_depth)]
    pub depth: u32,
    /// Cells each evaluation may allocate.
    #[arg(long, default_value_t = Limits::default().max_memory)]
    pub memory: u64,
    /// Rename actions to the roles the built-in agents use, e.g. `C=Cooperate,D=Defect`, so that
    /// CooperateBot, FairBot and the others play a game whose actions have other names.
    #[arg(long)]
    pub roles: Option<String>,
}

impl MatchOpts {
    /// The base game with `--roles` applied.
    fn program_game(&self) -> Result<ProgramGame> {
        let g = load_game(&self.game)?;
        let g = match &self.roles {
            None => g,
            Some(spec) => {
                let roles = agents::parse_roles(spec).context("--roles")?;
                spi_programs::with_roles(&g, &roles).context("--roles")?
            }
        };
        ProgramGame::new(g).with_context(|| self.game.clone())
    }

    /// The sandbox limits these options ask for; a value the sandbox cannot honour safely
    /// (`--depth 1000000`, `--memory 1000000000000`) is a clear error, not a crash later.
    fn limits(&self) -> Result<Limits> {
        let limits = Limits {
            fuel: self.fuel,
            max_memory: self.memory,
            ..Limits::default()
        }
        .with_depth(self.depth)
        .context("--depth")?;
        limits.validate().context("--depth, --memory or --fuel")?;
        Ok(limits)
    }
}

/// Resolves an agent argument: anything that exists is read as a file, so a FIFO or a directory
/// is named as what it is (the bounded reader refuses both) instead of "no such file".
fn resolve(spec: &str, system: &mut ModalSystem, limits: &Limits) -> Result<Agent> {
    let (file, pick) = agents::split_pick(spec);
    if Path::new(file).exists() {
        let text = read(file)?;
        return Ok(agents::from_file(file, &text, pick, system, limits)?);
    }
    Ok(agents::builtin(spec, system)?)
}

fn read(path: &str) -> Result<String> {
    crate::input::read_text(path)
}

/// Runs a `spi program` subcommand.
pub fn run(cmd: ProgramCommand) -> Result<()> {
    match cmd {
        ProgramCommand::List => {
            for a in library::AGENTS {
                println!("{:<24} program  {}", a.key, a.about);
            }
            let sys = ModalSystem::library();
            for n in sys.names() {
                println!(
                    "{:<24} modal    standard modal agent (docs/reference/definitions.md §7.2)",
                    n.to_lowercase()
                );
            }
            Ok(())
        }
        ProgramCommand::Show { agent } => {
            let key = agent.to_lowercase();
            let source = if let Some(a) = library::AGENTS.iter().find(|a| a.key == key) {
                a.source()
            } else if ModalSystem::library()
                .names()
                .iter()
                .any(|n| n.to_lowercase() == key)
            {
                // Modal agents are defined together, in one file; show it whole.
                spi_programs::modal::LIBRARY_SOURCE.to_string()
            } else {
                bail!("{agent:?} is not a built-in agent; `spi program list` names them");
            };
            for (i, line) in source.lines().enumerate() {
                println!("{:>4}  {line}", i + 1);
            }
            Ok(())
        }
        ProgramCommand::Check { file } => {
            let text = read(&file)?;
            if file.ends_with(".modal") {
                let mut sys = ModalSystem::library();
                let added = sys.add_source(&text).with_context(|| file.clone())?;
                println!("{file}: ok, modal agents {}", added.join(", "));
            } else {
                let p = Program::parse(&text, &Limits::default()).with_context(|| file.clone())?;
                println!(
                    "{file}: ok, program {} ({} bytes)",
                    p.name(),
                    p.source().len()
                );
            }
            Ok(())
        }
        ProgramCommand::Run { a, b, opts, json } => run_match(&a, &b, &opts, json),
        ProgramCommand::Tournament {
            agents,
            opts,
            export,
            json,
            plot,
        } => run_tournament(&agents, &opts, export, json, plot),
        ProgramCommand::Race(args) => run_race(&args),
        ProgramCommand::SpiCheck(args) => run_spi_check(&args),
    }
}

fn run_match(a: &str, b: &str, opts: &MatchOpts, as_json: bool) -> Result<()> {
    let pg = opts.program_game()?;
    let limits = opts.limits()?;
    let mut system = ModalSystem::library();
    let ra = resolve(a, &mut system, &limits)?;
    let rb = resolve(b, &mut system, &limits)?;
    match agents::play_agents(&pg, &ra, &rb, &system, &limits, opts.seed)? {
        AgentMatch::Program(report) => {
            print_match(&pg, [ra.name(), rb.name()], &report, opts, as_json)
        }
        AgentMatch::Modal(m) => {
            if as_json {
                print_json(&documents::modal_match_document(
                    &pg,
                    [ra.name(), rb.name()],
                    &m,
                ));
            } else {
                let g = &pg.game;
                println!(
                    "{} (player 1) vs {} (player 2) on {}: modal agents, GL chain",
                    ra.name(),
                    rb.name(),
                    g.name()
                );
                println!("actions:  {}", g.profile_label(&m.profile));
                println!("payoffs:  {}", crate::cmd::qs(&m.payoffs));
                println!(
                    "worlds until stable: {} ({} variables)",
                    m.worlds, m.variables
                );
            }
        }
    }
    Ok(())
}

fn print_match(
    pg: &ProgramGame,
    labels: [&str; 2],
    r: &MatchReport,
    opts: &MatchOpts,
    as_json: bool,
) {
    let g = &pg.game;
    let scored = r.scored_payoffs(pg);
    if as_json {
        print_json(&documents::program_match_document(pg, labels, r));
        return;
    }
    println!(
        "{} (player 1) vs {} (player 2) on {}, seed {}",
        labels[0],
        labels[1],
        g.name(),
        opts.seed
    );
    match &r.outcome {
        Outcome::Played {
            distribution,
            realized,
            expected,
        } => {
            println!("actions:  {}", g.profile_label(realized));
            if distribution.len() > 1 {
                let parts: Vec<String> = distribution
                    .iter()
                    .map(|(p, w)| format!("{} {}", crate::cmd::q(w), g.profile_label(p)))
                    .collect();
                println!("distribution: {}", parts.join(" + "));
            }
            println!("payoffs:  {} (expected)", crate::cmd::qs(expected.iter()));
        }
        Outcome::Exhausted { player, resource } => {
            println!(
                "player {} ran out of {}; scored as breakdown: {}, {}",
                player + 1,
                resource.as_str(),
                scored[0],
                scored[1]
            );
        }
        Outcome::Faulted { player, fault } => {
            println!(
                "player {} faulted: {fault}; scored as breakdown: {}, {}",
                player + 1,
                scored[0],
                scored[1]
            );
        }
    }
    println!(
        "steps:    {}, {} (simulation depth {}, {})",
        r.players[0].steps, r.players[1].steps, r.players[0].sim_depth, r.players[1].sim_depth
    );
    for (i, p) in r.players.iter().enumerate() {
        if let Some(to) = &p.renegotiated {
            println!("renegotiated: player {} to {to}", i + 1);
        }
    }
}

/// Draws `done/total` on stderr for runs long enough to need it.
/// Matches finish on several threads, so counts can arrive out of order; the printer shows a count
/// only when it is above the last one shown, and the counter never goes backwards.
fn progress_printer(total_hint: usize) -> impl Fn(usize, usize) + Sync {
    let show = total_hint >= 400 && std::io::stderr().is_terminal();
    let shown = std::sync::Mutex::new(0usize);
    move |done, total| {
        if !show || !(done % (total / 100).max(1) == 0 || done == total) {
            return;
        }
        let mut last = shown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if done > *last {
            *last = done;
            eprint!("\r{done}/{total} matches");
            if done == total {
                eprintln!();
            }
        }
    }
}

fn run_tournament(
    spec: &str,
    opts: &MatchOpts,
    export: Option<String>,
    as_json: bool,
    plot: Option<std::path::PathBuf>,
) -> Result<()> {
    let pg = opts.program_game()?;
    let limits = opts.limits()?;
    let mut system = ModalSystem::library();
    let mut specs: Vec<String> = Vec::new();
    if Path::new(spec).is_dir() {
        let mut files: Vec<String> = std::fs::read_dir(spec)
            .with_context(|| format!("{spec}: cannot list the directory"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "spl" || x == "modal"))
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        files.sort();
        specs = files;
    } else {
        specs.extend(
            spec.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        );
    }
    if specs.is_empty() {
        bail!(
            "{spec}: no agents (give a directory of .spl/.modal files or a comma-separated list)"
        );
    }
    let agents: Vec<Agent> = specs
        .iter()
        .map(|s| resolve(s, &mut system, &limits))
        .collect::<Result<_>>()?;
    let n = agents.len();
    let progress = progress_printer(n * n);
    let t = agents::play_tournament(&pg, agents, &system, &limits, opts.seed, &progress)?;
    let induced = t.induced_game(&pg.game)?;
    let eq = spi_games::equilibrium::pure_nash(&induced);
    if let Some(path) = &plot {
        let svg = spi_plot::render_heatmap(
            &format!("tournament on {}: payoffs (seat 1, seat 2)", pg.game.name()),
            &t.names,
            &t.payoffs,
            &eq,
        )?;
        crate::cmd::game::write_atomically(path, &svg)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &export {
        std::fs::write(path, spi_games::format::write_json(&induced))
            .with_context(|| format!("{path}: cannot write"))?;
    }
    if as_json {
        print_json(&documents::tournament_document(
            &pg,
            &t,
            &eq,
            export.as_deref(),
        ));
        return Ok(());
    }
    println!(
        "tournament on {}: {} agents, {} matches, seed {}",
        pg.game.name(),
        n,
        n * n,
        opts.seed
    );
    let w = t.names.iter().map(|s| s.len()).max().unwrap_or(4).max(8);
    print!("{:w$} ", "");
    for name in &t.names {
        print!(" {name:>w$}");
    }
    println!();
    for (i, row) in t.payoffs.iter().enumerate() {
        print!("{:w$} ", t.names[i]);
        for u in row {
            print!(" {:>w$}", format!("{},{}", u[0], u[1]));
        }
        println!();
    }
    let broken: usize = t
        .outcomes
        .iter()
        .flatten()
        .filter(|o| *o != "played")
        .count();
    if broken > 0 {
        println!(
            "{broken} matches did not finish (scored as breakdown, each player's minimum payoff):"
        );
        for (i, row) in t.outcomes.iter().enumerate() {
            for (j, o) in row.iter().enumerate() {
                if o != "played" {
                    println!("  {} vs {}: {o}", t.names[i], t.names[j]);
                }
            }
        }
    }
    if eq.is_empty() {
        println!("pure equilibria of the program game: none");
    } else {
        let s: Vec<String> = eq
            .iter()
            .map(|p| format!("({}, {})", t.names[p[0]], t.names[p[1]]))
            .collect();
        println!("pure equilibria of the program game: {}", s.join(", "));
    }
    if let Some(path) = export {
        println!("wrote the program game to {path}");
    }
    Ok(())
}

fn rational(text: &str, what: &str) -> Result<Rational> {
    text.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("--{what}: {text:?} is not an exact number (e.g. 3/5 or 0.6)"))
}

fn pair(text: &str, what: &str) -> Result<[Rational; 2]> {
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() != 2 {
        bail!("--{what}: expected two comma-separated numbers, got {text:?}");
    }
    Ok([rational(parts[0], what)?, rational(parts[1], what)?])
}

fn run_race(args: &RaceArgs) -> Result<()> {
    use spi_programs::race::{RaceConfig, Racer, compare_scenarios};
    let delay = rational(&args.delay, "delay")?;
    if delay.signum() < 0 || delay > Rational::from(1) {
        bail!(
            "--delay {delay}: expected a time in [0, 1] (commitment times are uniform on [0, 1])"
        );
    }
    let demands = pair(&args.demands, "demands")?;
    let conflict = pair(&args.conflict, "conflict")?;
    let fallback = pair(&args.fallback, "fallback")?;
    let cfg = RaceConfig {
        racers: [0, 1].map(|i| Racer {
            hawk_demand: demands[i].clone(),
            renegotiates: false,
        }),
        delay: delay.clone(),
        conflict: conflict.clone(),
        fallback: fallback.clone(),
        runs: args.runs,
        seed: args.seed,
    };
    let rows = compare_scenarios(&cfg);
    if let Some(path) = &args.plot {
        let bars: Vec<spi_plot::IntervalRow> = rows
            .iter()
            .map(|(label, s)| spi_plot::IntervalRow {
                label: (*label).to_string(),
                estimate: s.conflicts as f64 / s.runs.max(1) as f64,
                interval: s.conflict_ci,
                reference: None,
            })
            .collect();
        let svg = spi_plot::render_intervals(
            &format!("commitment races: delay {delay}, {} runs", args.runs),
            "conflict rate (95% Wilson interval)",
            (0.0, 1.0),
            &bars,
        )?;
        crate::cmd::game::write_atomically(path, &svg)?;
        eprintln!("wrote {}", path.display());
    }
    if args.json {
        print_json(&documents::race_document(&cfg, &rows));
        return Ok(());
    }
    println!(
        "commitment race: delay {delay}, blind demands {}, {}; conflict {}, {}; fallback {}, {}; {} runs from seed {}",
        demands[0],
        demands[1],
        conflict[0],
        conflict[1],
        fallback[0],
        fallback[1],
        args.runs,
        args.seed
    );
    println!(
        "{:<18} {:>9} {:>17} {:>13} {:>13} {:>21}",
        "renegotiation",
        "conflicts",
        "rate (95% CI)",
        "renegotiated",
        "mean u1",
        "mean u2 (95% CI)"
    );
    for (label, s) in &rows {
        println!(
            "{:<18} {:>9} {:>17} {:>13} {:>13} {:>21}",
            label,
            s.conflicts,
            format!("[{:.4}, {:.4}]", s.conflict_ci.0, s.conflict_ci.1),
            s.renegotiated,
            format!("{:.4}", s.mean_payoffs[0].to_f64()),
            format!(
                "{:.4} [{:.4}, {:.4}]",
                s.mean_payoffs[1].to_f64(),
                s.payoff_ci[1].0,
                s.payoff_ci[1].1
            ),
        );
    }
    Ok(())
}

fn program_list(spec: &str, limits: &Limits) -> Result<Vec<(String, Arc<Program>)>> {
    let mut system = ModalSystem::default();
    let list = spec
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| resolve(s, &mut system, limits))
        .collect::<Result<Vec<_>>>()?;
    Ok(agents::programs_of(list)?)
}

fn run_spi_check(args: &SpiCheckArgs) -> Result<()> {
    let pg = args.opts.program_game()?;
    let limits = args.opts.limits()?;
    let defaults = program_list(&args.defaults, &limits)?;
    let transformed: Vec<(String, Arc<Program>)> = if let Some(t) = &args.transformed {
        program_list(t, &limits)?
    } else {
        let proposal = if args.wrap_disarm {
            Proposal::Disarm
        } else if let Some(p) = &args.wrap_proposal {
            Proposal::Fixed(p.clone())
        } else {
            bail!("give --transformed, --wrap-proposal or --wrap-disarm");
        };
        agents::wrap_renegotiation(&pg.game, &defaults, &proposal, &limits)
            .context("--wrap-proposal")?
    };
    let c = spi_programs::spi_check::check_transformation_on_space(
        &pg,
        &defaults,
        &transformed,
        &limits,
        args.opts.seed,
    )?;
    let k = defaults.len();
    let label = |p: &[usize]| format!("({}, {})", c.names[p[0]], c.names[p[1]]);
    if args.json {
        print_json(&documents::program_spi_check_document(&pg, &c));
        return spi_check_status(&c, &label, &pg.game);
    }
    println!("space: {} default profiles on {}", k * k, pg.game.name());
    for i in 0..k {
        for j in 0..k {
            let (u, v) = (
                c.program_game.payoffs(&[i, j]),
                c.program_game.payoffs(&[k + i, k + j]),
            );
            println!(
                "  {:<40} {}, {}  ->  {}, {}",
                label(&[i, j]),
                u[0],
                u[1],
                v[0],
                v[1]
            );
        }
    }
    if c.verdict.is_spi() {
        let strict = if c.verdict.is_strict_spi() {
            "a strict SPI"
        } else {
            "an SPI (no strict gain anywhere)"
        };
        println!("verdict: {strict} on this space");
    } else {
        let ce = &c.verdict.counterexamples[0];
        println!(
            "verdict: NOT an SPI: at {} player {} gets {} instead of {}",
            label(&ce.from),
            pg.game.players()[ce.player],
            ce.payoff_to,
            ce.payoff_from
        );
    }
    if c.demand_preserving() {
        println!("demands: preserved on every profile");
    } else {
        for d in &c.demand_changes {
            let show = |v: &[(String, Rational)]| {
                v.iter()
                    .map(|(a, w)| format!("{w} {a}"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            };
            println!(
                "demands: changed at ({}, {}) for player {}: {} -> {}",
                d.profile[0],
                d.profile[1],
                pg.game.players()[d.player],
                show(&d.before),
                show(&d.after)
            );
        }
    }
    spi_check_status(&c, &label, &pg.game)
}

/// `spi program spi-check` exits 1 when the transformation is not an SPI, as `spi spi verify` does on
/// a rejected certificate: the verdict is printed first, then reported as a [`DomainRejection`].
fn spi_check_status(
    c: &spi_programs::spi_check::SpaceCheck,
    label: &dyn Fn(&[usize]) -> String,
    game: &Game,
) -> Result<()> {
    match c.verdict.counterexamples.first() {
        None => Ok(()),
        Some(ce) => Err(DomainRejection(format!(
            "not an SPI on this space: at {} player {} gets {} instead of {}",
            label(&ce.from),
            game.players()[ce.player],
            ce.payoff_to,
            ce.payoff_from
        ))
        .into()),
    }
}
