//! Class 2, verify or refute: a claimed SPI (an action map on the IESDS survivors) is given;
//! the answer is VALID with both players' total gains, or an exact counterexample: a surviving
//! profile, the player who loses there and by how much. Any true counterexample passes.
//! The class's second family, isomorphism claims, lives in [`super::isomorphic`]; every method
//! here hands a spec with a second game to it.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::{Game, Rational, iesds};
use spi_theory::{ActionMap, SpiClaim, SpiKind, SpiQuery, search, verify};

use super::common::{game_at, game_value, map_text, parse_profile, profile_text, rename, table};
use super::isomorphic::{self, IsoClaim};
use super::search::SPI_DEFINITION;
use crate::error::ResearchError;
use crate::task::{Class, ClassTask, Generated, Grade, Step, spec_tier};

/// The class.
pub struct RefuteClass;

/// A claimed map read from a spec: survivors and their images per player.
pub struct Claim {
    /// The game.
    pub game: Game,
    /// IESDS survivors per player (sorted).
    pub from: Vec<Vec<usize>>,
    /// The image of each survivor.
    pub to: Vec<Vec<usize>>,
}

impl Claim {
    /// Reads `game` and `claim` (`{"images": [[..], [..]]}`) from a spec.
    pub fn from_spec(spec: &Value) -> Result<Claim, ResearchError> {
        let game = game_at(spec, "game")?;
        let from = iesds(&game).surviving;
        let imgs = spec
            .pointer("/claim/images")
            .and_then(Value::as_array)
            .ok_or_else(|| ResearchError::spec("claim.images", "expected two arrays"))?;
        if imgs.len() != 2 {
            return Err(ResearchError::spec("claim.images", "expected two arrays"));
        }
        let mut to = Vec::new();
        for (i, a) in imgs.iter().enumerate() {
            let v: Vec<usize> = super::common::indices(Some(a));
            if v.len() != from[i].len() || v.iter().any(|&x| x >= game.num_actions(i)) {
                return Err(ResearchError::spec(
                    format!("claim.images[{i}]"),
                    "expected one action index per survivor",
                ));
            }
            to.push(v);
        }
        Ok(Claim { game, from, to })
    }

    /// The mapped profile of a surviving profile given by survivor positions.
    fn mapped(&self, p: [usize; 2]) -> Option<[usize; 2]> {
        let a = self.from[0].iter().position(|&x| x == p[0])?;
        let b = self.from[1].iter().position(|&x| x == p[1])?;
        Some([self.to[0][a], self.to[1][b]])
    }

    /// Every (profile, player, loss) where the mapped profile pays a player less.
    pub fn violations(&self) -> Vec<([usize; 2], usize, Rational)> {
        let mut out = Vec::new();
        for &a in &self.from[0] {
            for &b in &self.from[1] {
                let Some(q) = self.mapped([a, b]) else {
                    continue;
                };
                for i in 0..2 {
                    let loss =
                        self.game.payoff(&[a, b], i).clone() - self.game.payoff(&q, i).clone();
                    if loss.is_positive() {
                        out.push(([a, b], i, loss));
                    }
                }
            }
        }
        out
    }

    /// Each player's total gain over the surviving profiles.
    pub fn gains(&self) -> [Rational; 2] {
        let mut g = [Rational::from_int(0), Rational::from_int(0)];
        for &a in &self.from[0] {
            for &b in &self.from[1] {
                if let Some(q) = self.mapped([a, b]) {
                    for (i, gi) in g.iter_mut().enumerate() {
                        *gi = gi.clone() + self.game.payoff(&q, i).clone()
                            - self.game.payoff(&[a, b], i).clone();
                    }
                }
            }
        }
        g
    }

    /// The claim's map as text.
    pub fn text(&self) -> String {
        map_text(&self.game, &self.from, &self.to)
    }
}

/// Game size and IESDS core size of a tier (shared with class 7).
pub fn sizes(tier: u8) -> (usize, usize) {
    match tier {
        1 => (6, 3),
        2 => (8, 4),
        _ => (9, 4),
    }
}

