//! "What do these two programs play?" for DCM Algorithm 1 renegotiation programs
//! (`spi_programs::library::renegotiation_source`) around fixed-action defaults, run in the
//! program interpreter: the answer is the profile played.

use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::{Game, Rational};
use spi_programs::library::{propose_fixed, renegotiation_source};
use spi_programs::{Limits, Outcome, Program, ProgramGame, play};

use super::{Generated, Grade, Task, game_table, game_value, names, spec_game};

/// The task.
pub struct RenegotiationTask;

fn fixed(action: &str) -> String {
    format!("name \"Always{action}\";\nmain {{\n  return \"{action}\";\n}}")
}

fn program(g: &Game, p: &Value, seat: usize) -> Result<Arc<Program>, String> {
    let default = p
        .get("default")
        .and_then(Value::as_str)
        .ok_or("a program without `default`")?;
    if g.action_index(seat, default).is_none() {
        return Err(format!(
            "`{default}` is not an action of {}",
            g.players()[seat]
        ));
    }
    let limits = Limits::default();
    let base = Program::parse(&fixed(default), &limits).map_err(|e| e.to_string())?;
    let src = match p.get("propose") {
        None | Some(Value::Null) => return Ok(Arc::new(base)),
        Some(Value::Array(a)) if a.len() == 2 => {
            let x = a[0].as_str().ok_or("propose: names")?;
            let y = a[1].as_str().ok_or("propose: names")?;
            if g.action_index(0, x).is_none() || g.action_index(1, y).is_none() {
                return Err(format!("propose: ({x}, {y}) is not a profile of the game"));
            }
            renegotiation_source(&base, &propose_fixed([x, y]))
        }
        Some(_) => return Err("propose: expected [row action, column action]".into()),
    };
    Program::parse(&src, &limits)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

fn outcome(spec: &Value) -> Result<(Game, Vec<usize>), String> {
    let g = spec_game(spec)?;
    let ps = spec
        .get("programs")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2)
        .ok_or("expected two programs")?;
    let (p1, p2) = (program(&g, &ps[0], 0)?, program(&g, &ps[1], 1)?);
    let pg = ProgramGame::new(g.clone()).map_err(|e| e.to_string())?;
    let r = play(&pg, &p1, &p2, &Limits::default(), 0);
    match r.outcome {
        Outcome::Played {
            distribution,
            realized,
            ..
        } if distribution.len() == 1 => Ok((g, realized)),
        Outcome::Played { .. } => Err("the programs reached a lottery".into()),
        other => Err(format!("the match did not finish: {other:?}")),
    }
}

fn describe(p: &Value, who: &str) -> String {
    let d = p.get("default").and_then(Value::as_str).unwrap_or("?");
    match p.get("propose").and_then(Value::as_array) {
        None => format!("{who} submits a plain program that always plays {d}."),
        Some(a) => format!(
            "{who} submits a renegotiation program with default \"always {d}\" and proposal ({}, {}).",
            a[0].as_str().unwrap_or("?"),
            a[1].as_str().unwrap_or("?")
        ),
    }
}

impl Task for RenegotiationTask {
    fn kind(&self) -> &'static str {
        "renegotiation_outcome"
    }
    fn about(&self) -> &'static str {
        "the profile two (renegotiation) programs play against each other (DCM Algorithm 1)"
    }
    fn chance(&self) -> f64 {
        1.0 / 16.0
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let k = match tier {
            1 => 3,
            2 => 4,
            _ => 5,
        };
        let acts = names("S", k);
        // A coordination game: matching slots pay both (each its own preference), mismatches 0.
        let mut table = Vec::new();
        for a in 0..k {
            for b in 0..k {
                let (x, y) = if a == b {
                    (rng.random_range(1..=4), rng.random_range(1..=4))
                } else {
                    (0, 0)
                };
                table.push(Rational::from_int(x));
                table.push(Rational::from_int(y));
            }
        }
        let g = match Game::new(
            "renegotiation",
            vec!["Ada".into(), "Ben".into()],
            vec![acts.clone(), acts.clone()],
            table,
        ) {
            Ok(g) => g,
            Err(e) => unreachable!("shape: {e}"),
        };
        let mut programs = Vec::new();
        for seat in 0..2 {
            let default = acts[rng.random_range(0..k)].clone();
            let renegotiates = rng.random_bool(if tier == 1 { 0.85 } else { 0.7 });
            let p = if renegotiates {
                // Tier 1: both propose the same profile more often; higher tiers mix.
                let same = rng.random_bool(match tier {
                    1 => 0.8,
                    2 => 0.6,
                    _ => 0.5,
                });
                let z = if same && seat == 1 {
                    programs
                        .first()
                        .and_then(|p: &Value| p.get("propose").cloned())
                        .unwrap_or_else(|| {
                            let s = &acts[rng.random_range(0..k)];
                            json!([s, s])
                        })
                } else {
                    let a = rng.random_range(0..k);
                    let b = if rng.random_bool(0.8) {
                        a
                    } else {
                        rng.random_range(0..k)
                    };
                    json!([acts[a], acts[b]])
                };
                json!({"default": default, "propose": z})
            } else {
                json!({"default": default})
            };
            programs.push(p);
        }
        let input = format!(
            "Ada and Ben each submit a program that will choose their action in the game below; \
programs can read each other.\n\n{}\nA plain program always plays its action. A renegotiation program \
has a default (a plain program) and a proposal (a profile). Against a program that is not a \
renegotiation program it plays what its default plays. Against another renegotiation program it first \
computes the default outcome a: the profile the two defaults play. Its own pick is its proposal if the \
proposal gives both players at least their payoffs at a and is not payoff-identical to a, and a \
otherwise. If both programs' picks are the same profile they play it; otherwise they play a.\n{}\n{}\n\
Which profile is played?\nEnd with one line: ANSWER: Ada's action, Ben's action (for example `ANSWER: S1, S2`).",
            game_table(&g),
            describe(&programs[0], "Ada"),
            describe(&programs[1], "Ben"),
        );
        Generated {
            input,
            check: json!({"kind": self.kind(), "tier": tier, "game": game_value(&g), "programs": programs}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        outcome(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        let (g, p) = outcome(spec)?;
        Ok(format!("{}, {}", g.actions(0)[p[0]], g.actions(1)[p[1]]))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        let (g, p) = outcome(spec)?;
        let want = format!("{}, {}", g.actions(0)[p[0]], g.actions(1)[p[1]]);
        let parts: Vec<&str> = answer
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .split(',')
            .map(str::trim)
            .collect();
        let read = match parts[..] {
            [a, b] => {
                let x = g.actions(0).iter().find(|s| s.eq_ignore_ascii_case(a));
                let y = g.actions(1).iter().find(|s| s.eq_ignore_ascii_case(b));
                x.zip(y).map(|(x, y)| format!("{x}, {y}"))
            }
            _ => None,
        };
        Ok(super::grade_equal(want, read, "profile"))
    }
}
