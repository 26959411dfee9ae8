//! Surrogate goals (agenda B.3, docs/reference/definitions.md §5): given a threat game and A's
//! concession policy, is the policy concession-equivalent, is adopting the surrogate an SPI at B's
//! best responses, and what does B demand before and after? Graded with
//! `spi_theory::surrogate::analyze`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use spi_games::Rational;
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::surrogate::{SurrogateAnalysis, analyze};

use super::{Generated, Grade, Task};

/// The task.
pub struct SurrogateTask;

fn analysis(spec: &Value) -> Result<SurrogateAnalysis, String> {
    let mut doc = spec.as_object().cloned().unwrap_or_default();
    doc.remove("kind");
    doc.remove("tier");
    doc.insert("schema".into(), json!("threat-game/1"));
    match read_model(&Value::Object(doc)) {
        Ok(ModelDocument::ThreatGame(g)) => Ok(analyze(&g)),
        Ok(_) => Err("not a threat game".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn demand(d: &Option<Rational>) -> String {
    d.as_ref().map_or("none".into(), |d| d.to_string())
}

fn answer_of(a: &SurrogateAnalysis) -> String {
    format!(
        "{}, {}, {}, {}",
        yes(a.is_concession_equivalent()),
        yes(a.is_spi()),
        demand(&a.before.demand),
        demand(&a.after.demand)
    )
}

fn tenths(rng: &mut ChaCha8Rng, k: usize) -> Vec<Rational> {
    // Decreasing concession probabilities in tenths: higher demands are conceded less often.
    let mut ps: Vec<i64> = (0..k).map(|_| rng.random_range(0..=10)).collect();
    ps.sort_unstable_by(|a, b| b.cmp(a));
    ps.into_iter()
        .map(|p| Rational::new(p, 10).unwrap_or(Rational::ZERO))
        .collect()
}

impl Task for SurrogateTask {
    fn kind(&self) -> &'static str {
        "surrogate"
    }
    fn about(&self) -> &'static str {
        "concession equivalence, SPI-ness and B's demand before/after adopting a surrogate goal"
    }
    fn chance(&self) -> f64 {
        0.01
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let k = match tier {
            1 => 2,
            2 => 3,
            _ => 4,
        };
        let demands: Vec<Rational> = (1..=k as i64).map(Rational::from_int).collect();
        let orig_a = -rng.random_range(6..=12i64);
        let orig_b = -rng.random_range(1..=3i64);
        let sur_a = -rng.random_range(0..=2i64);
        // Tier 1 keeps B's cost equal; higher tiers sometimes make the surrogate cheaper for B.
        let sur_b = if tier > 1 && rng.random_bool(0.4) {
            orig_b + 1
        } else {
            orig_b
        };
        let p_orig = tenths(rng, k);
        // Half the policies treat the surrogate like the original; the rest concede to surrogate
        // threats with their own probabilities (which breaks concession equivalence when executing
        // either threat costs B the same).
        let p_sur: Vec<Rational> = if rng.random_bool(0.5) {
            p_orig.clone()
        } else {
            tenths(rng, k)
        };
        let mut by_target = Map::new();
        by_target.insert(
            "original".into(),
            json!(p_orig.iter().map(|p| p.to_string()).collect::<Vec<_>>()),
        );
        by_target.insert(
            "surrogate".into(),
            json!(p_sur.iter().map(|p| p.to_string()).collect::<Vec<_>>()),
        );
        let spec = json!({
            "kind": self.kind(),
            "tier": tier,
            "demands": demands.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            "no_threat": ["0", "0"],
            "targets": [
                {"name": "original", "executed": [orig_a.to_string(), orig_b.to_string()]},
                {"name": "surrogate", "executed": [sur_a.to_string(), sur_b.to_string()]},
            ],
            "concession": {"by_target": by_target},
        });
        let row = |ps: &[Rational]| {
            demands
                .iter()
                .zip(ps)
                .map(|(d, p)| format!("demand {d}: {p}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let input = format!(
            "B can threaten A, demanding a transfer d from A (d is one of {}), or make no threat \
(payoffs A 0, B 0). If A concedes, A pays d to B (A gets -d, B gets d). If A refuses, B executes the \
threat against its target. Without a surrogate goal the only target is A's original goal: executing it \
gives A {orig_a} and B {orig_b}. A can adopt a surrogate goal, a second target B may threaten \
instead: executing a threat against it gives A {sur_a} and B {sur_b}.\nA concedes with these \
probabilities:\n  threats against the original goal: {}\n  threats against the surrogate: {}\nB picks \
the demand and target that maximise its expected payoff; ties go to no threat, then to the lower \
demand, then to the target less harmful to A. A's policy is concession-equivalent when it concedes \
equally often to threats whose execution would give B the same payoff. Adopting the surrogate is an \
SPI when, at B's best responses with and without it, both A's and B's expected payoffs are at least \
as high with it.\nIs A's policy concession-equivalent? Is adopting the surrogate an SPI? What does B \
demand without the surrogate, and with it?\nEnd with one line: ANSWER: yes|no, yes|no, demand \
without, demand with (a number, or none for no threat), for example `ANSWER: yes, no, 2, 3`.",
            demands
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            row(&p_orig),
            row(&p_sur),
        );
        Generated { input, check: spec }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        analysis(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        Ok(answer_of(&analysis(spec)?))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        let want = self.reference(spec)?;
        let parts: Vec<String> = answer
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        let read = match &parts[..] {
            [a, b, c, d] => {
                let yn = |s: &str| matches!(s, "yes" | "no").then(|| s.to_string());
                let dem = |s: &str| {
                    if s == "none" {
                        Some("none".to_string())
                    } else {
                        s.parse::<Rational>().ok().map(|r| r.to_string())
                    }
                };
                match (yn(a), yn(b), dem(c), dem(d)) {
                    (Some(a), Some(b), Some(c), Some(d)) => Some(format!("{a}, {b}, {c}, {d}")),
                    _ => None,
                }
            }
            _ => None,
        };
        Ok(super::grade_equal(want, read, "surrogate"))
    }
}
