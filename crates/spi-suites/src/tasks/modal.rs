//! Modal-agent matches (docs/reference/definitions.md §7.2): two fully modalised agents, one
//! possibly new, and the question who cooperates; the grader re-evaluates the match with
//! `spi_programs::modal` (GL, world by world).

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_programs::modal::{LIBRARY_SOURCE, ModalSystem};

use super::{Generated, Grade, Task};

/// The task.
pub struct ModalTask;

const LIBRARY_AGENTS: &[&str] = &["CooperateBot", "DefectBot", "FairBot", "PrudentBot"];

fn atom(rng: &mut ChaCha8Rng) -> String {
    let target = ["me", "me", "DefectBot", "CooperateBot"]
        .choose(rng)
        .copied()
        .unwrap_or("me");
    let lit = if rng.random_bool(0.3) {
        format!("not C({target})")
    } else {
        format!("C({target})")
    };
    if rng.random_bool(0.25) {
        format!("box[1] {lit}")
    } else {
        format!("box {lit}")
    }
}

fn formula(rng: &mut ChaCha8Rng, depth: u8) -> String {
    if depth == 0 {
        return atom(rng);
    }
    match rng.random_range(0..4) {
        0 => format!("{} and {}", atom(rng), atom(rng)),
        1 => format!("{} or {}", atom(rng), atom(rng)),
        2 => format!("not {}", atom(rng)),
        _ => format!("({}) and {}", formula(rng, depth - 1), atom(rng)),
    }
}

fn play(spec: &Value) -> Result<(String, String, bool, bool), String> {
    let src = spec.get("source").and_then(Value::as_str).unwrap_or("");
    let a = spec
        .get("first")
        .and_then(Value::as_str)
        .ok_or("no `first` agent")?;
    let b = spec
        .get("second")
        .and_then(Value::as_str)
        .ok_or("no `second` agent")?;
    let mut sys = ModalSystem::library();
    sys.add_source(src).map_err(|e| e.to_string())?;
    let o = sys.play(a, b).map_err(|e| e.to_string())?;
    Ok((
        a.to_string(),
        b.to_string(),
        o.first_cooperates,
        o.second_cooperates,
    ))
}

fn cd(b: bool) -> &'static str {
    if b { "C" } else { "D" }
}

impl Task for ModalTask {
    fn kind(&self) -> &'static str {
        "modal_match"
    }
    fn about(&self) -> &'static str {
        "whether each of two modal agents cooperates against the other (provability logic GL)"
    }
    fn chance(&self) -> f64 {
        0.25
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (src, first, second) = loop {
            let mut src = String::new();
            let first = match tier {
                1 => LIBRARY_AGENTS
                    .choose(rng)
                    .copied()
                    .unwrap_or("FairBot")
                    .to_string(),
                _ => {
                    src.push_str(&format!("agent NewBot = {};\n", formula(rng, tier - 2)));
                    "NewBot".to_string()
                }
            };
            let second = if tier == 3 {
                src.push_str(&format!("agent OtherBot = {};\n", formula(rng, 1)));
                "OtherBot".to_string()
            } else {
                LIBRARY_AGENTS
                    .choose(rng)
                    .copied()
                    .unwrap_or("FairBot")
                    .to_string()
            };
            let spec = json!({"source": src, "first": first, "second": second});
            if play(&spec).is_ok() {
                break (src, first, second);
            }
        };
        let input = format!(
            "Modal agents play a one-shot Prisoner's Dilemma; each agent is a formula saying when it \
cooperates. `C(X)` means \"my counterpart cooperates against X\" (`me` is the agent itself), `box f` \
means \"f is provable in Peano arithmetic (PA)\", `box[1] f` means \"f is provable in PA + Con(PA)\", \
and `not`, `and`, `or` are as usual. Provability is decided by the modal logic GL (Löb's theorem \
holds).\n\nThe library:\n{}\n{}\nWhat do {first} (first) and {second} (second) do against each other?\n\
End with one line: ANSWER: first's action, second's action, each C (cooperate) or D (defect), for \
example `ANSWER: C, D`.",
            LIBRARY_SOURCE
                .lines()
                .filter(|l| l.starts_with("agent"))
                .collect::<Vec<_>>()
                .join("\n"),
            if src.is_empty() {
                String::new()
            } else {
                format!("New agents:\n{src}")
            }
        );
        Generated {
            input,
            check: json!({"kind": self.kind(), "tier": tier, "source": src, "first": first, "second": second}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        play(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        let (_, _, x, y) = play(spec)?;
        Ok(format!("{}, {}", cd(x), cd(y)))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        let want = self.reference(spec)?;
        let norm = |s: &str| -> Option<&'static str> {
            match s.trim().to_ascii_lowercase().as_str() {
                "c" | "cooperate" | "cooperates" => Some("C"),
                "d" | "defect" | "defects" => Some("D"),
                _ => None,
            }
        };
        let parts: Vec<&str> = answer.split(',').collect();
        let read = match parts[..] {
            [a, b] => norm(a).zip(norm(b)).map(|(a, b)| format!("{a}, {b}")),
            _ => None,
        };
        Ok(super::grade_equal(want, read, "actions"))
    }
}
