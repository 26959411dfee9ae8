//! Class 5, program design: write a program for the program Prisoner's Dilemma (the `spi-programs`
//! language: programs read each other's source and may simulate each other) that meets a
//! specification, graded by running it in the sandbox against a battery of library programs and
//! a copy of itself. Any program with the properties passes.

use std::sync::Arc;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_programs::{Limits, Outcome, Program, ProgramGame, library, play};

use crate::error::ResearchError;
use crate::task::{Class, ClassTask, Generated, Grade, spec_tier};

/// The class.
pub struct DesignClass;

/// The battery every submission meets (besides a copy of itself).
pub const BATTERY: [&str; 4] = ["cooperatebot", "defectbot", "cliquebot", "fairbot-eps"];

/// Longest program read, in bytes.
pub const MAX_PROGRAM: usize = 8000;

/// The candidate programs the generator keeps a task only for when one of them meets the spec
/// (its reference), and the constant programs that must not.
const CANDIDATES: [(&str, &str); 3] = [
    (
        "clique",
        "name \"Clique\";\nmain {\n  if them == me {\n    return \"C\";\n  }\n  return \"D\";\n}\n",
    ),
    (
        "mirror",
        "name \"MirrorClique\";\nmain {\n  if them == me {\n    return \"C\";\n  }\n  return sim(them, me);\n}\n",
    ),
    (
        "fair",
        "name \"Fair\";\nconst epsilon = 1/10;\nmain {\n  if bernoulli(epsilon) {\n    return \"C\";\n  }\n  return sim(them, me);\n}\n",
    ),
];

/// One property of the specification.
fn property_text(p: &Value) -> String {
    let who = |k: &str| match k {
        "self" => "a copy of itself".to_string(),
        k => format!("`{k}`"),
    };
    match (p["kind"].as_str(), p["against"].as_str()) {
        (Some("cooperate"), Some(k)) => format!("against {}, both play C with probability 1", who(k)),
        (Some("defect"), Some(k)) => format!("against {}, your program plays D with probability 1", who(k)),
        (Some("unexploited"), _) => "against every battery program and a copy of itself, the outcome (your C, their D) has probability 0".into(),
        _ => "unknown".into(),
    }
}

fn pool() -> Vec<Value> {
    let mut v = vec![
        json!({"kind": "unexploited"}),
        json!({"kind": "cooperate", "against": "self"}),
    ];
    for k in BATTERY {
        v.push(json!({"kind": "cooperate", "against": k}));
        v.push(json!({"kind": "defect", "against": k}));
    }
    v
}

/// An exact outcome distribution over profiles.
type Distribution = Vec<(Vec<usize>, spi_games::Rational)>;

/// Runs `program` against the battery and itself; `Err` with the first property it fails.
fn meets(program: &Arc<Program>, props: &[Value]) -> Result<(), String> {
    let pg = ProgramGame::new(spi_games::examples::program_pd()).map_err(|e| e.to_string())?;
    let limits = Limits::default();
    let mut cache: Vec<(String, Distribution)> = Vec::new();
    let mut dist = |k: &str| -> Result<Distribution, String> {
        if let Some((_, d)) = cache.iter().find(|(n, _)| n == k) {
            return Ok(d.clone());
        }
        let other = if k == "self" {
            program.clone()
        } else {
            library::agent(k).ok_or_else(|| format!("no library program `{k}`"))?
        };
        let report = play(&pg, program, &other, &limits, 7);
        let d = match report.outcome {
            Outcome::Played { distribution, .. } => distribution,
            Outcome::Exhausted { player, resource } => {
                return Err(format!(
                    "against {k}, {} ran out of {resource:?}",
                    if player == 0 {
                        "your program"
                    } else {
                        "the counterpart"
                    }
                ));
            }
            Outcome::Faulted { player, fault } => {
                return Err(format!(
                    "against {k}, {} faulted: {fault:?}",
                    if player == 0 {
                        "your program"
                    } else {
                        "the counterpart"
                    }
                ));
            }
        };
        cache.push((k.to_string(), d.clone()));
        Ok(d)
    };
    let p_of = |d: &[(Vec<usize>, spi_games::Rational)], f: &dyn Fn(&[usize]) -> bool| {
        spi_games::Rational::sum(d.iter().filter(|(p, _)| f(p)).map(|(_, q)| q))
    };
    let one = spi_games::Rational::from_int(1);
    for p in props {
        match p["kind"].as_str() {
            Some("unexploited") => {
                for k in BATTERY.iter().copied().chain(["self"]) {
                    let d = dist(k)?;
                    let q = p_of(&d, &|x| x == [0, 1]);
                    if !q.is_zero() {
                        return Err(format!(
                            "against {k}, (your C, their D) has probability {q}"
                        ));
                    }
                }
            }
            Some("cooperate") => {
                let k = p["against"].as_str().unwrap_or("self");
                let q = p_of(&dist(k)?, &|x| x == [0, 0]);
                if q != one {
                    return Err(format!("against {k}, (C, C) has probability {q}, not 1"));
                }
            }
            Some("defect") => {
                let k = p["against"].as_str().unwrap_or("self");
                let q = p_of(&dist(k)?, &|x| x[0] == 1);
                if q != one {
                    return Err(format!(
                        "against {k}, your program plays D with probability {q}, not 1"
                    ));
                }
            }
            _ => return Err("unknown property".into()),
        }
    }
    Ok(())
}

