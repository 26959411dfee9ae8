//! Claim expressions (`suites/FORMAT.md`, "Claims"): boolean combinations of a model kind's
//! predicates, e.g. `improves(conditional, unconditional) and not demand_preserving`.
//!
//! Syntax only: this module knows nothing about models (evaluation is in [`crate::model`]).
//!
//! ```text
//! claim := or
//! or    := and ("or" and)*
//! and   := unary ("and" unary)*
//! unary := "not" unary | "(" or ")" | NAME [ "(" arg ("," arg)* ")" ]
//! arg   := "quoted string" | raw text with balanced parentheses, up to a top-level ',' or ')'
//! ```
//!
//! Arguments are raw text so that program names such as `reneg(demand60)` or player names with
//! spaces (`lab A`) need no quoting; a quoted argument may contain anything. Nesting is bounded by
//! [`MAX_DEPTH`] so hostile input cannot overflow the stack.

use std::fmt;

use spi_games::Rational;

/// Deepest nesting of parentheses and `not`s accepted.
pub const MAX_DEPTH: usize = 64;

/// A parsed claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A predicate with its arguments (none for `spi`, `demand_preserving`, ...).
    Pred {
        /// The predicate name.
        name: String,
        /// Its arguments, as written (trimmed; quotes removed).
        args: Vec<String>,
    },
    /// Negation.
    Not(Box<Claim>),
    /// Conjunction.
    And(Box<Claim>, Box<Claim>),
    /// Disjunction.
    Or(Box<Claim>, Box<Claim>),
}

/// Why a claim does not parse: the byte offset and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at offset {offset}: {message}")]
pub struct ClaimSyntaxError {
    /// Byte offset into the claim text.
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

/// Reads a number argument exactly (`3`, `-2`, `3/4`, `0.25`).
pub fn number(arg: &str) -> Option<Rational> {
    arg.parse().ok()
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl<'a> Parser<'a> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, ClaimSyntaxError> {
        Err(ClaimSyntaxError {
            offset: self.pos,
            message: message.into(),
        })
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.s[self.pos..].chars().next() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    /// The word at the cursor (without consuming it).
    fn word(&self) -> &'a str {
        let rest = &self.s[self.pos..];
        let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        &rest[..end]
    }

    fn keyword(&mut self, kw: &str) -> bool {
        self.skip_ws();
        if self.word() == kw {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), ClaimSyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!("nesting deeper than {MAX_DEPTH}"));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Claim, ClaimSyntaxError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            let right = self.and()?;
            left = Claim::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Claim, ClaimSyntaxError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            let right = self.unary()?;
            left = Claim::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Claim, ClaimSyntaxError> {
        self.skip_ws();
        if self.keyword("not") {
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Claim::Not(Box::new(inner)));
        }
        self.skip_ws();
        match self.peek() {
            Some('(') => {
                self.enter()?;
                self.pos += 1;
                let inner = self.or()?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return self.err("`)`");
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.word().to_string();
                if matches!(name.as_str(), "and" | "or" | "not") {
                    return self.err(format!("a predicate, found the keyword `{name}`"));
                }
                self.pos += name.len();
                let save = self.pos;
                self.skip_ws();
                if self.peek() != Some('(') {
                    self.pos = save;
                    return Ok(Claim::Pred {
                        name,
                        args: Vec::new(),
                    });
                }
                self.pos += 1;
                let mut args = Vec::new();
                loop {
                    args.push(self.arg()?);
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(')') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return self.err("`,` or `)` after an argument"),
                    }
                }
                Ok(Claim::Pred { name, args })
            }
            Some(c) => self.err(format!("a predicate, `not` or `(`, found `{c}`")),
            None => self.err("a predicate, `not` or `(`, found the end of the claim"),
        }
    }

    /// One argument; leaves the cursor on the `,` or `)` that ends it.
    fn arg(&mut self) -> Result<String, ClaimSyntaxError> {
        self.skip_ws();
        if self.peek() == Some('"') {
            self.pos += 1;
            let mut out = String::new();
            loop {
                match self.peek() {
                    None => return self.err("a closing `\"`"),
                    Some('"') => {
                        self.pos += 1;
                        break;
                    }
                    Some('\\') => {
                        self.pos += 1;
                        match self.peek() {
                            Some(c) => {
                                out.push(c);
                                self.pos += c.len_utf8();
                            }
                            None => return self.err("a character after `\\`"),
                        }
                    }
                    Some(c) => {
                        out.push(c);
                        self.pos += c.len_utf8();
                    }
                }
            }
            self.skip_ws();
            return Ok(out);
        }
        let start = self.pos;
        let mut open = 0usize;
        while let Some(c) = self.peek() {
            match c {
                '(' => {
                    open += 1;
                    if open > MAX_DEPTH {
                        return self.err(format!("nesting deeper than {MAX_DEPTH}"));
                    }
                }
                ')' if open == 0 => break,
                ')' => open -= 1,
                ',' if open == 0 => break,
                '"' => return self.err("a quote only around a whole argument"),
                _ => {}
            }
            self.pos += c.len_utf8();
        }
        let text = self.s[start..self.pos].trim();
        if text.is_empty() {
            return self.err("an argument");
        }
        Ok(text.to_string())
    }
}

