//! Class 3's renegotiation family (DCM Algorithm 1, agenda B.4): given a game and each player's
//! default program (a fixed action), choose each player's proposal so that both renegotiation
//! functions move the defaults' outcome, yet the two proposals fail to match and the pair falls
//! back to that outcome. The counterexample shows renegotiation programs alone need not
//! coordinate on an improvement even when each player wants one.
//!
//! Graded by running the programs in the interpreter: the answered pair must play the defaults'
//! outcome, and each proposal, made by both players, must renegotiate away from it. Any pair of
//! proposals that does so passes.

use std::collections::BTreeSet;
use std::sync::Arc;

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::{Game, Rational};
use spi_programs::library::{propose_fixed, renegotiation_source};
use spi_programs::{Limits, Outcome, Program, ProgramGame, play};

use super::common::{game_at, game_value, parse_profile, profile_text, table};
use crate::error::ResearchError;
use crate::task::{Generated, Grade, Step, field};

/// The family name of these tasks in the release (ids `counterexample-renegotiation-mismatch-t1-000`).
pub const FAMILY: &str = "renegotiation-mismatch";

/// Payoffs are integers `0..=MAX_PAYOFF`.
const MAX_PAYOFF: i64 = 9;

/// Actions per player, and the most Pareto improvements on the defaults' outcome a task may have
/// (few, so that a guessed pair of proposals rarely consists of two of them).
pub fn sizes(tier: u8) -> (usize, usize) {
    match tier {
        1 => (4, 2),
        2 => (5, 3),
        _ => (6, 4),
    }
}

/// An upper bound on the chance that a uniform guess (two profiles) is right: both must be among
/// the at most s improvements and differ, out of k^2 profiles each.
pub fn chance(tier: u8) -> f64 {
    let (k, s) = sizes(tier);
    (s * (s - 1)) as f64 / ((k * k) * (k * k)) as f64
}

/// The programs, as the prompt describes them.
const RENEGOTIATION: &str = "Each player submits a renegotiation program (DiGiovanni, Clifton and \
Macé's Algorithm 1): a default program, here one that always plays a fixed action, and a proposal, a \
profile of the game. Against another renegotiation program it computes a_def, the profile the two \
default programs play against each other, and applies its renegotiation function r: r(a_def) is its \
proposal when the proposal gives both players at least their payoffs at a_def and the two payoff \
pairs differ, and a_def otherwise. If both players' r(a_def) are the same profile, both play it; \
otherwise both play a_def.";

/// A task read from its spec.
pub struct Task {
    /// The game (players Row and Column).
    pub game: Game,
    /// Each player's default action.
    pub defaults: [usize; 2],
}

fn fixed(action: &str) -> String {
    format!("name \"Always{action}\";\nmain {{\n  return \"{action}\";\n}}")
}

impl Task {
    /// Reads `game` and `defaults` (one action name per player).
    pub fn from_spec(spec: &Value) -> Result<Task, ResearchError> {
        let game = game_at(spec, "game")?;
        let names: Vec<&str> = field(spec, "defaults")?
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if names.len() != 2 {
            return Err(ResearchError::spec(
                "defaults",
                "expected one action name per player",
            ));
        }
        let mut defaults = [0; 2];
        for (i, d) in defaults.iter_mut().enumerate() {
            *d = game.action_index(i, names[i]).ok_or_else(|| {
                ResearchError::spec(
                    format!("defaults[{i}]"),
                    format!("`{}` is not an action of {}", names[i], game.players()[i]),
                )
            })?;
        }
        Ok(Task { game, defaults })
    }

    /// The renegotiation program of `seat` proposing `proposal`.
    fn program(&self, seat: usize, proposal: [usize; 2]) -> Result<Arc<Program>, ResearchError> {
        let limits = Limits::default();
        let default = Program::parse(
            &fixed(&self.game.actions(seat)[self.defaults[seat]]),
            &limits,
        )
        .map_err(|e| ResearchError::spec("defaults", e.to_string()))?;
        let src = renegotiation_source(
            &default,
            &propose_fixed([
                &self.game.actions(0)[proposal[0]],
                &self.game.actions(1)[proposal[1]],
            ]),
        );
        Program::parse(&src, &limits)
            .map(Arc::new)
            .map_err(|e| ResearchError::spec("defaults", e.to_string()))
    }

