//! The crate's error type: why a program text or a modal agent file was rejected.
//!
//! Running out of budget is not here: it is a domain outcome ([`crate::Exhaustion`]), reported by
//! the match as a value.

use crate::syntax::Span;

/// Why source text could not be turned into a runnable program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    /// The text does not follow the grammar.
    #[error("{span}: syntax error: {message}")]
    Syntax {
        /// Where the error was found.
        span: Span,
        /// What was expected and what was found.
        message: String,
    },
    /// The text parses but breaks a static rule (unknown name, wrong arity, missing `main`, …).
    #[error("{span}: {message}")]
    Check {
        /// Where the offending construct starts.
        span: Span,
        /// What rule it breaks.
        message: String,
    },
    /// The text nests deeper than [`crate::Limits::max_nesting`] allows.
    #[error("{span}: nesting deeper than {limit} levels")]
    TooDeep {
        /// Where the limit was crossed.
        span: Span,
        /// The limit.
        limit: u32,
    },
    /// An expression stacks more binary operators than the parser allows (a flat chain like
    /// `1+1+…+1` builds a tree one level deeper per operator).
    #[error("{span}: an expression stacks more than {limit} operators; split it into `let` steps")]
    TooManyOperators {
        /// Where the limit was crossed.
        span: Span,
        /// The limit.
        limit: u32,
    },
    /// A caller asked for a limit above what the sandbox can honour safely.
    #[error("a {what} limit of {value} is above the most allowed, {max}")]
    LimitTooLarge {
        /// Which limit (`depth`, `memory`, `fuel`).
        what: &'static str,
        /// The value asked for.
        value: u64,
        /// The largest accepted value.
        max: u64,
    },
    /// The text is longer than [`crate::Limits::max_source_bytes`].
    #[error("program text is {len} bytes, more than the limit of {limit}")]
    TooLong {
        /// The text's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A name was asked for that no library agent has.
    #[error("no built-in agent named {name:?} (known: {known})")]
    UnknownAgent {
        /// The name asked for.
        name: String,
        /// The names that exist.
        known: String,
    },
    /// The game does not fit a program game (programs are for two-player games).
    #[error("game {game:?}: {message}")]
    Game {
        /// The game's name.
        game: String,
        /// What is wrong.
        message: String,
    },
}
