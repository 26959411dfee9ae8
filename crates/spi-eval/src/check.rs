//! Engine checks: the `EngineCheck` trait a sample's `check` is graded by, its registry, and the
//! built-in `arithmetic` check (with the exact evaluator the `arithmetic` tool shares).
//!
//! A check sees the raw output, the sample and the whole conversation, and returns a graded
//! verdict (a value in [0, 1], the answer it read, and what the engine found). `validate` lets
//! the planner and the content linter refuse a malformed spec before any model is paid, and
//! `reference_answer` gives an output the check grades 1.0, so every key can be run through its
//! own check by an oracle test. The runner calls `check` off the async threads, under the
//! registry's time budget ([`CheckRegistry::budget`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::dataset::Sample;
use crate::extract::{extract_answer, last_number};
use crate::provider::ChatMessage;

/// What a check grades: the final output, the sample it answers, and the conversation.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    /// The model's final output (untrusted, arbitrary UTF-8).
    pub output: &'a str,
    /// The sample, whose `check` field is the spec.
    pub sample: &'a Sample,
    /// The whole conversation, model turns and tool results included.
    pub messages: &'a [ChatMessage],
}

/// A check's graded verdict.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckVerdict {
    /// In [0, 1]: 1 right, 0 wrong, between for partial credit.
    pub value: f64,
    /// The answer the check read from the output, if it found one.
    pub answer: Option<String>,
    /// What the engine found (e.g. the true value), for the log.
    pub explanation: String,
    /// Structured detail (the engine's computation), kept with the score.
    pub detail: Option<Value>,
}

/// A check spec the registered engine check cannot evaluate (malformed item, not a model error).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("check `{kind}`: {message}")]
pub struct CheckError {
    /// The check kind.
    pub kind: String,
    /// What was wrong with the spec.
    pub message: String,
}

/// Grades a model's output against a sample's `check`. The engine crates implement this for
/// game facts (SPI existence, equilibria, program outcomes); the CLI registers them.
///
/// Implementations must be total over arbitrary output text (never panic, never slice at an
/// unchecked byte offset) and bounded in time: the runner gives up on a check after the
/// registry's budget and records the sample as an error.
pub trait EngineCheck: Send + Sync {
    /// The `check.kind` it handles.
    fn kind(&self) -> &str;
    /// Whether `spec` (the whole `check` object) is one this check can grade.
    fn validate(&self, spec: &Value) -> Result<(), CheckError>;
    /// Grades the output.
    fn check(&self, spec: &Value, input: &CheckInput<'_>) -> Result<CheckVerdict, CheckError>;
    /// An output that `check` grades 1.0 (for oracle tests and the linter).
    fn reference_answer(&self, spec: &Value) -> Result<String, CheckError>;
}

/// How long a check or a tool may run before the sample is recorded as an error.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(30);

/// Engine checks by kind, with the time budget each call gets.
#[derive(Clone, Default)]
pub struct CheckRegistry {
    checks: HashMap<String, Arc<dyn EngineCheck>>,
    budget: Option<Duration>,
}

impl std::fmt::Debug for CheckRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.checks.keys()).finish()
    }
}

impl CheckRegistry {
    /// A registry holding the built-in `arithmetic` check.
    pub fn with_builtins() -> Self {
        let mut r = CheckRegistry::default();
        r.register(Arc::new(ArithmeticCheck));
        r
    }
    /// Adds a check.
    pub fn register(&mut self, check: Arc<dyn EngineCheck>) {
        self.checks.insert(check.kind().to_string(), check);
    }
    /// Looks one up.
    pub fn get(&self, kind: &str) -> Option<Arc<dyn EngineCheck>> {
        self.checks.get(kind).cloned()
    }
    /// Registered kinds, sorted.
    pub fn kinds(&self) -> Vec<String> {
        let mut k: Vec<String> = self.checks.keys().cloned().collect();
        k.sort();
        k
    }
    /// The time budget per check call ([`DEFAULT_BUDGET`] unless set).
    pub fn budget(&self) -> Duration {
        self.budget.unwrap_or(DEFAULT_BUDGET)
    }
    /// Sets the time budget per check call.
    pub fn set_budget(&mut self, budget: Duration) {
        self.budget = Some(budget);
    }
    /// Validates a sample's `check` spec: its kind is registered and the check accepts it.
    pub fn validate(&self, spec: &Value) -> Result<(), CheckError> {
        let kind = spec.get("kind").and_then(Value::as_str).unwrap_or_default();
        let check = self.get(kind).ok_or_else(|| CheckError {
            kind: kind.to_string(),
            message: format!(
                "no engine check registered for this kind (registered: {})",
                self.kinds().join(", ")
            ),
        })?;
        check.validate(spec)
    }
}

