//! `spi game …`: show, reduce, equilibria, pmm, bargain, and the list of named examples.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;
use spi_games::format::{self, GameFormat};
use spi_games::{
    Game, Rational, bargaining, documents, dominance, equilibrium, examples, pareto, threat,
};

/// The `spi game` subcommands.
#[derive(Subcommand)]
pub enum GameCommand {
    /// List the named example games.
    List,
    /// Build a game from two payoff matrices, as Nashpy takes them (A for the row player, B for the
    /// column player; CSV or JSON arrays) and print it in our JSON format (or --nfg). Pipe it on:
    /// `spi game from-matrices A.csv B.csv | spi game equilibria -`.
    FromMatrices {
        /// The row player's payoffs.
        a: String,
        /// The column player's payoffs.
        b: String,
        /// The game's name.
        #[arg(long, default_value = "bimatrix")]
        name: String,
        /// Print Gambit's .nfg instead of JSON.
        #[arg(long)]
        nfg: bool,
    },
    /// A pure profile's payoffs, each player's best responses and regret (what deviating would gain).
    Check {
        #[command(flatten)]
        game: GameArg,
        /// The profile, one action per player: `DM,RM`.
        #[arg(long)]
        profile: String,
        /// Print JSON (`profile-check/1`).
        #[arg(long)]
        json: bool,
    },
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
    /// Nash equilibria: all extreme ones exactly (two players), pure ones (any), or one by Lemke–Howson.
    Equilibria {
        #[command(flatten)]
        game: GameArg,
        /// Algorithm; default: enumerate for two players, pure otherwise.
        #[arg(long, value_enum)]
        method: Option<Method>,
        /// Lemke–Howson: the label to drop (PLAYER:ACTION or a 0-based index); default: race labels.
        #[arg(long)]
        label: Option<String>,
        /// Enumeration: stop, with a clear error, once the equilibria found would hold more than
        /// this many MiB (the search itself needs a few MiB; degenerate games can have
        /// exponentially many extreme equilibria).
        #[arg(long, default_value_t = equilibrium::DEFAULT_ENUMERATION_MIB as u64,
              value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
        max_memory: u64,
        /// Print JSON (`equilibria/1`).
        #[arg(long)]
        json: bool,
    },
    /// Threat point (minimax value of each player) and the punishment that enforces it.
    Threat {
        #[command(flatten)]
        game: GameArg,
        /// Print JSON (`threat/1`).
        #[arg(long)]
        json: bool,
    },
    /// Pareto meet minimum, the Pareto-efficient outcomes and, optionally, PMP sets from a profile.
    Pmm {
        #[command(flatten)]
        game: GameArg,
        /// Also print PMP_1 and PMP_2 from this default profile (action names, comma-separated).
        #[arg(long, value_name = "PROFILE")]
        from: Option<String>,
        /// Print JSON (`pmm/1`).
        #[arg(long)]
        json: bool,
    },
    /// Draw the payoff space of a two-player game as SVG: pure outcomes, the feasible set, the
    /// Pareto frontier, the threat point, the PMM, the Nash and Kalai–Smorodinsky solutions and
    /// the payoffs of every extreme equilibrium, each labelled with its exact value.
    Plot {
        #[command(flatten)]
        game: GameArg,
        /// Write the SVG to this file (default: standard output).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// The disagreement point of the bargaining solutions: `threat` (default) or payoffs
        /// like "0,1/2".
        #[arg(long, default_value = "threat", allow_hyphen_values = true)]
        disagreement: String,
        /// Memory budget of the equilibrium enumeration, in MiB (past it, only pure equilibria
        /// are marked).
        #[arg(long, default_value_t = equilibrium::DEFAULT_ENUMERATION_MIB as u64,
              value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
        max_memory: u64,
    },
    /// Nash and Kalai–Smorodinsky bargaining solutions over the feasible set C(Γ).
    Bargain {
        #[command(flatten)]
        game: GameArg,
        /// The disagreement point: `threat` (default) or comma-separated payoffs like "0,1/2".
        #[arg(long, default_value = "threat")]
        disagreement: String,
        /// Print JSON (`bargain/1`).
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

/// Loads a game from a path, from standard input (`-`: Gambit's `.nfg` when the text starts with
/// `NFG`, our JSON otherwise), or from the example library when no such file exists.
pub fn load_game(spec: &str) -> Result<Game> {
    let path = Path::new(spec);
    if spec == "-" {
        let text = crate::input::read_text(spec)?;
        let format = if text.trim_start().starts_with("NFG") {
            GameFormat::Nfg
        } else {
            GameFormat::Json
        };
        return format::read_game(&text, format).context("<stdin>");
    }
    if !path.exists() {
        if let Some(g) = examples::example(spec) {
            return Ok(g);
        }
        let names: Vec<&str> = examples::EXAMPLES.iter().map(|e| e.key).collect();
        bail!(
            "{spec}: no such file, and not a built-in example (one of: {})",
            names.join(", ")
        );
    }
    let text = crate::input::read_text(spec)?;
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
        GameCommand::FromMatrices { a, b, name, nfg } => {
            let (ta, tb) = (crate::input::read_text(&a)?, crate::input::read_text(&b)?);
            let g = format::matrices::read_matrices(&ta, &tb, &name)
                .with_context(|| format!("{a}, {b}"))?;
            if nfg {
                print!("{}", format::write_nfg(&g));
            } else {
                print!("{}", format::write_json(&g));
            }
        }
        GameCommand::Check {
            game,
            profile,
            json,
        } => {
            let g = game.load()?;
            let p = parse_profile(&g, &profile)?;
            let c = spi_games::deviation::check_profile(&g, &p);
            if json {
                print_json(&documents::profile_check_document(&g, &c));
            } else {
                println!(
                    "profile {}: payoffs ({})",
                    g.profile_label(&p),
                    join(g.payoffs(&p))
                );
                for (i, d) in c.players.iter().enumerate() {
                    let best: Vec<&str> = d
                        .best_responses
                        .iter()
                        .map(|&a| g.actions(i)[a].as_str())
                        .collect();
                    println!(
                        "  {}: regret {} (best responses: {})",
                        g.players()[i],
                        crate::cmd::q(&d.regret),
                        best.join(", ")
                    );
                }
                println!(
                    "{}",
                    if c.is_nash() {
                        "a pure Nash equilibrium: nobody gains by deviating alone"
                    } else {
                        "not a Nash equilibrium: a player with positive regret gains by deviating"
                    }
                );
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
                print_json(&documents::reduced_document(&g, &r));
            } else {
                print!("{}", render_reduction(&g, &r));
            }
        }
        GameCommand::Equilibria {
            game,
            method,
            label,
            max_memory,
            json,
        } => {
            let g = game.load()?;
            let method = method.unwrap_or(if g.num_players() == 2 {
                Method::Enumerate
            } else {
                Method::Pure
            });
            let eqs = match method {
                Method::Pure => equilibrium::pure_as_mixed(&g),
                Method::Enumerate if is_large_for_enumeration(&g) => {
                    let shape = g.shape();
                    eprintln!(
                        "note: enumerating every extreme equilibrium of this {}x{} game exactly can take minutes; \
                         `--method lemke-howson` finds one in a fraction of a second. Equilibria are listed here as they are found.",
                        shape[0], shape[1]
                    );
                    let mut k = 0usize;
                    equilibrium::enumerate_reporting(&g, max_memory as usize, &mut |e| {
                        k += 1;
                        eprintln!("found {k}: payoffs ({})", join(&e.payoffs));
                    })
                    .with_context(|| game.game.clone())?
                }
                Method::Enumerate => equilibrium::enumerate_within(&g, max_memory as usize)
                    .with_context(|| game.game.clone())?,
                Method::LemkeHowson => match &label {
                    // Without a label, race labels and take the first short path.
                    None => vec![
                        equilibrium::lemke_howson_any(&g)
                            .with_context(|| game.game.clone())?
                            .0,
                    ],
                    Some(l) => vec![
                        equilibrium::lemke_howson(&g, parse_label(&g, l)?)
                            .with_context(|| game.game.clone())?
                            .0,
                    ],
                },
            };
            if json {
                print_json(&documents::equilibria_document(&g, &eqs));
            } else {
                if eqs.is_empty() {
                    println!(
                        "No pure-strategy equilibrium (try --method enumerate for mixed ones)."
                    );
                }
                for (k, e) in eqs.iter().enumerate() {
                    println!("equilibrium {}: payoffs ({})", k + 1, join(&e.payoffs));
                    for (i, s) in e.strategies.iter().enumerate() {
                        let parts: Vec<String> = s
                            .iter()
                            .enumerate()
                            .filter(|(_, p)| !p.is_zero())
                            .map(|(a, p)| format!("{} {}", g.actions(i)[a], crate::cmd::q(p)))
                            .collect();
                        println!("  {}: {}", g.players()[i], parts.join(", "));
                    }
                }
                // In a degenerate game the extreme equilibria are corners of larger sets; say which.
                if matches!(method, Method::Enumerate) {
                    let subsets = equilibrium::subsets::maximal_nash_subsets(&eqs);
                    if subsets.iter().any(|s| s.equilibria.len() > 1) {
                        let shown: Vec<String> = subsets
                            .iter()
                            .map(|s| {
                                let ks: Vec<String> =
                                    s.equilibria.iter().map(|k| (k + 1).to_string()).collect();
                                format!("{{{}}}", ks.join(", "))
                            })
                            .collect();
                        println!(
                            "maximal Nash subsets (any mix of the row and column strategies within one is an equilibrium): {}",
                            shown.join(" ")
                        );
                    }
                }
            }
        }
        GameCommand::Threat { game, json } => {
            let g = game.load()?;
            let t = threat::threat_point(&g);
            let doc = documents::threat_document(&g, &t);
            if json {
                print_json(&doc);
            } else {
                println!("threat point: ({})", join(&t.values));
                for p in doc["punishments"].as_array().into_iter().flatten() {
                    let parts: Vec<String> = p["punishment"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|d| {
                            format!(
                                "{} {}",
                                d["profile"]
                                    .as_array()
                                    .into_iter()
                                    .flatten()
                                    .filter_map(Value::as_str)
                                    .collect::<Vec<_>>()
                                    .join("+"),
                                crate::cmd::q_str(d["probability"].as_str().unwrap_or(""))
                            )
                        })
                        .collect();
                    let pure = p["pure_punishment"].as_array().map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join("+")
                    });
                    let pure = match pure {
                        // The LP's answer is already pure: say so once.
                        Some(pure) if parts.len() == 1 && parts[0] == format!("{pure} 1") => {
                            " (a pure strategy)".to_string()
                        }
                        Some(pure) => format!("; a pure strategy does as well: {pure}"),
                        None => "; no pure strategy does".to_string(),
                    };
                    println!(
                        "  {} is held down by: {}{pure}",
                        p["target"].as_str().unwrap_or(""),
                        parts.join(", ")
                    );
                }
                if t.correlated {
                    println!(
                        "(three or more players: punishers may correlate; independent punishers can only do worse)"
                    );
                }
            }
        }
        GameCommand::Pmm { game, from, json } => {
            let g = game.load()?;
            let m = pareto::pmm(&g);
            let eff = pareto::efficient_outcomes(&g);
            let pmp = match &from {
                None => None,
                Some(spec) => {
                    let p = parse_profile(&g, spec)?;
                    let u = g.payoffs(&p).to_vec();
                    let sets: Vec<Option<pareto::PmpSegment>> = (0..g.num_players())
                        .map(|i| pareto::pmp(&g, i, &u))
                        .collect();
                    if g.num_players() != 2 {
                        bail!(
                            "PMP sets are computed for two-player games; this one has {} players",
                            g.num_players()
                        );
                    }
                    Some((p, sets))
                }
            };
            if json {
                print_json(&documents::pmm_document(
                    &g,
                    pmp.as_ref().map(|(p, _)| p.as_slice()),
                ));
            } else {
                println!("PMM: ({})", join(&m));
                println!("Pareto-efficient outcomes:");
                for p in &eff {
                    println!("  {} -> ({})", g.profile_label(p), join(g.payoffs(p)));
                }
                if let (Some(hull), Some(frontier)) = (pareto::hull_2d(&g), pareto::frontier_2d(&g))
                {
                    let pts = |ps: &[Vec<Rational>]| {
                        ps.iter()
                            .map(|p| format!("({})", join(p)))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    println!(
                        "feasible set C(Γ), vertices counter-clockwise: {}",
                        pts(&hull)
                    );
                    println!("Pareto frontier: {}", pts(&frontier));
                }
                if let Some((p, sets)) = &pmp {
                    for (i, s) in sets.iter().enumerate() {
                        let name = &g.players()[i];
                        match s {
                            None => println!("PMP_{name} from {}: empty", g.profile_label(p)),
                            Some(s) => println!(
                                "PMP_{name} from {}: u_{} = {}, {} <= u_{name} <= {}",
                                g.profile_label(p),
                                g.players()[1 - i],
                                crate::cmd::q(&s.fixed),
                                crate::cmd::q(&s.lo),
                                crate::cmd::q(&s.hi)
                            ),
                        }
                    }
                }
            }
        }
        GameCommand::Plot {
            game,
            out,
            disagreement,
            max_memory,
        } => {
            let g = game.load()?;
            let d = parse_disagreement(&disagreement)?;
            let space = spi_plot::payoff_space(&g, d.as_deref(), max_memory as usize)
                .with_context(|| game.game.clone())?;
            let svg = spi_plot::render_svg(&space)?;
            if let Some(note) = &space.equilibria_note {
                eprintln!("note: {note}");
            }
            match out {
                None => print!("{svg}"),
                Some(path) => {
                    write_atomically(&path, &svg)?;
                    eprintln!("wrote {}", path.display());
                }
            }
        }
        GameCommand::Bargain {
            game,
            disagreement,
            json,
        } => {
            let g = game.load()?;
            let d: Vec<Rational> = match parse_disagreement(&disagreement)? {
                None => threat::threat_point(&g).values,
                Some(d) => d,
            };
            let nash = bargaining::nash_bargaining(&g, &d);
            let ks = bargaining::kalai_smorodinsky(&g, &d).with_context(|| game.game.clone())?;
            if json {
                print_json(&documents::bargain_document(
                    &d,
                    nash.as_ref().ok().map(|p| p.as_slice()),
                    &ks,
                ));
            } else {
                println!("disagreement point: ({})", join(&d));
                match &nash {
                    Ok(p) => println!("Nash bargaining solution: ({})", join(p)),
                    Err(e) => println!("Nash bargaining solution: not computed ({e})"),
                }
                println!("Kalai-Smorodinsky solution: ({})", join(&ks));
            }
        }
    }
    Ok(())
}

