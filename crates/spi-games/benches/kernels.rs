//! Criterion benches of the exact game kernels: vertex enumeration (all extreme equilibria),
//! Lemke–Howson and IESDS, on seeded random games whose sizes and payoff ranges are in the bench names.
//!
//! Run with `cargo bench -p spi-games --bench kernels`; the peer comparison (Gambit, lrsnash) is
//! `bench/gambit/speed.py`, which measures the peers in the same run.

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spi_games::{Game, Rational, equilibrium, iesds};
use std::hint::black_box;
use std::time::Duration;

/// A bimatrix game with payoffs drawn uniformly from `0..high`, the same distribution as the
/// peer bench's games.
fn random_bimatrix(rng: &mut ChaCha8Rng, m: usize, n: usize, high: i64) -> Game {
    let (players, actions) = Game::default_names(&[m, n]);
    Game::from_fn("random", players, actions, |_| {
        vec![
            Rational::from_int(rng.random_range(0..high)),
            Rational::from_int(rng.random_range(0..high)),
        ]
    })
    .expect("a nonempty m×n shape is a valid game")
}

/// "Guess half the other's number": player 1 loses (2i − j)², player 2 loses (2j − i)². Every action
/// far enough above half the other's largest surviving action is strictly dominated, so IESDS runs
/// ~log₂ k rounds down to actions {0, 1} each (a tie keeps 1) and every round checks every pair of
/// surviving actions.
fn guess_half(k: usize) -> Game {
    let (players, actions) = Game::default_names(&[k, k]);
    Game::from_fn("guess-half", players, actions, |p| {
        let (i, j) = (p[0] as i64, p[1] as i64);
        vec![
            Rational::from_int(-(2 * i - j).pow(2)),
            Rational::from_int(-(2 * j - i).pow(2)),
        ]
    })
    .expect("a nonempty k×k shape is a valid game")
}

fn vertex_enumeration(c: &mut Criterion) {
    let mut group = c.benchmark_group("vertex_enumeration");
    group.measurement_time(Duration::from_secs(4));
    for k in [4usize, 6, 8, 10] {
        let mut rng = ChaCha8Rng::seed_from_u64(k as u64);
        let games: Vec<Game> = (0..8)
            .map(|_| random_bimatrix(&mut rng, k, k, 100))
            .collect();
        group.bench_with_input(
            BenchmarkId::new("payoffs_lt_100_8games", format!("{k}x{k}")),
            &games,
            |b, games| {
                b.iter(|| {
                    for g in games {
                        black_box(equilibrium::enumerate(g).expect("two-player game"));
                    }
                })
            },
        );
    }
    group.finish();
}

fn lemke_howson(c: &mut Criterion) {
    let mut group = c.benchmark_group("lemke_howson");
    group.sample_size(10);
    for k in [50usize, 100, 200] {
        for high in [1_000i64, 1_000_000_000] {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 + k as u64);
            let game = random_bimatrix(&mut rng, k, k, high);
            group.bench_with_input(
                BenchmarkId::new(format!("payoffs_lt_{high}"), format!("{k}x{k}")),
                &game,
                |b, g| b.iter(|| black_box(equilibrium::lemke_howson(g, 0).expect("valid label"))),
            );
        }
    }
    group.finish();
}

fn dominance(c: &mut Criterion) {
    let mut group = c.benchmark_group("iesds");
    for k in [16usize, 64, 128] {
        let game = guess_half(k);
        group.bench_with_input(
            BenchmarkId::new("guess_half", format!("{k}x{k}")),
            &game,
            |b, g| b.iter(|| black_box(iesds(g))),
        );
        let mut rng = ChaCha8Rng::seed_from_u64(2000 + k as u64);
        let game = random_bimatrix(&mut rng, k, k, 100);
        group.bench_with_input(
            BenchmarkId::new("random_payoffs_lt_100", format!("{k}x{k}")),
            &game,
            |b, g| b.iter(|| black_box(iesds(g))),
        );
    }
    group.finish();
}

criterion_group!(benches, vertex_enumeration, lemke_howson, dominance);
criterion_main!(benches);
