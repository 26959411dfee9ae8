//! `spi-theory`: safe Pareto improvements, computed exactly and certified.
//!
//! Main types: [`OutcomeCorrespondence`] (OC's set-valued maps between action profiles, with
//! composition and inverse), [`Isomorphism`] (OC's affine game isomorphism), [`SpiQuery`] /
//! [`SpiSearch`] (the search for SPIs: omnilateral or unilateral, weak or strict, first or all),
//! [`SpiClaim`] / [`SpiCertificate`] / [`Rejection`] (a claimed SPI, the verifier's acceptance, or
//! its precise refusal). Further modules cover OC Sec. 5 ([`coordination`]: perfect-coordination
//! SPIs and the program-equilibrium check of OC Algorithm 2) and the research agenda's Appendix B
//! (summarised in `docs/reference/agenda.md`) on finite models ([`program_space`],
//! [`full_strategy`], [`surrogate`]). `docs/reference/definitions.md` §1–§5 states every definition
//! used here.
//!
//! Key design decision: the search and the verifier share no code. The search ([`search()`]) runs
//! a backtracking injection solver over payoff *ranks* (exact, and every test a `u32` comparison);
//! the verifier ([`verify`]) re-derives everything from the game with `spi_games`' IESDS and exact
//! rationals, composes the IESDS → isomorphism → reverse-IESDS correspondences and checks that the
//! composite is Pareto-improving. A certificate can only be built by the verifier, so anything this
//! crate calls an SPI has been checked the second way.
//!
//! ```
//! use spi_games::examples;
//! use spi_theory::{SpiClaim, SpiQuery, search, verify};
//! let g = examples::demand_game();
//! let found = search(&g, &SpiQuery::omnilateral()).unwrap();
//! let claim = SpiClaim::from_witness(&g, &found.reduction, found_kind(), &found.witnesses[0])?;
//! # fn found_kind() -> spi_theory::SpiKind { spi_theory::SpiKind::Omnilateral }
//! let cert = verify(&g, &claim).expect("the Demand Game's SPI verifies");
//! assert!(cert.is_strict());
//! assert_eq!(cert.action_map()[0], [("DM".to_string(), "DL".to_string()), ("RM".into(), "RL".into())]);
//! # Ok::<(), spi_theory::TheoryError>(())
//! ```
//!
//! The crate does no I/O: documents are `serde_json::Value`s read and written by [`json`].

#![deny(missing_docs)]

pub mod certificate;
pub mod certified;
pub mod coordination;
pub mod correspondence;
mod csp;
pub mod documents;
pub mod error;
pub mod full_strategy;
pub mod generate;
pub mod isomorphism;
pub mod json;
pub mod kind;
pub mod program_space;
pub mod search;
pub mod surrogate;
pub mod verdicts;

pub use certificate::{Improvement, Rejection, SpiCertificate, SpiClaim, verify};
pub use correspondence::OutcomeCorrespondence;
pub use error::TheoryError;
pub use isomorphism::{Isomorphism, find_isomorphism, isomorphisms};
pub use search::{
    ActionMap, NaiveSearch, PlayerId, SpiKind, SpiQuery, SpiSearch, naive_search, search,
};
