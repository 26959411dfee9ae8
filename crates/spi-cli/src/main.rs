//! The `spi` binary: parses arguments, reads files and the environment, prints results.
//!
//! Every command lives in its own module under `cmd/`; this file only dispatches. Exit codes:
//! 0 success, 1 a domain "no" that the user asked to be an error (e.g. `spi spi verify` rejecting a
//! certificate, an incomplete eval run, a cached model that fails its digest), 2 bad input or
//! usage (clap's own convention), 3 an internal failure (a panic, or a
//! `cmd::InternalError` such as the SPI search and verifier disagreeing), 141 a closed
//! stdout (`spi … | head`: the status a shell reports for SIGPIPE, with nothing printed).
//!
//! Option values may be negative numbers (`--disagreement -2,-2`): before clap sees the
//! arguments, a value that starts with `-` and a digit is joined to the long option before it
//! (`--disagreement=-2,-2`) when that option takes a value.

mod cmd;
mod input;

use std::io::Write;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// safepareto: exact tools for safe Pareto improvements.
#[derive(Parser)]
#[command(
    name = "spi",
    version = env!("SPI_VERSION"),
    about = "safepareto: exact tools for safe Pareto improvements.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// In text output, print each non-integer exact number with its decimal value to N places
    /// beside it (`29/96 (≈0.3021)`); the exact form stays, and JSON output is unchanged.
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=60))]
    decimals: Option<u32>,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a normal-form game: show, reduce (IESDS), equilibria, PMM, bargaining.
    #[command(subcommand)]
    Game(cmd::game::GameCommand),
    /// Program games: run matches, tournaments, commitment races and SPI checks on program spaces.
    #[command(subcommand)]
    Program(cmd::program::ProgramCommand),
    /// Run evaluation suites against models; report, export, compare and merge runs.
    #[command(subcommand)]
    Eval(cmd::eval::EvalCommand),
    /// Serve a model (mock, local, remote) as an OpenAI-compatible endpoint.
    Serve(cmd::serve::ServeArgs),
    /// Browse run stores in a local web page (127.0.0.1): runs, reports, transcripts, two runs
    /// side by side.
    View(cmd::view::ViewArgs),
    /// Local models: fetch the default offline model (SmolLM2), list the cache, chat.
    #[command(subcommand)]
    Model(cmd::model::ModelCommand),
    /// Safe Pareto improvements: search, verify, perfect coordination, OC Algorithm 2, isomorphism.
    #[command(subcommand)]
    Spi(cmd::spi::SpiCommand),
    /// Full strategies and transformations over program spaces (agenda B.1, B.2).
    #[command(subcommand)]
    Strategy(cmd::strategy::StrategyCommand),
    /// Threat games with surrogate goals (agenda B.3).
    #[command(subcommand)]
    Threat(cmd::threat::ThreatCommand),
    /// Evaluation suites: list, show, lint, render, generate and export scenario content.
    #[command(subcommand)]
    Suite(cmd::suite::SuiteCommand),
    /// SPI lock-out (Part II): the checklist, the scenario library and the policy auditor.
    #[command(subcommand)]
    Lockout(cmd::lockout::LockoutCommand),
    /// The benchmark of SPI research ability (Part III): list, generate, run, report.
    #[command(subcommand)]
    Research(cmd::research::ResearchCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) of `spi` to stdout: `spi man > spi.1`.
    Man,
}

/// The exit status a shell reports for a process ended by SIGPIPE (128 + 13).
const CLOSED_PIPE: i32 = 141;

/// Whether a panic message is Rust's report of a failed write to a closed stdout.
fn is_closed_pipe_panic(what: &str) -> bool {
    what.starts_with("failed printing to stdout") && what.contains("Broken pipe")
}

/// Joins `--opt -2,-2` into `--opt=-2,-2` for every long option (of any subcommand) that takes
/// a value, so negative numbers parse as values, not as unknown short flags.
fn join_negative_values(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    fn takes_value(cmd: &clap::Command, long: &str) -> bool {
        cmd.get_arguments()
            .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
            || cmd.get_subcommands().any(|c| takes_value(c, long))
    }
    let cmd = Cli::command();
    let mut out: Vec<std::ffi::OsString> = Vec::with_capacity(args.len());
    for arg in args {
        let negative = arg.to_str().is_some_and(|a| {
            let mut c = a.chars();
            c.next() == Some('-') && c.next().is_some_and(|d| d.is_ascii_digit() || d == '.')
        });
        let joinable = out.last().and_then(|p| p.to_str()).is_some_and(|p| {
            p.strip_prefix("--")
                .is_some_and(|l| !l.is_empty() && !l.contains('=') && takes_value(&cmd, l))
        });
        if negative && joinable {
            let prev = out.pop().expect("checked above");
            let mut joined = prev;
            joined.push("=");
            joined.push(&arg);
            out.push(joined);
        } else {
            out.push(arg);
        }
    }
    out
}

fn main() {
    let args = join_negative_values(std::env::args_os().collect());
    let cli = match Cli::command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    // A panic is a bug in spi, never the user's input: say so in one line (where, and what), with
    // exit code 3, instead of Rust's default report and 101. Runs and stores commit as they go, so
    // nothing already written is lost; RUST_BACKTRACE=1 still adds the backtrace.
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        if is_closed_pipe_panic(&what) {
            // `spi … | head`: the reader is gone, which is not spi's failure; end quietly.
            std::process::exit(CLOSED_PIPE);
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        // write!, not eprintln!: a closed stderr must not turn this into a double panic (abort).
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "error: internal error in spi (a bug, please report it with the command): {what}{at}"
        );
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            let _ = writeln!(err, "{}", std::backtrace::Backtrace::force_capture());
        }
    }));
    cmd::set_decimals(cli.decimals);
    let outcome = std::panic::catch_unwind(move || {
        // Fault injection for the test that proves this path (crates/spi-cli/tests/game_cli.rs).
        if std::env::var_os("SPI_INJECT_PANIC").is_some() {
            panic!("injected by SPI_INJECT_PANIC");
        }
        dispatch(cli.command)
    });
    let Ok(result) = outcome else {
        std::process::exit(3);
    };
    if let Err(err) = result {
        let closed_pipe = err.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        });
        if closed_pipe {
            std::process::exit(CLOSED_PIPE);
        }
        // One line per cause, outermost first: the file and JSON path come from the context chain.
        let _ = writeln!(std::io::stderr(), "error: {err:#}");
        std::process::exit(cmd::exit_code(&err));
    }
}

fn dispatch(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Game(c) => cmd::game::run(c),
        Command::Program(c) => cmd::program::run(c),
        Command::Eval(c) => cmd::eval::run(c),
        Command::Serve(a) => cmd::serve::run(a),
        Command::View(a) => cmd::view::run(a),
        Command::Model(c) => cmd::model::run(c),
        Command::Spi(c) => cmd::spi::run(c),
        Command::Strategy(c) => cmd::strategy::run(c),
        Command::Threat(c) => cmd::threat::run(c),
        Command::Suite(c) => cmd::suite::run(c),
        Command::Lockout(c) => cmd::lockout::run(c),
        Command::Research(c) => cmd::research::run(c),
        // Generated from the same clap definitions as the parser, so they cannot drift.
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics on a failed write, and `| head` must end
            // quietly like every other command.
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "spi", &mut buf);
            std::io::stdout().write_all(&buf)?;
            Ok(())
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(())
        }
    }
}
