//! Engine-generated capability tasks: one module per task kind, each with a seeded generator, the
//! engine's reference answer and a grader that recomputes the truth from the model the item
//! carries (never from a stored key), so every item is its own verification.
//!
//! Answers are structured (action maps, sets of letters, exact rationals, profiles) so that a
//! guess rarely succeeds; each kind states its chance rate for a uniform guess over its format.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use spi_games::format::json::{game_from_value, game_to_value};
use spi_games::{Game, Rational};

pub mod csr;
pub mod full_strategy;
pub mod modal;
pub mod pmm;
pub mod program_design;
pub mod renegotiation;
pub mod spi_search;
pub mod surrogate;
pub mod transformations;

/// Difficulty tiers: 1 small games and one step; 3 the largest games and deepest reasoning.
pub const TIERS: [u8; 3] = [1, 2, 3];

/// A generated item before it is wrapped into a sample.
#[derive(Debug, Clone)]
pub struct Generated {
    /// What the model is shown (ends with the answer format).
    pub input: String,
    /// The `check` spec (includes `kind`).
    pub check: Value,
}

/// A grade.
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    /// Whether the answer is right.
    pub correct: bool,
    /// The answer as read (normalised), if it could be read.
    pub answer: Option<String>,
    /// Why.
    pub explanation: String,
}

/// One task kind.
pub trait Task: Sync {
    /// The `check.kind`.
    fn kind(&self) -> &'static str;
    /// One line for datasheets and `spi suite show`.
    fn about(&self) -> &'static str;
    /// Chance of a uniform guess over the answer format, roughly (for reports).
    fn chance(&self) -> f64;
    /// A seeded item of the tier.
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated;
    /// Checks that a spec is well formed (and the model can be evaluated).
    fn validate(&self, spec: &Value) -> Result<(), String>;
    /// The engine's answer, in the answer format.
    fn reference(&self, spec: &Value) -> Result<String, String>;
    /// Grades an answer (what [`Task::extract`] read from the output).
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String>;
    /// Reads the answer from a model's whole output: by default the text after the last `ANSWER:`.
    fn extract(&self, output: &str) -> String {
        final_answer(output)
    }
    /// A whole output carrying `reference` in the answer format (what an oracle would write).
    fn render_answer(&self, reference: &str) -> String {
        format!("ANSWER: {reference}")
    }
}

/// Every task kind, in generation order.
pub const TASKS: &[&dyn Task] = &[
    &spi_search::SpiSearchTask,
    &transformations::TransformationsTask,
    &pmm::PmmTask,
    &pmm::ThreatPointTask,
    &renegotiation::RenegotiationTask,
    &csr::CsrTask,
    &modal::ModalTask,
    &full_strategy::FullStrategyTask,
    &surrogate::SurrogateTask,
];

/// Interactive kinds: the model writes a program that is run, not an answer that is compared.
/// Generated apart from [`TASKS`] (`spi suite generate --interactive`), so the capability release
/// does not move when one is added.
pub const INTERACTIVE: &[&dyn Task] = &[&program_design::ProgramDesignTask];

/// The task of a kind.
pub fn task(kind: &str) -> Option<&'static dyn Task> {
    TASKS
        .iter()
        .chain(INTERACTIVE)
        .copied()
        .find(|t| t.kind() == kind)
}

/// The text after the last `ANSWER:` (case-insensitive) in the output, else the whole output,
/// trimmed; surrounding backticks and a final period are dropped.
pub fn final_answer(output: &str) -> String {
    let lower = output.to_ascii_lowercase();
    let text = match lower.rfind("answer:") {
        Some(k) => &output[k + "answer:".len()..],
        None => output,
    };
    let line = text.trim().lines().next().unwrap_or("").trim();
    line.trim_matches('`')
        .trim()
        .trim_end_matches('.')
        .trim()
        .to_string()
}

/// The game in a spec's `game` field.
pub fn spec_game(spec: &Value) -> Result<Game, String> {
    let g = spec.get("game").ok_or("the spec has no `game`")?;
    game_from_value(g).map_err(|e| format!("game: {e}"))
}

