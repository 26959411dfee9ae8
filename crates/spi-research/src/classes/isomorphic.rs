//! Class 2's isomorphism claims: two games G and H and a claimed isomorphism between them in the
//! sense of OC 2022 Definition 1 (bijections Φ_i, scales λ_i > 0, shifts c_i with
//! u_i(a) = λ_i·u'_i(Φ(a)) + c_i for every profile a of G). The answer is VALID with the image of
//! a named profile and H's payoffs there, or an exact counterexample: a profile of G, a player,
//! and the two values the equation says are equal but are not.
//!
//! The grader checks the definition profile by profile; the generator also asks
//! `spi_theory::isomorphism` and refuses to emit a claim the two readings disagree on, so the key
//! of every task is the engine's as well as the definition's.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use spi_games::{Game, Rational};
use spi_theory::isomorphism::{affine_normalisation, isomorphisms};

use super::common::{
    game_at, game_value, pair_text, parse_pair, parse_profile, profile_text, table,
};
use crate::error::ResearchError;
use crate::task::{Generated, Grade, Step};

/// The family name of these tasks in the release (ids `verify-refute-isomorphism-t1-000`).
pub const FAMILY: &str = "isomorphism";

/// H's payoffs are integers in `-PAYOFF..=PAYOFF`.
const PAYOFF: i64 = 6;

/// The scales a claim draws from: both below and above 1, so neither G nor H is always the
/// coarser game.
const SCALES: [(i64, i64); 6] = [(1, 2), (2, 1), (3, 1), (1, 3), (3, 2), (2, 3)];

/// How many isomorphisms the generator asks the engine for; a draw with this many is dropped
/// (random games have one), so the engine's list is always complete when it is consulted.
const ENGINE_LIMIT: usize = 64;

/// The definition, as the prompt states it.
const ISOMORPHISM_DEFINITION: &str = "Two games G and H with the same players are isomorphic \
(Oesterheld and Conitzer 2022, Definition 1) under bijections Φ_i from each player i's actions in G \
to that player's actions in H, scales λ_i > 0 and shifts c_i when, for every profile a of G and every \
player i, u_i(a) = λ_i·u'_i(Φ(a)) + c_i, where u are G's payoffs, u' are H's, and Φ(a) applies each \
player's bijection to that player's action in a.";

/// Game size (rows, columns) of a tier.
pub fn sizes(tier: u8) -> (usize, usize) {
    match tier {
        1 => (3, 3),
        2 => (5, 4),
        _ => (7, 6),
    }
}

/// A claimed isomorphism G → H read from a spec.
pub struct IsoClaim {
    /// G, the game the maps start from.
    pub game: Game,
    /// H, the game the maps land in.
    pub other: Game,
    /// Φ_i: `maps[i][a]` is the image in H of player i's action a in G.
    pub maps: Vec<Vec<usize>>,
    /// λ_i > 0.
    pub scale: Vec<Rational>,
    /// c_i.
    pub shift: Vec<Rational>,
    /// The profile of G whose image a VALID answer names (so a bare VALID cannot pass).
    pub probe: [usize; 2],
}

