//! The formal models of `suites/FORMAT.md` ("Model kinds") and their predicates, evaluated by the
//! engine: `options` and `transformation` with `spi_theory::program_space`, `full_strategy` with
//! `spi_theory::full_strategy`, `threat_game` with `spi_theory::surrogate`, and `game` with the SPI
//! search, perfect coordination, PMM, threat points, Pareto optimality, pure equilibria and
//! dominance of `spi-theory`/`spi-games`.
//!
//! The B.1–B.3 kinds are converted to the JSON documents of `test_data/theory/README.md` and read
//! with `spi_theory::documents::read_model`, so a family model and a theory file mean the same.
//! Every predicate evaluates every argument (no short-circuit in [`Model::eval`]), so a misspelt
//! name is reported even inside a false conjunction.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::{Map, Value, json};
use spi_games::dominance::dominator;
use spi_games::equilibrium::pure_nash;
use spi_games::format::json::{game_from_value_at, number_at};
use spi_games::pareto::{is_pareto_optimal, pmm};
use spi_games::threat::threat_point;
use spi_games::{Game, Rational};
use spi_theory::SpiQuery;
use spi_theory::certified::search_certified;
use spi_theory::coordination::{default_support, perfect_coordination};
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::full_strategy::{FullStrategy, FullStrategyCheck, check_full_strategy};
use spi_theory::program_space::{ProgramTransformation, TransformationCheck, check_transformation};
use spi_theory::surrogate::{SurrogateAnalysis, ThreatGame, analyze};

use crate::claim::{Claim, number};

/// The model kinds of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ModelKind {
    /// Your policies against a space of counterpart behaviours.
    Options,
    /// A transformation over a finite program space (B.1).
    Transformation,
    /// A full strategy (B.2).
    FullStrategy,
    /// A threat game with surrogate targets (B.3).
    ThreatGame,
    /// One normal-form game.
    Game,
}

impl ModelKind {
    /// The `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Options => "options",
            ModelKind::Transformation => "transformation",
            ModelKind::FullStrategy => "full_strategy",
            ModelKind::ThreatGame => "threat_game",
            ModelKind::Game => "game",
        }
    }

    /// Parses a `kind` string.
    pub fn from_name(s: &str) -> Option<ModelKind> {
        [
            ModelKind::Options,
            ModelKind::Transformation,
            ModelKind::FullStrategy,
            ModelKind::ThreatGame,
            ModelKind::Game,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The predicates of this kind with their arities (one entry per accepted arity).
    pub fn predicates(self) -> &'static [(&'static str, usize)] {
        match self {
            ModelKind::Options => &[
                ("improves", 2),
                ("strictly_improves", 2),
                ("better_for", 3),
                ("dominates", 1),
                ("dominates_for", 2),
            ],
            ModelKind::Transformation => &[
                ("spi", 0),
                ("strict_spi", 0),
                ("demand_preserving", 0),
                ("loses", 1),
            ],
            ModelKind::FullStrategy => &[
                ("demand_preserving", 0),
                ("pi", 0),
                ("fi", 0),
                ("demand_preserving", 1),
                ("pi", 1),
                ("fi", 1),
            ],
            ModelKind::ThreatGame => &[
                ("concession_equivalent", 0),
                ("surrogate_spi", 0),
                ("surrogate_spi_every_demand", 0),
                ("demand_unchanged", 0),
                ("demand_rises", 0),
            ],
            ModelKind::Game => &[
                ("spi_exists", 0),
                ("strict_spi_exists", 0),
                ("perfect_coordination_spi", 0),
                ("pmm_is", 2),
                ("threat_point_is", 2),
                ("pareto_optimal", 2),
                ("pure_equilibrium", 2),
                ("strictly_dominated", 2),
            ],
        }
    }
}

/// Why a model cannot be built: the path inside the model (`outcome[2].payoffs`, relative to the
/// model table) and the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ModelError {
    /// Path relative to the model table (empty for the table itself).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn merr<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, ModelError> {
    Err(ModelError {
        path: path.into(),
        message: message.into(),
    })
}

