//! Runtime values of the bargaining-program language.

use std::rc::Rc;
use std::sync::Arc;

use spi_games::{Game, Profile, Rational};

use crate::program::Program;
use crate::region::Region;

/// A value. Lists and lotteries are reference-counted so passing them around costs no copying;
/// values never outlive one match, so `Rc` (not `Arc`) is enough for everything but programs.
#[derive(Clone, Debug)]
pub enum Value {
    /// `none`
    None,
    /// `true` / `false`
    Bool(bool),
    /// An exact number.
    Num(Rational),
    /// A string; action names are strings.
    Str(Arc<str>),
    /// A list; a profile is a list of action names indexed by player.
    List(Rc<Vec<Value>>),
    /// A program (compares by source text).
    Program(Arc<Program>),
    /// An independent mixed action: action names with exact probabilities summing to 1.
    Mix(Rc<Vec<(Arc<str>, Rational)>>),
    /// A correlated lottery over profiles; returning it means "play my part of the profile the public
    /// correlation device draws from it".
    Joint(Rc<Vec<(Profile, Rational)>>),
    /// A set of feasible payoff vectors (for CSR programs).
    Region(Rc<Region>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Program(a), Value::Program(b)) => a.source() == b.source(),
            (Value::Mix(a), Value::Mix(b)) => a == b,
            (Value::Joint(a), Value::Joint(b)) => a == b,
            (Value::Region(a), Value::Region(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    /// The type's name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "none",
            Value::Bool(_) => "bool",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Program(_) => "program",
            Value::Mix(_) => "mix",
            Value::Joint(_) => "joint lottery",
            Value::Region(_) => "region",
        }
    }

    /// A readable rendering; profiles and lotteries use the game's action names.
    pub fn render(&self, game: &Game) -> String {
        match self {
            Value::None => "none".into(),
            Value::Bool(b) => b.to_string(),
            Value::Num(q) => q.to_string(),
            Value::Str(s) => s.to_string(),
            Value::List(xs) => {
                let parts: Vec<String> = xs.iter().map(|x| x.render(game)).collect();
                format!("({})", parts.join(", "))
            }
            Value::Program(p) => format!("<program {}>", p.name()),
            Value::Mix(m) => {
                let parts: Vec<String> = m.iter().map(|(a, p)| format!("{p} {a}")).collect();
                parts.join(" + ")
            }
            Value::Joint(j) => render_lottery(game, j),
            Value::Region(r) => format!("<region of {} pieces>", r.pieces.len()),
        }
    }
}

/// `1/2 (Slot1, Slot1) + 1/2 (Slot3, Slot3)`, or just the profile when it is certain.
pub fn render_lottery(game: &Game, lot: &[(Profile, Rational)]) -> String {
    let one = Rational::from(1);
    let parts: Vec<String> = lot
        .iter()
        .map(|(p, w)| {
            let names: Vec<&str> = p
                .iter()
                .enumerate()
                .map(|(i, &a)| game.actions(i)[a].as_str())
                .collect();
            if *w == one {
                format!("({})", names.join(", "))
            } else {
                format!("{w} ({})", names.join(", "))
            }
        })
        .collect();
    parts.join(" + ")
}
