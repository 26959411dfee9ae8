//! `SuiteError`: why content could not be read or a computation on it could not start.
//!
//! Every variant that concerns a content file names the file and the TOML/JSON path (and the line
//! when it is known). Domain answers (a key that is not unique, a claim that is false, a wrong
//! answer) are values: lint findings and check verdicts, never errors.

use std::fmt;
use std::path::PathBuf;

/// Where in a content file something is: the file, the key path, the 1-based line when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub file: PathBuf,
    /// The key path inside it (`option[2].claim`, `model.outcome[3].payoffs`); empty for the whole file.
    pub path: String,
    /// 1-based line, when the parser knows it.
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        Ok(())
    }
}

/// Why a request to this crate could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A content file could not be read.
    // `cause`, not `source`: shown in the message, so not repeated by an error chain.
    #[error("{}: cannot read: {cause}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The OS error.
        cause: std::io::Error,
    },
    /// A TOML file is not valid TOML.
    #[error("{at}: TOML syntax: {message}")]
    Syntax {
        /// File and line.
        at: Location,
        /// The parser's message.
        message: String,
    },
    /// A value is not of the shape the format wants.
    #[error("{at}: expected {expected}, found {found}")]
    Invalid {
        /// File, path, line.
        at: Location,
        /// What the format wants there.
        expected: String,
        /// What was there.
        found: String,
    },
    /// A claim does not parse.
    #[error("{at}: claim `{claim}`: {message}")]
    Claim {
        /// File, path, line.
        at: Location,
        /// The claim text.
        claim: String,
        /// What is wrong.
        message: String,
    },
    /// A claim names something the model lacks, or uses a predicate wrongly.
    #[error("{at}: {message}")]
    Model {
        /// File, path, line.
        at: Location,
        /// What is wrong.
        message: String,
    },
    /// An engine check spec (a generated item's `check`) is malformed.
    #[error("check `{kind}`: {message}")]
    Check {
        /// The check kind.
        kind: String,
        /// What is wrong.
        message: String,
    },
}
