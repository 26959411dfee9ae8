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
use crate::number::Rational;

mod read;

use read::{A_NUMBER, Glance, NumberText, invalid, number_error, rational_from};

pub use spi_json::parse_unique;

/// Reads a game from JSON text.
///
/// The document is deserialized straight into the game (the `read` module), not through a `Value`
/// tree: a 31 MB file of small integers held 1.4 GB that way. The rules and errors are those of
/// [`game_from_value`] on [`parse_unique`]'s tree, which runs the same code.
pub fn read_json(text: &str) -> Result<Game, FormatError> {
    read::read_text(text).map_err(|e| FormatError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?
}

/// Reads a game from an already-parsed JSON value (for files that embed a game, e.g. certificates).
pub fn game_from_value(value: &Value) -> Result<Game, FormatError> {
    game_from_value_at(value, "$")
}

/// As [`game_from_value`], with the JSON path of `value` inside a larger document for errors.
pub fn game_from_value_at(value: &Value, root: &str) -> Result<Game, FormatError> {
    read::read_value(value, root)
}

/// Reads one exact number: a JSON integer, a JSON float (from its decimal text), or a string.
pub fn number_at(v: &Value, path: &str) -> Result<Rational, FormatError> {
    let text = match v {
        Value::Number(n) => NumberText::Json(n),
        Value::String(s) => NumberText::Str(s),
        _ => return Err(invalid(path, A_NUMBER, &Glance::of(v))),
    };
    rational_from(text).map_err(|e| number_error(path.to_string(), e))
}

/// A short description of a JSON value for error messages.
pub fn describe(v: &Value) -> String {
    Glance::of(v).to_string()
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

/// The payoffs of the profiles that begin with `prefix`, nested as in the game format.
fn payoff_nest(game: &Game, shape: &[usize], prefix: &mut Vec<usize>) -> Value {
    if prefix.len() == shape.len() {
        return Value::Array(game.payoffs(prefix).iter().map(number_value).collect());
    }
    let k = shape[prefix.len()];
    let mut out = Vec::with_capacity(k);
    for a in 0..k {
        prefix.push(a);
        out.push(payoff_nest(game, shape, prefix));
        prefix.pop();
    }
    Value::Array(out)
}

/// The game as a JSON value in the game format.
pub fn game_to_value(game: &Game) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(game.name().to_string()));
    m.insert("players".into(), Value::from(game.players().to_vec()));
    m.insert("actions".into(), Value::from(game.action_names().to_vec()));
    m.insert(
        "payoffs".into(),
        payoff_nest(game, &game.shape(), &mut Vec::new()),
    );
    Value::Object(m)
}

/// The game as JSON text: one line per payoff row so that tables stay readable in a diff.
///
/// Written row by row rather than from [`game_to_value`]: the whole table as one `Value` tree is
/// several times the game's size (`spi game show --json` of a 1630×1630 game peaked at 1.6 GB).
pub fn write_json(game: &Game) -> String {
    let shape = game.shape();
    let mut out = String::from("{\n");
    out.push_str(&format!(
        "  \"name\": {},\n",
        Value::String(game.name().to_string())
    ));
    out.push_str(&format!(
        "  \"players\": {},\n",
        Value::from(game.players().to_vec())
    ));
    out.push_str(&format!(
        "  \"actions\": {},\n",
        Value::from(game.action_names().to_vec())
    ));
    out.push_str("  \"payoffs\": ");
    if game.num_players() == 1 {
        out.push_str(&payoff_nest(game, &shape, &mut Vec::new()).to_string());
    } else {
        out.push_str("[\n");
        for a in 0..shape[0] {
            out.push_str("    ");
            out.push_str(&payoff_nest(game, &shape, &mut vec![a]).to_string());
            out.push_str(if a + 1 < shape[0] { ",\n" } else { "\n" });
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
