//! "Which of these k transformations of a program space are SPIs on it?" (agenda B.1,
//! docs/reference/definitions.md §3.2): the answer is a set of letters, checked transformation by
//! transformation with `spi_theory::program_space::check_transformation`.

use std::collections::BTreeSet;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use spi_games::{Game, Rational};
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::program_space::check_transformation;

use super::{
    Generated, Grade, Task, game_table, game_value, names, parse_set, set_text, spec_game,
};

/// The task.
pub struct TransformationsTask;

fn letter(k: usize) -> String {
    ((b'A' + k as u8) as char).to_string()
}

/// Per candidate: whether it is an SPI on the space.
fn classify(spec: &Value) -> Result<Vec<bool>, String> {
    let game = spec.get("game").ok_or("no game")?;
    let space = spec.get("space").ok_or("no space")?;
    let ts = spec
        .get("transformations")
        .and_then(Value::as_array)
        .ok_or("no transformations")?;
    ts.iter()
        .enumerate()
        .map(|(k, t)| {
            let doc = json!({"schema": "spi-transformation/1", "game": game, "space": space, "transformation": t});
            match read_model(&doc) {
                Ok(ModelDocument::Transformation(t)) => Ok(check_transformation(&t).is_spi()),
                Ok(_) => Err(format!("transformations[{k}]: not a transformation")),
                Err(e) => Err(format!("transformations[{k}]: {e}")),
            }
        })
        .collect()
}

fn describe(g: &Game, t: &Value) -> String {
    let mut parts = Vec::new();
    for i in 0..2 {
        let p = &g.players()[i];
        let m = t.get(p).and_then(Value::as_object);
        let s = m
            .map(|m| {
                m.iter()
                    .map(|(a, b)| format!("{a}->{}", b.as_str().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        parts.push(format!("{p}: {s}"));
    }
    parts.join("; ")
}

impl Task for TransformationsTask {
    fn kind(&self) -> &'static str {
        "spi_transformations"
    }
    fn about(&self) -> &'static str {
        "which of k program-space transformations are SPIs on the stated space (a set of letters)"
    }
    fn chance(&self) -> f64 {
        1.0 / 16.0
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        // s programs per player in the space, e extra programs the transformations may move to.
        let (s, e, k) = match tier {
            1 => (2, 2, 3),
            2 => (2, 3, 4),
            _ => (3, 3, 5),
        };
        let m = s + e;
        let players = ["Lab A", "Lab B"];
        let acts = [names("a", m), names("b", m)];
        let mut g = super::random_game(rng, players, acts.clone(), 0, 6);
        // Plant up to two improved copies: f maps the space into the extra programs and
        // U(f(p)) = U(p) + (0 or 1) per player. The engine classifies afterwards in any case.
        let planted = if rng.random_bool(0.1) {
            0
        } else {
            rng.random_range(1..=2usize)
        };
        let mut table = g.payoff_table().to_vec();
        let mut candidates: Vec<[Vec<usize>; 2]> = Vec::new();
        for _ in 0..planted {
            let mut f: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
            for fi in &mut f {
                let mut extra: Vec<usize> = (s..m).collect();
                extra.shuffle(rng);
                *fi = extra[..s].to_vec();
            }
            for a in 0..s {
                for b in 0..s {
                    let from = (a * m + b) * 2;
                    let to = (f[0][a] * m + f[1][b]) * 2;
                    for i in 0..2 {
                        table[to + i] =
                            &table[from + i] + &Rational::from_int(rng.random_range(0..=1));
                    }
                }
            }
            candidates.push(f);
        }
        g = match Game::new(
            "transformations",
            g.players().to_vec(),
            acts.to_vec(),
            table,
        ) {
            Ok(g) => g,
            Err(e) => unreachable!("same shape: {e}"),
        };
        while candidates.len() < k {
            let f: [Vec<usize>; 2] = [
                (0..s).map(|_| rng.random_range(0..m)).collect(),
                (0..s).map(|_| rng.random_range(0..m)).collect(),
            ];
            if f.iter()
                .all(|fi| fi.iter().enumerate().all(|(a, &b)| a == b))
            {
                continue;
            }
            candidates.push(f);
        }
        candidates.shuffle(rng);
        let transformations: Vec<Value> = candidates
            .iter()
            .map(|f| {
                let mut t = Map::new();
                for i in 0..2 {
                    let mut mi = Map::new();
                    for a in 0..s {
                        mi.insert(acts[i][a].clone(), Value::String(acts[i][f[i][a]].clone()));
                    }
                    t.insert(players[i].to_string(), Value::Object(mi));
                }
                Value::Object(t)
            })
            .collect();
        let space: Vec<Value> = (0..s)
            .flat_map(|a| (0..s).map(move |b| (a, b)))
            .map(|(a, b)| json!([acts[0][a], acts[1][b]]))
            .collect();
        let list: String = transformations
            .iter()
            .enumerate()
            .map(|(j, t)| format!("{}. {}\n", letter(j), describe(&g, t)))
            .collect();
        let input = format!(
            "Two labs each submit a program; the table gives the payoffs the two programs reach \
against each other (a program game). The labs will submit programs from the space {} for {} and {} \
for {}, and nobody can say which. A transformation replaces each submitted program by another (listed \
as old->new per lab); it is a safe Pareto improvement on this space when for every pair of programs in \
the space both labs' payoffs after the replacement are at least their payoffs before.\n\n{}\nThe \
transformations:\n{}\nWhich transformations are safe Pareto improvements on the space?\nEnd with one \
line: ANSWER: the letters, comma-separated (for example `ANSWER: A, C`), or `ANSWER: NONE`.",
            acts[0][..s].join(", "),
            players[0],
            acts[1][..s].join(", "),
            players[1],
            game_table(&g),
            list
        );
        Generated {
            input,
            check: json!({
                "kind": self.kind(),
                "tier": tier,
                "game": game_value(&g),
                "space": space,
                "transformations": transformations,
            }),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), String> {
        spec_game(spec)?;
        let c = classify(spec)?;
        if c.is_empty() || c.len() > 26 {
            return Err("expected 1 to 26 transformations".into());
        }
        Ok(())
    }
    fn reference(&self, spec: &Value) -> Result<String, String> {
        let set: BTreeSet<String> = classify(spec)?
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s)
            .map(|(k, _)| letter(k))
            .collect();
        Ok(set_text(&set))
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, String> {
        let want = self.reference(spec)?;
        let n = classify(spec)?.len();
        let read = parse_set(answer);
        let valid = read.iter().all(|l| {
            l.len() == 1
                && (l.as_bytes()[0] as usize) >= b'A' as usize
                && ((l.as_bytes()[0] - b'A') as usize) < n
        });
        let read = valid.then(|| set_text(&read));
        Ok(super::grade_equal(want, read, "SPIs"))
    }
}