impl Claim {
    /// Parses a claim.
    ///
    /// # Errors
    /// [`ClaimSyntaxError`] with the offset and what was expected.
    pub fn parse(text: &str) -> Result<Claim, ClaimSyntaxError> {
        let mut p = Parser {
            s: text,
            pos: 0,
            depth: 0,
        };
        let c = p.or()?;
        p.skip_ws();
        if p.pos < text.len() {
            return p.err(format!(
                "`and`, `or` or the end of the claim, found `{}`",
                &text[p.pos..]
            ));
        }
        Ok(c)
    }

    /// Every predicate occurrence, left to right.
    pub fn predicates(&self) -> Vec<(&str, &[String])> {
        let mut out = Vec::new();
        fn walk<'c>(c: &'c Claim, out: &mut Vec<(&'c str, &'c [String])>) {
            match c {
                Claim::Pred { name, args } => out.push((name, args)),
                Claim::Not(x) => walk(x, out),
                Claim::And(a, b) | Claim::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        walk(self, &mut out);
        out
    }
}

fn write_arg(f: &mut fmt::Formatter<'_>, a: &str) -> fmt::Result {
    let mut depth = 0i64;
    let mut balanced = true;
    for c in a.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    balanced = false;
                }
            }
            _ => {}
        }
    }
    let raw =
        balanced && depth == 0 && !a.is_empty() && a.trim() == a && !a.contains([',', '"', '\\']);
    if raw {
        f.write_str(a)
    } else {
        f.write_str("\"")?;
        for c in a.chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        f.write_str("\"")
    }
}

impl fmt::Display for Claim {
    /// The canonical text: binary operators fully parenthesised, so printing and re-parsing gives
    /// the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Claim::Pred { name, args } => {
                f.write_str(name)?;
                if !args.is_empty() {
                    f.write_str("(")?;
                    for (k, a) in args.iter().enumerate() {
                        if k > 0 {
                            f.write_str(", ")?;
                        }
                        write_arg(f, a)?;
                    }
                    f.write_str(")")?;
                }
                Ok(())
            }
            Claim::Not(x) => write!(f, "not {x}"),
            Claim::And(a, b) => write!(f, "({a} and {b})"),
            Claim::Or(a, b) => write!(f, "({a} or {b})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pred(name: &str, args: &[&str]) -> Claim {
        Claim::Pred {
            name: name.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn precedence_and_names_with_parentheses() {
        let c =
            Claim::parse("improves(reneg(demand60), demand60) and not demand_preserving or spi")
                .unwrap();
        assert_eq!(
            c,
            Claim::Or(
                Box::new(Claim::And(
                    Box::new(pred("improves", &["reneg(demand60)", "demand60"])),
                    Box::new(Claim::Not(Box::new(pred("demand_preserving", &[])))),
                )),
                Box::new(pred("spi", &[])),
            )
        );
    }

    #[test]
    fn spaces_in_names_and_quoted_arguments() {
        let c = Claim::parse("loses(lab A) and better_for(\"x, y\", p, q)").unwrap();
        assert_eq!(
            c.predicates(),
            vec![
                ("loses", &["lab A".to_string()][..]),
                (
                    "better_for",
                    &["x, y".to_string(), "p".into(), "q".into()][..]
                )
            ]
        );
    }

    #[test]
    fn errors_name_the_offset() {
        assert_eq!(Claim::parse("spi and").unwrap_err().offset, 7);
        assert!(Claim::parse("improves(a,)").is_err());
        assert!(Claim::parse("(spi").is_err());
        assert!(Claim::parse("spi spi").is_err());
        assert!(Claim::parse(&"not ".repeat(100)).is_err());
        assert!(Claim::parse(&format!("{}spi{}", "(".repeat(100), ")".repeat(100))).is_err());
    }
}