/// A planted game, one of its SPIs, and (when `valid` is false) a perturbation of it that some
/// surviving profile refutes; `None` when the draw does not give one (the caller draws again).
pub fn draw_claim(rng: &mut ChaCha8Rng, tier: u8, valid: bool) -> Option<(Game, Vec<Vec<usize>>)> {
    let (m, k) = sizes(tier);
    let g = rename(
        &spi_theory::generate::padded_game(rng.random(), m, k, true).game,
        "claim",
    );
    let s = search(&g, &SpiQuery::omnilateral()).ok()?;
    let w = s.witnesses.first()?.clone();
    let claim = SpiClaim::from_witness(&g, &s.reduction, SpiKind::Omnilateral, &w).ok()?;
    verify(&g, &claim).ok()?;
    let mut images = w.images.clone();
    if !valid {
        let i = rng.random_range(0..2);
        let j = rng.random_range(0..images[i].len());
        let free: Vec<usize> = (0..g.num_actions(i))
            .filter(|x| !images[i].contains(x))
            .collect();
        images[i][j] = *free.choose(rng)?;
    }
    let c = Claim {
        game: g.clone(),
        from: s.reduction.surviving.clone(),
        to: images.clone(),
    };
    if c.violations().is_empty() != valid {
        return None;
    }
    if valid {
        // The Pareto reading in the prompt and the verifier must agree on the key.
        let map = ActionMap {
            images: images.clone(),
        };
        verify(
            &g,
            &SpiClaim::from_witness(&g, &s.reduction, SpiKind::Omnilateral, &map).ok()?,
        )
        .ok()?;
    }
    Some((g, images))
}

