//! The crate's one error type: content that cannot be read, always naming the file and the path.

/// What went wrong reading research content or a task spec.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResearchError {
    /// A line of a content file is not what its format says.
    #[error("{file}:{line}: {path}: {message}")]
    Content {
        /// The file (as the caller named it).
        file: String,
        /// 1-based line.
        line: usize,
        /// JSON path inside the line (`critiques[2].rating`).
        path: String,
        /// What was expected.
        message: String,
    },
    /// A task's `check` spec cannot be graded.
    #[error("task spec: {path}: {message}")]
    Spec {
        /// JSON path inside the spec.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// An unknown class, tier or mode name.
    #[error("{what} `{found}`: expected one of {expected}")]
    Unknown {
        /// Class, tier or mode.
        what: &'static str,
        /// What was given.
        found: String,
        /// The accepted names.
        expected: String,
    },
}

impl ResearchError {
    /// A spec error at `path`.
    pub fn spec(path: impl Into<String>, message: impl Into<String>) -> Self {
        ResearchError::Spec {
            path: path.into(),
            message: message.into(),
        }
    }
}
