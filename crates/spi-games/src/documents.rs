//! The versioned JSON documents of the game analyses: `reduced/1`, `equilibria/1`, `threat/1`,
//! `pmm/1` and `bargain/1`. They are built here, beside the analyses, so that the CLI's `--json`
//! and the Python bindings print the same document from one definition (the CLI used to build
//! them inline). Exact numbers are `"p/q"` strings; actions and players are names.
//!
//! Builders take results already computed; [`pmm_document`] computes its parts itself because the
//! document is a view of several functions of `pareto`.

use serde_json::{Map, Value, json};

use crate::dominance::Reduction;
use crate::equilibrium::MixedEquilibrium;
use crate::game::Game;
use crate::number::Rational;
use crate::pareto;
use crate::threat::ThreatPoint;

/// An exact number as the documents print it.
pub fn q(x: &Rational) -> Value {
    Value::String(x.to_string())
}

/// Exact numbers as the documents print them.
pub fn qs(xs: &[Rational]) -> Value {
    Value::Array(xs.iter().map(q).collect())
}

/// A profile as its action names, one per player.
pub fn action_names(g: &Game, p: &[usize]) -> Vec<String> {
    p.iter()
        .enumerate()
        .map(|(i, &a)| g.actions(i)[a].clone())
        .collect()
}

/// `reduced/1`: the IESDS survivors per player and the elimination trace.
pub fn reduced_document(g: &Game, r: &Reduction) -> Value {
    let actions: Vec<Value> = r
        .surviving
        .iter()
        .enumerate()
        .map(|(i, acts)| {
            Value::from(
                acts.iter()
                    .map(|&a| g.actions(i)[a].clone())
                    .collect::<Vec<_>>(),
            )
        })
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

/// One equilibrium: each player's support with probabilities, and the payoffs.
pub fn equilibrium_value(g: &Game, e: &MixedEquilibrium) -> Value {
    let strategies: Vec<Value> = e
        .strategies
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut m = Map::new();
            for (a, p) in s.iter().enumerate() {
                if !p.is_zero() {
                    m.insert(g.actions(i)[a].clone(), q(p));
                }
            }
            Value::Object(m)
        })
        .collect();
    json!({"strategies": strategies, "payoffs": qs(&e.payoffs)})
}

/// `equilibria/1`.
pub fn equilibria_document(g: &Game, eqs: &[MixedEquilibrium]) -> Value {
    let list: Vec<Value> = eqs.iter().map(|e| equilibrium_value(g, e)).collect();
    json!({"schema": "equilibria/1", "equilibria": list})
}

/// `threat/1`: the threat point, and for each player the punishment holding them to it.
pub fn threat_document(g: &Game, t: &ThreatPoint) -> Value {
    let punish: Vec<Value> = t
        .punishments
        .iter()
        .map(|p| {
            let dist: Vec<Value> = p
                .distribution
                .iter()
                .map(|(sub, prob)| {
                    let names: Vec<&str> = (0..g.num_players())
                        .filter(|&j| j != p.target)
                        .zip(sub)
                        .map(|(j, &a)| g.actions(j)[a].as_str())
                        .collect();
                    json!({"profile": names, "probability": q(prob)})
                })
                .collect();
            let pure = p.pure.as_ref().map(|sub| {
                (0..g.num_players())
                    .filter(|&j| j != p.target)
                    .zip(sub)
                    .map(|(j, &a)| g.actions(j)[a].as_str())
                    .collect::<Vec<_>>()
            });
            json!({"target": g.players()[p.target], "punishment": dist, "best_response": g.actions(p.target)[p.best_response], "pure_punishment": pure})
        })
        .collect();
    json!({"schema": "threat/1", "threat_point": qs(&t.values),
        "correlated_punishment": t.correlated, "punishments": punish})
}

/// `pmm/1`: the PMM, the Pareto-efficient pure outcomes, for two players the feasible set and
/// the Pareto frontier, and with `from` the PMP segments from that profile.
pub fn pmm_document(g: &Game, from: Option<&[usize]>) -> Value {
    let m = pareto::pmm(g);
    let eff = pareto::efficient_outcomes(g);
    let mut v = json!({"schema": "pmm/1", "pmm": qs(&m),
        "efficient_outcomes": eff.iter().map(|p| json!({"profile": action_names(g, p), "payoffs": qs(g.payoffs(p))})).collect::<Vec<_>>()});
    if let (Some(hull), Some(frontier)) = (pareto::hull_2d(g), pareto::frontier_2d(g)) {
        let pts = |ps: &[Vec<Rational>]| Value::Array(ps.iter().map(|p| qs(p)).collect::<Vec<_>>());
        v["feasible_set"] = pts(&hull);
        v["pareto_frontier"] = pts(&frontier);
    }
    if let Some(p) = from {
        let u = g.payoffs(p).to_vec();
        let sets: Vec<Value> = (0..g.num_players())
            .map(|i| match pareto::pmp(g, i, &u) {
                None => Value::Null,
                Some(s) => json!({"player": g.players()[s.player], "fixed_other": q(&s.fixed), "lo": q(&s.lo), "hi": q(&s.hi)}),
            })
            .collect();
        v["pmp"] = json!({"from": action_names(g, p), "sets": sets});
    }
    v
}

/// `bargain/1`: the disagreement point and the two bargaining solutions (`nash` is null when it
/// could not be computed).
pub fn bargain_document(
    disagreement: &[Rational],
    nash: Option<&[Rational]>,
    kalai_smorodinsky: &[Rational],
) -> Value {
    json!({"schema": "bargain/1", "disagreement": qs(disagreement),
        "nash": nash.map_or(Value::Null, qs), "kalai_smorodinsky": qs(kalai_smorodinsky)})
}

/// `profile-check/1`: a pure profile's payoffs, and per player the regret and best responses.
pub fn profile_check_document(g: &Game, c: &crate::deviation::ProfileCheck) -> Value {
    let players: Vec<Value> = c
        .players
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "player": g.players()[i],
                "regret": q(&d.regret),
                "best_responses": d.best_responses.iter().map(|&a| g.actions(i)[a].clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"schema": "profile-check/1", "profile": action_names(g, &c.profile),
        "payoffs": qs(g.payoffs(&c.profile)), "nash": c.is_nash(), "players": players})
}