/// Reads an array of `len` exact numbers written as strings.
fn rationals(spec: &Value, pointer: &str, len: usize) -> Result<Vec<Rational>, ResearchError> {
    let v: Vec<Rational> = spec
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter_map(|x| x.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    if v.len() != len {
        return Err(ResearchError::spec(
            pointer.trim_start_matches('/').replace('/', "."),
            format!("expected {len} exact numbers as strings"),
        ));
    }
    Ok(v)
}

impl IsoClaim {
    /// Whether a spec is an isomorphism claim (it has a second game).
    pub fn is_one(spec: &Value) -> bool {
        spec.get("other").is_some()
    }

    /// Reads `game`, `other`, `claim` (`{"maps", "scale", "shift"}`) and `probe` from a spec.
    pub fn from_spec(spec: &Value) -> Result<IsoClaim, ResearchError> {
        let game = game_at(spec, "game")?;
        let other = game_at(spec, "other")?;
        if game.shape() != other.shape() {
            return Err(ResearchError::spec(
                "other",
                "expected a game of the same shape as `game`",
            ));
        }
        let shape = game.shape();
        let mut maps = Vec::new();
        for (i, &k) in shape.iter().enumerate() {
            let m: Vec<usize> = super::common::indices(spec.pointer(&format!("/claim/maps/{i}")));
            if !super::common::is_permutation(&m, k) {
                return Err(ResearchError::spec(
                    format!("claim.maps[{i}]"),
                    "expected a bijection onto the other game's actions",
                ));
            }
            maps.push(m);
        }
        let scale = rationals(spec, "/claim/scale", 2)?;
        if scale.iter().any(|l| !l.is_positive()) {
            return Err(ResearchError::spec("claim.scale", "expected λ_i > 0"));
        }
        let shift = rationals(spec, "/claim/shift", 2)?;
        let probe: Vec<usize> = super::common::indices(spec.get("probe"));
        if probe.len() != 2 || probe[0] >= shape[0] || probe[1] >= shape[1] {
            return Err(ResearchError::spec("probe", "expected a profile of `game`"));
        }
        Ok(IsoClaim {
            game,
            other,
            maps,
            scale,
            shift,
            probe: [probe[0], probe[1]],
        })
    }

    /// Φ(a).
    pub fn image(&self, a: [usize; 2]) -> [usize; 2] {
        [self.maps[0][a[0]], self.maps[1][a[1]]]
    }

    /// The right side of the equation at `a` for player `i`: λ_i·u'_i(Φ(a)) + c_i.
    pub fn claimed(&self, a: [usize; 2], i: usize) -> Rational {
        &(&self.scale[i] * self.other.payoff(&self.image(a), i)) + &self.shift[i]
    }

    /// Every (profile of G, player) where u_i(a) ≠ λ_i·u'_i(Φ(a)) + c_i, in profile order.
    pub fn violations(&self) -> Vec<([usize; 2], usize)> {
        let mut out = Vec::new();
        for a in self.game.profiles() {
            let a = [a[0], a[1]];
            for i in 0..2 {
                if self.game.payoff(&a, i) != &self.claimed(a, i) {
                    out.push((a, i));
                }
            }
        }
        out
    }

    /// Whether `spi_theory::isomorphism` accepts the claim: (λ, c) are the ones every
    /// isomorphism G → H must use (OC 2022 Lemma 4) and Φ is among the isomorphisms it finds.
    /// `None` when the engine found [`ENGINE_LIMIT`] isomorphisms, so its list may be cut short.
    pub fn engine_accepts(&self) -> Option<bool> {
        let Some((scale, shift)) = affine_normalisation(&self.game, &self.other) else {
            return Some(false);
        };
        let all = isomorphisms(&self.game, &self.other, ENGINE_LIMIT);
        if all.len() >= ENGINE_LIMIT {
            return None;
        }
        Some(scale == self.scale && shift == self.shift && all.iter().any(|i| i.maps == self.maps))
    }

    /// The claim as text: `Φ: R1->X2, ...; C1->Y1, ...; λ_Row = 2, ...; c_Row = -1, ...`.
    pub fn text(&self) -> String {
        let maps = (0..2)
            .map(|i| {
                self.maps[i]
                    .iter()
                    .enumerate()
                    .map(|(a, &b)| {
                        format!("{}->{}", self.game.actions(i)[a], self.other.actions(i)[b])
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect::<Vec<_>>()
            .join("; ");
        let players = self.game.players();
        format!(
            "Φ: {maps}; λ_{} = {}, λ_{} = {}; c_{} = {}, c_{} = {}",
            players[0],
            self.scale[0],
            players[1],
            self.scale[1],
            players[0],
            self.shift[0],
            players[1],
            self.shift[1]
        )
    }
}

/// A game with players Row and Column and the given action prefixes, payoffs from `payoff`.
fn game_with(
    name: &str,
    prefixes: [&str; 2],
    (m, n): (usize, usize),
    payoff: impl FnMut(&[usize]) -> Vec<Rational>,
) -> Game {
    let actions = vec![
        spi_suites::tasks::names(prefixes[0], m),
        spi_suites::tasks::names(prefixes[1], n),
    ];
    match Game::from_fn(name, vec!["Row".into(), "Column".into()], actions, payoff) {
        Ok(g) => g,
        Err(e) => unreachable!("a non-empty shape with two payoffs per profile: {e}"),
    }
}

fn small(n: i64, d: i64) -> Rational {
    Rational::new(n, d).unwrap_or_else(|| unreachable!("{n}/{d} has a non-zero denominator"))
}

/// How an invalid claim differs from the true isomorphism it was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NearMiss {
    /// The claim is the true isomorphism.
    None,
    /// Two images of one player swapped.
    Swap,
    /// One player's scale off.
    Scale,
    /// One player's shift off by a small rational.
    Shift,
    /// The claim is the true isomorphism of a game one payoff of H differs from: exactly one
    /// profile refutes it, so it must be found, not sampled.
    Cell,
}

/// A drawn claim as a spec, and how it was made; `None` when the draw does not give a claim
/// whose validity is what was asked (the caller draws again).
pub fn draw(rng: &mut ChaCha8Rng, tier: u8, kind: NearMiss) -> Option<Value> {
    let (m, n) = sizes(tier);
    let mut h_table: Vec<Vec<Rational>> = (0..m * n)
        .map(|_| {
            (0..2)
                .map(|_| Rational::from_int(rng.random_range(-PAYOFF..=PAYOFF)))
                .collect()
        })
        .collect();
    let mut maps: Vec<Vec<usize>> = [m, n]
        .iter()
        .map(|&k| {
            let mut p: Vec<usize> = (0..k).collect();
            p.shuffle(rng);
            p
        })
        .collect();
    let mut scale: Vec<Rational> = (0..2)
        .map(|_| {
            let (a, b) = SCALES[rng.random_range(0..SCALES.len())];
            small(a, b)
        })
        .collect();
    let mut shift: Vec<Rational> = (0..2)
        .map(|_| Rational::from_int(rng.random_range(-5..=5)))
        .collect();
    let h_at = |t: &[Vec<Rational>], b: &[usize]| t[b[0] * n + b[1]].clone();
    // G is H pulled back through the true isomorphism.
    let g = {
        let (t, mp, s, c) = (&h_table, &maps, &scale, &shift);
        game_with("G", ["R", "C"], (m, n), |a| {
            let u = h_at(t, &[mp[0][a[0]], mp[1][a[1]]]);
            (0..2).map(|i| &(&s[i] * &u[i]) + &c[i]).collect()
        })
    };
    let i = rng.random_range(0..2usize);
    match kind {
        NearMiss::None => {}
        NearMiss::Swap => {
            let k = maps[i].len();
            let x = rng.random_range(0..k);
            let y = (x + rng.random_range(1..k)) % k;
            maps[i].swap(x, y);
        }
        NearMiss::Scale => {
            // Half a unit either way, or doubled or halved: the slips of someone reading the
            // ranges carelessly.
            let l = scale[i].clone();
            let half = small(1, 2);
            let options = [
                &l + &half,
                &l - &half,
                &l * &Rational::from_int(2),
                &l * &half,
            ];
            scale[i] = options[rng.random_range(0..options.len())].clone();
            if !scale[i].is_positive() {
                return None;
            }
        }
        NearMiss::Shift => {
            let d = [
                small(1, 2),
                small(1, 3),
                Rational::ONE,
                small(-1, 2),
                small(-1, 3),
                small(-1, 1),
            ][rng.random_range(0..6)]
            .clone();
            shift[i] = &shift[i] + &d;
        }
        NearMiss::Cell => {
            let cell = rng.random_range(0..m * n);
            let d = if rng.random_bool(0.5) { 1 } else { -1 };
            h_table[cell][i] = &h_table[cell][i] + &Rational::from_int(d);
        }
    }
    let h = game_with("H", ["X", "Y"], (m, n), |b| h_at(&h_table, b));
    // A player constant in H has no unique (λ, c), and the claim's scale would be arbitrary.
    for p in 0..2 {
        let mut vals = h.outcomes().map(|o| &o[p]);
        let first = vals.next()?;
        if vals.all(|v| v == first) {
            return None;
        }
    }
    let probe = [rng.random_range(0..m), rng.random_range(0..n)];
    let spec = json!({"kind": "research", "class": "verify-refute",
        "game": game_value(&g), "other": game_value(&h),
        "claim": {"maps": maps,
            "scale": scale.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "shift": shift.iter().map(ToString::to_string).collect::<Vec<_>>()},
        "probe": probe});
    let claim = IsoClaim::from_spec(&spec).ok()?;
    let valid = kind == NearMiss::None;
    if claim.violations().is_empty() != valid {
        return None;
    }
    match claim.engine_accepts() {
        None => return None,
        Some(ok) if ok != valid => {
            unreachable!(
                "the definition and spi_theory::isomorphism disagree on {}",
                claim.text()
            )
        }
        Some(_) => {}
    }
    Some(spec)
}

/// A task of the family: the kind of claim is drawn first (35% valid, the rest split evenly
/// over the near misses), then games until one gives that kind.
pub fn generate(rng: &mut ChaCha8Rng, tier: u8) -> Generated {
    let kind = if rng.random_bool(0.35) {
        NearMiss::None
    } else {
        [
            NearMiss::Swap,
            NearMiss::Scale,
            NearMiss::Shift,
            NearMiss::Cell,
        ][rng.random_range(0..4)]
    };
    let mut spec = loop {
        if let Some(s) = draw(rng, tier, kind) {
            break s;
        }
    };
    spec["tier"] = json!(tier);
    let c = IsoClaim::from_spec(&spec)
        .unwrap_or_else(|e| unreachable!("a drawn claim reads back: {e}"));
    let input = format!(
        "{ISOMORPHISM_DEFINITION}\n\nGame G. {}\nGame H. {}\nA colleague claims G is isomorphic to H \
under {}\nIs the claim valid?\nEnd with one line: if it is valid, ANSWER: VALID | the profile Φ{} of H | \
H's payoffs there (for example `ANSWER: VALID | (X1, Y4) | 3, -2`); if not, ANSWER: a profile a of G | a \
player i | u_i(a), λ_i·u'_i(Φ(a)) + c_i (two different exact numbers, G's payoff first; for example \
`ANSWER: (R2, C1) | Column | 3, 7/2`).",
        table(&c.game),
        table(&c.other),
        c.text(),
        profile_text(&c.game, &c.probe),
    );
    Generated { input, spec }
}

/// An upper bound on a uniform guess: VALID needs Φ of the probe among m·n profiles and two of
/// H's payoffs; a counterexample at least a profile, a player and the claimed value (given G's).
pub fn chance(tier: u8) -> f64 {
    let (m, n) = sizes(tier);
    let values = (2 * PAYOFF + 1) as f64;
    1.0 / ((m * n) as f64 * 2.0 * values)
}

/// The engine's answer.
pub fn reference(spec: &Value) -> Result<String, ResearchError> {
    let c = IsoClaim::from_spec(spec)?;
    Ok(match c.violations().first() {
        None => {
            let b = c.image(c.probe);
            format!(
                "VALID | {} | {}",
                profile_text(&c.other, &b),
                pair_text(c.other.payoffs(&b))
                    .trim_start_matches('(')
                    .trim_end_matches(')')
            )
        }
        Some(&(a, i)) => format!(
            "{} | {} | {}, {}",
            profile_text(&c.game, &a),
            c.game.players()[i],
            c.game.payoff(&a, i),
            c.claimed(a, i)
        ),
    })
}

/// Grades an answer.
pub fn grade(spec: &Value, answer: &str) -> Result<Grade, ResearchError> {
    let c = IsoClaim::from_spec(spec)?;
    let parts: Vec<&str> = answer.split('|').map(str::trim).collect();
    if parts.len() != 3 {
        return Ok(Grade::invalid(
            "expected `VALID | (X, Y) | x, y` or `(R, C) | player | x, y`",
        ));
    }
    let Some(pair) = parse_pair(parts[2]) else {
        return Ok(Grade::invalid(format!(
            "`{}` is not two exact numbers",
            parts[2]
        )));
    };
    let violations = c.violations();
    if parts[0].eq_ignore_ascii_case("valid") {
        let Some(b) = parse_profile(&c.other, parts[1]) else {
            return Ok(Grade::invalid(format!(
                "`{}` is not a profile of H",
                parts[1]
            )));
        };
        let text = format!(
            "VALID | {} | {}, {}",
            profile_text(&c.other, &b),
            pair[0],
            pair[1]
        );
        if !violations.is_empty() {
            return Ok(Grade::wrong(
                Some(text),
                "the claim is refuted",
                "the claim is not valid: at some profile of G the equation fails for some player",
            ));
        }
        let want = c.image(c.probe);
        return Ok(if b != want {
            Grade::wrong(
                Some(text),
                format!(
                    "Φ{} is {}",
                    profile_text(&c.game, &c.probe),
                    profile_text(&c.other, &want)
                ),
                format!(
                    "VALID is right, but {} is not the image of {} under the claimed Φ",
                    profile_text(&c.other, &b),
                    profile_text(&c.game, &c.probe)
                ),
            )
        } else if pair != c.other.payoffs(&b) {
            Grade::wrong(
                Some(text),
                format!("H pays {} there", pair_text(c.other.payoffs(&b))),
                format!(
                    "VALID and the profile are right, but H's payoffs at {} are not {}, {}",
                    profile_text(&c.other, &b),
                    pair[0],
                    pair[1]
                ),
            )
        } else {
            Grade::right(text, "valid, and the probe's image and payoffs are right")
        });
    }
    let Some(a) = parse_profile(&c.game, parts[0]) else {
        return Ok(Grade::invalid(format!(
            "`{}` is not a profile of G",
            parts[0]
        )));
    };
    let Some(i) = c
        .game
        .players()
        .iter()
        .position(|p| p.eq_ignore_ascii_case(parts[1]))
    else {
        return Ok(Grade::invalid(format!("`{}` is not a player", parts[1])));
    };
    let text = format!(
        "{} | {} | {}, {}",
        profile_text(&c.game, &a),
        c.game.players()[i],
        pair[0],
        pair[1]
    );
    let (u, claimed) = (c.game.payoff(&a, i), c.claimed(a, i));
    Ok(if u == &claimed {
        Grade::wrong(
            Some(text),
            "the equation holds there",
            format!(
                "at {} the equation holds for {}: u = {u} = λ·u'(Φ(a)) + c",
                profile_text(&c.game, &a),
                c.game.players()[i]
            ),
        )
    } else if &pair[0] != u || pair[1] != claimed {
        Grade::wrong(
            Some(text),
            format!("the values there are {u}, {claimed}"),
            format!(
                "the equation does fail at {} for {}, but the two values are not {}, {}; recompute u_i(a) and λ_i·u'_i(Φ(a)) + c_i",
                profile_text(&c.game, &a),
                c.game.players()[i],
                pair[0],
                pair[1]
            ),
        )
    } else {
        Grade::right(text, "a true counterexample with its exact values")
    })
}

/// The decomposition: the verdict, then the full answer.
pub fn steps(spec: &Value) -> Result<Vec<Step>, ResearchError> {
    let c = IsoClaim::from_spec(spec)?;
    Ok(vec![
        Step {
            name: "verdict".into(),
            prompt: "Step 1: is the claimed isomorphism valid? End with one line: ANSWER: VALID or ANSWER: INVALID.".into(),
            reference: if c.violations().is_empty() { "VALID" } else { "INVALID" }.into(),
        },
        Step {
            name: "witness".into(),
            prompt: "Step 2: now give the full answer in the task's format (VALID with the probe's image and H's payoffs there, or the counterexample with its two values).".into(),
            reference: reference(spec)?,
        },
    ])
}