/// A game as a spec value.
pub fn game_value(g: &Game) -> Value {
    game_to_value(g)
}

/// A random game of the given shape with integer payoffs in `lo..=hi`, with named players and actions.
pub fn random_game(
    rng: &mut ChaCha8Rng,
    players: [&str; 2],
    actions: [Vec<String>; 2],
    lo: i64,
    hi: i64,
) -> Game {
    let (m, n) = (actions[0].len(), actions[1].len());
    let table: Vec<Rational> = (0..m * n * 2)
        .map(|_| Rational::from_int(rng.random_range(lo..=hi)))
        .collect();
    let g = Game::new(
        "generated",
        players.iter().map(|s| s.to_string()).collect(),
        actions.to_vec(),
        table,
    );
    match g {
        Ok(g) => g,
        Err(e) => unreachable!("a generated table has the right shape: {e}"),
    }
}

/// Action names `prefix1..prefixk`.
pub fn names(prefix: &str, k: usize) -> Vec<String> {
    (1..=k).map(|j| format!("{prefix}{j}")).collect()
}

/// A two-player game as a text table: one line per row action, `(u_row, u_col)` per column.
pub fn game_table(g: &Game) -> String {
    let mut s = format!(
        "{} chooses a row, {} a column; each cell is ({}'s payoff, {}'s payoff).\n",
        g.players()[0],
        g.players()[1],
        g.players()[0],
        g.players()[1]
    );
    s.push_str(&format!("      {}\n", g.actions(1).join("       ")));
    for a in 0..g.num_actions(0) {
        let cells: Vec<String> = (0..g.num_actions(1))
            .map(|b| {
                let u = g.payoffs(&[a, b]);
                format!("({}, {})", u[0], u[1])
            })
            .collect();
        s.push_str(&format!("{:<5} {}\n", g.actions(0)[a], cells.join(" ")));
    }
    s
}

/// Reads `x, y` as two exact numbers.
pub fn parse_pair(answer: &str) -> Option<[Rational; 2]> {
    let t = answer.trim().trim_start_matches('(').trim_end_matches(')');
    let mut it = t.split([',', ';']).map(str::trim);
    let x = it.next()?.parse().ok()?;
    let y = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    Some([x, y])
}

/// A set of labels written as `A, C` or `A C` or `{A, C}`; `NONE` or empty is the empty set.
pub fn parse_set(answer: &str) -> std::collections::BTreeSet<String> {
    let t = answer.trim().trim_start_matches('{').trim_end_matches('}');
    if t.eq_ignore_ascii_case("none") {
        return Default::default();
    }
    t.split([',', ' ', ';'])
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A set as the canonical answer text (`NONE` when empty).
pub fn set_text(s: &std::collections::BTreeSet<String>) -> String {
    if s.is_empty() {
        "NONE".into()
    } else {
        s.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// Grades by comparing with the reference after a normalisation both sides share.
pub fn grade_equal(reference: String, read: Option<String>, what: &str) -> Grade {
    let correct = read.as_deref() == Some(reference.as_str());
    Grade {
        correct,
        explanation: match &read {
            Some(r) if correct => format!("{what} {r}: right"),
            Some(r) => format!("{what}: expected {reference}, read {r}"),
            None => format!("{what}: expected {reference}, could not read the answer"),
        },
        answer: read,
    }
}

/// Re-verifies a generated item: its spec validates, its target (when given) is the engine's
/// reference answer, and that answer grades as right.
pub fn verify_generated(check: &Value, target: Option<&str>) -> Result<(), String> {
    let kind = check
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("the check has no kind")?;
    let t = task(kind).ok_or_else(|| format!("no engine check `{kind}`"))?;
    t.validate(check)?;
    let r = t.reference(check)?;
    if let Some(target) = target
        && target != r
    {
        return Err(format!(
            "the target {target:?} is not the engine's answer {r:?}"
        ));
    }
    let g = t.grade(check, &r)?;
    if !g.correct {
        return Err(format!(
            "the reference answer {r:?} does not grade as right: {}",
            g.explanation
        ));
    }
    Ok(())
}
