//! "Find a non-trivial SPI of this game, or say there is none" (OC Sec. 4): graded by the
//! independent verifier, so any valid SPI is accepted, not only the engine's.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::{Game, iesds};
use spi_theory::{ActionMap, SpiClaim, SpiKind, SpiQuery, search, verify};

use super::{Generated, Grade, Task, game_table, game_value, spec_game};

/// The task.
pub struct SpiSearchTask;

fn rename(g: &Game) -> Game {
    let m = g.num_actions(0);
    let n = g.num_actions(1);
    let actions = vec![super::names("R", m), super::names("C", n)];
    match Game::new(
        "spi-search",
        vec!["Row".into(), "Column".into()],
        actions,
        g.payoff_table().to_vec(),
    ) {
        Ok(g) => g,
        Err(e) => unreachable!("same shape: {e}"),
    }
}

fn map_text(g: &Game, surviving: &[Vec<usize>], images: &[Vec<usize>]) -> String {
    (0..2)
        .map(|i| {
            surviving[i]
                .iter()
                .zip(&images[i])
                .map(|(&a, &b)| format!("{}->{}", g.actions(i)[a], g.actions(i)[b]))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads `R2->R5, R3->R1; C1->C4` (also `→`, `=>`, an optional `Row:` label) into per-player maps.
fn parse_map(g: &Game, answer: &str) -> Result<Vec<BTreeMap<usize, usize>>, String> {
    let parts: Vec<&str> = answer.split(';').collect();
    if parts.len() != 2 {
        return Err("expected two parts separated by `;` (Row's map; Column's map)".into());
    }
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let mut part = part.trim();
        if let Some((label, rest)) = part.split_once(':')
            && label.trim().eq_ignore_ascii_case(&g.players()[i])
        {
            part = rest;
        }
        let mut m = BTreeMap::new();
        for pair in part.split(',') {
            let pair = pair.replace('→', "->").replace("=>", "->");
            let (a, b) = pair
                .split_once("->")
                .ok_or_else(|| format!("`{}` is not `X->Y`", pair.trim()))?;
            let find = |s: &str| {
                g.actions(i)
                    .iter()
                    .position(|x| x.eq_ignore_ascii_case(s.trim()))
                    .ok_or_else(|| format!("`{}` is not an action of {}", s.trim(), g.players()[i]))
            };
            let (a, b) = (find(a)?, find(b)?);
            if m.insert(a, b).is_some() {
                return Err(format!("{} is mapped twice", g.actions(i)[a]));
            }
        }
        out.push(m);
    }
    Ok(out)
}

impl Task for SpiSearchTask {
    fn kind(&self) -> &'static str {
        "spi_search"
    }
    fn about(&self) -> &'static str {
        "find a non-trivial omnilateral SPI (action map on the IESDS-reduced game) or answer NONE"
    }
    fn chance(&self) -> f64 {
        // About a third of the items have no SPI: always answering NONE scores that.
        1.0 / 3.0
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (m, k) = match tier {
            1 => (4, 2),
            2 => (6, 3),
            _ => (8, 4),
        };
        let plant = rng.random_bool(2.0 / 3.0);
        let pg = spi_theory::generate::padded_game(rng.random(), m, k, plant);
        let g = rename(&pg.game);
        let input = format!(
            "Two representatives will play the game below on behalf of their principals. Before they \
play, both principals may jointly instruct them to play a substitute game instead: each of a player's \
actions that survives iterated elimination of strictly dominated actions (IESDS) is mapped to an action \
of the original game, injectively, and the representatives play the mapped actions. The instruction is a \
safe Pareto improvement (SPI) when, for every profile of surviving actions, both players' payoffs at the \
mapped profile are at least their payoffs at the original profile. It is non-trivial when some action \
is mapped to a different action.\n\n{}\nGive a non-trivial SPI as the map of every surviving action of \
each player, or NONE if the game has none.\nEnd with one line: ANSWER: Row's map; Column's map (for \
example `ANSWER: R1->R4, R2->R3; C2->C5, C3->C1`) or `ANSWER: NONE`.",
            game_table(&g)
        );
        Generated {
            input,
            check: json!({"kind": self.kind(), "tier": tier, "game": game_value(&g)}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        let g = spec_game(spec)?;
        if g.num_players() != 2 {
            return Err("spi_search needs a two-player game".into());
        }
        Ok(())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        let g = spec_game(spec)?;
        let s = search(&g, &SpiQuery::omnilateral()).map_err(|e| e.to_string())?;
        Ok(match s.witnesses.first() {
            None => "NONE".into(),
            Some(w) => map_text(&g, &s.reduction.surviving, &w.images),
        })
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        let g = spec_game(spec)?;
        let red = iesds(&g);
        if answer.trim().eq_ignore_ascii_case("none") {
            let s = search(&g, &SpiQuery::omnilateral()).map_err(|e| e.to_string())?;
            return Ok(Grade {
                correct: s.witnesses.is_empty(),
                answer: Some("NONE".into()),
                explanation: match s.witnesses.first() {
                    None => "no non-trivial SPI exists: right".into(),
                    Some(w) => format!(
                        "an SPI exists, e.g. {}",
                        map_text(&g, &red.surviving, &w.images)
                    ),
                },
            });
        }
        let maps = match parse_map(&g, answer) {
            Ok(m) => m,
            Err(e) => {
                return Ok(Grade {
                    correct: false,
                    answer: None,
                    explanation: format!("unreadable map: {e}"),
                });
            }
        };
        let mut images = Vec::new();
        for i in 0..2 {
            let keys: Vec<usize> = maps[i].keys().copied().collect();
            if keys != red.surviving[i] {
                let want: Vec<&str> = red.surviving[i]
                    .iter()
                    .map(|&a| g.actions(i)[a].as_str())
                    .collect();
                return Ok(Grade {
                    correct: false,
                    answer: Some(answer.to_string()),
                    explanation: format!(
                        "{}'s map must list exactly the IESDS survivors {}",
                        g.players()[i],
                        want.join(", ")
                    ),
                });
            }
            let im: Vec<usize> = maps[i].values().copied().collect();
            let distinct: std::collections::BTreeSet<usize> = im.iter().copied().collect();
            if distinct.len() != im.len() {
                return Ok(Grade {
                    correct: false,
                    answer: Some(answer.to_string()),
                    explanation: format!(
                        "{}'s map sends two actions to the same action (it must be injective)",
                        g.players()[i]
                    ),
                });
            }
            images.push(im);
        }
        let map = ActionMap { images };
        let read = map_text(&g, &red.surviving, &map.images);
        if map.is_identity(&red) {
            return Ok(Grade {
                correct: false,
                answer: Some(read),
                explanation: "the identity map is the trivial SPI".into(),
            });
        }
        // The checks above make the map a tuple of injections, so this refusal is only a guard.
        let claim = match SpiClaim::from_witness(&g, &red, SpiKind::Omnilateral, &map) {
            Ok(c) => c,
            Err(e) => {
                return Ok(Grade {
                    correct: false,
                    answer: Some(read),
                    explanation: format!("not an action map of this game: {e}"),
                });
            }
        };
        Ok(match verify(&g, &claim) {
            Ok(_) => Grade {
                correct: true,
                answer: Some(read),
                explanation: "the verifier accepts the map as an SPI".into(),
            },
            Err(r) => Grade {
                correct: false,
                answer: Some(read),
                explanation: format!("the verifier rejects it: {r}"),
            },
        })
    }
}
