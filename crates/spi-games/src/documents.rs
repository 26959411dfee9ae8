//! The versioned JSON documents of the game analyses: `reduced/1`, `equilibria/1`, `threat/1`,
//! `pmm/1` and `bargain/1`. They are built here, beside the analyses, so that the CLI's `--json`
//! and the Python bindings print the same document from one definition (the CLI used to build
//! them inline). Exact numbers are `"p/q"` strings; actions and players are names.
//!
//! Builders take results already computed; [`pmm_document`] computes its parts itself because the
//! document is a view of several functions of `pareto`.
//!
//! Each document is a typed struct serialized in field order, so its JSON Schema is derived from
//! the same type ([`schemas`]); `docs/schemas/` holds the generated files and a test in
//! `spi-cli` checks them against real outputs.

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde_json::Value;

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

/// An exact number as the documents print it: `"p/q"` in lowest terms, or `"p"` for an integer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Exact(String);

impl From<&Rational> for Exact {
    fn from(x: &Rational) -> Exact {
        Exact(x.to_string())
    }
}

impl JsonSchema for Exact {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ExactNumber".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^(0|-?[1-9][0-9]*(/([2-9]|[1-9][0-9]+))?)$",
            "description": "An exact rational: an integer, or p/q in lowest terms with q > 1."
        })
    }
}

fn exacts(xs: &[Rational]) -> Vec<Exact> {
    xs.iter().map(Exact::from).collect()
}

/// The `schema` field of a document: one fixed string, so a reader (and the JSON Schema) can
/// tell the document's kind and version.
macro_rules! schema_tag {
    ($name:ident, $tag:literal) => {
        #[doc = concat!("The `schema` value `", $tag, "`.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
        pub enum $name {
            #[doc = concat!("`", $tag, "`")]
            #[serde(rename = $tag)]
            V1,
        }
    };
}

schema_tag!(ReducedTag, "reduced/1");
schema_tag!(EquilibriaTag, "equilibria/1");
schema_tag!(ThreatTag, "threat/1");
schema_tag!(PmmTag, "pmm/1");
schema_tag!(BargainTag, "bargain/1");
schema_tag!(ProfileCheckTag, "profile-check/1");

/// `reduced/1`: what `spi game reduce --json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReducedDocument {
    /// Always `reduced/1`.
    pub schema: ReducedTag,
    /// Per player, the actions that survive IESDS, in game order.
    pub actions: Vec<Vec<String>>,
    /// The eliminations, in the order they were made.
    pub trace: Vec<Elimination>,
}

/// One step of the elimination trace.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Elimination {
    /// The round (1-based); every action dominated at the start of a round goes in that round.
    pub round: usize,
    /// The player whose action goes.
    pub player: String,
    /// The action eliminated.
    pub eliminated: String,
    /// A pure action that strictly dominates it.
    pub dominated_by: String,
}

/// `reduced/1`: the IESDS survivors per player and the elimination trace.
pub fn reduced_document(g: &Game, r: &Reduction) -> Value {
    to_value(&ReducedDocument {
        schema: ReducedTag::V1,
        actions: r
            .surviving
            .iter()
            .enumerate()
            .map(|(i, acts)| acts.iter().map(|&a| g.actions(i)[a].clone()).collect())
            .collect(),
        trace: r
            .trace
            .iter()
            .map(|e| Elimination {
                round: e.round,
                player: g.players()[e.player].clone(),
                eliminated: g.actions(e.player)[e.action].clone(),
                dominated_by: g.actions(e.player)[e.dominated_by].clone(),
            })
            .collect(),
    })
}

/// One equilibrium in a document.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EquilibriumEntry {
    /// Per player, the support: action name to probability, in action order.
    pub strategies: Vec<IndexMap<String, Exact>>,
    /// The expected payoffs, one per player.
    pub payoffs: Vec<Exact>,
}

fn equilibrium_entry(g: &Game, e: &MixedEquilibrium) -> EquilibriumEntry {
    EquilibriumEntry {
        strategies: e
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.iter()
                    .enumerate()
                    .filter(|(_, p)| !p.is_zero())
                    .map(|(a, p)| (g.actions(i)[a].clone(), Exact::from(p)))
                    .collect()
            })
            .collect(),
        payoffs: exacts(&e.payoffs),
    }
}

/// One equilibrium: each player's support with probabilities, and the payoffs.
pub fn equilibrium_value(g: &Game, e: &MixedEquilibrium) -> Value {
    to_value(&equilibrium_entry(g, e))
}

