//! The game document deserialized straight into a [`Game`]: every rule of the JSON game format's
//! reader, applied while the parser walks the text (or an already-parsed `Value`).
//!
//! Why not a `Value` tree first: a 31 MB game file peaked at 1.4 GB that way, because each of its
//! five million payoffs became a `Value` inside a `Vec<Value>` inside another before any was
//! converted. Here each payoff becomes a [`Rational`] when the parser reaches it and goes straight
//! into the flat table `Game` keeps, so the peak is the text plus the table. `&Value` is a serde
//! `Deserializer` too, so documents that embed a game (certificates) go through the same code and
//! there is one set of rules.
//!
//! Two kinds of error are kept apart. A syntax error, including an object that repeats a member, is
//! the deserializer's error and ends the read at once, as `parse_unique` did. A document that is
//! JSON but not a game gives a [`FormatError`] carried as a *value* while the parser goes on to the
//! end, so that a later syntax error still wins and the error reported is the one a reader of the
//! whole tree would report first: an unknown key, then the name, the players, the actions, the
//! payoffs (an array's length before its entries), then what [`Game::new`] refuses.
//!
//! JSON does not order an object's members: when `payoffs` comes before `players` or `actions`, the
//! table's shape is unknown while it is read, so the first pass only checks its syntax and a second
//! pass reads it with the shape the first found. That costs a second parse, not memory, and only for
//! files in that order (our writer puts `actions` first).

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};
use spi_json::{Skip, repeated_member};

use super::super::FormatError;
use crate::game::Game;
use crate::number::{ParseRationalError, Rational};

/// What a JSON value is, in as much detail as an error message shows of it.
pub(super) enum Glance {
    Null,
    Bool(bool),
    Number(Number),
    /// The whole string: a payoff may be a long decimal string.
    Str(String),
    /// A string from a `Value`, too long to be shown, so not copied.
    LongStr,
    /// An array and its length.
    Array(usize),
    Object,
}

impl Glance {
    pub(super) fn of(v: &Value) -> Glance {
        match v {
            Value::Null => Glance::Null,
            Value::Bool(b) => Glance::Bool(*b),
            Value::Number(n) => Glance::Number(n.clone()),
            Value::String(s) if s.len() <= SHOWN_STRING => Glance::Str(s.clone()),
            Value::String(_) => Glance::LongStr,
            Value::Array(a) => Glance::Array(a.len()),
            Value::Object(_) => Glance::Object,
        }
    }
}

/// The longest string an error message quotes.
const SHOWN_STRING: usize = 40;

impl fmt::Display for Glance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Glance::Null => f.write_str("null"),
            Glance::Bool(b) => write!(f, "the boolean {b}"),
            Glance::Number(n) => write!(f, "the number {n}"),
            Glance::Str(s) if s.len() <= SHOWN_STRING => write!(f, "the string {s:?}"),
            Glance::Str(_) | Glance::LongStr => f.write_str("a long string"),
            Glance::Array(len) => write!(f, "an array of {len} entries"),
            Glance::Object => f.write_str("an object"),
        }
    }
}

/// What the format wants where a payoff belongs.
pub(super) const A_NUMBER: &str = "a number (integer, \"0.25\" or \"3/8\")";