/// Turns an engine reader's JSON path (`$.game.payoffs[0]`) into a path relative to the model.
fn from_json_path(p: &str) -> String {
    let p = p.strip_prefix('$').unwrap_or(p);
    let p = p.strip_prefix(".game").unwrap_or(p);
    p.strip_prefix('.').unwrap_or(p).to_string()
}

fn theory_err(e: spi_theory::TheoryError) -> ModelError {
    match e {
        spi_theory::TheoryError::Invalid {
            path,
            expected,
            found,
        } => ModelError {
            path: from_json_path(&path),
            message: format!("expected {expected}, found {found}"),
        },
        spi_theory::TheoryError::Format(spi_games::format::FormatError::Invalid {
            path,
            expected,
            found,
        }) => ModelError {
            path: from_json_path(&path),
            message: format!("expected {expected}, found {found}"),
        },
        other => ModelError {
            path: String::new(),
            message: other.to_string(),
        },
    }
}

fn format_err(e: spi_games::format::FormatError) -> ModelError {
    theory_err(spi_theory::TheoryError::Format(e))
}

fn get<'a>(m: &'a Map<String, Value>, key: &str) -> Result<&'a Value, ModelError> {
    m.get(key)
        .map_or_else(|| merr(key, format!("a `{key}` field")), Ok)
}

fn strings(v: &Value, path: &str) -> Result<Vec<String>, ModelError> {
    let Some(a) = v.as_array() else {
        return merr(path, "expected an array of names");
    };
    let mut out: Vec<String> = Vec::new();
    for (k, x) in a.iter().enumerate() {
        let Some(s) = x.as_str() else {
            return merr(format!("{path}[{k}]"), "expected a name (string)");
        };
        if out.iter().any(|o| o == s) {
            return merr(format!("{path}[{k}]"), format!("`{s}` is listed twice"));
        }
        out.push(s.to_string());
    }
    Ok(out)
}

fn only_keys(m: &Map<String, Value>, keys: &[&str]) -> Result<(), ModelError> {
    for k in m.keys() {
        if !keys.contains(&k.as_str()) {
            return merr(
                k.clone(),
                format!("unknown key (this kind has: {})", keys.join(", ")),
            );
        }
    }
    Ok(())
}

/// An `options` model: U(policy, counterpart) for every pair.
#[derive(Debug, Clone)]
pub struct OptionsModel {
    /// The program game: player 0 picks a policy, player 1 a counterpart behaviour.
    pub game: Game,
    /// Outcomes without a `note` (the linter warns).
    pub missing_notes: Vec<String>,
}

/// A `transformation` model with its optional demands.
#[derive(Debug, Clone)]
pub struct TransformationModel {
    /// The transformation on its space.
    pub transformation: ProgramTransformation,
    /// d(q) per player (by index) and program name.
    pub demands: Option<Vec<BTreeMap<String, Rational>>>,
    check: TransformationCheck,
}

/// A compiled model.
#[derive(Debug)]
pub enum Model {
    /// `options`.
    Options(OptionsModel),
    /// `transformation`.
    Transformation(TransformationModel),
    /// `full_strategy`, with its check.
    FullStrategy(FullStrategy, FullStrategyCheck),
    /// `threat_game`, with its analysis.
    ThreatGame(ThreatGame, Box<SurrogateAnalysis>),
    /// `game`, with the SPI searches run on first use.
    Game(GameModel),
}

/// A `game` model.
#[derive(Debug)]
pub struct GameModel {
    /// The game.
    pub game: Game,
    spi: OnceLock<Result<(bool, bool), String>>,
}

impl GameModel {
    /// Wraps a game.
    pub fn new(game: Game) -> GameModel {
        GameModel {
            game,
            spi: OnceLock::new(),
        }
    }

