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
            let claim = SpiClaim::from_witness(&g, &red, kind, w);
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
            let claim = SpiClaim::from_witness(&p.game, &found.reduction, q.kind, w);
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