/// The text a payoff was written as: a JSON number or a string.
pub(super) enum NumberText<'a> {
    Json(&'a Number),
    Str(&'a str),
}

/// Reads one payoff exactly. A JSON integer that fits `i64` is taken as it is (the common case,
/// and parsing its decimal text would give the same number); any other JSON number is read from its
/// decimal text, so a float means the decimal it was written as.
pub(super) fn rational_from(text: NumberText<'_>) -> Result<Rational, ParseRationalError> {
    match text {
        NumberText::Json(n) => match n.as_i64() {
            Some(i) => Ok(Rational::from_int(i)),
            None => n.to_string().parse(),
        },
        NumberText::Str(s) => s.parse(),
    }
}

/// The error for a payoff whose text is not a number of the format.
pub(super) fn number_error(path: String, e: ParseRationalError) -> FormatError {
    FormatError::Invalid {
        path,
        expected: match e {
            ParseRationalError::Malformed { .. } => A_NUMBER,
            ParseRationalError::TooLarge { .. } => {
                "a number of at most 4096 digits with an exponent of at most 4096"
            }
        }
        .into(),
        found: e.found_shown(),
    }
}

pub(super) fn invalid(path: &str, expected: &str, found: &Glance) -> FormatError {
    FormatError::Invalid {
        path: path.to_string(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

fn missing(root: &str, key: &str) -> FormatError {
    FormatError::Invalid {
        path: format!("{root}.{key}"),
        expected: format!("a {key:?} field"),
        found: "nothing".into(),
    }
}

/// A reader of one JSON value that says what to do with an array, and with anything else by its
/// [`Glance`]. Objects are skipped by default (still refusing repeated members): only the document
/// itself is an object the format reads.
trait Shaped<'de>: Sized {
    type Out;

    /// Any value but an array (and an object, unless [`Shaped::object`] is overridden).
    fn other(self, found: Glance) -> Self::Out;

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Out, A::Error> {
        let mut len = 0;
        while seq.next_element_seed(Skip)?.is_some() {
            len += 1;
        }
        Ok(self.other(Glance::Array(len)))
    }

    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Self::Out, A::Error> {
        Skip.visit_map(map)?;
        Ok(self.other(Glance::Object))
    }
}

/// The serde seed and visitor of a [`Shaped`] reader.
struct Node<S>(S);

impl<'de, S: Shaped<'de>> DeserializeSeed<'de> for Node<S> {
    type Value = S::Out;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<S::Out, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: Shaped<'de>> Visitor<'de> for Node<S> {
    type Value = S::Out;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<S::Out, E> {
        Ok(self.0.other(Glance::Bool(b)))
    }
    fn visit_i64<E>(self, n: i64) -> Result<S::Out, E> {
        Ok(self.0.other(Glance::Number(n.into())))
    }
    fn visit_u64<E>(self, n: u64) -> Result<S::Out, E> {
        Ok(self.0.other(Glance::Number(n.into())))
    }
    fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<S::Out, E> {
        // As `parse_unique`, so that both readers refuse the same documents.
        let n = Number::from_f64(x).ok_or_else(|| E::custom("a number out of range"))?;
        Ok(self.0.other(Glance::Number(n)))
    }
    fn visit_str<E>(self, s: &str) -> Result<S::Out, E> {
        Ok(self.0.other(Glance::Str(s.to_string())))
    }
    fn visit_string<E>(self, s: String) -> Result<S::Out, E> {
        Ok(self.0.other(Glance::Str(s)))
    }
    fn visit_unit<E>(self) -> Result<S::Out, E> {
        Ok(self.0.other(Glance::Null))
    }
    fn visit_none<E>(self) -> Result<S::Out, E> {
        Ok(self.0.other(Glance::Null))
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<S::Out, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<S::Out, A::Error> {
        self.0.array(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<S::Out, A::Error> {
        self.0.object(map)
    }
}

/// Any value, kept as its glance (the name, one entry of a name list).
struct Glimpse;

impl Shaped<'_> for Glimpse {
    type Out = Glance;
    fn other(self, found: Glance) -> Glance {
        found
    }
}

/// A JSON array of names (the players, or one player's actions), kept up to its first entry that
/// is not a new name: that entry is the error, and the rest is only counted.
struct NameList {
    names: Vec<String>,
    len: usize,
    flaw: Option<(usize, NameFlaw)>,
}

enum NameFlaw {
    NotAString(Glance),
    Repeated(String),
}

impl NameList {
    /// The list's first flaw as the error at `path[i]`; `distinct` says what a repeat breaks.
    fn check(&self, path: &str, distinct: &str) -> Result<(), FormatError> {
        match &self.flaw {
            None => Ok(()),
            Some((i, NameFlaw::NotAString(found))) => {
                Err(invalid(&format!("{path}[{i}]"), "a string", found))
            }
            Some((i, NameFlaw::Repeated(s))) => Err(FormatError::Invalid {
                path: format!("{path}[{i}]"),
                expected: distinct.into(),
                found: format!("{s:?} a second time"),
            }),
        }
    }
}

/// A name list, or the glance of what stood in its place.
type Listed = Result<NameList, Glance>;

struct Names;

impl<'de> Shaped<'de> for Names {
    type Out = Listed;

    fn other(self, found: Glance) -> Listed {
        Err(found)
    }

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Listed, A::Error> {
        let mut list = NameList {
            names: Vec::new(),
            len: 0,
            flaw: None,
        };
        // A set, not a scan of `names`: a hostile list of a million names must not cost 10^12
        // comparisons.
        let mut seen = HashSet::new();
        while let Some(entry) = seq.next_element_seed(Node(Glimpse))? {
            if list.flaw.is_none() {
                match entry {
                    Glance::Str(s) if seen.contains(&s) => {
                        list.flaw = Some((list.len, NameFlaw::Repeated(s)));
                    }
                    Glance::Str(s) => {
                        seen.insert(s.clone());
                        list.names.push(s);
                    }
                    other => list.flaw = Some((list.len, NameFlaw::NotAString(other))),
                }
            }
            list.len += 1;
        }
        Ok(Ok(list))
    }
}

/// The `actions` array: one name list per player.
struct ActionLists;

impl<'de> Shaped<'de> for ActionLists {
    type Out = Result<Vec<Listed>, Glance>;

    fn other(self, found: Glance) -> Self::Out {
        Err(found)
    }

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Out, A::Error> {
        let mut lists = Vec::new();
        while let Some(list) = seq.next_element_seed(Node(Names))? {
            lists.push(list);
        }
        Ok(Ok(lists))
    }
}

/// The number of players and of each player's actions: what reading the payoff table needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TableShape {
    players: usize,
    actions: Vec<usize>,
}

/// Checks `players` and `actions` in the order a reader of the tree meets their errors.
fn check_header(
    root: &str,
    players: Option<&Listed>,
    actions: Option<&Result<Vec<Listed>, Glance>>,
) -> Result<TableShape, FormatError> {
    let path = format!("{root}.players");
    let players = match players {
        None => return Err(missing(root, "players")),
        Some(Err(found)) => return Err(invalid(&path, "an array of player names", found)),
        Some(Ok(list)) => list,
    };
    if players.len == 0 {
        return Err(invalid(&path, "at least one player", &Glance::Array(0)));
    }
    players.check(&path, "distinct player names")?;
    let names = &players.names;
    let n = names.len();
    let path = format!("{root}.actions");
    let lists = match actions {
        None => return Err(missing(root, "actions")),
        Some(Err(found)) => return Err(invalid(&path, "an array of action-name arrays", found)),
        Some(Ok(lists)) => lists,
    };
    if lists.len() != n {
        return Err(FormatError::Invalid {
            path,
            expected: format!("one action list per player ({n})"),
            found: format!("{} lists", lists.len()),
        });
    }
    let mut shape = Vec::with_capacity(n);
    for (i, (list, player)) in lists.iter().zip(names).enumerate() {
        let path = format!("{path}[{i}]");
        let list = match list {
            Err(found) => return Err(invalid(&path, "an array of action names", found)),
            Ok(list) => list,
        };
        if list.len == 0 {
            return Err(FormatError::Invalid {
                path,
                expected: format!("at least one action for player {player:?}"),
                found: "an empty action set".into(),
            });
        }
        list.check(
            &path,
            &format!("distinct action names for player {player:?}"),
        )?;
        shape.push(list.len);
    }
    Ok(TableShape {
        players: n,
        actions: shape,
    })
}

/// The payoff table being read: the flat, profile-major vector [`Game::new`] takes, and the index
/// path of the array being read, from which an error's JSON path is written (only on error: a
/// string per payoff would cost more than the payoff).
struct Table<'s> {
    prefix: String,
    shape: &'s TableShape,
    at: Vec<usize>,
    out: Vec<Rational>,
}

impl Table<'_> {
    fn path(&self) -> String {
        let mut p = self.prefix.clone();
        for i in &self.at {
            p.push_str(&format!("[{i}]"));
        }
        p
    }
}

/// One level of the payoff nesting: `depth` players' actions are chosen, so the value is the array
/// over the next player's actions, or the payoff vector when every player has chosen.
struct Level<'t, 's> {
    table: &'t mut Table<'s>,
    depth: usize,
}

impl<'de> Shaped<'de> for Level<'_, '_> {
    type Out = Result<(), FormatError>;

    fn other(self, found: Glance) -> Self::Out {
        let shape = self.table.shape;
        let expected = match shape.actions.get(self.depth) {
            None => format!("a payoff vector of {} numbers", shape.players),
            Some(len) => format!("an array of {len} entries"),
        };
        Err(invalid(&self.table.path(), &expected, &found))
    }

    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Out, A::Error> {
        let table = self.table;
        let shape = table.shape;
        let vector = self.depth == shape.actions.len();
        let want = shape
            .actions
            .get(self.depth)
            .copied()
            .unwrap_or(shape.players);
        let mut first_error = None;
        let mut len = 0;
        while len < want {
            table.at.push(len);
            let entry = if vector {
                seq.next_element_seed(Node(Payoff { table: &*table }))?
                    .map(|r| r.map(|q| table.out.push(q)))
            } else {
                seq.next_element_seed(Node(Level {
                    table: &mut *table,
                    depth: self.depth + 1,
                }))?
            };
            table.at.pop();
            match entry {
                None => break,
                Some(Ok(())) => {}
                Some(Err(e)) => {
                    first_error.get_or_insert(e);
                }
            }
            len += 1;
        }
        // Entries beyond the table are counted for the message, not kept.
        while seq.next_element_seed(Skip)?.is_some() {
            len += 1;
        }
        if len != want {
            return Ok(Err(FormatError::Invalid {
                path: table.path(),
                expected: if vector {
                    format!("{want} payoffs (one per player)")
                } else {
                    format!("{want} entries (one per action)")
                },
                found: format!("{len} entries"),
            }));
        }
        Ok(first_error.map_or(Ok(()), Err))
    }
}

/// One payoff.
struct Payoff<'t, 's> {
    table: &'t Table<'s>,
}

impl Shaped<'_> for Payoff<'_, '_> {
    type Out = Result<Rational, FormatError>;

    fn other(self, found: Glance) -> Self::Out {
        let text = match &found {
            Glance::Number(n) => NumberText::Json(n),
            Glance::Str(s) => NumberText::Str(s),
            _ => return Err(invalid(&self.table.path(), A_NUMBER, &found)),
        };
        rational_from(text).map_err(|e| number_error(self.table.path(), e))
    }
}

/// The document's members as read, before the rules that relate them are applied.
#[derive(Default)]
struct Document {
    /// The first member that is not one of the format's.
    unknown: Option<String>,
    name: Option<Glance>,
    players: Option<Listed>,
    actions: Option<Result<Vec<Listed>, Glance>>,
    payoffs: Payoffs,
}

#[derive(Default)]
enum Payoffs {
    #[default]
    Missing,
    /// Present, but its shape was not known when the parser passed it.
    Unread,
    Read(Result<Vec<Rational>, FormatError>),
}

/// The game document at `root`; `known` is the table's shape from a first pass, if there was one.
struct DocumentSeed<'a> {
    root: &'a str,
    known: Option<&'a TableShape>,
    /// The most payoffs to reserve room for at once: the table's size is read from `actions`,
    /// which a hostile file can make claim far more than the file holds.
    reserve_at_most: usize,
}