    /// (an SPI exists, a strict SPI exists), each witness re-verified by the independent verifier.
    pub fn spi(&self) -> Result<(bool, bool), String> {
        self.spi
            .get_or_init(|| {
                let mut out = [false, false];
                for (k, strict) in [false, true].into_iter().enumerate() {
                    let q = SpiQuery {
                        strict,
                        ..SpiQuery::omnilateral()
                    };
                    let s = search_certified(&self.game, &q).map_err(|e| {
                        if e.is_internal() {
                            format!("engine disagreement: {e}")
                        } else {
                            e.to_string()
                        }
                    })?;
                    out[k] = !s.certificates.is_empty();
                }
                Ok((out[0], out[1]))
            })
            .clone()
    }
}

fn compile_options(m: &Map<String, Value>) -> Result<Model, ModelError> {
    only_keys(
        m,
        &["kind", "players", "policies", "counterparts", "outcome"],
    )?;
    let players = strings(get(m, "players")?, "players")?;
    if players.len() != 2 {
        return merr("players", "expected two players: [you, counterpart]");
    }
    let policies = strings(get(m, "policies")?, "policies")?;
    let counterparts = strings(get(m, "counterparts")?, "counterparts")?;
    if policies.is_empty() || counterparts.is_empty() {
        return merr("", "expected at least one policy and one counterpart");
    }
    let Some(outcomes) = get(m, "outcome")?.as_array() else {
        return merr("outcome", "expected an array of [[model.outcome]] tables");
    };
    let mut table: BTreeMap<(usize, usize), [Rational; 2]> = BTreeMap::new();
    let mut missing_notes = Vec::new();
    for (k, o) in outcomes.iter().enumerate() {
        let p = format!("outcome[{k}]");
        let Some(o) = o.as_object() else {
            return merr(
                p,
                "expected a table with policy, counterpart, payoffs, note",
            );
        };
        for key in o.keys() {
            if !matches!(key.as_str(), "policy" | "counterpart" | "payoffs" | "note") {
                return merr(
                    format!("{p}.{key}"),
                    "unknown key (policy, counterpart, payoffs, note)",
                );
            }
        }
        let name = |key: &str, list: &[String]| -> Result<usize, ModelError> {
            let v = o
                .get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| ModelError {
                    path: format!("{p}.{key}"),
                    message: "expected a name".into(),
                })?;
            list.iter().position(|x| x == v).ok_or_else(|| ModelError {
                path: format!("{p}.{key}"),
                message: format!("`{v}` is not one of: {}", list.join(", ")),
            })
        };
        let (a, b) = (
            name("policy", &policies)?,
            name("counterpart", &counterparts)?,
        );
        let pv = o.get("payoffs").ok_or_else(|| ModelError {
            path: format!("{p}.payoffs"),
            message: "expected payoffs [you, counterpart]".into(),
        })?;
        let Some(arr) = pv.as_array().filter(|a| a.len() == 2) else {
            return merr(
                format!("{p}.payoffs"),
                "expected two payoffs [you, counterpart]",
            );
        };
        let u = [
            number_at(&arr[0], &format!("{p}.payoffs[0]")).map_err(format_err)?,
            number_at(&arr[1], &format!("{p}.payoffs[1]")).map_err(format_err)?,
        ];
        if !matches!(o.get("note"), Some(Value::String(s)) if !s.trim().is_empty()) {
            missing_notes.push(p.clone());
        }
        if table.insert((a, b), u).is_some() {
            return merr(
                p,
                format!(
                    "a second outcome for ({}, {})",
                    policies[a], counterparts[b]
                ),
            );
        }
    }
    for a in 0..policies.len() {
        for b in 0..counterparts.len() {
            if !table.contains_key(&(a, b)) {
                return merr(
                    "outcome",
                    format!(
                        "no outcome for policy `{}` against counterpart `{}`",
                        policies[a], counterparts[b]
                    ),
                );
            }
        }
    }
    let game = Game::from_fn("options", players, vec![policies, counterparts], |p| {
        table[&(p[0], p[1])].to_vec()
    })
    .map_err(|e| ModelError {
        path: String::new(),
        message: e.to_string(),
    })?;
    Ok(Model::Options(OptionsModel {
        game,
        missing_notes,
    }))
}

