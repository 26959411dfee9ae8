//! Syntax, separate from evaluation: tokens, the tree, and a depth-limited recursive-descent parser.
//!
//! Nothing here runs a program; [`crate::interp`] walks the tree this module builds. The parser
//! counts nesting so that hostile source (ten thousand `(`) is rejected with a line and column before
//! any recursion could overflow the stack.

pub mod ast;
pub mod lexer;
pub mod parser;

pub use ast::*;
pub use parser::parse;

/// A position in source text: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}
