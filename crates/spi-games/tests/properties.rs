//! Property tests: invariants that must hold for every game, checked on random ones.
//!
//! - every equilibrium returned is verified exactly, and Lemke–Howson's lies among the enumerated;
//! - on generic (nondegenerate) games, vertex enumeration agrees with a naive support enumeration;
//! - the reverse search returns exactly what the visited-set walk returns, degenerate games included;
//! - IESDS is independent of the elimination order;
//! - the JSON and `.nfg` writers round-trip through the readers.

use proptest::prelude::*;
use spi_games::{Game, Rational, dominance, equilibrium, format};

fn game_strategy(
    max_players: usize,
    max_actions: usize,
    payoff: std::ops::Range<i64>,
) -> impl Strategy<Value = Game> {
    (2..=max_players)
        .prop_flat_map(move |n| proptest::collection::vec(1..=max_actions, n))
        .prop_flat_map(move |shape| {
            let cells: usize = shape.iter().product::<usize>() * shape.len();
            (
                Just(shape),
                proptest::collection::vec(payoff.clone(), cells),
            )
        })
        .prop_map(|(shape, pays)| {
            let (players, actions) = Game::default_names(&shape);
            Game::new(
                "random",
                players,
                actions,
                pays.into_iter().map(Rational::from_int).collect(),
            )
            .unwrap()
        })
}

fn bimatrix(max_actions: usize, payoff: std::ops::Range<i64>) -> impl Strategy<Value = Game> {
    (1..=max_actions, 1..=max_actions)
        .prop_flat_map(move |(m, n)| {
            (
                Just((m, n)),
                proptest::collection::vec(payoff.clone(), m * n * 2),
            )
        })
        .prop_map(|((m, n), pays)| {
            let (players, actions) = Game::default_names(&[m, n]);
            Game::new(
                "random",
                players,
                actions,
                pays.into_iter().map(Rational::from_int).collect(),
            )
            .unwrap()
        })
}

/// A bimatrix game from payoff pairs (`cells[i][j]` = (player 1's, player 2's) payoff).
fn from_cells(cells: &[Vec<(i64, i64)>]) -> Game {
    let (players, actions) = Game::default_names(&[cells.len(), cells[0].len()]);
    Game::from_fn("random", players, actions, |p| {
        let (a, b) = cells[p[0]][p[1]];
        vec![Rational::from_int(a), Rational::from_int(b)]
    })
    .unwrap()
}

/// Degenerate games on purpose: few payoff values (ties everywhere), then a duplicated row and a
/// duplicated column (for both players' payoffs, or for one player only), and a constant player.
fn degenerate_bimatrix() -> impl Strategy<Value = Game> {
    (1usize..=4, 1usize..=4, 1i64..=3)
        .prop_flat_map(|(m, n, high)| {
            (
                proptest::collection::vec(proptest::collection::vec((0..=high, 0..=high), n), m),
                0..m,
                0..n,
                0..4u8,
            )
        })
        .prop_map(|(mut cells, i, j, how)| {
            let row = cells[i].clone();
            match how {
                0 => cells.push(row),
                1 => {
                    cells.push(row);
                    for r in &mut cells {
                        let c = r[j];
                        r.push(c);
                    }
                }
                // Only player 2's payoffs repeat a column: player 1 still tells them apart.
                2 => {
                    for r in &mut cells {
                        let c = (r[0].0 + 1, r[j].1);
                        r.push(c);
                    }
                }
                // Player 1 is indifferent between everything.
                _ => cells.iter_mut().flatten().for_each(|c| c.0 = 7),
            }
            from_cells(&cells)
        })
}

/// Solves the square system M z = b exactly; `None` if singular.
fn solve(mut m: Vec<Vec<Rational>>, mut b: Vec<Rational>) -> Option<Vec<Rational>> {
    let k = b.len();
    for c in 0..k {
        let p = (c..k).find(|&r| !m[r][c].is_zero())?;
        m.swap(c, p);
        b.swap(c, p);
        let inv = m[c][c].recip()?;
        for r in 0..k {
            if r != c && !m[r][c].is_zero() {
                let f = &m[r][c] * &inv;
                for j in c..k {
                    let v = &m[c][j] * &f;
                    m[r][j] = &m[r][j] - &v;
                }
                let v = &b[c] * &f;
                b[r] = &b[r] - &v;
            }
        }
    }
    Some((0..k).map(|i| &b[i] / &m[i][i]).collect())
}

