//! The JSON game format (docs/reference/formats.md §1): reader with JSON-path errors, and a writer
//! with a stable layout.
//!
//! `{"name": "...", "players": ["A","B"], "actions": [["DM","RM"],["DM","RM"]],
//!   "payoffs": [[[-3,-3],[2,0]],[[0,2],[1,1]]]}` — `payoffs` nests by player 1's action, then player
//! 2's, …, innermost the payoff vector. A number is a JSON integer, a decimal string or a fraction
//! string; JSON floats are read exactly too, from their decimal text.

use serde_json::{Map, Value};

use super::FormatError;
use crate::game::Game;
use crate::number::{ParseRationalError, Rational};

pub use spi_json::parse_unique;

/// Reads a game from JSON text.
pub fn read_json(text: &str) -> Result<Game, FormatError> {
    let value: Value = parse_unique(text).map_err(|e| FormatError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    game_from_value(&value)
}

/// Reads a game from an already-parsed JSON value (for files that embed a game, e.g. certificates).
pub fn game_from_value(value: &Value) -> Result<Game, FormatError> {
    game_from_value_at(value, "$")
}

/// As [`game_from_value`], with the JSON path of `value` inside a larger document for errors.
pub fn game_from_value_at(value: &Value, root: &str) -> Result<Game, FormatError> {
    let obj = value
        .as_object()
        .ok_or_else(|| invalid(root, "an object with players, actions and payoffs", value))?;
    for key in obj.keys() {
        if !matches!(
            key.as_str(),
            "name" | "players" | "actions" | "payoffs" | "schema" | "description"
        ) {
            return Err(FormatError::Invalid {
                path: format!("{root}.{key}"),
                expected: "only the keys name, players, actions, payoffs (and description)".into(),
                found: "an unknown key".into(),
            });
        }
    }
    let name = match obj.get("name") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => return Err(invalid(&format!("{root}.name"), "a string", v)),
    };
    let players_v = field(obj, root, "players")?;
    let players_arr = players_v.as_array().ok_or_else(|| {
        invalid(
            &format!("{root}.players"),
            "an array of player names",
            players_v,
        )
    })?;
    if players_arr.is_empty() {
        return Err(invalid(
            &format!("{root}.players"),
            "at least one player",
            players_v,
        ));
    }
    let mut players = Vec::with_capacity(players_arr.len());
    for (i, p) in players_arr.iter().enumerate() {
        let s = p
            .as_str()
            .ok_or_else(|| invalid(&format!("{root}.players[{i}]"), "a string", p))?;
        if players.iter().any(|q: &String| q == s) {
            return Err(FormatError::Invalid {
                path: format!("{root}.players[{i}]"),
                expected: "distinct player names".into(),
                found: format!("{s:?} a second time"),
            });
        }
        players.push(s.to_string());
    }
    let n = players.len();
    let actions_v = field(obj, root, "actions")?;
    let actions_arr = actions_v.as_array().ok_or_else(|| {
        invalid(
            &format!("{root}.actions"),
            "an array of action-name arrays",
            actions_v,
        )
    })?;
    if actions_arr.len() != n {
        return Err(FormatError::Invalid {
            path: format!("{root}.actions"),
            expected: format!("one action list per player ({n})"),
            found: format!("{} lists", actions_arr.len()),
        });
    }
    let mut actions = Vec::with_capacity(n);
    for (i, a) in actions_arr.iter().enumerate() {
        let path = format!("{root}.actions[{i}]");
        let list = a
            .as_array()
            .ok_or_else(|| invalid(&path, "an array of action names", a))?;
        if list.is_empty() {
            return Err(FormatError::Invalid {
                path,
                expected: format!("at least one action for player {:?}", players[i]),
                found: "an empty action set".into(),
            });
        }
        let mut names: Vec<String> = Vec::with_capacity(list.len());
        for (j, x) in list.iter().enumerate() {
            let s = x
                .as_str()
                .ok_or_else(|| invalid(&format!("{path}[{j}]"), "a string", x))?;
            if names.iter().any(|q| q == s) {
                return Err(FormatError::Invalid {
                    path: format!("{path}[{j}]"),
                    expected: format!("distinct action names for player {:?}", players[i]),
                    found: format!("{s:?} a second time"),
                });
            }
            names.push(s.to_string());
        }
        actions.push(names);
    }
    let shape: Vec<usize> = actions.iter().map(Vec::len).collect();
    let payoffs_v = field(obj, root, "payoffs")?;
    let mut flat = Vec::new();
    read_payoffs(payoffs_v, &format!("{root}.payoffs"), &shape, n, &mut flat)?;
    Game::new(name, players, actions, flat).map_err(|e| FormatError::Game {
        path: root.to_string(),
        cause: e,
    })
}

fn read_payoffs(
    v: &Value,
    path: &str,
    shape: &[usize],
    n: usize,
    out: &mut Vec<Rational>,
) -> Result<(), FormatError> {
    let arr = v.as_array().ok_or_else(|| {
        let expected = if shape.is_empty() {
            format!("a payoff vector of {n} numbers")
        } else {
            format!("an array of {} entries", shape[0])
        };
        invalid(path, &expected, v)
    })?;
    match shape.split_first() {
        None => {
            if arr.len() != n {
                return Err(FormatError::Invalid {
                    path: path.to_string(),
                    expected: format!("{n} payoffs (one per player)"),
                    found: format!("{} entries", arr.len()),
                });
            }
            for (k, x) in arr.iter().enumerate() {
                out.push(number_at(x, &format!("{path}[{k}]"))?);
            }
        }
        Some((&len, rest)) => {
            if arr.len() != len {
                return Err(FormatError::Invalid {
                    path: path.to_string(),
                    expected: format!("{len} entries (one per action)"),
                    found: format!("{} entries", arr.len()),
                });
            }
            for (k, x) in arr.iter().enumerate() {
                read_payoffs(x, &format!("{path}[{k}]"), rest, n, out)?;
            }
        }
    }
    Ok(())
}

