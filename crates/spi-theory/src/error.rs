//! `TheoryError`: why a theory computation could not even start (bad references, bad files).
//!
//! Domain answers ("no SPI exists", "this certificate is not an SPI") are values, not errors: see
//! [`crate::certificate::Rejection`] and the result types of each module.

use spi_games::GameError;
use spi_games::format::FormatError;

/// Why a request to this crate could not be carried out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TheoryError {
    /// A player index or name does not exist in the game.
    #[error("the game has no player {player} (players: {available})")]
    NoSuchPlayer {
        /// The player asked for.
        player: String,
        /// The players the game has, comma-separated.
        available: String,
    },
    /// Two outcome correspondences cannot be composed: the first one's codomain is not the
    /// second one's domain.
    #[error("cannot compose correspondences: shape {left:?} does not match shape {right:?}")]
    ShapeMismatch {
        /// Codomain shape of the first correspondence.
        left: Vec<usize>,
        /// Domain shape of the second.
        right: Vec<usize>,
    },
    /// A document (certificate, strategy or threat file) is well-formed JSON but not the expected shape.
    #[error("{path}: expected {expected}, found {found}")]
    Invalid {
        /// JSON path of the offending value.
        path: String,
        /// What the format wants there.
        expected: String,
        /// What was there.
        found: String,
    },
    /// An embedded game could not be read.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A game could not be built.
    #[error(transparent)]
    Game(#[from] GameError),
    /// A required function of `spi-games` reported a failure (e.g. an LP that did not solve).
    #[error("{what}: {detail}")]
    Engine {
        /// What was being computed.
        what: String,
        /// The engine's message.
        detail: String,
    },
}