fn compile_transformation(m: &Map<String, Value>) -> Result<Model, ModelError> {
    only_keys(
        m,
        &[
            "kind",
            "players",
            "actions",
            "payoffs",
            "space",
            "transformation",
            "demands",
        ],
    )?;
    let game_v = json!({
        "players": get(m, "players")?,
        "actions": get(m, "actions")?,
        "payoffs": get(m, "payoffs")?,
    });
    let game = game_from_value_at(&game_v, "$").map_err(format_err)?;
    let tv = get(m, "transformation")?;
    // Default space: every profile of programs that are not only images of the transformation.
    let space = match m.get("space") {
        Some(s) => s.clone(),
        None => {
            let mut images: Vec<BTreeSet<String>> = vec![BTreeSet::new(); game.num_players()];
            let mut keys: Vec<BTreeSet<String>> = vec![BTreeSet::new(); game.num_players()];
            if let Some(t) = tv.as_object() {
                for (player, map) in t {
                    if let (Some(i), Some(map)) = (game.player_index(player), map.as_object()) {
                        for (from, to) in map {
                            keys[i].insert(from.clone());
                            if let Some(to) = to.as_str()
                                && to != from
                            {
                                images[i].insert(to.to_string());
                            }
                        }
                    }
                }
            }
            let per: Vec<Vec<String>> = (0..game.num_players())
                .map(|i| {
                    game.actions(i)
                        .iter()
                        .filter(|a| keys[i].contains(*a) || !images[i].contains(*a))
                        .cloned()
                        .collect()
                })
                .collect();
            let shape: Vec<usize> = per.iter().map(Vec::len).collect();
            Value::Array(
                spi_games::game::ProfileIter::new(&shape)
                    .map(|k| {
                        Value::Array(
                            k.iter()
                                .enumerate()
                                .map(|(i, &x)| Value::String(per[i][x].clone()))
                                .collect(),
                        )
                    })
                    .collect(),
            )
        }
    };
    let doc = json!({
        "schema": "spi-transformation/1",
        "game": game_v,
        "space": space,
        "transformation": tv,
    });
    let ModelDocument::Transformation(transformation) = read_model(&doc).map_err(theory_err)?
    else {
        return merr("", "not a transformation");
    };
    let demands = match m.get("demands") {
        None => None,
        Some(d) => {
            let Some(d) = d.as_object() else {
                return merr(
                    "demands",
                    "expected a table per player: { PROGRAM = DEMAND }",
                );
            };
            let mut out = vec![BTreeMap::new(); game.num_players()];
            for (player, table) in d {
                let p = format!("demands.{player}");
                let Some(i) = game.player_index(player) else {
                    return merr(
                        p,
                        format!(
                            "no player `{player}` (players: {})",
                            game.players().join(", ")
                        ),
                    );
                };
                let Some(table) = table.as_object() else {
                    return merr(p, "expected { PROGRAM = DEMAND }");
                };
                for (prog, x) in table {
                    let q = format!("{p}.{prog}");
                    if game.action_index(i, prog).is_none() {
                        return merr(q, format!("`{prog}` is not a program of {player}"));
                    }
                    out[i].insert(prog.clone(), number_at(x, &q).map_err(format_err)?);
                }
            }
            Some(out)
        }
    };
    let check = check_transformation(&transformation);
    Ok(Model::Transformation(TransformationModel {
        transformation,
        demands,
        check,
    }))
}

fn compile_full_strategy(m: &Map<String, Value>) -> Result<Model, ModelError> {
    only_keys(m, &["kind", "players"])?;
    let doc = json!({"schema": "full-strategy/1", "players": get(m, "players")?});
    let ModelDocument::FullStrategy(s) = read_model(&doc).map_err(theory_err)? else {
        return merr("", "not a full strategy");
    };
    let c = check_full_strategy(&s);
    Ok(Model::FullStrategy(s, c))
}

