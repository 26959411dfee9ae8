//! `spi-programs`: open-source game theory made executable. Agents are programs that read, compare
//! and simulate each other (DiGiovanni, Clifton & Macé; Oesterheld; agenda B.4; definitions and
//! sources in docs/reference/definitions.md §3 and §7); this crate holds the language they are
//! written in, the standard agents, modal agents, matches, tournaments, commitment races and SPI
//! checks over finite program spaces.
//!
//! Main types: [`Program`] (parsed and checked source), [`Limits`] (fuel, depth, memory, nesting),
//! [`ProgramGame`] (a two-player game prepared for matches), [`MatchReport`] and [`Outcome`] (what a
//! match did, including running out of budget as a value), [`modal::ModalSystem`] (fully modalised
//! agents evaluated exactly on the GL chain), [`tournament::Tournament`], [`race::RaceConfig`],
//! [`spi_check::check_transformation_on_space`].
//!
//! Key design decision: programs are untrusted text, possibly written by a model under evaluation.
//! Syntax is separate from evaluation ([`syntax`] vs [`interp`]); the parser bounds nesting so hostile
//! source cannot overflow the stack; the interpreter ticks fuel per statement, expression and call,
//! bounds call/simulation depth and allocation, has no I/O, and draws randomness only from a ChaCha
//! stream seeded per match, so every run replays exactly. Numbers are exact [`spi_games::Rational`]s.
//!
//! ```
//! use std::sync::Arc;
//! use spi_programs::{Limits, Outcome, Program, ProgramGame, library, play};
//! let pg = ProgramGame::new(spi_games::examples::program_pd()).unwrap();
//! let clique = library::agent("cliquebot").unwrap();
//! let report = play(&pg, &clique, &clique, &Limits::default(), 7);
//! let Outcome::Played { realized, .. } = &report.outcome else { panic!() };
//! assert_eq!(realized, &vec![0, 0]); // (C, C)
//!
//! let looping = Arc::new(Program::parse("fn f(x) { return f(x); } main { return f(1); }", &Limits::default()).unwrap());
//! let report = play(&pg, &looping, &clique, &Limits::default(), 7);
//! assert!(matches!(report.outcome, Outcome::Exhausted { player: 0, .. }));
//! ```

#![deny(missing_docs)]

pub mod agents;
pub mod documents;
pub mod error;
pub mod examples;
pub mod interp;
pub mod library;
pub mod matches;
pub mod modal;
pub mod program;
pub mod race;
pub mod region;
pub mod spi_check;
pub mod syntax;
pub mod tournament;
pub mod value;

pub use error::ProgramError;
pub use interp::{Decision, Exhaustion, Fault, Stop};
pub use matches::{MatchReport, Outcome, play, play_here};
pub use program::{Limits, Program, ProgramGame, with_roles};
