//! The JSON game reader streams the document into the game; these tests hold it to the tree reader
//! it replaced, on generated games and on documents mutated to break every rule.
//!
//! `reference` below is that tree reader as it stood before streaming (commit fc8f992), frozen:
//! it is the oracle, so that a change to the shared rules cannot move both sides at once. Each
//! document is read three ways: `read_json` (streaming from text), `game_from_value` on
//! `parse_unique`'s tree (the same rules walking a `Value`), and the reference on that tree; all
//! three must give the same game or the same error, position and message included.

use proptest::prelude::*;
use spi_games::format::json::{game_from_value, parse_unique};
use spi_games::format::{FormatError, read_json};
use spi_games::{Game, Rational};

/// The tree reader of commit fc8f992, unchanged but for `pub` and `use`s.
#[allow(clippy::all)]
mod reference {
    use serde_json::{Map, Value};
    use spi_games::Game;
    use spi_games::format::FormatError;
    use spi_games::number::{ParseRationalError, Rational};

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
                    expected: "only the keys name, players, actions, payoffs (and description)"
                        .into(),
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

    pub fn read_payoffs(
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

    pub fn field<'a>(
        obj: &'a Map<String, Value>,
        root: &str,
        key: &str,
    ) -> Result<&'a Value, FormatError> {
        obj.get(key).ok_or_else(|| FormatError::Invalid {
            path: format!("{root}.{key}"),
            expected: format!("a {key:?} field"),
            found: "nothing".into(),
        })
    }

    pub fn invalid(path: &str, expected: &str, found: &Value) -> FormatError {
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
}

/// A syntax error as `read_json` reports it.
fn syntax(e: serde_json::Error) -> FormatError {
    let message = e.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    FormatError::Syntax {
        line: e.line(),
        column: e.column(),
        message,
    }
}

/// Reads `text` the three ways and checks they agree; returns the answer.
fn read_three_ways(text: &str) -> Result<Result<Game, FormatError>, TestCaseError> {
    let streamed = read_json(text);
    let (tree, oracle) = match parse_unique(text) {
        Err(e) => (Err(syntax(e)), Err(syntax(e_again(text)))),
        Ok(v) => (game_from_value(&v), reference::game_from_value_at(&v, "$")),
    };
    prop_assert_eq!(&streamed, &oracle, "streaming vs. reference on {}", text);
    prop_assert_eq!(&tree, &oracle, "tree vs. reference on {}", text);
    Ok(streamed)
}

/// `serde_json::Error` is not `Clone`: parse again for the second copy.
fn e_again(text: &str) -> serde_json::Error {
    match parse_unique(text) {
        Err(e) => e,
        Ok(_) => serde_json::Error::io(std::io::Error::other("parsed the second time")),
    }
}

/// A JSON document that may break JSON's own rules: objects keep repeated members and their order.
#[derive(Debug, Clone)]
enum Doc {
    /// JSON text of a scalar, as written.
    Raw(String),
    Arr(Vec<Doc>),
    Obj(Vec<(String, Doc)>),
}

impl Doc {
    fn text(&self, out: &mut String) {
        match self {
            Doc::Raw(s) => out.push_str(s),
            Doc::Arr(items) => {
                out.push('[');
                for (i, d) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    d.text(out);
                }
                out.push(']');
            }
            Doc::Obj(members) => {
                out.push('{');
                for (i, (k, d)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push(':');
                    d.text(out);
                }
                out.push('}');
            }
        }
    }

    fn count(&self) -> usize {
        1 + match self {
            Doc::Raw(_) => 0,
            Doc::Arr(items) => items.iter().map(Doc::count).sum(),
            Doc::Obj(members) => members.iter().map(|(_, d)| d.count()).sum(),
        }
    }

    /// The node `k`-th in pre-order.
    fn nth(&mut self, k: usize) -> Option<&mut Doc> {
        if k == 0 {
            return Some(self);
        }
        let mut k = k - 1;
        let children: Vec<&mut Doc> = match self {
            Doc::Raw(_) => return None,
            Doc::Arr(items) => items.iter_mut().collect(),
            Doc::Obj(members) => members.iter_mut().map(|(_, d)| d).collect(),
        };
        for c in children {
            let n = c.count();
            if k < n {
                return c.nth(k);
            }
            k -= n;
        }
        None
    }
}

