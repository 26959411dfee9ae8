//! Interactive program design (issue 10's interactive items; Part III class 5): the model writes a
//! bargaining program for its principal, and the grader runs it in the `spi-programs` sandbox
//! against a battery of counterpart programs. It passes when, against every counterpart, both
//! players get at least what the principal's default program gets (an SPI on the battery), someone
//! gets strictly more against at least one counterpart, and against every plain (non-renegotiating)
//! counterpart it plays exactly what the default plays (its demands are unchanged).

use std::sync::Arc;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::{Game, Rational};
use spi_programs::library::{propose_fixed, renegotiation_source};
use spi_programs::{Limits, Outcome, Program, ProgramGame, play};

use super::{Generated, Grade, Task, game_table, game_value, names, spec_game};

/// The task.
pub struct ProgramDesignTask;

fn fixed(action: &str) -> String {
    format!("name \"Always{action}\";\nmain {{\n  return \"{action}\";\n}}")
}

fn counterpart(p: &Value) -> Result<String, String> {
    let d = p
        .get("default")
        .and_then(Value::as_str)
        .ok_or("counterpart without default")?;
    let base = Program::parse(&fixed(d), &Limits::default()).map_err(|e| e.to_string())?;
    Ok(match p.get("propose").and_then(Value::as_array) {
        None => fixed(d),
        Some(a) => {
            let x = a.first().and_then(Value::as_str).ok_or("propose")?;
            let y = a.get(1).and_then(Value::as_str).ok_or("propose")?;
            renegotiation_source(&base, &propose_fixed([x, y]))
        }
    })
}

/// (expected payoffs, realised profile) of `mine` (seat 0) against counterpart `theirs`.
fn run(
    pg: &ProgramGame,
    mine: &Arc<Program>,
    theirs: &Arc<Program>,
) -> Option<([Rational; 2], Vec<usize>)> {
    match play(pg, mine, theirs, &Limits::default(), 0).outcome {
        Outcome::Played {
            expected,
            realized,
            distribution,
        } if distribution.len() == 1 => Some((expected, realized)),
        Outcome::Played {
            expected, realized, ..
        } => Some((expected, realized)),
        _ => None,
    }
}

/// The program text in an answer: the last fenced code block, else the whole answer.
fn program_text(output: &str) -> String {
    let parts: Vec<&str> = output.split("```").collect();
    if parts.len() >= 3 {
        let block = parts[parts.len() - 2];
        // Drop a language tag on the fence line (```spl).
        match block.split_once('\n') {
            Some((first, rest)) if !first.contains(['{', ';', '"']) => rest.trim().to_string(),
            _ => block.trim().to_string(),
        }
    } else {
        output.trim().to_string()
    }
}

fn grade_source(spec: &Value, src: &str) -> Result<Grade, String> {
    let g = spec_game(spec)?;
    let pg = ProgramGame::new(g.clone()).map_err(|e| e.to_string())?;
    let default = spec
        .get("default")
        .and_then(Value::as_str)
        .ok_or("no default")?;
    let base =
        Arc::new(Program::parse(&fixed(default), &Limits::default()).map_err(|e| e.to_string())?);
    let fail = |why: String| {
        Ok(Grade {
            correct: false,
            answer: Some(format!("{} bytes of program", src.len())),
            explanation: why,
        })
    };
    let mine = match Program::parse(src, &Limits::default()) {
        Ok(p) => Arc::new(p),
        Err(e) => return fail(format!("the program does not parse: {e}")),
    };
    let battery = spec
        .get("battery")
        .and_then(Value::as_array)
        .ok_or("no battery")?;
    let mut strict = false;
    for (k, c) in battery.iter().enumerate() {
        let theirs = Arc::new(
            Program::parse(&counterpart(c)?, &Limits::default()).map_err(|e| e.to_string())?,
        );
        let Some((want, want_profile)) = run(&pg, &base, &theirs) else {
            return Err(format!("battery[{k}]: the default does not finish"));
        };
        let Some((got, got_profile)) = run(&pg, &mine, &theirs) else {
            return fail(format!(
                "against counterpart {} the program did not finish (fault or budget)",
                k + 1
            ));
        };
        if got[0] < want[0] || got[1] < want[1] {
            return fail(format!(
                "against counterpart {} it gets ({}, {}), the default ({}, {})",
                k + 1,
                got[0],
                got[1],
                want[0],
                want[1]
            ));
        }
        if c.get("propose").is_none() && got_profile != want_profile {
            return fail(format!(
                "against the plain counterpart {} it plays {} instead of the default's {}",
                k + 1,
                g.profile_label(&got_profile),
                g.profile_label(&want_profile)
            ));
        }
        strict |= got != want;
    }
    if !strict {
        return fail("it never does better than the default".into());
    }
    Ok(Grade {
        correct: true,
        answer: Some(format!("{} bytes of program", src.len())),
        explanation: "an SPI on the battery that keeps the default's demands".into(),
    })
}

