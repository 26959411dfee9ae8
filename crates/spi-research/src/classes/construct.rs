//! Class 3, counterexample construction: given an instruction (a permutation of each player's
//! actions), build a game on which it is not an SPI in exactly the stated way: every action
//! survives IESDS, the instruction helps or keeps both players at every profile but one, and at
//! that profile the stated player loses exactly the stated amount. Graded by running the engine
//! on the answered game, so any such game passes.
//!
//! The class's other families ask for other counterexamples: a full strategy that is PI but not
//! FI ([`super::independence`]), and a renegotiation pair whose proposals fail to match
//! ([`super::mismatch`]). A spec names its family in `family`; a spec without one is an
//! action-permutation task.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::{Game, Rational, iesds};

use super::common::{profile_text, table};
use super::{independence, mismatch};
use crate::error::ResearchError;
use crate::task::{Class, ClassTask, Generated, Grade, Step, spec_tier};

/// The class.
pub struct ConstructClass;

/// The families of the class, as a spec's `family` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// The original family: a game on which an action permutation fails.
    Permutation,
    /// A full strategy that is PI but not FI.
    PiNotFi,
    /// Renegotiation programs whose proposals fail to match.
    Mismatch,
}

fn family(spec: &Value) -> Result<Family, ResearchError> {
    match spec.get("family").and_then(Value::as_str) {
        None => Ok(Family::Permutation),
        Some(independence::FAMILY) => Ok(Family::PiNotFi),
        Some(mismatch::FAMILY) => Ok(Family::Mismatch),
        Some(other) => Err(ResearchError::spec(
            "family",
            format!("unknown family `{other}`"),
        )),
    }
}

/// Payoffs allowed in an answer.
pub const MAX_PAYOFF: i64 = 9;

struct Spec {
    n: usize,
    perm: [Vec<usize>; 2],
    profile: [usize; 2],
    player: usize,
    loss: i64,
}

fn names(n: usize) -> [Vec<String>; 2] {
    [
        spi_suites::tasks::names("R", n),
        spi_suites::tasks::names("C", n),
    ]
}

fn read(spec: &Value) -> Result<Spec, ResearchError> {
    let n = spec
        .get("n")
        .and_then(Value::as_u64)
        .filter(|n| (2..=5).contains(n))
        .ok_or_else(|| ResearchError::spec("n", "expected 2 to 5"))? as usize;
    let mut perm: [Vec<usize>; 2] = [vec![], vec![]];
    for (i, p) in perm.iter_mut().enumerate() {
        let v: Vec<usize> = super::common::indices(spec.pointer(&format!("/perm/{i}")));
        if !super::common::is_permutation(&v, n) {
            return Err(ResearchError::spec(
                format!("perm[{i}]"),
                "expected a permutation of 0..n",
            ));
        }
        *p = v;
    }
    let prof: Vec<usize> = super::common::indices(spec.get("profile"));
    if prof.len() != 2 || prof.iter().any(|&x| x >= n) {
        return Err(ResearchError::spec(
            "profile",
            "expected two action indices",
        ));
    }
    let profile = [prof[0], prof[1]];
    if [perm[0][profile[0]], perm[1][profile[1]]] == profile {
        return Err(ResearchError::spec(
            "profile",
            "the instruction leaves this profile unchanged, so nothing can be lost there",
        ));
    }
    let player = spec
        .get("player")
        .and_then(Value::as_u64)
        .filter(|p| *p < 2)
        .ok_or_else(|| ResearchError::spec("player", "expected 0 or 1"))? as usize;
    let loss = spec
        .get("loss")
        .and_then(Value::as_i64)
        .filter(|l| (1..=MAX_PAYOFF).contains(l))
        .ok_or_else(|| ResearchError::spec("loss", "expected 1 to 9"))?;
    Ok(Spec {
        n,
        perm,
        profile,
        player,
        loss,
    })
}

fn game_of(n: usize, cells: &[Vec<[i64; 2]>]) -> Game {
    let [r, c] = names(n);
    Game::from_fn(
        "constructed",
        vec!["Row".into(), "Column".into()],
        vec![r, c],
        |p| {
            let [a, b] = cells[p[0]][p[1]];
            vec![Rational::from_int(a), Rational::from_int(b)]
        },
    )
    .unwrap_or_else(|e| unreachable!("n >= 2: {e}"))
}

/// The first way `cells` fails the spec, or `None` when the game is a right answer.
fn failure(s: &Spec, cells: &[Vec<[i64; 2]>]) -> Option<String> {
    let g = game_of(s.n, cells);
    let red = iesds(&g);
    if let Some(e) = red.trace.first() {
        return Some(format!(
            "{} is strictly dominated by {} for {}, so not every action survives IESDS",
            g.actions(e.player)[e.action],
            g.actions(e.player)[e.dominated_by],
            g.players()[e.player]
        ));
    }
    for a in 0..s.n {
        for b in 0..s.n {
            let q = [s.perm[0][a], s.perm[1][b]];
            for i in 0..2 {
                let (u, v) = (cells[a][b][i], cells[q[0]][q[1]][i]);
                let want_loss = [a, b] == s.profile && i == s.player;
                if want_loss && u - v != s.loss {
                    return Some(format!(
                        "at {} the instruction moves {} from {u} to {v}, not a loss of exactly {}",
                        profile_text(&g, &[a, b]),
                        g.players()[i],
                        s.loss
                    ));
                }
                if !want_loss && v < u {
                    return Some(format!(
                        "at {} the instruction moves {} from {u} down to {v}; only the stated profile and player may lose",
                        profile_text(&g, &[a, b]),
                        g.players()[i]
                    ));
                }
            }
        }
    }
    None
}