    /// The profile Row's and Column's renegotiation programs, proposing `row` and `column`, play
    /// against each other in the interpreter.
    pub fn played(&self, row: [usize; 2], column: [usize; 2]) -> Result<[usize; 2], ResearchError> {
        let pg = ProgramGame::new(self.game.clone())
            .map_err(|e| ResearchError::spec("game", e.to_string()))?;
        let r = play(
            &pg,
            &self.program(0, row)?,
            &self.program(1, column)?,
            &Limits::default(),
            0,
        );
        match r.outcome {
            Outcome::Played {
                distribution,
                realized,
                ..
            } if distribution.len() == 1 && realized.len() == 2 => Ok([realized[0], realized[1]]),
            other => Err(ResearchError::spec(
                "game",
                format!("the renegotiation programs did not reach one profile: {other:?}"),
            )),
        }
    }

    /// The defaults' outcome a_def: programs that always play a fixed action meet in the profile
    /// of those actions (the grader still runs the wrapped programs, which compute it themselves).
    pub fn default_outcome(&self) -> [usize; 2] {
        self.defaults
    }

    /// The profiles a renegotiation function moves a_def to: payoffs weakly better for both and
    /// not the same pair (by the definition, for the steps and the tests; the grader runs the
    /// programs instead).
    pub fn improvements(&self) -> Vec<[usize; 2]> {
        let d = self.game.payoffs(&self.defaults).to_vec();
        let mut out = Vec::new();
        for a in 0..self.game.num_actions(0) {
            for b in 0..self.game.num_actions(1) {
                let u = self.game.payoffs(&[a, b]);
                if u[0] >= d[0] && u[1] >= d[1] && u != d.as_slice() {
                    out.push([a, b]);
                }
            }
        }
        out
    }

    /// The first way a pair of proposals fails the task, or `None` when it is a right answer.
    pub fn failure(&self, proposals: [[usize; 2]; 2]) -> Result<Option<String>, ResearchError> {
        let a_def = self.default_outcome();
        let g = &self.game;
        for (i, p) in proposals.iter().enumerate() {
            // Both players proposing p: they renegotiate exactly when r(a_def) = p moves a_def.
            if self.played(*p, *p)? == a_def {
                return Ok(Some(format!(
                    "{}'s proposal {} does not move a_def {}: it gives payoffs {}, not a different pair at least as good for both as {}, so {}'s renegotiation function keeps a_def",
                    g.players()[i],
                    profile_text(g, p),
                    profile_text(g, &a_def),
                    super::common::pair_text(g.payoffs(p)),
                    super::common::pair_text(g.payoffs(&a_def)),
                    g.players()[i]
                )));
            }
        }
        let q = self.played(proposals[0], proposals[1])?;
        Ok((q != a_def).then(|| {
            format!(
                "the proposals match: the two programs renegotiate to {} instead of falling back to a_def {}",
                profile_text(g, &q),
                profile_text(g, &a_def)
            )
        }))
    }

    /// A pair of proposals as answer text.
    pub fn text(&self, proposals: [[usize; 2]; 2]) -> String {
        format!(
            "{} | {}",
            profile_text(&self.game, &proposals[0]),
            profile_text(&self.game, &proposals[1])
        )
    }

    /// Reads `(R1, C2) | (R3, C1)`: Row's proposal, then Column's.
    pub fn parse(&self, text: &str) -> Result<[[usize; 2]; 2], String> {
        let parts: Vec<&str> = text.split('|').map(str::trim).collect();
        if parts.len() != 2 {
            return Err(
                "expected `(Row's action, Column's action) | (Row's action, Column's action)`"
                    .into(),
            );
        }
        let read = |s: &str| {
            parse_profile(&self.game, s)
                .ok_or_else(|| format!("`{s}` is not a profile of the game"))
        };
        Ok([read(parts[0])?, read(parts[1])?])
    }
}

