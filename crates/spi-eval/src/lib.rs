//! spi-eval: the evaluation harness behind `spi eval` and `spi serve`.
//!
//! It runs suites of samples against models and reports what they find, as reliably as a run
//! can be made: every sample is committed to an embedded SQLite store as it completes, so a run
//! killed at any point resumes with no sample lost or repeated.
//!
//! Main types:
//! - [`suite::Suite`] groups JSONL datasets ([`dataset::Sample`]) with a prompt template, a
//!   [`suite::SolverConfig`] and [`suite::ScorerConfig`]s.
//! - [`provider::Provider`] is one model (`openai:`, `anthropic:`, `local:`, `mock:`);
//!   [`client::ModelClient`] wraps it in the run's policies (adaptive concurrency, retries,
//!   cache, cost).
//! - [`runner::run_suite`] plans and runs; [`store::Store`] keeps runs; [`stats`], [`report`]
//!   and [`export`] read them back.
//! - Extension points, registered by the CLI or `spi-suites`: [`check::EngineCheck`] (grading
//!   against the engine), [`tools::Tool`] (what an agent may call), [`solver::Solver`] (how a
//!   sample becomes model calls).
//!
//! The harness's promise is that no sample vanishes: every planned sample-epoch ends ok, as an
//! error with its cause (a panic included), or not run, and `planned = ok + errors + not run`
//! in the summary, the store, the report and every export.
//!
//! Key design decision: providers make exactly one request and return what happened as data
//! ([`error::ProviderError`]); every policy (which errors are transient, how long to wait, how
//! many requests may be in flight) sits in one place above them, as pure functions where it can
//! be ([`error::should_retry`], [`client::RetryPolicy::backoff`]), so it is the same for every
//! model and is tested once against in-process fakes.
//!
//! The crate never reads environment variables: the CLI reads API keys and passes them in a
//! [`provider::ApiKey`], which has no `Display` and a redacting `Debug`.
//!
//! ```
//! use std::sync::Arc;
//! use spi_eval::{provider::mock::MockProvider, runner, scorer::CheckRegistry, store::Store, suite::Suite};
//! # let dir = tempfile::tempdir().unwrap();
//! let suite = Arc::new(Suite::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/pd_suite.toml"))).unwrap());
//! let model = Arc::new(MockProvider::from_spec("const:ANSWER: B").unwrap());
//! let store = Store::open(dir.path()).unwrap();
//! let rt = tokio::runtime::Runtime::new().unwrap();
//! // The suite's `check` items need the built-in arithmetic check; without it the run is
//! // refused before any call.
//! let services = runner::RunServices { checks: CheckRegistry::with_builtins(), ..Default::default() };
//! let summary = rt.block_on(runner::run_suite(suite, model, &store, &Default::default(), &services)).unwrap();
//! assert_eq!(summary.planned as u64, summary.ok + summary.errors + summary.not_run as u64);
//! ```

#![deny(missing_docs)]

pub mod check;
pub mod client;
pub mod dataset;
pub mod documents;
pub mod error;
pub mod export;
pub mod extract;
pub mod fake;
pub mod provider;
pub mod report;
pub mod runner;
pub mod scorer;
pub mod serve;
pub mod solver;
pub mod stats;
pub mod store;
pub mod suite;
pub mod tools;
pub mod view;

pub use error::{EvalError, ProviderError};
