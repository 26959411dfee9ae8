//! Helpers the game classes share: renamed generated games, survivor sets, map text.

use serde_json::Value;
use spi_games::{Game, Rational};

use crate::error::ResearchError;

/// A copy of `g` with players `Row`, `Column` and actions `R1..`, `C1..`.
pub fn rename(g: &Game, name: &str) -> Game {
    let actions = vec![
        spi_suites::tasks::names("R", g.num_actions(0)),
        spi_suites::tasks::names("C", g.num_actions(1)),
    ];
    match Game::new(
        name,
        vec!["Row".into(), "Column".into()],
        actions,
        g.payoff_table().to_vec(),
    ) {
        Ok(g) => g,
        Err(e) => unreachable!("same shape: {e}"),
    }
}

/// The two-player game in the spec field `name`.
pub fn game_at(spec: &Value, name: &str) -> Result<Game, ResearchError> {
    let v = spec
        .get(name)
        .ok_or_else(|| ResearchError::spec(name, "missing"))?;
    let g = spi_games::format::json::game_from_value(v)
        .map_err(|e| ResearchError::spec(name, e.to_string()))?;
    if g.num_players() != 2 {
        return Err(ResearchError::spec(name, "expected a two-player game"));
    }
    Ok(g)
}

/// A game as a spec value.
pub fn game_value(g: &Game) -> Value {
    spi_games::format::json::game_to_value(g)
}

/// The game as a text table.
pub fn table(g: &Game) -> String {
    spi_suites::tasks::game_table(g)
}

/// `R1, R3; C2` for per-player action sets.
pub fn sets_text(g: &Game, sets: &[Vec<usize>]) -> String {
    sets.iter()
        .enumerate()
        .map(|(i, s)| {
            s.iter()
                .map(|&a| g.actions(i)[a].clone())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads `R1, R3; C2` into sorted per-player action sets; `None` when unreadable.
pub fn parse_sets(g: &Game, text: &str) -> Option<Vec<Vec<usize>>> {
    let parts: Vec<&str> = text.split(';').collect();
    if parts.len() != 2 {
        return None;
    }
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let mut s = Vec::new();
        for a in part.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            let idx = g
                .actions(i)
                .iter()
                .position(|x| x.eq_ignore_ascii_case(a))?;
            if s.contains(&idx) {
                return None;
            }
            s.push(idx);
        }
        s.sort_unstable();
        out.push(s);
    }
    Some(out)
}

/// `R1->R3, R2->R4; C1->C2` for a map from each player's `from` actions to `to` actions.
pub fn map_text(g: &Game, from: &[Vec<usize>], to: &[Vec<usize>]) -> String {
    (0..2)
        .map(|i| {
            from[i]
                .iter()
                .zip(&to[i])
                .map(|(&a, &b)| format!("{}->{}", g.actions(i)[a], g.actions(i)[b]))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A profile's label `(R1, C2)`.
pub fn profile_text(g: &Game, p: &[usize]) -> String {
    format!("({}, {})", g.actions(0)[p[0]], g.actions(1)[p[1]])
}

/// A payoff pair `(3, 1/2)`.
pub fn pair_text(u: &[Rational]) -> String {
    format!("({}, {})", u[0], u[1])
}

/// Reads a profile `R1, C2` or `(R1, C2)`.
pub fn parse_profile(g: &Game, text: &str) -> Option<[usize; 2]> {
    let t = text.trim().trim_start_matches('(').trim_end_matches(')');
    let (a, b) = t.split_once(',')?;
    Some([
        g.actions(0)
            .iter()
            .position(|x| x.eq_ignore_ascii_case(a.trim()))?,
        g.actions(1)
            .iter()
            .position(|x| x.eq_ignore_ascii_case(b.trim()))?,
    ])
}

/// Reads `x, y` (optionally parenthesised) as two exact numbers.
pub fn parse_pair(text: &str) -> Option<[Rational; 2]> {
    spi_suites::tasks::parse_pair(text)
}

/// Case-insensitive prefix strip.
pub fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let t = text.trim_start();
    let head = t.get(..word.len())?;
    head.eq_ignore_ascii_case(word).then(|| &t[word.len()..])
}

/// The non-negative integers of the JSON array `v` (anything else in it is skipped; a missing or
/// non-array value is empty): action indices in task specs.
pub fn indices(v: Option<&Value>) -> Vec<usize> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .map(|x| x as usize)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `v` is a permutation of `0..n` (a bijection of n actions onto n actions).
pub fn is_permutation(v: &[usize], n: usize) -> bool {
    let mut sorted = v.to_vec();
    sorted.sort_unstable();
    sorted.iter().copied().eq(0..n)
}

/// A construction family whose task is read back from its spec and whose answer the engine
/// checks: the generator stores one right answer (`witness`), validation re-checks it, and
/// grading checks any answer the same way, so every valid construction passes.
pub trait WitnessedTask: Sized {
    /// A parsed answer.
    type Answer;
    /// What a witness that does not parse was expected to be (for the spec error).
    const WITNESS_FORMAT: &'static str;
    /// Why a right answer is right (the grade's explanation).
    const RIGHT: &'static str;
    /// The task of a spec.
    fn from_spec(spec: &Value) -> Result<Self, ResearchError>;
    /// Reads an answer in the task's format.
    fn parse_answer(&self, text: &str) -> Result<Self::Answer, String>;
    /// Why the answer fails, or `None` when the engine accepts it.
    fn failure_of(&self, answer: &Self::Answer) -> Result<Option<String>, ResearchError>;
    /// The answer in the task's format.
    fn answer_text(&self, answer: &Self::Answer) -> String;
}

/// Whether the spec's witness is a right answer (checked when a task is validated).
pub fn validate_witness<T: WitnessedTask>(spec: &Value) -> Result<(), ResearchError> {
    let task = T::from_spec(spec)?;
    let w = spec
        .get("witness")
        .and_then(Value::as_str)
        .ok_or_else(|| ResearchError::spec("witness", T::WITNESS_FORMAT))?;
    let answer = task
        .parse_answer(w)
        .map_err(|e| ResearchError::spec("witness", e))?;
    match task.failure_of(&answer)? {
        None => Ok(()),
        Some(f) => Err(ResearchError::spec("witness", f)),
    }
}

/// The generator's witness, after checking it.
pub fn witness<T: WitnessedTask>(spec: &Value) -> Result<String, ResearchError> {
    validate_witness::<T>(spec)?;
    Ok(spec["witness"].as_str().unwrap_or_default().to_string())
}

/// Grades an answer with the engine: invalid when it does not parse, right when the engine
/// accepts it, wrong with the engine's reason otherwise.
pub fn grade_witnessed<T: WitnessedTask>(
    spec: &Value,
    answer: &str,
) -> Result<crate::task::Grade, ResearchError> {
    use crate::task::Grade;
    let task = T::from_spec(spec)?;
    let parsed = match task.parse_answer(answer) {
        Ok(a) => a,
        Err(e) => return Ok(Grade::invalid(e)),
    };
    let text = task.answer_text(&parsed);
    Ok(match task.failure_of(&parsed)? {
        None => Grade::right(text, T::RIGHT),
        Some(f) => Grade::wrong(Some(text), f.clone(), f),
    })
}