impl ClassTask for RefuteClass {
    fn class(&self) -> Class {
        Class::VerifyRefute
    }
    fn about(&self) -> &'static str {
        "verify a claimed SPI (VALID with both total gains) or refute it (surviving profile, losing player, exact loss)"
    }
    fn chance(&self, tier: u8) -> f64 {
        // VALID needs two exact totals; a counterexample a profile among k^2, a player, an amount 1..=11.
        // The bound covers both families, so it is the larger of the two.
        let (_, k) = sizes(tier);
        (1.0 / ((k * k * 2 * 11) as f64)).max(isomorphic::chance(tier))
    }
    fn families(&self) -> &'static [&'static str] {
        &["", isomorphic::FAMILY]
    }
    fn first_family_name(&self) -> &'static str {
        "action-map"
    }
    fn generate_family(&self, family: &str, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        if family == isomorphic::FAMILY {
            isomorphic::generate(rng, tier)
        } else {
            self.generate(rng, tier)
        }
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let valid = rng.random_bool(0.35);
        let (g, images) = loop {
            if let Some(x) = draw_claim(rng, tier, valid) {
                break x;
            }
        };
        let spec = json!({"kind": "research", "class": "verify-refute", "tier": tier,
            "game": game_value(&g), "claim": {"images": images}});
        let claim = Claim::from_spec(&spec)
            .unwrap_or_else(|e| unreachable!("a drawn claim reads back: {e}"));
        let input = format!(
            "{SPI_DEFINITION}\n\n{}\nA colleague claims this instruction is an SPI: {}\nIs the claim valid?\n\
End with one line: if it is valid, ANSWER: VALID | Row's total gain, Column's total gain (each the sum, over \
all profiles of surviving actions, of the mapped payoff minus the original payoff, as exact numbers; for \
example `ANSWER: VALID | 7, 3`); if not, ANSWER: (Row's action, Column's action) | the player who loses there | \
how much they lose (for example `ANSWER: (R2, C1) | Column | 3`).",
            table(&g),
            claim.text()
        );
        Generated { input, spec }
    }
    fn validate(&self, spec: &Value) -> Result<(), ResearchError> {
        spec_tier(spec)?;
        if IsoClaim::is_one(spec) {
            return IsoClaim::from_spec(spec).map(|_| ());
        }
        Claim::from_spec(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, ResearchError> {
        if IsoClaim::is_one(spec) {
            return isomorphic::reference(spec);
        }
        let c = Claim::from_spec(spec)?;
        Ok(match c.violations().first() {
            None => {
                let g = c.gains();
                format!("VALID | {}, {}", g[0], g[1])
            }
            Some((p, i, loss)) => format!(
                "{} | {} | {}",
                profile_text(&c.game, p),
                c.game.players()[*i],
                loss
            ),
        })
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
        if IsoClaim::is_one(spec) {
            return isomorphic::grade(spec, answer);
        }
        let c = Claim::from_spec(spec)?;
        let parts: Vec<&str> = answer.split('|').map(str::trim).collect();
        let violations = c.violations();
        if parts.len() == 2 && parts[0].eq_ignore_ascii_case("valid") {
            let Some(read) = super::common::parse_pair(parts[1]) else {
                return Ok(Grade::invalid("VALID must be followed by `| gain, gain`"));
            };
            let text = format!("VALID | {}, {}", read[0], read[1]);
            if !violations.is_empty() {
                return Ok(Grade::wrong(
                    Some(text),
                    "the claim is refuted",
                    "the claim is not valid: some surviving profile leaves a player worse off",
                ));
            }
            let want = c.gains();
            return Ok(if read == want {
                Grade::right(text, "valid, and the totals are right")
            } else {
                Grade::wrong(
                    Some(text),
                    format!("totals are {}, {}", want[0], want[1]),
                    "VALID is right but the totals are wrong; recompute the mapped payoffs",
                )
            });
        }
        if parts.len() != 3 {
            return Ok(Grade::invalid(
                "expected `VALID | x, y` or `(R, C) | player | amount`",
            ));
        }
        let Some(p) = parse_profile(&c.game, parts[0]) else {
            return Ok(Grade::invalid(format!(
                "`{}` is not a profile of the game",
                parts[0]
            )));
        };
        let Some(i) = c
            .game
            .players()
            .iter()
            .position(|n| n.eq_ignore_ascii_case(parts[1]))
        else {
            return Ok(Grade::invalid(format!("`{}` is not a player", parts[1])));
        };
        let Ok(amount) = parts[2].parse::<Rational>() else {
            return Ok(Grade::invalid(format!(
                "`{}` is not an exact number",
                parts[2]
            )));
        };
        let text = format!(
            "{} | {} | {}",
            profile_text(&c.game, &p),
            c.game.players()[i],
            amount
        );
        let Some(q) = c.mapped(p) else {
            return Ok(Grade::wrong(
                Some(text),
                "not a surviving profile",
                format!(
                    "{} is not a profile of surviving actions",
                    profile_text(&c.game, &p)
                ),
            ));
        };
        let loss = c.game.payoff(&p, i).clone() - c.game.payoff(&q, i).clone();
        Ok(if loss.is_positive() && loss == amount {
            Grade::right(text, "a true counterexample")
        } else {
            Grade::wrong(
                Some(text),
                format!("at that profile {}'s loss is {loss}", c.game.players()[i]),
                format!(
                    "at {} the claim maps to {}: {}'s payoff goes from {} to {}, which is not a loss of {amount}",
                    profile_text(&c.game, &p),
                    profile_text(&c.game, &q),
                    c.game.players()[i],
                    c.game.payoff(&p, i),
                    c.game.payoff(&q, i)
                ),
            )
        })
    }
    fn steps(&self, spec: &Value) -> Result<Vec<Step>, ResearchError> {
        if IsoClaim::is_one(spec) {
            return isomorphic::steps(spec);
        }
        let c = Claim::from_spec(spec)?;
        Ok(vec![
            Step {
                name: "verdict".into(),
                prompt: "Step 1: is the claim valid? End with one line: ANSWER: VALID or ANSWER: INVALID.".into(),
                reference: if c.violations().is_empty() { "VALID" } else { "INVALID" }.into(),
            },
            Step {
                name: "witness".into(),
                prompt: "Step 2: now give the full answer in the task's format (VALID with the totals, or the counterexample).".into(),
                reference: self.reference(spec)?,
            },
        ])
    }
}
