//! `spi-lockout`: how safe Pareto improvements get locked out, and a check for it (agenda Part II).
//!
//! Main types: [`Scenario`] (one lock-out scenario of the library: the actors, the policy, the
//! mechanism, the SPI family it forecloses, its risk factors and the cheap mitigation),
//! [`Witness`] and [`WitnessReport`] (a finite program game in which the SPI is available without
//! the policy, unavailable with it and available again with the mitigation, so the cost of the
//! lock-out is an exact number per party), [`Checklist`] (at most fifteen risk factors, each a
//! yes/no question with its rationale and mitigation), and [`Auditor`] (splits a policy document
//! into clauses with line spans and reports, clause by clause, the risk factors it exhibits).
//!
//! Key design decision: the auditor's rules are data (`lockout/rules.toml`), not code. A rule is a
//! conjunction of cue groups (a prohibition, an object such as "the agent's goals", a scope) and a
//! list of carve-outs that neutralise it; each finding names the cues that fired, so a policy author
//! can see why, and a researcher can add a phrasing without writing Rust. The witnesses are computed
//! by `spi-theory`'s program-space check, never asserted.
//!
//! ```
//! use spi_lockout::witness::Witness;
//! let w = Witness::from_toml_str(r#"
//! kind = "blocked_transformation"
//! players = ["agent", "rival"]
//! actions = [["demand", "sg(demand)"], ["threaten"]]
//! payoffs = [[[-10, -2]], [[-1, -1]]]
//! space = [["demand", "threaten"]]
//! [transformation]
//! agent = { "demand" = "sg(demand)" }
//! [policy]
//! forbids = { agent = ["sg(demand)"] }
//! [mitigation]
//! permits = { agent = ["sg(demand)"] }
//! "#).unwrap();
//! let report = w.evaluate();
//! assert!(report.problems.is_empty());
//! assert_eq!(report.loss[0].to_string(), "9"); // the agent loses 9 under the policy
//! ```
//!
//! The crate reads no files and no environment: callers pass text and get values back. The
//! model-assisted pass ([`model_pass`]) is the one async part; it calls a model through `spi-eval`.

#![deny(missing_docs)]

pub mod audit;
pub mod checklist;
pub mod documents;
pub mod error;
pub mod library;
pub mod model_pass;
pub mod scenario;
mod value;
pub mod witness;

pub use audit::{Auditor, Clause, Finding, RuleSet};
pub use checklist::{Checklist, RiskFactor};
pub use error::LockoutError;
pub use scenario::{Mechanism, Scenario, SpiFamily};
pub use witness::{Witness, WitnessReport};

/// The canary every data file of the library carries.
pub const CANARY: &str = "SAFEPARETO-CANARY 5bf36ae4-804e-4c7d-adf6-d78d2c208596";
