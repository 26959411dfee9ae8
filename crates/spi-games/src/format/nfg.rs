//! Gambit's `.nfg` strategic-form format, both variants, read and written exactly.
//!
//! Header: `NFG 1 R "title" { "P1" "P2" }`, then either strategy counts `{ 2 3 }` or strategy names
//! `{ { "a" "b" } { "x" "y" "z" } }`, then an optional comment string. The body is either the
//! *payoff* variant (a flat list of payoffs, profiles ordered with player 1's strategy varying
//! fastest, each profile's payoffs in player order) or the *outcome* variant (a braced list of
//! outcomes `{ "name" u1, u2 }` followed by one outcome number per profile, 0 meaning all zeros).
//! Note the profile order is the opposite of our JSON nesting, where the last player varies fastest.

use super::FormatError;
use crate::game::Game;
use crate::number::Rational;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Str(String),
    Word(String),
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: usize,
    col: usize,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
    col: usize,
}

impl<'a> Lexer<'a> {
    fn tokens(text: &'a str) -> Result<Vec<Token>, FormatError> {
        let mut lx = Lexer {
            src: text.as_bytes(),
            pos: 0,
            line: 1,
            col: 1,
        };
        let mut out = Vec::new();
        while let Some(t) = lx.next_token()? {
            out.push(t);
        }
        Ok(out)
    }

    fn bump(&mut self) -> Option<u8> {
        let c = *self.src.get(self.pos)?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn next_token(&mut self) -> Result<Option<Token>, FormatError> {
        while let Some(&c) = self.src.get(self.pos) {
            if c.is_ascii_whitespace() || c == b',' {
                self.bump();
            } else {
                break;
            }
        }
        let (line, col) = (self.line, self.col);
        let Some(c) = self.bump() else {
            return Ok(None);
        };
        let tok = match c {
            b'{' => Tok::Open,
            b'}' => Tok::Close,
            b'"' => {
                let mut s = Vec::new();
                loop {
                    match self.bump() {
                        None => {
                            return Err(FormatError::Nfg {
                                line,
                                column: col,
                                message: "unterminated string".into(),
                            });
                        }
                        Some(b'\\') => match self.bump() {
                            Some(e) => s.push(e),
                            None => {
                                return Err(FormatError::Nfg {
                                    line,
                                    column: col,
                                    message: "unterminated string".into(),
                                });
                            }
                        },
                        Some(b'"') => break,
                        Some(ch) => s.push(ch),
                    }
                }
                Tok::Str(String::from_utf8_lossy(&s).into_owned())
            }
            _ => {
                let start = self.pos - 1;
                while let Some(&c) = self.src.get(self.pos) {
                    if c.is_ascii_whitespace() || matches!(c, b'{' | b'}' | b'"' | b',') {
                        break;
                    }
                    self.bump();
                }
                Tok::Word(String::from_utf8_lossy(&self.src[start..self.pos]).into_owned())
            }
        };
        Ok(Some(Token { tok, line, col }))
    }
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    end: (usize, usize),
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }

    fn err_here(&self, expected: &str) -> FormatError {
        match self.peek() {
            Some(t) => FormatError::Nfg {
                line: t.line,
                column: t.col,
                message: format!("expected {expected}, found {}", describe(&t.tok)),
            },
            None => FormatError::Nfg {
                line: self.end.0,
                column: self.end.1,
                message: format!("expected {expected}, found the end of the file (truncated?)"),
            },
        }
    }

    fn expect(&mut self, want: Tok, expected: &str) -> Result<(), FormatError> {
        match self.peek() {
            Some(t) if t.tok == want => {
                self.i += 1;
                Ok(())
            }
            _ => Err(self.err_here(expected)),
        }
    }

