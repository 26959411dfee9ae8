//! Search, then verify: every SPI the search reports, re-checked by the independent verifier
//! before anyone sees it. This module is the only place the two meet; neither imports the other.
//!
//! A disagreement (the search's witness rejected, or not even a well-formed map) is a bug in one
//! of them, and is returned as its own error so that callers can report it as such (the CLI exits
//! with 3) instead of as bad input.

use spi_games::Game;

use crate::certificate::{Rejection, SpiCertificate, SpiClaim, verify};
use crate::error::TheoryError;
use crate::search::{SpiQuery, SpiSearch, search};

/// A search whose every witness was verified, in the search's order.
#[derive(Debug, Clone)]
pub struct CertifiedSearch {
    /// The search itself (reduction, witnesses, statistics).
    pub search: SpiSearch,
    /// One certificate per witness.
    pub certificates: Vec<SpiCertificate>,
}

/// Why a certified search produced no answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CertifiedSearchError {
    /// The search could not run (bad query for this game).
    #[error(transparent)]
    Search(#[from] TheoryError),
    /// The search returned a witness that is not a tuple of injections: a search bug.
    #[error("the search returned a malformed witness: {0}")]
    Malformed(TheoryError),
    /// The verifier rejected a witness of the search: a bug in one of them.
    #[error("the search returned an SPI the verifier rejects: {0}")]
    Disagreement(Box<Rejection>),
}

impl CertifiedSearchError {
    /// Whether this is a bug of the engine rather than of the input.
    pub fn is_internal(&self) -> bool {
        !matches!(self, CertifiedSearchError::Search(_))
    }
}

/// Searches Γ for SPIs and verifies each witness from scratch.
pub fn search_certified(
    game: &Game,
    query: &SpiQuery,
) -> Result<CertifiedSearch, CertifiedSearchError> {
    let found = search(game, query)?;
    let mut certificates = Vec::with_capacity(found.witnesses.len());
    for w in &found.witnesses {
        let claim = SpiClaim::from_witness(game, &found.reduction, query.kind, w)
            .map_err(CertifiedSearchError::Malformed)?;
        certificates.push(verify(game, &claim).map_err(CertifiedSearchError::Disagreement)?);
    }
    Ok(CertifiedSearch {
        search: found,
        certificates,
    })
}
