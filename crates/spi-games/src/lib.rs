//! `spi-games`: exact normal-form games, the ground every other safepareto crate stands on.
//!
//! Main types: [`Rational`] (exact numbers with an `i64` fast path), [`Game`] (an n-player game with
//! named players and actions whose payoff table cannot have the wrong shape), [`Reduction`] (IESDS
//! with its trace). Algorithms live one per module: [`dominance`] (IESDS), [`equilibrium`] (pure Nash,
//! all extreme mixed equilibria of bimatrix games by exact vertex enumeration, Lemke–Howson),
//! [`lp`] (an exact simplex), [`threat`] (minimax threat points), [`pareto`] (the feasible set C(Γ),
//! its frontier, Pareto-optimality by OC's Lemma 11 LP, PMM and PMP), [`bargaining`] (Nash and
//! Kalai–Smorodinsky solutions). File formats are at the edge in [`format`].
//!
//! Key design decision: every number is exact. Weak Pareto comparisons with equality decide SPIs, and
//! floating point breaks them; the hot kernels (vertex enumeration, Lemke–Howson) therefore pivot on
//! integer tableaux with an `i128` fast path that restarts in arbitrary precision on overflow.
//!
//! ```
//! use spi_games::{examples, dominance};
//! let g = examples::demand_game();
//! let r = dominance::iesds(&g);
//! let kept: Vec<&str> = r.surviving[0].iter().map(|&a| g.actions(0)[a].as_str()).collect();
//! assert_eq!(kept, ["DM", "RM"]);
//! ```
//!
//! This crate does no I/O: readers take text and writers return text.

#![deny(missing_docs)]

pub mod bargaining;
pub mod deviation;
pub mod documents;
pub mod dominance;
pub mod equilibrium;
pub mod examples;
pub mod format;
pub mod game;
pub mod lp;
pub mod number;
pub mod pareto;
pub mod threat;

pub use dominance::{Reduction, iesds};
pub use game::{Game, GameError, Profile};
pub use number::Rational;
