//! JSON at the edge: the `spi-search/1` document, SPI certificates in and out.
//!
//! The shape (issue 3): `{"schema":"spi-search/1","exists":bool,"spis":[{"kind":"omnilateral",
//! "player":null,"strict":true,"action_map":[{"DM":"DL","RM":"RL"},…],"substitute":GAME,
//! "improvements":[{"from":[…],"to":[…],"payoffs_from":["-3","-3"],"payoffs_to":["1","1"]}]}]}`.
//! Exact numbers are "p/q" strings, actions are names. `spi spi verify` reads either a whole
//! `spi-search/1` document (every entry is checked) or one entry on its own.

use serde_json::{Map, Value};
use spi_games::format::json::{describe, game_from_value_at, game_to_value, number_at};
use spi_games::{Game, Rational};

use crate::certificate::{Improvement, SpiCertificate, SpiClaim};
use crate::error::TheoryError;
use crate::search::{PlayerId, SpiKind};

/// The schema name of search results.
pub const SEARCH_SCHEMA: &str = "spi-search/1";

fn strings(v: &[Rational]) -> Value {
    Value::Array(v.iter().map(|q| Value::String(q.to_string())).collect())
}

fn names(v: &[String]) -> Value {
    Value::Array(v.iter().map(|s| Value::String(s.clone())).collect())
}

/// One verified SPI as an entry of `spis`.
pub fn certificate_to_value(game: &Game, cert: &SpiCertificate) -> Value {
    let mut m = Map::new();
    let (kind, player) = match cert.kind() {
        SpiKind::Omnilateral => ("omnilateral", Value::Null),
        SpiKind::Unilateral(PlayerId(i)) => {
            ("unilateral", Value::String(game.players()[i].clone()))
        }
    };
    m.insert("kind".into(), Value::String(kind.into()));
    m.insert("player".into(), player);
    m.insert("strict".into(), Value::Bool(cert.is_strict()));
    m.insert(
        "action_map".into(),
        Value::Array(
            cert.action_map()
                .iter()
                .map(|pairs| {
                    Value::Object(
                        pairs
                            .iter()
                            .map(|(a, b)| (a.clone(), Value::String(b.clone())))
                            .collect(),
                    )
                })
                .collect(),
        ),
    );
    m.insert("substitute".into(), game_to_value(cert.substitute()));
    m.insert(
        "improvements".into(),
        Value::Array(
            cert.improvements()
                .iter()
                .map(|imp| {
                    let mut o = Map::new();
                    o.insert("from".into(), names(&imp.from));
                    o.insert("to".into(), names(&imp.to));
                    o.insert("payoffs_from".into(), strings(&imp.payoffs_from));
                    o.insert("payoffs_to".into(), strings(&imp.payoffs_to));
                    Value::Object(o)
                })
                .collect(),
        ),
    );
    Value::Object(m)
}

/// The `spi-search/1` document.
pub fn search_to_value(game: &Game, certs: &[SpiCertificate]) -> Value {
    let mut m = Map::new();
    m.insert("schema".into(), Value::String(SEARCH_SCHEMA.into()));
    m.insert("exists".into(), Value::Bool(!certs.is_empty()));
    m.insert(
        "spis".into(),
        Value::Array(
            certs
                .iter()
                .map(|c| certificate_to_value(game, c))
                .collect(),
        ),
    );
    Value::Object(m)
}

/// An `Invalid` error at JSON path `path` (shared with [`crate::documents`]).
pub(crate) fn invalid(path: &str, expected: &str, found: &Value) -> TheoryError {
    TheoryError::Invalid {
        path: path.into(),
        expected: expected.into(),
        found: describe(found),
    }
}

/// The required member `key` of the object at `root`.
pub(crate) fn field<'a>(
    obj: &'a Map<String, Value>,
    root: &str,
    key: &str,
) -> Result<&'a Value, TheoryError> {
    obj.get(key).ok_or_else(|| TheoryError::Invalid {
        path: format!("{root}.{key}"),
        expected: format!("a {key:?} field"),
        found: "nothing".into(),
    })
}

fn string_list(v: &Value, path: &str) -> Result<Vec<String>, TheoryError> {
    let arr = v
        .as_array()
        .ok_or_else(|| invalid(path, "an array of action names", v))?;
    arr.iter()
        .enumerate()
        .map(|(k, x)| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| invalid(&format!("{path}[{k}]"), "a string", x))
        })
        .collect()
}

fn number_list(v: &Value, path: &str) -> Result<Vec<Rational>, TheoryError> {
    let arr = v
        .as_array()
        .ok_or_else(|| invalid(path, "an array of numbers", v))?;
    arr.iter()
        .enumerate()
        .map(|(k, x)| Ok(number_at(x, &format!("{path}[{k}]"))?))
        .collect()
}

/// Refuses members outside `known`: a misspelt `improvments` would otherwise be ignored and the
/// claim verified without the list its author meant to assert.
fn only_known(obj: &Map<String, Value>, root: &str, known: &[&str]) -> Result<(), TheoryError> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(TheoryError::Invalid {
            path: format!("{root}.{k}"),
            expected: format!("only the members {}", known.join(", ")),
            found: format!("the unknown member {k:?}"),
        }),
    }
}

const ENTRY_KEYS: [&str; 7] = [
    "schema",
    "kind",
    "player",
    "strict",
    "action_map",
    "substitute",
    "improvements",
];

