//! `LockoutError`: why a scenario, checklist, rule file or corpus could not be read.
//!
//! Findings and witness verdicts are values (see [`crate::audit::Finding`] and
//! [`crate::witness::WitnessReport`]); this enum is only for input that cannot be used at all.

/// Why a lock-out document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockoutError {
    /// The text is not TOML (or JSON, for corpus lines).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message, on one line.
        message: String,
    },
    /// A field is missing or has the wrong shape.
    #[error("{path}: expected {expected}, found {found}")]
    Invalid {
        /// Key path of the offending value (`witness.payoffs[0][1]`).
        path: String,
        /// What the format wants there.
        expected: String,
        /// What was there.
        found: String,
    },
    /// An embedded game could not be built.
    #[error("{path}: {message}")]
    Game {
        /// Key path of the game.
        path: String,
        /// The engine's message.
        message: String,
    },
}

impl LockoutError {
    pub(crate) fn invalid(path: &str, expected: &str, found: impl Into<String>) -> LockoutError {
        LockoutError::Invalid {
            path: path.to_string(),
            expected: expected.to_string(),
            found: found.into(),
        }
    }
}