/// A seeded task of the tier.
pub fn generate(rng: &mut ChaCha8Rng, tier: u8) -> Generated {
    let (k, most) = sizes(tier);
    let (game, defaults, improvements) = loop {
        let cells: Vec<[i64; 2]> = (0..k * k)
            .map(|_| {
                [
                    rng.random_range(0..=MAX_PAYOFF),
                    rng.random_range(0..=MAX_PAYOFF),
                ]
            })
            .collect();
        let game = Game::from_fn(
            "renegotiation",
            vec!["Row".into(), "Column".into()],
            vec![
                spi_suites::tasks::names("R", k),
                spi_suites::tasks::names("C", k),
            ],
            |p| {
                let [x, y] = cells[p[0] * k + p[1]];
                vec![Rational::from_int(x), Rational::from_int(y)]
            },
        )
        .unwrap_or_else(|e| unreachable!("k >= 2: {e}"));
        let task = Task {
            game,
            defaults: [rng.random_range(0..k), rng.random_range(0..k)],
        };
        let s = task.improvements();
        if (2..=most).contains(&s.len()) {
            break (task.game, task.defaults, s);
        }
    };
    let mut picks = improvements.clone();
    picks.shuffle(rng);
    let witness = [picks[0], picks[1]];
    let spec_defaults = [
        game.actions(0)[defaults[0]].clone(),
        game.actions(1)[defaults[1]].clone(),
    ];
    let task = Task {
        game: game.clone(),
        defaults,
    };
    // The example answer proposes one profile that is not an improvement twice, so copying it fails.
    let not: Vec<[usize; 2]> = game
        .profiles()
        .map(|p| [p[0], p[1]])
        .filter(|p| !improvements.contains(p))
        .collect();
    let example = *not.choose(rng).unwrap_or(&defaults);
    let input = format!(
        "{}\n{RENEGOTIATION}\n\nRow's default program always plays {}; Column's always plays {}.\n\n\
Construct a renegotiation pair whose proposals fail to match: choose Row's proposal and Column's proposal so that \
1. each player's renegotiation function moves a_def (r(a_def) is that player's proposal, not a_def), and \
2. the two programs nevertheless play a_def against each other.\n\
End with one line: ANSWER: Row's proposal | Column's proposal, each a profile `(Row's action, Column's action)` \
(for example `ANSWER: {}`).",
        table(&game),
        spec_defaults[0],
        spec_defaults[1],
        task.text([example, example])
    );
    let spec = json!({"kind": "research", "class": "counterexample", "family": FAMILY, "tier": tier,
        "game": game_value(&game), "defaults": spec_defaults, "witness": task.text(witness)});
    Generated { input, spec }
}

impl super::common::WitnessedTask for Task {
    type Answer = [[usize; 2]; 2];
    const WITNESS_FORMAT: &'static str = "expected proposals in the answer format";
    const RIGHT: &'static str =
        "the interpreter confirms: each proposal moves a_def, and the pair falls back to it";
    fn from_spec(spec: &Value) -> Result<Task, ResearchError> {
        Task::from_spec(spec)
    }
    fn parse_answer(&self, text: &str) -> Result<[[usize; 2]; 2], String> {
        self.parse(text)
    }
    fn failure_of(&self, a: &[[usize; 2]; 2]) -> Result<Option<String>, ResearchError> {
        self.failure(*a)
    }
    fn answer_text(&self, a: &[[usize; 2]; 2]) -> String {
        self.text(*a)
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

/// Grades an answer by running the programs.
pub fn grade(spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
    super::common::grade_witnessed::<Task>(spec, answer)
}

fn profiles_text(g: &Game, ps: &[[usize; 2]]) -> String {
    ps.iter()
        .map(|p| profile_text(g, p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The steps: a_def, the profiles a renegotiation function may move it to, then the answer.
pub fn steps(spec: &Value) -> Result<Vec<Step>, ResearchError> {
    let task = Task::from_spec(spec)?;
    Ok(vec![
        Step {
            name: "a_def".into(),
            prompt: "Step 1: which profile do the two default programs play against each other? End with one line: \
ANSWER: (Row's action, Column's action)."
                .into(),
            reference: profile_text(&task.game, &task.default_outcome()),
        },
        Step {
            name: "improvements".into(),
            prompt: "Step 2: which profiles can a renegotiation function move a_def to (payoffs at least as good \
for both, and a different pair)? End with one line: ANSWER: those profiles, comma-separated (for example \
`ANSWER: (R1, C2), (R2, C2)`)."
                .into(),
            reference: profiles_text(&task.game, &task.improvements()),
        },
        Step {
            name: "proposals".into(),
            prompt: "Step 3: now give the full answer in the task's format.".into(),
            reference: reference(spec)?,
        },
    ])
}

/// Reads `(R1, C2), (R2, C2)` as a set of profiles; `None` when unreadable.
fn parse_profiles(g: &Game, text: &str) -> Option<BTreeSet<[usize; 2]>> {
    let mut out = BTreeSet::new();
    for part in text.split(')').map(str::trim).filter(|p| !p.is_empty()) {
        let p = part.trim_start_matches(',').trim();
        out.insert(parse_profile(g, &format!("{p})"))?);
    }
    Some(out)
}

/// Grades steps 1 and 2 as a profile and a set of profiles; the last step by [`grade`].
pub fn grade_step(spec: &Value, step: usize, answer: &str) -> Result<bool, ResearchError> {
    let task = Task::from_spec(spec)?;
    Ok(match step {
        0 => parse_profile(&task.game, answer) == Some(task.default_outcome()),
        1 => parse_profiles(&task.game, answer) == Some(task.improvements().into_iter().collect()),
        _ => grade(spec, answer)?.correct,
    })
}