    fn string(&mut self, expected: &str) -> Result<String, FormatError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Str(s), ..
            }) => {
                let s = s.clone();
                self.i += 1;
                Ok(s)
            }
            _ => Err(self.err_here(expected)),
        }
    }

    fn word(&mut self, expected: &str) -> Result<(String, usize, usize), FormatError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Word(w),
                line,
                col,
            }) => {
                let r = (w.clone(), *line, *col);
                self.i += 1;
                Ok(r)
            }
            _ => Err(self.err_here(expected)),
        }
    }

    fn number(&mut self) -> Result<Rational, FormatError> {
        let (w, line, col) = self.word("a number")?;
        w.parse::<Rational>().map_err(|_| FormatError::Nfg {
            line,
            column: col,
            message: format!("expected a number, found {w:?}"),
        })
    }

    fn count(&mut self, what: &str) -> Result<usize, FormatError> {
        let (w, line, col) = self.word(what)?;
        w.parse::<usize>().map_err(|_| FormatError::Nfg {
            line,
            column: col,
            message: format!("expected {what}, found {w:?}"),
        })
    }

    fn at_close(&self) -> bool {
        matches!(
            self.peek(),
            Some(Token {
                tok: Tok::Close,
                ..
            })
        )
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Open => "'{'".into(),
        Tok::Close => "'}'".into(),
        Tok::Str(s) => format!("the string {s:?}"),
        Tok::Word(w) => format!("{w:?}"),
    }
}

