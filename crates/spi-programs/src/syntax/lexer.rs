//! Tokens: names, exact numbers, strings, punctuation; `//` comments run to the end of the line.

use spi_games::Rational;

use super::Span;
use crate::error::ProgramError;

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A name or keyword.
    Ident(String),
    /// An exact number literal.
    Num(Rational),
    /// A string literal, escapes resolved.
    Str(String),
    /// Punctuation and operators, as written (`==`, `{`, …).
    Punct(&'static str),
    /// End of input.
    Eof,
}

/// A token with where it starts and its byte range.
#[derive(Debug, Clone)]
pub struct Token {
    /// The kind.
    pub tok: Tok,
    /// Line and column of its first character.
    pub span: Span,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset just past it.
    pub end: usize,
}

const PUNCT2: [&str; 4] = ["==", "!=", "<=", ">="];
const PUNCT1: [&str; 17] = [
    "(", ")", "{", "}", "[", "]", ",", ";", ".", "=", "<", ">", "+", "-", "*", "/", ":",
];

/// Splits source text into tokens.
pub fn lex(src: &str) -> Result<Vec<Token>, ProgramError> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    // Advances over one character, keeping line and column right.
    let step = |i: &mut usize, line: &mut u32, col: &mut u32| {
        let c = src[*i..].chars().next().unwrap_or(' ');
        *i += c.len_utf8();
        if c == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
    };
    while i < bytes.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        let span = Span { line, col };
        let start = i;
        if c.is_whitespace() {
            step(&mut i, &mut line, &mut col);
            continue;
        }
        if src[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                step(&mut i, &mut line, &mut col);
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                step(&mut i, &mut line, &mut col);
            }
            out.push(Token {
                tok: Tok::Ident(src[start..i].to_string()),
                span,
                start,
                end: i,
            });
            continue;
        }
        if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                step(&mut i, &mut line, &mut col);
            }
            // A decimal point only when a digit follows, so `xs.len` style fields never eat it.
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                step(&mut i, &mut line, &mut col);
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    step(&mut i, &mut line, &mut col);
                }
            }
            let text = &src[start..i];
            if text.len() > 40 {
                return Err(ProgramError::Syntax {
                    span,
                    message: "number literal longer than 40 digits".into(),
                });
            }
            let q: Rational = text.parse().map_err(|_| ProgramError::Syntax {
                span,
                message: format!("bad number {text:?}"),
            })?;
            out.push(Token {
                tok: Tok::Num(q),
                span,
                start,
                end: i,
            });
            continue;
        }
        if c == '"' {
            step(&mut i, &mut line, &mut col);
            let mut s = String::new();
            loop {
                if i >= bytes.len() {
                    return Err(ProgramError::Syntax {
                        span,
                        message: "string not closed before end of input".into(),
                    });
                }
                let ch = src[i..].chars().next().unwrap_or(' ');
                if ch == '"' {
                    step(&mut i, &mut line, &mut col);
                    break;
                }
                if ch == '\n' {
                    return Err(ProgramError::Syntax {
                        span,
                        message: "string not closed on its line".into(),
                    });
                }
                if ch == '\\' {
                    let esc_span = Span { line, col };
                    step(&mut i, &mut line, &mut col);
                    let e = src[i..].chars().next().unwrap_or(' ');
                    match e {
                        '"' => s.push('"'),
                        '\\' => s.push('\\'),
                        'n' => s.push('\n'),
                        _ => {
                            return Err(ProgramError::Syntax {
                                span: esc_span,
                                message: format!("unknown escape \\{e} (use \\\", \\\\ or \\n)"),
                            });
                        }
                    }
                    step(&mut i, &mut line, &mut col);
                    continue;
                }
                s.push(ch);
                step(&mut i, &mut line, &mut col);
            }
            out.push(Token {
                tok: Tok::Str(s),
                span,
                start,
                end: i,
            });
            continue;
        }
        if let Some(p) = PUNCT2.iter().find(|p| src[i..].starts_with(**p)) {
            step(&mut i, &mut line, &mut col);
            step(&mut i, &mut line, &mut col);
            out.push(Token {
                tok: Tok::Punct(p),
                span,
                start,
                end: i,
            });
            continue;
        }
        if let Some(p) = PUNCT1.iter().find(|p| src[i..].starts_with(**p)) {
            step(&mut i, &mut line, &mut col);
            out.push(Token {
                tok: Tok::Punct(p),
                span,
                start,
                end: i,
            });
            continue;
        }
        return Err(ProgramError::Syntax {
            span,
            message: format!("unexpected character {c:?}"),
        });
    }
    out.push(Token {
        tok: Tok::Eof,
        span: Span { line, col },
        start: src.len(),
        end: src.len(),
    });
    Ok(out)
}