/// Payoffs as a game file may write them; the last few are not numbers of the format.
const LEAVES: &[&str] = &[
    "0",
    "-3",
    "7",
    "\"3/8\"",
    "\"-0.25\"",
    "\"1e3\"",
    "1.5",
    "-2e-3",
    "18446744073709551615",
    "123456789012345678901234567890",
    "\" 4 \"",
    "\"1/0\"",
    "\"x\"",
    "null",
    "true",
    "{}",
    "[]",
];

/// Scalars and small values a mutation puts in place of a node.
const REPLACEMENTS: &[&str] = &[
    "null",
    "false",
    "2",
    "\"A\"",
    "\"a long string that goes on for more than forty bytes\"",
    "[]",
    "[[1,2]]",
    "{\"k\":1}",
    "\"99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999\"",
];

/// How a document is broken.
#[derive(Debug, Clone)]
enum Mutation {
    /// The node becomes one of [`REPLACEMENTS`].
    Replace(usize, usize),
    /// An array or object loses its entry or member.
    Drop(usize, usize),
    /// An array's entry or an object's member appears twice (a ragged array, a repeated key).
    Repeat(usize, usize),
    /// An object's members turn by some places (keys out of order).
    Rotate(usize, usize),
    /// An object gains a member with a new key.
    AddKey(usize, usize),
    /// The node is wrapped in an object that repeats a member, at any depth.
    RepeatInside(usize),
}