/// Reads one exact number: a JSON integer, a JSON float (from its decimal text), or a string.
pub fn number_at(v: &Value, path: &str) -> Result<Rational, FormatError> {
    let parsed = match v {
        Value::Number(num) => num.to_string().parse::<Rational>(),
        Value::String(s) => s.parse::<Rational>(),
        _ => return Err(invalid(path, "a number (integer, \"0.25\" or \"3/8\")", v)),
    };
    parsed.map_err(|e| FormatError::Invalid {
        path: path.to_string(),
        expected: match e {
            ParseRationalError::Malformed { .. } => "a number (integer, \"0.25\" or \"3/8\")",
            ParseRationalError::TooLarge { .. } => {
                "a number of at most 4096 digits with an exponent of at most 4096"
            }
        }
        .into(),
        found: e.found_shown(),
    })
}

fn field<'a>(obj: &'a Map<String, Value>, root: &str, key: &str) -> Result<&'a Value, FormatError> {
    obj.get(key).ok_or_else(|| FormatError::Invalid {
        path: format!("{root}.{key}"),
        expected: format!("a {key:?} field"),
        found: "nothing".into(),
    })
}

fn invalid(path: &str, expected: &str, found: &Value) -> FormatError {
    FormatError::Invalid {
        path: path.to_string(),
        expected: expected.to_string(),
        found: describe(found),
    }
}

/// A short description of a JSON value for error messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() <= 40 => format!("the string {s:?}"),
        Value::String(_) => "a long string".into(),
        Value::Array(a) => format!("an array of {} entries", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// A JSON number for output: an integer that fits i64 stays a JSON number, everything else is a
/// "p/q" string (docs/reference/formats.md §2: exact numbers print as strings in analysis output;
/// game files accept both).
pub fn number_value(q: &Rational) -> Value {
    match q.as_small() {
        Some((n, 1)) => Value::from(n),
        _ => Value::String(q.to_string()),
    }
}

/// The game as a JSON value in the game format.
pub fn game_to_value(game: &Game) -> Value {
    let shape = game.shape();
    fn nest(game: &Game, shape: &[usize], prefix: &mut Vec<usize>) -> Value {
        if prefix.len() == shape.len() {
            return Value::Array(game.payoffs(prefix).iter().map(number_value).collect());
        }
        let k = shape[prefix.len()];
        let mut out = Vec::with_capacity(k);
        for a in 0..k {
            prefix.push(a);
            out.push(nest(game, shape, prefix));
            prefix.pop();
        }
        Value::Array(out)
    }
    let mut m = Map::new();
    m.insert("name".into(), Value::String(game.name().to_string()));
    m.insert("players".into(), Value::from(game.players().to_vec()));
    m.insert("actions".into(), Value::from(game.action_names().to_vec()));
    m.insert("payoffs".into(), nest(game, &shape, &mut Vec::new()));
    Value::Object(m)
}

/// The game as JSON text: one line per payoff row so that tables stay readable in a diff.
pub fn write_json(game: &Game) -> String {
    let v = game_to_value(game);
    let mut out = String::from("{\n");
    out.push_str(&format!("  \"name\": {},\n", v["name"]));
    out.push_str(&format!("  \"players\": {},\n", v["players"]));
    out.push_str(&format!("  \"actions\": {},\n", v["actions"]));
    out.push_str("  \"payoffs\": ");
    if game.num_players() == 1 {
        out.push_str(&v["payoffs"].to_string());
    } else {
        let rows = v["payoffs"].as_array().cloned().unwrap_or_default();
        out.push_str("[\n");
        for (i, r) in rows.iter().enumerate() {
            out.push_str("    ");
            out.push_str(&r.to_string());
            out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
        }
        out.push_str("  ]");
    }
    out.push_str("\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_json_path() {
        let cases = [
            (
                r#"{"players":["A","B"],"actions":[["x"],["y"]],"payoffs":[[[1,2,3]]]}"#,
                "$.payoffs[0][0]: expected 2 payoffs (one per player), found 3 entries",
            ),
            (
                r#"{"players":["A","B"],"actions":[["x"],["y"]],"payoffs":[[[1,"z"]]]}"#,
                "$.payoffs[0][0][1]: expected a number",
            ),
            (
                r#"{"players":["A","B"],"actions":[["x","x"],["y"]],"payoffs":[]}"#,
                "$.actions[0][1]: expected distinct action names",
            ),
            (
                r#"{"players":["A","B"],"actions":[[],["y"]],"payoffs":[]}"#,
                "$.actions[0]: expected at least one action",
            ),
            (
                r#"{"players":["A","B"],"actions":[["x"],["y"]],"payoffs":[[1]]}"#,
                "$.payoffs[0][0]: expected a payoff vector of 2 numbers, found the number 1",
            ),
            (
                r#"{"players":["A","B"],"actions":[["x"],["y"]],"payoffs":[[1,2]]}"#,
                "$.payoffs[0]: expected 1 entries (one per action), found 2 entries",
            ),
            (
                r#"{"players":["A","B"],"actions":[["x"],["y"]],"payoffs":[[[1,2]]"#,
                "line 1",
            ),
        ];
        for (text, want) in cases {
            let err = read_json(text).unwrap_err().to_string();
            assert!(err.contains(want), "{err:?} does not contain {want:?}");
        }
    }
}