/// Reads a game from `.nfg` text (payoff or outcome variant).
pub fn read_nfg(text: &str) -> Result<Game, FormatError> {
    let toks = Lexer::tokens(text)?;
    let end = {
        let line = text.lines().count().max(1);
        let col = text.lines().last().map(|l| l.len() + 1).unwrap_or(1);
        (line, col)
    };
    let mut p = Parser { toks, i: 0, end };
    let (magic, line, col) = p.word("the header \"NFG\"")?;
    if magic != "NFG" {
        return Err(FormatError::Nfg {
            line,
            column: col,
            message: format!("expected the header \"NFG\", found {magic:?}"),
        });
    }
    let (version, line, col) = p.word("the version 1")?;
    if version != "1" {
        return Err(FormatError::Nfg {
            line,
            column: col,
            message: format!("expected version 1, found {version:?}"),
        });
    }
    let (kind, line, col) = p.word("the number type R or D")?;
    if kind != "R" && kind != "D" {
        return Err(FormatError::Nfg {
            line,
            column: col,
            message: format!("expected R or D, found {kind:?}"),
        });
    }
    let title = p.string("the game's title (a quoted string)")?;
    p.expect(Tok::Open, "'{' opening the player list")?;
    let mut players = Vec::new();
    while !p.at_close() {
        players.push(p.string("a player name (a quoted string) or '}'")?);
    }
    p.expect(Tok::Close, "'}'")?;
    if players.is_empty() {
        return Err(p.err_here("at least one player"));
    }
    p.expect(Tok::Open, "'{' opening the strategy counts or names")?;
    let mut actions: Vec<Vec<String>> = Vec::new();
    if matches!(p.peek(), Some(Token { tok: Tok::Open, .. })) {
        for _ in 0..players.len() {
            p.expect(Tok::Open, "'{' opening a player's strategy names")?;
            let mut names = Vec::new();
            while !p.at_close() {
                names.push(p.string("a strategy name or '}'")?);
            }
            p.expect(Tok::Close, "'}'")?;
            actions.push(names);
        }
    } else {
        // Bound the table before naming anything: a hostile count must not allocate gigabytes.
        let mut cells = players.len();
        for _ in 0..players.len() {
            let (line, column) = p.peek().map_or(p.end, |t| (t.line, t.col));
            let k = p.count("a strategy count")?;
            cells = cells.saturating_mul(k.max(1));
            if cells > crate::game::MAX_TABLE_ENTRIES {
                return Err(FormatError::Nfg {
                    line,
                    column,
                    message: format!(
                        "strategy count {k} makes the game too large to tabulate (at most {} payoff entries)",
                        crate::game::MAX_TABLE_ENTRIES
                    ),
                });
            }
            actions.push((1..=k).map(|j| j.to_string()).collect());
        }
    }
    p.expect(Tok::Close, "'}' closing the strategies")?;
    for (i, names) in actions.iter().enumerate() {
        if names.is_empty() {
            return Err(FormatError::Nfg {
                line: 1,
                column: 1,
                message: format!("player {:?} has no strategy", players[i]),
            });
        }
    }
    // Optional comment.
    if matches!(
        p.peek(),
        Some(Token {
            tok: Tok::Str(_),
            ..
        })
    ) {
        p.i += 1;
    }
    let shape: Vec<usize> = actions.iter().map(Vec::len).collect();
    let n = players.len();
    let profiles: usize = shape
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .unwrap_or(usize::MAX);
    if profiles.saturating_mul(n) > crate::game::MAX_TABLE_ENTRIES {
        return Err(FormatError::Nfg {
            line: 1,
            column: 1,
            message: "the game is too large to tabulate".into(),
        });
    }
    // Gambit order: player 1 fastest. Collect per Gambit profile index, then re-index.
    let mut by_gambit: Vec<Vec<Rational>> = Vec::with_capacity(profiles);
    if matches!(p.peek(), Some(Token { tok: Tok::Open, .. })) {
        p.i += 1;
        let mut outcomes: Vec<Vec<Rational>> = Vec::new();
        while !p.at_close() {
            p.expect(Tok::Open, "'{' opening an outcome")?;
            p.string("the outcome's name (a quoted string)")?;
            let mut pay = Vec::with_capacity(n);
            for _ in 0..n {
                pay.push(p.number()?);
            }
            p.expect(
                Tok::Close,
                "'}' closing the outcome (one payoff per player)",
            )?;
            outcomes.push(pay);
        }
        p.expect(Tok::Close, "'}'")?;
        for _ in 0..profiles {
            let (w, line, col) = p.word("an outcome number")?;
            let k: usize = w.parse().map_err(|_| FormatError::Nfg {
                line,
                column: col,
                message: format!("expected an outcome number, found {w:?}"),
            })?;
            if k == 0 {
                by_gambit.push(vec![Rational::ZERO; n]);
            } else {
                let o = outcomes.get(k - 1).ok_or_else(|| FormatError::Nfg {
                    line,
                    column: col,
                    message: format!("outcome {k} does not exist (there are {})", outcomes.len()),
                })?;
                by_gambit.push(o.clone());
            }
        }
    } else {
        for _ in 0..profiles {
            let mut pay = Vec::with_capacity(n);
            for _ in 0..n {
                pay.push(p.number()?);
            }
            by_gambit.push(pay);
        }
    }
    if let Some(t) = p.peek() {
        return Err(FormatError::Nfg {
            line: t.line,
            column: t.col,
            message: format!("expected the end of the file, found {}", describe(&t.tok)),
        });
    }
    let game = Game::from_fn(title, players, actions, |profile| {
        by_gambit[gambit_index(profile, &shape)].clone()
    })
    .map_err(|e| FormatError::Game {
        path: "header".into(),
        cause: e,
    })?;
    Ok(game)
}

