//! One match of a program game: each program reads the other and decides; the match reports the
//! exact outcome distribution, expected payoffs, a seeded realisation, steps used and renegotiation.
//!
//! Payoff U_i(p) = u_i(p_1(p_2), p_2(p_1)) (docs/reference/definitions.md §3.1), in expectation
//! over the programs' declared mixtures and the public correlation device, conditional on the
//! random draws made while deciding.

use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spi_games::{Profile, Rational};

use crate::interp::{Decision, Exhaustion, Fault, Machine, Stop};
use crate::program::{Limits, Program, ProgramGame};
use crate::value::Value;

/// What one player's evaluation did.
#[derive(Debug, Clone)]
pub struct PlayerReport {
    /// The program's name.
    pub program: String,
    /// Steps used (fuel).
    pub steps: u64,
    /// Cells allocated.
    pub memory: u64,
    /// Deepest simulation nesting reached.
    pub sim_depth: u32,
    /// The decision, or why there was none.
    pub decision: Result<Decision, Stop>,
    /// What the program marked with `renegotiated(x)`, rendered with action names.
    pub renegotiated: Option<String>,
}

/// How a match ended: a defined value in every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Both programs decided.
    Played {
        /// The exact distribution over profiles.
        distribution: Vec<(Profile, Rational)>,
        /// Expected payoffs under it.
        expected: [Rational; 2],
        /// One profile drawn from it with the match's seed.
        realized: Profile,
    },
    /// A player's evaluation ran out of a resource (the first such player, in seat order).
    Exhausted {
        /// Seat (0 or 1).
        player: usize,
        /// Which resource.
        resource: Exhaustion,
    },
    /// A player's program faulted.
    Faulted {
        /// Seat (0 or 1).
        player: usize,
        /// The fault.
        fault: Fault,
    },
}

/// The full record of a match.
#[derive(Debug, Clone)]
pub struct MatchReport {
    /// Per seat.
    pub players: [PlayerReport; 2],
    /// How it ended.
    pub outcome: Outcome,
    /// The seed the match ran with.
    pub seed: u64,
}

impl MatchReport {
    /// The payoffs a tournament scores: the expected payoffs if the match was played; otherwise the
    /// breakdown payoff, each player's minimum payoff in the game (a program that cannot decide in
    /// budget is treated as the worst case for everyone, so exhausting a budget never pays).
    pub fn scored_payoffs(&self, pg: &ProgramGame) -> [Rational; 2] {
        match &self.outcome {
            Outcome::Played { expected, .. } => expected.clone(),
            _ => breakdown_payoffs(pg),
        }
    }
}

/// Each player's minimum payoff in the game.
pub fn breakdown_payoffs(pg: &ProgramGame) -> [Rational; 2] {
    let g = &pg.game;
    let lo = |k: usize| {
        g.profiles()
            .map(|p| g.payoff(&p, k).clone())
            .min()
            .unwrap_or_default()
    };
    [lo(0), lo(1)]
}

/// The exact distribution over profiles of two decisions: independent except that two joint
/// lotteries share the public device (so equal lotteries realise exactly that lottery).
pub fn exact_distribution(d: [&Decision; 2]) -> Vec<(Profile, Rational)> {
    let mut out: Vec<(Profile, Rational)> = Vec::new();
    let mut add = |p: Profile, w: Rational| {
        if w.is_zero() {
            return;
        }
        match out.iter_mut().find(|(q, _)| *q == p) {
            Some(e) => e.1 = &e.1 + &w,
            None => out.push((p, w)),
        }
    };
    if let (Decision::Joint(a), Decision::Joint(b)) = (d[0], d[1]) {
        // Walk the two cumulative distributions on the shared uniform draw.
        let cums = |l: &[(Profile, Rational)]| {
            let mut c = Rational::from(0);
            l.iter()
                .map(|(_, w)| {
                    c = &c + w;
                    c.clone()
                })
                .collect::<Vec<_>>()
        };
        let (ca, cb) = (cums(a), cums(b));
        let mut cuts: Vec<Rational> = ca.iter().chain(cb.iter()).cloned().collect();
        cuts.push(Rational::from(0));
        cuts.sort();
        cuts.dedup();
        for w in cuts.windows(2) {
            let u = &w[0];
            let ia = ca.iter().position(|c| c > u).unwrap_or(a.len() - 1);
            let ib = cb.iter().position(|c| c > u).unwrap_or(b.len() - 1);
            add(vec![a[ia].0[0], b[ib].0[1]], &w[1] - &w[0]);
        }
        return out;
    }
    let (m0, m1) = (d[0].marginal(0), d[1].marginal(1));
    for (a, wa) in &m0 {
        for (b, wb) in &m1 {
            add(vec![*a, *b], wa * wb);
        }
    }
    out
}

