//! `spi threat analyze FILE`: agenda B.3, surrogate goals in a finite threat game: is A's policy
//! concession-equivalent, is adopting the surrogate an SPI (at B's best responses and for every
//! demand), how much each party gains and how B's demand moves.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use spi_theory::documents::ModelDocument;
use spi_theory::surrogate::{SurrogateAnalysis, ThreatChoice, analyze};
use spi_theory::verdicts;

use crate::cmd::game::print_json;
use crate::cmd::q;
use crate::cmd::strategy::load_model;

/// The `spi threat` subcommands.
#[derive(Subcommand)]
pub enum ThreatCommand {
    /// Analyse a `threat-game/1` file (format in test_data/theory/README.md).
    Analyze(AnalyzeArgs),
}

/// Arguments of `spi threat analyze`.
#[derive(Args)]
pub struct AnalyzeArgs {
    /// The threat-game file.
    pub file: String,
    /// Print JSON (`surrogate-analysis/1`).
    #[arg(long)]
    pub json: bool,
}

/// Runs a `spi threat` subcommand.
pub fn run(cmd: ThreatCommand) -> Result<()> {
    let ThreatCommand::Analyze(a) = cmd;
    let ModelDocument::ThreatGame(g) = load_model(&a.file)? else {
        bail!(
            "{}: not a threat-game/1 file; use `spi strategy check`",
            a.file
        );
    };
    let r = analyze(&g);
    if a.json {
        print_json(&verdicts::surrogate_analysis_document(&r));
    } else {
        print!("{}", render(&r));
    }
    Ok(())
}

fn describe(c: &ThreatChoice) -> String {
    match (&c.demand, &c.target) {
        (Some(d), Some(t)) => format!(
            "B demands {d} threatening the {t} target; A concedes with probability {}; expected payoffs (A, B) = ({}, {})",
            q(&c.concession),
            q(&c.payoffs[0]),
            q(&c.payoffs[1])
        ),
        _ => format!(
            "B makes no threat; payoffs (A, B) = ({}, {})",
            q(&c.payoffs[0]),
            q(&c.payoffs[1])
        ),
    }
}

fn render(r: &SurrogateAnalysis) -> String {
    let mut out = String::new();
    if r.is_concession_equivalent() {
        let _ = writeln!(out, "A's policy is concession-equivalent.");
    } else {
        let _ = writeln!(out, "A's policy is NOT concession-equivalent:");
        for b in &r.breaches {
            let _ = writeln!(
                out,
                "  at demand {}, threats on {} and {} give B the same payoff when executed, but A concedes with probability {} vs {}",
                b.demand,
                b.targets.0,
                b.targets.1,
                q(&b.probabilities.0),
                q(&b.probabilities.1)
            );
        }
    }
    let _ = writeln!(out, "Without the surrogate: {}.", describe(&r.before));
    let _ = writeln!(out, "With the surrogate:    {}.", describe(&r.after));
    let g = r.gains();
    // With no gain for anyone the literal verdict "an SPI" is true but tells a reader the wrong
    // thing: adopting the surrogate changes nothing, so say so.
    let idle = r.is_spi() && g.iter().all(|x| x.is_zero());
    let _ = writeln!(
        out,
        "Adopting it {} at B's best responses: A gains {}, B gains {}{}.",
        if idle {
            "changes nothing (a weak SPI with no gain)"
        } else if r.is_spi() {
            "is an SPI"
        } else {
            "is NOT an SPI"
        },
        q(&g[0]),
        q(&g[1]),
        match r.demand_change() {
            Some(d) if d.is_positive() => format!("; B's demand rises by {d}"),
            Some(d) if d.is_negative() => format!("; B's demand falls by {}", -d),
            Some(_) => "; B's demand is unchanged".into(),
            None => String::new(),
        }
    );
    let _ = writeln!(
        out,
        "Per demand (B's best target once the surrogate exists vs the original threat):"
    );
    for d in &r.per_demand {
        let _ = writeln!(
            out,
            "  demand {}: {} ({}, {}) vs original ({}, {}){}",
            d.demand,
            d.chosen.0,
            d.chosen.1[0],
            d.chosen.1[1],
            d.original[0],
            d.original[1],
            if d.improves {
                ""
            } else {
                "  — worse for someone"
            }
        );
    }
    let _ = writeln!(
        out,
        "{}",
        if r.is_spi_for_every_demand() && r.per_demand.iter().all(|d| d.chosen.1 == d.original) {
            "No change for any demand B might make: B never gains by threatening the surrogate, so adopting it is useless here."
        } else if r.is_spi_for_every_demand() {
            "An SPI for every demand B might make."
        } else {
            "Not an SPI for every demand."
        }
    );
    out
}
