//! Commitment races (the agenda's introduction; model in docs/reference/definitions.md §6): two
//! agents each lock in a demand at a random time; a commitment becomes visible to the other only
//! after a verification delay. An agent that has verified the other's commitment before its own
//! moment accommodates (demands the rest); one that has not commits to its hawkish demand.
//! Incompatible demands mean conflict, unless both committed with a renegotiation clause (the SPI
//! option), in which case conflict is replaced by the agreed fallback.
//!
//! Each run draws the two commitment times exactly on a grid from a ChaCha stream seeded per run, so
//! runs replay. Payoffs per run are exact; the summary's means are exact rationals, and the
//! confidence intervals (Wilson for the conflict rate, normal for mean payoffs) are the one place
//! floats appear, because a confidence interval is a statistical estimate, not a payoff.
//!
//! # Complexity
//! O(runs).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spi_games::Rational;

/// One side of the race.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Racer {
    /// The share demanded when committing blind (no verified commitment from the other).
    pub hawk_demand: Rational,
    /// Whether the commitment carries a renegotiation clause ("on conflict, switch to the fallback if
    /// the other also has one"). Demands are unchanged by it: demand-preserving by construction.
    pub renegotiates: bool,
}

/// A race's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceConfig {
    /// The two agents.
    pub racers: [Racer; 2],
    /// Time a commitment takes to become verifiable by the other (commitment times are uniform on
    /// [0, 1]).
    pub delay: Rational,
    /// Payoffs in conflict (incompatible demands, no renegotiation).
    pub conflict: [Rational; 2],
    /// Payoffs when both renegotiation clauses fire on conflict (should weakly improve on `conflict`).
    pub fallback: [Rational; 2],
    /// Number of runs (seeds `seed, seed + 1, …`).
    pub runs: u64,
    /// The first seed.
    pub seed: u64,
}

/// The summary over runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RaceSummary {
    /// Runs.
    pub runs: u64,
    /// Runs ending in conflict (after renegotiation, if any).
    pub conflicts: u64,
    /// Runs where renegotiation replaced conflict.
    pub renegotiated: u64,
    /// Wilson 95% interval for the conflict rate.
    pub conflict_ci: (f64, f64),
    /// Exact mean payoffs.
    pub mean_payoffs: [Rational; 2],
    /// Normal 95% intervals for mean payoffs.
    pub payoff_ci: [(f64, f64); 2],
}

/// The time grid: commitment times are k / GRID for k uniform in 0..GRID.
pub const GRID: i64 = 1_000_000;

/// What one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceRun {
    /// Commitment times.
    pub times: [Rational; 2],
    /// Demands locked in.
    pub demands: [Rational; 2],
    /// Whether demands were incompatible.
    pub incompatible: bool,
    /// Whether renegotiation replaced conflict.
    pub renegotiated: bool,
    /// Payoffs.
    pub payoffs: [Rational; 2],
}

/// Plays one run with the given seed.
pub fn run_once(cfg: &RaceConfig, seed: u64) -> RaceRun {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let times = [
        Rational::new(rng.random_range(0..GRID), GRID).unwrap_or_default(),
        Rational::new(rng.random_range(0..GRID), GRID).unwrap_or_default(),
    ];
    let one = Rational::from(1);
    let mut demands = [
        cfg.racers[0].hawk_demand.clone(),
        cfg.racers[1].hawk_demand.clone(),
    ];
    // Whoever commits first commits blind; the later one accommodates iff the first commitment was
    // verifiable in time (strictly earlier by at least the delay).
    for i in 0..2 {
        let j = 1 - i;
        if &times[j] + &cfg.delay <= times[i] {
            let rest = &one - &cfg.racers[j].hawk_demand;
            demands[i] = Rational::max_of(&rest, &Rational::from(0));
        }
    }
    let incompatible = &demands[0] + &demands[1] > one;
    let both_renegotiate = cfg.racers[0].renegotiates && cfg.racers[1].renegotiates;
    let (payoffs, renegotiated) = if !incompatible {
        (demands.clone(), false)
    } else if both_renegotiate {
        (cfg.fallback.clone(), true)
    } else {
        (cfg.conflict.clone(), false)
    };
    RaceRun {
        times,
        demands,
        incompatible,
        renegotiated,
        payoffs,
    }
}

fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let (kf, nf) = (k as f64, n as f64);
    let p = kf / nf;
    let denom = 1.0 + z * z / nf;
    let centre = (p + z * z / (2.0 * nf)) / denom;
    let half = z * ((p * (1.0 - p) / nf) + z * z / (4.0 * nf * nf)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Runs `cfg.runs` seeded runs and summarises them.
pub fn simulate(cfg: &RaceConfig) -> RaceSummary {
    let mut conflicts = 0;
    let mut renegotiated = 0;
    let mut sums = [Rational::from(0), Rational::from(0)];
    let mut sq = [0f64; 2];
    for r in 0..cfg.runs {
        let run = run_once(cfg, cfg.seed.wrapping_add(r));
        if run.incompatible && !run.renegotiated {
            conflicts += 1;
        }
        if run.renegotiated {
            renegotiated += 1;
        }
        for k in 0..2 {
            sums[k] = &sums[k] + &run.payoffs[k];
            let x = run.payoffs[k].to_f64();
            sq[k] += x * x;
        }
    }
    let n = Rational::from(cfg.runs.max(1) as i64);
    let mean_payoffs = [&sums[0] / &n, &sums[1] / &n];
    let nf = cfg.runs.max(1) as f64;
    let ci = |k: usize| {
        let m = mean_payoffs[k].to_f64();
        let var = if cfg.runs > 1 {
            ((sq[k] - nf * m * m) / (nf - 1.0)).max(0.0)
        } else {
            0.0
        };
        let half = 1.959_963_984_540_054 * (var / nf).sqrt();
        (m - half, m + half)
    };
    let payoff_ci = [ci(0), ci(1)];
    RaceSummary {
        runs: cfg.runs,
        conflicts,
        renegotiated,
        conflict_ci: wilson(conflicts, cfg.runs),
        mean_payoffs,
        payoff_ci,
    }
}

/// The renegotiation scenarios `spi program race` compares, by label: neither racer has a
/// renegotiation clause, only the first has one, both have one.
pub const SCENARIOS: [(&str, [bool; 2]); 3] = [
    ("no renegotiation", [false, false]),
    ("player 1 only", [true, false]),
    ("both renegotiate", [true, true]),
];

/// Runs `cfg` under each of [`SCENARIOS`] (the racers' clauses replaced, all else kept), so the
/// effect of the renegotiation clause is read on the same seeds.
pub fn compare_scenarios(cfg: &RaceConfig) -> Vec<(&'static str, RaceSummary)> {
    SCENARIOS
        .iter()
        .map(|&(label, clauses)| {
            let mut c = cfg.clone();
            for (racer, clause) in c.racers.iter_mut().zip(clauses) {
                racer.renegotiates = clause;
            }
            (label, simulate(&c))
        })
        .collect()
}