/// Plays `p1` (seat 0) against `p2` (seat 1) on the current thread.
///
/// The caller's stack must hold `limits.max_depth` nested evaluations; [`play`] arranges that.
pub fn play_here(
    pg: &ProgramGame,
    p1: &Arc<Program>,
    p2: &Arc<Program>,
    limits: &Limits,
    seed: u64,
) -> MatchReport {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut reports = Vec::with_capacity(2);
    for seat in 0..2 {
        let (me, them) = if seat == 0 { (p1, p2) } else { (p2, p1) };
        let mut m = Machine::new(pg, limits, &mut rng);
        let decision = m.run_main(me, them, seat);
        let renegotiated = m.renegotiated.as_ref().map(|v: &Value| v.render(&pg.game));
        reports.push(PlayerReport {
            program: me.name().to_string(),
            steps: m.steps.min(limits.fuel),
            memory: m.memory,
            sim_depth: m.max_sim_depth,
            decision,
            renegotiated,
        });
    }
    let players: [PlayerReport; 2] = [reports[0].clone(), reports[1].clone()];
    let outcome = match (&players[0].decision, &players[1].decision) {
        (Ok(a), Ok(b)) => {
            let distribution = exact_distribution([a, b]);
            let mut expected = [Rational::from(0), Rational::from(0)];
            for (p, w) in &distribution {
                for k in 0..2 {
                    expected[k] = &expected[k] + &(w * pg.game.payoff(p, k));
                }
            }
            let mut m = Machine::new(pg, limits, &mut rng);
            match m.sample_pair([a, b]) {
                Ok(realized) => Outcome::Played {
                    distribution,
                    expected,
                    realized,
                },
                Err(Stop::Exhausted(r)) => Outcome::Exhausted {
                    player: 0,
                    resource: r,
                },
                Err(Stop::Fault(f)) => Outcome::Faulted {
                    player: 0,
                    fault: f,
                },
            }
        }
        (Err(e), _) => stopped(0, e),
        (_, Err(e)) => stopped(1, e),
    };
    MatchReport {
        players,
        outcome,
        seed,
    }
}

fn stopped(player: usize, e: &Stop) -> Outcome {
    match e {
        Stop::Exhausted(r) => Outcome::Exhausted {
            player,
            resource: *r,
        },
        Stop::Fault(f) => Outcome::Faulted {
            player,
            fault: f.clone(),
        },
    }
}

/// Plays a match on a fresh thread whose stack holds `limits.stack_bytes`, so deep (but bounded)
/// simulation cannot overflow the caller's stack.
pub fn play(
    pg: &ProgramGame,
    p1: &Arc<Program>,
    p2: &Arc<Program>,
    limits: &Limits,
    seed: u64,
) -> MatchReport {
    std::thread::scope(|s| {
        let h = std::thread::Builder::new()
            .stack_size(limits.stack_bytes)
            .spawn_scoped(s, || play_here(pg, p1, p2, limits, seed));
        match h {
            Ok(h) => match h.join() {
                Ok(r) => r,
                Err(e) => std::panic::resume_unwind(e),
            },
            // Could not get a big stack (address-space limits): fall back to this thread.
            Err(_) => play_here(pg, p1, p2, limits, seed),
        }
    })
}
