//! The engine check behind every checkable research task (`check.kind = "research"`): it finds
//! the class by `check.class`, grades the final `ANSWER:` line by recomputing the truth from the
//! spec, and records what the collaboration modes left in the conversation (model rounds, the
//! first step whose check-in failed) so the report can read them from the store.

use serde_json::{Value, json};
use spi_eval::check::{CheckError, CheckInput, CheckVerdict, EngineCheck};
use spi_eval::provider::Role;

use crate::classes::class_task;
use crate::error::ResearchError;
use crate::modes::CHECK_IN;
use crate::task::{Class, ClassTask};

/// The `check.kind` of research tasks.
pub const KIND: &str = "research";

/// The check.
#[derive(Debug, Default, Clone, Copy)]
pub struct ResearchCheck;

/// The class implementation a spec names.
pub fn spec_class(spec: &Value) -> Result<&'static dyn ClassTask, ResearchError> {
    let slug = spec
        .get("class")
        .and_then(Value::as_str)
        .ok_or_else(|| ResearchError::spec("class", "expected a class name"))?;
    let class = Class::parse(slug)?;
    class_task(class)
        .ok_or_else(|| ResearchError::spec("class", format!("class `{slug}` has no engine grader")))
}

fn err(e: ResearchError) -> CheckError {
    CheckError {
        kind: KIND.into(),
        message: e.to_string(),
    }
}

/// What the conversation says about the solve: model turns, and the first failing check-in
/// (1-based step and its name) if any.
pub fn conversation_facts(
    messages: &[spi_eval::provider::ChatMessage],
) -> (usize, Option<(usize, String)>) {
    let rounds = messages
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .count();
    let first = messages
        .iter()
        .filter(|m| m.role == Role::User)
        .filter_map(|m| m.content.lines().find_map(parse_check_in))
        .find(|(_, _, ok)| !ok)
        .map(|(n, name, _)| (n, name));
    (rounds, first)
}

/// Reads `[check-in step N NAME: engine ok|engine failed ...]`.
fn parse_check_in(line: &str) -> Option<(usize, String, bool)> {
    let rest = line.trim().strip_prefix(CHECK_IN)?;
    let (head, tail) = rest.split_once(':')?;
    let mut it = head.split_whitespace();
    let n = it.next()?.parse().ok()?;
    let name = it.next().unwrap_or("").to_string();
    Some((n, name, tail.trim_start().starts_with("engine ok")))
}

impl EngineCheck for ResearchCheck {
    fn kind(&self) -> &str {
        KIND
    }
    fn validate(&self, spec: &Value) -> Result<(), CheckError> {
        spec_class(spec).and_then(|c| c.validate(spec)).map_err(err)
    }
    fn check(&self, spec: &Value, input: &CheckInput<'_>) -> Result<CheckVerdict, CheckError> {
        let class = spec_class(spec).map_err(err)?;
        let answer = class.answer_text(input.output);
        let g = class.grade(spec, &answer).map_err(err)?;
        let (rounds, first) = conversation_facts(input.messages);
        Ok(CheckVerdict {
            value: if g.correct { 1.0 } else { 0.0 },
            answer: g.answer.clone(),
            explanation: g.explanation,
            detail: Some(json!({
                "class": class.class().slug(),
                "tier": spec.get("tier"),
                "invalid": g.answer.is_none(),
                "rounds": rounds,
                "first_failing_step": first.as_ref().map(|f| f.0),
                "first_failing_step_name": first.map(|f| f.1),
            })),
        })
    }
    fn reference_answer(&self, spec: &Value) -> Result<String, CheckError> {
        let class = spec_class(spec).map_err(err)?;
        Ok(format!("ANSWER: {}", class.reference(spec).map_err(err)?))
    }
}
