//! `spi-suites`: the machinery behind the Part I evaluation suites (and the checkable Part III
//! tasks): scenario families with formal models, the suite linter, the renderer to Inspect JSONL,
//! engine-generated capability items, and the engine checks and tools the harness grades and
//! solves them with.
//!
//! Main types: [`family::Family`] (a `spi-family/1` file as written), [`claim::Claim`] (an
//! option's claim), [`model::Model`] (a compiled formal model that evaluates claims with the
//! engine), [`lint::LintReport`] / [`lint::Finding`] (rule, file, path, line, message, help),
//! [`tasks::Task`] (a generated task kind: generator, reference answer, grader).
//!
//! Key design decision: nobody writes a key. A family's writer states what each option *claims*;
//! the key is the one option whose claim the engine finds true under the main model, and a
//! different one under the control model. A generated item carries its model in its `check`, and the
//! grader recomputes the truth from that model, so a stored answer can never drift from the engine.
//!
//! ```
//! use spi_suites::claim::Claim;
//! use spi_suites::model::Model;
//! let model = Model::compile(&serde_json::json!({
//!     "kind": "game",
//!     "players": ["A", "B"],
//!     "actions": [["C", "D"], ["C", "D"]],
//!     "payoffs": [[[3, 3], [1, 4]], [[4, 1], [2, 2]]],
//! })).unwrap();
//! let claim = Claim::parse("perfect_coordination_spi and pure_equilibrium(D, D)").unwrap();
//! assert!(model.eval(&claim).unwrap());
//! ```
//!
//! The crate reads only the content files it is given (and lists `suites/` folders); it writes
//! nothing: the CLI writes what `render` and `generate` return.

#![deny(missing_docs)]

pub mod claim;
pub mod doc;
pub mod engine;
pub mod error;
pub mod family;
pub mod generate;
pub mod library;
pub mod lint;
pub mod model;
pub mod render;
pub mod report;
pub mod show;
pub mod tasks;

pub use error::{Location, SuiteError};
