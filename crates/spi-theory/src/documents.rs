//! Readers for the Appendix B model files (`test_data/theory/README.md` documents them with
//! examples): `spi-transformation/1` (B.1), `full-strategy/1` (B.2), `threat-game/1` (B.3).
//!
//! Errors name the JSON path and what was expected there; the CLI adds the file name.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use spi_games::format::json::{game_from_value_at, number_at};
use spi_games::game::Profile;
use spi_games::{Game, Rational};

use crate::error::TheoryError;
use crate::full_strategy::{FullStrategy, PlayerStrategy};
use crate::json::{field, invalid};
use crate::program_space::ProgramTransformation;
use crate::surrogate::{Target, ThreatGame};

/// A model file of Appendix B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelDocument {
    /// B.1: a transformation over a finite program space.
    Transformation(ProgramTransformation),
    /// B.2: a full strategy.
    FullStrategy(FullStrategy),
    /// B.3: a threat game with surrogate targets.
    ThreatGame(ThreatGame),
}

fn object<'a>(v: &'a Value, path: &str, what: &str) -> Result<&'a Map<String, Value>, TheoryError> {
    v.as_object().ok_or_else(|| invalid(path, what, v))
}

fn array<'a>(v: &'a Value, path: &str, what: &str) -> Result<&'a Vec<Value>, TheoryError> {
    v.as_array().ok_or_else(|| invalid(path, what, v))
}

fn string(v: &Value, path: &str) -> Result<String, TheoryError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| invalid(path, "a string", v))
}

fn numbers(v: &Value, path: &str) -> Result<Vec<Rational>, TheoryError> {
    array(v, path, "an array of numbers")?
        .iter()
        .enumerate()
        .map(|(k, x)| Ok(number_at(x, &format!("{path}[{k}]"))?))
        .collect()
}

fn pair(v: &Value, path: &str) -> Result<[Rational; 2], TheoryError> {
    let xs = numbers(v, path)?;
    match <[Rational; 2]>::try_from(xs) {
        Ok(p) => Ok(p),
        Err(xs) => Err(TheoryError::Invalid {
            path: path.into(),
            expected: "two payoffs (A, B)".into(),
            found: format!("{} numbers", xs.len()),
        }),
    }
}

fn probability(v: &Value, path: &str) -> Result<Rational, TheoryError> {
    let p = number_at(v, path)?;
    if p.is_negative() || p > Rational::ONE {
        return Err(TheoryError::Invalid {
            path: path.into(),
            expected: "a probability in [0, 1]".into(),
            found: p.to_string(),
        });
    }
    Ok(p)
}

/// Reads a model document, dispatching on its `schema`.
pub fn read_model(v: &Value) -> Result<ModelDocument, TheoryError> {
    let obj = object(v, "$", "a model object with a \"schema\" field")?;
    let schema = field(obj, "$", "schema")?;
    match schema.as_str() {
        Some("spi-transformation/1") => Ok(ModelDocument::Transformation(transformation(obj)?)),
        Some("full-strategy/1") => Ok(ModelDocument::FullStrategy(full_strategy(obj)?)),
        Some("threat-game/1") => Ok(ModelDocument::ThreatGame(threat_game(obj)?)),
        _ => Err(invalid(
            "$.schema",
            "\"spi-transformation/1\", \"full-strategy/1\" or \"threat-game/1\"",
            schema,
        )),
    }
}

fn profile(game: &Game, v: &Value, path: &str) -> Result<Profile, TheoryError> {
    let names = array(v, path, "a profile: one program name per player")?;
    if names.len() != game.num_players() {
        return Err(invalid(
            path,
            &format!("{} program names", game.num_players()),
            v,
        ));
    }
    names
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let p = format!("{path}[{i}]");
            let s = string(x, &p)?;
            game.action_index(i, &s)
                .ok_or_else(|| TheoryError::Invalid {
                    path: p,
                    expected: format!(
                        "a program of player {} ({})",
                        game.players()[i],
                        game.actions(i).join(", ")
                    ),
                    found: format!("{s:?}"),
                })
        })
        .collect()
}

