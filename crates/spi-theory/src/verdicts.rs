//! The versioned JSON verdicts of the Appendix B checks: `transformation-check/1` (B.1),
//! `full-strategy-check/1` (B.2) and `surrogate-analysis/1` (B.3). They live beside the checks so
//! that the CLI's `--json` and the Python bindings print one document from one definition.

use serde_json::{Value, json};
use spi_games::documents::q;
use spi_games::{Game, Rational};

use crate::full_strategy::{FullStrategyCheck, Witness};
use crate::program_space::TransformationCheck;
use crate::surrogate::{SurrogateAnalysis, ThreatChoice};

fn names(g: &Game, p: &[usize]) -> Vec<String> {
    p.iter()
        .enumerate()
        .map(|(i, &a)| g.actions(i)[a].clone())
        .collect()
}

/// `transformation-check/1` (B.1): is the transformation an SPI on the space, with counterexamples
/// and the profiles that gain strictly.
pub fn transformation_check_document(g: &Game, c: &TransformationCheck) -> Value {
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

fn witness_json(w: &Witness) -> Value {
    json!({"player": w.player, "left": {"program": w.left.0, "demand": q(&w.left.1)}, "right": {"program": w.right.0, "demand": q(&w.right.1)}})
}

/// `full-strategy-check/1` (B.2): demand preservation, participation and foreknowledge
/// independence, each with its witnesses.
pub fn full_strategy_check_document(c: &FullStrategyCheck) -> Value {
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

fn pair(p: &[Rational; 2]) -> Value {
    json!([q(&p[0]), q(&p[1])])
}

fn choice_json(c: &ThreatChoice) -> Value {
    json!({
        "demand": c.demand.as_ref().map(q),
        "target": c.target,
        "concession": q(&c.concession),
        "payoffs": pair(&c.payoffs),
    })
}

/// `surrogate-analysis/1` (B.3): concession equivalence, the choices before and after the
/// surrogate, whether adopting it is an SPI, and the per-demand comparison.
pub fn surrogate_analysis_document(r: &SurrogateAnalysis) -> Value {
    json!({
        "schema": "surrogate-analysis/1",
        "concession_equivalent": r.is_concession_equivalent(),
        "breaches": r.breaches.iter().map(|b| json!({
            "demand": q(&b.demand),
            "targets": [b.targets.0, b.targets.1],
            "probabilities": [q(&b.probabilities.0), q(&b.probabilities.1)],
        })).collect::<Vec<_>>(),
        "before": choice_json(&r.before),
        "after": choice_json(&r.after),
        "spi": r.is_spi(),
        "spi_for_every_demand": r.is_spi_for_every_demand(),
        "gains": pair(&r.gains()),
        "demand_change": r.demand_change().as_ref().map(q),
        "per_demand": r.per_demand.iter().map(|d| json!({
            "demand": q(&d.demand),
            "original": pair(&d.original),
            "chosen_target": d.chosen.0,
            "chosen": pair(&d.chosen.1),
            "improves": d.improves,
        })).collect::<Vec<_>>(),
    })
}
