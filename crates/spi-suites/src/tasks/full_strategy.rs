//! PI/FI of a described full strategy (agenda B.2, docs/reference/definitions.md §4): which of
//! demand preservation (DP), participation independence (PI) and foreknowledge independence (FI)
//! hold for each player.

use std::collections::BTreeSet;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::full_strategy::{FullStrategy, check_full_strategy};

use super::{Generated, Grade, Task, parse_set, set_text};

/// The task.
pub struct FullStrategyTask;

const DEMANDS: &[&str] = &["1/5", "3/10", "2/5", "1/2", "3/5", "7/10", "4/5"];

fn strategy(spec: &Value) -> Result<FullStrategy, String> {
    let doc =
        json!({"schema": "full-strategy/1", "players": spec.get("players").ok_or("no players")?});
    match read_model(&doc) {
        Ok(ModelDocument::FullStrategy(s)) => Ok(s),
        Ok(_) => Err("not a full strategy".into()),
        Err(e) => Err(e.to_string()),
    }
}

fn holds(s: &FullStrategy) -> BTreeSet<String> {
    let c = check_full_strategy(s);
    let mut out = BTreeSet::new();
    for p in &s.players {
        let clean =
            |w: &[spi_theory::full_strategy::Witness]| w.iter().all(|w| w.player != p.player);
        let dp = clean(&c.demand_preserving);
        if dp {
            out.insert(format!("{}:DP", p.player.to_ascii_uppercase()));
            if clean(&c.participation) {
                out.insert(format!("{}:PI", p.player.to_ascii_uppercase()));
            }
            if clean(&c.foreknowledge) {
                out.insert(format!("{}:FI", p.player.to_ascii_uppercase()));
            }
        }
    }
    out
}

impl Task for FullStrategyTask {
    fn kind(&self) -> &'static str {
        "full_strategy"
    }
    fn about(&self) -> &'static str {
        "which of DP, PI, FI hold for each player of a described full strategy (a set of labels)"
    }
    fn chance(&self) -> f64 {
        1.0 / 32.0
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let (n_players, n_programs) = match tier {
            1 => (2, 2),
            2 => (2, 3),
            _ => (3, 3),
        };
        let labels = ["A", "B", "C"];
        let mut players = Vec::new();
        let mut text = String::new();
        let mut next = 1;
        for &who in &labels[..n_players] {
            let mut demands = Map::new();
            let mut transformation = Map::new();
            let mut base = Vec::new();
            let mut pool: Vec<&str> = DEMANDS.to_vec();
            pool.shuffle(rng);
            for (j, d) in pool.iter().take(n_programs).enumerate() {
                let q = format!("q{next}");
                next += 1;
                demands.insert(q.clone(), json!(d));
                base.push((q, j));
            }
            let mut lines = Vec::new();
            for (q, j) in &base {
                let r = format!("q{next}");
                next += 1;
                let d = if rng.random_bool(0.75) {
                    pool[*j]
                } else {
                    pool[(*j + n_programs) % pool.len()]
                };
                demands.insert(r.clone(), json!(d));
                transformation.insert(q.clone(), json!(r));
                lines.push(format!(
                    "    {q} (demand {}) becomes {r} (demand {d})",
                    pool[*j]
                ));
            }
            let pick = |rng: &mut ChaCha8Rng, keep: &str, p: f64| -> String {
                if rng.random_bool(p) {
                    keep.to_string()
                } else {
                    base[rng.random_range(0..base.len())].0.clone()
                }
            };
            let chosen = base[rng.random_range(0..base.len())].0.clone();
            let if_p = pick(rng, &chosen, 0.6);
            let if_f = pick(rng, &chosen, 0.5);
            text.push_str(&format!(
                "Player {who}: under the SPI, each of its programs is replaced as follows:\n{}\n  It chooses \
{chosen} (the others participating). Had the others not participated it would have chosen {if_p}. Had \
it known in advance that they would participate it would have chosen {if_f}.\n",
                lines.join("\n")
            ));
            players.push(json!({
                "player": who,
                "demands": demands,
                "transformation": transformation,
                "chosen": chosen,
                "if_others_do_not_participate": if_p,
                "if_known_in_advance": if_f,
            }));
        }
        let input = format!(
            "A full strategy pairs an SPI transformation with each player's program choices. Each \
program makes a demand (the share it insists on). For one player, with p its chosen program, f(p) the \
program that replaces it, p^P the program it would have chosen had the others not participated, and \
p^F the program it would have chosen had it known in advance that they would:\n  DP (demand-preserving) \
holds when d(f(p)) = d(p);\n  PI (participation-independent) holds when DP holds and p = p^P;\n  FI \
(foreknowledge-independent) holds when DP holds and p = p^F.\n\n{text}\nWhich properties hold, per \
player?\nEnd with one line: ANSWER: the labels that hold, comma-separated, each PLAYER:PROPERTY (for \
example `ANSWER: A:DP, A:PI, B:DP`), or `ANSWER: NONE`."
        );
        Generated {
            input,
            check: json!({"kind": self.kind(), "tier": tier, "players": players}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        strategy(spec).map(|_| ())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        Ok(set_text(&holds(&strategy(spec)?)))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        let want = self.reference(spec)?;
        let read = parse_set(answer);
        let ok = read.iter().all(|l| {
            l.split_once(':')
                .is_some_and(|(_, p)| matches!(p, "DP" | "PI" | "FI"))
        });
        Ok(super::grade_equal(
            want,
            ok.then(|| set_text(&read)),
            "properties",
        ))
    }
}
