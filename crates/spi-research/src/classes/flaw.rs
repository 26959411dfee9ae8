//! Class 7, find the flaw: a generated step-by-step argument that a claimed instruction is an
//! SPI, with one planted error of a documented kind; the answer is the wrong step and the
//! corrected payoff pair, checked on the instance.
//!
//! The claim is a true SPI; the argument walks through every surviving profile and concludes it
//! is not one. Planted error kinds (DATASHEET): `mapped` (the payoffs at the mapped profile are
//! misread low, so a player seems to lose) and `original` (the payoffs at the original profile
//! are misread high, with the same effect). Exactly one step states a pair not in the table.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::Rational;

use super::common::{pair_text, parse_pair, profile_text, sets_text, strip_word, table};
use super::refute::{Claim, draw_claim};
use super::search::SPI_DEFINITION;
use crate::error::ResearchError;
use crate::task::{Class, ClassTask, Generated, Grade, Step, spec_tier};

/// The class.
pub struct FlawClass;

struct Planted {
    step: usize,
    side: String,
    truth: [Rational; 2],
}

fn planted(spec: &Value, c: &Claim) -> Result<Planted, ResearchError> {
    let step = spec
        .pointer("/planted/step")
        .and_then(Value::as_u64)
        .ok_or_else(|| ResearchError::spec("planted.step", "expected a step number"))?
        as usize;
    let side = spec
        .pointer("/planted/side")
        .and_then(Value::as_str)
        .filter(|s| *s == "mapped" || *s == "original")
        .ok_or_else(|| ResearchError::spec("planted.side", "expected mapped or original"))?;
    let profiles = profiles(c);
    let idx = step
        .checked_sub(2)
        .filter(|i| *i < profiles.len())
        .ok_or_else(|| ResearchError::spec("planted.step", "not a profile step"))?;
    let (p, q) = profiles[idx];
    let at = if side == "mapped" { q } else { p };
    let u = c.game.payoffs(&at);
    Ok(Planted {
        step,
        side: side.to_string(),
        truth: [u[0].clone(), u[1].clone()],
    })
}

/// Surviving profiles in row-major order, with their mapped profiles.
fn profiles(c: &Claim) -> Vec<([usize; 2], [usize; 2])> {
    let mut out = Vec::new();
    for (ia, &a) in c.from[0].iter().enumerate() {
        for (ib, &b) in c.from[1].iter().enumerate() {
            out.push(([a, b], [c.to[0][ia], c.to[1][ib]]));
        }
    }
    out
}

