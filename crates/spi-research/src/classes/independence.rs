//! Class 3's full-strategy family (agenda B.2): each player has programs with demands and an SPI
//! transformation f that replaces them; the answer picks, for every player i, the program p_i it
//! chooses, the program p^P_i it would have chosen had the others not participated, and the
//! program p^F_i it would have chosen had it known in advance that they would, so that the full
//! strategy (f, p) is participation-independent but not foreknowledge-independent, with the stated
//! agent the only player whose foreknowledge choice differs.
//!
//! Graded by the reader and checker behind `spi strategy check` (`spi_theory::documents::read_model`
//! on a `full-strategy/1` document, then `check_full_strategy`), so any such choice passes.

use std::collections::BTreeSet;

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use spi_games::Rational;
use spi_theory::documents::{ModelDocument, read_model};
use spi_theory::full_strategy::{FullStrategyCheck, Witness, check_full_strategy};

use crate::error::ResearchError;
use crate::task::{Generated, Grade, Step, field};

/// The family name of these tasks in the release (ids `counterexample-pi-not-fi-t1-000`).
pub const FAMILY: &str = "pi-not-fi";

/// Players, programs per player, and how many of each player's programs f leaves at the same
/// demand, per tier.
pub fn sizes(tier: u8) -> (usize, usize, usize) {
    match tier {
        1 => (2, 4, 1),
        2 => (2, 6, 2),
        _ => (3, 6, 2),
    }
}

/// An upper bound on the chance that a uniform guess (three programs per player, each among the
/// player's n) is right: every p_i must be one of the k demand-preserving programs and equal
/// p^P_i; the agent's p^F_i must differ from p_i and every other player's must equal it.
pub fn chance(tier: u8) -> f64 {
    let (players, n, k) = sizes(tier);
    let (n, k) = (n as f64, k as f64);
    let agent = (k / n) * (1.0 / n) * ((n - 1.0) / n);
    let other = (k / n) * (1.0 / n) * (1.0 / n);
    agent * other.powi(players as i32 - 1)
}

/// The definitions, as the prompt states them.
const DEFINITIONS: &str = "A full strategy (f, p) pairs an SPI transformation f with each player's \
program choices. Every program makes a demand d (the share it insists on). For each player i: p_i is \
the program i chooses (the others participating in the SPI); f(p)_i is the program f replaces it with \
(f leaves programs it does not list unchanged); p^P_i is the program i would have chosen had the others \
used their programs p_j instead of f(p)_j; p^F_i is the program i would have chosen had i believed in \
advance that they would. (f, p) is demand-preserving when d(f(p)_i) = d(p_i) for every player i; \
participation-independent (PI) when it is demand-preserving and p_i = p^P_i for every i; \
foreknowledge-independent (FI) when it is demand-preserving and p_i = p^F_i for every i.";

/// One player's menu: the programs it may choose, every program's demand and f on them.
#[derive(Debug, Clone)]
pub struct Menu {
    /// The player's name.
    pub player: String,
    /// The programs the player chooses among (f replaces each).
    pub programs: Vec<String>,
    /// d(q) for every program, chosen or replacement, as written in the spec.
    pub demands: Map<String, Value>,
    /// f on the programs.
    pub transformation: Map<String, Value>,
}

/// A task read from its spec.
#[derive(Debug, Clone)]
pub struct Task {
    /// Per player.
    pub menus: Vec<Menu>,
    /// The player whose foreknowledge choice must be the only one to differ.
    pub agent: usize,
}