impl Mutation {
    fn apply(&self, doc: &mut Doc) {
        let n = doc.count();
        let (at, x) = match *self {
            Mutation::Replace(a, x)
            | Mutation::Drop(a, x)
            | Mutation::Repeat(a, x)
            | Mutation::Rotate(a, x)
            | Mutation::AddKey(a, x) => (a % n, x),
            Mutation::RepeatInside(a) => (a % n, 0),
        };
        let Some(node) = doc.nth(at) else { return };
        match (self, node) {
            (Mutation::Replace(..), node) => {
                *node = Doc::Raw(REPLACEMENTS[x % REPLACEMENTS.len()].to_string())
            }
            (Mutation::Drop(..), Doc::Arr(items)) if !items.is_empty() => {
                items.remove(x % items.len());
            }
            (Mutation::Drop(..), Doc::Obj(members)) if !members.is_empty() => {
                members.remove(x % members.len());
            }
            (Mutation::Repeat(..), Doc::Arr(items)) if !items.is_empty() => {
                let i = x % items.len();
                items.insert(i, items[i].clone());
            }
            (Mutation::Repeat(..), Doc::Obj(members)) if !members.is_empty() => {
                let i = x % members.len();
                members.push(members[i].clone());
            }
            (Mutation::Rotate(..), Doc::Obj(members)) if !members.is_empty() => {
                let k = x % members.len();
                members.rotate_left(k);
            }
            (Mutation::AddKey(..), Doc::Obj(members)) => {
                let key = ["extra", "Name", "schema", "description"][x % 4];
                members.insert(
                    x % (members.len() + 1),
                    (key.to_string(), Doc::Raw("1".into())),
                );
            }
            (Mutation::RepeatInside(..), node) => {
                let inner = std::mem::replace(node, Doc::Raw("null".into()));
                *node = Doc::Obj(vec![
                    ("k".into(), inner),
                    ("k".into(), Doc::Raw("0".into())),
                ]);
            }
            _ => {}
        }
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    let x = any::<usize>();
    prop_oneof![
        (at, x).prop_map(|(a, x)| Mutation::Replace(a, x)),
        (at, x).prop_map(|(a, x)| Mutation::Drop(a, x)),
        (at, x).prop_map(|(a, x)| Mutation::Repeat(a, x)),
        (at, x).prop_map(|(a, x)| Mutation::Rotate(a, x)),
        (at, x).prop_map(|(a, x)| Mutation::AddKey(a, x)),
        at.prop_map(Mutation::RepeatInside),
    ]
}

/// A game document: 1 to 3 players with 1 to 3 actions each; `bad` out of 10 payoffs are drawn
/// from every leaf kind, the rest from the numbers only.
fn document(bad_in_ten: u32) -> impl Strategy<Value = Doc> {
    (1..=3usize)
        .prop_flat_map(|n| proptest::collection::vec(1..=3usize, n))
        .prop_flat_map(move |shape| {
            let cells = shape.iter().product::<usize>() * shape.len();
            let leaf =
                (0..10u32, 0..LEAVES.len(), 0..10usize).prop_map(move |(roll, any, good)| {
                    if roll < bad_in_ten { any } else { good }
                });
            (
                Just(shape),
                proptest::collection::vec(leaf, cells),
                0..4usize,
            )
        })
        .prop_map(|(shape, leaves, rotate)| {
            let n = shape.len();
            let mut leaves = leaves.into_iter().map(|i| Doc::Raw(LEAVES[i].to_string()));
            fn nest(shape: &[usize], n: usize, leaves: &mut dyn Iterator<Item = Doc>) -> Doc {
                match shape.split_first() {
                    None => Doc::Arr(leaves.take(n).collect()),
                    Some((&k, rest)) => Doc::Arr((0..k).map(|_| nest(rest, n, leaves)).collect()),
                }
            }
            let payoffs = nest(&shape, n, &mut leaves);
            let players = Doc::Arr((0..n).map(|i| Doc::Raw(format!("\"P{i}\""))).collect());
            let actions = Doc::Arr(
                shape
                    .iter()
                    .map(|&k| Doc::Arr((0..k).map(|j| Doc::Raw(format!("\"a{j}\""))).collect()))
                    .collect(),
            );
            let mut members = vec![
                ("name".to_string(), Doc::Raw("\"g\"".into())),
                ("players".to_string(), players),
                ("actions".to_string(), actions),
                ("payoffs".to_string(), payoffs),
            ];
            members.rotate_left(rotate);
            Doc::Obj(members)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Games of the format, in every order of their members, read the same three ways; with only
    /// numbers as payoffs they are games.
    #[test]
    fn streaming_agrees_on_games(doc in document(0)) {
        let mut text = String::new();
        doc.text(&mut text);
        let read = read_three_ways(&text)?;
        prop_assert!(read.is_ok(), "{:?} on {}", read, text);
    }

    /// Broken documents give the same error the three ways: path, expectation and finding, or a
    /// syntax error at the same line and column.
    #[test]
    fn streaming_agrees_on_mutated_documents(doc in document(2),
                                             mutations in proptest::collection::vec(mutation(), 1..4),
                                             cut in proptest::option::weighted(0.1, any::<usize>())) {
        let mut doc = doc;
        for m in &mutations {
            m.apply(&mut doc);
        }
        let mut text = String::new();
        doc.text(&mut text);
        if let Some(cut) = cut {
            // A truncated file: a syntax error wherever it is cut.
            let mut at = cut % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.truncate(at);
        }
        let _ = read_three_ways(&text)?;
    }
}

/// A 1200×1200 game (2.9 million payoffs) read from text, in the writer's order and with the
/// payoffs first (the second-pass path), gives the game that was written.
#[test]
fn a_large_game_reads_in_either_member_order() {
    const K: usize = 1200;
    let payoff = |i: usize, j: usize, p: usize| ((i * 7 + j * 3 + p * 5) % 23) as i64 - 11;
    let names = |prefix: &str| -> Vec<String> { (0..K).map(|i| format!("{prefix}{i}")).collect() };
    let game = Game::from_fn(
        "large",
        vec!["A".into(), "B".into()],
        vec![names("r"), names("c")],
        |p| {
            vec![
                Rational::from_int(payoff(p[0], p[1], 0)),
                Rational::from_int(payoff(p[0], p[1], 1)),
            ]
        },
    )
    .unwrap();
    let mut payoffs = String::from("[");
    for i in 0..K {
        payoffs.push_str(if i == 0 { "[" } else { ",\n[" });
        for j in 0..K {
            if j > 0 {
                payoffs.push(',');
            }
            payoffs.push_str(&format!("[{},{}]", payoff(i, j, 0), payoff(i, j, 1)));
        }
        payoffs.push(']');
    }
    payoffs.push(']');
    let header = format!(
        "\"name\":\"large\",\"players\":[\"A\",\"B\"],\"actions\":[{},{}]",
        serde_json::to_string(&names("r")).unwrap(),
        serde_json::to_string(&names("c")).unwrap()
    );
    let in_order = format!("{{{header},\"payoffs\":{payoffs}}}");
    assert_eq!(read_json(&in_order).unwrap(), game);
    let payoffs_first = format!("{{\"payoffs\":{payoffs},{header}}}");
    assert_eq!(read_json(&payoffs_first).unwrap(), game);
}