fn parse_program(src: &str) -> Result<Arc<Program>, String> {
    if src.len() > MAX_PROGRAM {
        return Err(format!("longer than {MAX_PROGRAM} bytes"));
    }
    Program::parse(src, &Limits::default())
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

fn props(spec: &Value) -> Result<Vec<Value>, ResearchError> {
    let ps = spec
        .get("properties")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty() && p.len() <= 8)
        .ok_or_else(|| ResearchError::spec("properties", "expected 1 to 8 properties"))?;
    let all = pool();
    for (i, p) in ps.iter().enumerate() {
        if !all.contains(p) {
            return Err(ResearchError::spec(
                format!("properties[{i}]"),
                "not a known property",
            ));
        }
    }
    Ok(ps.clone())
}

impl ClassTask for DesignClass {
    fn class(&self) -> Class {
        Class::ProgramDesign
    }
    fn about(&self) -> &'static str {
        "write a program-PD program with the stated properties, run in the sandbox against a battery and a copy of itself"
    }
    fn chance(&self, _tier: u8) -> f64 {
        // The constant programs fail every spec (checked when a task is generated); a program
        // must meet 2-4 properties under exact outcome distributions.
        0.001
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let size = tier as usize + 1;
        let constants = [library::agent("cooperatebot"), library::agent("defectbot")];
        loop {
            let mut all = pool();
            all.shuffle(rng);
            let mut chosen: Vec<Value> = all.into_iter().take(size).collect();
            chosen.sort_by_key(|p| p.to_string());
            if constants
                .iter()
                .flatten()
                .any(|c| meets(c, &chosen).is_ok())
            {
                continue;
            }
            let Some((name, _)) = CANDIDATES
                .iter()
                .find(|(_, src)| parse_program(src).is_ok_and(|p| meets(&p, &chosen).is_ok()))
            else {
                continue;
            };
            let lines: Vec<String> = chosen
                .iter()
                .enumerate()
                .map(|(i, p)| format!("{}. {}", i + 1, property_text(p)))
                .collect();
            let battery: Vec<String> = BATTERY
                .iter()
                .map(|k| {
                    format!(
                        "`{k}`:\n{}",
                        library::agent(k)
                            .map(|p| p.source().to_string())
                            .unwrap_or_default()
                    )
                })
                .collect();
            let input = format!(
                "Programs play a one-shot Prisoner's Dilemma (actions C and D; payoffs (C,C) = (3,3), (C,D) = (0,5), (D,C) = (5,0), \
(D,D) = (1,1)). Each program sees its own source (`me`) and its counterpart's (`them`), may compare sources with `==`, \
simulate a program against another with `sim(a, b)` (which returns the action a plays against b), draw `bernoulli(p)`, \
and returns \"C\" or \"D\". Programs that run out of budget or fault lose the match.\n\nThe battery:\n{}\n\n\
Write a program with all of these properties (probabilities are exact):\n{}\n\n\
End with `ANSWER:` followed by your program's full source on the lines after it.",
                battery.join("\n"),
                lines.join("\n")
            );
            return Generated {
                input,
                spec: json!({"kind": "research", "class": "program-design", "tier": tier, "properties": chosen, "reference_program": name}),
            };
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), ResearchError> {
        spec_tier(spec)?;
        let ps = props(spec)?;
        let src = self.reference(spec)?;
        let p = parse_program(&src).map_err(|e| ResearchError::spec("reference_program", e))?;
        meets(&p, &ps).map_err(|e| ResearchError::spec("reference_program", e))
    }
    fn reference(&self, spec: &Value) -> Result<String, ResearchError> {
        let name = spec
            .get("reference_program")
            .and_then(Value::as_str)
            .unwrap_or_default();
        CANDIDATES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.to_string())
            .ok_or_else(|| ResearchError::spec("reference_program", "unknown"))
    }
    fn answer_text(&self, output: &str) -> String {
        let lower = output.to_ascii_lowercase();
        let body = match lower.rfind("answer:") {
            Some(k) => &output[k + "answer:".len()..],
            None => output,
        };
        let body = body.trim();
        let body = body
            .strip_prefix("```spl")
            .or_else(|| body.strip_prefix("```"))
            .unwrap_or(body);
        body.trim_end().trim_end_matches("```").trim().to_string()
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
        let ps = props(spec)?;
        let p = match parse_program(answer) {
            Ok(p) => p,
            Err(e) => return Ok(Grade::invalid(format!("not a program: {e}"))),
        };
        let read = format!("program of {} bytes", answer.len());
        Ok(match meets(&p, &ps) {
            Ok(()) => Grade::right(read, "the program meets every property in the sandbox"),
            Err(e) => Grade::wrong(Some(read), e.clone(), e),
        })
    }
}
