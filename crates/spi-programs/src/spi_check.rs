//! SPI checks on program spaces (agenda B.1, DCM Prop. 1; docs/reference/definitions.md §3.2–§3.3):
//! a finite space of default programs, a transformation of programs (e.g. "wrap in a renegotiation
//! program"), and the verdict of `spi_theory::program_space::check_transformation` on the program
//! game the matches induce, plus whether the transformation preserves demands.
//!
//! The program game is built by playing every pair of programs in P ∪ f(P) (so the check sees the
//! same matches a tournament would); f acts seat-wise, f(p) = (f(p_1), f(p_2)).
//!
//! # Complexity
//! (2k)² matches for k default programs.

use std::sync::Arc;

use spi_games::{Game, Rational};
use spi_theory::program_space::{ProgramTransformation, TransformationCheck, check_transformation};

use crate::error::ProgramError;
use crate::interp::Decision;
use crate::matches::{Outcome, play};
use crate::program::{Limits, Program, ProgramGame};
use crate::tournament::{self, Tournament};

/// A profile where the transformation changes what a player demands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandChange {
    /// The default profile (program names).
    pub profile: [String; 2],
    /// Which seat.
    pub player: usize,
    /// Demands (with probabilities) under the defaults.
    pub before: Vec<(String, Rational)>,
    /// Demands under the transformed programs.
    pub after: Vec<(String, Rational)>,
}

/// The full report.
#[derive(Debug, Clone)]
pub struct SpaceCheck {
    /// Default program names, then transformed program names.
    pub names: Vec<String>,
    /// The induced program game over P ∪ f(P).
    pub program_game: Game,
    /// spi-theory's verdict (counterexamples, strict gains).
    pub verdict: TransformationCheck,
    /// Profiles where some player's demand changes (empty: demand-preserving).
    pub demand_changes: Vec<DemandChange>,
    /// The tournament the program game was read from.
    pub tournament: Tournament,
}

impl SpaceCheck {
    /// Whether f preserves every player's demand on every profile of the space.
    pub fn demand_preserving(&self) -> bool {
        self.demand_changes.is_empty()
    }
}

/// The demand an action makes: the part of its name before `+` (so `Demand80+Doomsday` and
/// `Demand80+Takeover` both demand `Demand80`; an action without `+` is its own demand).
pub fn demand_of(action: &str) -> &str {
    action.split('+').next().unwrap_or(action)
}

fn demands(game: &Game, seat: usize, d: &Decision) -> Vec<(String, Rational)> {
    let mut out: Vec<(String, Rational)> = Vec::new();
    for (a, w) in d.marginal(seat) {
        let name = demand_of(&game.actions(seat)[a]).to_string();
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 = &e.1 + &w,
            None => out.push((name, w)),
        }
    }
    out.sort();
    out
}

/// Checks the transformation `f` (given as the transformed programs, `transformed[i] = f(defaults[i])`)
/// on the space P × P of default profiles.
pub fn check_transformation_on_space(
    pg: &ProgramGame,
    defaults: &[(String, Arc<Program>)],
    transformed: &[(String, Arc<Program>)],
    limits: &Limits,
    seed: u64,
) -> Result<SpaceCheck, ProgramError> {
    if defaults.len() != transformed.len() {
        return Err(ProgramError::Game {
            game: pg.game.name().into(),
            message: format!(
                "{} defaults but {} transformed programs",
                defaults.len(),
                transformed.len()
            ),
        });
    }
    let k = defaults.len();
    let all: Vec<(String, Arc<Program>)> = defaults.iter().chain(transformed).cloned().collect();
    let t = tournament::run_programs(pg, &all, limits, seed, &|_, _| {});
    let program_game = t.induced_game(&pg.game)?;
    let mut pairs = Vec::new();
    for i in 0..k {
        for j in 0..k {
            pairs.push((vec![i, j], vec![k + i, k + j]));
        }
    }
    let verdict = check_transformation(&ProgramTransformation {
        game: program_game.clone(),
        pairs,
    });
    let mut demand_changes = Vec::new();
    for i in 0..k {
        for j in 0..k {
            let base = play(
                pg,
                &defaults[i].1,
                &defaults[j].1,
                limits,
                tournament::match_seed(seed, i, j),
            );
            let wrapped = play(
                pg,
                &transformed[i].1,
                &transformed[j].1,
                limits,
                tournament::match_seed(seed, k + i, k + j),
            );
            let decisions = |r: &crate::matches::MatchReport| match (
                &r.outcome,
                &r.players[0].decision,
                &r.players[1].decision,
            ) {
                (Outcome::Played { .. }, Ok(a), Ok(b)) => Some([a.clone(), b.clone()]),
                _ => None,
            };
            let (Some(b), Some(w)) = (decisions(&base), decisions(&wrapped)) else {
                continue;
            };
            for seat in 0..2 {
                let before = demands(&pg.game, seat, &b[seat]);
                let after = demands(&pg.game, seat, &w[seat]);
                if before != after {
                    demand_changes.push(DemandChange {
                        profile: [defaults[i].0.clone(), defaults[j].0.clone()],
                        player: seat,
                        before,
                        after,
                    });
                }
            }
        }
    }
    Ok(SpaceCheck {
        names: t.names.clone(),
        program_game,
        verdict,
        demand_changes,
        tournament: t,
    })
}