fn gambit_index(profile: &[usize], shape: &[usize]) -> usize {
    let mut idx = 0;
    let mut stride = 1;
    for (a, k) in profile.iter().zip(shape) {
        idx += a * stride;
        stride *= k;
    }
    idx
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The prologue both variants share: title, player names, strategy names (unterminated).
fn header(game: &Game) -> String {
    let mut out = format!("NFG 1 R {} {{ ", quote(game.name()));
    for p in game.players() {
        out.push_str(&quote(p));
        out.push(' ');
    }
    out.push_str("}\n{ ");
    for acts in game.action_names() {
        out.push_str("{ ");
        for a in acts {
            out.push_str(&quote(a));
            out.push(' ');
        }
        out.push_str("}\n");
    }
    out
}

/// Writes the payoff variant with strategy names.
pub fn write_nfg(game: &Game) -> String {
    let mut out = header(game);
    out.push_str("}\n\"\"\n\n");
    write_body(game, &mut out, |pay, out| {
        for x in pay {
            out.push_str(&x.to_string());
            out.push(' ');
        }
    });
    out
}

/// Writes the outcome variant: one outcome per distinct payoff vector.
pub fn write_nfg_outcomes(game: &Game) -> String {
    let mut out = header(game);
    out.push_str("}\n\"\"\n\n{\n");
    let mut outcomes: Vec<Vec<Rational>> = Vec::new();
    let mut refs = String::new();
    write_body(game, &mut refs, |pay, refs| {
        let k = match outcomes.iter().position(|o| o.as_slice() == pay) {
            Some(k) => k,
            None => {
                outcomes.push(pay.to_vec());
                outcomes.len() - 1
            }
        };
        refs.push_str(&format!("{} ", k + 1));
    });
    for (k, o) in outcomes.iter().enumerate() {
        let pays: Vec<String> = o.iter().map(|x| x.to_string()).collect();
        out.push_str(&format!("{{ \"o{}\" {} }}\n", k + 1, pays.join(", ")));
    }
    out.push_str("}\n");
    out.push_str(refs.trim_end());
    out.push('\n');
    out
}

fn write_body(game: &Game, out: &mut String, mut each: impl FnMut(&[Rational], &mut String)) {
    let shape = game.shape();
    let total = game.num_profiles();
    let mut profile = vec![0usize; shape.len()];
    for k in 0..total {
        each(game.payoffs(&profile), out);
        if (k + 1) % shape[0] == 0 {
            out.push('\n');
        }
        for (i, a) in profile.iter_mut().enumerate() {
            *a += 1;
            if *a < shape[i] {
                break;
            }
            *a = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gambit_payoff_variant_with_counts() {
        // Matching pennies in Gambit's own layout: player 1 varies fastest.
        let g =
            read_nfg("NFG 1 R \"mp\" { \"P1\" \"P2\" } { 2 2 }\n\n1 -1 -1 1 -1 1 1 -1\n").unwrap();
        assert_eq!(
            g.payoffs(&[0, 0]),
            &[Rational::from_int(1), Rational::from_int(-1)]
        );
        assert_eq!(
            g.payoffs(&[1, 0]),
            &[Rational::from_int(-1), Rational::from_int(1)]
        );
        assert_eq!(
            g.payoffs(&[0, 1]),
            &[Rational::from_int(-1), Rational::from_int(1)]
        );
        assert_eq!(g.actions(0), &["1".to_string(), "2".to_string()]);
    }

    #[test]
    fn reads_outcome_variant() {
        let text = "NFG 1 R \"x\" { \"A\" \"B\" }\n{ { \"u\" \"d\" } { \"l\" \"r\" } }\n\"c\"\n{\n{ \"\" 1, 2 }\n{ \"\" 3/2, -1 }\n}\n1 0 2 1\n";
        let g = read_nfg(text).unwrap();
        assert_eq!(
            g.payoffs(&[0, 0]),
            &[Rational::from_int(1), Rational::from_int(2)]
        );
        assert_eq!(g.payoffs(&[1, 0]), &[Rational::ZERO, Rational::ZERO]);
        assert_eq!(
            g.payoffs(&[0, 1]),
            &[Rational::new(3, 2).unwrap(), Rational::from_int(-1)]
        );
    }

    #[test]
    fn huge_strategy_counts_are_refused_before_allocating() {
        // Found by cargo fuzz (fuzz/artifacts-report/game_nfg-huge-strategy-count.md).
        let e = read_nfg("NFG 1 R \"x\" { \"1\" \"2\" } { 99999999999 2 }\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 1, column 27") && e.contains("too large"),
            "{e}"
        );
    }

    #[test]
    fn truncated_file_names_the_end() {
        let e = read_nfg("NFG 1 R \"mp\" { \"P1\" \"P2\" } { 2 2 }\n1 -1 -1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("truncated"), "{e}");
        let e = read_nfg("NFG 1 R \"mp\" { \"P1\" \"P2\" } { 2 2 }\n1 -1 x 1 -1 1 1 -1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2, column 6") && e.contains("\"x\""), "{e}");
    }
}