fn compile_threat_game(m: &Map<String, Value>) -> Result<Model, ModelError> {
    only_keys(
        m,
        &["kind", "demands", "no_threat", "targets", "concession"],
    )?;
    let mut doc = m.clone();
    doc.remove("kind");
    doc.insert("schema".into(), Value::String("threat-game/1".into()));
    let ModelDocument::ThreatGame(g) = read_model(&Value::Object(doc)).map_err(theory_err)? else {
        return merr("", "not a threat game");
    };
    let a = analyze(&g);
    Ok(Model::ThreatGame(g, Box::new(a)))
}

fn compile_game(m: &Map<String, Value>) -> Result<Model, ModelError> {
    let mut doc = m.clone();
    doc.remove("kind");
    let game = game_from_value_at(&Value::Object(doc), "$").map_err(format_err)?;
    Ok(Model::Game(GameModel::new(game)))
}

/// Why a claim cannot be evaluated on a model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The predicate does not exist for this kind (or not with this many arguments).
    #[error(
        "`{name}` with {arity} argument(s) is not a predicate of `{kind}` models (they are: {known})"
    )]
    UnknownPredicate {
        /// The predicate.
        name: String,
        /// Arguments given.
        arity: usize,
        /// The model kind.
        kind: &'static str,
        /// The predicates of the kind.
        known: String,
    },
    /// An argument names something the model lacks.
    #[error("`{name}` is not a {what} of the model (it has: {known})")]
    UnknownName {
        /// The name.
        name: String,
        /// Policy, player, action, ...
        what: String,
        /// What exists.
        known: String,
    },
    /// An argument should be an exact number.
    #[error("`{0}` is not an exact number (write 3, -2, 3/4 or 0.25)")]
    NotANumber(String),
    /// The predicate needs something the model does not have.
    #[error("{0}")]
    Unsupported(String),
}

fn unknown(name: &str, what: &str, known: &[String]) -> EvalError {
    EvalError::UnknownName {
        name: name.to_string(),
        what: what.to_string(),
        known: known.join(", "),
    }
}

fn num(a: &str) -> Result<Rational, EvalError> {
    number(a).ok_or_else(|| EvalError::NotANumber(a.to_string()))
}

impl Model {
    /// Builds a model from its table (`[model]` or `[control.model]`, converted to JSON).
    ///
    /// # Errors
    /// [`ModelError`] with the path relative to the model table.
    pub fn compile(v: &Value) -> Result<Model, ModelError> {
        let Some(m) = v.as_object() else {
            return merr("", "expected a table");
        };
        let Some(kind) = m.get("kind").and_then(Value::as_str) else {
            return merr(
                "kind",
                "expected a kind: options, transformation, full_strategy, threat_game or game",
            );
        };
        match ModelKind::from_name(kind) {
            Some(ModelKind::Options) => compile_options(m),
            Some(ModelKind::Transformation) => compile_transformation(m),
            Some(ModelKind::FullStrategy) => compile_full_strategy(m),
            Some(ModelKind::ThreatGame) => compile_threat_game(m),
            Some(ModelKind::Game) => compile_game(m),
            None => merr(
                "kind",
                format!(
                    "`{kind}` is not a model kind (options, transformation, full_strategy, threat_game, game)"
                ),
            ),
        }
    }

    /// The model's kind.
    pub fn kind(&self) -> ModelKind {
        match self {
            Model::Options(_) => ModelKind::Options,
            Model::Transformation(_) => ModelKind::Transformation,
            Model::FullStrategy(..) => ModelKind::FullStrategy,
            Model::ThreatGame(..) => ModelKind::ThreatGame,
            Model::Game(_) => ModelKind::Game,
        }
    }