fn transformation(obj: &Map<String, Value>) -> Result<ProgramTransformation, TheoryError> {
    let game = game_from_value_at(field(obj, "$", "game")?, "$.game")?;
    let t = field(obj, "$", "transformation")?;
    let pairs = match t {
        Value::Array(entries) => entries
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let p = format!("$.transformation[{k}]");
                let o = object(e, &p, "an object {\"from\": PROFILE, \"to\": PROFILE}")?;
                Ok((
                    profile(&game, field(o, &p, "from")?, &format!("{p}.from"))?,
                    profile(&game, field(o, &p, "to")?, &format!("{p}.to"))?,
                ))
            })
            .collect::<Result<Vec<_>, TheoryError>>()
            .and_then(|pairs| {
                if pairs.is_empty() {
                    return Err(TheoryError::Invalid {
                        path: "$.transformation".into(),
                        expected: "at least one {\"from\", \"to\"} pair".into(),
                        found: "an empty list".into(),
                    });
                }
                match (0..pairs.len()).find(|&k| pairs[..k].iter().any(|(f, _)| *f == pairs[k].0)) {
                    Some(k) => Err(TheoryError::Invalid {
                        path: format!("$.transformation[{k}].from"),
                        expected: "each profile mapped once (a transformation is a function)"
                            .into(),
                        found: "a profile already mapped by an earlier entry".into(),
                    }),
                    None => Ok(pairs),
                }
            })?,
        Value::Object(per_player) => {
            // f(p)_i = f_i(p_i); programs a player's map does not list stay as they are.
            let mut maps: Vec<Vec<usize>> =
                game.shape().iter().map(|&k| (0..k).collect()).collect();
            for (name, m) in per_player {
                let p = format!("$.transformation.{name}");
                let i = game
                    .player_index(name)
                    .ok_or_else(|| TheoryError::NoSuchPlayer {
                        player: name.clone(),
                        available: game.players().join(", "),
                    })?;
                for (from, to) in object(m, &p, "an object {\"PROGRAM\": \"PROGRAM\"}")? {
                    let q = format!("{p}.{from}");
                    let a = game.action_index(i, from).ok_or_else(|| {
                        invalid(
                            &q,
                            "a program of this player as the key",
                            &Value::String(from.clone()),
                        )
                    })?;
                    let to = string(to, &q)?;
                    let b = game.action_index(i, &to).ok_or_else(|| {
                        invalid(&q, "a program of this player", &Value::String(to.clone()))
                    })?;
                    maps[i][a] = b;
                }
            }
            let space: Vec<Profile> = match obj.get("space") {
                None => game.profiles().collect(),
                Some(s) => array(s, "$.space", "an array of profiles")?
                    .iter()
                    .enumerate()
                    .map(|(k, x)| profile(&game, x, &format!("$.space[{k}]")))
                    .collect::<Result<_, _>>()?,
            };
            space
                .into_iter()
                .map(|p| {
                    let fp = p.iter().enumerate().map(|(i, &a)| maps[i][a]).collect();
                    (p, fp)
                })
                .collect()
        }
        other => {
            return Err(invalid(
                "$.transformation",
                "a list of {from, to} pairs or a per-player program map",
                other,
            ));
        }
    };
    Ok(ProgramTransformation { game, pairs })
}

fn full_strategy(obj: &Map<String, Value>) -> Result<FullStrategy, TheoryError> {
    let list = array(
        field(obj, "$", "players")?,
        "$.players",
        "an array of per-player strategies",
    )?;
    if list.is_empty() {
        return Err(TheoryError::Invalid {
            path: "$.players".into(),
            expected: "at least one player's strategy".into(),
            found: "an empty list".into(),
        });
    }
    let mut players: Vec<PlayerStrategy> = Vec::new();
    for (k, e) in list.iter().enumerate() {
        let p = format!("$.players[{k}]");
        let o = object(e, &p, "a player's strategy object")?;
        let player = string(field(o, &p, "player")?, &format!("{p}.player"))?;
        if players.iter().any(|q| q.player == player) {
            return Err(TheoryError::Invalid {
                path: format!("{p}.player"),
                expected: "one strategy per player".into(),
                found: format!("{player:?} a second time"),
            });
        }
        let mut demands = BTreeMap::new();
        for (q, d) in object(
            field(o, &p, "demands")?,
            &format!("{p}.demands"),
            "an object {\"PROGRAM\": DEMAND}",
        )? {
            demands.insert(q.clone(), number_at(d, &format!("{p}.demands.{q}"))?);
        }
        let known = |name: String, path: String| -> Result<String, TheoryError> {
            if demands.contains_key(&name) {
                Ok(name)
            } else {
                Err(TheoryError::Invalid {
                    path,
                    expected: "a program listed under \"demands\"".into(),
                    found: format!("{name:?}"),
                })
            }
        };
        let mut transformation = BTreeMap::new();
        if let Some(t) = o.get("transformation") {
            for (from, to) in object(
                t,
                &format!("{p}.transformation"),
                "an object {\"PROGRAM\": \"PROGRAM\"}",
            )? {
                let q = format!("{p}.transformation.{from}");
                let from = known(from.clone(), q.clone())?;
                let to = known(string(to, &q)?, q)?;
                transformation.insert(from, to);
            }
        }
        let get = |key: &str| -> Result<String, TheoryError> {
            let q = format!("{p}.{key}");
            known(string(field(o, &p, key)?, &q)?, q)
        };
        players.push(PlayerStrategy {
            chosen: get("chosen")?,
            if_others_do_not_participate: get("if_others_do_not_participate")?,
            if_known_in_advance: get("if_known_in_advance")?,
            player,
            demands,
            transformation,
        });
    }
    Ok(FullStrategy { players })
}