/// `equilibria/1`: what `spi game equilibria --json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EquilibriaDocument {
    /// Always `equilibria/1`.
    pub schema: EquilibriaTag,
    /// The equilibria found, in canonical order.
    pub equilibria: Vec<EquilibriumEntry>,
}

/// `equilibria/1`.
pub fn equilibria_document(g: &Game, eqs: &[MixedEquilibrium]) -> Value {
    to_value(&EquilibriaDocument {
        schema: EquilibriaTag::V1,
        equilibria: eqs.iter().map(|e| equilibrium_entry(g, e)).collect(),
    })
}

/// `threat/1`: what `spi game threat --json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatDocument {
    /// Always `threat/1`.
    pub schema: ThreatTag,
    /// Each player's minimax value.
    pub threat_point: Vec<Exact>,
    /// Whether the punishers may correlate (three or more players).
    pub correlated_punishment: bool,
    /// Per player, how the others hold them to their value.
    pub punishments: Vec<Punishment>,
}

/// The punishment of one player.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Punishment {
    /// The player held down.
    pub target: String,
    /// The others' (joint) mixed strategy.
    pub punishment: Vec<WeightedProfile>,
    /// The target's best response to it.
    pub best_response: String,
    /// A pure profile of the others that does as well, if one does.
    pub pure_punishment: Option<Vec<String>>,
}

/// A profile of the other players with its probability.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightedProfile {
    /// One action per other player, in player order.
    pub profile: Vec<String>,
    /// Its probability.
    pub probability: Exact,
}

/// `threat/1`: the threat point, and for each player the punishment holding them to it.
pub fn threat_document(g: &Game, t: &ThreatPoint) -> Value {
    let others = |target: usize, sub: &[usize]| -> Vec<String> {
        (0..g.num_players())
            .filter(|&j| j != target)
            .zip(sub)
            .map(|(j, &a)| g.actions(j)[a].clone())
            .collect()
    };
    to_value(&ThreatDocument {
        schema: ThreatTag::V1,
        threat_point: exacts(&t.values),
        correlated_punishment: t.correlated,
        punishments: t
            .punishments
            .iter()
            .map(|p| Punishment {
                target: g.players()[p.target].clone(),
                punishment: p
                    .distribution
                    .iter()
                    .map(|(sub, prob)| WeightedProfile {
                        profile: others(p.target, sub),
                        probability: Exact::from(prob),
                    })
                    .collect(),
                best_response: g.actions(p.target)[p.best_response].clone(),
                pure_punishment: p.pure.as_ref().map(|sub| others(p.target, sub)),
            })
            .collect(),
    })
}

/// `pmm/1`: what `spi game pmm --json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmmDocument {
    /// Always `pmm/1`.
    pub schema: PmmTag,
    /// The Pareto meet minimum.
    pub pmm: Vec<Exact>,
    /// The Pareto-efficient pure outcomes.
    pub efficient_outcomes: Vec<ProfileOutcome>,
    /// Two players: the vertices of the feasible set C(Γ), counter-clockwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feasible_set: Option<Vec<Vec<Exact>>>,
    /// Two players: the vertices of the Pareto frontier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pareto_frontier: Option<Vec<Vec<Exact>>>,
    /// With `--from`: the PMP segments from that profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pmp: Option<PmpSets>,
}

/// A pure profile and its payoffs.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileOutcome {
    /// One action per player.
    pub profile: Vec<String>,
    /// One payoff per player.
    pub payoffs: Vec<Exact>,
}

/// The PMP sets from a default profile.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmpSets {
    /// The default profile.
    pub from: Vec<String>,
    /// Per player, the segment (null when empty).
    pub sets: Vec<Option<PmpSet>>,
}

/// One player's PMP segment: the other's payoff fixed, this player's payoff in [lo, hi].
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PmpSet {
    /// The player whose payoff varies.
    pub player: String,
    /// The other player's payoff.
    pub fixed_other: Exact,
    /// The lowest payoff of `player` on the segment.
    pub lo: Exact,
    /// The highest.
    pub hi: Exact,
}

