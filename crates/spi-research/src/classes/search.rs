//! Class 1, search: find a non-trivial omnilateral SPI of a game (an action map on its IESDS
//! survivors) or answer NONE together with the survivors. Any map the independent verifier
//! (`spi_theory::verify`) accepts passes, not only the engine's.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::iesds;
use spi_suites::tasks::Task;
use spi_suites::tasks::spi_search::SpiSearchTask;
use spi_theory::{SpiQuery, search};

use super::common::{
    game_at, game_value, map_text, parse_sets, rename, sets_text, strip_word, table,
};
use crate::error::ResearchError;
use crate::task::{Class, ClassTask, Generated, Grade, Step, spec_tier};

/// The class.
pub struct SearchClass;

fn sizes(tier: u8) -> (usize, usize) {
    match tier {
        1 => (6, 2),
        2 => (7, 3),
        _ => (8, 4),
    }
}

/// The prompt's definition of an SPI (shared with classes 2 and 7).
pub const SPI_DEFINITION: &str = "Before two representatives play a game on behalf of their principals, \
the principals may jointly instruct them to play a substitute: each action of a player that survives \
iterated elimination of strictly dominated actions (IESDS, by pure strategies) is mapped to an action of \
the original game, injectively, and the representatives play the mapped actions. The instruction is a \
safe Pareto improvement (SPI) when, for every profile of surviving actions, both players' payoffs at the \
mapped profile are at least their payoffs at the original profile; it is non-trivial when some action is \
mapped to a different action.";

/// An action that a `X->Y, ...; ...` answer maps two actions of the same player to, if any
/// (the verifier requires an injective map; it is refused here before the claim is built).
fn duplicate_image(g: &spi_games::Game, answer: &str) -> Option<String> {
    for (i, part) in answer.split(';').take(2).enumerate() {
        let mut seen = Vec::new();
        for pair in part.split(',') {
            let pair = pair.replace('→', "->").replace("=>", "->");
            let Some((_, b)) = pair.split_once("->") else {
                continue;
            };
            let Some(idx) = g
                .actions(i)
                .iter()
                .position(|x| x.eq_ignore_ascii_case(b.trim()))
            else {
                continue;
            };
            if seen.contains(&idx) {
                return Some(g.actions(i)[idx].clone());
            }
            seen.push(idx);
        }
    }
    None
}

impl ClassTask for SearchClass {
    fn class(&self) -> Class {
        Class::Search
    }
    fn about(&self) -> &'static str {
        "find a non-trivial SPI (an action map on the IESDS survivors, checked by the verifier) or NONE with the survivors"
    }
    fn chance(&self, tier: u8) -> f64 {
        // NONE needs the exact survivor sets (1 in (2^m - 1)^2); a map needs injective images of
        // k survivors among m actions for both players, of which only a few are SPIs.
        let (m, k) = sizes(tier);
        let maps = ((m - k + 1)..=m).product::<usize>().pow(2) as f64;
        (4.0 / maps).max(1.0 / (((1u64 << m) - 1) as f64).powi(2))
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (m, k) = sizes(tier);
        let plant = rng.random_bool(0.7);
        let g = rename(
            &spi_theory::generate::padded_game(rng.random(), m, k, plant).game,
            "search",
        );
        let input = format!(
            "{SPI_DEFINITION}\n\n{}\nFind a non-trivial SPI, or show that none exists.\nEnd with one line: \
ANSWER: Row's map; Column's map, listing every surviving action of each player (for example \
`ANSWER: R1->R4, R2->R3; C2->C5, C3->C1`), or, if there is none, ANSWER: NONE | Row's survivors; \
Column's survivors (for example `ANSWER: NONE | R2, R3; C1, C4`).",
            table(&g)
        );
        Generated {
            input,
            spec: json!({"kind": "research", "class": "search", "tier": tier, "game": game_value(&g)}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), ResearchError> {
        spec_tier(spec)?;
        game_at(spec, "game").map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, ResearchError> {
        let g = game_at(spec, "game")?;
        let s = search(&g, &SpiQuery::omnilateral())
            .map_err(|e| ResearchError::spec("game", e.to_string()))?;
        Ok(match s.witnesses.first() {
            Some(w) => map_text(&g, &s.reduction.surviving, &w.images),
            None => format!("NONE | {}", sets_text(&g, &s.reduction.surviving)),
        })
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
        let g = game_at(spec, "game")?;
        let red = iesds(&g);
        if let Some(rest) = strip_word(answer, "none") {
            let Some(sets) = rest
                .trim()
                .strip_prefix('|')
                .and_then(|s| parse_sets(&g, s))
            else {
                return Ok(Grade::invalid(
                    "NONE must be followed by `| Row's survivors; Column's survivors`",
                ));
            };
            let s = search(&g, &SpiQuery::omnilateral())
                .map_err(|e| ResearchError::spec("game", e.to_string()))?;
            let read = format!("NONE | {}", sets_text(&g, &sets));
            if !s.witnesses.is_empty() {
                return Ok(Grade::wrong(
                    Some(read),
                    "an SPI exists",
                    "the engine found a non-trivial SPI of this game, so NONE is wrong",
                ));
            }
            if sets != red.surviving {
                return Ok(Grade::wrong(
                    Some(read),
                    format!("survivors are {}", sets_text(&g, &red.surviving)),
                    "NONE is right but the survivor sets are not what IESDS leaves; redo the elimination",
                ));
            }
            return Ok(Grade::right(
                read,
                "no non-trivial SPI exists and the survivors are right",
            ));
        }
        if let Some(dup) = duplicate_image(&g, answer) {
            return Ok(Grade::wrong(
                Some(answer.trim().to_string()),
                format!("{dup} is the image of two actions"),
                format!("the map is not injective: {dup} is the image of two actions"),
            ));
        }
        let sub = json!({"kind": "spi_search", "game": spec["game"].clone()});
        let gr = SpiSearchTask
            .grade(&sub, answer)
            .map_err(|e| ResearchError::spec("game", e))?;
        Ok(if gr.correct {
            Grade::right(gr.answer.unwrap_or_default(), gr.explanation)
        } else if gr.answer.is_none() {
            Grade::invalid(gr.explanation)
        } else {
            Grade::wrong(gr.answer, gr.explanation.clone(), gr.explanation)
        })
    }
    fn steps(&self, spec: &Value) -> Result<Vec<Step>, ResearchError> {
        let g = game_at(spec, "game")?;
        Ok(vec![
            Step {
                name: "iesds".into(),
                prompt: "Step 1: which actions of each player survive IESDS? End with one line: ANSWER: Row's \
survivors; Column's survivors (for example `ANSWER: R2, R3; C1, C4`)."
                    .into(),
                reference: sets_text(&g, &iesds(&g).surviving),
            },
            Step {
                name: "map".into(),
                prompt: "Step 2: now give a non-trivial SPI as the map of every surviving action, or NONE \
with the survivors, in the answer format of the task."
                    .into(),
                reference: self.reference(spec)?,
            },
        ])
    }
    fn grade_step(&self, spec: &Value, step: usize, answer: &str) -> Result<bool, ResearchError> {
        let g = game_at(spec, "game")?;
        if step == 0 {
            return Ok(parse_sets(&g, answer).is_some_and(|s| s == iesds(&g).surviving));
        }
        Ok(self.grade(spec, answer)?.correct)
    }
}