/// One player's three choices: p_i, p^P_i, p^F_i (indices into its programs).
pub type Choice = [usize; 3];

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Task {
    /// Reads `players` (each `{player, programs, demands, transformation}`) and `agent`.
    pub fn from_spec(spec: &Value) -> Result<Task, ResearchError> {
        let list = field(spec, "players")?
            .as_array()
            .filter(|a| (2..=4).contains(&a.len()))
            .ok_or_else(|| ResearchError::spec("players", "expected 2 to 4 players"))?;
        let mut menus = Vec::new();
        for (k, p) in list.iter().enumerate() {
            let at = |f: &str| format!("players[{k}].{f}");
            let player = p
                .get("player")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ResearchError::spec(at("player"), "expected a name"))?
                .to_string();
            let programs = strings(p.get("programs"));
            if programs.len() < 2 {
                return Err(ResearchError::spec(
                    at("programs"),
                    "expected at least two program names",
                ));
            }
            let object = |f: &str| {
                p.get(f)
                    .and_then(Value::as_object)
                    .cloned()
                    .ok_or_else(|| ResearchError::spec(at(f), "expected an object"))
            };
            let (demands, transformation) = (object("demands")?, object("transformation")?);
            if let Some(q) = programs.iter().find(|q| !demands.contains_key(*q)) {
                return Err(ResearchError::spec(
                    at("demands"),
                    format!("program {q:?} has no demand"),
                ));
            }
            menus.push(Menu {
                player,
                programs,
                demands,
                transformation,
            });
        }
        let names: BTreeSet<String> = menus
            .iter()
            .map(|m| m.player.to_ascii_lowercase())
            .collect();
        if names.len() != menus.len() {
            return Err(ResearchError::spec("players", "expected distinct names"));
        }
        let agent = spec
            .get("agent")
            .and_then(Value::as_str)
            .and_then(|a| menus.iter().position(|m| m.player == a))
            .ok_or_else(|| ResearchError::spec("agent", "expected one of the players"))?;
        let task = Task { menus, agent };
        // The document reader checks the demands are exact numbers and f names known programs.
        task.check(&vec![[0, 0, 0]; task.menus.len()])?;
        Ok(task)
    }

    /// The `full-strategy/1` document of the choices.
    fn document(&self, choices: &[Choice]) -> Value {
        let players: Vec<Value> = self
            .menus
            .iter()
            .zip(choices)
            .map(|(m, c)| {
                json!({
                    "player": m.player,
                    "demands": m.demands,
                    "transformation": m.transformation,
                    "chosen": m.programs[c[0]],
                    "if_others_do_not_participate": m.programs[c[1]],
                    "if_known_in_advance": m.programs[c[2]],
                })
            })
            .collect();
        json!({"schema": "full-strategy/1", "players": players})
    }

    /// The engine's check of the choices (one per player, in order).
    pub fn check(&self, choices: &[Choice]) -> Result<FullStrategyCheck, ResearchError> {
        match read_model(&self.document(choices)) {
            Ok(ModelDocument::FullStrategy(s)) => Ok(check_full_strategy(&s)),
            Ok(_) => unreachable!("the document's schema is full-strategy/1"),
            Err(e) => Err(ResearchError::spec("players", e.to_string())),
        }
    }

    /// Per player, the programs f maps to a program of the same demand (as the engine reads it:
    /// each program alone as p_i).
    pub fn demand_preserving(&self) -> Result<Vec<Vec<usize>>, ResearchError> {
        let n = self
            .menus
            .iter()
            .map(|m| m.programs.len())
            .max()
            .unwrap_or(0);
        let mut out = vec![Vec::new(); self.menus.len()];
        for q in 0..n {
            // Menus may differ in length; a shorter one repeats its last program.
            let choices: Vec<Choice> = self
                .menus
                .iter()
                .map(|m| {
                    let q = q.min(m.programs.len() - 1);
                    [q, q, q]
                })
                .collect();
            let c = self.check(&choices)?;
            for (i, m) in self.menus.iter().enumerate() {
                if q < m.programs.len() && c.demand_preserving.iter().all(|w| w.player != m.player)
                {
                    out[i].push(q);
                }
            }
        }
        Ok(out)
    }

    /// The first way the choices fail the task, or `None` when they are a right answer.
    pub fn failure(&self, choices: &[Choice]) -> Result<Option<String>, ResearchError> {
        let c = self.check(choices)?;
        let say = |w: &Witness, what: &str| {
            format!(
                "{}: {} (demand {}) {what} {} (demand {})",
                w.player, w.left.0, w.left.1, w.right.0, w.right.1
            )
        };
        let agent = &self.menus[self.agent].player;
        if let Some(w) = c.demand_preserving.first() {
            return Ok(Some(format!(
                "{}, so (f, p) is not demand-preserving and is neither PI nor FI",
                say(w, "is replaced by")
            )));
        }
        if let Some(w) = c.participation.first() {
            return Ok(Some(format!(
                "{}, so (f, p) is not PI",
                say(
                    w,
                    "is chosen, but had the others not participated it would have been"
                )
            )));
        }
        if c.foreknowledge.is_empty() {
            return Ok(Some(
                "every player's choice equals the one it would have made knowing in advance, so (f, p) is FI".into(),
            ));
        }
        Ok(c.foreknowledge
            .iter()
            .find(|w| &w.player != agent)
            .map(|w| {
                format!(
                    "{}; only {agent}'s foreknowledge choice may differ",
                    say(w, "is chosen, but knowing in advance it would have been")
                )
            }))
    }

    /// The choices as answer text.
    pub fn text(&self, choices: &[Choice]) -> String {
        self.menus
            .iter()
            .zip(choices)
            .map(|(m, c)| {
                format!(
                    "{}: {}, {}, {}",
                    m.player, m.programs[c[0]], m.programs[c[1]], m.programs[c[2]]
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Reads `A: A2, A2, A1; B: B3, B3, B3` (players in any order, each once; names ignore case).
    pub fn parse(&self, text: &str) -> Result<Vec<Choice>, String> {
        let mut out: Vec<Option<Choice>> = vec![None; self.menus.len()];
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (who, rest) = part
                .split_once(':')
                .ok_or_else(|| format!("`{part}` is not `PLAYER: p, p^P, p^F`"))?;
            let i = self
                .menus
                .iter()
                .position(|m| m.player.eq_ignore_ascii_case(who.trim()))
                .ok_or_else(|| format!("`{}` is not a player", who.trim()))?;
            if out[i].is_some() {
                return Err(format!("{} is given twice", self.menus[i].player));
            }
            let picks: Vec<&str> = rest.split(',').map(str::trim).collect();
            if picks.len() != 3 {
                return Err(format!(
                    "{}: expected three programs (p, p^P, p^F)",
                    self.menus[i].player
                ));
            }
            let mut c = [0; 3];
            for (slot, q) in c.iter_mut().zip(&picks) {
                *slot = self.menus[i]
                    .programs
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(q))
                    .ok_or_else(|| {
                        format!(
                            "`{q}` is not one of {}'s programs ({})",
                            self.menus[i].player,
                            self.menus[i].programs.join(", ")
                        )
                    })?;
            }
            out[i] = Some(c);
        }
        out.into_iter()
            .zip(&self.menus)
            .map(|(c, m)| c.ok_or_else(|| format!("no choices for {}", m.player)))
            .collect()
    }
}

/// The demand `h`/100 written in one of the ways the tier allows: a reduced fraction (tier 1),
/// also a percentage or decimal (tier 2), also an unreduced fraction (tier 3), so that seeing two
/// demands are equal takes arithmetic, not string comparison.
fn written(h: i64, tier: u8, rng: &mut ChaCha8Rng) -> String {
    let q = Rational::new(h, 100).unwrap_or_else(|| unreachable!("denominator 100"));
    let styles = match tier {
        1 => 1,
        2 => 3,
        _ => 4,
    };
    match rng.random_range(0..styles) {
        0 => q.to_string(),
        1 => format!("{h}%"),
        // Hundredths as a decimal without trailing zeros (0.05, 0.5, 0.45).
        2 => format!("0.{h:02}").trim_end_matches('0').to_string(),
        _ => {
            let (n, d) = q.as_small().unwrap_or((h, 100));
            let m = rng.random_range(2..=3);
            format!("{}/{}", n * m, d * m)
        }
    }
}

/// Draws a task: the spec fields and the prompt's description of each player's programs.
fn draw(rng: &mut ChaCha8Rng, tier: u8) -> (Value, Vec<String>, Vec<Choice>) {
    let (players, n, k) = sizes(tier);
    // Demands in hundredths: multiples of 10 at tier 1, of 5 at tier 2, any at tier 3, where a
    // changed demand may differ by a single hundredth.
    let step = match tier {
        1 => 10,
        2 => 5,
        _ => 1,
    };
    let pool: Vec<i64> = (1..100)
        .filter(|h| h % step == 0 && *h >= 5 && *h <= 95)
        .collect();
    let mut spec_players = Vec::new();
    let mut lines = Vec::new();
    let mut witness = Vec::new();
    for who in ["A", "B", "C"].iter().take(players) {
        let mut hs = pool.clone();
        hs.shuffle(rng);
        hs.truncate(n);
        let mut keep: Vec<usize> = (0..n).collect();
        keep.shuffle(rng);
        keep.truncate(k);
        let programs: Vec<String> = (1..=n).map(|j| format!("{who}{j}")).collect();
        let mut demands = Map::new();
        let mut transformation = Map::new();
        let mut text = Vec::new();
        for (j, q) in programs.iter().enumerate() {
            let h = hs[j];
            let r = if keep.contains(&j) {
                h
            } else {
                let near = tier >= 3 && rng.random_bool(0.5);
                let others: Vec<i64> = pool
                    .iter()
                    .copied()
                    .filter(|x| *x != h && (!near || (x - h).abs() <= 5))
                    .collect();
                *others.choose(rng).unwrap_or(&(h + 1))
            };
            let replacement = format!("{q}'");
            demands.insert(
                q.clone(),
                json!(Rational::new(h, 100).unwrap_or_default().to_string()),
            );
            demands.insert(
                replacement.clone(),
                json!(Rational::new(r, 100).unwrap_or_default().to_string()),
            );
            transformation.insert(q.clone(), json!(replacement));
            text.push(format!(
                "  {q} demands {}; f replaces it by {replacement}, which demands {}.",
                written(h, tier, rng),
                written(r, tier, rng)
            ));
        }
        lines.push(format!("Player {who}'s programs:\n{}", text.join("\n")));
        let p = *keep.choose(rng).unwrap_or(&0);
        witness.push([p, p, p]);
        spec_players.push(
            json!({"player": who, "programs": programs, "demands": demands,
            "transformation": transformation}),
        );
    }
    let agent = rng.random_range(0..players);
    let p = witness[agent][0];
    let others: Vec<usize> = (0..n).filter(|q| *q != p).collect();
    witness[agent][2] = *others.choose(rng).unwrap_or(&0);
    let names = ["A", "B", "C"];
    (
        json!({"players": spec_players, "agent": names[agent]}),
        lines,
        witness,
    )
}

/// A seeded task of the tier.
pub fn generate(rng: &mut ChaCha8Rng, tier: u8) -> Generated {
    let (fields, lines, witness) = draw(rng, tier);
    let mut spec = json!({"kind": "research", "class": "counterexample", "family": FAMILY,
        "tier": tier});
    if let (Some(s), Some(f)) = (spec.as_object_mut(), fields.as_object()) {
        s.extend(f.clone());
    }
    let task = Task::from_spec(&spec).unwrap_or_else(|e| unreachable!("a drawn task reads: {e}"));
    spec["witness"] = json!(task.text(&witness));
    // The example answer picks programs f does not keep at the same demand, so copying it fails.
    let dp = task
        .demand_preserving()
        .unwrap_or_else(|e| unreachable!("a drawn task checks: {e}"));
    let example: Vec<Choice> = dp
        .iter()
        .zip(&task.menus)
        .map(|(keep, m)| {
            let q = (0..m.programs.len())
                .find(|q| !keep.contains(q))
                .unwrap_or(0);
            [q, q, (q + 1) % m.programs.len()]
        })
        .collect();
    let agent = &task.menus[task.agent].player;
    let input = format!(
        "{DEFINITIONS}\n\n{}\n\nConstruct a counterexample to \"PI implies FI\": choose p_i, p^P_i and p^F_i for every \
player, each among that player's own programs (not the replacements), so that (f, p) is PI but not FI and \
{agent} is the only player with p_i different from p^F_i.\n\
End with one line: ANSWER: for each player `PLAYER: p, p^P, p^F`, players separated by `;` (for example \
`ANSWER: {}`).",
        lines.join("\n\n"),
        task.text(&example)
    );
    Generated { input, spec }
}

impl super::common::WitnessedTask for Task {
    type Answer = Vec<Choice>;
    const WITNESS_FORMAT: &'static str = "expected choices in the answer format";
    const RIGHT: &'static str =
        "the engine finds (f, p) PI, not FI, and only the agent's foreknowledge choice differs";
    fn from_spec(spec: &Value) -> Result<Task, ResearchError> {
        Task::from_spec(spec)
    }
    fn parse_answer(&self, text: &str) -> Result<Vec<Choice>, String> {
        self.parse(text)
    }
    fn failure_of(&self, a: &Vec<Choice>) -> Result<Option<String>, ResearchError> {
        self.failure(a)
    }
    fn answer_text(&self, a: &Vec<Choice>) -> String {
        self.text(a)
    }
}

/// Whether the spec's witness is a right answer (checked when a task is validated).
pub fn validate(spec: &Value) -> Result<(), ResearchError> {
    super::common::validate_witness::<Task>(spec)
}

/// The generator's witness.
pub fn reference(spec: &Value) -> Result<String, ResearchError> {
    super::common::witness::<Task>(spec)
}

/// Grades an answer with the engine.
pub fn grade(spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
    super::common::grade_witnessed::<Task>(spec, answer)
}

fn dp_text(task: &Task, dp: &[Vec<usize>]) -> String {
    dp.iter()
        .zip(&task.menus)
        .flat_map(|(qs, m)| qs.iter().map(|&q| m.programs[q].clone()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The steps: the demand-preserving programs, then the answer.
pub fn steps(spec: &Value) -> Result<Vec<Step>, ResearchError> {
    let task = Task::from_spec(spec)?;
    Ok(vec![
        Step {
            name: "demand-preserving".into(),
            prompt: "Step 1: which programs does f replace by a program with the same demand? End with one line: \
ANSWER: those programs of every player, comma-separated (for example `ANSWER: A2, B1`)."
                .into(),
            reference: dp_text(&task, &task.demand_preserving()?),
        },
        Step {
            name: "choices".into(),
            prompt: "Step 2: now give the full answer in the task's format.".into(),
            reference: reference(spec)?,
        },
    ])
}

/// Grades step 1 as a set of programs (any order, any case); the last step by [`grade`].
pub fn grade_step(spec: &Value, step: usize, answer: &str) -> Result<bool, ResearchError> {
    if step > 0 {
        return Ok(grade(spec, answer)?.correct);
    }
    let task = Task::from_spec(spec)?;
    let want: BTreeSet<String> = dp_text(&task, &task.demand_preserving()?)
        .split(", ")
        .map(str::to_ascii_lowercase)
        .collect();
    let read: BTreeSet<String> = answer
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    Ok(read == want)
}
