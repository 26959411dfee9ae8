//! Golden tests for the public vectors of Oesterheld & Conitzer 2022 (OC), listed in
//! docs/reference/definitions.md §2.8.
//!
//! Snapshots live in `tests/snapshots/`; regenerate with `cargo insta test -p spi-theory --accept`
//! after checking the change by hand against docs/reference/definitions.md.

use spi_games::{Game, examples};
use spi_theory::json::search_to_value;
use spi_theory::{PlayerId, SpiClaim, SpiKind, SpiQuery, naive_search, search, verify};

fn all(kind: SpiKind, strict: bool) -> SpiQuery {
    SpiQuery {
        kind,
        strict,
        all: true,
        limit: 10_000,
    }
}

fn certified(game: &Game, q: &SpiQuery) -> serde_json::Value {
    let found = search(game, q).unwrap();
    let certs: Vec<_> = found
        .witnesses
        .iter()
        .map(|w| {
            verify(
                game,
                &SpiClaim::from_witness(game, &found.reduction, q.kind, w).unwrap(),
            )
            .expect("search results verify")
        })
        .collect();
    search_to_value(game, &certs)
}

#[test]
fn oc2022_demand_game_spi() {
    let g = examples::demand_game();
    // Brute force: 12 x 12 injection pairs, exactly two Pareto-improving (identity and DM->DL, RM->RL).
    let naive = naive_search(&g, &all(SpiKind::Omnilateral, false), &mut |_| false).unwrap();
    assert_eq!(naive.candidates, 144);
    assert_eq!(naive.pareto_improving, 2);
    assert_eq!(naive.witnesses.len(), 1);
    let fast = search(&g, &all(SpiKind::Omnilateral, false)).unwrap();
    assert_eq!(fast.raw, naive.witnesses);
    assert_eq!(fast.witnesses.len(), 1);
    let doc = certified(&g, &all(SpiKind::Omnilateral, true));
    insta::assert_json_snapshot!(doc);
}

#[test]
fn oc2022_demand_game_expected_value_rises_from_3_4_to_1() {
    // The reduced game's symmetric equilibrium plays DM with probability 1/4 (expected 3/4 each);
    // the same mix over the images DL, RL pays 1 each under the original utilities.
    let g = examples::demand_game();
    let found = search(&g, &SpiQuery::omnilateral()).unwrap();
    let claim = SpiClaim::from_witness(
        &g,
        &found.reduction,
        SpiKind::Omnilateral,
        &found.witnesses[0],
    )
    .unwrap();
    let cert = verify(&g, &claim).unwrap();
    let p = [
        spi_games::Rational::new(1, 4).unwrap(),
        spi_games::Rational::new(3, 4).unwrap(),
    ];
    let mut before = spi_games::Rational::ZERO;
    let mut after = spi_games::Rational::ZERO;
    for (k, imp) in cert.improvements().iter().enumerate() {
        let w = &p[k / 2] * &p[k % 2];
        before = &before + &(&w * &imp.payoffs_from[0]);
        after = &after + &(&w * &imp.payoffs_to[0]);
    }
    assert_eq!(before.to_string(), "3/4");
    assert_eq!(after.to_string(), "1");
}

#[test]
fn oc2022_prisoners_dilemma_spi() {
    let g = examples::prisoners_dilemma();
    let naive = naive_search(&g, &all(SpiKind::Omnilateral, true), &mut |_| false).unwrap();
    assert_eq!(
        (
            naive.candidates,
            naive.pareto_improving,
            naive.witnesses.len()
        ),
        (4, 2, 1)
    );
    insta::assert_json_snapshot!(certified(&g, &all(SpiKind::Omnilateral, true)));
}

#[test]
fn oc2022_no_unilateral_spi_in_demand_game_or_pd() {
    for g in [examples::demand_game(), examples::prisoners_dilemma()] {
        for p in 0..2 {
            let q = all(SpiKind::Unilateral(PlayerId(p)), false);
            let fast = search(&g, &q).unwrap();
            let naive = naive_search(&g, &q, &mut |_| false).unwrap();
            assert!(
                fast.witnesses.is_empty() && naive.witnesses.is_empty(),
                "{} player {p}",
                g.name()
            );
        }
    }
}
