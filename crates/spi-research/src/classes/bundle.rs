//! Classes 4 (program outcomes) and 6 (exact computation): each task bundles several engine
//! questions from `spi_suites::tasks` (modal agents, renegotiation programs; PMM, threat point,
//! surrogate-goal thresholds), answered on one line as `part 1 | part 2 | ...`. A task is right
//! only when every part is, so the chance rate is the product of the parts' rates; each part is
//! one step of the decomposition.

use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_suites::tasks::{Task, task};

use crate::error::ResearchError;
use crate::task::{Class, ClassTask, Generated, Grade, Step, spec_tier};

/// A bundle class: which suite task kinds make up a task of each tier.
pub struct BundleClass {
    /// The class (4 or 6).
    pub class: Class,
    /// The line for datasheets.
    pub about: &'static str,
    /// The part kinds per tier (index tier - 1).
    pub parts: [&'static [&'static str]; 3],
}

/// Class 4.
pub const PROGRAM_OUTCOMES: BundleClass = BundleClass {
    class: Class::ProgramOutcomes,
    about: "what modal agents and renegotiation programs do against each other (several matches per task)",
    parts: [
        &["modal_match", "modal_match", "renegotiation_outcome"],
        &["modal_match", "modal_match", "renegotiation_outcome"],
        &[
            "modal_match",
            "renegotiation_outcome",
            "renegotiation_outcome",
        ],
    ],
};

/// Class 6.
pub const EXACT_COMPUTATION: BundleClass = BundleClass {
    class: Class::ExactComputation,
    about: "exact rationals: the PMM, the minimax threat point and surrogate-goal concession facts of generated games",
    parts: [
        &["pmm", "threat_point"],
        &["pmm", "threat_point", "surrogate"],
        &["pmm", "threat_point", "surrogate"],
    ],
};

fn part_task(kind: &str) -> Result<&'static dyn Task, ResearchError> {
    task(kind).ok_or_else(|| ResearchError::spec("parts[].kind", format!("no task kind `{kind}`")))
}

fn parts(spec: &Value) -> Result<Vec<(&'static dyn Task, &Value)>, ResearchError> {
    let ps = spec
        .get("parts")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty() && p.len() <= 8)
        .ok_or_else(|| ResearchError::spec("parts", "expected 1 to 8 part specs"))?;
    ps.iter()
        .enumerate()
        .map(|(i, p)| {
            let kind = p.get("kind").and_then(Value::as_str).unwrap_or_default();
            let t = part_task(kind).map_err(|_| {
                ResearchError::spec(format!("parts[{i}].kind"), format!("unknown `{kind}`"))
            })?;
            t.validate(p)
                .map_err(|e| ResearchError::spec(format!("parts[{i}]"), e))?;
            Ok((t, p))
        })
        .collect()
}

/// The part's input with its own answer line turned into a format note.
fn part_input(text: &str) -> String {
    match text.rfind("End with one line:") {
        Some(k) => format!(
            "{}Answer format for this part:{}",
            &text[..k],
            &text[k + "End with one line:".len()..]
        ),
        None => text.to_string(),
    }
}

impl ClassTask for BundleClass {
    fn class(&self) -> Class {
        self.class
    }
    fn about(&self) -> &'static str {
        self.about
    }
    fn chance(&self, tier: u8) -> f64 {
        self.parts[(tier.clamp(1, 3) - 1) as usize]
            .iter()
            .filter_map(|k| task(k))
            .map(|t| t.chance())
            .product()
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let kinds = self.parts[(tier.clamp(1, 3) - 1) as usize];
        let mut inputs = Vec::new();
        let mut specs = Vec::new();
        for k in kinds {
            let t = part_task(k)
                .unwrap_or_else(|e| unreachable!("the bundle names suite task kinds: {e}"));
            let g = t.generate(rng, tier);
            inputs.push(part_input(&g.input));
            specs.push(g.check);
        }
        let n = inputs.len();
        let body: Vec<String> = inputs
            .iter()
            .enumerate()
            .map(|(i, s)| format!("Part {} of {n}.\n{s}", i + 1))
            .collect();
        let example: Vec<String> = (1..=n).map(|i| format!("answer {i}")).collect();
        let input = format!(
            "This task has {n} independent parts; answer every one.\n\n{}\n\nEnd with one line holding all {n} \
answers in order, each in its part's format, separated by ` | `: ANSWER: {}",
            body.join("\n\n"),
            example.join(" | ")
        );
        Generated {
            input,
            spec: json!({"kind": "research", "class": self.class.slug(), "tier": tier, "parts": specs}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), ResearchError> {
        spec_tier(spec)?;
        parts(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, ResearchError> {
        let rs: Vec<String> = parts(spec)?
            .into_iter()
            .enumerate()
            .map(|(i, (t, p))| {
                t.reference(p)
                    .map_err(|e| ResearchError::spec(format!("parts[{i}]"), e))
            })
            .collect::<Result<_, _>>()?;
        Ok(rs.join(" | "))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
        let ps = parts(spec)?;
        let answers: Vec<&str> = answer.split('|').map(str::trim).collect();
        if answers.len() != ps.len() {
            return Ok(Grade::invalid(format!(
                "expected {} answers separated by `|`, found {}",
                ps.len(),
                answers.len()
            )));
        }
        let mut wrong = Vec::new();
        let mut read = Vec::new();
        let mut why = Vec::new();
        for (i, ((t, p), a)) in ps.iter().zip(&answers).enumerate() {
            let g = t
                .grade(p, a)
                .map_err(|e| ResearchError::spec(format!("parts[{i}]"), e))?;
            if !g.correct {
                wrong.push(i + 1);
            }
            read.push(g.answer.unwrap_or_else(|| "?".into()));
            why.push(format!("part {}: {}", i + 1, g.explanation));
        }
        let text = read.join(" | ");
        Ok(if wrong.is_empty() {
            Grade::right(text, why.join("; "))
        } else {
            let list = wrong
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            Grade::wrong(
                Some(text),
                why.join("; "),
                format!(
                    "the engine disagrees with your answer to part(s) {list}; the other parts are right"
                ),
            )
        })
    }
    fn steps(&self, spec: &Value) -> Result<Vec<Step>, ResearchError> {
        let ps = parts(spec)?;
        let n = ps.len();
        let mut steps = Vec::new();
        for (i, (t, p)) in ps.iter().enumerate() {
            steps.push(Step {
                name: format!("part-{}", i + 1),
                prompt: format!("Step {}: answer part {} only, in that part's format. End with one line: ANSWER: your answer to part {}.", i + 1, i + 1, i + 1),
                reference: t.reference(p).map_err(|e| ResearchError::spec(format!("parts[{i}]"), e))?,
            });
        }
        steps.push(Step {
            name: "combine".into(),
            prompt: format!(
                "Step {}: give all {n} answers on one line in the task's format.",
                n + 1
            ),
            reference: self.reference(spec)?,
        });
        Ok(steps)
    }
    fn grade_step(&self, spec: &Value, step: usize, answer: &str) -> Result<bool, ResearchError> {
        let ps = parts(spec)?;
        match ps.get(step) {
            Some((t, p)) => Ok(t
                .grade(p, answer)
                .map_err(|e| ResearchError::spec(format!("parts[{step}]"), e))?
                .correct),
            None => Ok(self.grade(spec, answer)?.correct),
        }
    }
}
