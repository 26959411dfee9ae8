//! File formats at the edge: our JSON game format and Gambit's `.nfg`, both read exactly.
//!
//! Errors carry the JSON path or the line and column; the caller adds the file name.

pub mod json;
pub mod matrices;
pub mod nfg;

use crate::game::{Game, GameError};

pub use json::{game_to_value, read_json, write_json};
pub use nfg::{read_nfg, write_nfg, write_nfg_outcomes};

/// Why a game file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The text is not JSON.
    #[error("line {line}, column {column}: invalid JSON: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The JSON is well formed but not a game.
    #[error("{path}: expected {expected}, found {found}")]
    Invalid {
        /// JSON path of the offending value, e.g. `$.payoffs[1][0]`.
        path: String,
        /// What the format wants there.
        expected: String,
        /// What was there.
        found: String,
    },
    /// The `.nfg` text is malformed.
    #[error("line {line}, column {column}: {message}")]
    Nfg {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was expected and found.
        message: String,
    },
    /// The table is well formed but not a valid game.
    // `cause`, not `source`: the message already shows it, and a `source` would print it twice in
    // an error chain (`{:#}`).
    #[error("{path}: {cause}")]
    Game {
        /// Where in the document.
        path: String,
        /// The shape error.
        cause: GameError,
    },
}

/// Which format a file is in, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GameFormat {
    /// Our JSON format.
    Json,
    /// Gambit's strategic form.
    Nfg,
}

impl GameFormat {
    /// `.nfg` is Gambit's; everything else is read as JSON.
    pub fn from_path(path: &str) -> GameFormat {
        if path.to_ascii_lowercase().ends_with(".nfg") {
            GameFormat::Nfg
        } else {
            GameFormat::Json
        }
    }
}

/// Reads a game in the given format.
pub fn read_game(text: &str, format: GameFormat) -> Result<Game, FormatError> {
    match format {
        GameFormat::Json => read_json(text),
        GameFormat::Nfg => read_nfg(text),
    }
}