    /// Evaluates a claim. Both sides of `and`/`or` are always evaluated, so every name is checked.
    ///
    /// # Errors
    /// [`EvalError`] for unknown predicates, names or malformed numbers.
    pub fn eval(&self, claim: &Claim) -> Result<bool, EvalError> {
        match claim {
            Claim::Pred { name, args } => self.pred(name, args),
            Claim::Not(x) => Ok(!self.eval(x)?),
            Claim::And(a, b) => {
                let (x, y) = (self.eval(a), self.eval(b));
                Ok(x? & y?)
            }
            Claim::Or(a, b) => {
                let (x, y) = (self.eval(a), self.eval(b));
                Ok(x? | y?)
            }
        }
    }

    fn pred(&self, name: &str, args: &[String]) -> Result<bool, EvalError> {
        let kind = self.kind();
        if !kind
            .predicates()
            .iter()
            .any(|&(n, k)| n == name && k == args.len())
        {
            return Err(EvalError::UnknownPredicate {
                name: name.to_string(),
                arity: args.len(),
                kind: kind.as_str(),
                known: kind
                    .predicates()
                    .iter()
                    .map(|(n, k)| format!("{n}/{k}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        match self {
            Model::Options(m) => options_pred(m, name, args),
            Model::Transformation(m) => transformation_pred(m, name, args),
            Model::FullStrategy(s, c) => full_strategy_pred(s, c, name, args),
            Model::ThreatGame(_, a) => Ok(match name {
                "concession_equivalent" => a.is_concession_equivalent(),
                "surrogate_spi" => a.is_spi(),
                "surrogate_spi_every_demand" => a.is_spi_for_every_demand(),
                "demand_unchanged" => a.before.demand == a.after.demand,
                _ => a.demand_change().is_some_and(|d| d.is_positive()),
            }),
            Model::Game(g) => game_pred(g, name, args),
        }
    }
}

fn options_pred(m: &OptionsModel, name: &str, args: &[String]) -> Result<bool, EvalError> {
    let g = &m.game;
    let policy = |a: &str| {
        g.action_index(0, a)
            .ok_or_else(|| unknown(a, "policy", g.actions(0)))
    };
    let player = |a: &str| {
        g.player_index(a)
            .ok_or_else(|| unknown(a, "player", g.players()))
    };
    let improves = |p: usize, q: usize| -> TransformationCheck {
        let pairs = (0..g.num_actions(1))
            .map(|c| (vec![q, c], vec![p, c]))
            .collect();
        check_transformation(&ProgramTransformation {
            game: g.clone(),
            pairs,
        })
    };
    let better_for = |i: usize, p: usize, q: usize| -> bool {
        let cs = 0..g.num_actions(1);
        cs.clone()
            .all(|c| g.payoff(&[p, c], i) >= g.payoff(&[q, c], i))
            && cs
                .into_iter()
                .any(|c| g.payoff(&[p, c], i) > g.payoff(&[q, c], i))
    };
    let others = |p: usize| (0..g.num_actions(0)).filter(move |&q| q != p);
    Ok(match name {
        "improves" => {
            let (p, q) = (policy(&args[0]), policy(&args[1]));
            improves(p?, q?).is_spi()
        }
        "strictly_improves" => {
            let (p, q) = (policy(&args[0]), policy(&args[1]));
            improves(p?, q?).is_strict_spi()
        }
        "better_for" => {
            let (i, p, q) = (player(&args[0]), policy(&args[1]), policy(&args[2]));
            better_for(i?, p?, q?)
        }
        "dominates" => {
            let p = policy(&args[0])?;
            others(p).all(|q| improves(p, q).is_strict_spi())
        }
        _ => {
            let (i, p) = (player(&args[0]), policy(&args[1]));
            let (i, p) = (i?, p?);
            others(p).all(|q| better_for(i, p, q))
        }
    })
}

fn transformation_pred(
    m: &TransformationModel,
    name: &str,
    args: &[String],
) -> Result<bool, EvalError> {
    let g = &m.transformation.game;
    Ok(match name {
        "spi" => m.check.is_spi(),
        "strict_spi" => m.check.is_strict_spi(),
        "loses" => {
            let i = g
                .player_index(&args[0])
                .ok_or_else(|| unknown(&args[0], "player", g.players()))?;
            m.check.counterexamples.iter().any(|c| c.player == i)
        }
        _ => {
            let Some(d) = &m.demands else {
                return Err(EvalError::Unsupported(
                    "`demand_preserving` needs [model.demands]".into(),
                ));
            };
            let mut ok = true;
            for (p, fp) in &m.transformation.pairs {
                for i in 0..g.num_players() {
                    let dem = |a: usize| {
                        let name = &g.actions(i)[a];
                        d[i].get(name).cloned().ok_or_else(|| {
                            EvalError::Unsupported(format!(
                                "[model.demands] gives no demand for {}'s program `{name}`",
                                g.players()[i]
                            ))
                        })
                    };
                    if dem(p[i])? != dem(fp[i])? {
                        ok = false;
                    }
                }
            }
            ok
        }
    })
}

fn full_strategy_pred(
    s: &FullStrategy,
    c: &FullStrategyCheck,
    name: &str,
    args: &[String],
) -> Result<bool, EvalError> {
    let players: Vec<String> = s.players.iter().map(|p| p.player.clone()).collect();
    let only = match args.first() {
        None => None,
        Some(a) => Some(
            players
                .iter()
                .find(|p| *p == a)
                .ok_or_else(|| unknown(a, "player", &players))?
                .clone(),
        ),
    };
    let clean = |w: &[spi_theory::full_strategy::Witness]| {
        w.iter()
            .all(|w| only.as_ref().is_some_and(|p| *p != w.player))
    };
    let dp = clean(&c.demand_preserving);
    Ok(match name {
        "demand_preserving" => dp,
        "pi" => dp && clean(&c.participation),
        _ => dp && clean(&c.foreknowledge),
    })
}

fn game_pred(m: &GameModel, name: &str, args: &[String]) -> Result<bool, EvalError> {
    let g = &m.game;
    let profile = |a: &str, b: &str| -> Result<Vec<usize>, EvalError> {
        if g.num_players() != 2 {
            return Err(EvalError::Unsupported(format!(
                "`{name}` takes one action per player and needs a two-player game"
            )));
        }
        let x = g
            .action_index(0, a)
            .ok_or_else(|| unknown(a, "action of the first player", g.actions(0)));
        let y = g
            .action_index(1, b)
            .ok_or_else(|| unknown(b, "action of the second player", g.actions(1)));
        Ok(vec![x?, y?])
    };
    let point = |a: &str, b: &str| -> Result<Vec<Rational>, EvalError> {
        let (x, y) = (num(a), num(b));
        Ok(vec![x?, y?])
    };
    Ok(match name {
        "spi_exists" => m.spi().map_err(EvalError::Unsupported)?.0,
        "strict_spi_exists" => m.spi().map_err(EvalError::Unsupported)?.1,
        "perfect_coordination_spi" => perfect_coordination(g, &default_support(g)).exists,
        "pmm_is" => {
            let p = point(&args[0], &args[1])?;
            g.num_players() == 2 && pmm(g) == p
        }
        "threat_point_is" => {
            let p = point(&args[0], &args[1])?;
            g.num_players() == 2 && threat_point(g).values == p
        }
        "pareto_optimal" => {
            let p = profile(&args[0], &args[1])?;
            is_pareto_optimal(g, g.payoffs(&p))
        }
        "pure_equilibrium" => {
            let p = profile(&args[0], &args[1])?;
            pure_nash(g).contains(&p)
        }
        _ => {
            let i = g
                .player_index(&args[0])
                .ok_or_else(|| unknown(&args[0], "player", g.players()))?;
            let a = g
                .action_index(i, &args[1])
                .ok_or_else(|| unknown(&args[1], "action of that player", g.actions(i)))?;
            let alive: Vec<Vec<usize>> = g.shape().iter().map(|&k| (0..k).collect()).collect();
            dominator(g, &alive, i, a).is_some()
        }
    })
}