/// Exact integer arithmetic over `{"op": "add"|"sub"|"mul", "operands": [ints]}`.
pub fn arithmetic(spec: &Value) -> Result<i128, String> {
    let op = spec
        .get("op")
        .and_then(Value::as_str)
        .ok_or("expected a string field `op`")?;
    if !matches!(op, "add" | "sub" | "mul") {
        return Err(format!("op `{op}`: expected add, sub or mul"));
    }
    let ops = spec
        .get("operands")
        .and_then(Value::as_array)
        .ok_or("expected an array field `operands`")?;
    let nums: Vec<i128> = ops
        .iter()
        .enumerate()
        .map(|(i, v)| {
            v.as_i64()
                .map(i128::from)
                .ok_or(format!("operands[{i}]: expected an integer"))
        })
        .collect::<Result<_, _>>()?;
    let (first, rest) = nums.split_first().ok_or("expected at least one operand")?;
    rest.iter()
        .try_fold(*first, |acc, &x| match op {
            "add" => acc.checked_add(x),
            "sub" => acc.checked_sub(x),
            "mul" => acc.checked_mul(x),
            _ => None,
        })
        .ok_or_else(|| format!("op `{op}`: expected add, sub or mul without overflow"))
}

/// The built-in check: the answer is the integer that [`arithmetic`] computes from the spec.
#[derive(Debug, Default)]
pub struct ArithmeticCheck;

impl ArithmeticCheck {
    fn truth(spec: &Value) -> Result<i128, CheckError> {
        arithmetic(spec).map_err(|message| CheckError {
            kind: "arithmetic".into(),
            message,
        })
    }
}

impl EngineCheck for ArithmeticCheck {
    fn kind(&self) -> &str {
        "arithmetic"
    }
    fn validate(&self, spec: &Value) -> Result<(), CheckError> {
        Self::truth(spec).map(|_| ())
    }
    fn check(&self, spec: &Value, input: &CheckInput<'_>) -> Result<CheckVerdict, CheckError> {
        let truth = Self::truth(spec)?;
        let read = last_number(&extract_answer(input.output));
        let given = read.as_deref().and_then(|s| s.parse::<i128>().ok());
        Ok(CheckVerdict {
            value: if given == Some(truth) { 1.0 } else { 0.0 },
            answer: read,
            explanation: format!(
                "expected {truth}, read {}",
                given.map_or("no integer".to_string(), |g| g.to_string())
            ),
            detail: Some(serde_json::json!({"expected": truth.to_string()})),
        })
    }
    fn reference_answer(&self, spec: &Value) -> Result<String, CheckError> {
        Ok(format!("ANSWER: {}", Self::truth(spec)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::Input;
    use serde_json::json;

    fn sample(check: Value) -> Sample {
        Sample {
            id: "s".into(),
            input: Input::Text("q".into()),
            target: vec![],
            choices: None,
            metadata: Default::default(),
            failure_mode: None,
            generator: None,
            seed: None,
            check: Some(check),
        }
    }

    #[test]
    fn arithmetic_check_is_exact_and_its_reference_answer_passes() {
        let c = ArithmeticCheck;
        let spec = json!({"kind": "arithmetic", "op": "mul", "operands": [3, -4]});
        let s = sample(spec.clone());
        let grade = |out: &str| {
            c.check(
                &spec,
                &CheckInput {
                    output: out,
                    sample: &s,
                    messages: &[],
                },
            )
            .unwrap()
        };
        assert_eq!(grade("so -12").value, 1.0);
        assert_eq!(grade("12").value, 0.0);
        assert_eq!(grade(&c.reference_answer(&spec).unwrap()).value, 1.0);
        assert!(c.validate(&json!({"op": "pow", "operands": [1]})).is_err());
        let reg = CheckRegistry::with_builtins();
        let e = reg.validate(&json!({"kind": "nash"})).unwrap_err();
        assert!(e.message.contains("registered: arithmetic"), "{e}");
    }
}