fn cells_text(cells: &[Vec<[i64; 2]>]) -> String {
    cells
        .iter()
        .map(|row| {
            row.iter()
                .map(|[a, b]| format!("({a}, {b})"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads `(3, 1) (0, 2); (1, 1) (2, 2)`: rows separated by `;`, integer cells `(x, y)`.
fn parse_cells(n: usize, text: &str) -> Result<Vec<Vec<[i64; 2]>>, String> {
    let rows: Vec<&str> = text.split(';').map(str::trim).collect();
    if rows.len() != n {
        return Err(format!(
            "expected {n} rows separated by `;`, found {}",
            rows.len()
        ));
    }
    rows.iter()
        .enumerate()
        .map(|(r, row)| {
            let cells: Vec<&str> = row
                .split(')')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            if cells.len() != n {
                return Err(format!("row {}: expected {n} cells `(x, y)`", r + 1));
            }
            cells
                .iter()
                .map(|c| {
                    let inner = c.trim_start_matches('(').trim();
                    let (x, y) = inner
                        .split_once(',')
                        .ok_or_else(|| format!("row {}: `{c})` is not `(x, y)`", r + 1))?;
                    let p = |s: &str| {
                        s.trim()
                            .parse::<i64>()
                            .ok()
                            .filter(|v| (0..=MAX_PAYOFF).contains(v))
                            .ok_or_else(|| {
                                format!(
                                    "row {}: `{}` is not an integer 0-{MAX_PAYOFF}",
                                    r + 1,
                                    s.trim()
                                )
                            })
                    };
                    Ok([p(x)?, p(y)?])
                })
                .collect()
        })
        .collect()
}

/// A witness: constant payoffs on each cycle of the profile permutation, except that on the
/// stated profile's cycle the stated player gets `v` at the profile and `v - loss` elsewhere.
fn witness(s: &Spec, rng: &mut ChaCha8Rng) -> Option<Vec<Vec<[i64; 2]>>> {
    let n = s.n;
    let next = |[a, b]: [usize; 2]| [s.perm[0][a], s.perm[1][b]];
    for _ in 0..2000 {
        let mut cells = vec![vec![[0i64; 2]; n]; n];
        let mut seen = vec![vec![false; n]; n];
        for a in 0..n {
            for b in 0..n {
                if seen[a][b] {
                    continue;
                }
                let mut cycle = vec![[a, b]];
                let mut q = next([a, b]);
                while q != [a, b] {
                    cycle.push(q);
                    q = next(q);
                }
                let on = cycle.contains(&s.profile);
                for i in 0..2 {
                    if on && i == s.player {
                        let v = rng.random_range(s.loss..=MAX_PAYOFF);
                        for q in &cycle {
                            cells[q[0]][q[1]][i] = if *q == s.profile { v } else { v - s.loss };
                        }
                    } else {
                        let v = rng.random_range(0..=MAX_PAYOFF);
                        for q in &cycle {
                            cells[q[0]][q[1]][i] = v;
                        }
                    }
                }
                for q in &cycle {
                    seen[q[0]][q[1]] = true;
                }
            }
        }
        if failure(s, &cells).is_none() {
            return Some(cells);
        }
    }
    None
}

impl ClassTask for ConstructClass {
    fn class(&self) -> Class {
        Class::Counterexample
    }
    fn about(&self) -> &'static str {
        "build a counterexample: a game (integers 0-9, no dominated action) on which a stated instruction fails as an SPI at exactly one stated profile, player and amount; a full strategy that is PI but not FI; or renegotiation proposals that fail to match"
    }
    fn chance(&self, tier: u8) -> f64 {
        // A uniformly random n x n table of integer pairs 0-9: the exact loss alone has chance
        // at most 1/10, and each of the other n^2 - 1 profiles must not lose for either player.
        // The bound covers every family, so it is the largest of theirs.
        let n = (tier + 1) as i32;
        (0.1 * 0.55f64.powi(2 * (n * n - 1)))
            .max(independence::chance(tier))
            .max(mismatch::chance(tier))
    }
    fn families(&self) -> &'static [&'static str] {
        &["", independence::FAMILY, mismatch::FAMILY]
    }
    fn first_family_name(&self) -> &'static str {
        "permutation"
    }
    fn generate_family(&self, family: &str, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        match family {
            independence::FAMILY => independence::generate(rng, tier),
            mismatch::FAMILY => mismatch::generate(rng, tier),
            _ => self.generate(rng, tier),
        }
    }
    fn generate(&self, rng: &mut ChaCha8Rng, tier: u8) -> Generated {
        let n = tier as usize + 1;
        let (s, w) = loop {
            let mut perm: [Vec<usize>; 2] = [(0..n).collect(), (0..n).collect()];
            perm[0].shuffle(rng);
            perm[1].shuffle(rng);
            let profile = [rng.random_range(0..n), rng.random_range(0..n)];
            if [perm[0][profile[0]], perm[1][profile[1]]] == profile {
                continue;
            }
            let s = Spec {
                n,
                perm,
                profile,
                player: rng.random_range(0..2),
                loss: rng.random_range(1..=3),
            };
            if let Some(w) = witness(&s, rng) {
                break (s, w);
            }
        };
        let [r, c] = names(n);
        let map = |i: usize, ns: &[String]| {
            (0..n)
                .map(|a| format!("{}->{}", ns[a], ns[s.perm[i][a]]))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let players = ["Row", "Column"];
        let prof = format!("({}, {})", r[s.profile[0]], c[s.profile[1]]);
        let input = format!(
            "An instruction to two representatives replaces each player's action by another: Row's {}; Column's {}. \
(Read it as in the definition of a safe Pareto improvement: both representatives play the mapped actions.)\n\n\
Construct a {n}x{n} game, Row choosing among {} and Column among {}, such that:\n\
1. every payoff is an integer from 0 to {MAX_PAYOFF};\n\
2. no action of either player is strictly dominated by another of that player's pure actions (so every action survives IESDS);\n\
3. at every profile other than {prof}, both players get at least as much at the mapped profile as at the profile itself;\n\
4. at {prof}, {} gets exactly {} less at the mapped profile than at {prof}, and {} gets at least as much.\n\
Such a game shows the instruction is not an SPI, and fails only there.\n\
End with one line: ANSWER: the rows in order separated by `;`, each row's cells `(Row's payoff, Column's payoff)` \
separated by spaces (for a 2x2 game, for example `ANSWER: (3, 1) (0, 2); (1, 1) (2, 2)`).",
            map(0, &r),
            map(1, &c),
            r.join(", "),
            c.join(", "),
            players[s.player],
            s.loss,
            players[1 - s.player]
        );
        let _ = table;
        Generated {
            input,
            spec: json!({"kind": "research", "class": "counterexample", "tier": tier, "n": n,
                "perm": [s.perm[0], s.perm[1]], "profile": s.profile, "player": s.player, "loss": s.loss,
                "witness": cells_text(&w)}),
        }
    }
    fn validate(&self, spec: &Value) -> Result<(), ResearchError> {
        spec_tier(spec)?;
        match family(spec)? {
            Family::PiNotFi => return independence::validate(spec),
            Family::Mismatch => return mismatch::validate(spec),
            Family::Permutation => {}
        }
        let s = read(spec)?;
        let w = spec.get("witness").and_then(Value::as_str).ok_or_else(|| {
            ResearchError::spec("witness", "expected a game in the answer format")
        })?;
        let cells = parse_cells(s.n, w).map_err(|e| ResearchError::spec("witness", e))?;
        match failure(&s, &cells) {
            None => Ok(()),
            Some(f) => Err(ResearchError::spec("witness", f)),
        }
    }
    fn reference(&self, spec: &Value) -> Result<String, ResearchError> {
        match family(spec)? {
            Family::PiNotFi => return independence::reference(spec),
            Family::Mismatch => return mismatch::reference(spec),
            Family::Permutation => {}
        }
        self.validate(spec)?;
        Ok(spec["witness"].as_str().unwrap_or_default().to_string())
    }
    fn grade(&self, spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
        match family(spec)? {
            Family::PiNotFi => return independence::grade(spec, answer),
            Family::Mismatch => return mismatch::grade(spec, answer),
            Family::Permutation => {}
        }
        let s = read(spec)?;
        let cells = match parse_cells(s.n, answer) {
            Ok(c) => c,
            Err(e) => return Ok(Grade::invalid(e)),
        };
        let text = cells_text(&cells);
        Ok(match failure(&s, &cells) {
            None => Grade::right(text, "the engine confirms every condition"),
            Some(f) => Grade::wrong(Some(text), f.clone(), f),
        })
    }
    fn steps(&self, spec: &Value) -> Result<Vec<Step>, ResearchError> {
        match family(spec)? {
            Family::PiNotFi => independence::steps(spec),
            Family::Mismatch => mismatch::steps(spec),
            Family::Permutation => Ok(vec![Step {
                name: "answer".into(),
                prompt: String::new(),
                reference: self.reference(spec)?,
            }]),
        }
    }
    fn grade_step(&self, spec: &Value, step: usize, answer: &str) -> Result<bool, ResearchError> {
        match family(spec)? {
            Family::PiNotFi => independence::grade_step(spec, step, answer),
            Family::Mismatch => mismatch::grade_step(spec, step, answer),
            Family::Permutation => Ok(self.grade(spec, answer)?.correct),
        }
    }
}
