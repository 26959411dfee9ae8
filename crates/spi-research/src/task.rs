//! The task-class interface every checkable class (1-8) implements: a seeded generator, the
//! engine's reference answer, a grader that recomputes the truth from the spec the task carries,
//! and the task's natural steps for the decomposed and human check-in modes.

use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::error::ResearchError;

/// The ten task classes of the benchmark, in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// 1. Find an SPI (an action map) or show none exists.
    Search,
    /// 2. Is a claimed SPI valid? If not, the exact counterexample.
    VerifyRefute,
    /// 3. Construct a game on which a stated transformation fails in a stated way.
    Counterexample,
    /// 4. What programs and modal agents do against each other.
    ProgramOutcomes,
    /// 5. Write a program meeting a specification.
    ProgramDesign,
    /// 6. Exact computations (PMM, threat points, surrogate thresholds).
    ExactComputation,
    /// 7. Find the planted error in a short argument.
    FindTheFlaw,
    /// 8. Turn an informal claim into a checkable predicate.
    Formalise,
    /// 9. Rate critiques of an argument (hand-written, not checkable).
    Critique,
    /// 10. Open conceptual questions (hand-written, rubric-judged).
    OpenQuestions,
}

impl Class {
    /// Every class, in order.
    pub const ALL: [Class; 10] = [
        Class::Search,
        Class::VerifyRefute,
        Class::Counterexample,
        Class::ProgramOutcomes,
        Class::ProgramDesign,
        Class::ExactComputation,
        Class::FindTheFlaw,
        Class::Formalise,
        Class::Critique,
        Class::OpenQuestions,
    ];

    /// The folder name under `research/` (also the name on the command line).
    pub fn slug(self) -> &'static str {
        match self {
            Class::Search => "search",
            Class::VerifyRefute => "verify-refute",
            Class::Counterexample => "counterexample",
            Class::ProgramOutcomes => "program-outcomes",
            Class::ProgramDesign => "program-design",
            Class::ExactComputation => "exact-computation",
            Class::FindTheFlaw => "find-the-flaw",
            Class::Formalise => "formalise",
            Class::Critique => "critique",
            Class::OpenQuestions => "open-questions",
        }
    }

    /// The class number (1-10).
    pub fn number(self) -> u8 {
        Class::ALL.iter().position(|&c| c == self).unwrap_or(0) as u8 + 1
    }

    /// Whether the engine grades it exactly (classes 1-8) or it is hand-written (9-10).
    pub fn is_checkable(self) -> bool {
        self.number() <= 8
    }

    /// Reads a slug or a number (`search`, `1`).
    pub fn parse(s: &str) -> Result<Class, ResearchError> {
        Class::ALL
            .iter()
            .copied()
            .find(|c| c.slug() == s || c.number().to_string() == s)
            .ok_or_else(|| ResearchError::Unknown {
                what: "class",
                found: s.to_string(),
                expected: Class::ALL
                    .iter()
                    .map(|c| c.slug())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// Difficulty tiers: 1 small games and short chains; 3 the largest games and longest chains.
pub const TIERS: [u8; 3] = [1, 2, 3];

/// A generated task before it becomes a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// What the model is shown (ends with the strict answer format).
    pub input: String,
    /// The `check` spec: `kind = "research"`, `class`, `tier` and the instance.
    pub spec: Value,
}

/// A grade of one answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    /// Whether the answer is right.
    pub correct: bool,
    /// The answer as read (normalised), or `None` when it could not be read (an invalid answer).
    pub answer: Option<String>,
    /// Why, for the log (may name the true value).
    pub explanation: String,
    /// What the engine tells the model in the engine-in-the-loop mode: the exact counterexample
    /// to its answer, never the key itself.
    pub feedback: String,
}

impl Grade {
    /// A right answer.
    pub fn right(answer: String, explanation: impl Into<String>) -> Grade {
        Grade {
            correct: true,
            answer: Some(answer),
            explanation: explanation.into(),
            feedback: "accepted".into(),
        }
    }
    /// A wrong answer, with the engine's counterexample as feedback.
    pub fn wrong(
        answer: Option<String>,
        explanation: impl Into<String>,
        feedback: impl Into<String>,
    ) -> Grade {
        Grade {
            correct: false,
            answer,
            explanation: explanation.into(),
            feedback: feedback.into(),
        }
    }
    /// An answer that could not be read: counted as invalid.
    pub fn invalid(why: impl Into<String>) -> Grade {
        let why = why.into();
        Grade {
            correct: false,
            answer: None,
            explanation: format!("invalid answer: {why}"),
            feedback: format!("your answer could not be read: {why}"),
        }
    }
}

/// One step of a task's decomposition: what the model is asked, and the step's right answer
/// (what an overseer substitutes when the model's step fails its check-in).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Short name for reports (`iesds`, `map`, `part-2`).
    pub name: String,
    /// The request for this step (the first step's request follows the task's input).
    pub prompt: String,
    /// The step's answer as the engine computes it.
    pub reference: String,
}

