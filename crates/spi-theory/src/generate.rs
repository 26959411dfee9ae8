//! Seeded random two-player games for tests and benchmarks: with an SPI planted by construction,
//! and with the same dominated-padding structure but nothing planted.
//!
//! The layout copies the Demand Game. A random k×k *core* without dominated actions sits at k rows
//! and k columns; against any non-core column a core row pays its owner `high` and the opponent
//! `low`, and symmetrically, so every non-core action is strictly dominated by every core action in
//! the first IESDS round and the core is exactly what survives. The non-core block is random in the
//! core's payoff range; the planted family writes there a copy of the core whose payoffs are raised
//! by 0 or 1 per entry (at least one raised), which is an SPI by construction. Rows and columns are
//! shuffled, so neither the core nor the copy sits in a recognisable place.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use spi_games::dominance::iesds;
use spi_games::{Game, Rational};

/// A generated game and where its parts are.
#[derive(Debug, Clone)]
pub struct PaddedGame {
    /// The game.
    pub game: Game,
    /// Core rows and columns (the IESDS survivors), in core order.
    pub core: [Vec<usize>; 2],
    /// Where the improved copy of the core was planted, in core order (`None` when not planted).
    pub planted: Option<[Vec<usize>; 2]>,
}

/// Largest payoff drawn for the core and the padding block.
pub const MAX_PAYOFF: i64 = 9;

fn random_core(rng: &mut ChaCha8Rng, k: usize) -> Vec<Vec<(i64, i64)>> {
    loop {
        let core: Vec<Vec<(i64, i64)>> = (0..k)
            .map(|_| {
                (0..k)
                    .map(|_| {
                        (
                            rng.random_range(0..=MAX_PAYOFF),
                            rng.random_range(0..=MAX_PAYOFF),
                        )
                    })
                    .collect()
            })
            .collect();
        let (players, actions) = Game::default_names(&[k, k]);
        let g = Game::from_fn("core", players, actions, |p| {
            let (a, b) = core[p[0]][p[1]];
            vec![Rational::from_int(a), Rational::from_int(b)]
        })
        .expect("k >= 1");
        if iesds(&g).is_trivial() {
            return core;
        }
    }
}

/// An m×m game whose IESDS core is k×k (k ≤ m/2 when planting), seeded.
pub fn padded_game(seed: u64, m: usize, k: usize, plant: bool) -> PaddedGame {
    assert!(
        k >= 1 && k <= m && (!plant || 2 * k <= m),
        "core {k} does not fit in {m} actions"
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let core = random_core(&mut rng, k);
    let (high, low) = (MAX_PAYOFF + 2, -2);
    let mut perm: [Vec<usize>; 2] = [(0..m).collect(), (0..m).collect()];
    perm[0].shuffle(&mut rng);
    perm[1].shuffle(&mut rng);
    // position in the original layout -> role
    let core_pos: [Vec<usize>; 2] = [perm[0][..k].to_vec(), perm[1][..k].to_vec()];
    let end = (2 * k).min(m);
    let copy_pos: [Vec<usize>; 2] = [perm[0][k..end].to_vec(), perm[1][k..end].to_vec()];
    let mut table = vec![vec![(0i64, 0i64); m]; m];
    let role = |side: usize, x: usize| perm[side].iter().position(|&y| y == x).unwrap_or(0);
    for r in 0..m {
        for c in 0..m {
            let (rr, cr) = (role(0, r), role(1, c));
            table[r][c] = match (rr < k, cr < k) {
                (true, true) => core[rr][cr],
                (true, false) => (high, low),
                (false, true) => (low, high),
                (false, false) => (
                    rng.random_range(0..=MAX_PAYOFF),
                    rng.random_range(0..=MAX_PAYOFF),
                ),
            };
        }
    }
    let planted = if plant {
        let mut raised_any = false;
        for a in 0..k {
            for b in 0..k {
                let (u, v) = core[a][b];
                let (du, dv) = (rng.random_range(0..=1), rng.random_range(0..=1));
                raised_any |= du + dv > 0;
                table[copy_pos[0][a]][copy_pos[1][b]] = (u + du, v + dv);
            }
        }
        if !raised_any {
            let (u, v) = table[copy_pos[0][0]][copy_pos[1][0]];
            table[copy_pos[0][0]][copy_pos[1][0]] = (u + 1, v);
        }
        Some(copy_pos)
    } else {
        None
    };
    let (players, actions) = Game::default_names(&[m, m]);
    let name = format!(
        "{}-m{m}-k{k}-seed{seed}",
        if plant { "planted" } else { "padded" }
    );
    let game = Game::from_fn(name, players, actions, |p| {
        let (a, b) = table[p[0]][p[1]];
        vec![Rational::from_int(a), Rational::from_int(b)]
    })
    .expect("m >= 1");
    PaddedGame {
        game,
        core: core_pos,
        planted,
    }
}

/// A small fully random game (for differential tests against the naive search).
pub fn random_game(seed: u64, rows: usize, cols: usize, max_payoff: i64) -> Game {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (players, actions) = Game::default_names(&[rows, cols]);
    Game::from_fn(
        format!("random-{rows}x{cols}-seed{seed}"),
        players,
        actions,
        |_| {
            vec![
                Rational::from_int(rng.random_range(0..=max_payoff)),
                Rational::from_int(rng.random_range(0..=max_payoff)),
            ]
        },
    )
    .expect("rows, cols >= 1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_is_exactly_what_survives() {
        for seed in 0..5 {
            let g = padded_game(seed, 12, 3, true);
            let r = iesds(&g.game);
            let mut want = g.core.clone();
            want[0].sort_unstable();
            want[1].sort_unstable();
            assert_eq!(r.surviving, want.to_vec());
        }
    }
}
