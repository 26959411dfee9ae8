//! "What expected payoffs do these two programs reach?" for DCM Algorithm 2 conditional set-valued
//! renegotiation (CSR) programs around fixed-action defaults (`spi_programs::library::csr_source`,
//! utilitarian selection, not PMP-extended, one round), run in the program interpreter.

use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::{Game, Rational};
use spi_programs::library::{CsrOptions, csr_source};
use spi_programs::{Limits, Outcome, Program, ProgramGame, play};

use super::{Generated, Grade, Task, game_table, game_value, names, parse_pair, spec_game};

/// The task.
pub struct CsrTask;

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
    let src = format!("name \"Always{default}\";\nmain {{\n  return \"{default}\";\n}}");
    let base = Program::parse(&src, &limits).map_err(|e| e.to_string())?;
    let src = match p.get("demand") {
        None | Some(Value::Null) => return Ok(Arc::new(base)),
        Some(Value::Number(n)) if n.is_i64() => csr_source(
            &base,
            &CsrOptions {
                demand: n.to_string(),
                rule: "utilitarian".into(),
                extend: false,
                rounds: 1,
            },
        ),
        Some(_) => return Err("demand: expected an integer".into()),
    };
    Program::parse(&src, &limits)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

fn expected(spec: &Value) -> Result<[Rational; 2], String> {
    let g = spec_game(spec)?;
    let ps = spec
        .get("programs")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2)
        .ok_or("expected two programs")?;
    let (p1, p2) = (program(&g, &ps[0], 0)?, program(&g, &ps[1], 1)?);
    let pg = ProgramGame::new(g).map_err(|e| e.to_string())?;
    match play(&pg, &p1, &p2, &Limits::default(), 0).outcome {
        Outcome::Played { expected, .. } => Ok(expected),
        other => Err(format!("the match did not finish: {other:?}")),
    }
}

fn describe(p: &Value, who: &str) -> String {
    let d = p.get("default").and_then(Value::as_str).unwrap_or("?");
    match p.get("demand") {
        Some(x) if !x.is_null() => {
            format!("{who} submits a CSR program with default \"always {d}\" and demand {x}.")
        }
        _ => format!("{who} submits a plain program that always plays {d}."),
    }
}

fn text(p: &[Rational; 2]) -> String {
    format!("{}, {}", p[0], p[1])
}

impl Task for CsrTask {
    fn kind(&self) -> &'static str {
        "csr_outcome"
    }
    fn about(&self) -> &'static str {
        "the expected payoffs two conditional set-valued renegotiation (CSR) programs reach (DCM Algorithm 2)"
    }
    fn chance(&self) -> f64 {
        0.01
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (k, lo, hi) = match tier {
            1 => (2, 0, 4),
            2 => (3, 0, 5),
            _ => (3, -3, 6),
        };
        let g = super::random_game(rng, ["Ada", "Ben"], [names("A", k), names("B", k)], lo, hi);
        let mut programs = Vec::new();
        for seat in 0..2 {
            let default = g.actions(seat)[rng.random_range(0..k)].clone();
            let p = if rng.random_bool(0.85) {
                json!({"default": default, "demand": rng.random_range(lo.max(0)..=hi - 1)})
            } else {
                json!({"default": default})
            };
            programs.push(p);
        }
        let input = format!(
            "Ada and Ben each submit a program that will choose their action in the game below; \
programs can read each other, and two CSR programs may agree on a lottery over cells (a public coin \
realises any point of the convex hull of the cells' payoff vectors).\n\n{}\nA plain program always \
plays its action. A CSR program has a default (a plain program) and a demand d. Against a program \
that is not a CSR program it plays what its default plays. Two CSR programs first compute the default \
outcome a (the cell the two defaults play). The agreement set is every point y of the convex hull \
with y ≥ u(a) for both players, Ada's coordinate at least Ada's demand and Ben's at least Ben's \
demand. If the set is empty they play a; otherwise they realise the point of the set with the largest \
sum of payoffs, ties going to the larger payoff for Ada.\n{}\n{}\nWhat are Ada's and Ben's expected \
payoffs?\nEnd with one line: ANSWER: Ada's payoff, Ben's payoff (exact numbers, fractions as p/q).",
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
        expected(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        Ok(text(&expected(spec)?))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        let want = expected(spec)?;
        let read = parse_pair(answer).map(|p| text(&p));
        Ok(super::grade_equal(text(&want), read, "expected payoffs"))
    }
}