/// `pmm/1`: the PMM, the Pareto-efficient pure outcomes, for two players the feasible set and
/// the Pareto frontier, and with `from` the PMP segments from that profile.
pub fn pmm_document(g: &Game, from: Option<&[usize]>) -> Value {
    let pts = |ps: Vec<Vec<Rational>>| ps.iter().map(|p| exacts(p)).collect::<Vec<_>>();
    let (feasible_set, pareto_frontier) = match (pareto::hull_2d(g), pareto::frontier_2d(g)) {
        (Some(hull), Some(frontier)) => (Some(pts(hull)), Some(pts(frontier))),
        _ => (None, None),
    };
    let pmp = from.map(|p| {
        let u = g.payoffs(p).to_vec();
        PmpSets {
            from: action_names(g, p),
            sets: (0..g.num_players())
                .map(|i| {
                    pareto::pmp(g, i, &u).map(|s| PmpSet {
                        player: g.players()[s.player].clone(),
                        fixed_other: Exact::from(&s.fixed),
                        lo: Exact::from(&s.lo),
                        hi: Exact::from(&s.hi),
                    })
                })
                .collect(),
        }
    });
    to_value(&PmmDocument {
        schema: PmmTag::V1,
        pmm: exacts(&pareto::pmm(g)),
        efficient_outcomes: pareto::efficient_outcomes(g)
            .iter()
            .map(|p| ProfileOutcome {
                profile: action_names(g, p),
                payoffs: exacts(g.payoffs(p)),
            })
            .collect(),
        feasible_set,
        pareto_frontier,
        pmp,
    })
}

/// `bargain/1`: what `spi game bargain --json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BargainDocument {
    /// Always `bargain/1`.
    pub schema: BargainTag,
    /// The disagreement point.
    pub disagreement: Vec<Exact>,
    /// The Nash bargaining solution; null when it could not be computed.
    pub nash: Option<Vec<Exact>>,
    /// The Kalai–Smorodinsky solution.
    pub kalai_smorodinsky: Vec<Exact>,
}

/// `bargain/1`: the disagreement point and the two bargaining solutions (`nash` is null when it
/// could not be computed).
pub fn bargain_document(
    disagreement: &[Rational],
    nash: Option<&[Rational]>,
    kalai_smorodinsky: &[Rational],
) -> Value {
    to_value(&BargainDocument {
        schema: BargainTag::V1,
        disagreement: exacts(disagreement),
        nash: nash.map(exacts),
        kalai_smorodinsky: exacts(kalai_smorodinsky),
    })
}

/// `profile-check/1`: what `spi game check --profile … --json` prints.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileCheckDocument {
    /// Always `profile-check/1`.
    pub schema: ProfileCheckTag,
    /// The profile, one action per player.
    pub profile: Vec<String>,
    /// Its payoffs.
    pub payoffs: Vec<Exact>,
    /// Whether it is a pure Nash equilibrium (every regret zero).
    pub nash: bool,
    /// Per player, the regret and the best responses.
    pub players: Vec<PlayerRegret>,
}

/// One player's regret at a profile.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerRegret {
    /// The player.
    pub player: String,
    /// What deviating alone to a best response would gain (0 at a best response).
    pub regret: Exact,
    /// The best responses to the others' actions.
    pub best_responses: Vec<String>,
}

/// `profile-check/1`: a pure profile's payoffs, and per player the regret and best responses.
pub fn profile_check_document(g: &Game, c: &crate::deviation::ProfileCheck) -> Value {
    to_value(&ProfileCheckDocument {
        schema: ProfileCheckTag::V1,
        profile: action_names(g, &c.profile),
        payoffs: exacts(g.payoffs(&c.profile)),
        nash: c.is_nash(),
        players: c
            .players
            .iter()
            .enumerate()
            .map(|(i, d)| PlayerRegret {
                player: g.players()[i].clone(),
                regret: Exact::from(&d.regret),
                best_responses: d
                    .best_responses
                    .iter()
                    .map(|&a| g.actions(i)[a].clone())
                    .collect(),
            })
            .collect(),
    })
}

/// A document as a JSON value. The types hold only strings, numbers, booleans and containers of
/// them, which always serialize.
fn to_value(doc: &impl Serialize) -> Value {
    serde_json::to_value(doc)
        .unwrap_or_else(|e| unreachable!("a document type failed to serialize: {e}"))
}

/// The JSON Schema of every document this module builds, by schema name (`reduced/1`, …),
/// generated from the document types.
pub fn schemas() -> Vec<(&'static str, Schema)> {
    vec![
        ("reduced/1", schemars::schema_for!(ReducedDocument)),
        ("equilibria/1", schemars::schema_for!(EquilibriaDocument)),
        ("threat/1", schemars::schema_for!(ThreatDocument)),
        ("pmm/1", schemars::schema_for!(PmmDocument)),
        ("bargain/1", schemars::schema_for!(BargainDocument)),
        (
            "profile-check/1",
            schemars::schema_for!(ProfileCheckDocument),
        ),
    ]
}
