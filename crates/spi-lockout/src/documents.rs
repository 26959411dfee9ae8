//! The versioned JSON documents of `spi lockout`: `spi-lockout-scenarios/1`,
//! `spi-lockout-witness/1`, `spi-lockout-lint/1` and `spi-lockout-score/1` (the audit's
//! `spi-lockout-audit/1` and the checklist's `spi-lockout-checklist/1` are built by
//! [`crate::audit`] and [`crate::checklist`]). Built here so the CLI only prints them.

use serde_json::{Value, json};

use crate::library::{CorpusScore, Library, LintFinding};
use crate::witness::WitnessReport;

/// `spi-lockout-scenarios/1`: every scenario of the library.
pub fn scenarios_document(lib: &Library) -> Value {
    json!({
        "schema": "spi-lockout-scenarios/1",
        "scenarios": lib.scenarios.iter().map(|s| s.to_value()).collect::<Vec<_>>(),
    })
}

/// `spi-lockout-witness/1`: the engine's evaluation of one scenario's witness.
pub fn witness_document(scenario: &str, report: &WitnessReport) -> Value {
    json!({"schema": "spi-lockout-witness/1", "scenario": scenario, "report": report.to_value()})
}

/// `spi-lockout-lint/1`: the library's lint findings (empty when it is consistent).
pub fn lint_document(findings: &[LintFinding]) -> Value {
    json!({
        "schema": "spi-lockout-lint/1",
        "findings": findings.iter().map(|f| json!({"rule": f.rule, "at": f.at, "message": f.message})).collect::<Vec<_>>(),
    })
}

/// `spi-lockout-score/1`: one pass (`rules`, or `model:NAME`) scored on the development corpus,
/// the held-out corpus and the scenarios' policies.
pub fn score_document(
    pass: &str,
    corpus: &CorpusScore,
    heldout: &CorpusScore,
    scenarios: &CorpusScore,
) -> Value {
    json!({
        "schema": "spi-lockout-score/1",
        "pass": pass,
        "corpus": corpus.to_value(),
        "heldout": heldout.to_value(),
        "scenarios": scenarios.to_value(),
    })
}