/// A checkable task class.
///
/// Implementations are total: `grade` and `grade_step` never panic on any answer text, and an
/// unreadable answer is a [`Grade::invalid`], not an error. Errors are for specs only.
pub trait ClassTask: Sync {
    /// The class.
    fn class(&self) -> Class;
    /// One line for datasheets and `spi research list`.
    fn about(&self) -> &'static str;
    /// An upper bound on the chance that a uniform guess over the answer format is right.
    fn chance(&self, tier: u8) -> f64;
    /// A seeded task of the tier (of the class's first family).
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated;
    /// The class's task families. The release generates `per_tier` tasks of each family per
    /// tier. The first family is the class's original one and is named `""`: its ids and seeds
    /// carry no family name, so adding a family later leaves every earlier task as it was.
    fn families(&self) -> &'static [&'static str] {
        &[""]
    }
    /// The name reports give the first family (whose tasks carry no `metadata.family`).
    fn first_family_name(&self) -> &'static str {
        "main"
    }
    /// A seeded task of one of [`ClassTask::families`] and the tier.
    fn generate_family(&self, family: &str, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        // A class with one family has nothing to choose.
        let _ = family;
        self.generate(rng, tier)
    }
    /// Whether a spec is one this class can grade.
    fn validate(&self, spec: &Value) -> Result<(), ResearchError>;
    /// The engine's answer, in the answer format (the text after `ANSWER:`).
    fn reference(&self, spec: &Value) -> Result<String, ResearchError>;
    /// The answer in a model's output: by default the first line after the last `ANSWER:`;
    /// classes whose answers span lines (programs) override it.
    fn answer_text(&self, output: &str) -> String {
        final_answer(output)
    }
    /// Grades an answer (the text after the final `ANSWER:`).
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, ResearchError>;
    /// The task's steps; the last is the whole answer and is graded by [`ClassTask::grade`].
    fn steps(&self, spec: &Value) -> Result<Vec<Step>, ResearchError> {
        Ok(vec![Step {
            name: "answer".into(),
            prompt: String::new(),
            reference: self.reference(spec)?,
        }])
    }
    /// Grades one step's answer; the default compares it with the step's reference after
    /// normalising whitespace and case (the last step is graded by `grade`).
    fn grade_step(&self, spec: &Value, step: usize, answer: &str) -> Result<bool, ResearchError> {
        let steps = self.steps(spec)?;
        if step + 1 >= steps.len() {
            return Ok(self.grade(spec, answer)?.correct);
        }
        Ok(normalise(answer) == normalise(&steps[step].reference))
    }
}

/// Lower case, single spaces, no spaces around `,;|:`.
pub fn normalise(s: &str) -> String {
    let mut out = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    for p in [",", ";", "|", ":", "->", "(", ")"] {
        out = out
            .replace(&format!(" {p}"), p)
            .replace(&format!("{p} "), p);
    }
    out.trim_end_matches('.').to_string()
}

/// The text after the last `ANSWER:` of an output (first line), trimmed; the whole output when
/// it has none.
pub fn final_answer(output: &str) -> String {
    spi_suites::tasks::final_answer(output)
}

/// The spec's `tier`.
pub fn spec_tier(spec: &Value) -> Result<u8, ResearchError> {
    spec.get("tier")
        .and_then(Value::as_u64)
        .filter(|t| (1..=3).contains(t))
        .map(|t| t as u8)
        .ok_or_else(|| ResearchError::spec("tier", "expected 1, 2 or 3"))
}

/// A spec's field, or a spec error naming it.
pub fn field<'a>(spec: &'a Value, name: &str) -> Result<&'a Value, ResearchError> {
    spec.get(name)
        .ok_or_else(|| ResearchError::spec(name, "missing"))
}