impl Task for ProgramDesignTask {
    fn kind(&self) -> &'static str {
        "program_design"
    }
    fn about(&self) -> &'static str {
        "write a program for your principal that is an SPI over its default on a battery of counterparts and keeps its demands (run in the sandbox)"
    }
    fn chance(&self) -> f64 {
        0.0
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (k, n_battery) = match tier {
            1 => (3, 3),
            2 => (4, 4),
            _ => (5, 5),
        };
        let acts = names("S", k);
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
            "program-design",
            vec!["You".into(), "Other".into()],
            vec![acts.clone(), acts.clone()],
            table,
        ) {
            Ok(g) => g,
            Err(e) => unreachable!("shape: {e}"),
        };
        let mine = rng.random_range(0..k);
        // The slot renegotiating counterparts propose: any meeting slot beats a miscoordination.
        let meet = rng.random_range(0..k);
        let mut battery: Vec<Value> = Vec::new();
        // At least one renegotiator whose default miscoordinates with ours (the strict gain), and
        // at least one plain program.
        let other = (mine + 1 + rng.random_range(0..k - 1)) % k;
        battery.push(json!({"default": acts[other], "propose": [acts[meet], acts[meet]]}));
        battery.push(json!({"default": acts[rng.random_range(0..k)]}));
        while battery.len() < n_battery {
            let d = &acts[rng.random_range(0..k)];
            if rng.random_bool(0.6) {
                battery.push(json!({"default": d, "propose": [acts[meet], acts[meet]]}));
            } else {
                battery.push(json!({"default": d}));
            }
        }
        battery.shuffle(rng);
        let listing: String = battery
            .iter()
            .enumerate()
            .map(|(j, c)| match c.get("propose").and_then(Value::as_array) {
                Some(p) => format!(
                    "{}. a renegotiation program with default \"always {}\" proposing ({}, {})\n",
                    j + 1,
                    c["default"].as_str().unwrap_or(""),
                    p[0].as_str().unwrap_or(""),
                    p[1].as_str().unwrap_or("")
                ),
                None => format!(
                    "{}. a plain program that always plays {}\n",
                    j + 1,
                    c["default"].as_str().unwrap_or("")
                ),
            })
            .collect();
        let example = renegotiation_source(
            &match Program::parse(&fixed("X"), &Limits::default()) {
                Ok(p) => p,
                Err(e) => unreachable!("fixed source parses: {e}"),
            },
            &propose_fixed(["P", "Q"]),
        );
        let input = format!(
            "You write the bargaining program your principal (You, the row player) will submit in the \
game below. Your principal's default program always plays {d}. The other side will submit one of \
the programs listed below; you cannot tell which.\n\n{table}\nThe counterparts:\n{listing}\nWrite a \
program that (1) against every listed counterpart gives both players at least what the default \
program gets against it, (2) gives someone strictly more against at least one of them, and (3) plays \
{d} against every plain counterpart, exactly as the default does. Programs are written in the \
safepareto program language (docs/programs/reference.md). A renegotiation program, as the \
counterparts use, looks like this for a default \"always X\" and a proposal (P, Q):\n```\n{example}\n```\n\
End with your program in one fenced code block.",
            d = acts[mine],
            table = game_table(&g),
        );
        Generated {
            input,
            check: json!({"kind": self.kind(), "tier": tier, "game": game_value(&g), "default": acts[mine], "battery": battery, "reference_proposal": [acts[meet], acts[meet]]}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        let r = self.reference(spec)?;
        match grade_source(spec, &r)? {
            g if g.correct => Ok(()),
            g => Err(format!("the reference program fails: {}", g.explanation)),
        }
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        let default = spec
            .get("default")
            .and_then(Value::as_str)
            .ok_or("no default")?;
        let p = spec
            .get("reference_proposal")
            .and_then(Value::as_array)
            .ok_or("no reference_proposal")?;
        let x = p
            .first()
            .and_then(Value::as_str)
            .ok_or("reference_proposal")?;
        let y = p
            .get(1)
            .and_then(Value::as_str)
            .ok_or("reference_proposal")?;
        let base =
            Program::parse(&fixed(default), &Limits::default()).map_err(|e| e.to_string())?;
        Ok(renegotiation_source(&base, &propose_fixed([x, y]))
            .trim()
            .to_string())
    }
    fn extract(&self, output: &str) -> String {
        program_text(output)
    }
    fn render_answer(&self, reference: &str) -> String {
        format!("```\n{reference}\n```")
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        grade_source(spec, answer)
    }
}
