//! `spi strategy check FILE`: agenda B.1 (a transformation over a finite program space: is it an
//! SPI, and where not) and B.2 (full strategies: demand preservation, PI, FI, with witnesses).
//!
//! The verdict is printed; the exit code is 0 whenever the file could be read.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use serde_json::Value;
use spi_games::Game;
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::full_strategy::{FullStrategyCheck, Witness, check_full_strategy};
use spi_theory::program_space::{TransformationCheck, check_transformation};
use spi_theory::verdicts;

use crate::cmd::game::print_json;

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
                print_json(&verdicts::transformation_check_document(&t.game, &c));
            } else {
                print!("{}", render_transformation(&t.game, &c));
            }
        }
        ModelDocument::FullStrategy(s) => {
            let c = check_full_strategy(&s);
            if a.json {
                print_json(&verdicts::full_strategy_check_document(&c));
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