impl<'de> Shaped<'de> for DocumentSeed<'_> {
    type Out = Result<Document, Glance>;

    fn other(self, found: Glance) -> Self::Out {
        Err(found)
    }

    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
        let mut doc = Document::default();
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(repeated_member(&key));
            }
            match key.as_str() {
                "name" => doc.name = Some(map.next_value_seed(Node(Glimpse))?),
                "players" => doc.players = Some(map.next_value_seed(Node(Names))?),
                "actions" => doc.actions = Some(map.next_value_seed(Node(ActionLists))?),
                "payoffs" => {
                    let found_here;
                    let shape = match self.known {
                        Some(shape) => Some(shape),
                        None if doc.players.is_some() && doc.actions.is_some() => {
                            found_here =
                                check_header(self.root, doc.players.as_ref(), doc.actions.as_ref())
                                    .ok();
                            found_here.as_ref()
                        }
                        None => None,
                    };
                    doc.payoffs = match shape {
                        Some(shape) => Payoffs::Read(map.next_value_seed(TableSeed {
                            root: self.root,
                            shape,
                            reserve_at_most: self.reserve_at_most,
                        })?),
                        None => {
                            map.next_value_seed(Skip)?;
                            Payoffs::Unread
                        }
                    };
                }
                "schema" | "description" => map.next_value_seed(Skip)?,
                _ => {
                    map.next_value_seed(Skip)?;
                    doc.unknown.get_or_insert(key);
                }
            }
        }
        Ok(Ok(doc))
    }
}