fn threat_game(obj: &Map<String, Value>) -> Result<ThreatGame, TheoryError> {
    let demands = numbers(field(obj, "$", "demands")?, "$.demands")?;
    if demands.is_empty() {
        return Err(TheoryError::Invalid {
            path: "$.demands".into(),
            expected: "at least one demand B may make".into(),
            found: "an empty list".into(),
        });
    }
    // Ambiguous documents change answers: with a demand or a target listed twice, which row
    // counts depended on the order of the file.
    if let Some(k) = first_repeat(&demands) {
        return Err(TheoryError::Invalid {
            path: format!("$.demands[{k}]"),
            expected: "distinct demands".into(),
            found: format!("{} a second time", demands[k]),
        });
    }
    let no_threat = pair(field(obj, "$", "no_threat")?, "$.no_threat")?;
    let mut targets = Vec::new();
    for (k, t) in array(
        field(obj, "$", "targets")?,
        "$.targets",
        "an array of targets",
    )?
    .iter()
    .enumerate()
    {
        let p = format!("$.targets[{k}]");
        let o = object(t, &p, "a target {\"name\", \"executed\": [A, B]}")?;
        targets.push(Target {
            name: string(field(o, &p, "name")?, &format!("{p}.name"))?,
            executed: pair(field(o, &p, "executed")?, &format!("{p}.executed"))?,
        });
    }
    let names: Vec<&String> = targets.iter().map(|t| &t.name).collect();
    if let Some(k) = first_repeat(&names) {
        return Err(TheoryError::Invalid {
            path: format!("$.targets[{k}].name"),
            expected: "distinct target names".into(),
            found: format!("{:?} a second time", targets[k].name),
        });
    }
    if targets.first().map(|t| t.name.as_str()) != Some("original") {
        return Err(TheoryError::Invalid {
            path: "$.targets[0].name".into(),
            expected: "\"original\" (the first target is A's original goal)".into(),
            found: targets
                .first()
                .map(|t| format!("{:?}", t.name))
                .unwrap_or_else(|| "no targets".into()),
        });
    }
    let c = object(
        field(obj, "$", "concession")?,
        "$.concession",
        "an object with \"by_b_execution_payoff\" or \"by_target\"",
    )?;
    let probs = |v: &Value, path: &str| -> Result<Vec<Rational>, TheoryError> {
        let a = array(v, path, "one probability per demand")?;
        if a.len() != demands.len() {
            return Err(invalid(
                path,
                &format!("{} probabilities (one per demand)", demands.len()),
                v,
            ));
        }
        a.iter()
            .enumerate()
            .map(|(k, x)| probability(x, &format!("{path}[{k}]")))
            .collect()
    };
    let concession = if let Some(by_x) = c.get("by_b_execution_payoff") {
        // g(d, x): concession-equivalent by construction.
        let mut table: Vec<(Rational, Vec<Rational>)> = Vec::new();
        for (k, row) in array(
            by_x,
            "$.concession.by_b_execution_payoff",
            "an array of {b_execution, probabilities}",
        )?
        .iter()
        .enumerate()
        {
            let p = format!("$.concession.by_b_execution_payoff[{k}]");
            let o = object(row, &p, "an object {b_execution, probabilities}")?;
            let x = number_at(field(o, &p, "b_execution")?, &format!("{p}.b_execution"))?;
            if table.iter().any(|(y, _)| *y == x) {
                return Err(TheoryError::Invalid {
                    path: format!("{p}.b_execution"),
                    expected: "one row per execution payoff of B".into(),
                    found: format!("a second row for {x}"),
                });
            }
            table.push((
                x,
                probs(
                    field(o, &p, "probabilities")?,
                    &format!("{p}.probabilities"),
                )?,
            ));
        }
        targets
            .iter()
            .map(|t| {
                table
                    .iter()
                    .find(|(x, _)| *x == t.executed[1])
                    .map(|(_, ps)| ps.clone())
                    .ok_or_else(|| TheoryError::Invalid {
                        path: "$.concession.by_b_execution_payoff".into(),
                        expected: format!(
                            "a row for B's execution payoff {} (target {:?})",
                            t.executed[1], t.name
                        ),
                        found: "none".into(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?
    } else if let Some(by_t) = c.get("by_target") {
        let o = object(
            by_t,
            "$.concession.by_target",
            "an object {\"TARGET\": [probabilities]}",
        )?;
        targets
            .iter()
            .map(|t| {
                let p = format!("$.concession.by_target.{}", t.name);
                probs(field(o, "$.concession.by_target", &t.name)?, &p)
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        return Err(TheoryError::Invalid {
            path: "$.concession".into(),
            expected: "\"by_b_execution_payoff\" or \"by_target\"".into(),
            found: "neither".into(),
        });
    };
    Ok(ThreatGame {
        demands,
        no_threat,
        targets,
        concession,
    })
}

/// The index of the first element equal to an earlier one.
fn first_repeat<T: PartialEq>(v: &[T]) -> Option<usize> {
    (0..v.len()).find(|&k| v[..k].contains(&v[k]))
}
