//! Tournaments: every ordered pair of entrants plays a match; the payoff matrix is the induced
//! program game (players choose programs), whose pure equilibria come from `spi-games`.
//!
//! Matches run in parallel on a rayon pool whose threads carry `Limits::stack_bytes` of stack; each
//! match's seed is derived from the tournament seed and the pair, so results do not depend on
//! scheduling.
//!
//! # Complexity
//! n² matches for n entrants (each ordered pair, including self-play); the equilibrium search is
//! O(n² · n) on the induced n×n game.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use spi_games::{Game, Profile, Rational, equilibrium};

use crate::error::ProgramError;
use crate::matches::{MatchReport, Outcome, play_here};
use crate::modal::ModalSystem;
use crate::program::{Limits, Program, ProgramGame};

/// The result of a tournament.
#[derive(Debug, Clone)]
pub struct Tournament {
    /// Entrant names, in order (rows are seat 0, columns seat 1).
    pub names: Vec<String>,
    /// `payoffs[i][j]`: the scored payoffs when entrant i sits in seat 0 and j in seat 1.
    pub payoffs: Vec<Vec<[Rational; 2]>>,
    /// `outcomes[i][j]`: how that match ended, summarised (`played`, `fuel`, `fault`, …).
    pub outcomes: Vec<Vec<String>>,
    /// Total steps used over all matches (program tournaments; 0 for modal ones).
    pub total_steps: u64,
}

impl Tournament {
    /// The induced program game: each player's actions are the entrants.
    pub fn induced_game(&self, base: &Game) -> Result<Game, ProgramError> {
        let n = self.names.len();
        Game::from_fn(
            format!("programs over {}", base.name()),
            base.players().to_vec(),
            vec![self.names.clone(), self.names.clone()],
            |p: &[usize]| self.payoffs[p[0]][p[1]].to_vec(),
        )
        .map_err(|e| ProgramError::Game {
            game: base.name().to_string(),
            message: format!("{e} ({n} entrants)"),
        })
    }

    /// Pure Nash equilibria of the induced program game.
    pub fn pure_equilibria(&self, base: &Game) -> Result<Vec<Profile>, ProgramError> {
        Ok(equilibrium::pure_nash(&self.induced_game(base)?))
    }
}

fn summary(r: &MatchReport) -> String {
    match &r.outcome {
        Outcome::Played { .. } => "played".into(),
        Outcome::Exhausted { player, resource } => {
            format!("player {} out of {}", player + 1, resource.as_str())
        }
        Outcome::Faulted { player, fault } => {
            format!("player {} fault: {}", player + 1, fault.message)
        }
    }
}

/// Derives a match seed from the tournament seed and the pair (SplitMix64 finaliser).
pub fn match_seed(seed: u64, i: usize, j: usize) -> u64 {
    let mut z = seed ^ ((i as u64) << 32 | j as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Plays every ordered pair of program entrants. `progress(done, total)` is called after each match
/// (from worker threads).
pub fn run_programs(
    pg: &ProgramGame,
    entrants: &[(String, Arc<Program>)],
    limits: &Limits,
    seed: u64,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Tournament {
    let n = entrants.len();
    let total = n * n;
    let done = AtomicUsize::new(0);
    let pairs: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).collect();
    let run = || -> Vec<MatchReport> {
        pairs
            .par_iter()
            .map(|&(i, j)| {
                let r = play_here(
                    pg,
                    &entrants[i].1,
                    &entrants[j].1,
                    limits,
                    match_seed(seed, i, j),
                );
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(d, total);
                r
            })
            .collect()
    };
    // Worker threads need the deep stack `play` would otherwise give each match.
    let reports = match rayon::ThreadPoolBuilder::new()
        .stack_size(limits.stack_bytes)
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => pairs
            .iter()
            .map(|&(i, j)| {
                crate::matches::play(
                    pg,
                    &entrants[i].1,
                    &entrants[j].1,
                    limits,
                    match_seed(seed, i, j),
                )
            })
            .collect(),
    };
    let mut payoffs = vec![Vec::with_capacity(n); n];
    let mut outcomes = vec![Vec::with_capacity(n); n];
    let mut total_steps = 0;
    for (&(i, _), r) in pairs.iter().zip(&reports) {
        payoffs[i].push(r.scored_payoffs(pg));
        outcomes[i].push(summary(r));
        total_steps += r.players[0].steps + r.players[1].steps;
    }
    Tournament {
        names: entrants.iter().map(|e| e.0.clone()).collect(),
        payoffs,
        outcomes,
        total_steps,
    }
}

/// The cooperate and defect actions of a seat: `C`/`D` by name if present, else the first two.
pub fn cooperate_defect(game: &Game, seat: usize) -> Result<(usize, usize), ProgramError> {
    if game.num_actions(seat) < 2 {
        return Err(ProgramError::Game {
            game: game.name().into(),
            message: "modal agents need two actions (C, D)".into(),
        });
    }
    let c = game.action_index(seat, "C").unwrap_or(0);
    let d = game
        .action_index(seat, "D")
        .unwrap_or(if c == 1 { 0 } else { 1 });
    Ok((c, d))
}

/// Plays every ordered pair of modal agents (cooperate/defect mapped onto the base game).
pub fn run_modal(
    pg: &ProgramGame,
    system: &ModalSystem,
    names: &[String],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Tournament, ProgramError> {
    let n = names.len();
    let (c0, d0) = cooperate_defect(&pg.game, 0)?;
    let (c1, d1) = cooperate_defect(&pg.game, 1)?;
    let pairs: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).collect();
    let done = AtomicUsize::new(0);
    let results: Vec<Result<[Rational; 2], ProgramError>> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let o = system.play(&names[i], &names[j])?;
            let p = vec![
                if o.first_cooperates { c0 } else { d0 },
                if o.second_cooperates { c1 } else { d1 },
            ];
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, n * n);
            Ok([pg.game.payoff(&p, 0).clone(), pg.game.payoff(&p, 1).clone()])
        })
        .collect();
    let mut payoffs = vec![Vec::with_capacity(n); n];
    let mut outcomes = vec![Vec::with_capacity(n); n];
    for (&(i, _), r) in pairs.iter().zip(results) {
        payoffs[i].push(r?);
        outcomes[i].push("played".to_string());
    }
    Ok(Tournament {
        names: names.to_vec(),
        payoffs,
        outcomes,
        total_steps: 0,
    })
}
