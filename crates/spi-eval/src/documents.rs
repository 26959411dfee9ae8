//! The versioned JSON documents of `spi eval`: `eval-run/1` (a run's summary), `eval-report/1`
//! (its per-scorer statistics) and `eval-compare/1` (two runs paired on their samples). Each is the
//! serialised result with its schema and the context a reader needs; they are built here, beside
//! the results, so the CLI only prints them.

use std::path::Path;

use serde_json::{Value, json};

use crate::report::RunReport;
use crate::runner::RunSummary;
use crate::stats::PairedComparison;
use crate::store::RunInfo;

fn with_schema(mut v: Value, schema: &str) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("schema".into(), json!(schema));
    }
    v
}

/// `eval-run/1`: what a run (or resume) did, and where its store is.
pub fn run_document(summary: &RunSummary, log_dir: &Path) -> Result<Value, serde_json::Error> {
    let mut v = with_schema(serde_json::to_value(summary)?, "eval-run/1");
    v["log_dir"] = json!(log_dir.display().to_string());
    Ok(v)
}

/// `eval-report/1`: a run's statistics per scorer.
pub fn report_document(report: &RunReport) -> Result<Value, serde_json::Error> {
    Ok(with_schema(serde_json::to_value(report)?, "eval-report/1"))
}

/// `eval-compare/1`: run B against run A on their shared samples for one scorer, with each run's
/// arm.
pub fn comparison_document(
    c: &PairedComparison,
    scorer: &str,
    a: &RunInfo,
    b: &RunInfo,
) -> Result<Value, serde_json::Error> {
    let mut v = with_schema(serde_json::to_value(c)?, "eval-compare/1");
    v["scorer"] = json!(scorer);
    v["arm_a"] = json!(a.arm);
    v["arm_b"] = json!(b.arm);
    Ok(v)
}