impl ClassTask for FlawClass {
    fn class(&self) -> Class {
        Class::FindTheFlaw
    }
    fn about(&self) -> &'static str {
        "find the one misread payoff in a generated argument that a true SPI is not one (step and corrected pair)"
    }
    fn chance(&self, tier: u8) -> f64 {
        // The step among k^2 + 2, the side, and a pair of payoffs from -2..=11 each.
        let k = super::refute::sizes(tier).1 as f64;
        1.0 / ((k * k + 2.0) * 2.0 * 14.0 * 14.0)
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (game, images) = loop {
            if let Some(x) = draw_claim(rng, tier, true) {
                break x;
            }
        };
        let mut spec = json!({"kind": "research", "class": "find-the-flaw", "tier": tier,
            "game": super::common::game_value(&game), "claim": {"images": images}});
        let c = Claim::from_spec(&spec).unwrap_or_else(|e| unreachable!("drawn claim: {e}"));
        let all = profiles(&c);
        let at = rng.random_range(0..all.len());
        let side = if rng.random_bool(0.5) {
            "mapped"
        } else {
            "original"
        };
        let player = rng.random_range(0..2);
        let step = at + 2;
        let mut lines = vec![format!(
            "Step 1. IESDS leaves {} for Column.",
            sets_text(&c.game, &c.from).replace("; ", " for Row and ")
        )];
        for (k, (p, q)) in all.iter().enumerate() {
            let mut up: Vec<Rational> = c.game.payoffs(p).to_vec();
            let mut uq: Vec<Rational> = c.game.payoffs(q).to_vec();
            let mut verdict = "neither player loses".to_string();
            if k == at {
                // The misread makes the player appear to lose 1 to 3.
                let drop = Rational::from_int(rng.random_range(1..=3));
                if side == "mapped" {
                    uq[player] = up[player].clone() - drop.clone();
                } else {
                    up[player] = uq[player].clone() + drop.clone();
                }
                verdict = format!("{} loses {drop}", c.game.players()[player]);
            }
            lines.push(format!(
                "Step {}. At {} the payoffs are {}; the instruction maps it to {}, where they are {}; {verdict}.",
                k + 2,
                profile_text(&c.game, p),
                pair_text(&up),
                profile_text(&c.game, q),
                pair_text(&uq)
            ));
        }
        lines.push(format!(
            "Step {}. Step {step} shows a surviving profile where a player loses, so the instruction is not an SPI.",
            lines.len() + 1
        ));
        spec["planted"] = json!({"step": step, "side": side});
        let input = format!(
            "{SPI_DEFINITION}\n\n{}\nClaimed instruction: {}\n\nArgument that it is not an SPI:\n{}\n\nExactly one step of this argument misstates a pair of payoffs \
(either at the original profile or at the mapped profile). Find it.\nEnd with one line: ANSWER: STEP n | ORIGINAL x, y or \
ANSWER: STEP n | MAPPED x, y, giving the step and the pair as it really is in the table (for example `ANSWER: STEP 4 | MAPPED 3, 5`).",
            table(&c.game),
            c.text(),
            lines.join("\n")
        );
        Generated { input, spec }
    }
    fn validate(&self, spec: &Value) -> Result<(), ResearchError> {
        spec_tier(spec)?;
        let c = Claim::from_spec(spec)?;
        planted(spec, &c).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, ResearchError> {
        let c = Claim::from_spec(spec)?;
        let p = planted(spec, &c)?;
        Ok(format!(
            "STEP {} | {} {}, {}",
            p.step,
            p.side.to_uppercase(),
            p.truth[0],
            p.truth[1]
        ))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
        let c = Claim::from_spec(spec)?;
        let p = planted(spec, &c)?;
        let Some((head, tail)) = answer.split_once('|') else {
            return Ok(Grade::invalid(
                "expected `STEP n | ORIGINAL x, y` or `STEP n | MAPPED x, y`",
            ));
        };
        let Some(step) = strip_word(head, "step").and_then(|s| s.trim().parse::<usize>().ok())
        else {
            return Ok(Grade::invalid("expected `STEP n` before the `|`"));
        };
        let tail = tail.trim();
        let (side, rest) = match (strip_word(tail, "original"), strip_word(tail, "mapped")) {
            (Some(r), _) => ("original", r),
            (_, Some(r)) => ("mapped", r),
            _ => return Ok(Grade::invalid("expected ORIGINAL or MAPPED after the `|`")),
        };
        let Some(pair) = parse_pair(rest) else {
            return Ok(Grade::invalid(
                "expected two exact numbers after ORIGINAL/MAPPED",
            ));
        };
        let read = format!(
            "STEP {step} | {} {}, {}",
            side.to_uppercase(),
            pair[0],
            pair[1]
        );
        if step != p.step {
            return Ok(Grade::wrong(
                Some(read),
                format!("the planted error is in step {}", p.step),
                format!("step {step} states the table correctly"),
            ));
        }
        if side != p.side {
            return Ok(Grade::wrong(
                Some(read),
                "wrong side",
                format!("the {side} payoffs in step {step} are stated correctly"),
            ));
        }
        Ok(if pair == p.truth {
            Grade::right(read, "the planted error, corrected")
        } else {
            Grade::wrong(
                Some(read),
                format!("the pair is {}, {}", p.truth[0], p.truth[1]),
                "right step and side, but that is not the pair in the table",
            )
        })
    }
    fn steps(&self, spec: &Value) -> Result<Vec<Step>, ResearchError> {
        let c = Claim::from_spec(spec)?;
        let p = planted(spec, &c)?;
        Ok(vec![
            Step {
                name: "locate".into(),
                prompt: "Step 1: which step of the argument is wrong? End with one line: ANSWER: STEP n.".into(),
                reference: format!("STEP {}", p.step),
            },
            Step {
                name: "correct".into(),
                prompt: "Step 2: now give the full answer in the task's format (the step, ORIGINAL or MAPPED, and the true pair).".into(),
                reference: self.reference(spec)?,
            },
        ])
    }
}