/// Past this many actions on the smaller side, enumeration takes seconds to minutes (a 12x12 game
/// about 0.1 s, a 14x14 one seconds), so the command says so and shows equilibria as they come.
const LARGE_FOR_ENUMERATION: usize = 12;

fn is_large_for_enumeration(g: &Game) -> bool {
    g.num_players() == 2
        && g.shape()
            .iter()
            .min()
            .is_some_and(|&k| k >= LARGE_FOR_ENUMERATION)
}

fn join(xs: &[Rational]) -> String {
    crate::cmd::qs(xs)
}

/// Parses "A1,B2" (one action name per player) into a profile.
pub fn parse_profile(g: &Game, spec: &str) -> Result<Vec<usize>> {
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    if parts.len() != g.num_players() {
        bail!(
            "profile {spec:?}: expected {} comma-separated action names, found {}",
            g.num_players(),
            parts.len()
        );
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, name)| {
            g.action_index(i, name).with_context(|| {
                format!(
                    "profile {spec:?}: player {} has no action {name:?} (actions: {})",
                    g.players()[i],
                    g.actions(i).join(", ")
                )
            })
        })
        .collect()
}

fn parse_label(g: &Game, l: &str) -> Result<usize> {
    let m = g.num_actions(0);
    if let Ok(k) = l.parse::<usize>() {
        return Ok(k);
    }
    let (player, action) = l
        .split_once(':')
        .with_context(|| format!("--label {l:?}: expected PLAYER:ACTION or an index"))?;
    let i = g
        .player_index(player)
        .with_context(|| format!("--label {l:?}: no player {player:?}"))?;
    let a = g
        .action_index(i, action)
        .with_context(|| format!("--label {l:?}: player {player} has no action {action:?}"))?;
    Ok(if i == 0 { a } else { m + a })
}

/// Prints a JSON value with two-space indentation.
pub fn print_json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
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
    let _ = writeln!(
        out,
        "{} ({} players: {}; {} actions)",
        g.name(),
        g.num_players(),
        g.players().join(", "),
        shape.join("x")
    );
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

/// `--disagreement`: `threat` (None: the caller's default) or comma-separated exact payoffs.
fn parse_disagreement(text: &str) -> Result<Option<Vec<Rational>>> {
    if text == "threat" {
        return Ok(None);
    }
    text.split(',')
        .map(|x| {
            x.trim()
                .parse::<Rational>()
                .with_context(|| format!("--disagreement {text:?}"))
        })
        .collect::<Result<_>>()
        .map(Some)
}

/// Writes `text` with the harness's atomic writer (temporary file, fsync, rename; nothing half
/// written is left behind), for the SVGs the plot options produce.
pub(crate) fn write_atomically(path: &std::path::Path, text: &str) -> Result<()> {
    spi_eval::export::write_atomically(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|source| spi_eval::error::EvalError::Io {
                path: path.to_path_buf(),
                source,
            })
    })
    .with_context(|| format!("{}: cannot write", path.display()))
}