/// The whole payoff table, given its shape.
struct TableSeed<'a> {
    root: &'a str,
    shape: &'a TableShape,
    reserve_at_most: usize,
}

impl<'de> DeserializeSeed<'de> for TableSeed<'_> {
    type Value = Result<Vec<Rational>, FormatError>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let entries = self
            .shape
            .actions
            .iter()
            .try_fold(self.shape.players, |acc, &k| acc.checked_mul(k))
            .unwrap_or(usize::MAX);
        let mut table = Table {
            prefix: format!("{}.payoffs", self.root),
            shape: self.shape,
            at: Vec::new(),
            out: Vec::with_capacity(entries.min(self.reserve_at_most)),
        };
        let read = Node(Level {
            table: &mut table,
            depth: 0,
        })
        .deserialize(d)?;
        Ok(read.map(|()| table.out))
    }
}

/// What applying the rules to one pass's [`Document`] gives.
enum Outcome {
    Done(Result<Game, FormatError>),
    /// Everything before the payoffs is right, but they came before the shape: read again.
    ReadAgain(TableShape),
}

fn assemble(root: &str, doc: Result<Document, Glance>) -> Outcome {
    match assemble_document(root, doc) {
        Ok(Ok(game)) => Outcome::Done(Ok(game)),
        Ok(Err(shape)) => Outcome::ReadAgain(shape),
        Err(e) => Outcome::Done(Err(e)),
    }
}

