//! `spi-research`: Part III, a benchmark of SPI research ability and the collaboration modes
//! it compares.
//!
//! Main types: [`task::ClassTask`] (a checkable task class: seeded generator, reference answer,
//! grader, steps), [`classes::CLASSES`] (the implemented classes 1-8), [`release`] (the frozen
//! JSONL release with seeds, canary and version), [`check::ResearchCheck`] (the `EngineCheck`
//! that grades every checkable task), [`modes::ResearchSolver`] (end-to-end, decomposed,
//! engine-in-the-loop and human check-in, as `spi_eval` solvers), [`reference::ReferenceProvider`]
//! (the engine answering through the model interface), [`handwritten`] (classes 9-10) and
//! [`report`] (solve rates per model, class, tier and mode, and per family for classes with
//! several).
//!
//! Key design decision: no task stores its key. Each task's `check` carries the instance (a game,
//! a claim, programs) and the grader recomputes the truth with the engine, so any correct answer
//! passes (any valid SPI, any true counterexample), and the release can be regenerated from its
//! seeds byte for byte.
//!
//! ```
//! use spi_research::{classes::CLASSES, release};
//! let search = CLASSES[0];
//! let task = release::sample(search, 1, 0, release::RELEASE_SEED);
//! let spec = &task["check"];
//! let answer = search.reference(spec).unwrap();
//! assert!(search.grade(spec, &answer).unwrap().correct);
//! ```
//!
//! The crate does no I/O beyond the text it is given and the overseer it is handed.

#![deny(missing_docs)]

pub mod check;
pub mod classes;
pub mod error;
pub mod handwritten;
pub mod modes;
pub mod reference;
pub mod release;
pub mod report;
pub mod suite;
pub mod task;

pub use error::ResearchError;
pub use task::{Class, ClassTask};
