//! The versioned JSON documents of program games: `match/1`, `tournament/1`, `race/1` and
//! `program-spi-check/1`. They live beside the matches so that the CLI's `--json` and other front
//! ends print one document from one definition. Exact numbers are `"p/q"` strings, actions and
//! players are names (as in `spi_games::documents`).

use serde_json::{Value, json};
use spi_games::Rational;
use spi_games::documents::{action_names, q, qs};

use crate::agents::ModalMatch;
use crate::matches::{MatchReport, Outcome};
use crate::program::ProgramGame;
use crate::race::{RaceConfig, RaceSummary};
use crate::spi_check::SpaceCheck;
use crate::tournament::Tournament;

fn names(g: &spi_games::Game, p: &[usize]) -> Value {
    Value::from(action_names(g, p))
}

/// `match/1` for two programs: how the match ended, the realised profile and its distribution,
/// the scored payoffs, the budget used and any renegotiation marks.
pub fn program_match_document(pg: &ProgramGame, labels: [&str; 2], r: &MatchReport) -> Value {
    let g = &pg.game;
    let scored = r.scored_payoffs(pg);
    let renegotiated = if r.players.iter().any(|p| p.renegotiated.is_some()) {
        Value::Array(
            r.players
                .iter()
                .map(|p| p.renegotiated.clone().map_or(Value::Null, Value::String))
                .collect(),
        )
    } else {
        Value::Null
    };
    let mut v = json!({
        "schema": "match/1",
        "method": "program",
        "game": g.name(),
        "agents": labels,
        "programs": [r.players[0].program, r.players[1].program],
        "seed": r.seed,
        "outcome": match &r.outcome {
            Outcome::Played { .. } => "played",
            Outcome::Exhausted { .. } => "exhausted",
            Outcome::Faulted { .. } => "fault",
        },
        "actions": Value::Null,
        "distribution": Value::Null,
        "payoffs": qs(&scored),
        "steps": [r.players[0].steps, r.players[1].steps],
        "simulation_depth": [r.players[0].sim_depth, r.players[1].sim_depth],
        "renegotiated": renegotiated,
    });
    match &r.outcome {
        Outcome::Played {
            distribution,
            realized,
            ..
        } => {
            v["actions"] = names(g, realized);
            v["distribution"] = distribution
                .iter()
                .map(|(p, w)| json!({"profile": names(g, p), "probability": q(w)}))
                .collect();
        }
        Outcome::Exhausted { player, resource } => {
            v["exhausted"] = json!({"player": g.players()[*player], "resource": resource.as_str()});
        }
        Outcome::Faulted { player, fault } => {
            v["fault"] = json!({"player": g.players()[*player], "program": fault.program,
                "at": fault.span.to_string(), "message": fault.message});
        }
    }
    v
}

/// `match/1` for two modal agents: the profile their GL-chain verdicts play and the chain's size.
pub fn modal_match_document(pg: &ProgramGame, labels: [&str; 2], m: &ModalMatch) -> Value {
    let g = &pg.game;
    json!({
        "schema": "match/1",
        "method": "modal",
        "game": g.name(),
        "agents": labels,
        "outcome": "played",
        "actions": names(g, &m.profile),
        "payoffs": qs(&m.payoffs),
        "steps": Value::Null,
        "worlds": m.worlds,
        "variables": m.variables,
        "renegotiated": Value::Null,
    })
}

/// `tournament/1`: the payoff matrix of every ordered pair, how each match ended, and the pure
/// equilibria of the induced program game (as pairs of entrant names).
pub fn tournament_document(
    pg: &ProgramGame,
    t: &Tournament,
    pure_equilibria: &[Vec<usize>],
    exported: Option<&str>,
) -> Value {
    let n = t.names.len();
    let cell = |u: &[Rational; 2]| qs(u);
    json!({
        "schema": "tournament/1",
        "game": pg.game.name(),
        "agents": t.names,
        "payoffs": t.payoffs.iter().map(|row| row.iter().map(cell).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "outcomes": t.outcomes,
        "pure_equilibria": pure_equilibria.iter().map(|p| json!([t.names[p[0]], t.names[p[1]]])).collect::<Vec<_>>(),
        "matches": n * n,
        "steps": t.total_steps,
        "exported": exported,
    })
}

/// `race/1`: the race's parameters and, per renegotiation scenario, conflicts, renegotiations and
/// mean payoffs with their intervals.
pub fn race_document(cfg: &RaceConfig, rows: &[(&str, RaceSummary)]) -> Value {
    let demands = [
        cfg.racers[0].hawk_demand.clone(),
        cfg.racers[1].hawk_demand.clone(),
    ];
    json!({
        "schema": "race/1",
        "delay": q(&cfg.delay),
        "demands": qs(&demands),
        "conflict": qs(&cfg.conflict),
        "fallback": qs(&cfg.fallback),
        "runs": cfg.runs,
        "seed": cfg.seed,
        "configurations": rows.iter().map(|(label, s)| json!({
            "renegotiation": label,
            "conflicts": s.conflicts,
            "renegotiated": s.renegotiated,
            "conflict_rate_ci95": [s.conflict_ci.0, s.conflict_ci.1],
            "mean_payoffs": qs(&s.mean_payoffs),
            "mean_payoffs_ci95": [[s.payoff_ci[0].0, s.payoff_ci[0].1], [s.payoff_ci[1].0, s.payoff_ci[1].1]],
        })).collect::<Vec<_>>(),
    })
}

/// `program-spi-check/1`: whether the program transformation is an SPI on the space of default
/// profiles, its counterexamples and strict gains, and whether it preserves demands.
pub fn program_spi_check_document(pg: &ProgramGame, c: &SpaceCheck) -> Value {
    let k = c.names.len() / 2;
    let label = |p: &[usize]| format!("({}, {})", c.names[p[0]], c.names[p[1]]);
    let players = pg.game.players();
    let weights =
        |v: &[(String, Rational)]| v.iter().map(|(a, w)| json!([a, q(w)])).collect::<Vec<_>>();
    json!({
        "schema": "program-spi-check/1",
        "game": pg.game.name(),
        "space": k * k,
        "is_spi": c.verdict.is_spi(),
        "is_strict_spi": c.verdict.is_strict_spi(),
        "strict_gains": c.verdict.strict_gains.iter().map(|p| label(p)).collect::<Vec<_>>(),
        "counterexamples": c.verdict.counterexamples.iter().map(|ce| json!({
            "profile": label(&ce.from), "transformed": label(&ce.to), "player": players[ce.player],
            "payoff": q(&ce.payoff_from), "transformed_payoff": q(&ce.payoff_to),
        })).collect::<Vec<_>>(),
        "demand_preserving": c.demand_preserving(),
        "demand_changes": c.demand_changes.iter().map(|d| json!({
            "profile": d.profile, "player": players[d.player],
            "before": weights(&d.before),
            "after": weights(&d.after),
        })).collect::<Vec<_>>(),
    })
}