fn assemble_document(
    root: &str,
    doc: Result<Document, Glance>,
) -> Result<Result<Game, TableShape>, FormatError> {
    let doc =
        doc.map_err(|found| invalid(root, "an object with players, actions and payoffs", &found))?;
    if let Some(key) = doc.unknown {
        return Err(FormatError::Invalid {
            path: format!("{root}.{key}"),
            expected: "only the keys name, players, actions, payoffs (and description)".into(),
            found: "an unknown key".into(),
        });
    }
    let name = match doc.name {
        None => String::new(),
        Some(Glance::Str(s)) => s,
        Some(found) => return Err(invalid(&format!("{root}.name"), "a string", &found)),
    };
    let shape = check_header(root, doc.players.as_ref(), doc.actions.as_ref())?;
    let payoffs = match doc.payoffs {
        Payoffs::Missing => return Err(missing(root, "payoffs")),
        Payoffs::Unread => return Ok(Err(shape)),
        Payoffs::Read(table) => table?,
    };
    // `check_header` passed, so both are name lists without a flaw.
    let players = doc.players.and_then(Result::ok).map(|l| l.names);
    let actions = doc.actions.and_then(Result::ok).map(|lists| {
        lists
            .into_iter()
            .map(|l| l.map(|l| l.names).unwrap_or_default())
            .collect()
    });
    Game::new(
        name,
        players.unwrap_or_default(),
        actions.unwrap_or_default(),
        payoffs,
    )
    .map(Ok)
    .map_err(|cause| FormatError::Game {
        path: root.to_string(),
        cause,
    })
}

/// Reads a game with `pass`, which deserializes the document once with the seed it is given;
/// called a second time only when the payoffs came before the players or actions. The outer error
/// is the deserializer's (syntax), the inner one the format's.
fn read_in_passes<E>(
    root: &str,
    reserve_at_most: usize,
    mut pass: impl FnMut(DocumentSeed<'_>) -> Result<Result<Document, Glance>, E>,
) -> Result<Result<Game, FormatError>, E> {
    let seed = |known| DocumentSeed {
        root,
        known,
        reserve_at_most,
    };
    match assemble(root, pass(seed(None))?) {
        Outcome::Done(game) => Ok(game),
        Outcome::ReadAgain(shape) => match assemble(root, pass(seed(Some(&shape)))?) {
            Outcome::Done(game) => Ok(game),
            // With the shape given, a pass reads the payoffs wherever they are; this is the
            // answer if it somehow did not.
            Outcome::ReadAgain(_) => Ok(Err(missing(root, "payoffs"))),
        },
    }
}

/// Reads a game from JSON text, refusing repeated members as `parse_unique` does.
pub(super) fn read_text(text: &str) -> Result<Result<Game, FormatError>, serde_json::Error> {
    // Every payoff takes at least two bytes of text ("1,"), so an honest file never needs more
    // room than this, and a hostile `actions` cannot make the reader reserve more.
    let reserve_at_most = text.len() / 2 + 1;
    read_in_passes("$", reserve_at_most, |seed| {
        let mut de = serde_json::Deserializer::from_str(text);
        let doc = Node(seed).deserialize(&mut de)?;
        de.end()?;
        Ok(doc)
    })
}

/// Reads a game from an already-parsed value, whose JSON path is `root`.
pub(super) fn read_value(value: &Value, root: &str) -> Result<Game, FormatError> {
    // A `Value` holds no repeated member and no float out of range, so deserializing it cannot
    // fail; if it did, the message says where.
    read_in_passes(root, 0, |seed| Node(seed).deserialize(value)).unwrap_or_else(|e| {
        Err(FormatError::Invalid {
            path: root.to_string(),
            expected: "a JSON value".into(),
            found: e.to_string(),
        })
    })
}