/// Reads one SPI entry at JSON path `root`; `game` resolves the unilateral player's name.
pub fn claim_from_value(game: &Game, v: &Value, root: &str) -> Result<SpiClaim, TheoryError> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid(root, "an SPI object", v))?;
    only_known(obj, root, &ENTRY_KEYS)?;
    let kind_v = field(obj, root, "kind")?;
    let kind = match kind_v.as_str() {
        Some("omnilateral") => SpiKind::Omnilateral,
        Some("unilateral") => {
            let p = field(obj, root, "player")?;
            let name = p
                .as_str()
                .ok_or_else(|| invalid(&format!("{root}.player"), "a player name", p))?;
            let i = game
                .player_index(name)
                .ok_or_else(|| TheoryError::NoSuchPlayer {
                    player: name.into(),
                    available: game.players().join(", "),
                })?;
            SpiKind::Unilateral(PlayerId(i))
        }
        _ => {
            return Err(invalid(
                &format!("{root}.kind"),
                "\"omnilateral\" or \"unilateral\"",
                kind_v,
            ));
        }
    };
    let strict = match obj.get("strict") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(x) => return Err(invalid(&format!("{root}.strict"), "true or false", x)),
    };
    let map_v = field(obj, root, "action_map")?;
    let map_arr = map_v.as_array().ok_or_else(|| {
        invalid(
            &format!("{root}.action_map"),
            "an array of objects, one per player",
            map_v,
        )
    })?;
    let mut action_map = Vec::new();
    for (i, m) in map_arr.iter().enumerate() {
        let path = format!("{root}.action_map[{i}]");
        let o = m
            .as_object()
            .ok_or_else(|| invalid(&path, "an object {\"FROM\": \"TO\", …}", m))?;
        let mut pairs = Vec::new();
        for (from, to) in o {
            let t = to
                .as_str()
                .ok_or_else(|| invalid(&format!("{path}.{from}"), "an action name", to))?;
            pairs.push((from.clone(), t.to_string()));
        }
        action_map.push(pairs);
    }
    let substitute = game_from_value_at(
        field(obj, root, "substitute")?,
        &format!("{root}.substitute"),
    )?;
    let improvements = match obj.get("improvements") {
        None => None,
        Some(x) => {
            let path = format!("{root}.improvements");
            let arr = x.as_array().ok_or_else(|| invalid(&path, "an array", x))?;
            let mut out = Vec::new();
            for (k, e) in arr.iter().enumerate() {
                let p = format!("{path}[{k}]");
                let o = e.as_object().ok_or_else(|| {
                    invalid(&p, "an object with from, to, payoffs_from, payoffs_to", e)
                })?;
                out.push(Improvement {
                    from: string_list(field(o, &p, "from")?, &format!("{p}.from"))?,
                    to: string_list(field(o, &p, "to")?, &format!("{p}.to"))?,
                    payoffs_from: number_list(
                        field(o, &p, "payoffs_from")?,
                        &format!("{p}.payoffs_from"),
                    )?,
                    payoffs_to: number_list(
                        field(o, &p, "payoffs_to")?,
                        &format!("{p}.payoffs_to"),
                    )?,
                });
            }
            Some(out)
        }
    };
    Ok(SpiClaim {
        kind,
        strict,
        action_map,
        substitute,
        improvements,
    })
}

/// Reads every claim of a certificate document: a whole `spi-search/1` document or one entry.
pub fn claims_from_document(game: &Game, v: &Value) -> Result<Vec<SpiClaim>, TheoryError> {
    match v.get("schema").and_then(Value::as_str) {
        Some(SEARCH_SCHEMA) => {
            let spis = v.get("spis").ok_or_else(|| TheoryError::Invalid {
                path: "$.spis".into(),
                expected: "the list of SPIs".into(),
                found: "nothing".into(),
            })?;
            let arr = spis
                .as_array()
                .ok_or_else(|| invalid("$.spis", "an array", spis))?;
            if let Some(obj) = v.as_object() {
                only_known(obj, "$", &["schema", "exists", "spis"])?;
            }
            // A document that claims nothing verifies nothing: passing it would let
            // `{"exists":"banana","spis":[]}` exit 0 as if a certificate had been checked.
            match v.get("exists") {
                Some(Value::Bool(true)) | None => {}
                Some(Value::Bool(false)) => {
                    return Err(TheoryError::Invalid {
                        path: "$.exists".into(),
                        expected: "a document that claims an SPI (exists: true)".into(),
                        found: "exists: false, a search result with nothing to verify".into(),
                    });
                }
                Some(x) => return Err(invalid("$.exists", "true or false", x)),
            }
            if arr.is_empty() {
                return Err(TheoryError::Invalid {
                    path: "$.spis".into(),
                    expected: "at least one SPI to verify".into(),
                    found: "an empty list".into(),
                });
            }
            arr.iter()
                .enumerate()
                .map(|(k, e)| claim_from_value(game, e, &format!("$.spis[{k}]")))
                .collect()
        }
        Some(other) if other != "spi-certificate/1" => Err(TheoryError::Invalid {
            path: "$.schema".into(),
            expected: format!("\"{SEARCH_SCHEMA}\" or \"spi-certificate/1\""),
            found: format!("{other:?}"),
        }),
        _ => Ok(vec![claim_from_value(game, v, "$")?]),
    }
}
