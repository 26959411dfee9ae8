//! `spi game …`: show, reduce, equilibria, pmm, bargain, and the list of named examples.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};
use spi_games::format::{self, GameFormat};
use spi_games::{Game, Rational, dominance, examples};

/// The `spi game` subcommands.
#[derive(Subcommand)]
pub enum GameCommand {
    /// List the named example games.
    List,
    /// Print a game as a table (or convert it with --json / --nfg).
    Show {
        #[command(flatten)]
        game: GameArg,
        /// Print the game in the JSON game format.
        #[arg(long)]
        json: bool,
        /// Print the game in Gambit's .nfg format.
        #[arg(long, conflicts_with = "json")]
        nfg: bool,
    },
    /// Iterated elimination of strictly dominated actions, with the trace.
    Reduce {
        #[command(flatten)]
        game: GameArg,
        /// Print JSON (`reduced/1`).
        #[arg(long)]
        json: bool,
    },
}

/// A game argument: a file (`.json` or Gambit `.nfg`) or the name of a built-in example.
#[derive(Args)]
pub struct GameArg {
    /// A game file (.json or .nfg) or a built-in example name (see `spi game list`).
    pub game: String,
}

impl GameArg {
    /// Loads the game, naming the file in every error.
    pub fn load(&self) -> Result<Game> {
        load_game(&self.game)
    }
}

/// Loads a game from a path, or from the example library when no such file exists.
pub fn load_game(spec: &str) -> Result<Game> {
    let path = Path::new(spec);
    if !path.exists() {
        if let Some(g) = examples::example(spec) {
            return Ok(g);
        }
        let names: Vec<&str> = examples::EXAMPLES.iter().map(|e| e.key).collect();
        bail!("{spec}: no such file, and not a built-in example (one of: {})", names.join(", "));
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("{spec}: cannot read the file"))?;
    format::read_game(&text, GameFormat::from_path(spec)).with_context(|| spec.to_string())
}

/// Runs a `spi game` subcommand.
pub fn run(cmd: GameCommand) -> Result<()> {
    match cmd {
        GameCommand::List => {
            for e in examples::EXAMPLES {
                let g = e.game();
                let shape: Vec<String> = g.shape().iter().map(|k| k.to_string()).collect();
                println!("{:<22} {:<6} {}", e.key, shape.join("x"), e.source);
            }
        }
        GameCommand::Show { game, json, nfg } => {
            let g = game.load()?;
            if json {
                print!("{}", format::write_json(&g));
            } else if nfg {
                print!("{}", format::write_nfg(&g));
            } else {
                print!("{}", render_table(&g));
            }
        }
        GameCommand::Reduce { game, json } => {
            let g = game.load()?;
            let r = dominance::iesds(&g);
            if json {
                print_json(&reduced_json(&g, &r));
            } else {
                print!("{}", render_reduction(&g, &r));
            }
        }
    }
    Ok(())
}

/// Prints a JSON value with two-space indentation.
pub fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Exact numbers print as strings in analysis output.
pub fn q(x: &Rational) -> Value {
    Value::String(x.to_string())
}

fn reduced_json(g: &Game, r: &dominance::Reduction) -> Value {
    let actions: Vec<Value> = r
        .surviving
        .iter()
        .enumerate()
        .map(|(i, acts)| Value::from(acts.iter().map(|&a| g.actions(i)[a].clone()).collect::<Vec<_>>()))
        .collect();
    let trace: Vec<Value> = r
        .trace
        .iter()
        .map(|e| {
            json!({
                "round": e.round,
                "player": g.players()[e.player],
                "eliminated": g.actions(e.player)[e.action],
                "dominated_by": g.actions(e.player)[e.dominated_by],
            })
        })
        .collect();
    let mut m = Map::new();
    m.insert("schema".into(), "reduced/1".into());
    m.insert("actions".into(), Value::from(actions));
    m.insert("trace".into(), Value::from(trace));
    Value::Object(m)
}

fn render_reduction(g: &Game, r: &dominance::Reduction) -> String {
    let mut out = String::new();
    if r.trace.is_empty() {
        out.push_str("No action is strictly dominated; the game is already reduced.\n");
    }
    for e in &r.trace {
        let _ = writeln!(
            out,
            "round {}: player {} eliminates {} (strictly dominated by {})",
            e.round,
            g.players()[e.player],
            g.actions(e.player)[e.action],
            g.actions(e.player)[e.dominated_by]
        );
    }
    out.push_str("surviving:\n");
    for (i, acts) in r.surviving.iter().enumerate() {
        let names: Vec<&str> = acts.iter().map(|&a| g.actions(i)[a].as_str()).collect();
        let _ = writeln!(out, "  {}: {}", g.players()[i], names.join(", "));
    }
    out
}

/// A game as an aligned text table (bimatrix for two players, one line per profile otherwise).
pub fn render_table(g: &Game) -> String {
    let mut out = String::new();
    let shape: Vec<String> = g.shape().iter().map(|k| k.to_string()).collect();
    let _ = writeln!(out, "{} ({} players: {}; {} actions)", g.name(), g.num_players(), g.players().join(", "), shape.join("x"));
    if g.num_players() == 2 {
        let (m, n) = (g.num_actions(0), g.num_actions(1));
        let cell = |i: usize, j: usize| {
            let p = g.payoffs(&[i, j]);
            format!("{}, {}", p[0], p[1])
        };
        let row_w = g.actions(0).iter().map(String::len).max().unwrap_or(0);
        let mut col_w: Vec<usize> = g.actions(1).iter().map(String::len).collect();
        for j in 0..n {
            for i in 0..m {
                col_w[j] = col_w[j].max(cell(i, j).len());
            }
        }
        let _ = write!(out, "{:row_w$}", "");
        for j in 0..n {
            let _ = write!(out, " | {:^w$}", g.actions(1)[j], w = col_w[j]);
        }
        out.push('\n');
        for i in 0..m {
            let _ = write!(out, "{:<row_w$}", g.actions(0)[i]);
            for j in 0..n {
                let _ = write!(out, " | {:^w$}", cell(i, j), w = col_w[j]);
            }
            out.push('\n');
        }
    } else {
        for p in g.profiles() {
            let pays: Vec<String> = g.payoffs(&p).iter().map(|x| x.to_string()).collect();
            let _ = writeln!(out, "{} -> ({})", g.profile_label(&p), pays.join(", "));
        }
    }
    out
}

/// The output format options shared by analysis commands.
#[derive(Clone, Copy, ValueEnum, Default)]
pub enum Method {
    /// Pure-strategy Nash equilibria (any number of players).
    Pure,
    /// All extreme mixed equilibria by exact vertex enumeration (two players).
    #[default]
    Enumerate,
    /// One equilibrium by exact Lemke–Howson (two players).
    LemkeHowson,
}
