//! The versioned JSON verdicts of the SPI checks: `transformation-check/1` (B.1),
//! `full-strategy-check/1` (B.2), `surrogate-analysis/1` (B.3), and `spi-verify/1`,
//! `isomorphism/1`, `spi-coordination/1` and `program-equilibrium/1`. They live beside the checks
//! so that the CLI's `--json` and the Python bindings print one document from one definition.

use serde_json::{Value, json};
use spi_games::documents::{action_names as names, q, qs};
use spi_games::{Game, Rational};

use crate::certificate::{Rejection, SpiCertificate};
use crate::coordination::{PerfectCoordination, ProgramEquilibrium};
use crate::full_strategy::{FullStrategyCheck, Witness};
use crate::isomorphism::Isomorphism;
use crate::program_space::TransformationCheck;
use crate::surrogate::{SurrogateAnalysis, ThreatChoice};

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

/// `spi-verify/1`: one verdict per certificate of a document, in its order; `valid` when none was
/// rejected.
pub fn verification_document(results: &[Result<SpiCertificate, Box<Rejection>>]) -> Value {
    let list: Vec<Value> = results
        .iter()
        .enumerate()
        .map(|(k, r)| match r {
            Ok(c) => json!({"index": k, "valid": true, "strict": c.is_strict(), "reason": null}),
            Err(e) => json!({"index": k, "valid": false, "strict": null, "reason": e.to_string()}),
        })
        .collect();
    json!({"schema": "spi-verify/1", "valid": results.iter().all(Result::is_ok), "results": list})
}

/// `isomorphism/1`: whether `g` and `h` are isomorphic (OC's Definition 1), and if so the action
/// maps (by name), the scales λ and the shifts c.
pub fn isomorphism_document(g: &Game, h: &Game, iso: Option<&Isomorphism>) -> Value {
    let Some(m) = iso else {
        return json!({"schema": "isomorphism/1", "isomorphic": false});
    };
    let maps: Vec<Value> = m
        .maps
        .iter()
        .enumerate()
        .map(|(i, map)| {
            Value::Object(
                map.iter()
                    .enumerate()
                    .map(|(a, &b)| {
                        (
                            g.actions(i)[a].clone(),
                            Value::String(h.actions(i)[b].clone()),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    json!({
        "schema": "isomorphism/1",
        "isomorphic": true,
        "action_map": maps,
        "scale": qs(&m.scale),
        "shift": qs(&m.shift),
    })
}

fn region(r: Option<&Vec<Vec<Rational>>>) -> Value {
    r.map_or(Value::Null, |r| {
        Value::Array(r.iter().map(|p| qs(p)).collect())
    })
}

/// `spi-coordination/1`: the perfect-coordination analysis (OC Section 5), per support outcome of
/// the default play.
pub fn coordination_document(g: &Game, pc: &PerfectCoordination) -> Value {
    let support: Vec<Value> = pc
        .support
        .iter()
        .map(|o| {
            json!({
                "profile": names(g, &o.profile),
                "payoffs": qs(&o.payoffs),
                "pareto_optimal": o.improvement.is_none(),
                "improvement": o.improvement.as_ref().map(|imp| json!({
                    "point": qs(&imp.point),
                    "distribution": imp.distribution.iter().map(|(p, w)| json!({"profile": names(g, p), "probability": q(w)})).collect::<Vec<_>>(),
                })),
                "region": region(o.region.as_ref()),
            })
        })
        .collect();
    json!({
        "schema": "spi-coordination/1",
        "exists": pc.exists,
        "support": support,
        "floor": qs(&pc.floor),
        "safe_region": region(pc.safe_region.as_ref()),
    })
}

/// `program-equilibrium/1`: OC Algorithm 2's check of a planned outcome against the threat point,
/// with the punishment that holds each deviator there.
pub fn program_equilibrium_document(g: &Game, pe: &ProgramEquilibrium) -> Value {
    let punishments: Vec<Value> = pe
        .threat
        .punishments
        .iter()
        .map(|p| {
            let others: Vec<usize> = (0..g.num_players()).filter(|&j| j != p.target).collect();
            json!({
                "deviator": g.players()[p.target],
                "threat_value": q(&pe.threat.values[p.target]),
                "punishers": others.iter().map(|&j| g.players()[j].clone()).collect::<Vec<_>>(),
                "distribution": p.distribution.iter().map(|(prof, w)| json!({
                    "profile": prof.iter().zip(&others).map(|(&a, &j)| g.actions(j)[a].clone()).collect::<Vec<_>>(),
                    "probability": q(w),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "schema": "program-equilibrium/1",
        "equilibrium": pe.is_equilibrium(),
        "planned": qs(&pe.planned),
        "threat_point": qs(&pe.threat.values),
        "correlated_punishment": pe.threat.correlated,
        "punishments": punishments,
        "shortfalls": pe.shortfalls.iter().map(|(i, d)| json!({"player": g.players()[*i], "by": q(d)})).collect::<Vec<_>>(),
    })
}
