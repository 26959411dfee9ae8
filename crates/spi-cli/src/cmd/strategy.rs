//! `spi strategy check FILE`: agenda B.1 (a transformation over a finite program space: is it an
//! SPI, and where not) and B.2 (full strategies: demand preservation, PI, FI, with witnesses).
//!
//! The verdict is printed; the exit code is 0 whenever the file could be read.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use spi_games::Game;
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::full_strategy::{FullStrategyCheck, Witness, check_full_strategy};
use spi_theory::program_space::{TransformationCheck, check_transformation};

use crate::cmd::game::{print_json, q};

/// The `spi strategy` subcommands.
#[derive(Subcommand)]
pub enum StrategyCommand {
    /// Check a `spi-transformation/1` or `full-strategy/1` file (formats in test_data/theory/README.md).
    Check(CheckArgs),
}

/// Arguments of `spi strategy check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The model file.
    pub file: String,
    /// Print JSON (`transformation-check/1` or `full-strategy-check/1`).
    #[arg(long)]
    pub json: bool,
}

/// Reads a model document, naming the file and the JSON position in errors.
pub fn load_model(path: &str) -> Result<ModelDocument> {
    let text = crate::input::read_text(path)?;
    let v: Value = spi_games::format::json::parse_unique(&text)
        .map_err(|e| {
            anyhow::anyhow!(
                "line {}, column {}: invalid JSON: {e}",
                e.line(),
                e.column()
            )
        })
        .with_context(|| path.to_string())?;
    read_model(&v).with_context(|| path.to_string())
}

/// Runs a `spi strategy` subcommand.
pub fn run(cmd: StrategyCommand) -> Result<()> {
    let StrategyCommand::Check(a) = cmd;
    match load_model(&a.file)? {
        ModelDocument::Transformation(t) => {
            let c = check_transformation(&t);
            if a.json {
                print_json(&transformation_json(&t.game, &c));
            } else {
                print!("{}", render_transformation(&t.game, &c));
            }
        }
        ModelDocument::FullStrategy(s) => {
            let c = check_full_strategy(&s);
            if a.json {
                print_json(&full_strategy_json(&c));
            } else {
                print!("{}", render_full_strategy(&c));
            }
        }
        ModelDocument::ThreatGame(_) => {
            bail!("{}: a threat-game/1 file; use `spi threat analyze`", a.file)
        }
    }
    Ok(())
}

fn names(g: &Game, p: &[usize]) -> Vec<String> {
    p.iter()
        .enumerate()
        .map(|(i, &a)| g.actions(i)[a].clone())
        .collect()
}

fn transformation_json(g: &Game, c: &TransformationCheck) -> Value {
    json!({
        "schema": "transformation-check/1",
        "spi": c.is_spi(),
        "strict": c.is_strict_spi(),
        "space_size": c.space_size,
        "counterexamples": c.counterexamples.iter().map(|x| json!({
            "from": names(g, &x.from),
            "to": names(g, &x.to),
            "player": g.players()[x.player],
            "payoff_from": q(&x.payoff_from),
            "payoff_to": q(&x.payoff_to),
        })).collect::<Vec<_>>(),
        "strict_gains": c.strict_gains.iter().map(|p| names(g, p)).collect::<Vec<_>>(),
    })
}

fn render_transformation(g: &Game, c: &TransformationCheck) -> String {
    let mut out = String::new();
    if c.is_spi() {
        let _ = writeln!(
            out,
            "The transformation is {}SPI on all {} profiles of the space ({} with a strict gain).",
            if c.is_strict_spi() {
                "a strict "
            } else {
                "a (weak) "
            },
            c.space_size,
            c.strict_gains.len()
        );
        for p in &c.strict_gains {
            let _ = writeln!(out, "  strict gain at {}", g.profile_label(p));
        }
    } else {
        let _ = writeln!(
            out,
            "The transformation is NOT an SPI on the space ({} profiles):",
            c.space_size
        );
        for x in &c.counterexamples {
            let _ = writeln!(
                out,
                "  counterexample: {} → {}: player {} gets {} instead of {} (worse by {})",
                g.profile_label(&x.from),
                g.profile_label(&x.to),
                g.players()[x.player],
                x.payoff_to,
                x.payoff_from,
                &x.payoff_from - &x.payoff_to
            );
        }
    }
    out
}

fn witness_json(w: &Witness) -> Value {
    json!({"player": w.player, "left": {"program": w.left.0, "demand": q(&w.left.1)}, "right": {"program": w.right.0, "demand": q(&w.right.1)}})
}

fn full_strategy_json(c: &FullStrategyCheck) -> Value {
    json!({
        "schema": "full-strategy-check/1",
        "demand_preserving": c.is_demand_preserving(),
        "participation_independent": c.is_participation_independent(),
        "foreknowledge_independent": c.is_foreknowledge_independent(),
        "witnesses": {
            "demand_preserving": c.demand_preserving.iter().map(witness_json).collect::<Vec<_>>(),
            "participation_independent": c.participation.iter().map(witness_json).collect::<Vec<_>>(),
            "foreknowledge_independent": c.foreknowledge.iter().map(witness_json).collect::<Vec<_>>(),
        },
    })
}

fn render_full_strategy(c: &FullStrategyCheck) -> String {
    let properties: [(&str, bool, &[Witness], &str); 3] = [
        (
            "demand-preserving",
            c.is_demand_preserving(),
            &c.demand_preserving,
            "the SPI turns it into",
        ),
        (
            "participation-independent",
            c.is_participation_independent(),
            &c.participation,
            "had the others not participated, would have chosen",
        ),
        (
            "foreknowledge-independent",
            c.is_foreknowledge_independent(),
            &c.foreknowledge,
            "knowing in advance that the others would not participate, would have chosen",
        ),
    ];
    let mut out = String::new();
    for (name, holds, witnesses, what) in properties {
        let verdict = if holds { "yes" } else { "no" };
        let _ = writeln!(out, "{name:<27}{verdict}");
        for w in witnesses {
            let _ = writeln!(
                out,
                "    {}: {} (demand {}) but {what} {} (demand {})",
                w.player, w.left.0, w.left.1, w.right.0, w.right.1
            );
        }
    }
    out
}