/// The naive reference: for every pair of equal-size supports, solve the indifference equations.
/// Correct for nondegenerate games, where every equilibrium has equal-size supports.
fn support_enumeration(g: &Game) -> Vec<Vec<Vec<Rational>>> {
    let (a, b) = g.bimatrix().unwrap();
    let (m, n) = (a.len(), a[0].len());
    let mut out = Vec::new();
    for sx in 1u32..(1 << m) {
        for sy in 1u32..(1 << n) {
            if sx.count_ones() != sy.count_ones() {
                continue;
            }
            let ix: Vec<usize> = (0..m).filter(|i| sx >> i & 1 == 1).collect();
            let iy: Vec<usize> = (0..n).filter(|j| sy >> j & 1 == 1).collect();
            let k = ix.len();
            // The mixer's probabilities p (k) and the value v make every opponent action in the
            // support indifferent: payoff(row)·p = v, and Σp = 1.
            let indifference = |rows: Vec<Vec<Rational>>| {
                let mut mat = Vec::new();
                let mut rhs = Vec::new();
                for mut row in rows {
                    row.push(-Rational::ONE);
                    mat.push(row);
                    rhs.push(Rational::ZERO);
                }
                let mut sum = vec![Rational::ONE; k];
                sum.push(Rational::ZERO);
                mat.push(sum);
                rhs.push(Rational::ONE);
                (mat, rhs)
            };
            let (my, by) = indifference(
                ix.iter()
                    .map(|&i| iy.iter().map(|&j| a[i][j].clone()).collect())
                    .collect(),
            );
            let (mx, bx) = indifference(
                iy.iter()
                    .map(|&j| ix.iter().map(|&i| b[i][j].clone()).collect())
                    .collect(),
            );
            let (Some(y), Some(x)) = (solve(my, by), solve(mx, bx)) else {
                continue;
            };
            if y[..k].iter().chain(&x[..k]).any(|p| !p.is_positive()) {
                continue;
            }
            let mut xs = vec![Rational::ZERO; m];
            let mut ys = vec![Rational::ZERO; n];
            for (t, &i) in ix.iter().enumerate() {
                xs[i] = x[t].clone();
            }
            for (t, &j) in iy.iter().enumerate() {
                ys[j] = y[t].clone();
            }
            let s = vec![xs, ys];
            if equilibrium::verify(g, &s).is_ok() {
                out.push(s);
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// What the enumeration reports while it searches is what it returns: every extreme
    /// equilibrium once, nothing else. Payoffs near 10^30 overflow the 128-bit search, which then
    /// starts again exactly; an equilibrium seen before the overflow must not be reported twice.
    #[test]
    fn equilibria_reported_during_the_search_are_the_result_once_each(
        g in bimatrix(5, 0..4),
        huge in any::<bool>(),
    ) {
        let g = if huge {
            let big: Rational = "1000000000000000000000000000000".parse().unwrap();
            let shape = g.shape();
            let mut pays = Vec::new();
            for p in g.profiles() {
                for x in g.payoffs(&p) {
                    pays.push(&(x * &big) + &Rational::from_int(p[0] as i64));
                }
            }
            let (players, actions) = Game::default_names(&shape);
            Game::new("huge", players, actions, pays).unwrap()
        } else {
            g
        };
        let mut reported = Vec::new();
        let result = equilibrium::enumerate_reporting(&g, 64, &mut |e| reported.push(e.clone())).unwrap();
        let count = reported.len();
        reported.sort();
        reported.dedup();
        prop_assert_eq!(count, reported.len(), "an equilibrium was reported twice");
        prop_assert_eq!(reported, result);
    }

    /// Maximal Nash subsets: inside each, every mix of a row part and a column part is an
    /// extreme equilibrium; every extreme equilibrium is in one; none contains another.
    #[test]
    fn maximal_nash_subsets_are_interchangeable_and_maximal(g in bimatrix(4, 0..3)) {
        let eqs = equilibrium::enumerate(&g).unwrap();
        let subsets = equilibrium::subsets::maximal_nash_subsets(&eqs);
        let mut covered = vec![false; eqs.len()];
        for s in &subsets {
            for &a in &s.equilibria {
                covered[a] = true;
                for &b in &s.equilibria {
                    let mixed = vec![eqs[a].strategies[0].clone(), eqs[b].strategies[1].clone()];
                    prop_assert!(eqs.iter().any(|e| e.strategies == mixed), "not interchangeable");
                    prop_assert!(equilibrium::verify(&g, &mixed).is_ok());
                }
            }
            for t in &subsets {
                prop_assert!(s == t || !s.equilibria.iter().all(|k| t.equilibria.contains(k)));
            }
        }
        prop_assert!(covered.iter().all(|&c| c));
    }

    #[test]
    fn every_enumerated_equilibrium_verifies_and_contains_lemke_howson(g in bimatrix(5, 0..5)) {
        let eqs = equilibrium::enumerate(&g).unwrap();
        prop_assert!(!eqs.is_empty(), "every finite game has an equilibrium");
        for e in &eqs {
            prop_assert!(equilibrium::verify(&g, &e.strategies).is_ok());
        }
        let total = g.num_actions(0) + g.num_actions(1);
        for label in 0..total {
            let (lh, _) = equilibrium::lemke_howson(&g, label).unwrap();
            prop_assert!(equilibrium::verify(&g, &lh.strategies).is_ok());
            prop_assert!(eqs.iter().any(|e| e.strategies == lh.strategies), "LH equilibrium {:?} not among the extreme ones", lh.strategies);
        }
        for p in equilibrium::pure_nash(&g) {
            prop_assert!(eqs.iter().any(|e| (0..2).all(|i| e.strategies[i][p[i]] == Rational::ONE)));
        }
    }

    #[test]
    fn generic_games_match_naive_support_enumeration(g in bimatrix(4, -1000..1000)) {
        let naive = support_enumeration(&g);
        let mut ours: Vec<Vec<Vec<Rational>>> = equilibrium::enumerate(&g).unwrap().into_iter().map(|e| e.strategies).collect();
        ours.sort();
        // Random payoffs from a wide range are nondegenerate with overwhelming probability; a
        // degenerate draw can only make the naive method miss equilibria, never invent them.
        for s in &naive {
            prop_assert!(ours.contains(s), "naive found {:?} that vertex enumeration missed", s);
        }
        if ours.len() == naive.len() {
            prop_assert_eq!(ours, naive);
        }
    }

    /// The reverse search (no visited set, one polytope walked, partners solved) returns the same
    /// equilibria in the same order, with the same payoffs, as the visited-set walk that pairs
    /// every vertex of P with every vertex of Q.
    #[test]
    fn reverse_search_equals_the_visited_set_walk_on_degenerate_games(g in degenerate_bimatrix()) {
        let reference = equilibrium::vertex_enum::enumerate_reference(&g, 64).unwrap();
        prop_assert_eq!(equilibrium::enumerate(&g).unwrap(), reference);
    }

    #[test]
    fn reverse_search_equals_the_visited_set_walk_on_tied_games(g in bimatrix(5, 0..3)) {
        let reference = equilibrium::vertex_enum::enumerate_reference(&g, 64).unwrap();
        prop_assert_eq!(equilibrium::enumerate(&g).unwrap(), reference);
    }

    #[test]
    fn reverse_search_equals_the_visited_set_walk_on_generic_games(g in bimatrix(6, 0..100)) {
        let reference = equilibrium::vertex_enum::enumerate_reference(&g, 64).unwrap();
        prop_assert_eq!(equilibrium::enumerate(&g).unwrap(), reference);
    }

    /// Payoffs near 10⁶ make products of entries pass 2¹²⁸ (the 256-bit kernels), near 10¹² they
    /// make entries pass i128 (the BigInt restart): the answer must not depend on either.
    #[test]
    fn reverse_search_equals_the_visited_set_walk_with_large_payoffs(
        g in (bimatrix(5, 0..1_000_000), bimatrix(4, 0..1_000_000_000_000))
            .prop_flat_map(|(a, b)| prop_oneof![Just(a), Just(b)])
    ) {
        let reference = equilibrium::vertex_enum::enumerate_reference(&g, 64).unwrap();
        prop_assert_eq!(equilibrium::enumerate(&g).unwrap(), reference);
    }

    #[test]
    fn iesds_is_order_independent(g in game_strategy(3, 4, 0..4), picks in proptest::collection::vec(0usize..1000, 64)) {
        let simultaneous = dominance::iesds(&g).surviving;
        let mut it = picks.into_iter().cycle();
        let sequential = dominance::iesds_one_at_a_time(&g, |_| it.next().unwrap_or(0));
        prop_assert_eq!(simultaneous, sequential);
    }

    #[test]
    fn json_round_trips(g in game_strategy(3, 3, -50..50)) {
        let back = format::read_json(&format::write_json(&g)).unwrap();
        prop_assert_eq!(back, g);
    }

    #[test]
    fn nfg_round_trips_both_variants(g in game_strategy(3, 3, -50..50)) {
        let g = g.renamed("round trip");
        prop_assert_eq!(&format::read_nfg(&format::write_nfg(&g)).unwrap(), &g);
        prop_assert_eq!(&format::read_nfg(&format::write_nfg_outcomes(&g)).unwrap(), &g);
    }
}

#[test]
fn fractional_payoffs_round_trip_and_solve() {
    let text = r#"{"name":"f","players":["A","B"],"actions":[["u","d"],["l","r"]],
      "payoffs":[[["1/2","0.25"],[0,1]],[[0,1],["3/8",0]]]}"#;
    let g = format::read_json(text).unwrap();
    assert_eq!(format::read_json(&format::write_json(&g)).unwrap(), g);
    assert_eq!(format::read_nfg(&format::write_nfg(&g)).unwrap(), g);
    for e in equilibrium::enumerate(&g).unwrap() {
        equilibrium::verify(&g, &e.strategies).unwrap();
    }
}

#[test]
fn large_payoffs_take_the_bigint_path_and_stay_exact() {
    // Payoffs near 10^15 overflow i128 products in the pivots: the BigInt restart must give the same
    // equilibria as the same game scaled down.
    let small = spi_games::game::bimatrix_game(
        "s",
        &["a", "b", "c"],
        &["x", "y", "z"],
        &[
            &[(3, 1), (0, 2), (1, 0)],
            &[(0, 3), (2, 0), (1, 1)],
            &[(1, 0), (1, 2), (0, 3)],
        ],
    );
    let scale = Rational::from_int(1_000_000_000_000_000);
    let (players, actions) = (small.players().to_vec(), small.action_names().to_vec());
    let big = Game::new(
        "b",
        players,
        actions,
        small.payoff_table().iter().map(|x| x * &scale).collect(),
    )
    .unwrap();
    let s: Vec<_> = equilibrium::enumerate(&small)
        .unwrap()
        .into_iter()
        .map(|e| e.strategies)
        .collect();
    let b: Vec<_> = equilibrium::enumerate(&big)
        .unwrap()
        .into_iter()
        .map(|e| e.strategies)
        .collect();
    assert_eq!(s, b);
    assert!(!s.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Large games take the floating-point-guided path; its answer must be an exact equilibrium and,
    /// on generic games, the same one the exact path reaches.
    #[test]
    fn float_guided_lemke_howson_matches_the_exact_path(
        wide in proptest::bool::ANY,
        pays in proptest::collection::vec(0i64..1_000_000, 2 * 22 * 22),
        label in 0usize..44,
    ) {
        let pays: Vec<Rational> = pays.into_iter().map(|x| Rational::from_int(if wide { x } else { x % 5 })).collect();
        let (players, actions) = Game::default_names(&[22, 22]);
        let g = Game::new("big", players, actions, pays).unwrap();
        prop_assert!(22 * 22 >= equilibrium::FLOAT_GUIDED_MIN_CELLS);
        let (guided, _) = equilibrium::lemke_howson(&g, label).unwrap();
        prop_assert!(equilibrium::verify(&g, &guided.strategies).is_ok());
        let (exact, _) = equilibrium::lemke_howson_exact(&g, label).unwrap();
        prop_assert!(equilibrium::verify(&g, &exact.strategies).is_ok());
        if wide {
            prop_assert_eq!(guided, exact);
        }
    }
}

#[test]
fn lemke_howson_any_returns_a_verified_equilibrium_on_small_and_large_games() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    for size in [3usize, 30] {
        let (players, actions) = Game::default_names(&[size, size]);
        let pays = (0..2 * size * size)
            .map(|_| Rational::from_int(rng.random_range(0..1000)))
            .collect();
        let g = Game::new("r", players, actions, pays).unwrap();
        let (e, _, label) = equilibrium::lemke_howson_any(&g).unwrap();
        assert!(label < 2 * size);
        equilibrium::verify(&g, &e.strategies).unwrap();
    }
}
