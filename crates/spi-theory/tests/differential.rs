//! Property tests: the fast search against the deliberately naive one, planted SPIs, and the
//! verifier accepting everything the search returns.

use proptest::prelude::*;
use spi_theory::generate::{padded_game, random_game};
use spi_theory::{PlayerId, SpiClaim, SpiKind, SpiQuery, naive_search, search, verify};

fn kinds() -> impl Strategy<Value = SpiKind> {
    prop_oneof![
        Just(SpiKind::Omnilateral),
        Just(SpiKind::Unilateral(PlayerId(0))),
        Just(SpiKind::Unilateral(PlayerId(1)))
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Small random games with many ties: the fast search finds exactly the naive search's
    /// witnesses (all of them, raw), for every kind and both strictness settings, and every
    /// witness verifies.
    #[test]
    fn fast_search_equals_naive_search(seed in 0u64..1_000_000, rows in 1usize..5, cols in 1usize..5,
                                       max in 1i64..4, kind in kinds(), strict in any::<bool>()) {
        let g = random_game(seed, rows, cols, max);
        let q = SpiQuery { kind, strict, all: true, limit: 1_000_000 };
        let mut fast = search(&g, &q).unwrap().raw;
        let naive = naive_search(&g, &q, &mut |_| false).unwrap();
        let mut naive_w = naive.witnesses.clone();
        fast.sort();
        naive_w.sort();
        prop_assert_eq!(&fast, &naive_w);
        let red = spi_games::iesds(&g);
        for w in &fast {
            let claim = SpiClaim::from_witness(&g, &red, kind, w).unwrap();
            prop_assert!(verify(&g, &claim).is_ok(), "{:?}", verify(&g, &claim).err());
        }
    }

    /// A core relabelled, payoff-improved and padded with strictly dominated actions is found, and
    /// the planted map is among the witnesses.
    #[test]
    fn planted_spi_is_found(seed in 0u64..1_000_000, m in 4usize..14) {
        let k = (m / 4).max(1).min(m / 2);
        let p = padded_game(seed, m, k, true);
        let q = SpiQuery { kind: SpiKind::Omnilateral, strict: true, all: true, limit: 1_000_000 };
        let found = search(&p.game, &q).unwrap();
        prop_assert!(!found.witnesses.is_empty());
        let planted = p.planted.clone().unwrap();
        // The survivors are the sorted core; the planted image of core position t is planted[i][t].
        let images: Vec<Vec<usize>> = (0..2).map(|i| {
            found.reduction.surviving[i].iter().map(|s| {
                let t = p.core[i].iter().position(|c| c == s).unwrap();
                planted[i][t]
            }).collect()
        }).collect();
        prop_assert!(found.raw.iter().any(|w| w.images == images));
        for w in &found.witnesses {
            let claim = SpiClaim::from_witness(&p.game, &found.reduction, q.kind, w).unwrap();
            prop_assert!(verify(&p.game, &claim).is_ok());
        }
    }

    /// Padded games without a planting: whatever the fast search says agrees with the naive search.
    #[test]
    fn padded_games_agree_with_naive(seed in 0u64..1_000_000, m in 3usize..9) {
        let k = (m / 3).max(1);
        let g = padded_game(seed, m, k, false).game;
        let q = SpiQuery { kind: SpiKind::Omnilateral, strict: false, all: true, limit: 1_000_000 };
        let mut fast = search(&g, &q).unwrap().raw;
        let mut naive = naive_search(&g, &q, &mut |_| false).unwrap().witnesses;
        fast.sort();
        naive.sort();
        prop_assert_eq!(fast, naive);
    }
}

/// OC's definition of an omnilateral SPI claim, checked by brute force with nothing from the
/// verifier or the search: the substitute's actions are Γ's; Φ is a bijection from Γ's IESDS
/// survivors onto Γ^s's survivors; per player, u^s_i(Φ(a)) = λ_i·u_i(a) + c_i with λ_i > 0 on the
/// reduced profiles; u(Φ(a)) ⪰ u(a) under Γ's utilities; Φ is not the identity; and, if claimed,
/// some profile strictly improves.
fn definition_holds(g: &spi_games::Game, claim: &SpiClaim) -> bool {
    use spi_games::Rational;
    let s = &claim.substitute;
    let n = g.num_players();
    if s.players() != g.players() {
        return false;
    }
    if (0..n).any(|i| s.actions(i).iter().any(|a| g.action_index(i, a).is_none())) {
        return false;
    }
    let (red, sred) = (spi_games::iesds(g), spi_games::iesds(s));
    // phi[i][k]: the substitute index of the image of the k-th survivor of Γ.
    let mut phi = Vec::new();
    for i in 0..n {
        let mut row = Vec::new();
        for &a in &red.surviving[i] {
            let name = &g.actions(i)[a];
            let hits: Vec<&String> = claim.action_map[i]
                .iter()
                .filter(|(f, _)| f == name)
                .map(|(_, t)| t)
                .collect();
            let [t] = hits[..] else { return false };
            let Some(x) = s.action_index(i, t) else {
                return false;
            };
            row.push(x);
        }
        if claim.action_map[i].len() != row.len() {
            return false;
        }
        let mut sorted = row.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != row.len() || sorted != sred.surviving[i] {
            return false;
        }
        phi.push(row);
    }
    let shape: Vec<usize> = red.surviving.iter().map(Vec::len).collect();
    let profiles: Vec<Vec<usize>> = spi_games::game::ProfileIter::new(&shape).collect();
    let lift = |k: &[usize]| -> Vec<usize> { (0..n).map(|i| red.surviving[i][k[i]]).collect() };
    let image = |k: &[usize]| -> Vec<usize> { (0..n).map(|i| phi[i][k[i]]).collect() };
    let in_game = |sp: &[usize]| -> Vec<usize> {
        (0..n)
            .map(|i| g.action_index(i, &s.actions(i)[sp[i]]).unwrap())
            .collect()
    };
    for i in 0..n {
        let pts: Vec<(Rational, Rational)> = profiles
            .iter()
            .map(|k| {
                (
                    g.payoff(&lift(k), i).clone(),
                    s.payoff(&image(k), i).clone(),
                )
            })
            .collect();
        let base = &pts[0];
        match pts.iter().find(|p| p.0 != base.0) {
            // u_i constant on Γ': u^s_i must be constant too (λ > 0 maps a constant to a constant).
            None => {
                if pts.iter().any(|p| p.1 != base.1) {
                    return false;
                }
            }
            Some(other) => {
                let lambda = (other.1.clone() - base.1.clone())
                    .checked_div(&(other.0.clone() - base.0.clone()))
                    .expect("u differs at these two profiles");
                if lambda <= Rational::ZERO {
                    return false;
                }
                let c = base.1.clone() - lambda.clone() * base.0.clone();
                if pts
                    .iter()
                    .any(|p| p.1 != lambda.clone() * p.0.clone() + c.clone())
                {
                    return false;
                }
            }
        }
    }
    let mut strict = false;
    for k in &profiles {
        let (from, to) = (g.payoffs(&lift(k)), g.payoffs(&in_game(&image(k))));
        if from.iter().zip(to).any(|(x, y)| y < x) {
            return false;
        }
        strict |= from.iter().zip(to).any(|(x, y)| y > x);
    }
    let identity = profiles.iter().all(|k| in_game(&image(k)) == lift(k));
    !identity && (strict || !claim.strict)
}

/// Perturbs one witness's action map and returns (the verifier's verdict, the definition's), or
/// None when the draw has nothing to perturb.
#[allow(clippy::too_many_arguments)]
fn perturbed_verdicts(
    seed: u64,
    rows: usize,
    cols: usize,
    max: i64,
    player: usize,
    x: usize,
    y: usize,
    copy: bool,
    planted: bool,
) -> Option<(bool, bool)> {
    // Planted games always have an SPI; small tie-heavy random games have the symmetries that
    // make some perturbed maps SPIs again, so both verdicts occur.
    let g = if planted {
        padded_game(seed, 2 * rows, rows, true).game
    } else {
        random_game(seed, rows, cols, max)
    };
    let q = SpiQuery {
        kind: SpiKind::Omnilateral,
        strict: false,
        all: true,
        limit: 64,
    };
    let found = search(&g, &q).unwrap();
    let w = found
        .witnesses
        .get((seed as usize) % found.witnesses.len().max(1))?;
    let mut claim = SpiClaim::from_witness(&g, &found.reduction, q.kind, w).unwrap();
    assert!(verify(&g, &claim).is_ok() && definition_holds(&g, &claim));
    claim.improvements = None;
    let m = &mut claim.action_map[player];
    if m.len() < 2 || x % m.len() == y % m.len() {
        return None;
    }
    let (x, y) = (x % m.len(), y % m.len());
    if copy {
        m[x].1 = m[y].1.clone();
    } else {
        let t = m[x].1.clone();
        m[x].1 = m[y].1.clone();
        m[y].1 = t;
    }
    Some((verify(&g, &claim).is_ok(), definition_holds(&g, &claim)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The verifier on claims whose action map was perturbed (two images swapped, or one image
    /// copied onto another action so the map stops being injective) agrees with the definition
    /// checked by brute force: it accepts exactly the perturbed claims that are still SPIs.
    #[test]
    fn verifier_on_perturbed_action_maps_equals_the_definition(
        seed in 0u64..1_000_000, rows in 2usize..5, cols in 2usize..5, max in 1i64..4,
        player in 0usize..2, x in 0usize..8, y in 0usize..8, copy in any::<bool>(),
        planted in any::<bool>(),
    ) {
        if let Some((verifier, definition)) =
            perturbed_verdicts(seed, rows, cols, max, player, x, y, copy, planted)
        {
            prop_assert_eq!(verifier, definition);
            prop_assert!(!(copy && verifier), "a non-injective map verified");
        }
    }
}

/// Γ with a copy of player 0's action `a` (same payoffs for everyone) appended as `a'`.
fn with_duplicate_row(g: &spi_games::Game, a: usize) -> spi_games::Game {
    let mut actions: Vec<Vec<String>> = (0..g.num_players())
        .map(|i| g.actions(i).to_vec())
        .collect();
    actions[0].push(format!("{}'", g.actions(0)[a]));
    let copy = actions[0].len() - 1;
    spi_games::Game::from_fn("dup", g.players().to_vec(), actions, |s| {
        let mut p = s.to_vec();
        if p[0] == copy {
            p[0] = a;
        }
        g.payoffs(&p).to_vec()
    })
    .unwrap()
}

/// The property above only bites if both verdicts occur. Swapping the images of an action and
/// its exact copy keeps every SPI an SPI (the verifier must accept); the sweep of random swaps
/// mostly breaks them (it must reject).
#[test]
fn perturbed_maps_yield_both_verdicts() {
    let (mut accepted, mut rejected) = (0, 0);
    for seed in 0..200u64 {
        let rows = 2 + (seed % 3) as usize;
        for (x, y) in [(0, 1), (1, 2)] {
            if let Some((verifier, definition)) = perturbed_verdicts(
                seed,
                rows,
                2,
                2,
                (seed % 2) as usize,
                x,
                y,
                false,
                seed % 4 == 0,
            ) {
                assert_eq!(verifier, definition, "seed {seed}");
                rejected += usize::from(!verifier);
                accepted += usize::from(verifier);
            }
        }
    }
    for seed in 0..40u64 {
        let p = padded_game(seed, 6, 3, true).game;
        let red = spi_games::iesds(&p);
        let a = red.surviving[0][0];
        let q = SpiQuery {
            kind: SpiKind::Omnilateral,
            strict: false,
            all: false,
            limit: 1,
        };
        let Some(w0) = search(&p, &q).unwrap().witnesses.first().cloned() else {
            continue;
        };
        // Copy the survivor and its image, so that the copy has an image of its own.
        let g = with_duplicate_row(&with_duplicate_row(&p, a), w0.images[0][0]);
        let found = search(&g, &q).unwrap();
        let Some(w) = found.witnesses.first() else {
            continue;
        };
        let mut claim = SpiClaim::from_witness(&g, &found.reduction, q.kind, w).unwrap();
        claim.improvements = None;
        let name = g.actions(0)[a].clone();
        let dup = format!("{name}'");
        let m = &mut claim.action_map[0];
        let x = m.iter().position(|(f, _)| *f == name).unwrap();
        let y = m.iter().position(|(f, _)| *f == dup).unwrap();
        let t = m[x].1.clone();
        m[x].1 = m[y].1.clone();
        m[y].1 = t;
        let verifier = verify(&g, &claim).is_ok();
        assert_eq!(
            verifier,
            definition_holds(&g, &claim),
            "duplicate, seed {seed}"
        );
        accepted += usize::from(verifier);
        rejected += usize::from(!verifier);
    }
    assert!(
        accepted > 0 && rejected > 0,
        "accepted {accepted}, rejected {rejected}"
    );
}
