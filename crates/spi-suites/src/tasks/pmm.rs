//! Exact computations on a two-player game: the Pareto meet minimum (DCM: each player's lowest
//! payoff over the Pareto-efficient pure outcomes) and the minimax threat point.

use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::Rational;
use spi_games::pareto::pmm;
use spi_games::threat::threat_point;

use super::{Generated, Grade, Task, game_table, game_value, names, parse_pair, spec_game};

fn pair_text(p: &[Rational]) -> String {
    format!("{}, {}", p[0], p[1])
}

fn shape(tier: u8) -> (usize, i64, i64) {
    match tier {
        1 => (2, 0, 6),
        2 => (3, 0, 9),
        _ => (4, -5, 9),
    }
}

fn two_player(spec: &Value) -> Result<spi_games::Game, String> {
    let g = spec_game(spec)?;
    if g.num_players() != 2 {
        return Err("needs a two-player game".into());
    }
    Ok(g)
}

fn grade_pair(want: Vec<Rational>, answer: &str, what: &str) -> Grade {
    let read = parse_pair(answer);
    let correct = read.as_ref().is_some_and(|r| r[..] == want[..]);
    Grade {
        correct,
        answer: read.as_ref().map(|r| pair_text(r)),
        explanation: match &read {
            Some(r) if correct => format!("{what} ({}): right", pair_text(r)),
            Some(r) => format!(
                "{what}: expected ({}), read ({})",
                pair_text(&want),
                pair_text(r)
            ),
            None => format!(
                "{what}: expected ({}), could not read two exact numbers",
                pair_text(&want)
            ),
        },
    }
}

/// The PMM task.
pub struct PmmTask;

impl Task for PmmTask {
    fn kind(&self) -> &'static str {
        "pmm"
    }
    fn about(&self) -> &'static str {
        "the Pareto meet minimum of a game, as two exact numbers"
    }
    fn chance(&self) -> f64 {
        0.01
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (k, lo, hi) = shape(tier);
        let g = super::random_game(rng, ["Ann", "Bo"], [names("A", k), names("B", k)], lo, hi);
        let input = format!(
            "{}\nAn outcome (cell) is Pareto-efficient when no point of the convex hull of all the \
cells' payoff vectors gives both players at least as much and one of them more. The Pareto meet \
minimum (PMM) is the pair (lowest payoff of Ann over the efficient cells, lowest payoff of Bo over the \
efficient cells).\nWhat is the PMM?\nEnd with one line: ANSWER: x, y (exact numbers, fractions as p/q).",
            game_table(&g)
        );
        Generated {
            input,
            check: json!({"kind": self.kind(), "tier": tier, "game": game_value(&g)}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        two_player(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        Ok(pair_text(&pmm(&two_player(spec)?)))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        Ok(grade_pair(pmm(&two_player(spec)?), answer, "PMM"))
    }
}

/// The threat-point task.
pub struct ThreatPointTask;

impl Task for ThreatPointTask {
    fn kind(&self) -> &'static str {
        "threat_point"
    }
    fn about(&self) -> &'static str {
        "the minimax threat point of a game (mixed punishments), as two exact numbers"
    }
    fn chance(&self) -> f64 {
        0.01
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (k, lo, hi) = shape(tier);
        let g = super::random_game(rng, ["Ann", "Bo"], [names("A", k), names("B", k)], lo, hi);
        let input = format!(
            "{}\nA player's threat value is the lowest expected payoff the other player can hold them \
to: the other picks a (possibly mixed) strategy first, and the player then best-responds to it. The \
threat point is (Ann's threat value, Bo's threat value).\nWhat is the threat point?\nEnd with one line: \
ANSWER: x, y (exact numbers, fractions as p/q).",
            game_table(&g)
        );
        Generated {
            input,
            check: json!({"kind": self.kind(), "tier": tier, "game": game_value(&g)}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        two_player(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        Ok(pair_text(&threat_point(&two_player(spec)?).values))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        Ok(grade_pair(
            threat_point(&two_player(spec)?).values,
            answer,
            "threat point",
        ))
    }
}
